// What the program's users read (projections/reports.h): HR's year-end eligibility list
// (R13, R14, the UTC+8 year), a person's record replayed as of a date or a seq (R15
// withdrawals, the R1 reason hidden), rosters on a date (R8 secretary, hand-over day),
// and the open explanations (R9). Built on ProgramLedger (tests/program_fixture.h).
#include "projections/reports.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/program_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;
using Strings = std::vector<std::string>;
using Seqs = std::vector<uint64_t>;

EligibilityReport Elig(const ProgramLedger& f, int year, bool units = false) {
  auto r = Eligibility(f.ledger(), year, units);
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  CHECK(r->year == year);
  CHECK(r->units == units);
  return *r;
}

// The line for `id`; the test fails if it is not listed.
EligibilityLine LineOf(const EligibilityReport& r, const std::string& id) {
  for (const auto& l : r.lines) {
    if (l.id == id) return l;
  }
  FAIL("'" << id << "' is not listed for " << r.year);
  return {};
}

Strings Listed(const EligibilityReport& r) {
  Strings ids;
  for (const auto& l : r.lines) ids.push_back(l.id);
  return ids;
}

PersonRecordReport Record(const ProgramLedger& f, const std::string& person, AsOf as_of = {},
                          bool sensitive = false) {
  auto r = ReplayRecord(f.ledger(), person, as_of, sensitive);
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  return *r;
}

Seqs SeqsOf(const PersonRecordReport& r) {
  Seqs out;
  for (const auto& l : r.lines) out.push_back(l.seq);
  return out;
}

const RecordLine& LineAt(const PersonRecordReport& r, uint64_t seq) {
  for (const auto& l : r.lines) {
    if (l.seq == seq) return l;
  }
  FAIL("seq " << seq << " is not in the record of " << r.person);
  return r.lines.front();
}

RosterReport RosterOn(const ProgramLedger& f, const std::string& date,
                      std::optional<std::string> city = "130100") {
  auto r = Roster(f.ledger(), date, city);
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  CHECK(r->date == date);
  return *r;
}

const RosterGroup* GroupIn(const RosterReport& r, const std::string& group) {
  for (const auto& c : r.cities) {
    for (const auto& g : c.groups) {
      if (g.group == group) return &g;
    }
  }
  return nullptr;
}

