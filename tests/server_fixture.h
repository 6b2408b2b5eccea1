// A real `probity serve` (server/serve.h) on a loopback port the kernel picks, over a
// ProgramLedger, for the server and client tests; and one raw HTTP/1.1 exchange with it.
// Nothing mocked: real sockets, keys and signatures. Header-only. A Served is made and
// stopped on one thread; Exchange, Request and Send may run on several at once.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "server/http_signature.h"
#include "server/serve.h"
#include "tests/program_fixture.h"

namespace probity::ptest {

// A file's bytes ("" when it cannot be read).
inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Reply {
  int status = 0;
  std::string head;  // the status line and header fields, as sent
  std::string body;
};

// One HTTP/1.1 exchange on a fresh connection: writes `request` whole, reads the status
// line, the header block and Content-Length bytes of body.
inline Reply Exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    sent += static_cast<size_t>(n);
  }
  std::string in;
  char buf[65536];
  size_t header_end = std::string::npos, length = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        auto cl = in.find("Content-Length: ");
        REQUIRE(cl != std::string::npos);
        length = std::stoul(in.substr(cl + 16));
      }
    }
    if (header_end != std::string::npos && in.size() >= header_end + 4 + length) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  REQUIRE(in.rfind("HTTP/1.1 ", 0) == 0);
  Reply r;
  r.status = std::stoi(in.substr(9, 3));
  if (header_end != std::string::npos) {
    r.head = in.substr(0, header_end);
    r.body = in.substr(header_end + 4, length);
  }
  return r;
}

struct ServedOptions {
  // The server's clock (Unix seconds), and the `created` that Request() signs with by
  // default; empty: the real clock (the probity binary signs with the real time).
  std::function<int64_t()> now;
  std::string public_origin;           // server::ServeOptions::public_origin
  std::optional<std::string> tls_dir;  // holds cert.pem and key.pem: HTTPS
};

// A server on a loopback port over a ProgramLedger, stopped at the end of the scope (or
// by Stop()); the server must have stopped cleanly.
class Served {
 public:
  explicit Served(ProgramLedger& f, ServedOptions options = {})
      : f_(f), options_(std::move(options)) {
    // Shared: the thread may still be inside set_value when this constructor returns.
    auto started = std::make_shared<std::promise<http::Server*>>();
    auto ready = started->get_future();
    thread_ = std::thread([this, started] {
      server::ServeOptions o;
      o.http.listen = "127.0.0.1:0";
      o.http.worker_threads = 2;
      if (options_.tls_dir) {
        o.http.tls_cert_pem = Slurp(*options_.tls_dir + "/cert.pem");
        o.http.tls_key_pem = Slurp(*options_.tls_dir + "/key.pem");
      }
      o.now = options_.now;
      o.handle_signals = false;
      o.public_origin = options_.public_origin;
      bool listening = false;
      o.on_listening = [&](http::Server& s) {
        listening = true;
        started->set_value(&s);
      };
      status_ = server::Serve(f_.ledger(), o);
      if (!listening) started->set_value(nullptr);  // it never listened: say so, not hang
    });
    server_ = ready.get();
    if (!server_) {
      thread_.join();
      INFO("serve: " << status_.message());
      REQUIRE(server_ != nullptr);
    }
    port_ = server_->port();
  }
  ~Served() { Stop(); }
  Served(const Served&) = delete;
  Served& operator=(const Served&) = delete;

  void Stop() {
    if (!server_) return;
    server_->Stop();
    thread_.join();
    server_ = nullptr;
    CHECK(status_.ok());
  }
  uint16_t port() const { return port_; }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

  // A request signed by `signer`'s key (none: unsigned), created at `created` (unset:
  // the server's clock now).
  std::string Request(const std::string& method, const std::string& target,
                      const std::string& signer, const std::string& body = "",
                      std::optional<int64_t> created = std::nullopt) const {
    std::string authority = "127.0.0.1:" + std::to_string(port_);
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: " + authority + "\r\n";
    if (!signer.empty()) {
      auto h = httpsig::SignRequest(method, "http://" + authority + target, body, f_.key(signer),
                                    created.value_or(Now()));
      REQUIRE(h.ok());
      out += "Signature-Input: " + h->signature_input + "\r\nSignature: " + h->signature + "\r\n";
      if (!h->content_digest.empty()) out += "Content-Digest: " + h->content_digest + "\r\n";
    }
    if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return out + "\r\n" + body;
  }
  // That request, sent.
  Reply Send(const std::string& method, const std::string& target, const std::string& signer,
             const std::string& body = "", std::optional<int64_t> created = std::nullopt) const {
    return Exchange(port_, Request(method, target, signer, body, created));
  }
  Reply Get(const std::string& target, const std::string& signer) const {
    return Send("GET", target, signer);
  }
  // A GET that must answer 200: its body.
  std::string Read(const std::string& target, const std::string& signer) const {
    Reply r = Get(target, signer);
    INFO(signer << " GET " << target << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return r.body;
  }

 private:
  int64_t Now() const { return options_.now ? options_.now() : std::time(nullptr); }

  ProgramLedger& f_;
  const ServedOptions options_;
  std::thread thread_;
  http::Server* server_ = nullptr;
  uint16_t port_ = 0;
  Status status_;
};

}  // namespace probity::ptest
