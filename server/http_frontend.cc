// The HTTP front end (server/http_frontend.h) over KJ HTTP 0.9.2.
//
// Structure. Server::Start spawns the loop thread, which owns every KJ object (event
// loop, listener, TLS context, connections) from birth to death; it binds, reports back,
// then waits until Run (serve) or the destructor (tear down). Each accepted connection is
// a Conn: its own kj::HttpServer (so the error handler and the "Connection: close"
// callback know which connection they speak for), its HttpService and its error handler.
// Requests are read whole under our limits before the Handler sees them; everything the
// front end answers itself is built here, never by KJ's default error handler (which
// puts exception text, file and line in the body).
//
// KJ 0.9.2 facts this relies on (checked against the v0.9.2 sources):
//  - `url` and `headers` passed to HttpService::request die on the first body read:
//    everything is copied first.
//  - Content-Length / Transfer-Encoding errors found by KJ (getEntityBody) arrive as
//    application errors before request() is called; header-block errors arrive as
//    ProtocolErrors (400, or 501 for any first word that is not a known method).
//  - HttpServerCallbacks::shouldClose() only adds "Connection: close"; the connection
//    is closed by making the request's promise fail after the response was written (the
//    error handler then sends nothing: `close_after_`).
//  - Repeated built-in headers are joined with ", " (so a repeated Host has a comma).
//  - Cross-thread promises (newPromiseAndCrossThreadFulfiller) can be dropped without
//    blocking; Executor::executeAsync cancellation would block, so it is not used.
//    Every such promise is destroyed before the event loop.
#include "server/http_frontend.h"

#include "ledger/event.h"

// g++ 12 at -O2 reports a false "may be used uninitialized" inside KJ's
// ExceptionOr<Maybe<T>> for promises of values holding a std::string (the spike saw the
// same for Maybe<Array<byte>>).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <arpa/inet.h>
#include <kj/async-io.h>
#include <kj/compat/http.h>
#include <kj/compat/tls.h>
#include <kj/debug.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace probity::http {

using Clock = std::chrono::steady_clock;
using KjResponse = kj::HttpService::Response;
using AppResponse = ::probity::http::Response;
using AppRequest = ::probity::http::Request;

namespace internal {

kj::Exception MakeError(kj::Exception::Type type, std::string_view message) {
  return kj::Exception(type, __FILE__, __LINE__, kj::heapString(message.data(), message.size()));
}

kj::Exception CurrentExceptionAsKj() {
  try {
    throw;
  } catch (const kj::Exception& e) {
    return e;
  } catch (const std::exception& e) {
    return MakeError(kj::Exception::Type::FAILED, std::string("std::exception: ") + e.what());
  } catch (...) {
    return MakeError(kj::Exception::Type::FAILED, "unknown non-standard exception");
  }
}

StopSignalsBlocked::StopSignalsBlocked() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, &old_);
}

StopSignalsBlocked::~StopSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

bool HasEventLoop() {
  // getCurrentThreadExecutor() throws when the thread has no event loop.
  bool has = false;
  kj::runCatchingExceptions([&]() {
    (void)kj::getCurrentThreadExecutor();
    has = true;
  });
  return has;
}

}  // namespace internal

