// `probity serve`: one store over HTTP(S) until stopped. Reads run on the front end's
// worker threads, each on one snapshot view; submissions from concurrent requests are
// landed together by Ledger::SubmitGroup on one writer thread (group commit: one synced
// write, each request all or nothing on its own, every receipt sent only after its write
// is durable). The caller keeps `ledger` open for writing until Serve returns.
#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>

#include "ledger/ledger.h"
#include "server/http_frontend.h"

namespace probity::server {

struct ServeOptions {
  http::Options http;
  std::function<int64_t()> now;         // Unix seconds, for request signatures; empty: the clock
  std::string public_origin;            // see Service::Options::public_origin
  std::shared_ptr<spdlog::logger> log;  // one line a request (never a body or a key); may be null
  bool handle_signals = true;           // stop on SIGTERM and SIGINT
  // Called once listening, before serving (the CLI prints the address; tests learn the
  // port and keep the server to stop it).
  std::function<void(http::Server&)> on_listening;
};

// Serves until stopped; Invalid or IoError when it cannot listen.
Status Serve(Ledger& ledger, ServeOptions options);

}  // namespace probity::server