Strings MembersOf(const RosterReport& r, const std::string& group) {
  const RosterGroup* g = GroupIn(r, group);
  REQUIRE(g != nullptr);
  Strings out;
  for (const auto& m : g->members) out.push_back(m.person);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- eligibility: persons, by staff category ----------------------------------------------------

TEST_CASE(
    "eligibility: commended civil servants and reference-managed staff get priority in assessment "
    "and awards",
    "[reports]") {
  ProgramLedger f;
  uint64_t p1 =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  uint64_t p2 =
      f.Ok("enforcement", CommendJ(PersonSubject("P2"), "2019-06-01", f.Eval(PersonSubject("P2"))));
  auto r = Elig(f, 2019);
  REQUIRE(Listed(r) == Strings{"P1", "P2"});
  auto l1 = LineOf(r, "P1");
  CHECK(l1.name == "张伟");
  CHECK(l1.unit == "U1");
  CHECK(l1.category == schema::StaffCategory::CIVIL_SERVANT);
  CHECK(l1.outcomes == Strings{"priorityInAssessment", "priorityInAwards"});
  CHECK_FALSE(l1.review_required);
  CHECK(l1.events == Seqs{p1});
  CHECK_THAT(l1.reasons, Contains("commended"));
  auto l2 = LineOf(r, "P2");
  CHECK(l2.category == schema::StaffCategory::REFERENCE_MANAGED);
  CHECK(l2.outcomes == Strings{"priorityInAssessment", "priorityInAwards"});
  CHECK_FALSE(l2.review_required);
  CHECK(l2.events == Seqs{p2});
}

TEST_CASE(
    "eligibility: commended public-institution and contract staff get a raised grade and priority "
    "in "
    "awards",
    "[reports]") {
  ProgramLedger f;
  uint64_t p3 =
      f.Ok("enforcement", CommendJ(PersonSubject("P3"), "2019-06-01", f.Eval(PersonSubject("P3"))));
  uint64_t p4 =
      f.Ok("enforcement", CommendJ(PersonSubject("P4"), "2019-06-01", f.Eval(PersonSubject("P4"))));
  auto r = Elig(f, 2019);
  REQUIRE(Listed(r) == Strings{"P3", "P4"});
  auto l3 = LineOf(r, "P3");
  CHECK(l3.category == schema::StaffCategory::PUBLIC_INSTITUTION);
  CHECK(l3.outcomes == Strings{"gradeRaised", "priorityInAwards"});
  CHECK_FALSE(l3.review_required);
  CHECK(l3.events == Seqs{p3});
  auto l4 = LineOf(r, "P4");
  CHECK(l4.category == schema::StaffCategory::CONTRACT);
  CHECK(l4.outcomes == Strings{"gradeRaised", "priorityInAwards"});
  CHECK(l4.events == Seqs{p4});
}

TEST_CASE("eligibility: a criticised person of any category may not be rated Excellent",
          "[reports]") {
  ProgramLedger f;
  std::map<std::string, uint64_t> seq;
  for (const char* p : {"P1", "P2", "P3", "P4"})
    seq[p] =
        f.Ok("enforcement", CriticiseJ(PersonSubject(p), "2019-07-01", f.Eval(PersonSubject(p))));
  auto r = Elig(f, 2019);
  REQUIRE(Listed(r) == Strings{"P1", "P2", "P3", "P4"});
  for (const char* p : {"P1", "P2", "P3", "P4"}) {
    INFO(p);
    auto l = LineOf(r, p);
    CHECK(l.outcomes == Strings{"barredFromExcellent"});
    CHECK_FALSE(l.review_required);
    CHECK(l.events == Seqs{seq[p]});
    CHECK_THAT(l.reasons, Contains("criticised"));
  }
}

TEST_CASE("eligibility R13: commended and criticised in one year keeps the bar and asks for review",
          "[reports]") {
  auto person =
      GENERATE(as<std::string>{}, "P1", "P3");  // a civil servant and a public-institution employee
  ProgramLedger f;
  uint64_t praise = f.Ok(
      "enforcement", CommendJ(PersonSubject(person), "2019-06-01", f.Eval(PersonSubject(person))));
  uint64_t blame = f.Ok("enforcement", CriticiseJ(PersonSubject(person), "2019-09-01",
                                                  f.Eval(PersonSubject(person)), "workDiscipline"));
  auto l = LineOf(Elig(f, 2019), person);
  CHECK(l.outcomes == Strings{"barredFromExcellent"});
  CHECK(l.review_required);
  CHECK_THAT(l.reasons, Contains("commended"));
  CHECK_THAT(l.reasons, Contains("criticised"));
  CHECK_THAT(l.reasons, Contains(std::to_string(praise)));
  CHECK_THAT(l.reasons, Contains(std::to_string(blame)));
  CHECK(l.events == Seqs{praise, blame});
}

TEST_CASE("eligibility R14: each line lists exactly the seqs that decided it", "[reports]") {
  ProgramLedger f;
  uint64_t eval = f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-01"));
  uint64_t a = f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "E1"));
  f.Ok("enforcement",
       CommendJ(PersonSubject("P1"), "2020-03-01", f.Eval(PersonSubject("P1"))));  // another year
  uint64_t b =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-11-11", f.Eval(PersonSubject("P1"))));
  uint64_t c = f.Ok("enforcement",
                    CriticiseJ(PersonSubject("P1"), "2019-08-08", f.Eval(PersonSubject("P1"))));
  uint64_t gone = f.Ok("enforcement",
                       CriticiseJ(PersonSubject("P1"), "2019-08-09", f.Eval(PersonSubject("P1"))));
  f.Ok("admin", RetractJ(gone));
  auto l = LineOf(Elig(f, 2019), "P1");
  CHECK(l.events == Seqs{a, b, c});
  CHECK(std::find(l.events.begin(), l.events.end(), eval) == l.events.end());
  CHECK(l.review_required);
  CHECK(LineOf(Elig(f, 2020), "P1").events.size() == 1);
}

