// The reports as JSON (projections/report_codec.h, schemas/reports.capnp): the one
// encoder the CLI's --json and the HTTP server share. Each report's JSON is checked
// byte for byte (Chinese text raw, quotes and control characters escaped, 64-bit
// numbers as numbers, empty lists, absent values left out or null as the CLI always
// printed them), parses back (simdjson), and, for random reports, equals what the
// CLI's former hand-written printers wrote (kept below as the reference; a group's task
// is newer) and reads back in Python's json module (an independent parser) as the same
// values. The decoders read every report back, real ones from a ledger and random ones,
// to reports that encode to the same bytes, and name the member that is wrong.
#include "projections/report_codec.h"

#include <simdjson.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "ledger/json.h"
#include "tests/program_fixture.h"
#include "tests/testing.h"

namespace probity {
namespace {

// ---- the CLI's printers before issue 9 (tools/cmd_program.cc), the byte-for-byte reference --
namespace legacy {

std::string BasisJson(const ReportBasis& b) {
  return "{\"treeSize\":" + std::to_string(b.tree_size) + ",\"root\":\"" + HexEncode(b.root) +
         "\"}";
}

std::string Record(const PersonRecordReport& r, const AsOf& as_of) {
  std::ostringstream out;
  out << "{\"person\":" << JsonQuote(r.person) << ",\"name\":" << JsonQuote(r.name)
      << ",\"unit\":" << JsonQuote(r.unit) << ",\"category\":" << JsonQuote(r.category);
  if (as_of.date) out << ",\"asOf\":" << JsonQuote(*as_of.date);
  if (as_of.seq) out << ",\"asOfSeq\":" << *as_of.seq;
  out << ",\"events\":[";
  bool first = true;
  for (const auto& l : r.lines) {
    out << (first ? "" : ",") << "{\"seq\":" << l.seq << ",\"date\":" << JsonQuote(l.date)
        << ",\"type\":" << JsonQuote(l.type) << ",\"signer\":" << JsonQuote(l.signer)
        << ",\"withdrawn\":" << (l.withdrawn_by ? "true" : "false");
    if (l.withdrawn_by) {
      out << ",\"withdrawnBy\":" << *l.withdrawn_by
          << ",\"withdrawnReason\":" << JsonQuote(l.withdrawn_reason);
    }
    out << ",\"event\":" << l.event_json << "}";
    first = false;
  }
  out << "],\"checkpoint\":" << BasisJson(r.basis) << "}";
  return out.str();
}

std::string Roster(const RosterReport& r) {
  auto member_json = [](const RosterMember& m) {
    return "{\"person\":" + JsonQuote(m.person) + ",\"name\":" + JsonQuote(m.name) +
           ",\"unit\":" + JsonQuote(m.unit) + ",\"position\":" + JsonQuote(EnumName(m.position)) +
           ",\"from\":" + JsonQuote(m.from) + ",\"to\":" + JsonQuote(m.to) +
           ",\"recallDue\":" + (m.recall_due ? "true" : "false") + "}";
  };
  std::ostringstream out;
  out << "{\"date\":" << JsonQuote(r.date) << ",\"cities\":[";
  for (size_t i = 0; i < r.cities.size(); ++i) {
    const auto& c = r.cities[i];
    out << (i ? "," : "") << "{\"city\":" << JsonQuote(c.city) << ",\"name\":" << JsonQuote(c.name)
        << ",\"region\":" << JsonQuote(c.region) << ",\"secretary\":" << JsonQuote(c.secretary)
        << ",\"secretaryName\":" << JsonQuote(c.secretary_name) << ",\"groups\":[";
    for (size_t j = 0; j < c.groups.size(); ++j) {
      const auto& g = c.groups[j];
      out << (j ? "," : "") << "{\"group\":" << JsonQuote(g.group)
          << ",\"kind\":" << JsonQuote(g.kind) << ",\"leadUnit\":" << JsonQuote(g.lead_unit)
          << ",\"leadUnitName\":" << JsonQuote(g.lead_unit_name)
          << ",\"leader\":" << (g.leader ? member_json(*g.leader) : "null") << ",\"members\":[";
      for (size_t k = 0; k < g.members.size(); ++k)
        out << (k ? "," : "") << member_json(g.members[k]);
      out << "]}";
    }
    out << "]}";
  }
  out << "],\"checkpoint\":" << BasisJson(r.basis) << "}";
  return out.str();
}

std::string Eligibility(const EligibilityReport& r) {
  const char* id_col = r.units ? "unit" : "person";
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < r.lines.size(); ++i) {
    const auto& l = r.lines[i];
    out << (i ? ",\n" : "") << "{\"" << id_col << "\":" << JsonQuote(l.id)
        << ",\"name\":" << JsonQuote(l.name);
    if (!r.units)
      out << ",\"unit\":" << JsonQuote(l.unit)
          << ",\"category\":" << JsonQuote(l.category ? EnumName(*l.category) : std::string());
    out << ",\"outcomes\":[";
    for (size_t j = 0; j < l.outcomes.size(); ++j)
      out << (j ? "," : "") << JsonQuote(l.outcomes[j]);
    out << "],\"reviewRequired\":" << (l.review_required ? "true" : "false")
        << ",\"reasons\":" << JsonQuote(l.reasons) << ",\"events\":[";
    for (size_t j = 0; j < l.events.size(); ++j) out << (j ? "," : "") << l.events[j];
    out << "]}";
  }
  out << "]";
  return out.str();
}

std::string Leave(const LeaveReport& r) {
  std::ostringstream out;
  out << "{\"person\":" << JsonQuote(r.person) << ",\"accrued\":" << r.accrued
      << ",\"granted\":" << r.granted << ",\"left\":" << r.left
      << ",\"rotationGranted\":" << r.rotation_granted << ",\"checkpoint\":" << BasisJson(r.basis)
      << "}";
  return out.str();
}

std::string Explanations(const ExplanationsReport& r) {
  std::ostringstream out;
  out << "{\"open\":[";
  for (size_t i = 0; i < r.open.size(); ++i) {
    const auto& o = r.open[i];
    out << (i ? "," : "") << "{\"city\":" << JsonQuote(o.city) << ",\"name\":" << JsonQuote(o.name)
        << ",\"year\":" << o.year << ",\"scope\":" << JsonQuote(o.scope)
        << ",\"guarantor\":" << JsonQuote(o.guarantor)
        << ",\"assessedOn\":" << JsonQuote(o.assessed_on) << ",\"seq\":" << o.seq << "}";
  }
  out << "],\"checkpoint\":" << BasisJson(r.basis) << "}";
  return out.str();
}

std::string Unevaluated(const UnevaluatedReport& r) {
  std::ostringstream out;
  out << "{\"year\":" << r.year << ",\"persons\":[";
  for (size_t i = 0; i < r.persons.size(); ++i) {
    const auto& p = r.persons[i];
    out << (i ? "," : "") << "{\"person\":" << JsonQuote(p.person)
        << ",\"name\":" << JsonQuote(p.name) << ",\"unit\":" << JsonQuote(p.unit)
        << ",\"assignments\":[";
    for (size_t j = 0; j < p.assignments.size(); ++j)
      out << (j ? "," : "") << JsonQuote(p.assignments[j]);
    out << "]}";
  }
  out << "],\"checkpoint\":" << BasisJson(r.basis) << "}";
  return out.str();
}

}  // namespace legacy

// True when simdjson (strict RFC 8259, UTF-8 checked) parses `json` as one document.
bool ParsesAsJson(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  auto doc = parser.parse(padded);
  return doc.error() == simdjson::SUCCESS;
}

ReportBasis Basis() {
  ReportBasis b;
  b.tree_size = 18446744073709551615ull;  // 2^64 - 1: a JSON number, not a string
  for (size_t i = 0; i < b.root.size(); ++i) b.root[i] = static_cast<uint8_t>(i * 8);
  return b;
}
const std::string kBasisJson =
    R"({"treeSize":18446744073709551615,"root":"0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8"})";

// ---- each report, byte for byte ----------------------------------------------------------

TEST_CASE("record: Chinese raw, escapes, withdrawn lines, the event as an object",
          "[report-codec]") {
  PersonRecordReport r;
  r.person = "P4";
  r.name = "刘\"洋\", 二\\ \t\n\r\x01\x1f\x7f 😀\u2028";
  r.unit = "U2";
  r.category = "contract";
  r.basis = Basis();
  RecordLine a;
  a.seq = 7;
  a.date = "2019-05-01";
  a.type = "personRegistered";
  a.signer = "abcdef012345 hr (hr)";
  a.event_json = R"({"id":"e1","type":"personRegistered","name":"刘\"洋\"","n":[1,{}]})";
  RecordLine b = a;
  b.seq = 18446744073709551615ull;
  b.type = "commendationIssued";
  b.withdrawn_by = 9;  // withdrawn with an empty reason: the reason is still there
  b.event_json = "{}";
  RecordLine c = a;
  c.seq = 8;
  c.withdrawn_by = 12;
  c.withdrawn_reason = "错了\b";
  r.lines = {a, b, c};

  const std::string events =
      R"("events":[)"
      R"J({"seq":7,"date":"2019-05-01","type":"personRegistered","signer":"abcdef012345 hr (hr)","withdrawn":false,"event":{"id":"e1","type":"personRegistered","name":"刘\"洋\"","n":[1,{}]}},)J"
      R"J({"seq":18446744073709551615,"date":"2019-05-01","type":"commendationIssued","signer":"abcdef012345 hr (hr)","withdrawn":true,"withdrawnBy":9,"withdrawnReason":"","event":{}},)J"
      R"J({"seq":8,"date":"2019-05-01","type":"personRegistered","signer":"abcdef012345 hr (hr)","withdrawn":true,"withdrawnBy":12,"withdrawnReason":"错了\u0008","event":{"id":"e1","type":"personRegistered","name":"刘\"洋\"","n":[1,{}]}}],)J";
  const std::string head =
      "{\"person\":\"P4\",\"name\":\"刘\\\"洋\\\", 二\\\\ \\t\\n\\r\\u0001\\u001f\x7f "
      "😀\u2028\",\"unit\":\"U2\",\"category\":\"contract\",";
  const std::string tail = "\"checkpoint\":" + kBasisJson + "}";

  SECTION("the ledger as it stands: neither asOf nor asOfSeq") {
    std::string json = RecordJson(r, AsOf{});
    CHECK(json == head + events + tail);
    CHECK(json == legacy::Record(r, AsOf{}));
    CHECK(ParsesAsJson(json));
  }
  SECTION("as of a date") {
    AsOf as_of{.date = "2019-07-15", .seq = std::nullopt};
    std::string json = RecordJson(r, as_of);
    CHECK(json == head + R"("asOf":"2019-07-15",)" + events + tail);
    CHECK(json == legacy::Record(r, as_of));
  }
  SECTION("as of a seq (0 included)") {
    for (uint64_t seq : {uint64_t{0}, uint64_t{30}, uint64_t{18446744073709551615ull}}) {
      AsOf as_of{.date = std::nullopt, .seq = seq};
      std::string json = RecordJson(r, as_of);
      CHECK(json == head + "\"asOfSeq\":" + std::to_string(seq) + "," + events + tail);
      CHECK(json == legacy::Record(r, as_of));
    }
  }
  SECTION("no lines") {
    r.lines.clear();
    std::string json = RecordJson(r, AsOf{});
    CHECK(json == head + R"("events":[],)" + tail);
    CHECK(ParsesAsJson(json));
  }
}

