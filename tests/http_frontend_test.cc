// Tests for server/http_frontend.h: the generic HTTP front end over KJ HTTP, driven over
// real sockets on 127.0.0.1 (port 0) by a small blocking POSIX client that sends exact
// bytes, and by curl for HTTPS. Each case starts its own Server, runs it on a thread of
// its own and stops it; timeouts are set small so that the whole file runs in a few
// seconds. Catch2 assertions are made on the test's thread only; the handler and the
// hooks (loop thread) record into mutex-guarded state.
#include "server/http_frontend.h"

#include <arpa/inet.h>
#include <kj/async-io.h>
#include <kj/debug.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing.h"

namespace probity::http {
namespace {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

Ms Since(SteadyClock::time_point t) {
  return std::chrono::duration_cast<Ms>(SteadyClock::now() - t);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------------------
// A blocking client that sends exact bytes.

struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (Lower(n) == Lower(name)) return v;
    }
    return std::nullopt;
  }
};

class Client {
 public:
  // Connects to 127.0.0.1:port from `from` (another loopback address such as
  // "127.0.0.2", to be a second client IP), or from 127.0.0.1.
  explicit Client(uint16_t port, const char* from = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (from != nullptr) {
      sockaddr_in source{};
      source.sin_family = AF_INET;
      ::inet_pton(AF_INET, from, &source.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof(source)) != 0) {
        connect_errno_ = errno;
        ::close(fd_);
        fd_ = -1;
        return;
      }
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // One response: the header block, then Content-Length bytes (none for HEAD). Empty if
  // the connection closed or `timeout` passed first.
  std::optional<Reply> Read(bool head = false, Ms timeout = 3000ms) {
    auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        Reply reply;
        std::istringstream lines(buffer_.substr(0, end));
        std::string line;
        std::getline(lines, line);
        if (line.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
        reply.status = std::atoi(line.c_str() + 9);
        while (std::getline(lines, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          size_t colon = line.find(':');
          if (colon == std::string::npos) return std::nullopt;
          std::string value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          reply.headers.emplace_back(line.substr(0, colon), value);
        }
        size_t length = 0;
        if (auto cl = reply.Header("Content-Length")) length = std::stoul(*cl);
        if (head) length = 0;
        if (buffer_.size() >= end + 4 + length) {
          reply.body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return reply;
        }
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }

  // True if the server closes the connection (FIN or reset) within `timeout`.
  bool ClosedWithin(Ms timeout) {
    auto deadline = SteadyClock::now() + timeout;
    while (Fill(deadline)) {
    }
    return closed_;
  }

  const std::string& unread() const { return buffer_; }

 private:
  // Reads what arrives before `deadline`; false on close, error or timeout.
  bool Fill(SteadyClock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    auto left = std::chrono::duration_cast<Ms>(deadline - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;  // FIN, or ECONNRESET
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  bool closed_ = false;
  std::string buffer_;
};

// Sends `raw` on a fresh connection and reads one response.
std::optional<Reply> RoundTrip(uint16_t port, const std::string& raw, Ms timeout = 3000ms) {
  Client c(port);
  if (!c.connected() || !c.Send(raw)) return std::nullopt;
  return c.Read(false, timeout);
}

std::string Get(std::string_view target, std::string_view host = "t.test") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n";
}

std::string Post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: t.test\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

// What any answer of the front end itself looks like: JSON {"error": ...}, a
// Content-Length, and nothing of KJ's or the handler's internals.
void CheckFrontEndError(const Reply& r, int status) {
  INFO("status " << r.status << " body " << r.body);
  CHECK(r.status == status);
  CHECK(r.Header("Content-Length") == std::to_string(r.body.size()));
  CHECK(r.Header("Content-Type") == "application/json");
  CHECK(r.body.rfind("{\"error\": \"", 0) == 0);
  for (const char* leak : {"kj", ".c++", "exception", "secret", "http.c++", "stack"}) {
    CHECK(r.body.find(leak) == std::string::npos);
  }
}

Response Text(std::string body, int status = 200) {
  Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

// ---------------------------------------------------------------------------
// A Server running on its own thread, recording its hooks.

class Harness {
 public:
  using TestHandler = std::function<kj::Promise<Response>(Harness&, Request)>;

  Harness(Options options, TestHandler handler) {
    options.listen = "127.0.0.1:0";
    options.on_error = [this](std::string_view e) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.emplace_back(e);
    };
    options.on_response = [this](const Request& req, const Response& resp,
                                 std::chrono::microseconds) {
      std::lock_guard<std::mutex> lock(mu_);
      responses_.emplace_back(req.method + " " + req.target + " " + std::to_string(resp.status));
    };
    auto started = Server::Start(std::move(options), [this, handler](Request req) {
      handled_.fetch_add(1);
      return handler(*this, std::move(req));
    });
    INFO(started.status().message());
    REQUIRE(started.ok());
    server_ = std::move(*started);
    runner_ = std::thread([this] { run_status_ = server_->Run(false); });
  }
  ~Harness() {
    Status ignored = StopAndJoin();  // tests that care call it themselves
    (void)ignored;
  }

  Server& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  int handled() const { return handled_.load(); }

  Status StopAndJoin() {
    if (runner_.joinable()) {
      server_->Stop();
      runner_.join();
    }
    return run_status_;
  }

  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  std::string AllErrors() {
    std::string all;
    for (const auto& e : errors()) all += e + "\n";
    return all;
  }
  std::vector<std::string> responses() {
    std::lock_guard<std::mutex> lock(mu_);
    return responses_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> errors_;
  std::vector<std::string> responses_;
  std::atomic<int> handled_{0};
  Status run_status_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

Options Fast() {
  Options o;
  o.listen = "127.0.0.1:0";
  o.header_timeout = 2000ms;
  o.body_timeout = 2000ms;
  o.idle_timeout = 2000ms;
  o.handler_timeout = 2000ms;
  o.drain_timeout = 2000ms;
  return o;
}

// ---------------------------------------------------------------------------

TEST_CASE(
    "http-frontend: the handler gets the whole request as sent: method, raw target, "
    "scheme, Host as authority, field lines in order, body and peer",
    "[http-frontend]") {
  std::mutex mu;
  std::vector<Request> seen;
  Harness h(Fast(), [&](Harness&, Request req) -> kj::Promise<Response> {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(req);
    Response r = Text("ok:" + req.body);
    r.fields.emplace_back("Cache-Control", "no-cache");
    return r;
  });

  Client c(h.port());
  REQUIRE(
      c.Send("POST /v1/x?y=1&z=%20 HTTP/1.1\r\nHost: example.test:8080\r\nX-B: 1\r\n"
             "X-A:  two \r\nx-b: 3\r\nContent-Length: 5\r\n\r\nhello"));
  auto r1 = c.Read();
  REQUIRE(r1);
  CHECK(r1->status == 200);
  CHECK(r1->body == "ok:hello");
  CHECK(r1->Header("Content-Length") == "8");
  CHECK(r1->Header("Content-Type") == "text/plain");
  CHECK(r1->Header("Cache-Control") == "no-cache");

  // Same connection: absolute-form target, then a chunked body.
  REQUIRE(c.Send("GET http://other.test:9/p?q=1 HTTP/1.1\r\nHost: example.test\r\n\r\n"));
  auto r2 = c.Read();
  REQUIRE(r2);
  CHECK(r2->status == 200);
  REQUIRE(
      c.Send("POST /c HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  auto r3 = c.Read();
  REQUIRE(r3);
  CHECK(r3->body == "ok:hello world");

  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(seen.size() == 3);
  const Request& a = seen[0];
  CHECK(a.method == "POST");
  CHECK(a.target == "/v1/x?y=1&z=%20");
  CHECK(a.scheme == "http");
  CHECK(a.authority == "example.test:8080");
  CHECK(a.body == "hello");
  CHECK(a.peer.rfind("127.0.0.1:", 0) == 0);
  auto index = [&](const std::string& name, const std::string& value) -> long {
    for (size_t i = 0; i < a.fields.size(); ++i) {
      if (a.fields[i].first == name && a.fields[i].second == value) return static_cast<long>(i);
    }
    return -1;
  };
  CHECK(index("Host", "example.test:8080") >= 0);
  CHECK(index("Content-Length", "5") >= 0);
  long b1 = index("X-B", "1"), a2 = index("X-A", "two"), b3 = index("x-b", "3");
  CHECK(b1 >= 0);
  CHECK(a2 > b1);
  CHECK(b3 > a2);

  CHECK(seen[1].method == "GET");
  CHECK(seen[1].target == "/p?q=1");
  CHECK(seen[1].authority == "other.test:9");
  CHECK(seen[2].body == "hello world");
  CHECK(seen[2].authority == "a.test");

  CHECK(h.StopAndJoin().ok());  // on_response runs after the write: wait for the loop to end
  auto log = h.responses();
  REQUIRE(log.size() == 3);
  CHECK(log[0] == "POST /v1/x?y=1&z=%20 200");
  CHECK(h.errors().empty());
}

TEST_CASE(
    "http-frontend: malformed or ambiguous framing gets a JSON 400 (an unknown method "
    "501) that closes the connection, and never reaches the handler",
    "[http-frontend]") {
  Harness h(Fast(), [](Harness&, Request) -> kj::Promise<Response> { return Text("reached"); });
  struct Case {
    const char* name;
    std::string raw;
    int status;
  };
  const std::string kPost = "POST / HTTP/1.1\r\nHost: a\r\n";
  std::vector<Case> cases = {
      {"Content-Length not a number (KJ finds it)", kPost + "Content-Length: 5x\r\n\r\nhello", 400},
      {"negative Content-Length", kPost + "Content-Length: -1\r\n\r\n", 400},
      {"signed Content-Length", kPost + "Content-Length: +5\r\n\r\nhello", 400},
      {"two Content-Length lines", kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
       400},
      {"Transfer-Encoding and Content-Length",
       kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
      {"a coding other than chunked", kPost + "Transfer-Encoding: gzip\r\n\r\n", 400},
      {"a bad chunk size", kPost + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
       400},
      {"two Host lines", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
      {"an empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", 400},
      {"a Host with spaces", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
      {"garbage", std::string("\x01\x02\x03 garbage\r\n\r\n"), 400},
      {"a field line without a colon", "GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n", 400},
      {"a target that is not a path", "GET nothing HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"a request line without target", "GET\r\nHost: a\r\n\r\n", 400},
      {"an unknown method", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501},
  };
  for (const auto& k : cases) {
    SECTION(k.name) {
      Client c(h.port());
      REQUIRE(c.Send(k.raw));
      auto r = c.Read();
      REQUIRE(r);
      CheckFrontEndError(*r, k.status);
      CHECK(r->Header("Connection") == "close");
      CHECK(c.ClosedWithin(2000ms));
      CHECK(c.unread().empty());
      CHECK(h.handled() == 0);
      INFO(h.AllErrors());
      CHECK(h.errors().empty());  // client mistakes are not internal errors
    }
  }
}

TEST_CASE(
    "http-frontend: a GET or HEAD carrying a body (Content-Length over 0 or "
    "Transfer-Encoding) gets a JSON 400 naming the rule, closes the connection and never "
    "reaches the handler",
    "[http-frontend]") {
  Options o = Fast();
  o.max_body_bytes = 16;
  Harness h(o, [](Harness&, Request) -> kj::Promise<Response> { return Text("reached"); });
  struct Case {
    const char* name;
    std::string raw;
    const char* message;
  };
  std::vector<Case> cases = {
      {"GET with Content-Length 5", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
       "a GET request carries no body"},
      {"GET with a chunked body",
       "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       "a GET request carries no body"},
      {"GET with an empty chunked body",
       "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "a GET request carries no body"},
      {"GET with a Content-Length over max_body_bytes (400, not 413)",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n",
       "a GET request carries no body"},
      {"HEAD with Content-Length 5", "HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
       "a HEAD request carries no body"},
      {"HEAD with a chunked body",
       "HEAD / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
       "a HEAD request carries no body"},
  };
  for (const auto& k : cases) {
    SECTION(k.name) {
      const std::string expected = std::string("{\"error\": \"") + k.message + "\"}";
      const bool head = k.raw.rfind("HEAD", 0) == 0;
      Client c(h.port());
      REQUIRE(c.Send(k.raw));
      auto r = c.Read(head);
      REQUIRE(r);
      if (head) {  // the answer to a HEAD has the error's Content-Length, not its body
        CHECK(r->status == 400);
        CHECK(r->Header("Content-Type") == "application/json");
        CHECK(r->Header("Content-Length") == std::to_string(expected.size()));
      } else {
        CheckFrontEndError(*r, 400);
        CHECK(r->body == expected);
      }
      CHECK(r->Header("Connection") == "close");
      CHECK(c.ClosedWithin(2000ms));
      CHECK(h.handled() == 0);
      CHECK(h.errors().empty());
    }
  }
  SECTION("Content-Length: 0 is no body: served, and the connection stays usable") {
    Client c(h.port());
    REQUIRE(c.Send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"));
    auto get = c.Read();
    REQUIRE(get);
    CHECK(get->status == 200);
    REQUIRE(c.Send("HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 00\r\n\r\n"));
    auto head = c.Read(/*head=*/true);
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(h.handled() == 2);
  }
}

TEST_CASE(
    "http-frontend: HEAD gets the GET's Content-Length and no body, and the connection "
    "stays usable",
    "[http-frontend]") {
  Harness h(Fast(), [](Harness&, Request req) -> kj::Promise<Response> {
    return Text(req.target == "/five" ? "hello" : "");
  });
  Client c(h.port());
  REQUIRE(c.Send("HEAD /five HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto head = c.Read(/*head=*/true);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->Header("Content-Length") == "5");
  REQUIRE(c.Send("HEAD /empty HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto empty = c.Read(/*head=*/true);
  REQUIRE(empty);
  CHECK(empty->Header("Content-Length") == "0");
  REQUIRE(c.Send(Get("/five")));
  auto get = c.Read();
  REQUIRE(get);
  CHECK(get->body == "hello");  // no stray body bytes from the HEADs before it
  CHECK(c.unread().empty());
}

TEST_CASE("http-frontend: a body over max_body_bytes gets 413 without being read",
          "[http-frontend]") {
  Options o = Fast();
  o.max_body_bytes = 16;
  Harness h(o, [](Harness&, Request req) -> kj::Promise<Response> {
    return Text(std::to_string(req.body.size()));
  });

  // Announced: the answer comes although not one byte of the body was sent.
  Client big(h.port());
  REQUIRE(big.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n"));
  auto start = SteadyClock::now();
  auto r = big.Read(false, 1500ms);
  REQUIRE(r);
  CHECK(Since(start) < 1000ms);
  CheckFrontEndError(*r, 413);
  CHECK(r->Header("Connection") == "close");
  CHECK(big.Send(std::string(1000, 'x')));  // the lingering close still takes some
  CHECK(big.ClosedWithin(2000ms));

  // Chunked: read to one byte past the limit.
  Client chunked(h.port());
  REQUIRE(
      chunked.Send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "a\r\n0123456789\r\na\r\n0123456789\r\n"));
  auto rc = chunked.Read();
  REQUIRE(rc);
  CheckFrontEndError(*rc, 413);

  // At the limit: served.
  auto ok = RoundTrip(h.port(), Post("/", std::string(16, 'y')));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->body == "16");
  CHECK(h.handled() == 1);
}

TEST_CASE(
    "http-frontend: slow headers are closed after header_timeout, a slow body gets 408, "
    "and slowloris clients do not hold up other clients",
    "[http-frontend]") {
  Options o = Fast();
  o.header_timeout = 500ms;
  o.body_timeout = 500ms;
  Harness h(o, [](Harness&, Request) -> kj::Promise<Response> { return Text("fast"); });

  auto start = SteadyClock::now();
  Client slow_headers(h.port());
  REQUIRE(slow_headers.Send("GET / HTTP/1.1\r\nHo"));
  Client slow_body(h.port());
  REQUIRE(slow_body.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab"));
  std::vector<std::unique_ptr<Client>> loris;
  for (int i = 0; i < 8; ++i) loris.push_back(std::make_unique<Client>(h.port()));
  const std::string kDrip = "GET / HTTP/1.1\r\nX-Pad: aaaaaaaaaaaaaaaa";
  for (size_t byte = 0; byte < 6; ++byte) {  // a byte each, every 40 ms
    for (auto& l : loris) l->Send(kDrip.substr(byte, 1));
    auto t = SteadyClock::now();
    auto r = RoundTrip(h.port(), Get("/"));  // meanwhile, others are served at once
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(Since(t) < 300ms);
    std::this_thread::sleep_for(40ms);
  }

  auto b = slow_body.Read(false, 2000ms);
  REQUIRE(b);
  CheckFrontEndError(*b, 408);
  CHECK(b->Header("Connection") == "close");
  CHECK(slow_body.ClosedWithin(2000ms));

  CHECK(slow_headers.ClosedWithin(2000ms));
  CHECK(slow_headers.unread().empty());  // closed without an answer, as KJ does
  CHECK(Since(start) >= 450ms);
  for (auto& l : loris) CHECK(l->ClosedWithin(2000ms));
  CHECK(h.handled() == 6);
}

TEST_CASE(
    "http-frontend: connections beyond max_connections are closed at once, closing one "
    "makes room",
    "[http-frontend]") {
  Options o = Fast();
  o.max_connections = 2;
  Harness h(o, [](Harness&, Request) -> kj::Promise<Response> { return Text("ok"); });

  // Two kept-alive connections (each served once, so both are surely accepted).
  Client a(h.port()), b(h.port());
  REQUIRE(a.Send(Get("/")));
  REQUIRE(a.Read());
  REQUIRE(b.Send(Get("/")));
  REQUIRE(b.Read());

  Client c(h.port());  // the kernel completes the handshake; the server drops it
  c.Send(Get("/"));
  auto start = SteadyClock::now();
  CHECK_FALSE(c.Read(false, 2000ms));
  CHECK(c.ClosedWithin(100ms));
  CHECK(Since(start) < 1000ms);

  a.Close();
  bool served = false;
  for (int attempt = 0; attempt < 40 && !served; ++attempt) {
    auto r = RoundTrip(h.port(), Get("/"), 500ms);
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  CHECK(served);
  CHECK(h.handled() == 3);
}

TEST_CASE(
    "http-frontend: connections beyond max_connections_per_ip from one address are closed "
    "at once and hold no slot, other addresses are still served, closing one makes room",
    "[http-frontend]") {
  Options o = Fast();
  o.max_connections_per_ip = 2;
  Harness h(o, [](Harness&, Request) -> kj::Promise<Response> { return Text("ok"); });

  Client a(h.port()), b(h.port());  // served once each, so both are surely accepted
  REQUIRE(a.Send(Get("/")));
  REQUIRE(a.Read());
  REQUIRE(b.Send(Get("/")));
  REQUIRE(b.Read());

  // Over the limit, several times: each is closed unanswered, promptly.
  for (int i = 0; i < 4; ++i) {
    Client over(h.port());
    over.Send(Get("/"));
    auto start = SteadyClock::now();
    CHECK_FALSE(over.Read(false, 2000ms));
    CHECK(over.ClosedWithin(100ms));
    CHECK(Since(start) < 1000ms);
  }

  // Another address is unaffected (127.0.0.0/8 is all loopback on Linux).
  Client other(h.port(), "127.0.0.2");
  REQUIRE(other.connected());
  REQUIRE(other.Send(Get("/")));
  auto r = other.Read();
  REQUIRE(r);
  CHECK(r->status == 200);

  // One closes: exactly one new connection fits (the refused ones took nothing).
  a.Close();
  std::unique_ptr<Client> again;
  for (int attempt = 0; attempt < 40 && !again; ++attempt) {
    auto c = std::make_unique<Client>(h.port());
    auto served = c->Send(Get("/")) ? c->Read(false, 500ms) : std::nullopt;
    if (served && served->status == 200) {
      again = std::move(c);
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  REQUIRE(again);
  Client third(h.port());
  third.Send(Get("/"));
  CHECK_FALSE(third.Read(false, 2000ms));
  CHECK(third.ClosedWithin(100ms));
  CHECK(h.handled() == 4);
  CHECK(h.errors().empty());
}

TEST_CASE(
    "http-frontend: a failing handler gets a generic 500 and keeps the connection, the "
    "details reach on_error only",
    "[http-frontend]") {
  Harness h(Fast(), [](Harness& self, Request req) -> kj::Promise<Response> {
    if (req.target == "/std") throw std::runtime_error("secret-std-detail");
    if (req.target == "/kj") KJ_FAIL_REQUIRE("secret-kj-detail");
    if (req.target == "/broken") {
      return kj::Promise<Response>(KJ_EXCEPTION(FAILED, "secret-broken-detail"));
    }
    if (req.target == "/worker") {
      return self.server().RunOffLoop(
          []() -> Response { throw std::runtime_error("secret-worker-detail"); });
    }
    Response r = Text("x");
    if (req.target == "/injected") r.fields.emplace_back("X-Note", "a\r\nSet-Cookie: secret=1");
    if (req.target == "/status") r.status = 99;
    if (req.target == "/framing") r.fields.emplace_back("Content-Length", "1");
    return r;
  });

  Client c(h.port());
  for (const char* target :
       {"/std", "/kj", "/broken", "/worker", "/injected", "/status", "/framing"}) {
    INFO(target);
    REQUIRE(c.Send(Get(target)));
    auto r = c.Read();
    REQUIRE(r);
    CheckFrontEndError(*r, 500);
    CHECK(r->body == "{\"error\": \"internal error\"}");
    CHECK(!r->Header("Set-Cookie"));
  }
  REQUIRE(c.Send(Get("/fine")));  // the same connection still serves
  auto fine = c.Read();
  REQUIRE(fine);
  CHECK(fine->status == 200);

  std::string errors = h.AllErrors();
  INFO(errors);
  for (const char* secret : {"secret-std-detail", "secret-kj-detail", "secret-broken-detail",
                             "secret-worker-detail", "X-Note", "status 99", "Content-Length"}) {
    CHECK(errors.find(secret) != std::string::npos);
  }
}

TEST_CASE(
    "http-frontend: a handler over handler_timeout gets 503, and dropping its RunOffLoop "
    "job does not block the loop",
    "[http-frontend]") {
  Options o = Fast();
  o.handler_timeout = 200ms;
  o.worker_threads = 1;
  std::atomic<bool> job_finished{false};
  Harness h(o, [&](Harness& self, Request req) -> kj::Promise<Response> {
    if (req.target == "/slow") {
      return self.server().RunOffLoop([&]() {
        std::this_thread::sleep_for(900ms);
        job_finished = true;
        return Text("late");
      });
    }
    return Text("fast");
  });

  auto start = SteadyClock::now();
  auto slow = RoundTrip(h.port(), Get("/slow"));
  REQUIRE(slow);
  CheckFrontEndError(*slow, 503);
  CHECK(Since(start) < 600ms);
  auto t = SteadyClock::now();
  auto fast = RoundTrip(h.port(), Get("/fast"));
  REQUIRE(fast);
  CHECK(fast->body == "fast");
  CHECK(Since(t) < 200ms);
  CHECK_FALSE(job_finished.load());  // the worker is still busy: the loop did not wait for it
  CHECK(h.AllErrors().find("timed out") != std::string::npos);
  CHECK(h.StopAndJoin().ok());
  CHECK(job_finished.load());  // Run returned only after the job ended
}

TEST_CASE(
    "http-frontend: Stop lets an in-flight request finish with 200 while new "
    "connections are refused and idle ones are closed, then Run returns",
    "[http-frontend]") {
  std::atomic<bool> entered{false};
  Harness h(Fast(), [&](Harness& self, Request req) -> kj::Promise<Response> {
    if (req.target != "/slow") return Text("quick");
    return self.server().RunOffLoop([&]() {
      entered = true;
      std::this_thread::sleep_for(500ms);
      return Text("done");
    });
  });
  const uint16_t port = h.port();

  Client idle(port);
  REQUIRE(idle.Send(Get("/")));
  REQUIRE(idle.Read());

  std::optional<Reply> inflight;
  std::atomic<bool> inflight_done{false};
  std::thread client([&] {
    inflight = RoundTrip(port, Get("/slow"), 3000ms);
    inflight_done = true;
  });
  auto wait_start = SteadyClock::now();
  while (!entered && Since(wait_start) < 2000ms) std::this_thread::sleep_for(5ms);
  REQUIRE(entered);

  auto stop_at = SteadyClock::now();
  h.server().Stop();
  bool refused = false;
  while (!refused && Since(stop_at) < 300ms) {
    Client probe(port);
    refused = !probe.connected() && probe.connect_errno() == ECONNREFUSED;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  CHECK(refused);
  CHECK_FALSE(inflight_done.load());  // refused while the request was still in flight
  CHECK(idle.ClosedWithin(1000ms));

  Status ran = h.StopAndJoin();
  client.join();
  CHECK(ran.ok());
  REQUIRE(inflight);
  CHECK(inflight->status == 200);
  CHECK(inflight->body == "done");
  CHECK(inflight->Header("Connection") == "close");
  CHECK(Since(stop_at) < 1500ms);
}

TEST_CASE(
    "http-frontend: a burst through a GroupWorker lands in fewer batches than requests, "
    "each request getting its own result",
    "[http-frontend]") {
  std::mutex mu;
  std::vector<size_t> batch_sizes;
  GroupWorker<int, int> worker([&](std::vector<int> items) {
    {
      std::lock_guard<std::mutex> lock(mu);
      batch_sizes.push_back(items.size());
    }
    std::this_thread::sleep_for(100ms);  // one "fsync" per batch
    std::vector<int> out;
    for (int x : items) out.push_back(x * 10);
    return out;
  });
  {
    Harness h(Fast(), [&](Harness&, Request req) -> kj::Promise<Response> {
      return worker.Submit(std::stoi(req.body)).then([](int r) { return Text(std::to_string(r)); });
    });
    constexpr int kRequests = 16;
    std::vector<std::optional<Reply>> replies(kRequests);
    std::vector<std::thread> clients;
    for (int i = 0; i < kRequests; ++i) {
      clients.emplace_back(
          [&, i] { replies[i] = RoundTrip(h.port(), Post("/commit", std::to_string(i + 1))); });
    }
    for (auto& t : clients) t.join();
    for (int i = 0; i < kRequests; ++i) {
      INFO("request " << i + 1);
      REQUIRE(replies[i]);
      CHECK(replies[i]->status == 200);
      CHECK(replies[i]->body == std::to_string((i + 1) * 10));
    }
    CHECK(h.StopAndJoin().ok());
    std::lock_guard<std::mutex> lock(mu);
    size_t total = 0;
    for (size_t n : batch_sizes) total += n;
    CHECK(total == kRequests);
    CHECK(worker.batches() == batch_sizes.size());
    CHECK(batch_sizes.size() < static_cast<size_t>(kRequests));
  }
  worker.Stop();  // after Run returned, before what `process` uses goes
}

TEST_CASE(
    "http-frontend: GroupWorker breaks the promises of a failed batch and refuses work "
    "after Stop",
    "[http-frontend]") {
  auto io = kj::setupAsyncIo();
  GroupWorker<int, int> failing(
      [](std::vector<int>) -> std::vector<int> { throw std::runtime_error("disk on fire"); });
  GroupWorker<int, int> short_count([](std::vector<int>) { return std::vector<int>{}; });
  auto message = [&](kj::Promise<int> p) {
    std::string m;
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { p.wait(io.waitScope); })) {
      m = e->getDescription().cStr();
    }
    return m;
  };
  CHECK(message(failing.Submit(1)).find("disk on fire") != std::string::npos);
  CHECK(message(short_count.Submit(1)).find("returned 0 results") != std::string::npos);
  failing.Stop();
  CHECK(message(failing.Submit(2)).find("stopped") != std::string::npos);
}

// Holds a GroupWorker's `process` until Open(); gives up after 5 s, so that a failed
// check cannot leave the worker's thread (and the test) waiting for ever.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, 5s, [this] { return open_; });
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 2s, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

TEST_CASE(
    "http-frontend: a GroupWorker with max_queue items waiting refuses a Submit at once "
    "(OVERLOADED) and accepts again once the queue drained",
    "[http-frontend]") {
  auto io = kj::setupAsyncIo();
  Gate gate;
  GroupWorker<int, int> worker(
      [&](std::vector<int> items) {
        gate.Wait();
        for (int& x : items) x *= 10;
        return items;
      },
      /*max_batch=*/1024, /*max_queue=*/2);
  auto first = worker.Submit(1);  // taken by the worker, held in `process`
  REQUIRE(gate.WaitEntered());
  auto second = worker.Submit(2);  // the queue: 2 wait
  auto third = worker.Submit(3);
  std::optional<kj::Exception> refused;
  auto start = SteadyClock::now();
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { worker.Submit(4).wait(io.waitScope); })) {
    refused.emplace(*e);
  }
  CHECK(Since(start) < 500ms);  // at once, not after the batch
  REQUIRE(refused);
  CHECK(refused->getType() == kj::Exception::Type::OVERLOADED);
  CHECK(std::string(refused->getDescription().cStr()).find("queue full") != std::string::npos);

  gate.Open();
  CHECK(first.wait(io.waitScope) == 10);
  CHECK(second.wait(io.waitScope) == 20);
  CHECK(third.wait(io.waitScope) == 30);
  CHECK(worker.Submit(5).wait(io.waitScope) == 50);
  CHECK(worker.batches() == 3);  // {1}, {2, 3}, {5}: the refused item was never processed
}

TEST_CASE(
    "http-frontend: a handler whose GroupWorker queue is full gets 503 with Retry-After "
    "and a JSON error, the connection stays usable, and it is served once the queue "
    "drained",
    "[http-frontend]") {
  Gate gate;
  GroupWorker<int, int> worker(
      [&](std::vector<int> items) {
        gate.Wait();
        return items;
      },
      /*max_batch=*/1024, /*max_queue=*/1);
  {
    Harness h(Fast(), [&](Harness&, Request req) -> kj::Promise<Response> {
      return worker.Submit(std::stoi(req.body)).then([](int r) { return Text(std::to_string(r)); });
    });
    std::optional<Reply> held, queued;
    // No REQUIRE until the client threads are joined.
    std::thread held_client([&] { held = RoundTrip(h.port(), Post("/commit", "1")); });
    CHECK(gate.WaitEntered());
    std::thread queued_client([&] { queued = RoundTrip(h.port(), Post("/commit", "2")); });
    // The second waits in the queue once the handler ran for it.
    auto t = SteadyClock::now();
    while (h.handled() < 2 && Since(t) < 2000ms) std::this_thread::sleep_for(5ms);
    CHECK(h.handled() == 2);

    Client c(h.port());
    CHECK(c.Send(Post("/commit", "3")));
    auto busy = c.Read(false, 1000ms);
    gate.Open();
    held_client.join();
    queued_client.join();
    REQUIRE(busy);
    CheckFrontEndError(*busy, 503);
    CHECK(busy->body == "{\"error\": \"service unavailable: overloaded\"}");
    CHECK(busy->Header("Retry-After") == "1");
    CHECK(!busy->Header("Connection"));
    REQUIRE(held);
    CHECK(held->body == "1");
    REQUIRE(queued);
    CHECK(queued->body == "2");

    REQUIRE(c.Send(Post("/commit", "4")));  // same connection, queue drained
    auto again = c.Read();
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(again->body == "4");
    CHECK(h.StopAndJoin().ok());
    CHECK(h.AllErrors().find("queue full") != std::string::npos);  // to on_error only
  }
  worker.Stop();
}

TEST_CASE(
    "http-frontend: HTTPS serves curl with a self-signed Ed25519 certificate and tells "
    "the handler the scheme is https",
    "[http-frontend]") {
  test::TempDir dir("probity-http-tls");
  std::string cmd =
      "openssl req -x509 -newkey ed25519 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir.File("key.pem") + " -out " + dir.File("cert.pem") + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  Options o = Fast();
  o.tls_cert_pem = slurp(dir.File("cert.pem"));
  o.tls_key_pem = slurp(dir.File("key.pem"));
  Harness h(o, [](Harness&, Request req) -> kj::Promise<Response> {
    return Text(req.scheme + " " + req.authority + " " + req.target + " " + req.body);
  });
  const std::string port = std::to_string(h.port());

  auto curl = [&](const std::string& extra) {
    std::string c = "curl -sk --max-time 5 -o " + dir.File("body") + " -D " + dir.File("head") +
                    " " + extra + " 'https://127.0.0.1:" + port + "/tls?x=1'";
    return std::system(c.c_str());
  };
  REQUIRE(curl("") == 0);
  CHECK(slurp(dir.File("body")) == "https 127.0.0.1:" + port + " /tls?x=1 ");
  CHECK(Lower(slurp(dir.File("head"))).find("content-length: ") != std::string::npos);
  REQUIRE(curl("-H 'Expect:' --data-binary signed") == 0);
  CHECK(slurp(dir.File("body")) == "https 127.0.0.1:" + port + " /tls?x=1 signed");

  // Plain HTTP on the HTTPS port: closed, no answer, nothing broken.
  Client plain(h.port());
  plain.Send(Get("/"));
  CHECK_FALSE(plain.Read(false, 2000ms));
  REQUIRE(curl("") == 0);
  CHECK(h.handled() == 3);
}

TEST_CASE(
    "http-frontend: with handle_signals, SIGTERM to the Run thread stops the server "
    "gracefully",
    "[http-frontend]") {
  auto started = Server::Start(Fast(), [](Request) -> kj::Promise<Response> { return Text("up"); });
  REQUIRE(started.ok());
  auto server = std::move(*started);
  const uint16_t port = server->port();

  std::atomic<bool> returned{false};
  Status ran;
  std::thread runner;
  {
    internal::StopSignalsBlocked blocked;  // the runner is born with SIGTERM blocked
    runner = std::thread([&] {
      ran = server->Run(true);
      returned = true;
    });
  }
  auto r = RoundTrip(port, Get("/"));
  REQUIRE(r);
  CHECK(r->body == "up");
  REQUIRE(pthread_kill(runner.native_handle(), SIGTERM) == 0);
  auto t = SteadyClock::now();
  while (!returned && Since(t) < 3000ms) std::this_thread::sleep_for(10ms);
  REQUIRE(returned);
  runner.join();
  CHECK(ran.ok());
  Client after(port);
  CHECK_FALSE(after.connected());
}

TEST_CASE(
    "http-frontend: Start refuses bad options (Invalid) and a taken port (IoError), Stop "
    "before Run makes Run return at once, Run runs once",
    "[http-frontend]") {
  auto handler = [](Request) -> kj::Promise<Response> { return Text("x"); };
  auto start_with = [&](const std::string& listen) {
    Options o;
    o.listen = listen;
    return Server::Start(o, handler);
  };
  for (const char* bad :
       {"nonsense", "127.0.0.1:", ":80", "127.0.0.1:99999", "127.0.0.1:8x", "::1:80"}) {
    INFO(bad);
    auto s = start_with(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalid);
  }
  {
    Options o;
    o.listen = "127.0.0.1:0";
    o.tls_cert_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    auto half = Server::Start(o, handler);
    REQUIRE_FALSE(half.ok());
    CHECK(half.status().code() == Code::kInvalid);
    o.tls_key_pem = "not a key";
    auto junk = Server::Start(o, handler);
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.status().code() == Code::kInvalid);
  }
  {
    Options o;
    o.listen = "127.0.0.1:0";
    o.max_body_bytes = 1;
    o.handler_timeout = 0ms;
    CHECK(Server::Start(o, handler).status().code() == Code::kInvalid);
    o.handler_timeout = 1000ms;
    o.max_connections_per_ip = 0;
    CHECK(Server::Start(o, handler).status().code() == Code::kInvalid);
    CHECK(Server::Start(Options{}, nullptr).status().code() == Code::kInvalid);
  }

  auto first = start_with("127.0.0.1:0");
  REQUIRE(first.ok());
  auto taken = start_with("127.0.0.1:" + std::to_string((*first)->port()));
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.status().code() == Code::kIoError);

  (*first)->Stop();
  auto t = SteadyClock::now();
  CHECK((*first)->Run(false).ok());
  CHECK(Since(t) < 1000ms);
  CHECK((*first)->Run(false).code() == Code::kInvalid);

  auto never_run = start_with("127.0.0.1:0");  // destroyed without Run: clean
  REQUIRE(never_run.ok());
}

}  // namespace
}  // namespace probity::http