TEST_CASE("eligibility: persons with nothing counted in the year are not listed", "[reports]") {
  ProgramLedger f;
  f.Ok("enforcement", EvaluationJ("E5", PersonSubject("P5"), "2019-06-01"));  // evaluated only
  f.Ok("enforcement",
       CommendJ(PersonSubject("P6"), "2020-06-01", f.Eval(PersonSubject("P6"))));  // another year
  uint64_t gone =
      f.Ok("enforcement", CommendJ(PersonSubject("P7"), "2019-06-01", f.Eval(PersonSubject("P7"))));
  f.Ok("admin", RetractJ(gone, "wrong person"));  // withdrawn
  f.Ok("enforcement", CommendJ(UnitSubject("U1"), "2019-06-01",
                               f.Eval(UnitSubject("U1"))));  // a unit, not a person
  CHECK(Elig(f, 2019).lines.empty());
  CHECK(Listed(Elig(f, 2020)) == Strings{"P6"});
  CHECK(Elig(f, 2018).lines.empty());
}

TEST_CASE("eligibility R15: a retracted mark counts for nothing", "[reports]") {
  ProgramLedger f;
  uint64_t praise =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  uint64_t blame = f.Ok("enforcement",
                        CriticiseJ(PersonSubject("P1"), "2019-09-01", f.Eval(PersonSubject("P1"))));
  CHECK(LineOf(Elig(f, 2019), "P1").review_required);
  uint64_t r = f.Ok("admin", RetractJ(blame, "criticism concerned another person"));
  auto l = LineOf(Elig(f, 2019), "P1");
  CHECK(l.outcomes == Strings{"priorityInAssessment", "priorityInAwards"});
  CHECK_FALSE(l.review_required);
  CHECK(l.events == Seqs{praise});
  // The record still shows the criticism, withdrawn by the retraction, with its reason.
  auto rec = Record(f, "P1");
  const auto& line = LineAt(rec, blame);
  REQUIRE(line.withdrawn_by.has_value());
  CHECK(*line.withdrawn_by == r);
  CHECK(line.withdrawn_reason == "criticism concerned another person");
  CHECK(line.type == "criticismIssued");
  CHECK_FALSE(LineAt(rec, praise).withdrawn_by.has_value());
  CHECK(LineAt(rec, r).type == "retraction");

  uint64_t r2 = f.Ok("admin", RetractJ(praise, "duplicate letter"));
  CHECK(Elig(f, 2019).lines.empty());
  auto after = Record(f, "P1");
  REQUIRE(LineAt(after, praise).withdrawn_by.has_value());
  CHECK(*LineAt(after, praise).withdrawn_by == r2);
  CHECK(LineAt(after, praise).withdrawn_reason == "duplicate letter");
  CHECK(LineAt(after, praise).type == "commendationIssued");
}

// ---- eligibility: units ----------------------------------------------------------------------

TEST_CASE(
    "eligibility --units: commended units get the leadership bonus, criticised ones no awards",
    "[reports]") {
  ProgramLedger f;
  uint64_t u1 =
      f.Ok("enforcement", CommendJ(UnitSubject("U1"), "2019-06-01", f.Eval(UnitSubject("U1"))));
  uint64_t u2 = f.Ok("enforcement", CriticiseJ(UnitSubject("U2"), "2019-06-01",
                                               f.Eval(UnitSubject("U2")), "poorOrganisation"));
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  auto r = Elig(f, 2019, true);
  REQUIRE(Listed(r) == Strings{"U1", "U2"});
  auto l1 = LineOf(r, "U1");
  CHECK(l1.name == "大气环境司");
  CHECK(l1.unit.empty());
  CHECK_FALSE(l1.category.has_value());
  CHECK(l1.outcomes == Strings{"leadershipBonus", "priorityAdvancedCollective"});
  CHECK_FALSE(l1.review_required);
  CHECK(l1.events == Seqs{u1});
  auto l2 = LineOf(r, "U2");
  CHECK(l2.outcomes == Strings{"barredFromAwards"});
  CHECK(l2.events == Seqs{u2});
  // Persons and units are separate lists.
  CHECK(Listed(Elig(f, 2019)) == Strings{"P1"});
}

