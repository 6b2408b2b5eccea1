// The command line as a client of `probity serve` (docs/client.md): one HTTP(S)
// connection per request, each signed as docs/api.md says (RFC 9421 over "@method",
// "@target-uri" and, with a body, "content-digest"), with a connect and a total timeout
// and a cap on the answer's size. KJ lives only in client.cc. Not thread-safe: one
// Client belongs to the thread that made it (it owns that thread's KJ event loop).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ledger/crypto.h"
#include "ledger/status.h"
#include "tools/cli.h"

namespace probity::cli {

class Client {
 public:
  struct Options {
    // "http://HOST[:PORT]" or "https://HOST[:PORT]", no path (a final "/" is allowed).
    std::string url;
    // PEM certificates to trust besides the system's (a private CA, a self-signed server).
    std::optional<std::string> ca_file;
    // Signs every request but the public ones (Get(..., false)); null: none is signed.
    const PrivateKey* key = nullptr;
    std::chrono::milliseconds connect_timeout{10000};
    // The whole exchange, connecting included: above the server's own 60 s per request.
    std::chrono::milliseconds total_timeout{75000};
    size_t max_response_bytes = size_t{256} << 20;
  };

  struct Response {
    int status = 0;
    std::string content_type;
    std::string body;
    // The Probity-Checkpoint field ("<tree size> <root hex>": the tree an eligibility list
    // was computed at, docs/api.md), or "".
    std::string checkpoint;
  };

  // Invalid for a URL that is not as above, or a CA file that cannot be read.
  // `options.key` must outlive the Client.
  static Result<std::unique_ptr<Client>> Create(Options options);
  ~Client();

  // GET `target` (an origin-form path and query, already percent-encoded), signed when
  // `sign` and a key is set. Any HTTP status is a response; Unavailable when the server
  // cannot be reached, the TLS handshake fails, or the timeout passes; Invalid when the
  // answer exceeds max_response_bytes or is not HTTP.
  Result<Response> Get(const std::string& target, bool sign = true);
  // POST `body` (of `content_type`) to `target`, signed (content-digest covered).
  Result<Response> Post(const std::string& target, std::string_view body,
                        const std::string& content_type);

  // scheme "://" authority, as every signed @target-uri begins.
  const std::string& origin() const { return origin_; }

  // RFC 3986 percent-encoding of everything but the unreserved characters
  // (A-Z a-z 0-9 - . _ ~), byte by byte: for one path segment or one query value.
  static std::string Escape(std::string_view text);

 private:
  struct Impl;
  Client(Options options, std::string origin, std::unique_ptr<Impl> impl);
  Result<Response> Send(const std::string& method, const std::string& target, std::string_view body,
                        const std::string& content_type, bool sign);
  // One connection, one request signed (when `sign`) as created at `created`.
  Result<Response> Exchange(const std::string& method, const std::string& target,
                            std::string_view body, const std::string& content_type, bool sign,
                            int64_t created);

  Options options_;
  std::string origin_;
  std::unique_ptr<Impl> impl_;
};

// A command's side of the server: the Client that Args name (--server, --server-ca,
// --key with --passphrase-file), and every answer that is not 2xx reported as the local
// command reports its errors ("probity CMD: TEXT" on stderr, TEXT the server's
// {"error": TEXT}) with its exit status: 4xx 1 (refused, not permitted, not found), 5xx,
// an unreachable server or a timeout 3 (as a store that is missing or failing).
class Remote {
 public:
  // Connects lazily; `signing` loads --key (required) to sign requests. On failure, the
  // exit status already reported.
  static std::variant<std::unique_ptr<Remote>, int> Open(const Args& args, bool signing);
  // Open(args, true) and one signed GET: the body, or the exit status already reported.
  static std::variant<std::string, int> Read(const Args& args, const std::string& target);

  // The body of a 2xx answer to GET `target`, or the exit status already reported;
  // `checkpoint` (if given) gets the answer's Probity-Checkpoint field.
  std::variant<std::string, int> Get(const std::string& target, bool sign = true,
                                     std::string* checkpoint = nullptr);
  // The same for POST.
  std::variant<std::string, int> Post(const std::string& target, std::string_view body,
                                      const std::string& content_type);

  // The exit status for an answer that is not 2xx, its words printed.
  int Fail(const Client::Response& response) const;
  Client& client() { return *client_; }

 private:
  Remote(const Args& args, std::optional<PrivateKey> key) : args_(args), key_(std::move(key)) {}
  std::variant<std::string, int> Done(const Result<Client::Response>& response) const;

  const Args& args_;
  std::optional<PrivateKey> key_;
  std::unique_ptr<Client> client_;
};

// A server's bounds on one submission (docs/api.md, server/service.h): input beyond them
// is refused before sending, never split, since a submission is all or nothing.
inline constexpr size_t kMaxRemoteEnvelopes = 10000;
inline constexpr size_t kMaxRemoteBodyBytes = size_t{8} << 20;

// The usage error for --include-sensitive with --server: what a key may see is the
// server's decision (its role), not the request's.
int SensitiveIsRemote(const Args& args);

}  // namespace probity::cli
