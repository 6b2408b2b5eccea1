// The rules as program-rules.md now states them from the notice (issue 8): the holiday
// calendar and leave (R5), groups and branches (R7, R8), explanations and principals
// (R9, R17), evaluations and marks (R10-R12), away-from-home enforcement (R16) and the
// open list of training modes (R2). Each case names the rule it proves; every refusal
// goes through ProgramLedger::Refuse, which also proves the store unchanged.
#include <catch2/catch.hpp>
#include <string>

#include "projections/reports.h"
#include "tests/program_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

uint32_t Accrued(const ProgramLedger& f, const std::string& person) {
  auto r = LeaveBalance(f.ledger(), person);
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  return r->accrued;
}

std::string List(std::initializer_list<const char*> days) {
  std::string out = "[";
  for (const char* d : days) out += std::string(out.size() > 1 ? "," : "") + "\"" + d + "\"";
  return out + "]";
}

std::string CalendarJ(int year, const std::string& holidays, const std::string& workdays) {
  return Ev("calendarPublished")
      .N("year", year)
      .Raw("holidays", holidays)
      .Raw("workdays", workdays);
}

// ---- R5: rest days by the published calendar, each day once ----------------------------------

// 2019's National Day holidays, 1-7 October.
const std::string kNationalDay2019 = List({"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04",
                                           "2019-10-05", "2019-10-06", "2019-10-07"});

TEST_CASE("R5: a public holiday worked accrues a day, a make-up working day (调休) does not",
          "[rules][notice]") {
  ProgramLedger f;
  // 2019's National Day: 1-7 October off, Sunday 29 September and Saturday 12 October worked.
  f.Ok("admin", CalendarJ(2019, kNationalDay2019, List({"2019-09-29", "2019-10-12"})));
  // Thursday 26 September to Sunday 13 October: weekends 28 Sep, (29 Sep worked), 5, 6 Oct
  // (also holidays), (12 Oct worked), 13 Oct; holidays 1-4 and 7 Oct.
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-09-26", "2019-10-13"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-10-13"));
  CHECK(Accrued(f, "P1") == 9);  // 28 Sep; 1-7 Oct; 13 Oct
  // Without a calendar for the year only Saturdays and Sundays count.
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2020-09-24", "2020-10-11"));
  f.Ok("dispatcher-U1", EndJ("A2", "2020-10-11"));
  CHECK(Accrued(f, "P2") == 6);  // 26, 27 Sep; 3, 4, 10, 11 Oct
}

TEST_CASE("R5: a later calendar for the same year replaces the earlier, a retracted one is gone",
          "[rules][notice]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2020-01-29", "2020-02-04"));
  f.Ok("dispatcher-U1", EndJ("A1", "2020-02-04"));
  CHECK(Accrued(f, "P1") == 2);  // 1, 2 Feb
  f.Ok("admin", CalendarJ(2020,
                          List({"2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27",
                                "2020-01-28", "2020-01-29", "2020-01-30"}),
                          List({"2020-01-19", "2020-02-01"})));
  CHECK(Accrued(f, "P1") == 3);  // 29, 30 Jan; 2 Feb (1 Feb worked)
  // The Spring Festival extended to 2 February: 31 January to 2 February off.
  uint64_t extended =
      f.Ok("admin",
           CalendarJ(2020,
                     List({"2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27", "2020-01-28",
                           "2020-01-29", "2020-01-30", "2020-01-31", "2020-02-01", "2020-02-02"}),
                     List({"2020-01-19"})));
  CHECK(Accrued(f, "P1") == 5);
  f.Ok("admin", RetractJ(extended));
  CHECK(Accrued(f, "P1") == 3);
  f.RequireRebuildIdentical();
}

