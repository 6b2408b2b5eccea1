// probity's HTTP API (docs/api.md, ../shared/interface.md "The server"): the routes, the
// request signatures that name a principal, the read scopes of server/scope.h, and the
// documents (the same JSON the command line prints, from projections/report_codec.h).
// Reads run on one snapshot view each; writes are parsed and checked here and landed by
// Ledger::SubmitGroup through the front end's group worker (server/serve.cc).
// Thread-safe: every method may run on any thread concurrently.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "server/http_frontend.h"
#include "server/scope.h"

namespace probity::server {

// One POST /v1/events request, checked and ready for the group commit.
struct Submission {
  std::vector<Envelope> envelopes;
  std::vector<size_t> lines;  // the body line of each envelope, for refusals
};

class Service {
 public:
  struct Options {
    // Seconds since the Unix epoch, for the signatures' `created` (tests inject it).
    std::function<int64_t()> now;
    // Bodies and queries beyond these are refused before any work.
    size_t max_envelopes = 10000;
    // Signatures remembered against replay; beyond it, new signed requests get 503.
    size_t max_remembered = 200000;
    // The scheme and authority clients reach this server by ("https://probity.example");
    // a request signed for any other (a staging copy, another host) is refused (401).
    // Empty: any, as on a loopback test server.
    std::string public_origin;
    // The store's own failures (I/O, corruption): logged here, never sent to the client.
    std::function<void(std::string_view)> on_error;
  };
  Service(const Ledger& ledger, Options options);

  // Answers a GET (or HEAD): public documents, or a signed read within its scope.
  http::Response Read(const http::Request& request);
  // Whether `request` is a submission (POST /v1/events); then Submit takes it.
  static bool IsSubmission(const http::Request& request);
  // Checks a submission's request signature and decodes its envelopes (JSON lines, as
  // `probity sign` prints them); the error response (401, 400, 413...) otherwise.
  Result<Submission> ParseSubmission(const http::Request& request, http::Response* error);
  // The answer to one submission once the group it joined was written (or refused).
  http::Response Receipts(const Submission& submission, const Result<std::vector<Receipt>>& result,
                          const SubmitError& error) const;

  // {"error": TEXT} with `status`.
  static http::Response Error(int status, const std::string& text);
  // The answer for a failed Status of the core: its words for what the client asked
  // wrong (400, 404, 422), a generic 500 or 503 (details to on_error) for the store's own.
  http::Response Failure(const Status& status) const;

 private:
  // The principal of a signed request, or the 401 to send. `proof` (if given) gets the
  // request's verified signature base and signature, for the access log.
  Result<Principal> Authenticate(const http::Request& request, const LedgerView& view,
                                 http::Response* error, AccessRecord* proof = nullptr);
  // Appends the read to the access log before it is answered: what ReadOfTarget says the
  // signed target reads, and `more_subjects` after (an entry's persons and units); the 503
  // to send instead when it cannot be written (a read is never served unrecorded).
  std::optional<http::Response> Remember(AccessRecord proof, const LedgerView& view,
                                         std::vector<std::string> more_subjects);

  const Ledger& ledger_;
  Options options_;
  // Signatures seen while their `created` is fresh: a replay is refused (401). Keyed by
  // the signature's 64 bytes (hex), whatever label or parameters carry it.
  std::mutex seen_mu_;
  std::map<std::string, int64_t> seen_;               // signature -> created
  std::multimap<int64_t, std::string> seen_by_time_;  // created -> signature, for expiry
};

}  // namespace probity::server