TEST_CASE("eligibility --units: a unit both commended and criticised stays barred", "[reports]") {
  ProgramLedger f;
  uint64_t a =
      f.Ok("enforcement", CommendJ(UnitSubject("U3"), "2019-06-01", f.Eval(UnitSubject("U3"))));
  uint64_t b = f.Ok("enforcement", CriticiseJ(UnitSubject("U3"), "2019-10-01",
                                              f.Eval(UnitSubject("U3")), "poorOrganisation"));
  auto l = LineOf(Elig(f, 2019, true), "U3");
  CHECK(l.outcomes == Strings{"barredFromAwards"});
  CHECK(l.events == Seqs{a, b});
}

// ---- the year is the business date's, in China Standard Time ------------------------------------

TEST_CASE("eligibility: the year is the event's business date (UTC+8), not the day it was recorded",
          "[reports]") {
  ProgramLedger f;
  // 23:00 CST on 31 December 2019: the UTC and CST days are both 2019.
  f.clock().Set(Utc("2019-12-31T15:00:00Z"));
  uint64_t p1 =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2020-01-01", f.Eval(PersonSubject("P1"))));
  // 01:00 CST on 1 January 2020: the UTC day is 2019, the CST day 2020.
  f.clock().Set(Utc("2019-12-31T17:00:00Z"));
  uint64_t p2 =
      f.Ok("enforcement", CommendJ(PersonSubject("P2"), "2019-12-31", f.Eval(PersonSubject("P2"))));
  uint64_t u1 =
      f.Ok("enforcement", CommendJ(UnitSubject("U1"), "2020-01-01", f.Eval(UnitSubject("U1"))));
  // 10:00 CST on 1 January 2020: both days are 2020.
  f.clock().Set(Utc("2020-01-01T02:00:00Z"));
  uint64_t p3 =
      f.Ok("enforcement", CommendJ(PersonSubject("P3"), "2019-12-31", f.Eval(PersonSubject("P3"))));
  uint64_t p4 = f.Ok("enforcement",
                     CriticiseJ(PersonSubject("P4"), "2020-01-01", f.Eval(PersonSubject("P4"))));
  uint64_t u2 =
      f.Ok("enforcement", CommendJ(UnitSubject("U2"), "2019-12-31", f.Eval(UnitSubject("U2"))));

  // The entries were recorded when the test says.
  CHECK(f.ledger().ReadEntry(p1)->recorded_at_us == Utc("2019-12-31T15:00:00Z"));
  CHECK(f.ledger().ReadEntry(p2)->recorded_at_us == Utc("2019-12-31T17:00:00Z"));
  CHECK(f.ledger().ReadEntry(p3)->recorded_at_us == Utc("2020-01-01T02:00:00Z"));

  auto y2019 = Elig(f, 2019), y2020 = Elig(f, 2020);
  CHECK(Listed(y2019) == Strings{"P2", "P3"});
  CHECK(Listed(y2020) == Strings{"P1", "P4"});
  CHECK(LineOf(y2019, "P2").events == Seqs{p2});
  CHECK(LineOf(y2019, "P3").events == Seqs{p3});
  CHECK(LineOf(y2020, "P1").events == Seqs{p1});
  CHECK(LineOf(y2020, "P4").events == Seqs{p4});
  CHECK(Listed(Elig(f, 2019, true)) == Strings{"U2"});
  CHECK(Listed(Elig(f, 2020, true)) == Strings{"U1"});
  CHECK(LineOf(Elig(f, 2020, true), "U1").events == Seqs{u1});
  CHECK(LineOf(Elig(f, 2019, true), "U2").events == Seqs{u2});

  // The record shows the business date, not the recorded day.
  CHECK(LineAt(Record(f, "P1"), p1).date == "2020-01-01");
  CHECK(LineAt(Record(f, "P3"), p3).date == "2019-12-31");
}

TEST_CASE("BusinessDate: an event without a date field takes the CST day it was recorded on",
          "[reports]") {
  EventCodec codec;
  auto body = codec.Parse(UnitJ("U9"));
  REQUIRE(body.ok());
  auto view = EventView::FromCanonical(*body);
  REQUIRE(view.ok());
  CHECK(BusinessDate(view->reader(), Utc("2019-12-31T15:59:59Z")) == "2019-12-31");
  CHECK(BusinessDate(view->reader(), Utc("2019-12-31T16:00:00Z")) == "2020-01-01");
  auto dated = codec.Parse(CommendJ(PersonSubject("P1"), "2019-12-31", "E1"));
  REQUIRE(dated.ok());
  auto dview = EventView::FromCanonical(*dated);
  REQUIRE(dview.ok());
  CHECK(BusinessDate(dview->reader(), Utc("2020-01-01T02:00:00Z")) == "2019-12-31");
}

