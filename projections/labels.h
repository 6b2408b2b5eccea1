// The program's names in 简体中文 and English: event types, roles, enum values and
// event fields, for what people read (the evidence pack's page, readable records).
// The same labels as the web interface's (web/assets/js/i18n.js, LABELS and
// "field.*"); tests/labels_test.cc holds the two to the same text.
// Constant tables; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probity {

enum class Lang { kZh, kEn };

// "zh" (or "zh-CN", "zh_CN.UTF-8") and "en" (or "en_US.UTF-8", "C", "POSIX"); nullopt
// for anything else.
std::optional<Lang> ParseLang(std::string_view text);
// The language of the locale ($LC_ALL, $LC_MESSAGES, $LANG, first set): Chinese for a
// zh locale, English otherwise.
Lang LangFromLocale();

enum class LabelKind { kEventType, kRole, kValue, kOutcome, kField };

// The label of `name` of `kind` in `lang`, or `name` itself when it has none (a field
// has no English label: its name is the English).
std::string_view Label(LabelKind kind, std::string_view name, Lang lang);

// A piece of a value as shown: the same text in both languages unless it is a label.
struct ShownText {
  std::string zh, en;
};
// One field of an event as people read it.
struct ShownField {
  std::string name;          // the field's name, as signed
  std::string signed_value;  // as signed: a string's text as is, other values minified JSON
  // The value shown, in pieces: an enum value by its label (a reason too when it is one,
  // assignmentEnded's), the signer's own words as they are, a yes or no, an array's items
  // joined by ", ", an object's members as "label value" joined by ", ".
  std::vector<ShownText> value;
};
// The fields of an event's display JSON in their order, without "id", "type" and
// "publicKey": what the evidence pack's page and `probity record` show of an event.
// nullopt when `event_json` is not a JSON object.
std::optional<std::vector<ShownField>> ShownFields(std::string_view event_json);
// The pieces' text in `lang`.
std::string InLang(const std::vector<ShownText>& pieces, Lang lang);

// Every label as JSON, {"eventType":{"name":["zh","en"],...},...,"field":{...}}, for the
// test that compares these tables with the web interface's.
std::string LabelsJson();

}  // namespace probity