namespace {

using internal::CurrentExceptionAsKj;
using internal::MakeError;

constexpr size_t kReadChunk = 64 * 1024;

// ---------------------------------------------------------------------------
// Small text helpers.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsTchar(char c) {
  return IsAlpha(c) || IsDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool IsVisible(char c) { return c > 0x20 && c < 0x7f; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view View(kj::StringPtr s) { return std::string_view(s.begin(), s.size()); }

// A front-end error answer: fixed message, JSON, not cacheable.
AppResponse ErrorResponse(int status, std::string_view message) {
  AppResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"error\": " + JsonQuote(message) + "}";
  r.fields.emplace_back("Cache-Control", "no-store");
  return r;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      break;
  }
  if (status < 300) return "Success";
  if (status < 400) return "Redirection";
  if (status < 500) return "Client Error";
  return "Server Error";
}

// Fields the front end writes itself; a handler naming one is a handler error.
bool IsReservedResponseField(std::string_view name) {
  for (std::string_view r : {"content-type", "content-length", "transfer-encoding", "connection",
                             "keep-alive", "te", "trailer", "upgrade"}) {
    if (EqualsIgnoreCase(name, r)) return true;
  }
  return false;
}

// A Host value or absolute-form authority: reg-name / IPv4 / [IPv6] with optional port,
// percent-escapes allowed; no comma (a repeated Host arrives joined by ", "), no
// userinfo, no whitespace.
bool IsValidAuthority(std::string_view h) {
  if (h.empty() || h.size() > 300) return false;
  for (char c : h) {
    if (IsAlpha(c) || IsDigit(c)) continue;
    if (std::string_view("-._~!$&'()*+;=:[]%").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Splits the request target. Origin-form "/p?q" as is; absolute-form
// "http[s]://authority/p?q" into authority and "/p?q"; "*" for OPTIONS only.
bool ParseTarget(std::string_view url, kj::HttpMethod method, std::string* path,
                 std::string* authority) {
  if (url.empty() || !std::all_of(url.begin(), url.end(), IsVisible)) return false;
  if (url.find('#') != std::string_view::npos) return false;
  if (url[0] == '/') {
    *path = std::string(url);
    authority->clear();
    return true;
  }
  if (url == "*") {
    if (method != kj::HttpMethod::OPTIONS) return false;
    *path = "*";
    authority->clear();
    return true;
  }
  std::string_view rest;
  if (StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else if (StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  size_t end = rest.find_first_of("/?");
  std::string_view auth = rest.substr(0, end);
  if (!IsValidAuthority(auth)) return false;
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  *authority = std::string(auth);
  if (tail.empty()) {
    *path = "/";
  } else if (tail[0] == '?') {
    *path = "/" + std::string(tail);
  } else {
    *path = std::string(tail);
  }
  return true;
}

// True when the header block starts with "TOKEN SP TARGET SP HTTP/d.d": a well-formed
// request line whose method KJ does not know (501), as opposed to garbage (400).
bool LooksLikeRequestLine(kj::ArrayPtr<const char> raw) {
  std::string_view all(raw.begin(), raw.size());
  size_t eol = all.find_first_of(std::string_view("\r\n\0", 3));
  std::string_view line = all.substr(0, eol);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!std::all_of(method.begin(), method.end(), IsTchar)) return false;
  if (!std::all_of(target.begin(), target.end(), IsVisible)) return false;
  return version.size() == 8 && version.substr(0, 5) == "HTTP/" && IsDigit(version[5]) &&
         version[6] == '.' && IsDigit(version[7]);
}

// The remote address with its port ("1.2.3.4:5678", "[::1]:5678"); `*ip` gets what counts
// against max_connections_per_ip: an IPv4 address ("1.2.3.4", also for an IPv4-mapped
// IPv6 peer), an IPv6 /64 ("2001:db8:0:1::/64": one host usually holds a whole /64), or
// the same word as the result ("unknown", "unix").
std::string PeerOf(kj::AsyncIoStream& stream, std::string* ip) {
  sockaddr_storage ss{};
  uint len = sizeof(ss);
  bool ok = kj::runCatchingExceptions(
                [&]() { stream.getpeername(reinterpret_cast<sockaddr*>(&ss), &len); }) == nullptr;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (ok && ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    *ip = buf;
    return *ip + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (ok && ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    std::string peer = "[" + std::string(buf) + "]:" + std::to_string(ntohs(in6->sin6_port));
    const uint8_t* a = in6->sin6_addr.s6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      char v4[INET_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET, a + 12, v4, sizeof(v4));
      *ip = v4;
    } else {
      char prefix[40];
      std::snprintf(prefix, sizeof(prefix), "%x:%x:%x:%x::/64", a[0] << 8 | a[1], a[2] << 8 | a[3],
                    a[4] << 8 | a[5], a[6] << 8 | a[7]);
      *ip = prefix;
    }
    return peer;
  }
  *ip = ok && ss.ss_family == AF_UNIX ? "unix" : "unknown";
  return *ip;
}

std::string Describe(const kj::Exception& e) { return std::string(e.getDescription().cStr()); }

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// RunOffLoop's threads (a named namespace: Server::Impl holds one).

namespace frontend_detail {

class WorkerPool {
 public:
  struct Job {
    std::function<AppResponse()> work;
    kj::Own<kj::CrossThreadPromiseFulfiller<AppResponse>> done;
  };

  ~WorkerPool() { Stop(); }

  bool Start(size_t n) {
    try {
      for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
      return true;
    } catch (...) {
      Stop();
      return false;
    }
  }

  // False once stopping: the job is then dropped (its promise breaks).
  bool Submit(Job job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return false;
      queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

  // Joins the workers after their current job; queued jobs are dropped. Must run on the
  // loop thread while its event loop exists (dropping a fulfiller whose promise still
  // waits touches that loop), or after every promise of the pool was destroyed.
  void Stop() {
    std::deque<Job> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      dropped.swap(queue_);
    }
    cv_.notify_all();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  void Loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      if (!job.done->isWaiting()) continue;  // cancelled before it started: skip it
      try {
        AppResponse r = job.work();
        job.done->fulfill(std::move(r));
      } catch (...) {
        job.done->reject(CurrentExceptionAsKj());
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace frontend_detail

using frontend_detail::WorkerPool;

// ---------------------------------------------------------------------------
// Shared between the caller's threads and the loop thread.

struct Server::Impl {
  Options opts;
  Handler handler;

  std::thread loop_thread;
  std::thread::id loop_tid;  // written before Start returns, then read-only
  uint16_t port = 0;         // likewise
  WorkerPool pool;

  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;  // setup finished; start_status says how
  Status start_status;
  bool go = false;     // Run wants the loop to serve
  bool abort = false;  // the destructor wants the loop thread to end
  bool ran = false;    // Run was called
  bool stop_requested = false;
  bool done = false;  // the loop thread finished
  Status run_status;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop_fulfiller;

  void LoopThread();
  void LoopBody();
  void RequestStop() {
    std::lock_guard<std::mutex> lock(mu);
    stop_requested = true;
    if (stop_fulfiller.get() != nullptr) {
      stop_fulfiller->fulfill();
      stop_fulfiller = nullptr;
    }
    cv.notify_all();
  }
};

namespace {

// ---------------------------------------------------------------------------
// The loop thread's state.

class Conn;

class Frontend final : private kj::TaskSet::ErrorHandler {
 public:
  Frontend(Server::Impl& impl, kj::AsyncIoContext& io)
      : impl_(impl),
        opts_(impl.opts),
        io_(io),
        timer_(io.provider->getTimer()),
        table_(kj::heap<kj::HttpHeaderTable>()),
        tasks_(kj::heap<kj::TaskSet>(static_cast<kj::TaskSet::ErrorHandler&>(*this))) {}
  ~Frontend() noexcept(false);

  Status Setup();
  void Serve(kj::Promise<void> stop);
  uint16_t port() const { return port_; }

  // Internal errors: to on_error only. Never throws.
  void Report(std::string_view message) {
    if (!opts_.on_error) return;
    try {
      opts_.on_error(message);
    } catch (...) {
    }
  }
  void LogResponse(const AppRequest& req, const AppResponse& resp, Clock::time_point started) {
    if (!opts_.on_response) return;
    try {
      opts_.on_response(
          req, resp, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
    } catch (...) {
      Report("on_response threw");
    }
  }

  kj::Duration Ms(std::chrono::milliseconds ms) const { return ms.count() * kj::MILLISECONDS; }

  Server::Impl& impl_;
  const Options& opts_;
  kj::AsyncIoContext& io_;
  kj::Timer& timer_;
  kj::Own<kj::HttpHeaderTable> table_;
  std::string scheme_ = "http";
  bool draining_ = false;
  size_t active_ = 0;
  std::unordered_map<std::string, size_t> active_per_ip_;  // no entry for 0
  std::unordered_set<Conn*> conns_;
  kj::Own<kj::PromiseFulfiller<void>> zero_fulfiller_;  // set while draining

 private:
  friend class Conn;
  kj::Promise<void> AcceptLoop();
  void OnAccept(kj::Own<kj::AsyncIoStream> stream);
  void taskFailed(kj::Exception&& e) override {
    if (e.getType() != kj::Exception::Type::DISCONNECTED) {
      Report("connection failed: " + Describe(e));
    }
  }

  uint16_t port_ = 0;
  kj::Own<kj::TlsKeypair> keypair_;
  kj::Own<kj::TlsContext> tls_;
  kj::Canceler handshakes_;
  kj::Own<kj::ConnectionReceiver> listener_;
  kj::Own<kj::TaskSet> tasks_;  // one task per connection
};

// One connection: its kj::HttpServer, the HttpService it calls, and that server's error
// handler and callbacks.
class Conn final : public kj::HttpService,
                   public kj::HttpServerErrorHandler,
                   public kj::HttpServerCallbacks {
 public:
  Conn(Frontend& fe, std::string peer, std::string ip, int raw_fd)
      : fe_(fe), peer_(std::move(peer)), ip_(std::move(ip)), raw_fd_(raw_fd) {
    ++fe_.active_;
    ++fe_.active_per_ip_[ip_];
    fe_.conns_.insert(this);
  }
  ~Conn() noexcept(false) {
    http_ = nullptr;  // before the stream it reads
    stream_ = nullptr;
    fe_.conns_.erase(this);
    auto ip = fe_.active_per_ip_.find(ip_);
    if (ip != fe_.active_per_ip_.end() && --ip->second == 0) fe_.active_per_ip_.erase(ip);
    if (--fe_.active_ == 0 && fe_.zero_fulfiller_.get() != nullptr) fe_.zero_fulfiller_->fulfill();
  }

  kj::Promise<void> Serve(kj::Own<kj::AsyncIoStream> stream) {
    if (fe_.draining_) return kj::READY_NOW;
    stream_ = kj::mv(stream);
    kj::HttpServerSettings settings;
    settings.headerTimeout = fe_.Ms(fe_.opts_.header_timeout);
    settings.pipelineTimeout = fe_.Ms(fe_.opts_.idle_timeout);
    settings.errorHandler = static_cast<kj::HttpServerErrorHandler&>(*this);
    settings.callbacks = static_cast<kj::HttpServerCallbacks&>(*this);
    http_ = kj::heap<kj::HttpServer>(fe_.timer_, *fe_.table_, static_cast<kj::HttpService&>(*this),
                                     settings);
    return http_->listenHttpCleanDrain(*stream_).then([this](bool) { return Linger(); });
  }

  // Stop taking requests: an idle connection closes now, one in flight after its response.
  void Drain() {
    if (http_.get() != nullptr) {
      auto ignored = http_->drain();
      (void)ignored;
    }
  }

  // kj::HttpService
  kj::Promise<void> request(kj::HttpMethod method, kj::StringPtr url,
                            const kj::HttpHeaders& headers, kj::AsyncInputStream& body,
                            KjResponse& response) override {
    started_ = Clock::now();
    close_next_ = false;
    close_after_ = false;
    is_head_ = method == kj::HttpMethod::HEAD;
    try {
      return Begin(method, url, headers, body, response);
    } catch (...) {
      fe_.Report("request setup failed: " + Describe(CurrentExceptionAsKj()));
      return Respond(response, ErrorResponse(500, "internal error"), CloseMode::kNow);
    }
  }

  // kj::HttpServerCallbacks
  bool shouldClose() override { return close_next_ || fe_.draining_; }

  // kj::HttpServerErrorHandler: the header block did not parse (request() not called).
  kj::Promise<void> handleClientProtocolError(kj::HttpHeaders::ProtocolError e,
                                              KjResponse& response) override {
    ResetForError();
    bool unknown_method = e.statusCode == 501 && LooksLikeRequestLine(e.rawContent);
    return Respond(response,
                   unknown_method ? ErrorResponse(501, "method not implemented")
                                  : ErrorResponse(400, "malformed request"),
                   CloseMode::kNo);  // KJ closes after error-handler answers
  }

  // kj::HttpServerErrorHandler: the request's promise failed, or KJ failed before or
  // around it (bad Content-Length / Transfer-Encoding, oversized header block, I/O).
  kj::Promise<void> handleApplicationError(kj::Exception e,
                                           kj::Maybe<KjResponse&> response) override {
    if (close_after_) {  // our own "close now" after a complete answer
      close_after_ = false;
      return kj::READY_NOW;
    }
    if (e.getType() == kj::Exception::Type::DISCONNECTED) return kj::READY_NOW;
    std::string desc = Describe(e);
    bool framing =
        Contains(desc, "Content-Length") || Contains(desc, "ransfer") || Contains(desc, "chunk");
    KJ_IF_MAYBE (r, response) {
      ResetForError();
      if (framing)
        return Respond(*r, ErrorResponse(400, "malformed request framing"), CloseMode::kNo);
      fe_.Report("HTTP request failed: " + desc);
      return Respond(*r, ErrorResponse(500, "internal error"), CloseMode::kNo);
    }
    if (!Contains(desc, "too large") && !Contains(desc, "timed out")) {
      fe_.Report("HTTP connection failed: " + desc);
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> handleNoResponse(KjResponse& response) override {
    fe_.Report("request finished without a response");
    return Respond(response, ErrorResponse(500, "internal error"), CloseMode::kNo);
  }

 private:
  enum class CloseMode {
    kNo,         // keep the connection
    kAfterBody,  // say "Connection: close"; KJ's grace period absorbs an unread body
    kNow,        // say "Connection: close" and close once the answer is written
  };
  struct BodyOutcome {
    enum Kind { kOk, kTooBig, kTimeout, kMalformed } kind = kOk;
    std::string data;
  };
  struct HandlerOutcome {
    enum Kind { kOk, kFailed, kOverloaded, kTimeout } kind = kOk;
    AppResponse response;
  };

  // Reads a body of known length, or a chunked one to one byte past the limit.
  struct BodyReader {
    kj::AsyncInputStream& in;
    std::optional<uint64_t> length;
    size_t limit;
    std::string data;

    kj::Promise<BodyOutcome> Next() {
      uint64_t want;
      if (length) {
        want = std::min<uint64_t>(*length - data.size(), kReadChunk);
      } else {  // up to one byte past the limit, without overflow
        uint64_t room = limit - data.size();
        want = room >= kReadChunk ? kReadChunk : room + 1;
      }
      size_t old = data.size();
      data.resize(old + want);
      return in.tryRead(data.data() + old, 1, want)
          .then([this, old](size_t n) -> kj::Promise<BodyOutcome> {
            data.resize(old + n);
            if (n == 0) {
              if (length && data.size() < *length) {
                return MakeError(kj::Exception::Type::DISCONNECTED, "body ended early");
              }
              return BodyOutcome{BodyOutcome::kOk, std::move(data)};
            }
            if (!length && data.size() > limit) return BodyOutcome{BodyOutcome::kTooBig, {}};
            if (length && data.size() == *length) {
              return BodyOutcome{BodyOutcome::kOk, std::move(data)};
            }
            return Next();
          });
    }
  };

  // Lingering close: after the last answer, send FIN and read (and drop) what the
  // client still sends, a little while, so that closing does not reset the connection
  // under an answer it has not read yet (a 413 while it uploads, a 400 on a pipeline).
  kj::Promise<void> Linger() {
    if (kj::runCatchingExceptions([&]() { stream_->shutdownWrite(); }) != nullptr) {
      return kj::READY_NOW;
    }
    auto buffer = kj::heapArray<kj::byte>(4096);
    auto drained = Discard(buffer.begin(), buffer.size(), 16);
    return drained.attach(kj::mv(buffer))
        .exclusiveJoin(fe_.timer_.afterDelay(500 * kj::MILLISECONDS))
        .catch_([](kj::Exception&&) {});
  }
  kj::Promise<void> Discard(kj::byte* buffer, size_t size, int rounds_left) {
    if (rounds_left == 0) return kj::READY_NOW;
    return stream_->tryRead(buffer, 1, size)
        .then([this, buffer, size, rounds_left](size_t n) -> kj::Promise<void> {
          if (n == 0) return kj::READY_NOW;
          return Discard(buffer, size, rounds_left - 1);
        });
  }

  // A client that does not read its answer: cut the socket, so that KJ's pending write
  // (and its final flush) fail instead of waiting for ever.
  void CutSocket() {
    if (raw_fd_ >= 0) ::shutdown(raw_fd_, SHUT_RDWR);
  }

  void ResetForError() {
    started_ = Clock::now();
    is_head_ = false;
    current_ = AppRequest{};
    current_.scheme = fe_.scheme_;
    current_.peer = peer_;
  }

  kj::Promise<void> Reject(KjResponse& response, int status, std::string_view message,
                           CloseMode mode) {
    return Respond(response, ErrorResponse(status, message), mode);
  }

  kj::Promise<void> Begin(kj::HttpMethod method, kj::StringPtr url, const kj::HttpHeaders& headers,
                          kj::AsyncInputStream& body, KjResponse& response) {
    // Copy all we need before the first body read invalidates `url` and `headers`.
    current_ = AppRequest{};
    current_.method = kj::str(method).cStr();
    current_.target = std::string(View(url));
    current_.scheme = fe_.scheme_;
    current_.peer = peer_;
    headers.forEach(
        [&](kj::HttpHeaderId id, kj::StringPtr value) {
          current_.fields.emplace_back(std::string(View(fe_.table_->idToString(id))),
                                       std::string(TrimOws(View(value))));
        },
        [&](kj::StringPtr name, kj::StringPtr value) {
          current_.fields.emplace_back(std::string(View(name)), std::string(TrimOws(View(value))));
        });

    std::string path, authority;
    if (!ParseTarget(View(url), method, &path, &authority)) {
      return Reject(response, 400, "bad request target", CloseMode::kNow);
    }
    current_.target = path;
    KJ_IF_MAYBE (host, headers.get(kj::HttpHeaderId::HOST)) {
      std::string_view h = TrimOws(View(*host));
      if (!IsValidAuthority(h)) {
        return Reject(response, 400, "missing, repeated or malformed Host", CloseMode::kNow);
      }
      current_.authority = authority.empty() ? std::string(h) : authority;
    } else {
      return Reject(response, 400, "missing, repeated or malformed Host", CloseMode::kNow);
    }

    auto te = headers.get(kj::HttpHeaderId::TRANSFER_ENCODING);
    auto cl = headers.get(kj::HttpHeaderId::CONTENT_LENGTH);
    if (te != nullptr && cl != nullptr) {
      return Reject(response, 400, "both Transfer-Encoding and Content-Length", CloseMode::kNow);
    }
    std::optional<uint64_t> length;  // none: chunked (KJ refuses any other coding)
    bool too_large = false;
    KJ_IF_MAYBE (c, cl) {
      std::string_view v = TrimOws(View(*c));
      if (v.empty() || !std::all_of(v.begin(), v.end(), IsDigit)) {
        return Reject(response, 400, "bad Content-Length", CloseMode::kNow);
      }
      while (v.size() > 1 && v[0] == '0') v.remove_prefix(1);
      too_large = v.size() > 19 || std::stoull(std::string(v)) > fe_.opts_.max_body_bytes;
      if (!too_large) length = std::stoull(std::string(v));
    } else if (te == nullptr) {
      length = 0;
    }
    // RFC 9110 9.3.1-2: content in a GET or HEAD has no defined meaning, and a proxy in
    // front of us might frame it differently (request smuggling).
    const bool has_body = te != nullptr || too_large || (length && *length > 0);
    if ((method == kj::HttpMethod::GET || method == kj::HttpMethod::HEAD) && has_body) {
      return Reject(response, 400, "a " + current_.method + " request carries no body",
                    CloseMode::kNow);
    }
    if (too_large) return Reject(response, 413, "request body too large", CloseMode::kAfterBody);
    return ReadBody(body, length).then([this, &response](BodyOutcome b) -> kj::Promise<void> {
      switch (b.kind) {
        case BodyOutcome::kOk:
          return CallHandler(response, std::move(b.data));
        case BodyOutcome::kTooBig:
          return Reject(response, 413, "request body too large", CloseMode::kAfterBody);
        case BodyOutcome::kTimeout:
          return Reject(response, 408, "request body timed out", CloseMode::kNow);
        case BodyOutcome::kMalformed:
          return Reject(response, 400, "malformed request body", CloseMode::kNow);
      }
      KJ_UNREACHABLE;
    });
  }

  kj::Promise<BodyOutcome> ReadBody(kj::AsyncInputStream& in, std::optional<uint64_t> length) {
    if (length && *length == 0) return BodyOutcome{};
    auto reader = kj::heap<BodyReader>(BodyReader{in, length, fe_.opts_.max_body_bytes, {}});
    if (length) reader->data.reserve(std::min<uint64_t>(*length, 1 << 20));
    auto read = reader->Next().attach(kj::mv(reader));
    return read
        .catch_([](kj::Exception&& e) -> kj::Promise<BodyOutcome> {
          if (e.getType() == kj::Exception::Type::DISCONNECTED) return kj::mv(e);
          return BodyOutcome{BodyOutcome::kMalformed, {}};
        })
        .exclusiveJoin(fe_.timer_.afterDelay(fe_.Ms(fe_.opts_.body_timeout)).then([]() {
          return BodyOutcome{BodyOutcome::kTimeout, {}};
        }));
  }

  kj::Promise<void> CallHandler(KjResponse& response, std::string body) {
    AppRequest req = current_;  // current_ keeps no body: it is what on_response sees
    req.body = std::move(body);
    kj::Promise<AppResponse> handled = nullptr;
    try {
      if (!fe_.impl_.handler) throw std::runtime_error("no handler");
      handled = fe_.impl_.handler(std::move(req));
    } catch (...) {
      handled = CurrentExceptionAsKj();
    }
    auto outcome =
        handled
            .then(
                [](AppResponse r) {
                  return HandlerOutcome{HandlerOutcome::kOk, std::move(r)};
                },
                [this](kj::Exception&& e) {
                  fe_.Report("handler failed for " + current_.method + " " + current_.target +
                             ": " + Describe(e));
                  return HandlerOutcome{e.getType() == kj::Exception::Type::OVERLOADED
                                            ? HandlerOutcome::kOverloaded
                                            : HandlerOutcome::kFailed,
                                        {}};
                })
            .exclusiveJoin(fe_.timer_.afterDelay(fe_.Ms(fe_.opts_.handler_timeout)).then([this]() {
              fe_.Report("handler timed out after " +
                         std::to_string(fe_.opts_.handler_timeout.count()) + " ms for " +
                         current_.method + " " + current_.target);
              return HandlerOutcome{HandlerOutcome::kTimeout, {}};
            }));
    return outcome.then([this, &response](HandlerOutcome o) -> kj::Promise<void> {
      switch (o.kind) {
        case HandlerOutcome::kOk:
          return Respond(response, std::move(o.response), CloseMode::kNo);
        case HandlerOutcome::kFailed:
          return Respond(response, ErrorResponse(500, "internal error"), CloseMode::kNo);
        case HandlerOutcome::kOverloaded: {
          AppResponse busy = ErrorResponse(503, "service unavailable: overloaded");
          busy.fields.emplace_back("Retry-After", "1");
          return Respond(response, std::move(busy), CloseMode::kNo);
        }
        case HandlerOutcome::kTimeout:
          return Respond(response, ErrorResponse(503, "service unavailable: request timed out"),
                         CloseMode::kNo);
      }
      KJ_UNREACHABLE;
    });
  }

  // Why `r` cannot be written as it is, or "".
  static std::string Unusable(const AppResponse& r) {
    if (r.status < 200 || r.status > 599) return "status " + std::to_string(r.status);
    auto bad_value = [](std::string_view v) {
      return v.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
    };
    if (bad_value(r.content_type)) return "bad content_type";
    for (const auto& [name, value] : r.fields) {
      if (name.empty() || !std::all_of(name.begin(), name.end(), IsTchar)) {
        return "bad field name " + JsonQuote(name);
      }
      if (IsReservedResponseField(name)) return "reserved field " + name;
      if (bad_value(value)) return "bad value for field " + name;
    }
    return "";
  }

  // Writes `r` with a Content-Length; then on_response; then, for kNow, fails the
  // request's promise so that KJ closes the connection (the error handler sends nothing).
  kj::Promise<void> Respond(KjResponse& response, AppResponse r, CloseMode mode) {
    if (mode != CloseMode::kNo) close_next_ = true;
    std::string why = Unusable(r);
    kj::HttpHeaders headers(*fe_.table_);
    if (why.empty()) {
      KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { FillHeaders(r, headers); })) {
        why = "bad field: " + Describe(*e);
      }
    }
    if (!why.empty()) {
      fe_.Report("handler response unusable for " + current_.method + " " + current_.target + ": " +
                 why);
      r = ErrorResponse(500, "internal error");
      headers.clear();
      FillHeaders(r, headers);  // our own fields: cannot fail
    }
    // 204 and 304 carry no Content-Length (RFC 9110 8.6), 205 "Content-Length: 0" (KJ).
    const bool no_body = r.status == 204 || r.status == 205 || r.status == 304;
    if (is_head_ && !no_body) {
      headers.set(kj::HttpHeaderId::CONTENT_LENGTH, kj::str(r.body.size()));
    }
    auto state = kj::heap<AppResponse>(std::move(r));
    auto out = response.send(state->status, ReasonPhrase(state->status), headers,
                             uint64_t(state->body.size()));
    kj::Promise<void> written = kj::READY_NOW;
    if (!is_head_ && !no_body && !state->body.empty()) {
      written = out->write(state->body.data(), state->body.size());
    }
    AppResponse* logged = state.get();
    return written.attach(kj::mv(out))
        .exclusiveJoin(fe_.timer_.afterDelay(fe_.Ms(fe_.opts_.body_timeout))
                           .then([this]() -> kj::Promise<void> {
                             CutSocket();
                             return MakeError(kj::Exception::Type::DISCONNECTED,
                                              "response write timed out");
                           }))
        .then([this, logged, mode]() -> kj::Promise<void> {
          fe_.LogResponse(current_, *logged, started_);
          if (mode == CloseMode::kNow) {
            close_after_ = true;
            return MakeError(kj::Exception::Type::FAILED, "front end closes the connection");
          }
          return kj::READY_NOW;
        })
        .attach(kj::mv(state));
  }

  void FillHeaders(const AppResponse& r, kj::HttpHeaders& headers) {
    if (!r.content_type.empty()) {
      headers.set(kj::HttpHeaderId::CONTENT_TYPE, kj::str(r.content_type.c_str()));
    }
    for (const auto& [name, value] : r.fields) {
      headers.add(kj::str(name.c_str()), kj::str(value.c_str()));
    }
  }

  Frontend& fe_;
  const std::string peer_;
  const std::string ip_;  // peer_ without the port: the key of active_per_ip_
  const int raw_fd_;      // the TCP socket under any TLS, or -1
  AppRequest current_;    // the request being served, without its body
  Clock::time_point started_ = Clock::now();
  bool is_head_ = false;
  bool close_next_ = false;   // the answer says "Connection: close"
  bool close_after_ = false;  // the request's promise failed on purpose, to close
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Own<kj::HttpServer> http_;
};

Frontend::~Frontend() noexcept(false) {
  // Connections first: they refer to the table, the timer and this object.
  tasks_ = nullptr;
  listener_ = nullptr;
}

Status Frontend::Setup() {
  const std::string& listen = opts_.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status::Invalid("listen address must be HOST:PORT, got \"" + listen + "\"");
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), IsDigit) ||
      std::stoul(port_text) > 65535) {
    return Status::Invalid("bad port in listen address \"" + listen + "\"");
  }
  if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string::npos) {
    return Status::Invalid("an IPv6 listen address must be bracketed: \"" + listen + "\"");
  }

  if (opts_.tls_cert_pem.has_value() != opts_.tls_key_pem.has_value()) {
    return Status::Invalid("HTTPS needs both tls_cert_pem and tls_key_pem");
  }
  if (opts_.tls_cert_pem) {
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                   keypair_ = kj::heap<kj::TlsKeypair>(kj::TlsKeypair{
                       kj::TlsPrivateKey(kj::StringPtr(opts_.tls_key_pem->c_str())),
                       kj::TlsCertificate(kj::StringPtr(opts_.tls_cert_pem->c_str()))});
                   kj::TlsContext::Options options;
                   options.useSystemTrustStore = false;
                   options.minVersion = kj::TlsVersion::TLS_1_2;
                   options.defaultKeypair = *keypair_;
                   options.timer = timer_;
                   options.acceptTimeout = Ms(opts_.header_timeout);
                   tls_ = kj::heap<kj::TlsContext>(kj::mv(options));
                 })) {
      return Status::Invalid("unusable TLS certificate or key: " + Describe(*e));
    }
    scheme_ = "https";
  }

  kj::Own<kj::NetworkAddress> address;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                 address = io_.provider->getNetwork()
                               .parseAddress(kj::StringPtr(listen.c_str()))
                               .wait(io_.waitScope);
               })) {
    return Status::Invalid("cannot resolve listen address \"" + listen + "\": " + Describe(*e));
  }
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { listener_ = address->listen(); })) {
    return Status::IoError("cannot listen on \"" + listen + "\": " + Describe(*e));
  }
  port_ = static_cast<uint16_t>(listener_->getPort());
  return Status::Ok();
}

