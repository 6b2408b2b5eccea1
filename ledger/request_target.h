// An HTTP request target ("/v1/persons/P1/record?asOf=2019-12-31") split into its
// percent-decoded path segments and query parameters: the server routes by it, and the
// access log (ledger/access_log.h) derives from it what a signed request read, so that
// both read a target the same way. Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace probity {

struct RequestTarget {
  std::vector<std::string> path;  // "/v1/x/" is {"v1", "x", ""}; "/" is {}
  std::map<std::string, std::string> query;
};

// `text` with %XX escapes decoded (and '+' as a space when `plus_is_space`, as browsers'
// URLSearchParams write query values); nullopt for a malformed escape or a NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Invalid, saying what is wrong, unless the target starts with '/', every escape is
// well formed and no query parameter is repeated.
Result<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace probity