// The roster as the CLI printed it before a group's task was in it (legacy::Roster).
RosterReport WithoutTasks(RosterReport r) {
  for (auto& c : r.cities) {
    for (auto& g : c.groups) g.task.clear();
  }
  return r;
}

TEST_CASE(
    "roster: a group without a leader is null, empty lists stay, a task is written last and "
    "only when the group has one",
    "[report-codec]") {
  RosterReport r;
  r.date = "2019-05-24";
  r.basis = Basis();
  SECTION("no cities") {
    CHECK(RosterJson(r) == R"({"date":"2019-05-24","cities":[],"checkpoint":)" + kBasisJson + "}");
  }
  SECTION("cities, groups, members") {
    RosterMember lead{.person = "P3",
                      .name = "李娜",
                      .unit = "U2",
                      .position = schema::Position::LEADER,
                      .from = "2019-05-24",
                      .to = "2019-06-07",
                      .recall_due = false};
    RosterMember member = lead;
    member.person = "P1";
    member.name = "张\t伟";
    member.position = schema::Position::MEMBER;
    member.recall_due = true;
    RosterMember odd = member;
    odd.position = static_cast<schema::Position>(7);  // a value the schema does not name
    RosterGroup g1{.group = "G1",
                   .kind = "central",
                   .lead_unit = "U1",
                   .lead_unit_name = "大气环境司",
                   .task = "秸秆\"禁烧\"\n专项",
                   .leader = lead,
                   .members = {lead, member, odd}};
    RosterGroup g2{.group = "G2",
                   .kind = "ordinary",
                   .lead_unit = "U2",
                   .lead_unit_name = "华北\"督察\"局",
                   .task = "",
                   .leader = std::nullopt,
                   .members = {}};
    r.cities = {{.city = "130100",
                 .name = "石家庄市",
                 .region = "jingjinji",
                 .secretary = "P1",
                 .secretary_name = "张\t伟",
                 .groups = {g1, g2}},
                {.city = "110000",
                 .name = "北京市",
                 .region = "jingjinji",
                 .secretary = "",
                 .secretary_name = "",
                 .groups = {}}};
    const std::string p3 =
        R"({"person":"P3","name":"李娜","unit":"U2","position":"leader","from":"2019-05-24","to":"2019-06-07","recallDue":false})";
    const std::string expected =
        R"({"date":"2019-05-24","cities":[)"
        R"({"city":"130100","name":"石家庄市","region":"jingjinji","secretary":"P1","secretaryName":"张\t伟","groups":[)"
        R"({"group":"G1","kind":"central","leadUnit":"U1","leadUnitName":"大气环境司","leader":)" +
        p3 + R"(,"members":[)" + p3 +
        R"(,{"person":"P1","name":"张\t伟","unit":"U2","position":"member","from":"2019-05-24","to":"2019-06-07","recallDue":true})"
        R"(,{"person":"P1","name":"张\t伟","unit":"U2","position":"unknown","from":"2019-05-24","to":"2019-06-07","recallDue":true}],"task":"秸秆\"禁烧\"\n专项"},)"
        R"({"group":"G2","kind":"ordinary","leadUnit":"U2","leadUnitName":"华北\"督察\"局","leader":null,"members":[]}]},)"
        R"({"city":"110000","name":"北京市","region":"jingjinji","secretary":"","secretaryName":"","groups":[]}],)"
        R"("checkpoint":)" +
        kBasisJson + "}";
    std::string json = RosterJson(r);
    CHECK(json == expected);
    CHECK(ParsesAsJson(json));
    // Without the task, the bytes the CLI always printed.
    CHECK(RosterJson(WithoutTasks(r)) == legacy::Roster(r));
  }
}