// ---- record
// --------------------------------------------------------------------------------------

TEST_CASE("record: a person's history with seqs, dates and signers", "[reports]") {
  ProgramLedger f;
  uint64_t a =
      f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  uint64_t e = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  uint64_t l = f.Ok("hr", LeaveJ("P1", 2, "compensatory", "2019-05-27"));
  uint64_t c =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  f.Ok("enforcement",
       CommendJ(PersonSubject("P2"), "2019-06-01", f.Eval(PersonSubject("P2"))));  // someone else's
  auto rec = Record(f, "P1");
  CHECK(rec.person == "P1");
  CHECK(rec.name == "张伟");
  CHECK(rec.unit == "U1");
  CHECK(rec.category == "civilServant");
  CHECK(rec.basis.tree_size == f.size());
  Seqs seqs = SeqsOf(rec);
  // Registration, two trainings, the four above, and (v2: a commendation cites one) the
  // evaluation its commendation cites.
  CHECK(seqs.size() == 1 + 2 + 4 + 1);
  for (uint64_t s : {a, e, l, c}) CHECK(std::count(seqs.begin(), seqs.end(), s) == 1);
  CHECK(std::is_sorted(seqs.begin(), seqs.end()));
  CHECK(LineAt(rec, a).type == "assignmentMade");
  CHECK(LineAt(rec, a).date == "2019-05-10");
  CHECK(LineAt(rec, e).type == "assignmentEnded");
  CHECK(LineAt(rec, e).date == "2019-05-24");
  CHECK_THAT(LineAt(rec, a).signer, Contains("dispatcher-U1"));
  CHECK_THAT(LineAt(rec, l).signer, Contains("hr"));
  CHECK_THAT(LineAt(rec, c).event_json, Contains("commendationIssued"));
  // Unknown person.
  auto none = ReplayRecord(f.ledger(), "P404", {}, false);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Code::kNotFound);
}

TEST_CASE("record --as-of DATE: only events whose business date is on or before DATE",
          "[reports]") {
  ProgramLedger f;
  uint64_t a = f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  uint64_t e = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  uint64_t c =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  AsOf as_of;
  as_of.date = "2019-05-15";
  Seqs seqs = SeqsOf(Record(f, "P1", as_of));
  CHECK(std::count(seqs.begin(), seqs.end(), a) == 1);
  CHECK(std::count(seqs.begin(), seqs.end(), e) == 0);
  CHECK(std::count(seqs.begin(), seqs.end(), c) == 0);
  for (const auto& line : Record(f, "P1", as_of).lines) CHECK(line.date <= "2019-05-15");
  as_of.date = "2019-05-24";  // inclusive
  seqs = SeqsOf(Record(f, "P1", as_of));
  CHECK(std::count(seqs.begin(), seqs.end(), e) == 1);
  CHECK(std::count(seqs.begin(), seqs.end(), c) == 0);
  as_of.date = "2019-04-19";  // before the training: nothing but what has no later date
  for (const auto& line : Record(f, "P1", as_of).lines) CHECK(line.date <= "2019-04-19");
}

TEST_CASE(
    "record --as-of DATE: a retraction of an event dated after DATE is left out with it (R15)",
    "[reports]") {
  ProgramLedger f;  // the clock stands at 2019-05-01: the retraction is dated then
  uint64_t c =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  uint64_t r = f.Ok("admin", RetractJ(c, "issued to the wrong person"));
  AsOf as_of;
  as_of.date = "2019-05-15";
  auto before = Record(f, "P1", as_of);
  Seqs seqs = SeqsOf(before);
  CHECK(std::count(seqs.begin(), seqs.end(), c) == 0);
  CHECK(std::count(seqs.begin(), seqs.end(), r) == 0);  // dated 2019-05-01, yet nothing to withdraw
  as_of.date = "2019-06-01";
  seqs = SeqsOf(Record(f, "P1", as_of));
  CHECK(std::count(seqs.begin(), seqs.end(), c) == 1);
  CHECK(std::count(seqs.begin(), seqs.end(), r) == 1);
  CHECK(LineAt(Record(f, "P1", as_of), c).withdrawn_by == r);
}