kj::Promise<void> Frontend::AcceptLoop() {
  return listener_->accept().then(
      [this](kj::Own<kj::AsyncIoStream>&& stream) -> kj::Promise<void> {
        OnAccept(kj::mv(stream));
        return AcceptLoop();
      },
      [this](kj::Exception&& e) -> kj::Promise<void> {
        // EMFILE and the like: say so, breathe, go on.
        Report("accept failed: " + Describe(e));
        return timer_.afterDelay(100 * kj::MILLISECONDS).then([this]() { return AcceptLoop(); });
      });
}

void Frontend::OnAccept(kj::Own<kj::AsyncIoStream> stream) {
  // Returning drops `stream`, which closes it: a refused connection holds no slot.
  if (draining_ || active_ >= opts_.max_connections) return;
  std::string ip;
  std::string peer = PeerOf(*stream, &ip);
  auto same_ip = active_per_ip_.find(ip);
  if (same_ip != active_per_ip_.end() && same_ip->second >= opts_.max_connections_per_ip) return;
  int fd = -1;
  KJ_IF_MAYBE (f, stream->getFd()) {
    fd = *f;
  }
  auto conn = kj::heap<Conn>(*this, std::move(peer), std::move(ip), fd);
  Conn& c = *conn;
  kj::Promise<void> served = nullptr;
  if (tls_.get() != nullptr) {
    served =
        handshakes_.wrap(tls_->wrapServer(kj::mv(stream)))
            .then([&c](kj::Own<kj::AsyncIoStream>&& secure) { return c.Serve(kj::mv(secure)); },
                  [](kj::Exception&&) -> kj::Promise<void> {
                    return kj::READY_NOW;  // handshake failed, timed out or was cancelled
                  });
  } else {
    served = c.Serve(kj::mv(stream));
  }
  tasks_->add(served.attach(kj::mv(conn)));
}

