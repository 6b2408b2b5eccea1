// The HTTP/1.1 front end the server sits on: a generic request/response layer over
// Cap'n Proto 0.9.2's KJ HTTP (and KJ TLS for HTTPS). It knows nothing of the ledger.
// It reads each request whole under limits (header, body and idle timeouts, a body size
// cap, a connection cap), rejects malformed or ambiguous framing itself, hands the
// request to one Handler on its event-loop thread, bounds the handler's time, and
// writes the Response with a Content-Length. Errors it produces itself are JSON
// {"error": "..."} with a fixed, generic message; exception text and internal details go
// to Options::on_error only, never to the client.
//
// Front-end answers (the handler is not called for any of them):
//   400  malformed request line or header block, bad request target, a Content-Length
//        that is not a decimal number, both Transfer-Encoding and Content-Length, a
//        Transfer-Encoding other than "chunked", a bad chunked body, a missing, empty or
//        repeated Host, a GET or HEAD with a body (Transfer-Encoding or a Content-Length
//        over 0)                                          -> and the connection is closed
//   413  a body over max_body_bytes (known from Content-Length without reading the body;
//        a chunked body is read to one byte over)        -> "Connection: close"
//   408  the body did not arrive within body_timeout     -> and the connection is closed
//   501  a request method this server does not know (KJ knows GET HEAD POST PUT DELETE
//        PATCH PURGE OPTIONS TRACE and the WebDAV/UPnP ones; CONNECT is refused too)
//   503  the handler did not finish within handler_timeout (it is cancelled); or its
//        promise broke with an OVERLOADED exception (a full or stopped GroupWorker, a
//        stopped worker pool), then with "Retry-After: 1"
//   500  the handler threw, its promise broke (not OVERLOADED), or its Response was
//        unusable (status outside 200..599, a header name or value KJ refuses, a
//        framing header)
//   Slow or idle header blocks (header_timeout from connection open; idle_timeout
//   between keep-alive requests) are closed without an answer, as KJ does. Connections
//   beyond max_connections, or beyond max_connections_per_ip from one remote address,
//   are closed as soon as they are accepted.
//
// Every response carries Content-Length (for HEAD, the length of the body the handler
// returned, which is not sent), except 204 and 304, which must not (RFC 9110 8.6); a 205
// says "Content-Length: 0". The body a handler gives with 204, 205 or 304 is dropped.
// Connections that end are closed lingeringly (FIN, then up to 64 KiB / 500 ms of what
// the client still sends is read and dropped) so that an answer is not lost to a reset.
// Expect: 100-continue is not answered (KJ 0.9.2 cannot); clients wait their own timeout
// (curl: 1 s) and then send the body.
//
// Request::fields: KJ's built-in fields (Host, Content-Length, Transfer-Encoding,
// Content-Type, Connection, Keep-Alive, TE, Trailer, Upgrade, Date, Location,
// Sec-WebSocket-*) come first, named in KJ's canonical case, and a repeated built-in field
// arrives as one line with its values joined by ", " (RFC 9110 5.3). Every other field
// line comes after them, name as received, in the order received, repeats kept apart.
// The order among lines of one name -- what HTTP and RFC 9421 care about -- is always kept.
//
// Threads. Start() creates the event-loop thread and the worker threads; all of them
// block SIGTERM and SIGINT. The Handler, on_response and on_error run on the loop thread
// only, one at a time. Stop() may be called from any thread, including the handler.
// Run() may be called from any thread but not from the loop thread, and only once.
// RunOffLoop() and GroupWorker::Submit() must be called on the loop thread (from the
// handler or its continuations); anywhere else they return a broken promise. The
// destructor may run on any thread except the loop thread. When Run() returns, no
// handler, continuation or RunOffLoop job is running or will run.
// No C++ or KJ exception escapes any function declared here: failures are Status values
// or broken promises.
#pragma once

#include <kj/async.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ledger/status.h"

namespace probity::http {

// Header field lines: name, value (value without surrounding whitespace).
using FieldList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;     // "GET", as KJ parsed it
  std::string target;     // raw origin-form target "/v1/x?y=1"; absolute-form: its path part
  std::string scheme;     // "http" or "https", from the listener
  std::string authority;  // the Host field, or the authority of an absolute-form target
  FieldList fields;       // every header field line (see the ordering note above)
  std::string body;       // the whole body, read under the limits
  std::string peer;       // remote address "1.2.3.4:5678" or "[::1]:5678", for logs
};