TEST_CASE("record --as-of-seq: the ledger as it stood, before a later retraction", "[reports]") {
  ProgramLedger f;
  uint64_t c =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  uint64_t other = f.Ok("enforcement",
                        CriticiseJ(PersonSubject("P1"), "2019-06-05", f.Eval(PersonSubject("P1"))));
  uint64_t r = f.Ok("admin", RetractJ(c, "issued twice"));

  AsOf before;
  before.seq = r - 1;
  auto then = Record(f, "P1", before);
  CHECK(then.basis.tree_size == r);
  const auto& line_then = LineAt(then, c);
  CHECK_FALSE(line_then.withdrawn_by.has_value());
  CHECK(line_then.withdrawn_reason.empty());
  Seqs seqs_then = SeqsOf(then);
  CHECK(std::count(seqs_then.begin(), seqs_then.end(), r) == 0);
  CHECK(std::count(seqs_then.begin(), seqs_then.end(), other) == 1);

  AsOf at;
  at.seq = r;
  auto now = Record(f, "P1", at);
  const auto& line_at = LineAt(now, c);
  REQUIRE(line_at.withdrawn_by.has_value());
  CHECK(*line_at.withdrawn_by == r);
  CHECK(line_at.withdrawn_reason == "issued twice");

  AsOf beyond;
  beyond.seq = f.size();
  auto bad = ReplayRecord(f.ledger(), "P1", beyond, false);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalid);
}

TEST_CASE("record: a restriction's reason is hidden unless include_sensitive", "[reports]") {
  ProgramLedger f;
  uint64_t s = f.Ok("hr", RestrictionJ("P2", "breastfeeding", "2019-05-01", "2019-12-31"));
  auto hidden = Record(f, "P2");
  const auto& line = LineAt(hidden, s);
  CHECK(line.type == "restrictionRecorded");
  CHECK_THAT(line.event_json, Contains("2019-05-01"));
  CHECK_THAT(line.event_json, Contains("2019-12-31"));
  for (const auto& l : hidden.lines) {
    CHECK_THAT(l.event_json + l.summary + l.type + l.signer, !Contains("breastfeeding"));
  }
  CHECK_THAT(LineAt(Record(f, "P2", {}, true), s).event_json, Contains("breastfeeding"));
}

// ---- roster
// --------------------------------------------------------------------------------------