void Frontend::Serve(kj::Promise<void> stop) {
  auto accepting = AcceptLoop().eagerlyEvaluate(
      [this](kj::Exception&& e) { Report("accept loop ended: " + Describe(e)); });
  stop.wait(io_.waitScope);

  // Stop accepting: new connections are refused from here on.
  draining_ = true;
  accepting = nullptr;
  listener_ = nullptr;
  handshakes_.cancel("server stopping");
  std::vector<Conn*> open(conns_.begin(), conns_.end());
  for (Conn* c : open) c->Drain();
  if (active_ > 0) {
    auto paf = kj::newPromiseAndFulfiller<void>();
    zero_fulfiller_ = kj::mv(paf.fulfiller);
    bool clean =
        paf.promise.then([]() { return true; })
            .exclusiveJoin(io_.provider->getTimer().afterDelay(Ms(opts_.drain_timeout)).then([]() {
              return false;
            }))
            .wait(io_.waitScope);
    if (!clean) {
      Report("drain timed out; cancelling " + std::to_string(active_) + " connection(s)");
    }
  }
  tasks_ = nullptr;  // cancels whatever is left
  zero_fulfiller_ = nullptr;
  impl_.pool.Stop();  // waits for running jobs; their promises are gone already
}

}  // namespace

// ---------------------------------------------------------------------------
// Server.