struct Response {
  int status = 200;                               // 200..599
  std::string content_type = "application/json";  // "" = no Content-Type field
  std::string body;
  // Extra fields (Cache-Control, Content-Security-Policy, Content-Disposition, ...).
  // Content-Type, Content-Length, Transfer-Encoding, Connection, Keep-Alive, TE, Trailer
  // and Upgrade are the front end's: naming one here is a handler error (500).
  FieldList fields;
};

// Called on the event-loop thread once the whole request is read. It must not block:
// slow work goes through Server::RunOffLoop or a GroupWorker. It may throw or return a
// broken promise: the client gets a generic 500 and on_error the details.
using Handler = std::function<kj::Promise<Response>(Request)>;

struct Options {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, HOST an IPv4 address, [IPv6] or a name
                                          // resolving to one address; port 0 = pick one
  // PEM text (not paths) of the certificate chain (leaf first) and its unencrypted
  // private key. Both: HTTPS (TLS 1.2 or later). Neither: plain HTTP. One: Invalid.
  std::optional<std::string> tls_cert_pem, tls_key_pem;
  size_t max_body_bytes = 8 << 20;
  std::chrono::milliseconds header_timeout{15000};  // connection open (or a keep-alive
                                                    // request's first byte) to end of headers;
                                                    // also bounds the TLS handshake
  std::chrono::milliseconds body_timeout{30000};    // whole body; also bounds writing the response
  std::chrono::milliseconds idle_timeout{5000};     // keep-alive wait for the next request
  std::chrono::milliseconds handler_timeout{60000};
  std::chrono::milliseconds drain_timeout{10000};  // Stop: how long requests in flight may finish
  size_t max_connections = 256;                    // open ones, TLS handshakes included
  size_t max_connections_per_ip = 64;              // the same, from one IPv4 address or IPv6 /64
  size_t worker_threads = 2;                       // for RunOffLoop; at least 1
  // Access/trace log hook: every response written, front-end errors included. For
  // errors found before the request line was understood, method and target are empty.
  // The Request has its body emptied (the handler had it). Must not throw.
  std::function<void(const Request&, const Response&, std::chrono::microseconds)> on_response;
  // Internal errors, with details that are never sent to the client. Must not throw.
  std::function<void(std::string_view)> on_error;
};

class Server {
 public:
  // Validates the options, binds and starts listening (connections queue in the
  // kernel), but does not serve yet. Invalid for bad options, a malformed or unresolvable
  // address or unusable TLS PEM; IoError when the address cannot be bound (port taken).
  static Result<std::unique_ptr<Server>> Start(Options options, Handler handler);

  // Stops (as Stop) and waits for the loop thread: never call it on the loop thread.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)

  // Serves until Stop() is called (from any thread, also before Run), or, when
  // `handle_signals`, SIGTERM or SIGINT arrives. Then closes the listening socket (new
  // connections are refused), lets requests in flight finish for up to drain_timeout
  // (their responses say "Connection: close"), closes idle connections, cancels what is
  // left, joins the RunOffLoop workers and returns. Invalid if called twice or on the loop
  // thread; IoError if the event loop failed.
  // Signals: the calling thread blocks SIGTERM and SIGINT (and leaves them blocked) and
  // waits for them with sigtimedwait; a signal sent to the process reaches it only if
  // every other thread blocks them too -- call BlockStopSignals() at the top of main(),
  // before any thread (RocksDB's included) starts.
  Status Run(bool handle_signals);

  // Thread-safe and idempotent; async-signal-unsafe.
  void Stop();

  // Runs `work` on a worker thread; the promise resolves on the loop thread with its
  // result, or breaks if it threw (the handler then answers 500 unless it catches).
  // Dropping the promise (handler timeout, client gone) never blocks the loop: a job not
  // yet started is skipped, a running one finishes and its result is discarded.
  // Call it on the loop thread only.
  kj::Promise<Response> RunOffLoop(std::function<Response()> work);

  // Blocks SIGTERM and SIGINT in the calling thread; threads it starts later inherit that.
  static void BlockStopSignals();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

namespace internal {
// For GroupWorker, defined in http_frontend.cc.
kj::Exception MakeError(kj::Exception::Type type, std::string_view message);
kj::Exception CurrentExceptionAsKj();  // inside a catch block
bool HasEventLoop();                   // the calling thread has a KJ event loop
// Blocks SIGTERM and SIGINT in the calling thread while it lives, so that threads started
// meanwhile are born with them blocked; restores the mask after.
class StopSignalsBlocked {
 public:
  StopSignalsBlocked();
  ~StopSignalsBlocked();
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;