TEST_CASE("roster: members, leader, lead unit and branch secretary on a date", "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G2", "2019-05-12", "2019-05-26"));
  // Each secretary on site in the city on the branch's date (R8).
  f.Ok("dispatcher-U1", AssignJ("A4", "P5", "G1", "2019-05-05", "2019-05-09"));
  f.Ok("dispatcher-U1", AssignJ("A5", "P2", "G2", "2019-05-30", "2019-06-13"));
  f.Ok("party", BranchJ("130100", "U1", "P5", "2019-05-05"));
  f.Ok("party", BranchJ("130100", "U1", "P2", "2019-06-01"));

  auto r = RosterOn(f, "2019-05-15");
  REQUIRE(r.cities.size() == 1);
  const auto& city = r.cities[0];
  CHECK(city.city == "130100");
  CHECK(city.name == "石家庄市");
  CHECK(city.region == "jingjinji");
  CHECK(city.secretary == "P5");
  CHECK(city.secretary_name == "陈静");
  const RosterGroup* g1 = GroupIn(r, "G1");
  REQUIRE(g1 != nullptr);
  CHECK(g1->kind == "central");
  CHECK(g1->lead_unit == "U1");
  CHECK(g1->lead_unit_name == "大气环境司");
  REQUIRE(g1->leader.has_value());
  CHECK(g1->leader->person == "P1");
  CHECK(g1->leader->name == "张伟");
  CHECK(g1->leader->position == schema::Position::LEADER);
  CHECK(MembersOf(r, "G1") == Strings{"P1", "P2"});
  const RosterGroup* g2 = GroupIn(r, "G2");
  REQUIRE(g2 != nullptr);
  CHECK(g2->kind == "ordinary");
  CHECK(g2->lead_unit == "U2");
  CHECK_FALSE(g2->leader.has_value());
  CHECK(MembersOf(r, "G2") == Strings{"P3"});
  CHECK(g2->members[0].unit == "U2");
  CHECK(g2->members[0].from == "2019-05-12");
  CHECK(g2->members[0].to == "2019-05-26");

  // Before anyone arrived and before the branch: groups but no members, no secretary.
  auto early = RosterOn(f, "2019-05-03");
  CHECK(early.cities.at(0).secretary.empty());
  CHECK(MembersOf(early, "G1").empty());
  // After the second branch: its secretary.
  CHECK(RosterOn(f, "2019-06-02").cities.at(0).secretary == "P2");
  // Every city without --city; an unknown city is not found.
  auto all = RosterOn(f, "2019-05-15", std::nullopt);
  CHECK(all.cities.size() == 3);
  auto unknown = Roster(f.ledger(), "2019-05-15", std::string("999999"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK_FALSE(Roster(f.ledger(), "2019-02-30", std::nullopt).ok());
}

// A roster reads only the assignments that start within the group's longest assignment
// before the day (the "gd/" index); one that started months earlier is still on site, one
// ended early is not, and a short one that ended before the day is not.
TEST_CASE("roster: a long assignment that began months before the day is on site, to its end",
          "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-09-30", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-08-20", "2019-09-03"));
  f.Ok("dispatcher-U1", AssignJ("A3", "P5", "G1", "2019-06-01", "2019-06-15"));
  CHECK(MembersOf(RosterOn(f, "2019-08-25"), "G1") == Strings{"P1", "P2"});
  CHECK(MembersOf(RosterOn(f, "2019-06-10"), "G1") == Strings{"P1", "P5"});
  CHECK(MembersOf(RosterOn(f, "2019-09-20"), "G1") == Strings{"P1"});
  CHECK(MembersOf(RosterOn(f, "2019-10-01"), "G1").empty());
  // Ended early: off the roster from the day after its ending.
  f.Ok("dispatcher-U1", EndJ("A1", "2019-07-01", "recalled"));
  CHECK(MembersOf(RosterOn(f, "2019-08-25"), "G1") == Strings{"P2"});
  CHECK(MembersOf(RosterOn(f, "2019-07-01"), "G1") == Strings{"P1"});
  f.RequireRebuildIdentical();
  CHECK(MembersOf(RosterOn(f, "2019-08-25"), "G1") == Strings{"P2"});
}

TEST_CASE(
    "roster R8: the secretary is the branch latest by date, whatever the order it was recorded in",
    "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A4", "P5", "G1", "2019-05-05", "2019-05-09"));
  f.Ok("dispatcher-U1", AssignJ("A5", "P2", "G2", "2019-05-30", "2019-06-13"));
  // The June branch is recorded first; the May one is entered afterwards.
  f.Ok("party", BranchJ("130100", "U1", "P2", "2019-06-01"));
  uint64_t may = f.Ok("party", BranchJ("130100", "U1", "P5", "2019-05-05"));
  CHECK(RosterOn(f, "2019-05-15").cities.at(0).secretary == "P5");
  CHECK(RosterOn(f, "2019-06-02").cities.at(0).secretary == "P2");
  // A withdrawn branch names nobody.
  f.Ok("admin", RetractJ(may));
  CHECK(RosterOn(f, "2019-05-15").cities.at(0).secretary.empty());
  CHECK(RosterOn(f, "2019-06-02").cities.at(0).secretary == "P2");
}

TEST_CASE("roster: the hand-over day shows both the outgoing and the incoming person",
          "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P5", "G1", "2019-05-24", "2019-06-07", "leader"));
  CHECK(MembersOf(RosterOn(f, "2019-05-23"), "G1") == Strings{"P1"});
  auto handover = RosterOn(f, "2019-05-24");
  CHECK(MembersOf(handover, "G1") == Strings{"P1", "P5"});
  REQUIRE(GroupIn(handover, "G1")->leader.has_value());
  CHECK_THAT(GroupIn(handover, "G1")->leader->person,
             Catch::Matchers::Equals("P1") || Catch::Matchers::Equals("P5"));
  CHECK(MembersOf(RosterOn(f, "2019-05-25"), "G1") == Strings{"P5"});
  CHECK(GroupIn(RosterOn(f, "2019-05-25"), "G1")->leader->person == "P5");
}