TEST_CASE("eligibility: the list alone, one element a line, persons or units", "[report-codec]") {
  EligibilityReport r;
  r.year = 2019;
  r.basis = Basis();
  SECTION("nobody listed") {
    CHECK(EligibilityJson(r) == "[]");
    r.units = true;
    CHECK(EligibilityJson(r) == "[]");
  }
  SECTION("persons") {
    r.lines = {{.id = "P1",
                .name = "张伟",
                .unit = "U1",
                .category = schema::StaffCategory::CIVIL_SERVANT,
                .outcomes = {"priorityInAssessment", "priorityInAwards"},
                .review_required = false,
                .reasons = "commended (seq 40)",
                .events = {40}},
               {.id = "P4",
                .name = "刘\"洋\", 二",
                .unit = "U2",
                .category = std::nullopt,  // never for a person; written "" as before
                .outcomes = {},
                .review_required = true,
                .reasons = "a\nb",
                .events = {}}};
    std::string json = EligibilityJson(r);
    CHECK(json ==
          "[{\"person\":\"P1\",\"name\":\"张伟\",\"unit\":\"U1\",\"category\":\"civilServant\","
          "\"outcomes\":[\"priorityInAssessment\",\"priorityInAwards\"],\"reviewRequired\":false,"
          "\"reasons\":\"commended (seq 40)\",\"events\":[40]},\n"
          "{\"person\":\"P4\",\"name\":\"刘\\\"洋\\\", 二\",\"unit\":\"U2\",\"category\":\"\","
          "\"outcomes\":[],\"reviewRequired\":true,\"reasons\":\"a\\nb\",\"events\":[]}]");
    CHECK(json == legacy::Eligibility(r));
    CHECK(ParsesAsJson(json));
  }
  SECTION("units: no unit or category key") {
    r.units = true;
    r.lines = {{.id = "U1",
                .name = "大气环境司",
                .unit = "",
                .category = std::nullopt,
                .outcomes = {"leadershipBonus"},
                .review_required = false,
                .reasons = "r",
                .events = {18446744073709551615ull, 3}}};
    std::string json = EligibilityJson(r);
    CHECK(
        json ==
        R"([{"unit":"U1","name":"大气环境司","outcomes":["leadershipBonus"],"reviewRequired":false,"reasons":"r","events":[18446744073709551615,3]}])");
    CHECK(json == legacy::Eligibility(r));
  }
}

TEST_CASE("leave, explanations, unevaluated", "[report-codec]") {
  LeaveReport leave{.person = "P1",
                    .accrued = 4,
                    .granted = 4,
                    .left = 0,
                    .rotation_granted = 4294967295u,
                    .basis = Basis()};
  CHECK(
      LeaveJson(leave) ==
      R"({"person":"P1","accrued":4,"granted":4,"left":0,"rotationGranted":4294967295,"checkpoint":)" +
          kBasisJson + "}");
  CHECK(LeaveJson(leave) == legacy::Leave(leave));

  ExplanationsReport none{.open = {}, .basis = Basis()};
  CHECK(ExplanationsJson(none) == R"({"open":[],"checkpoint":)" + kBasisJson + "}");
  ExplanationsReport open{.open = {{.city = "130100",
                                    .name = "石家庄市",
                                    .scope = "annual",
                                    .guarantor = "U1",
                                    .assessed_on = "2020-01-15",
                                    .year = -2019,
                                    .seq = 77}},
                          .basis = Basis()};
  CHECK(
      ExplanationsJson(open) ==
      R"({"open":[{"city":"130100","name":"石家庄市","year":-2019,"scope":"annual","guarantor":"U1","assessedOn":"2020-01-15","seq":77}],"checkpoint":)" +
          kBasisJson + "}");
  CHECK(ExplanationsJson(open) == legacy::Explanations(open));

  UnevaluatedReport u{
      .year = 2019,
      .persons = {{.person = "P1", .name = "张伟", .unit = "U1", .assignments = {}},
                  {.person = "P2", .name = "王芳", .unit = "U1", .assignments = {"A1", "A\"2"}}},
      .basis = Basis()};
  std::string json = UnevaluatedJson(u);
  CHECK(
      json ==
      R"({"year":2019,"persons":[{"person":"P1","name":"张伟","unit":"U1","assignments":[]},{"person":"P2","name":"王芳","unit":"U1","assignments":["A1","A\"2"]}],"checkpoint":)" +
          kBasisJson + "}");
  CHECK(json == legacy::Unevaluated(u));
  CHECK(ParsesAsJson(json));
}

TEST_CASE("ReportJson walks any message: every control character, unset fields", "[report-codec]") {
  capnp::MallocMessageBuilder message;
  auto city = message.initRoot<schema::reports::RosterCity>();
  // Nothing set: Text is "", a list [], as the schema's defaults say.
  CHECK(ReportJson(city.asReader()) ==
        R"({"city":"","name":"","region":"","secretary":"","secretaryName":"","groups":[]})");
  auto group = city.initGroups(1)[0];
  CHECK(ReportJson(group.asReader()) ==
        R"({"group":"","kind":"","leadUnit":"","leadUnitName":"","leader":null,"members":[]})");
  // An unset raw JSON field is null; an unset $omitIfUnset field is left out.
  auto line = message.initRoot<schema::reports::RecordEvent>();
  CHECK(ReportJson(line.asReader()) ==
        R"({"seq":0,"date":"","type":"","signer":"","withdrawn":false,"event":null})");
  // Every byte below 0x20 is escaped exactly as JsonQuote does it; the rest is raw.
  std::string all;
  for (int c = 0; c < 0x80; ++c) all += static_cast<char>(c);
  all += "中文\u2028\U0001F600";
  city = message.initRoot<schema::reports::RosterCity>();
  city.setName(capnp::Text::Reader(all.data(), all.size()));
  std::string json = ReportJson(city.asReader());
  CHECK(json == R"({"city":"","name":)" + JsonQuote(all) +
                    R"(,"region":"","secretary":"","secretaryName":"","groups":[]})");
  CHECK(json.find("\\u0000\\u0001") != std::string::npos);
  CHECK(json.find("\\u0008\\t\\n\\u000b\\u000c\\r") != std::string::npos);
  CHECK(ParsesAsJson(json));
}