 private:
  sigset_t old_;
};
}  // namespace internal

// Group commit: Submit()s from many requests are batched into one call of `process` on
// the worker's own thread; each Submit's promise resolves (on the loop thread) with its own
// result once the batch it joined was processed. While a batch is processed, new items
// queue; the next batch takes all of them (at most max_batch). process(items) returns one
// result per item, in order; if it throws or returns another count, every promise of the
// batch breaks with that error (the handler answers 500 unless it catches).
// Every item accepted by Submit is processed exactly once, even if its request was
// cancelled meanwhile (client gone, handler timeout); the result is then discarded.
// At most max_queue items wait (the batch being processed not counted); a Submit beyond
// that, or after Stop, breaks at once with OVERLOADED, which the front end answers 503
// with Retry-After unless the handler catches it.
// Threads: construct, Stop and destroy on any thread but the loop thread; Submit on the
// event-loop thread only (it binds the promise to that thread's loop). Stop() processes
// what is queued, then joins. Stop it after Server::Run returned (or while it runs), and
// before anything `process` uses is destroyed. The destructor calls Stop().
template <typename In, typename Out>
class GroupWorker {
 public:
  using Process = std::function<std::vector<Out>(std::vector<In>)>;

  explicit GroupWorker(Process process, size_t max_batch = 1024, size_t max_queue = 4096)
      : process_(std::move(process)),
        max_batch_(max_batch == 0 ? 1 : max_batch),
        max_queue_(max_queue == 0 ? 1 : max_queue) {
    try {
      internal::StopSignalsBlocked blocked;  // the thread is born with them blocked
      thread_ = std::thread([this] { Loop(); });
    } catch (...) {
      stopping_ = true;  // no thread: every Submit breaks
    }
  }
  ~GroupWorker() { Stop(); }
  GroupWorker(const GroupWorker&) = delete;
  GroupWorker& operator=(const GroupWorker&) = delete;

  kj::Promise<Out> Submit(In item) {
    if (!internal::HasEventLoop()) {
      return internal::MakeError(kj::Exception::Type::FAILED,
                                 "GroupWorker::Submit called off the event loop");
    }
    try {
      auto paf = kj::newPromiseAndCrossThreadFulfiller<Out>();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) {
          return internal::MakeError(kj::Exception::Type::OVERLOADED, "GroupWorker stopped");
        }
        if (queue_.size() >= max_queue_) {
          return internal::MakeError(
              kj::Exception::Type::OVERLOADED,
              "GroupWorker queue full (" + std::to_string(max_queue_) + " items wait)");
        }
        queue_.push_back(Pending{std::move(item), std::move(paf.fulfiller)});
      }
      cv_.notify_one();
      return std::move(paf.promise);
    } catch (...) {
      return internal::CurrentExceptionAsKj();
    }
  }

  // Processes what is queued, then joins the thread. Idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

  uint64_t batches() const { return batches_.load(); }  // calls of `process` so far

 private:
  struct Pending {
    In item;
    kj::Own<kj::CrossThreadPromiseFulfiller<Out>> done;
  };

  void Loop() {
    for (;;) {
      std::vector<Pending> batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      std::vector<In> items;
      items.reserve(batch.size());
      for (auto& p : batch) items.push_back(std::move(p.item));
      batches_.fetch_add(1);
      std::optional<kj::Exception> failure;
      std::vector<Out> results;
      try {
        results = process_(std::move(items));
        if (results.size() != batch.size()) {
          failure.emplace(internal::MakeError(kj::Exception::Type::FAILED,
                                              "GroupWorker: process returned " +
                                                  std::to_string(results.size()) + " results for " +
                                                  std::to_string(batch.size()) + " items"));
        }
      } catch (...) {
        failure.emplace(internal::CurrentExceptionAsKj());
      }
      for (size_t i = 0; i < batch.size(); ++i) {
        // A cancelled promise makes these harmless no-ops (KJ's cross-thread fulfiller).
        if (failure) {
          batch[i].done->reject(kj::cp(*failure));
        } else {
          batch[i].done->fulfill(std::move(results[i]));
        }
      }
    }
  }

  Process process_;
  const size_t max_batch_;
  const size_t max_queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::atomic<uint64_t> batches_{0};
  std::mutex join_mu_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace probity::http
