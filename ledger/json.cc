#include "ledger/json.h"

#include <set>

namespace probity::json {
namespace {

Status CheckKeys(Element value, const std::string& path, int depth) {
  if (depth > 64) return Status::Invalid("JSON nests deeper than 64 levels");
  if (value.is_object()) {
    std::set<std::string_view> seen;
    for (auto field : Object(value)) {
      std::string at = path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
      if (!seen.insert(field.key).second) return Status::Invalid("field '" + at + "' appears twice");
      PROBITY_RETURN_IF_ERROR(CheckKeys(field.value, at, depth + 1));
    }
  } else if (value.is_array()) {
    size_t i = 0;
    for (auto item : Array(value)) PROBITY_RETURN_IF_ERROR(CheckKeys(item, path + "[" + std::to_string(i++) + "]", depth + 1));
  }
  return Status::Ok();
}

// Where in `text` a lexical error is: " at byte N (in field 'key')", found by a small
// scan of strings and numbers, so that a refusal names the field as the others do.
std::string Locate(std::string_view text) {
  std::string last_key;
  auto where = [&](size_t at) {
    return " at byte " + std::to_string(at) + (last_key.empty() ? std::string() : " (in field '" + last_key + "')");
  };
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '"') {
      size_t start = ++i;
      std::string raw;
      while (i < text.size() && text[i] != '"') {
        unsigned char ch = static_cast<unsigned char>(text[i]);
        if (ch < 0x20) return where(i);
        if (ch == '\\') {
          if (i + 1 >= text.size()) return where(i);
          if (text[i + 1] == 'u') {
            auto hex4 = [&](size_t at) -> int {
              if (at + 4 > text.size()) return -1;
              unsigned v = 0;
              for (size_t k = at; k < at + 4; ++k) {
                char h = text[k];
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) return -1;
                v = v * 16 + static_cast<unsigned>(d);
              }
              return static_cast<int>(v);
            };
            int hv = hex4(i + 2);
            if (hv < 0) return where(i);
            unsigned v = static_cast<unsigned>(hv);
            bool high = v >= 0xd800 && v <= 0xdbff, low = v >= 0xdc00 && v <= 0xdfff;
            if (low) return where(i);
            if (high) {
              bool pair = i + 12 <= text.size() && text[i + 6] == '\\' && text[i + 7] == 'u';
              int w = pair ? hex4(i + 8) : -1;
              if (!(w >= 0xdc00 && w <= 0xdfff)) return where(i);
              i += 6;
            }
            i += 6;
            continue;
          }
          i += 2;
          continue;
        }
        raw += static_cast<char>(ch);
        ++i;
      }
      if (!IsCleanText(raw, true) && raw.find_first_of("\t\n") == std::string::npos) return where(start);
      std::string_view s = text.substr(start, i - start);
      ++i;
      size_t j = i;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')) ++j;
      if (j < text.size() && text[j] == ':') last_key = std::string(s.substr(0, 64));
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i;
      while (i < text.size() && std::string_view("+-.eE0123456789").find(text[i]) != std::string_view::npos) ++i;
      std::string_view number = text.substr(start, i - start);
      bool plain = number.find_first_not_of("0123456789") == std::string_view::npos;
      if (!plain || number.size() > 19) return where(start);
      continue;
    }
    ++i;
  }
  return "";
}

// The code point at text[i] (well-formed UTF-8 assumed) and its length.
uint32_t CodePoint(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  *len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
  uint32_t cp = *len == 1 ? c : c & (0x7f >> *len);
  for (size_t k = 1; k < *len && i + k < s.size(); ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

}  // namespace

std::string Describe(Element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

Result<Element> Parser::Parse(std::string_view text) {
  Element root;
  auto error = parser_.parse(text.data(), text.size(), true).get(root);
  if (error) {
    std::string why = simdjson::error_message(error);
    if (error == simdjson::UTF8_ERROR) why = "it is not valid UTF-8";
    if (error == simdjson::UNESCAPED_CHARS) why = "a string holds a raw control character (escape it, e.g. \\t)";
    if (error == simdjson::STRING_ERROR) why = "a string holds a bad escape (e.g. a lone \\uD800 surrogate)";
    if (error == simdjson::NUMBER_ERROR) why = "a number is malformed or too large";
    return Status::Invalid("not valid JSON: " + why + Locate(text));
  }
  PROBITY_RETURN_IF_ERROR(CheckKeys(root, "", 0));
  return root;
}

bool IsCleanText(std::string_view s, bool allow_tab_newline) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool allowed = allow_tab_newline && (c == '\t' || c == '\n');
      if ((c < 0x20 && !allowed) || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp >= 0x80 && cp < 0xa0) return false;  // C1 controls
    i += len;
  }
  return true;
}

bool HasInvisibleOrBidi(std::string_view s) {
  for (size_t i = 0, len = 1; i < s.size(); i += len) {
    uint32_t cp = CodePoint(s, i, &len);
    if (cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff) {
      return true;
    }
  }
  return false;
}

}  // namespace probity::json