TEST_CASE(
    "R5: a calendar is refused unless its dates are real days of its year, and its make-up "
    "days are weekend days, none also a holiday",
    "[rules][notice]") {
  ProgramLedger f;
  Mentions(f.Refuse("admin", CalendarJ(2019, List({"2020-01-01"}), List({}))),
           {"'holidays[0]'", "not in 2019", "(R5)"});
  // Not a real date: refused already when the JSON is read.
  auto body = f.codec().Parse(CalendarJ(2019, List({"2019-02-30"}), List({})));
  REQUIRE_FALSE(body.ok());
  CHECK_THAT(body.status().message(), Contains("'holidays[0]'"));
  Mentions(f.Refuse("admin", CalendarJ(2019, List({}), List({"2019-10-08"}))),
           {"2019-10-08", "not a Saturday or Sunday", "(R5)"});
  Mentions(f.Refuse("admin", CalendarJ(2019, List({"2019-10-12"}), List({"2019-10-12"}))),
           {"both a holiday and a make-up working day", "(R5)"});
  Mentions(f.Refuse("admin", CalendarJ(2019, List({"2019-10-01", "2019-10-01"}), List({}))),
           {"listed twice"});
  Mentions(f.Refuse("hr", CalendarJ(2019, List({"2019-10-01"}), List({}))), {"admin"});
}

TEST_CASE("R5: a hand-over day that ends one assignment and starts the next counts once",
          "[rules][notice]") {
  ProgramLedger f;
  // Saturday 25 May 2019 ends A1 and starts A2.
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-13", "2019-05-25"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-25", "2019-06-06"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-25"));
  f.Ok("dispatcher-U1", EndJ("A2", "2019-06-06"));
  CHECK(Accrued(f, "P1") == 6);  // 18, 19, 25, 26 May; 1, 2 June; not 25 May twice
}

TEST_CASE(
    "R5: leave starts after an ended assignment, off site, within the balance accrued "
    "before its first day",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G1", "2019-06-10", "2019-06-24"));
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "rotation", "2019-05-27")),
           {"no assignment ended before 2019-05-27", "(R5)"});
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));  // accrues 4: 11, 12, 18, 19 May
  // Not on a day on site, nor before the work it compensates.
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-06-12")),
           {"inside assignment 'A2'", "(R5)"});
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-05-20")),
           {"inside assignment 'A1'", "(R5)"});
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-05-01")),
           {"no assignment ended before", "(R5)"});
  f.Ok("hr", LeaveJ("P1", 4, "compensatory", "2019-05-27"));
  // A2 is not ended: what it will accrue is not yet there to grant.
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-06-27")),
           {"0 days of compensatory leave left", "(R5)"});
  f.Ok("dispatcher-U1", EndJ("A2", "2019-06-24"));  // accrues 15, 16, 22, 23 June
  f.Ok("hr", LeaveJ("P1", 4, "compensatory", "2019-06-27"));
  f.RequireRebuildIdentical();
}

// ---- R7: a group is not disbanded under its staff ----------------------------------------------

TEST_CASE(
    "R7: a group is disbanded only when no assignment to it runs past that date, and no "
    "assignment runs past it",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G2", "2019-06-01", "2019-06-15"));
  Mentions(f.Refuse("admin", DisbandJ("G2", "2019-06-10")),
           {"assignment 'A1'", "runs to 2019-06-15", "(R7)"});
  // Ending on the disbanding date is allowed: the group serves through that day.
  f.Ok("dispatcher-U1", EndJ("A1", "2019-06-10", "recalled"));
  f.Ok("admin", DisbandJ("G2", "2019-06-10"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G2", "2019-06-01", "2019-06-10"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A3", "P5", "G2", "2019-06-05", "2019-06-11")),
           {"group 'G2'", "disbanded 2019-06-10", "(R7)"});
}

// ---- R8: the party branch --------------------------------------------------------------------

TEST_CASE(
    "R8: a city's party branch is formed by the party committee of the unit leading its "
    "central group, with a secretary on site there",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));  // 130100
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G3", "2019-05-10", "2019-05-24"));  // 110000
  // G1, the central group of 130100, is led by U1; G2 (ordinary) by U2.
  Mentions(f.Refuse("party-U2", BranchJ("130100", "U2", "P1", "2019-05-12")),
           {"does not lead city 130100's central group", "(R8)"});
  Mentions(f.Refuse("party-U2", BranchJ("130100", "U1", "P1", "2019-05-12")),
           {"belongs to unit 'U2'", "(R8)"});
  Mentions(f.Refuse("party", BranchJ("130100", "U1", "P3", "2019-05-12")),
           {"not on site in city 130100", "(R8)"});
  Mentions(f.Refuse("party", BranchJ("130100", "U1", "P1", "2019-05-25")), {"not on site", "(R8)"});
  Mentions(f.Refuse("party", BranchJ("610100", "U1", "P1", "2019-05-12")),
           {"no central group", "(R8)"});
  f.Ok("party", BranchJ("130100", "U1", "P1", "2019-05-12"));
  f.Ok("party-U2", BranchJ("110000", "U2", "P3", "2019-05-12"));
  // A partyCommittee key is scoped to a unit, as dispatcher and guarantor keys are.
  Mentions(f.Refuse("admin", f.KeyJ("party-none", "partyCommittee")), {"needs field 'unit'"});
}

