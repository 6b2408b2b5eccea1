// Strict JSON input (RFC 8259) for everything probity reads from users: parsed by
// simdjson, which validates UTF-8, refuses raw control characters in strings and
// decodes every escape (\uXXXX, surrogate pairs) exactly; this file adds what simdjson
// allows but we refuse (duplicate keys, one value per line). Not thread-safe per
// Parser; use one per thread.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "ledger/status.h"

namespace probity::json {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;
using Array = simdjson::dom::array;

// "a string", "a number", ... for messages.
std::string Describe(Element value);

class Parser {
 public:
  // One JSON value filling all of `text` (white space around it allowed). The element
  // lives until the next Parse. Invalid, saying why, for anything RFC 8259 refuses and
  // for an object (at any depth) that repeats a key.
  Result<Element> Parse(std::string_view text);

 private:
  simdjson::dom::parser parser_;
};

// Appends code point `cp` (at most U+10FFFF, not a surrogate) to `out` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

// Well-formed UTF-8 with no control character but, when allowed, tab and newline.
bool IsCleanText(std::string_view text, bool allow_tab_newline);
// True if `text` holds a bidirectional control or a zero-width character, which can
// make two different identifiers look the same (U+061C, U+200B-U+200F, U+202A-U+202E,
// U+2060-U+2064, U+2066-U+2069, U+FEFF).
bool HasInvisibleOrBidi(std::string_view text);

}  // namespace probity::json
