// A `probity serve` child on loopback and plain HTTP/1.1 connections to it: what the load
// test (tests/load/load_driver.cc) and `probity-bench append --server` drive the real
// binary with. Blocking sockets, no TLS; for tests and benchmarks, not for clients.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/status.h"

extern char** environ;

namespace probity::bench {

inline double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// `probity --data DIR serve --listen 127.0.0.1:0`, its stdout and stderr appended to
// `log`. Killed (SIGKILL) by the destructor if still running, and by the kernel if this
// process dies first (PR_SET_PDEATHSIG).
class ServerProcess {
 public:
  ServerProcess(std::string probity, std::string data_dir, std::string log)
      : probity_(std::move(probity)), data_dir_(std::move(data_dir)), log_(std::move(log)) {}
  ~ServerProcess() { Kill(); }

  // Starts the server and waits (at most 30 s) for the port it prints. With
  // `kill_after_commit`, the server kills itself right after its first durable commit,
  // before any receipt of it is sent (PROBITY_TEST_KILL_AFTER_COMMIT, tools/cli.cc).
  Status Start(bool kill_after_commit = false) {
    std::error_code ec;
    uintmax_t from = std::filesystem::exists(log_) ? std::filesystem::file_size(log_, ec) : 0;
    int out = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) return Status::IoError("cannot open " + log_);
    std::vector<std::string> args = {probity_, "--data",   data_dir_,
                                     "serve",  "--listen", "127.0.0.1:0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string hook = "PROBITY_TEST_KILL_AFTER_COMMIT=1";
    std::vector<char*> envp;
    for (char** e = environ; *e; ++e) envp.push_back(*e);
    if (kill_after_commit) envp.push_back(hook.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out);
    ::close(in);
    if (pid_ < 0) return Status::IoError("fork failed");
    const std::string mark = "at http://127.0.0.1:";
    for (auto start = std::chrono::steady_clock::now(); SecondsSince(start) < 30;) {
      std::ifstream f(log_);
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      size_t at = text.find(mark, std::min<size_t>(from, text.size()));
      if (at != std::string::npos && text.find('/', at + mark.size()) != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoul(text.substr(at + mark.size())));
        return Status::Ok();
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return Status::Unavailable("probity serve exited before listening: " + text.substr(from));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Status::Unavailable("probity serve did not print its port within 30 s");
  }

  // True once the server has exited (reaped), by itself or killed.
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    return true;
  }

  // SIGKILL and reap; nothing if not running.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // SIGTERM; Ok if the server then exits 0 within 20 s (a graceful stop), else kills it.
  Status Stop() {
    if (pid_ <= 0) return Status::Ok();
    ::kill(pid_, SIGTERM);
    for (auto start = std::chrono::steady_clock::now(); SecondsSince(start) < 20;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
        return Status::Unavailable("probity serve did not exit 0 on SIGTERM");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Kill();
    return Status::Unavailable("probity serve did not stop within 20 s of SIGTERM");
  }

  uint16_t port() const { return port_; }

 private:
  std::string probity_, data_dir_, log_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

struct Reply {
  int status = 0;
  std::string body;
};

// One keep-alive connection to 127.0.0.1:port, plain blocking socket; 75 s timeouts
// (above the server's 60 s per request).
class Connection {
 public:
  ~Connection() { Close(); }
  bool OpenTo(uint16_t port) {
    if (fd_ >= 0 && port_ == port) return true;
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    timeval tv{75, 0};
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return false;
    }
    port_ = port;
    return true;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Writes `request`, reads one answer (status line, headers, Content-Length bytes).
  // nullopt on any failure to send or receive a whole answer; the connection is closed.
  std::optional<Reply> Exchange(const std::string& request) {
    for (size_t sent = 0; sent < request.size();) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return Fail();
      sent += static_cast<size_t>(n);
    }
    std::string in;
    char buf[16384];
    size_t header_end = std::string::npos, length = 0;
    for (;;) {
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string head = in.substr(0, header_end);
          std::transform(head.begin(), head.end(), head.begin(), ::tolower);
          auto cl = head.find("\r\ncontent-length:");
          if (cl == std::string::npos) return Fail();
          length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
          close_after_ = head.find("\r\nconnection: close") != std::string::npos;
        }
      }
      if (header_end != std::string::npos && in.size() >= header_end + 4 + length) break;
      if (in.size() > (1u << 20)) return Fail();
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return Fail();
      in.append(buf, static_cast<size_t>(n));
    }
    if (in.rfind("HTTP/1.1 ", 0) != 0 || in.size() < 12) return Fail();
    Reply r;
    r.status = std::atoi(in.substr(9, 3).c_str());
    r.body = in.substr(header_end + 4, length);
    if (close_after_) Close();
    return r;
  }

 private:
  std::nullopt_t Fail() {
    Close();
    return std::nullopt;
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  bool close_after_ = false;
};

}  // namespace probity::bench
