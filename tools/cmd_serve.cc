// serve: the store over HTTP(S) (server/serve.h), until SIGTERM or SIGINT.
#include <iostream>

#include "server/serve.h"
#include "tools/commands.h"

namespace probity::cli {

int Serve(const Args& args) {
  // Before RocksDB starts its threads: every thread must block the stop signals so that
  // they reach the server's waiting thread.
  http::Server::BlockStopSignals();
  server::ServeOptions options;
  if (auto listen = args.Option("listen")) options.http.listen = *listen;
  if (auto per_ip = args.Option("max-connections-per-ip")) {
    auto n = ParseUint(*per_ip);
    if (!n || *n == 0 || *n > options.http.max_connections)
      return Fail(args, kExitUsage,
                  "--max-connections-per-ip must be from 1 to " +
                      std::to_string(options.http.max_connections));
    options.http.max_connections_per_ip = static_cast<size_t>(*n);
  }
  if (auto origin = args.Option("public-origin")) {
    if (origin->rfind("http://", 0) != 0 && origin->rfind("https://", 0) != 0)
      return Fail(args, kExitUsage, "--public-origin must be http://HOST[:PORT] or https://...");
    options.public_origin = *origin;
  }
  auto cert = args.Option("tls-cert"), key = args.Option("tls-key");
  if (cert.has_value() != key.has_value())
    return Fail(args, kExitUsage, "--tls-cert and --tls-key go together");
  if (cert) {
    auto cert_pem = ReadInput(*cert, 1 << 20);
    if (!cert_pem.ok()) return FailStatus(args, cert_pem.status().WithContext("--tls-cert"));
    auto key_pem = ReadInput(*key, 1 << 20);
    if (!key_pem.ok()) return FailStatus(args, key_pem.status().WithContext("--tls-key"));
    options.http.tls_cert_pem = *cert_pem;
    options.http.tls_key_pem = *key_pem;
  }
  std::string host = options.http.listen.substr(0, options.http.listen.rfind(':'));
  bool loopback = host == "127.0.0.1" || host == "[::1]" || host == "localhost";
  if (!cert && !loopback) {
    std::cerr << "probity serve: warning: plain HTTP on " << options.http.listen
              << ": records and HR's sealed values would cross the network unencrypted; "
                 "give --tls-cert and --tls-key\n";
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadWrite);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  Status projections = (*ledger)->CheckProjections();
  if (!projections.ok()) return FailStatus(args, projections);
  options.log = OperationalLog();
  bool tls = cert.has_value();
  options.on_listening = [&](http::Server& server) {
    std::string host = options.http.listen.substr(0, options.http.listen.rfind(':'));
    std::cerr << "probity serve: " << (*ledger)->size() << " entries of " << (*ledger)->origin()
              << " at " << (tls ? "https://" : "http://") << host << ":" << server.port()
              << "/ (stop with Ctrl-C or SIGTERM)\n";
  };
  Status st = server::Serve(**ledger, options);
  if (!st.ok()) return FailStatus(args, st);
  std::cerr << "probity serve: stopped\n";
  return kExitOk;
}

}  // namespace probity::cli