void Server::Impl::LoopThread() {
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { LoopBody(); })) {
    std::lock_guard<std::mutex> lock(mu);
    Status failed = Status::IoError("event loop failed: " + Describe(*e));
    if (!ready) {
      start_status = failed;
      ready = true;
    } else {
      run_status = failed;
    }
  }
  // On every path the loop-side promise of stop_fulfiller is gone by now.
  std::lock_guard<std::mutex> lock(mu);
  stop_fulfiller = nullptr;
  done = true;
  cv.notify_all();
}

void Server::Impl::LoopBody() {
  auto io = kj::setupAsyncIo();
  Frontend fe(*this, io);
  Status setup = fe.Setup();
  if (!setup.ok()) {
    std::lock_guard<std::mutex> lock(mu);
    start_status = setup;
    ready = true;
    return;
  }
  auto stop = kj::newPromiseAndCrossThreadFulfiller<void>();
  {
    std::lock_guard<std::mutex> lock(mu);
    port = fe.port();
    loop_tid = std::this_thread::get_id();
    stop_fulfiller = kj::mv(stop.fulfiller);
    if (stop_requested) {
      stop_fulfiller->fulfill();
      stop_fulfiller = nullptr;
    }
    start_status = Status::Ok();
    ready = true;
  }
  cv.notify_all();
  bool serve;
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return go || abort; });
    serve = go;
  }
  if (serve) {
    fe.Serve(kj::mv(stop.promise));
  } else {
    pool.Stop();
  }
  std::lock_guard<std::mutex> lock(mu);
  stop_fulfiller = nullptr;  // while the loop it belongs to still exists
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::Start(Options options, Handler handler) {
  try {
    if (!handler) return Status::Invalid("no handler");
    if (options.max_connections == 0) return Status::Invalid("max_connections must be >= 1");
    if (options.max_connections_per_ip == 0) {
      return Status::Invalid("max_connections_per_ip must be >= 1");
    }
    if (options.worker_threads == 0) return Status::Invalid("worker_threads must be >= 1");
    for (auto ms : {options.header_timeout, options.body_timeout, options.idle_timeout,
                    options.handler_timeout, options.drain_timeout}) {
      if (ms.count() <= 0) return Status::Invalid("timeouts must be positive");
    }
    auto impl = std::make_unique<Impl>();
    impl->opts = std::move(options);
    impl->handler = std::move(handler);
    Impl* raw = impl.get();
    {
      internal::StopSignalsBlocked blocked;  // the new threads are born with them blocked
      raw->loop_thread = std::thread([raw] { raw->LoopThread(); });
    }
    {
      std::unique_lock<std::mutex> lock(raw->mu);
      raw->cv.wait(lock, [raw] { return raw->ready; });
    }
    if (!raw->start_status.ok()) {
      Status failed = raw->start_status;
      raw->loop_thread.join();
      return failed;
    }
    bool workers;
    {
      internal::StopSignalsBlocked blocked;
      workers = raw->pool.Start(raw->opts.worker_threads);
    }
    if (!workers) {
      std::unique_ptr<Server> server(new Server(std::move(impl)));  // tears the loop down
      return Status::IoError("cannot start worker threads");
    }
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (...) {
    return Status::IoError("cannot start the server: " + Describe(CurrentExceptionAsKj()));
  }
}

Server::~Server() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->abort = true;
  }
  impl_->RequestStop();
  if (impl_->loop_thread.joinable()) impl_->loop_thread.join();
  impl_->pool.Stop();
}

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() { impl_->RequestStop(); }

