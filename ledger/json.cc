#include "ledger/json.h"

#include <set>

namespace probity::json {
namespace {

Status CheckKeys(Element value, const std::string& path, int depth) {
  if (depth > 64)
    return Status::Invalid("field '" + path.substr(0, 80) + "' nests deeper than 64 levels");
  if (value.is_object()) {
    std::set<std::string_view> seen;
    for (auto field : Object(value)) {
      std::string at = path.empty() ? std::string(field.key) : path + "." + std::string(field.key);
      if (!seen.insert(field.key).second)
        return Status::Invalid("field '" + at + "' appears twice");
      PROBITY_RETURN_IF_ERROR(CheckKeys(field.value, at, depth + 1));
    }
  } else if (value.is_array()) {
    size_t i = 0;
    for (auto item : Array(value))
      PROBITY_RETURN_IF_ERROR(CheckKeys(item, path + "[" + std::to_string(i++) + "]", depth + 1));
  }
  return Status::Ok();
}

// Where simdjson's error is: a small recursive-descent scan of RFC 8259 that stops at the
// first byte it cannot accept, remembering the last object key it passed, so that every
// refusal can say " at byte N (in field 'key')". Run only after simdjson has refused.
class ErrorScan {
 public:
  explicit ErrorScan(std::string_view text) : t_(text) {}
  std::string Run() {
    Ws();
    if (Value(0)) {
      Ws();
      if (i_ != t_.size()) at_ = i_;
    }
    if (at_ == std::string_view::npos) return "";
    return " at byte " + std::to_string(at_) +
           (key_.empty() ? std::string() : " (in field '" + key_ + "')");
  }

 private:
  bool Fail() {
    if (at_ == std::string_view::npos) at_ = i_;
    return false;
  }
  void Ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return Fail();
    i_ += word.size();
    return true;
  }
  int Hex4(size_t at) const {
    if (at + 4 > t_.size()) return -1;
    int v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char h = t_[k];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }
  bool String(std::string* out) {
    size_t start = ++i_;
    while (i_ < t_.size()) {
      unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (c == '"') {
        if (out) *out = std::string(t_.substr(start, std::min<size_t>(i_ - start, 64)));
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail();
      if (c == '\\') {
        if (i_ + 1 >= t_.size()) return Fail();
        char e = t_[i_ + 1];
        if (e != 'u') {
          if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return Fail();
          i_ += 2;
          continue;
        }
        int v = Hex4(i_ + 2);
        if (v < 0 || (v >= 0xdc00 && v <= 0xdfff)) return Fail();
        if (v >= 0xd800 && v <= 0xdbff) {
          int w =
              i_ + 12 <= t_.size() && t_[i_ + 6] == '\\' && t_[i_ + 7] == 'u' ? Hex4(i_ + 8) : -1;
          if (!(w >= 0xdc00 && w <= 0xdfff)) return Fail();
          i_ += 6;
        }
        i_ += 6;
        continue;
      }
      if (c >= 0x80) {
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 0 || i_ + len > t_.size() || !IsCleanText(t_.substr(i_, len), false))
          return Fail();
        i_ += len;
        continue;
      }
      ++i_;
    }
    return Fail();
  }
  bool Number() {
    size_t start = i_;
    if (t_[i_] == '-') ++i_;
    auto digits = [&]() {
      size_t from = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ >= t_.size() || t_[i_] < '0' || t_[i_] > '9') return Fail();
    bool leading_zero = t_[i_] == '0';
    size_t n = digits();
    if (leading_zero && n > 1) {
      i_ = start;
      return Fail();
    }
    bool integer = true;
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      integer = false;
      if (digits() == 0) return Fail();
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      integer = false;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) return Fail();
    }
    if (integer && n > 19) {  // past what simdjson (and any 64-bit field) reads
      i_ = start;
      return Fail();
    }
    return true;
  }
  bool Value(int depth) {
    if (depth > 1000 || i_ >= t_.size()) return Fail();
    char c = t_[i_];
    if (c == '{') {
      ++i_;
      Ws();
      if (i_ < t_.size() && t_[i_] == '}') return ++i_, true;
      while (true) {
        Ws();
        if (i_ >= t_.size() || t_[i_] != '"') return Fail();
        std::string key;
        if (!String(&key)) return false;
        key_ = key;
        Ws();
        if (i_ >= t_.size() || t_[i_] != ':') return Fail();
        ++i_;
        Ws();
        if (!Value(depth + 1)) return false;
        Ws();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < t_.size() && t_[i_] == '}') return ++i_, true;
        return Fail();
      }
    }
    if (c == '[') {
      ++i_;
      Ws();
      if (i_ < t_.size() && t_[i_] == ']') return ++i_, true;
      while (true) {
        Ws();
        if (!Value(depth + 1)) return false;
        Ws();
        if (i_ < t_.size() && t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < t_.size() && t_[i_] == ']') return ++i_, true;
        return Fail();
      }
    }
    if (c == '"') return String(nullptr);
    if (c == '-' || (c >= '0' && c <= '9')) return Number();
    if (c == 't') return Literal("true");
    if (c == 'f') return Literal("false");
    if (c == 'n') return Literal("null");
    return Fail();
  }

  std::string_view t_;
  size_t i_ = 0;
  size_t at_ = std::string_view::npos;
  std::string key_;
};

std::string Locate(std::string_view text) { return ErrorScan(text).Run(); }

// The code point at s[i] (well-formed UTF-8 assumed) and its length.
uint32_t CodePoint(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  *len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
  uint32_t cp = *len == 1 ? c : c & (0x7f >> *len);
  for (size_t k = 1; k < *len && i + k < s.size(); ++k)
    cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

}  // namespace

std::string Describe(Element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

Result<Element> Parser::Parse(std::string_view text) {
  Element root;
  auto error = parser_.parse(text.data(), text.size(), true).get(root);
  if (error) {
    std::string why = simdjson::error_message(error);
    if (error == simdjson::UTF8_ERROR) why = "it is not valid UTF-8";
    if (error == simdjson::UNESCAPED_CHARS)
      why = "a string holds a raw control character (escape it, e.g. \\t)";
    if (error == simdjson::STRING_ERROR)
      why = "a string holds a bad escape (e.g. a lone \\uD800 surrogate)";
    if (error == simdjson::NUMBER_ERROR) why = "a number is malformed or too large";
    return Status::Invalid("not valid JSON: " + why + Locate(text));
  }
  PROBITY_RETURN_IF_ERROR(CheckKeys(root, "", 0));
  return root;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
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