// ---- R9, R17: explanations by the guarantor's principal ---------------------------------------

TEST_CASE(
    "R9/R17: an explanation follows the assessment and names the guarantor unit's "
    "principal in office that day",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2020-01-15"));
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-01-14")),
           {"predates the assessment of 2020-01-15", "(R9)"});
  f.Ok("hr", PrincipalJ("U1", "李明", "2020-01-20"));
  // From 20 January the principal is 李明; before, the one named in 2019.
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-01-21")),
           {"names 'the principal'", "'李明'", "(R17)"});
  f.Ok("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-01-18", "the principal"));
  f.Ok("enforcement", TargetJ("110000", 2019, "annual", false, "2020-01-15"));
  f.Ok("hr", PrincipalJ("U2", "周强", "2020-01-01"));
  Mentions(f.Refuse("guarantor-U2", ExplainJ("110000", 2019, "annual", "U2", "2020-02-01")),
           {"names 'the principal'", "'周强'", "(R17)"});
  f.Ok("guarantor-U2", ExplainJ("110000", 2019, "annual", "U2", "2020-02-01", "周强"));
  // Only HR names a principal, of a registered unit.
  Mentions(f.Refuse("admin", PrincipalJ("U1", "X", "2020-01-01")), {"hr"});
  Mentions(f.Refuse("hr", PrincipalJ("UX", "X", "2020-01-01")), {"unit 'UX'"});
}

TEST_CASE("R17: a unit without a recorded principal cannot explain", "[rules][notice]") {
  ProgramLedger f;
  f.Ok("admin", UnitJ("U5", "生态环境部卫星环境应用中心", "affiliatedInstitution"));
  f.Ok("admin", CityJ("130200", "U5", "唐山市"));
  f.RegisterKey("guarantor-U5", "guarantor", ",\"unit\":\"U5\"");
  f.Ok("enforcement", TargetJ("130200", 2019, "annual", false, "2020-01-15"));
  Mentions(f.Refuse("guarantor-U5", ExplainJ("130200", 2019, "annual", "U5", "2020-02-01")),
           {"no principal recorded", "principalNamed", "(R17)"});
}

// ---- R10-R12: marks rest on fitting evaluations ------------------------------------------------

TEST_CASE(
    "R11/R12: a commendation never rests on a poor grade, a criticism never on an "
    "outstanding one, and neither on a later evaluation",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("enforcement", EvaluationJ("EP", PersonSubject("P1"), "2019-06-01", "poor"));
  f.Ok("enforcement", EvaluationJ("EO", PersonSubject("P1"), "2019-06-01", "outstanding"));
  f.Ok("enforcement", EvaluationJ("EA", PersonSubject("P1"), "2019-06-01", "adequate"));
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "EP")),
           {"graded poor", "(R11)"});
  Mentions(f.Refuse("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "EO")),
           {"graded outstanding", "(R12)"});
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P1"), "2019-05-31", "EO")),
           {"dated 2019-06-01", "(R11)"});
  Mentions(f.Refuse("enforcement", CriticiseJ(PersonSubject("P1"), "2019-05-31", "EP")),
           {"dated 2019-06-01", "(R12)"});
  // The same day, and any grade between, are fine.
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", "EO"));
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "EA"));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "EA"));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "EP", "integrityDiscipline"));
}

