// The labels people read (projections/labels.h) are the web interface's: every label in
// web/assets/js/i18n.js (its LABELS table and its "field.*" words), read from the copy
// compiled into the binary, has the same Chinese and English text here, and this table
// has no label the page lacks. Also the language chosen from --lang and the locale.
#include "projections/labels.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <regex>
#include <string>

#include "ledger/json.h"
#include "server/web_assets.h"

namespace probity {
namespace {

struct JsLabel {
  std::string zh, en;
};

// kind -> name -> label, parsed from i18n.js; fields have no English (the name is).
std::map<std::string, std::map<std::string, JsLabel>> PageLabels() {
  const auto* asset = server::FindWebAsset("/js/i18n.js");
  REQUIRE(asset != nullptr);
  std::string text(asset->body);
  std::map<std::string, std::map<std::string, JsLabel>> out;
  size_t begin = text.find("const LABELS = {");
  size_t end = text.find("\n};\n", begin);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::string table = text.substr(begin, end - begin);
  static const std::regex kind_line(R"(^  (\w+): \{$)");
  static const std::regex entry(R"((\w+): \['([^']*)', '([^']*)'\])");
  std::string kind;
  size_t at = 0;
  while (at < table.size()) {
    size_t nl = table.find('\n', at);
    std::string line = table.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? table.size() : nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, kind_line)) {
      kind = m[1];
      continue;
    }
    for (auto it = std::sregex_iterator(line.begin(), line.end(), entry);
         it != std::sregex_iterator(); ++it)
      out[kind][(*it)[1]] = {(*it)[2], (*it)[3]};
  }
  static const std::regex field(R"('field\.(\w+)': '([^']*)')");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), field);
       it != std::sregex_iterator(); ++it)
    out["field"][(*it)[1]] = {(*it)[2], (*it)[1]};
  return out;
}

LabelKind KindOf(const std::string& name) {
  if (name == "eventType") return LabelKind::kEventType;
  if (name == "role") return LabelKind::kRole;
  if (name == "value") return LabelKind::kValue;
  if (name == "outcome") return LabelKind::kOutcome;
  REQUIRE(name == "field");
  return LabelKind::kField;
}

TEST_CASE("labels: every label of the web page has the same Chinese and English here") {
  auto page = PageLabels();
  size_t checked = 0;
  for (const char* kind : {"eventType", "role", "value", "outcome", "field"}) {
    INFO(kind);
    REQUIRE(!page[kind].empty());
    for (const auto& [name, label] : page[kind]) {
      INFO(name);
      CHECK(Label(KindOf(kind), name, Lang::kZh) == label.zh);
      CHECK(Label(KindOf(kind), name, Lang::kEn) == label.en);
      ++checked;
    }
  }
  CHECK(page["eventType"].size() == 24);  // every event type of schemas/event.capnp
  CHECK(checked > 120);
}

TEST_CASE("labels: this table has no label the web page lacks") {
  auto page = PageLabels();
  json::Parser parser;
  std::string text = LabelsJson();
  auto parsed = parser.Parse(text);
  REQUIRE(parsed.ok());
  json::Object kinds = parsed->get_object().value_unsafe();
  for (auto [kind, names] : kinds) {
    json::Object labels = names.get_object().value_unsafe();
    for (auto [name, pair] : labels) {
      INFO(std::string(kind) + "." + std::string(name));
      CHECK(page[std::string(kind)].count(std::string(name)) == 1);
    }
  }
}

TEST_CASE("labels: a name without a label reads as itself") {
  CHECK(Label(LabelKind::kEventType, "noSuchEvent", Lang::kZh) == "noSuchEvent");
  CHECK(Label(LabelKind::kField, "person", Lang::kEn) == "person");
}

TEST_CASE("labels: --lang and the locale choose Chinese or English") {
  CHECK(ParseLang("zh") == Lang::kZh);
  CHECK(ParseLang("zh_CN.UTF-8") == Lang::kZh);
  CHECK(ParseLang("en") == Lang::kEn);
  CHECK(ParseLang("C") == Lang::kEn);
  CHECK(!ParseLang("fr").has_value());
  CHECK(!ParseLang("").has_value());
}

TEST_CASE("labels: an event's fields as people read them (the pack's page, probity record)") {
  auto shown = [](std::string_view json) {
    auto fields = ShownFields(json);
    REQUIRE(fields.has_value());
    std::vector<std::string> out;
    for (const auto& f : *fields)
      out.push_back(f.name + "=" + f.signed_value + "|" + InLang(f.value, Lang::kZh) + "|" +
                    InLang(f.value, Lang::kEn));
    return out;
  };
  // id, type and publicKey are left out; enum values are labelled, words are not.
  CHECK(shown(R"({"id":"ev-1","type":"trainingCompleted","person":"P1","course":"integrity",)"
              R"("mode":"video","date":"2019-04-20"})") ==
        std::vector<std::string>{"person=P1|P1|P1", "course=integrity|廉政|integrity",
                                 "mode=video|视频培训|video",
                                 "date=2019-04-20|2019-04-20|2019-04-20"});
  CHECK(shown(R"({"type":"keyRegistered","publicKey":"PEM","holder":"hr","role":"hr"})") ==
        std::vector<std::string>{"holder=hr|hr|hr", "role=hr|hr|hr"});
  // A reason is words, even one that is an enum value's name, but assignmentEnded's is
  // an enum (the schema says so), labelled though its English label is its name.
  CHECK(shown(R"({"type":"assignmentEnded","assignment":"A1","reason":"completed"})")[1] ==
        "reason=completed|完成|completed");
  CHECK(shown(R"({"type":"retraction","target":7,"reason":"good"})") ==
        std::vector<std::string>{"target=7|7|7", "reason=good|good|good"});
  // Objects, arrays and booleans.
  CHECK(shown(R"({"type":"evaluationRecorded","subject":{"person":"P1"},)"
              R"("distributedTo":["hrDepartment","sendingUnit"]})") ==
        std::vector<std::string>{
            R"(subject={"person":"P1"}|人员 P1|person P1)",
            R"(distributedTo=["hrDepartment","sendingUnit"]|人事司, 派员单位|HR department, )"
            R"(sending unit)"});
  CHECK(shown(R"({"type":"targetAssessed","met":false})") ==
        std::vector<std::string>{"met=false|否|no"});
  // Which values are enums is the schema's to say: an id that spells an enum's name (a
  // group called "special", a subject unit "other") is shown as written.
  CHECK(shown(R"({"type":"groupFormed","group":"special","kind":"special"})") ==
        std::vector<std::string>{"group=special|special|special", "kind=special|专项组|special"});
  CHECK(shown(R"({"type":"commendationIssued","subject":{"unit":"other"}})") ==
        std::vector<std::string>{R"(subject={"unit":"other"}|单位 other|unit other)"});
  CHECK(!ShownFields("[1]").has_value());
  CHECK(!ShownFields("{").has_value());
}

}  // namespace
}  // namespace probity