void Server::BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Status Server::Run(bool handle_signals) {
  Impl& impl = *impl_;
  if (std::this_thread::get_id() == impl.loop_tid) {
    return Status::Invalid("Server::Run called on its own event-loop thread");
  }
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    if (impl.ran) return Status::Invalid("Server::Run called twice");
    impl.ran = true;
    impl.go = true;
  }
  impl.cv.notify_all();
  if (handle_signals) {
    BlockStopSignals();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(impl.mu);
        if (impl.done) break;
      }
      timespec wait{0, 50 * 1000 * 1000};
      int sig = sigtimedwait(&set, nullptr, &wait);
      if (sig == SIGTERM || sig == SIGINT) impl.RequestStop();
    }
  } else {
    std::unique_lock<std::mutex> lock(impl.mu);
    impl.cv.wait(lock, [&impl] { return impl.done; });
  }
  if (impl.loop_thread.joinable()) impl.loop_thread.join();
  std::lock_guard<std::mutex> lock(impl.mu);
  return impl.run_status;
}

kj::Promise<Response> Server::RunOffLoop(std::function<Response()> work) {
  if (std::this_thread::get_id() != impl_->loop_tid) {
    return MakeError(kj::Exception::Type::FAILED, "RunOffLoop called off the event-loop thread");
  }
  try {
    auto paf = kj::newPromiseAndCrossThreadFulfiller<Response>();
    if (!impl_->pool.Submit(WorkerPool::Job{std::move(work), kj::mv(paf.fulfiller)})) {
      return MakeError(kj::Exception::Type::OVERLOADED, "RunOffLoop: workers stopped");
    }
    return kj::mv(paf.promise);
  } catch (...) {
    return CurrentExceptionAsKj();
  }
}

}  // namespace probity::http