TEST_CASE("R12: a criticism's ground fits its subject: poorOrganisation for units only",
          "[rules][notice]") {
  ProgramLedger f;
  f.Ok("enforcement", EvaluationJ("EU", UnitSubject("U1"), "2019-06-01", "poor"));
  f.Ok("enforcement", EvaluationJ("EP", PersonSubject("P1"), "2019-06-01", "poor"));
  for (const char* ground :
       {"poorPerformance", "badAttitude", "workDiscipline", "integrityDiscipline"}) {
    Mentions(f.Refuse("enforcement", CriticiseJ(UnitSubject("U1"), "2019-06-02", "EU", ground)),
             {ground, "persons only", "(R12)"});
  }
  Mentions(f.Refuse("enforcement",
                    CriticiseJ(PersonSubject("P1"), "2019-06-02", "EP", "poorOrganisation")),
           {"poorOrganisation", "units only", "(R12)"});
  f.Ok("enforcement", CriticiseJ(UnitSubject("U1"), "2019-06-02", "EU", "poorOrganisation"));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "EP", "badAttitude"));
}

// ---- R16: away from home -----------------------------------------------------------------------

TEST_CASE(
    "R16: a provincial department is registered with its province, and its staff are not "
    "sent to a city of that province",
    "[rules][notice]") {
  ProgramLedger f;
  Mentions(f.Refuse("admin", Ev("unitRegistered")
                                 .S("unit", "U8")
                                 .S("name", "山西省生态环境厅")
                                 .S("kind", "provincialDepartment")),
           {"needs field 'province'", "(R16)"});
  Mentions(f.Refuse("admin", UnitJ("U8", "生态环境部环境规划院", "affiliatedInstitution", "14")),
           {"applies only to a provincialDepartment", "(R16)"});
  Mentions(f.Refuse("admin", UnitJ("U8", "山西省生态环境厅", "provincialDepartment", "1")),
           {"two-digit", "(R16)"});
  // U4 is 河北省生态环境厅, province 13: not to 石家庄 (130100), but to 北京 (110000).
  f.RegisterKey("dispatcher-U4", "dispatcher", ",\"unit\":\"U4\"");
  f.Ok("hr", PersonJ("P8", "U4", "civilServant", "郑华"));
  f.Ok("dispatcher-U4", TrainingJ("P8", "business", "2019-04-20"));
  f.Ok("dispatcher-U4", TrainingJ("P8", "integrity", "2019-04-20"));
  Mentions(f.Refuse("dispatcher-U4", AssignJ("A1", "P8", "G1", "2019-05-10", "2019-05-24")),
           {"province 13", "130100", "away from home", "(R16)"});
  f.Ok("dispatcher-U4", AssignJ("A1", "P8", "G3", "2019-05-10", "2019-05-24"));
}

// ---- R2: the open list of training modes -------------------------------------------------------

TEST_CASE("R2: training in another mode (等) says which in a note", "[rules][notice]") {
  ProgramLedger f;
  Mentions(f.Refuse("dispatcher-U1", TrainingJ("P7", "business", "2019-04-20", "other")),
           {"'other'", "note", "(R2)"});
  f.Ok("dispatcher-U1", Ev("trainingCompleted")
                            .S("person", "P7")
                            .S("course", "business")
                            .S("mode", "other")
                            .S("note", "网络培训平台自学")
                            .S("date", "2019-04-20"));
}

// ---- R1: a restriction recorded during an assignment flags it for recall ----------------------

TEST_CASE(
    "R1: a restriction recorded while an assignment runs is accepted, and the roster flags "
    "the assignment 'recall due' until it is ended or the restriction lifted",
    "[rules][notice]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", AssignJ("A5", "P5", "G1", "2019-05-10", "2019-05-24"));
  auto member = [&](const std::string& person) {
    auto r = Roster(f.ledger(), "2019-05-15", std::string("130100"));
    REQUIRE(r.ok());
    for (const auto& g : r->cities.at(0).groups)
      for (const auto& m : g.members)
        if (m.person == person) return m;
    FAIL("not on the roster: " << person);
    return RosterMember{};
  };
  CHECK_FALSE(member("P1").recall_due);
  f.Ok("hr", RestrictionJ("P1", "health", "2019-05-16"));
  f.Ok("hr", RestrictionJ("P2", "pregnancy", "2019-05-12"));
  f.Ok("hr", RestrictionJ("P5", "health", "2019-06-01"));  // after the assignment: no flag
  CHECK(member("P1").recall_due);
  CHECK(member("P2").recall_due);
  CHECK_FALSE(member("P5").recall_due);
  // Ended (recalled): no longer due. Lifted from the assignment's first day: not due.
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-16", "recalled"));
  f.Ok("hr", LiftJ("P2", "2019-05-12"));
  CHECK_FALSE(member("P1").recall_due);
  CHECK_FALSE(member("P2").recall_due);
  // A restriction lifted on its first day was never in force: it blocks nothing.
  f.Ok("hr", LiftJ("P5", "2019-06-01"));
  f.Ok("dispatcher-U1", AssignJ("A6", "P5", "G1", "2019-05-28", "2019-06-05"));
}