TEST_CASE(
    "roster: a person moving between groups on a hand-over day is counted once, in the new "
    "group (R3)",
    "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G3", "2019-05-24", "2019-06-07"));
  auto handover = RosterOn(f, "2019-05-24", std::nullopt);
  CHECK(MembersOf(handover, "G1").empty());
  REQUIRE(GroupIn(handover, "G1") != nullptr);
  CHECK_FALSE(GroupIn(handover, "G1")->leader.has_value());
  CHECK(MembersOf(handover, "G3") == Strings{"P1"});
  CHECK(MembersOf(RosterOn(f, "2019-05-23", std::nullopt), "G1") == Strings{"P1"});
}

TEST_CASE("roster: recalled, retracted and disbanded are off site", "[reports]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-18", "recalled"));
  uint64_t a2 = f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G2", "2019-05-10", "2019-05-24"));
  // R7: the group is disbanded only once its staff's assignments end by then.
  CHECK_THAT(f.Refuse("admin", DisbandJ("G2", "2019-05-20")), Contains("(R7)"));
  f.Ok("dispatcher-U2", EndJ("A3", "2019-05-20", "recalled"));
  f.Ok("admin", DisbandJ("G2", "2019-05-20"));
  CHECK(MembersOf(RosterOn(f, "2019-05-18"), "G1") == Strings{"P1", "P2"});
  CHECK(MembersOf(RosterOn(f, "2019-05-19"), "G1") == Strings{"P2"});
  CHECK(MembersOf(RosterOn(f, "2019-05-19"), "G2") == Strings{"P3"});
  // A group serves through its disbanding date, and its last member with it.
  CHECK(MembersOf(RosterOn(f, "2019-05-20"), "G2") == Strings{"P3"});
  CHECK(GroupIn(RosterOn(f, "2019-05-21"), "G2") == nullptr);
  f.Ok("admin", RetractJ(a2));
  CHECK(MembersOf(RosterOn(f, "2019-05-15"), "G1") == Strings{"P1"});
}

// ---- explanations (R9)
// ---------------------------------------------------------------------------

TEST_CASE("explanations R9: missed targets awaiting an explanation, explained ones dropped",
          "[reports]") {
  ProgramLedger f;
  uint64_t t1 = f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2020-01-15"));
  uint64_t t2 = f.Ok("enforcement", TargetJ("110000", 2019, "annual", false, "2020-01-15"));
  f.Ok("enforcement", TargetJ("610100", 2019, "annual", true, "2020-01-15"));  // met
  uint64_t t3 = f.Ok("enforcement", TargetJ("130100", 2021, "final", false, "2021-04-01"));
  auto open = [&](std::optional<int> year) {
    auto r = OpenExplanations(f.ledger(), year);
    REQUIRE(r.ok());
    std::set<uint64_t> seqs;
    for (const auto& o : r->open) seqs.insert(o.seq);
    CHECK(seqs.size() == r->open.size());
    return std::make_pair(seqs, r->open);
  };
  CHECK(open(std::nullopt).first == std::set<uint64_t>{t1, t2, t3});
  CHECK(open(2019).first == std::set<uint64_t>{t1, t2});
  CHECK(open(2021).first == std::set<uint64_t>{t3});
  for (const auto& o : open(2021).second) {
    CHECK(o.city == "130100");
    CHECK(o.name == "石家庄市");
    CHECK(o.scope == "final");
    CHECK(o.guarantor == "U1");
    CHECK(o.assessed_on == "2021-04-01");
    CHECK(o.year == 2021);
  }

  uint64_t x = f.Ok("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-02-01"));
  CHECK(open(std::nullopt).first == std::set<uint64_t>{t2, t3});
  f.Ok("guarantor-U2", ExplainJ("110000", 2019, "annual", "U2", "2020-02-01"));
  CHECK(open(2019).first.empty());
  // A withdrawn explanation re-opens the target; a withdrawn assessment closes it.
  f.Ok("admin", RetractJ(x));
  CHECK(open(2019).first == std::set<uint64_t>{t1});
  f.Ok("admin", RetractJ(t1, "assessed on the wrong data"));
  CHECK(open(2019).first.empty());
}

}  // namespace
}  // namespace probity