// ---- the decoders: real reports read back ---------------------------------------------------

// A ledger with something in every report: assignments (one ended, one recall due under R1),
// a special group with a task and a group with nobody on site, leave granted and a grant
// withdrawn (R15), a restriction (a sealed reason), commendations and a criticism of
// persons and a unit, a missed target awaiting its explanation, service nobody evaluated.
void FillForReports(ptest::ProgramLedger& f) {
  using namespace ptest;
  f.Ok("admin", Ev("groupFormed")
                    .S("group", "G9")
                    .S("city", "130100")
                    .S("kind", "special")
                    .S("leadUnit", "U1")
                    .S("date", "2019-05-01")
                    .S("task", "秸秆禁烧 \"专项\"\t督察"));
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-02", "2019-05-16", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-02", "2019-05-16"));
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G3", "2019-05-02", "2019-05-16"));
  f.Ok("dispatcher-U1", AssignJ("A9", "P5", "G9", "2019-05-02", "2019-05-16", "leader"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-16"));
  f.Ok("hr", RestrictionJ("P2", "health", "2019-05-08"));
  f.Ok("hr", LeaveJ("P1", 1, "compensatory", "2019-06-03"));
  uint64_t twice = f.Ok("hr", LeaveJ("P1", 1, "compensatory", "2019-06-04"));
  f.Ok("admin", RetractJ(twice, "entered twice"));
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P3"), "2019-06-01", f.Eval(PersonSubject("P3"))));
  f.Ok("enforcement", CommendJ(UnitSubject("U1"), "2019-06-01", f.Eval(UnitSubject("U1"))));
  f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2019-12-20"));
}

// `json` decodes (with `decode`) to a report that `encode` writes back byte for byte.
template <typename Decode, typename Encode>
void CheckRoundTrip(const std::string& json, Decode decode, Encode encode) {
  INFO(json);
  auto back = decode(json);
  INFO((back.ok() ? std::string("decoded") : back.status().message()));
  REQUIRE(back.ok());
  CHECK(encode(*back) == json);
}

// What a Result's failure says ("decoded" when there is none).
template <typename T>
std::string Refusal(const Result<T>& r) {
  return r.ok() ? std::string("decoded") : r.status().message();
}

TEST_CASE(
    "decoders: every report of a real ledger, as JSON, decodes to a report whose JSON is "
    "the same bytes",
    "[report-codec]") {
  ptest::ProgramLedger f;
  FillForReports(f);
  LedgerView view = f.ledger().View();

  SECTION("record: as it stands, as of a date or a seq, sealed values shown, R1 reduced") {
    struct Case {
      std::string person;
      AsOf as_of;
      bool sensitive;
    };
    const std::vector<Case> cases = {
        {"P1", {}, false},
        {"P1", {.date = "2019-05-10", .seq = std::nullopt}, false},
        {"P1", {.date = std::nullopt, .seq = 40}, false},
        {"P2", {}, true},
        {"P2", {}, false},
    };
    for (const auto& c : cases) {
      auto report = ReplayRecord(view, c.person, c.as_of, c.sensitive);
      REQUIRE(report.ok());
      std::string json = RecordJson(*report, c.as_of);
      AsOf as_of;
      CheckRoundTrip(
          json, [&](const std::string& j) { return RecordFromJson(j, &as_of); },
          [&](const PersonRecordReport& r) { return RecordJson(r, as_of); });
      CHECK(as_of.date == c.as_of.date);
      CHECK(as_of.seq == c.as_of.seq);
    }
    // A dispatcher's view: R1 reduced to "restricted" (the server sets it).
    auto report = ReplayRecord(view, "P2", AsOf{}, false);
    REQUIRE(report.ok());
    for (bool restricted : {true, false}) {
      report->restricted = restricted;
      std::string json = RecordJson(*report, AsOf{});
      CHECK_THAT(json, Catch::Matchers::Contains(restricted ? "\"restricted\":\"yes\""
                                                            : "\"restricted\":\"no\""));
      CheckRoundTrip(
          json, [](const std::string& j) { return RecordFromJson(j); },
          [](const PersonRecordReport& r) { return RecordJson(r, AsOf{}); });
    }
    // What the record shows was there to read back: a withdrawn line, a sealed value.
    auto p1 = ReplayRecord(view, "P1", AsOf{}, false);
    REQUIRE(p1.ok());
    CHECK_THAT(RecordJson(*p1, AsOf{}),
               Catch::Matchers::Contains("\"withdrawnReason\":\"entered twice\""));
    auto p2 = ReplayRecord(view, "P2", AsOf{}, true);
    REQUIRE(p2.ok());
    CHECK_THAT(RecordJson(*p2, AsOf{}), Catch::Matchers::Contains("health"));
  }
  SECTION("roster: every city, one city, a day nobody is on site") {
    for (auto [date, city] : std::vector<std::pair<std::string, std::optional<std::string>>>{
             {"2019-05-10", std::nullopt},
             {"2019-05-10", "130100"},
             {"2019-04-01", std::nullopt}}) {
      auto report = Roster(view, date, city);
      REQUIRE(report.ok());
      CheckRoundTrip(RosterJson(*report), RosterFromJson,
                     [](const RosterReport& r) { return RosterJson(r); });
    }
    auto report = Roster(view, "2019-05-10", std::nullopt);
    REQUIRE(report.ok());
    std::string json = RosterJson(*report);
    for (const char* shown : {"\"task\":", "\"recallDue\":true", "\"leader\":null"})
      CHECK_THAT(json, Catch::Matchers::Contains(shown));
  }
  SECTION("eligibility: persons and units, and a year with nobody listed") {
    for (int year : {2019, 2018}) {
      for (bool units : {false, true}) {
        auto report = Eligibility(view, year, units);
        REQUIRE(report.ok());
        if (year == 2019) CHECK(!report->lines.empty());
        CheckRoundTrip(
            EligibilityJson(*report),
            [&](const std::string& j) { return EligibilityFromJson(j, year, units); },
            [](const EligibilityReport& r) { return EligibilityJson(r); });
      }
    }
  }
  SECTION("leave, explanations, unevaluated") {
    for (const char* person : {"P1", "P4"}) {
      auto leave = LeaveBalance(view, person);
      REQUIRE(leave.ok());
      CheckRoundTrip(LeaveJson(*leave), LeaveFromJson,
                     [](const LeaveReport& r) { return LeaveJson(r); });
    }
    for (std::optional<int> year :
         {std::optional<int>(), std::optional<int>(2019), std::optional<int>(2018)}) {
      auto open = OpenExplanations(view, year);
      REQUIRE(open.ok());
      CheckRoundTrip(ExplanationsJson(*open), ExplanationsFromJson,
                     [](const ExplanationsReport& r) { return ExplanationsJson(r); });
    }
    auto open = OpenExplanations(view, std::nullopt);
    REQUIRE(open.ok());
    CHECK(open->open.size() == 1);
    auto unevaluated = Unevaluated(view, 2019);
    REQUIRE(unevaluated.ok());
    CHECK(!unevaluated->persons.empty());
    CheckRoundTrip(UnevaluatedJson(*unevaluated), UnevaluatedFromJson,
                   [](const UnevaluatedReport& r) { return UnevaluatedJson(r); });
  }
}

// `json` with its first `from` replaced by `to` (which must be there).
std::string Edited(std::string json, const std::string& from, const std::string& to) {
  size_t at = json.find(from);
  INFO(from << " in " << json);
  REQUIRE(at != std::string::npos);
  return json.replace(at, from.size(), to);
}

TEST_CASE(
    "decoders: a malformed report is refused, naming the first bad member by its path from "
    "the root: missing, mistyped, out of range, not a name the schema has",
    "[report-codec]") {
  ptest::ProgramLedger f;
  FillForReports(f);
  LedgerView view = f.ledger().View();
  auto roster = Roster(view, "2019-05-10", std::string("130100"));
  auto record = ReplayRecord(view, "P1", AsOf{}, false);
  auto eligibility = Eligibility(view, 2019, false);
  auto leave = LeaveBalance(view, "P1");
  auto open = OpenExplanations(view, std::nullopt);
  auto unevaluated = Unevaluated(view, 2019);
  REQUIRE((roster.ok() && record.ok() && eligibility.ok() && leave.ok() && open.ok() &&
           unevaluated.ok()));
  const std::string r = RosterJson(*roster), p1 = RecordJson(*record, AsOf{}),
                    e = EligibilityJson(*eligibility), l = LeaveJson(*leave),
                    x = ExplanationsJson(*open), u = UnevaluatedJson(*unevaluated);
  size_t withdrawn = 0;  // the first withdrawn line of P1's record
  while (withdrawn < record->lines.size() && !record->lines[withdrawn].withdrawn_by) ++withdrawn;
  REQUIRE(withdrawn < record->lines.size());
  auto as_roster = [](const std::string& j) { return Refusal(RosterFromJson(j)); };
  auto as_record = [](const std::string& j) { return Refusal(RecordFromJson(j)); };
  auto as_list = [](const std::string& j) { return Refusal(EligibilityFromJson(j, 2019, false)); };
  auto as_leave = [](const std::string& j) { return Refusal(LeaveFromJson(j)); };
  auto as_open = [](const std::string& j) { return Refusal(ExplanationsFromJson(j)); };
  auto as_unevaluated = [](const std::string& j) { return Refusal(UnevaluatedFromJson(j)); };
  struct Case {
    std::string got, says;
  };
  const std::vector<Case> cases = {
      {as_roster(r.substr(0, r.size() - 1)), "not valid JSON: "},
      {as_roster("[]"), "not a roster: the document is not an object (it is an array)"},
      {as_roster(Edited(r, "{\"date\":", "{\"date\":1,\"date\":")), "field 'date' appears twice"},
      {as_roster(Edited(r, "\"date\":\"2019-05-10\"", "\"date\":20190510")),
       "not a roster: 'date' is not a string (it is a number)"},
      {as_roster(Edited(r, "\"leadUnit\":\"U1\",", "")),
       "not a roster: 'cities[0].groups[0].leadUnit' is missing"},
      {as_roster(Edited(r, "\"position\":\"leader\"", "\"position\":\"chief\"")),
       "not a roster: 'cities[0].groups[0].leader.position' is not leader or member"},
      {as_roster(Edited(r, "\"recallDue\":true", "\"recallDue\":\"yes\"")),
       "not a roster: 'cities[0].groups[0].members[1].recallDue' is not true or false (it is a "
       "string)"},
      {as_roster(Edited(r, "\"groups\":[", "\"groups\":[7,")),
       "not a roster: 'cities[0].groups[0]' is not an object (it is a number)"},
      {as_roster(Edited(r, "\"cities\":[", "\"cities\":{},\"x\":[")),
       "not a roster: 'cities' is not a list (it is an object)"},
      {as_roster(Edited(r, "\"checkpoint\":", "\"checkpoint0\":")),
       "not a roster: 'checkpoint' is missing"},
      {as_roster(Edited(r, "\"root\":\"", "\"root\":\"zz")),
       "not a roster: 'checkpoint.root' is not a hash (64 hex digits)"},
      {as_roster(Edited(r, "\"treeSize\":", "\"treeSize\":-")),
       "not a roster: 'checkpoint.treeSize' is not a whole number, 0 or more (it is a number)"},
      {as_record(Edited(p1, "\"event\":{", "\"event\":\"{}\",\"x\":{")),
       "not a record: 'events[0].event' is not an object (it is a string)"},
      {as_record(Edited(p1, "\"withdrawn\":true,\"withdrawnBy\":", "\"withdrawn\":true,\"by\":")),
       "not a record: 'events[" + std::to_string(withdrawn) + "].withdrawnBy' is missing"},
      {as_record(Edited(p1, "\"category\":", "\"restricted\":\"maybe\",\"category\":")),
       "not a record: 'restricted' is not yes or no"},
      {as_record(
           Edited(p1, "\"category\":", "\"asOf\":\"2019-05-01\",\"asOfSeq\":3,\"category\":")),
       "not a record: 'asOfSeq' is given with 'asOf'"},
      {as_list("{}"), "not an eligibility list: the document is not a list (it is an object)"},
      {as_list(Edited(e, "\"category\":\"", "\"category\":\"x")),
       "not an eligibility list: '[0].category' is not a staff category"},
      {as_list(Edited(e, "\"events\":[", "\"events\":[\"40\",")),
       "not an eligibility list: '[0].events[0]' is not a whole number, 0 or more (it is a "
       "string)"},
      {as_list(Edited(e, "\"outcomes\":[", "\"outcomes\":[null,")),
       "not an eligibility list: '[0].outcomes[0]' is not a string (it is null)"},
      {as_leave(Edited(l, "\"accrued\":", "\"accrued\":4294967296")),
       "not a leave balance: 'accrued' is out of range (at most 4294967295)"},
      {as_leave(Edited(l, "\"left\":", "\"left\":1.5,\"x\":")),
       "not a leave balance: 'left' is not a whole number, 0 or more (it is a number)"},
      {as_open(Edited(x, "\"year\":2019", "\"year\":2147483648")),
       "not a list of explanations: 'open[0].year' is out of range (a 32-bit integer)"},
      {as_unevaluated(Edited(u, "\"assignments\":[", "\"assignments\":[{},")),
       "not a list of unevaluated persons: 'persons[0].assignments[0]' is not a string (it is an "
       "object)"},
  };
  for (const auto& c : cases) {
    INFO(c.got);
    CHECK_THAT(c.got, Catch::Matchers::Contains(c.says));
  }
  // The unedited documents read.
  CHECK(as_roster(r) == "decoded");
  CHECK(as_record(p1) == "decoded");
  CHECK(as_list(e) == "decoded");
  CHECK(as_leave(l) == "decoded");
  CHECK(as_open(x) == "decoded");
  CHECK(as_unevaluated(u) == "decoded");
}

// ---- property: random reports --------------------------------------------------------------

using Rng = std::mt19937_64;
using json::AppendUtf8;

// Random UTF-8 text: ASCII, every control character, quotes and backslashes, CJK, astral
// characters, line and paragraph separators, bidi and zero-width marks. Often empty.
std::string RandomText(Rng& rng) {
  static const uint32_t kOdd[] = {'"', '\\', '/', 0x2028, 0x2029, 0xFEFF, 0x200B, 0x202E, 0xFFFF};
  std::string s;
  size_t n = rng() % 4 == 0 ? 0 : rng() % 12;
  for (size_t i = 0; i < n; ++i) {
    uint32_t cp = 0;
    switch (rng() % 7) {
      case 0:
        cp = 0x20 + rng() % 0x5F;
        break;
      case 1:
        cp = rng() % 9 == 0 ? 0x7F : rng() % 0x20;
        break;
      case 2:
        cp = kOdd[rng() % std::size(kOdd)];
        break;
      case 3:
        cp = 0x4E00 + rng() % 0x5200;
        break;
      case 4:
        cp = 0x10000 + rng() % 0x100000;
        break;
      case 5:
        do {
          cp = 0x80 + rng() % 0xFF80;
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        break;
      default:
        cp = 'a' + rng() % 26;
    }
    AppendUtf8(s, cp);
  }
  return s;
}

uint64_t RandomU64(Rng& rng) {
  switch (rng() % 4) {
    case 0:
      return 0;
    case 1:
      return rng() % 1000;
    case 2:
      return 18446744073709551615ull - rng() % 3;
    default:
      return rng();
  }
}

std::vector<std::string> RandomTexts(Rng& rng) {
  std::vector<std::string> v(rng() % 4);
  for (auto& s : v) s = RandomText(rng);
  return v;
}

ReportBasis RandomBasis(Rng& rng) {
  ReportBasis b;
  b.tree_size = RandomU64(rng);
  for (auto& x : b.root) x = static_cast<uint8_t>(rng());
  return b;
}

// What a document must read back as: one line per value, "path kind value" (strings as
// hex of their UTF-8), in document order; "path []" and "path {}" for empty ones.
// Built from the C++ structs alone; Python flattens the parsed JSON the same way.
class Flat {
 public:
  void S(const std::string& path, const std::string& s) {
    lines_.push_back(path + " s " + HexEncode(AsBytes(s)));
  }
  void N(const std::string& path, uint64_t v) {
    lines_.push_back(path + " n " + std::to_string(v));
  }
  void I(const std::string& path, int64_t v) { lines_.push_back(path + " n " + std::to_string(v)); }
  void B(const std::string& path, bool v) {
    lines_.push_back(path + " b " + (v ? "true" : "false"));
  }
  void Null(const std::string& path) { lines_.push_back(path + " null"); }
  void Empty(const std::string& path, const char* what) { lines_.push_back(path + " " + what); }
  void Strings(const std::string& path, const std::vector<std::string>& v) {
    if (v.empty()) Empty(path, "[]");
    for (size_t i = 0; i < v.size(); ++i) S(Join(path, i), v[i]);
  }
  void Seqs(const std::string& path, const std::vector<uint64_t>& v) {
    if (v.empty()) Empty(path, "[]");
    for (size_t i = 0; i < v.size(); ++i) N(Join(path, i), v[i]);
  }
  void Basis(const std::string& path, const ReportBasis& b) {
    N(path + ".treeSize", b.tree_size);
    S(path + ".root", HexEncode(b.root));
  }
  static std::string Join(const std::string& path, size_t i) {
    return path.empty() ? std::to_string(i) : path + "." + std::to_string(i);
  }
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  std::string str() const {
    std::string out;
    for (const auto& l : lines_) out += (out.empty() ? "" : "\n") + l;
    return out;
  }

 private:
  std::vector<std::string> lines_;
};

struct RecordCase {
  PersonRecordReport report;
  AsOf as_of;
  std::vector<std::pair<std::string, uint64_t>> events;  // each line's event: {"id":..,"n":[..]}
};

RecordCase RandomRecord(Rng& rng) {
  RecordCase c;
  auto& r = c.report;
  r.person = RandomText(rng);
  r.name = RandomText(rng);
  r.unit = RandomText(rng);
  r.category = RandomText(rng);
  r.basis = RandomBasis(rng);
  switch (rng() % 3) {
    case 0:
      c.as_of.date = RandomText(rng);
      break;
    case 1:
      c.as_of.seq = RandomU64(rng);
      break;
    default:
      break;
  }
  r.lines.resize(rng() % 4);
  for (auto& l : r.lines) {
    l.seq = RandomU64(rng);
    l.date = RandomText(rng);
    l.type = RandomText(rng);
    l.signer = RandomText(rng);
    if (rng() % 2) {
      l.withdrawn_by = RandomU64(rng);
      l.withdrawn_reason = RandomText(rng);
    }
    c.events.emplace_back(RandomText(rng), RandomU64(rng));
    // Written as EventCodec writes an event (Cap'n Proto's escapes: \b, \f), which is how
    // simdjson writes it back.
    std::string json = "{\"id\":" + JsonQuote(c.events.back().first) + ",\"n\":[" +
                       std::to_string(c.events.back().second) + ",true,null,{}]}";
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(simdjson::padded_string(json)).get(doc) == simdjson::SUCCESS);
    l.event_json = simdjson::minify(doc);
  }
  return c;
}

std::string FlatRecord(const RecordCase& c) {
  Flat f;
  const auto& r = c.report;
  f.S("person", r.person);
  f.S("name", r.name);
  f.S("unit", r.unit);
  f.S("category", r.category);
  if (c.as_of.date) f.S("asOf", *c.as_of.date);
  if (c.as_of.seq) f.N("asOfSeq", *c.as_of.seq);
  if (r.lines.empty()) f.Empty("events", "[]");
  for (size_t i = 0; i < r.lines.size(); ++i) {
    const auto& l = r.lines[i];
    std::string p = Flat::Join("events", i);
    f.N(p + ".seq", l.seq);
    f.S(p + ".date", l.date);
    f.S(p + ".type", l.type);
    f.S(p + ".signer", l.signer);
    f.B(p + ".withdrawn", l.withdrawn_by.has_value());
    if (l.withdrawn_by) {
      f.N(p + ".withdrawnBy", *l.withdrawn_by);
      f.S(p + ".withdrawnReason", l.withdrawn_reason);
    }
    f.S(p + ".event.id", c.events[i].first);
    f.N(p + ".event.n.0", c.events[i].second);
    f.B(p + ".event.n.1", true);
    f.Null(p + ".event.n.2");
    f.Empty(p + ".event.n.3", "{}");
  }
  f.Basis("checkpoint", r.basis);
  return f.str();
}

RosterMember RandomMember(Rng& rng) {
  return {.person = RandomText(rng),
          .name = RandomText(rng),
          .unit = RandomText(rng),
          .position = rng() % 2 ? schema::Position::LEADER : schema::Position::MEMBER,
          .from = RandomText(rng),
          .to = RandomText(rng),
          .recall_due = rng() % 2 == 0};
}

RosterReport RandomRoster(Rng& rng) {
  RosterReport r;
  r.date = RandomText(rng);
  r.basis = RandomBasis(rng);
  r.cities.resize(rng() % 3);
  for (auto& c : r.cities) {
    c = {.city = RandomText(rng),
         .name = RandomText(rng),
         .region = RandomText(rng),
         .secretary = RandomText(rng),
         .secretary_name = RandomText(rng),
         .groups = {}};
    c.groups.resize(rng() % 3);
    for (auto& g : c.groups) {
      g.group = RandomText(rng);
      g.kind = RandomText(rng);
      g.lead_unit = RandomText(rng);
      g.lead_unit_name = RandomText(rng);
      g.task = RandomText(rng);
      if (rng() % 2) g.leader = RandomMember(rng);
      g.members.resize(rng() % 3);
      for (auto& m : g.members) m = RandomMember(rng);
    }
  }
  return r;
}

void FlatMember(Flat& f, const std::string& p, const RosterMember& m) {
  f.S(p + ".person", m.person);
  f.S(p + ".name", m.name);
  f.S(p + ".unit", m.unit);
  f.S(p + ".position", EnumName(m.position));
  f.S(p + ".from", m.from);
  f.S(p + ".to", m.to);
  f.B(p + ".recallDue", m.recall_due);
}

std::string FlatRoster(const RosterReport& r) {
  Flat f;
  f.S("date", r.date);
  if (r.cities.empty()) f.Empty("cities", "[]");
  for (size_t i = 0; i < r.cities.size(); ++i) {
    const auto& c = r.cities[i];
    std::string p = Flat::Join("cities", i);
    f.S(p + ".city", c.city);
    f.S(p + ".name", c.name);
    f.S(p + ".region", c.region);
    f.S(p + ".secretary", c.secretary);
    f.S(p + ".secretaryName", c.secretary_name);
    if (c.groups.empty()) f.Empty(p + ".groups", "[]");
    for (size_t j = 0; j < c.groups.size(); ++j) {
      const auto& g = c.groups[j];
      std::string q = Flat::Join(p + ".groups", j);
      f.S(q + ".group", g.group);
      f.S(q + ".kind", g.kind);
      f.S(q + ".leadUnit", g.lead_unit);
      f.S(q + ".leadUnitName", g.lead_unit_name);
      if (g.leader) {
        FlatMember(f, q + ".leader", *g.leader);
      } else {
        f.Null(q + ".leader");
      }
      if (g.members.empty()) f.Empty(q + ".members", "[]");
      for (size_t k = 0; k < g.members.size(); ++k)
        FlatMember(f, Flat::Join(q + ".members", k), g.members[k]);
      if (!g.task.empty()) f.S(q + ".task", g.task);
    }
  }
  f.Basis("checkpoint", r.basis);
  return f.str();
}

EligibilityReport RandomEligibility(Rng& rng) {
  static const schema::StaffCategory kCategories[] = {
      schema::StaffCategory::CIVIL_SERVANT, schema::StaffCategory::REFERENCE_MANAGED,
      schema::StaffCategory::PUBLIC_INSTITUTION, schema::StaffCategory::CONTRACT};
  EligibilityReport r;
  r.year = static_cast<int>(rng() % 10000);
  r.units = rng() % 2 == 0;
  r.basis = RandomBasis(rng);
  r.lines.resize(rng() % 4);
  for (auto& l : r.lines) {
    l.id = RandomText(rng);
    l.name = RandomText(rng);
    if (!r.units) {
      l.unit = RandomText(rng);
      l.category = kCategories[rng() % 4];
    }
    l.outcomes = RandomTexts(rng);
    l.review_required = rng() % 2 == 0;
    l.reasons = RandomText(rng);
    l.events.resize(rng() % 4);
    for (auto& e : l.events) e = RandomU64(rng);
  }
  return r;
}

std::string FlatEligibility(const EligibilityReport& r) {
  Flat f;
  if (r.lines.empty()) f.Empty("", "[]");
  for (size_t i = 0; i < r.lines.size(); ++i) {
    const auto& l = r.lines[i];
    std::string p = Flat::Join("", i);
    f.S(p + (r.units ? ".unit" : ".person"), l.id);
    f.S(p + ".name", l.name);
    if (!r.units) {
      f.S(p + ".unit", l.unit);
      f.S(p + ".category", EnumName(*l.category));
    }
    f.Strings(p + ".outcomes", l.outcomes);
    f.B(p + ".reviewRequired", l.review_required);
    f.S(p + ".reasons", l.reasons);
    f.Seqs(p + ".events", l.events);
  }
  return f.str();
}

LeaveReport RandomLeave(Rng& rng) {
  return {.person = RandomText(rng),
          .accrued = static_cast<uint32_t>(rng()),
          .granted = static_cast<uint32_t>(rng() % 30),
          .left = static_cast<uint32_t>(rng() % 2 ? 0 : rng()),
          .rotation_granted = static_cast<uint32_t>(rng()),
          .basis = RandomBasis(rng)};
}

std::string FlatLeave(const LeaveReport& r) {
  Flat f;
  f.S("person", r.person);
  f.N("accrued", r.accrued);
  f.N("granted", r.granted);
  f.N("left", r.left);
  f.N("rotationGranted", r.rotation_granted);
  f.Basis("checkpoint", r.basis);
  return f.str();
}

ExplanationsReport RandomExplanations(Rng& rng) {
  ExplanationsReport r;
  r.basis = RandomBasis(rng);
  r.open.resize(rng() % 4);
  for (auto& o : r.open) {
    o = {.city = RandomText(rng),
         .name = RandomText(rng),
         .scope = RandomText(rng),
         .guarantor = RandomText(rng),
         .assessed_on = RandomText(rng),
         .year = static_cast<int>(static_cast<int32_t>(rng())),
         .seq = RandomU64(rng)};
  }
  return r;
}

std::string FlatExplanations(const ExplanationsReport& r) {
  Flat f;
  if (r.open.empty()) f.Empty("open", "[]");
  for (size_t i = 0; i < r.open.size(); ++i) {
    const auto& o = r.open[i];
    std::string p = Flat::Join("open", i);
    f.S(p + ".city", o.city);
    f.S(p + ".name", o.name);
    f.I(p + ".year", o.year);
    f.S(p + ".scope", o.scope);
    f.S(p + ".guarantor", o.guarantor);
    f.S(p + ".assessedOn", o.assessed_on);
    f.N(p + ".seq", o.seq);
  }
  f.Basis("checkpoint", r.basis);
  return f.str();
}

UnevaluatedReport RandomUnevaluated(Rng& rng) {
  UnevaluatedReport r;
  r.year = static_cast<int>(rng() % 10000);
  r.basis = RandomBasis(rng);
  r.persons.resize(rng() % 4);
  for (auto& p : r.persons) {
    p = {.person = RandomText(rng),
         .name = RandomText(rng),
         .unit = RandomText(rng),
         .assignments = RandomTexts(rng)};
  }
  return r;
}

std::string FlatUnevaluated(const UnevaluatedReport& r) {
  Flat f;
  f.I("year", r.year);
  if (r.persons.empty()) f.Empty("persons", "[]");
  for (size_t i = 0; i < r.persons.size(); ++i) {
    const auto& x = r.persons[i];
    std::string p = Flat::Join("persons", i);
    f.S(p + ".person", x.person);
    f.S(p + ".name", x.name);
    f.S(p + ".unit", x.unit);
    f.Strings(p + ".assignments", x.assignments);
  }
  f.Basis("checkpoint", r.basis);
  return f.str();
}

// Reads frames ("<length>\n<bytes>") of documents and of their expected flat lines; parses
// each document with json.loads (strict: a raw control character in a string is an
// error) and flattens it as Flat does. Prints "ok N" or what differs.
constexpr const char* kPythonCheck = R"PY(
import json, sys

def frames(name):
    data, i, out = open(name, "rb").read(), 0, []
    while i < len(data):
        j = data.index(b"\n", i)
        n = int(data[i:j])
        out.append(data[j + 1:j + 1 + n])
        i = j + 1 + n
    return out

def join(path, key):
    return f"{path}.{key}" if path else str(key)

def flat(v, path, out):
    if isinstance(v, dict):
        if not v:
            out.append(path + " {}")
        for k, x in v.items():
            flat(x, join(path, k), out)
    elif isinstance(v, list):
        if not v:
            out.append(path + " []")
        for i, x in enumerate(v):
            flat(x, join(path, i), out)
    elif v is None:
        out.append(path + " null")
    elif isinstance(v, bool):
        out.append(path + " b " + ("true" if v else "false"))
    elif isinstance(v, int):
        out.append(path + " n " + str(v))
    elif isinstance(v, str):
        out.append(path + " s " + v.encode("utf-8").hex())
    else:
        out.append(path + " unexpected " + repr(v))

docs, wants = frames(sys.argv[1]), frames(sys.argv[2])
assert len(docs) == len(wants), (len(docs), len(wants))
bad = 0
for k, (doc, want) in enumerate(zip(docs, wants)):
    try:
        value = json.loads(doc.decode("utf-8"))
    except ValueError as e:
        print(f"document {k} is not JSON ({e}): {doc[:300]!r}")
        bad += 1
        continue
    got = []
    flat(value, "", got)
    want = want.decode().split("\n")
    if got != want:
        diff = [(g, w) for g, w in zip(got, want) if g != w][:3]
        print(f"document {k} reads back differently: {len(got)} vs {len(want)} values; {diff}")
        bad += 1
    if bad > 5:
        break
print(f"ok {len(docs)}" if bad == 0 else f"{bad} documents differ")
sys.exit(1 if bad else 0)
)PY";