// ---- R10: everyone who served is evaluated --------------------------------------------------

TEST_CASE("R10: unevaluated YEAR lists who served that year without an evaluation covering it",
          "[rules][notice]") {
  ProgramLedger f;
  auto persons = [&](int year) {
    auto r = Unevaluated(f.ledger(), year);
    INFO((r.ok() ? std::string() : r.status().message()));
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const auto& p : r->persons) {
      std::string line = p.person + ":";
      for (const auto& a : p.assignments) line += a + ",";
      out.push_back(line);
    }
    return out;
  };
  using V = std::vector<std::string>;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G1", "2019-12-25", "2020-01-08"));
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G3", "2019-05-10", "2019-05-24"));
  CHECK(persons(2019) == V{"P1:A1,A2,", "P3:A3,"});
  CHECK(persons(2020) == V{"P1:A2,"});  // service across the new year counts in both
  CHECK(persons(2018).empty());
  // An evaluation covers the service that ended on or before its date.
  f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-05-24", "good"));
  CHECK(persons(2019) == V{"P1:A2,", "P3:A3,"});
  uint64_t e2 = f.Ok("enforcement", EvaluationJ("E2", PersonSubject("P1"), "2020-01-10", "good"));
  f.Ok("enforcement", EvaluationJ("E3", PersonSubject("P3"), "2019-06-01", "adequate"));
  CHECK(persons(2019).empty());
  CHECK(persons(2020).empty());
  // A withdrawn evaluation covers nothing; a unit's evaluation covers no person.
  f.Ok("admin", RetractJ(e2));
  f.Ok("enforcement", EvaluationJ("E4", UnitSubject("U1"), "2020-02-01", "good"));
  CHECK(persons(2020) == V{"P1:A2,"});
}

// ---- R15: a retraction leaves a lawful history ------------------------------------------------

TEST_CASE(
    "R15: a retraction is refused while an event in force relies on what it withdraws, "
    "naming that event and the rule",
    "[rules][notice][r15]") {
  ProgramLedger f;
  // R2: the training an assignment was made on.
  uint64_t business = f.Ok("dispatcher-U1", TrainingJ("P7", "business", "2019-05-01"));
  uint64_t integrity = f.Ok("dispatcher-U1", TrainingJ("P7", "integrity", "2019-05-01"));
  uint64_t a1 = f.Ok("dispatcher-U1", AssignJ("A1", "P7", "G1", "2019-05-10", "2019-05-24"));
  Mentions(f.Refuse("admin", RetractJ(business)),
           {"seq " + std::to_string(a1), "assignment 'A1'", "(R2)", "(R15)"});
  // R1: the lift an assignment was made after.
  f.Ok("hr", RestrictionJ("P5", "health", "2019-05-01"));
  uint64_t lift = f.Ok("hr", LiftJ("P5", "2019-05-05"));
  uint64_t a2 = f.Ok("dispatcher-U1", AssignJ("A2", "P5", "G1", "2019-05-10", "2019-05-24"));
  Mentions(f.Refuse("admin", RetractJ(lift)), {"seq " + std::to_string(a2), "(R1)", "(R15)"});
  // R5: the ending that leave was granted against.
  uint64_t end1 = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  uint64_t leave = f.Ok("hr", LeaveJ("P7", 4, "compensatory", "2019-05-27"));
  Mentions(f.Refuse("admin", RetractJ(end1)), {"seq " + std::to_string(leave), "(R5)", "(R15)"});
  // R11: the evaluation a commendation cites.
  uint64_t eval = f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P7"), "2019-05-25"));
  uint64_t mark = f.Ok("enforcement", CommendJ(PersonSubject("P7"), "2019-05-26", "E1"));
  Mentions(f.Refuse("admin", RetractJ(eval)), {"seq " + std::to_string(mark), "(R11)", "(R15)"});
  // Registrations: a unit with a person registered to it.
  uint64_t unit = f.Ok("admin", UnitJ("U5", "华东督察局", "dispatchedAgency"));
  uint64_t person = f.Ok("hr", PersonJ("P8", "U5"));
  Mentions(f.Refuse("admin", RetractJ(unit)),
           {"seq " + std::to_string(person), "person 'P8'", "(R15)"});
  // Dependants first, and then it goes.
  f.Ok("admin", RetractJ(person));
  f.Ok("admin", RetractJ(unit));
  f.Ok("admin", RetractJ(mark));
  f.Ok("admin", RetractJ(eval));
  f.Ok("admin", RetractJ(leave));
  f.Ok("admin", RetractJ(end1));
  f.Ok("admin", RetractJ(a1));
  f.Ok("admin", RetractJ(business));
  f.Ok("admin", RetractJ(integrity));
  f.RequireRebuildIdentical();
  f.RequireVerifies();
}

