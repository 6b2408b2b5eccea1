#include "ledger/request_target.h"

#include <cctype>

namespace probity {

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
        return std::nullopt;
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

Result<RequestTarget> ParseRequestTarget(std::string_view target) {
  RequestTarget t;
  std::string_view rest = target;
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest[0] != '/') return Status::Invalid("the path must start with '/'");
  size_t at = 1;
  while (at <= rest.size()) {
    size_t end = rest.find('/', at);
    if (end == std::string_view::npos) end = rest.size();
    auto segment = PercentDecode(rest.substr(at, end - at), false);
    if (!segment) return Status::Invalid("the path holds a malformed %-escape");
    if (!segment->empty() || end < rest.size()) t.path.push_back(std::move(*segment));
    at = end + 1;
  }
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return Status::Invalid("the query holds a malformed %-escape");
    if (!t.query.emplace(std::move(*key), std::move(*value)).second)
      return Status::Invalid("query parameter '" + std::string(pair.substr(0, eq)) +
                             "' is repeated");
  }
  return t;
}

}  // namespace probity