void AddFrame(std::string& out, const std::string& bytes) {
  out += std::to_string(bytes.size()) + "\n" + bytes;
}

using test::CommandResult;
CommandResult Run(const std::string& command) { return test::RunCommand(command); }

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST_CASE(
    "property: random reports encode as the CLI always printed them (a group's task aside), "
    "decode to reports that encode to the same bytes, and Python reads back the same values",
    "[report-codec]") {
  // tools/run installs python3: without it the cross-check would pass by proving nothing.
  REQUIRE(std::system("command -v python3 >/dev/null 2>&1") == 0);
  uint64_t seed = EnvOr("PROBITY_PROPERTY_SEED", 9);
  uint64_t n = EnvOr("PROBITY_PROPERTY_N", 400);
  INFO("PROBITY_PROPERTY_SEED=" << seed << " PROBITY_PROPERTY_N=" << n);
  Rng rng(seed);
  std::string docs, wants;
  size_t differing = 0;
  auto add = [&](const std::string& json, const std::string& former, const std::string& flat) {
    if (json != former && ++differing <= 3) {
      CHECK(json == former);
    }
    AddFrame(docs, json);
    AddFrame(wants, flat);
  };
  // Each document decodes to a report whose JSON is the same bytes.
  size_t unread = 0;
  auto reads_back = [&](const std::string& json, const auto& back, auto encode) {
    bool same = back.ok() && encode(*back) == json;
    if (!same && ++unread <= 3) {
      INFO(json << "\n" << Refusal(back));
      CHECK(same);
    }
  };
  for (uint64_t i = 0; i < n; ++i) {
    RecordCase record = RandomRecord(rng);
    add(RecordJson(record.report, record.as_of), legacy::Record(record.report, record.as_of),
        FlatRecord(record));
    RosterReport roster = RandomRoster(rng);
    add(RosterJson(WithoutTasks(roster)), legacy::Roster(roster), FlatRoster(WithoutTasks(roster)));
    AddFrame(docs, RosterJson(roster));  // with the tasks the former printer left out
    AddFrame(wants, FlatRoster(roster));
    EligibilityReport eligibility = RandomEligibility(rng);
    add(EligibilityJson(eligibility), legacy::Eligibility(eligibility),
        FlatEligibility(eligibility));
    LeaveReport leave = RandomLeave(rng);
    add(LeaveJson(leave), legacy::Leave(leave), FlatLeave(leave));
    ExplanationsReport explanations = RandomExplanations(rng);
    add(ExplanationsJson(explanations), legacy::Explanations(explanations),
        FlatExplanations(explanations));
    UnevaluatedReport unevaluated = RandomUnevaluated(rng);
    add(UnevaluatedJson(unevaluated), legacy::Unevaluated(unevaluated),
        FlatUnevaluated(unevaluated));

    std::string json = RecordJson(record.report, record.as_of);
    AsOf as_of;
    reads_back(json, RecordFromJson(json, &as_of),
               [&](const PersonRecordReport& r) { return RecordJson(r, as_of); });
    json = RosterJson(roster);
    reads_back(json, RosterFromJson(json), [](const RosterReport& r) { return RosterJson(r); });
    json = EligibilityJson(eligibility);
    reads_back(json, EligibilityFromJson(json, eligibility.year, eligibility.units),
               [](const EligibilityReport& r) { return EligibilityJson(r); });
    json = LeaveJson(leave);
    reads_back(json, LeaveFromJson(json), [](const LeaveReport& r) { return LeaveJson(r); });
    json = ExplanationsJson(explanations);
    reads_back(json, ExplanationsFromJson(json),
               [](const ExplanationsReport& r) { return ExplanationsJson(r); });
    json = UnevaluatedJson(unevaluated);
    reads_back(json, UnevaluatedFromJson(json),
               [](const UnevaluatedReport& r) { return UnevaluatedJson(r); });
  }
  CHECK(differing == 0);
  CHECK(unread == 0);

  test::TempDir dir("probity-report-codec");
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir.File(name), std::ios::binary) << bytes;
    return dir.File(name);
  };
  std::string script = write("check.py", kPythonCheck);
  std::string docs_file = write("docs", docs);
  std::string wants_file = write("wants", wants);
  CommandResult py = Run("python3 '" + script + "' '" + docs_file + "' '" + wants_file + "'");
  INFO(py.output);
  CHECK(py.exit_code == 0);
  CHECK(py.output == "ok " + std::to_string(7 * n) + "\n");
}

}  // namespace
}  // namespace probity