TEST_CASE(
    "R5/R15: a holiday schedule that compensatory leave was counted on is neither retracted nor "
    "replaced by one that would leave the grant over its balance",
    "[rules][notice][r15]") {
  ProgramLedger f;
  // National Day 2019 worked: 9 rest days on site (see the first R5 test).
  uint64_t national =
      f.Ok("admin", CalendarJ(2019, kNationalDay2019, List({"2019-09-29", "2019-10-12"})));
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-09-26", "2019-10-13"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-10-13"));
  CHECK(Accrued(f, "P1") == 9);
  uint64_t leave = f.Ok("hr", LeaveJ("P1", 8, "compensatory", "2019-10-21"));
  // Weekends only would give 6 (28, 29 Sep; 5, 6, 12, 13 Oct): less than the 8 days granted.
  Mentions(f.Refuse("admin", RetractJ(national)),
           {"seq " + std::to_string(leave), "person 'P1'", "over the 6 days", "(R5)", "(R15)"});
  // A later edition that drops the holidays is refused alike, naming the grant.
  Mentions(f.Refuse("admin", CalendarJ(2019, List({"2019-10-01"}), List({}))),
           {"seq " + std::to_string(leave), "over the 7 days", "(R5)"});
  // One that keeps enough rest days stands; so does one for a year the leave did not rely on.
  f.Ok("admin", CalendarJ(2019, kNationalDay2019, List({"2019-09-29"})));
  CHECK(Accrued(f, "P1") == 10);  // 12 Oct is a Saturday off again, 29 Sep still worked
  f.Ok("admin", CalendarJ(2020, List({"2020-01-01"}), List({})));
  // With the grant reduced to what weekends alone give, the schedules may go.
  f.Ok("admin", RetractJ(leave));
  f.Ok("hr", LeaveJ("P1", 6, "compensatory", "2019-10-21"));
  f.Ok("admin", RetractJ(national));
  f.RequireRebuildIdentical();
  f.RequireVerifies();
}

TEST_CASE("R15: retracting a unit's registration disables the keys scoped to it",
          "[rules][notice][r15]") {
  ProgramLedger f;
  uint64_t unit = f.Ok("admin", UnitJ("U5", "华东督察局", "dispatchedAgency"));
  f.RegisterKey("dispatcher-U5", "dispatcher", ",\"unit\":\"U5\"");
  uint64_t person = f.Ok("hr", PersonJ("P8", "U5"));
  f.Ok("admin", RetractJ(person));
  f.Ok("admin", RetractJ(unit));
  Mentions(f.Refuse("dispatcher-U5", TrainingJ("P8", "business", "2019-05-01")),
           {"unit 'U5' was withdrawn at seq", "disabled", "(R15)"});
}

}  // namespace
}  // namespace probity
