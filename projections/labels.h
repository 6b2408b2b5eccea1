// The program's names in 简体中文 and English: event types, roles, enum values and
// event fields, for what people read (the evidence pack's page, readable records).
// The same labels as the web interface's (web/assets/js/i18n.js, LABELS and
// "field.*"); tests/labels_test.cc holds the two to the same text.
// Constant tables; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

// Every label as JSON, {"eventType":{"name":["zh","en"],...},...,"field":{...}}, for the
// test that compares these tables with the web interface's.
std::string LabelsJson();

}  // namespace probity
