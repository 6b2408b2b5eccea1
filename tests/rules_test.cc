// The program's rules at append time (projections/program.cc, with the role and scope
// checks of ledger/authority.cc in front of them): for every rule R1-R15, an event the
// rule accepts and one it refuses, the refusal's message, and that a refusal leaves the
// store untouched (ProgramLedger::Refuse checks every column family).
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "projections/program.h"
#include "projections/reports.h"
#include "tests/program_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

// Case-insensitively for ASCII words; byte for byte for the others (CJK).
void Omits(const std::string& message, std::initializer_list<std::string> words) {
  for (const auto& w : words) {
    bool ascii = std::all_of(w.begin(), w.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    CHECK_THAT(message, !Contains(w, ascii ? Catch::CaseSensitive::No : Catch::CaseSensitive::Yes));
  }
}

LeaveReport Leave(const ProgramLedger& f, const std::string& person) {
  auto r = LeaveBalance(f.ledger(), person);
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  return *r;
}

// ---- R1 fitness ----------------------------------------------------------------------------

TEST_CASE(
    "R1: an assignment overlapping a restriction in force is refused without naming the reason",
    "[rules]") {
  auto reason = GENERATE(as<std::string>{}, "pregnancy", "breastfeeding", "health");
  ProgramLedger f;
  f.Ok("hr", RestrictionJ("P1", reason, "2019-05-01"));
  std::string st = f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  Mentions(st, {"restriction", "(R1)", "P1"});
  // The reason is sensitive (R1): the dispatcher learns only that a restriction is in force.
  Omits(st, {"pregnan", "breastfeed", "health", "孕", "哺乳", "健康"});

  // Another person, without a restriction, may go.
  f.Ok("dispatcher-U1", AssignJ("A2", "P5", "G1", "2019-05-10", "2019-05-24"));
}

TEST_CASE(
    "R1: a restriction that starts during the assignment is in force, one that starts after is not",
    "[rules]") {
  ProgramLedger f;
  f.Ok("hr", RestrictionJ("P1", "health", "2019-05-24"));  // the assignment's last day
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24")),
           {"(R1)"});
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-09", "2019-05-23"));
}

TEST_CASE("R1: a restriction whose 'until' is in the past does not stop an assignment", "[rules]") {
  ProgramLedger f;
  f.Ok("hr", RestrictionJ("P1", "breastfeeding", "2018-06-01", "2019-05-09"));
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  // 'until' is inclusive: a restriction until the first day is still in force on it.
  f.Ok("hr", RestrictionJ("P5", "breastfeeding", "2018-06-01", "2019-05-10"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P5", "G1", "2019-05-10", "2019-05-24")),
           {"(R1)"});
}

TEST_CASE("R1: restrictionLifted ends a restriction from its date on", "[rules]") {
  ProgramLedger f;
  f.Ok("hr", RestrictionJ("P1", "health", "2019-04-01"));
  f.Ok("hr", LiftJ("P1", "2019-05-11"));
  // Still in force on 2019-05-10, the day before the lift.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24")),
           {"(R1)"});
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-11", "2019-05-25"));
  // Nothing left to lift.
  f.Refuse("hr", LiftJ("P1", "2019-06-01"));
  f.Refuse("hr", LiftJ("P5", "2019-06-01"));
}

TEST_CASE("R1: a retracted restriction is no longer in force", "[rules]") {
  ProgramLedger f;
  uint64_t seq = f.Ok("hr", RestrictionJ("P1", "pregnancy", "2019-05-01"));
  f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("admin", RetractJ(seq, "recorded for the wrong person"));
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
}

TEST_CASE("R1: only hr records and lifts restrictions, 'until' may not precede 'from'", "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("dispatcher-U1", RestrictionJ("P1", "health", "2019-05-01")), {"hr"});
  Mentions(f.Refuse("admin", RestrictionJ("P1", "health", "2019-05-01")), {"hr"});
  Mentions(f.Refuse("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-04-30")), {"until"});
  f.Ok("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-05-01"));
  Mentions(f.Refuse("dispatcher-U1", LiftJ("P1", "2019-05-01")), {"hr"});
}

// ---- R2 training ---------------------------------------------------------------------------

TEST_CASE("R2: both courses must be completed on or before the first day", "[rules]") {
  ProgramLedger f;  // P7 is registered without training
  auto assign = AssignJ("A1", "P7", "G1", "2019-05-10", "2019-05-24");
  Mentions(f.Refuse("dispatcher-U1", assign), {"(R2)", "business"});

  f.Ok("dispatcher-U1", TrainingJ("P7", "business", "2019-05-01"));
  Mentions(f.Refuse("dispatcher-U1", assign), {"(R2)", "integrity"});

  // Completed after the first day does not count.
  f.Ok("dispatcher-U1", TrainingJ("P7", "integrity", "2019-05-11"));
  Mentions(f.Refuse("dispatcher-U1", assign), {"(R2)", "integrity"});

  // On the first day counts, in any mode.
  f.Ok("dispatcher-U1", TrainingJ("P7", "integrity", "2019-05-10", "tiered"));
  f.Ok("dispatcher-U1", assign);
}

TEST_CASE("R2: integrity alone, or business after the first day, is refused", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", TrainingJ("P7", "integrity", "2019-05-01"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P7", "G1", "2019-05-10", "2019-05-24")),
           {"(R2)", "business"});
  f.Ok("dispatcher-U1", TrainingJ("P7", "business", "2019-05-20"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P7", "G1", "2019-05-10", "2019-05-24")),
           {"(R2)"});
  // A later assignment, after both courses, is fine.
  f.Ok("dispatcher-U1", AssignJ("A1", "P7", "G1", "2019-05-20", "2019-06-03"));
}

TEST_CASE("R2: a retracted training record does not count", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", TrainingJ("P7", "business", "2019-05-01"));
  uint64_t integrity = f.Ok("dispatcher-U1", TrainingJ("P7", "integrity", "2019-05-01"));
  f.Ok("admin", RetractJ(integrity));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P7", "G1", "2019-05-10", "2019-05-24")),
           {"(R2)", "integrity"});
}

// ---- R3 one place at a time ----------------------------------------------------------------

TEST_CASE("R3: overlapping assignments are refused, the hand-over day is allowed", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-20", "2019-06-03")),
           {"(R3)", "P1"});
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-01", "2019-05-11")),
           {"(R3)"});
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G3", "2019-05-05", "2019-06-30")),
           {"(R3)"});
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-12", "2019-05-13")),
           {"(R3)"});
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-10", "2019-05-24")),
           {"(R3)"});
  // Hand-over: the next starts on the day this one ends...
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-24", "2019-06-07"));
  // ...and an earlier one may end on the day this one starts.
  f.Ok("dispatcher-U1", AssignJ("A3", "P1", "G2", "2019-05-01", "2019-05-10"));
  // Other persons are not affected.
  f.Ok("dispatcher-U1", AssignJ("A4", "P2", "G2", "2019-05-10", "2019-05-24"));
}

TEST_CASE("R3: a one-day assignment inside another is refused", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  // 2019-05-15 is neither A1's first nor its last day: P1 would be in two places.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-15", "2019-05-15")),
           {"(R3)"});
  // And the other way round: a long assignment over an existing one-day assignment.
  f.Ok("dispatcher-U1", AssignJ("A3", "P2", "G1", "2019-06-15", "2019-06-15"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A4", "P2", "G2", "2019-06-10", "2019-06-20")),
           {"(R3)"});
}

TEST_CASE("R3: after an assignment is ended early, a new one may start on the end date",
          "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P2", "G1", "2019-05-10", "2019-05-24"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P2", "G2", "2019-05-15", "2019-05-29")),
           {"(R3)"});
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-15", "recalled"));
  // Still on site on 2019-05-14 and 2019-05-15.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A2", "P2", "G2", "2019-05-14", "2019-05-28")),
           {"(R3)"});
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G2", "2019-05-15", "2019-05-29"));
}

TEST_CASE("R3: a one-day assignment hands over on its day in both directions", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-15", "2019-05-15"));
  // The next starts on the day the one-day assignment ends...
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-15", "2019-05-29"));
  // ...an earlier one ends on that day...
  f.Ok("dispatcher-U1", AssignJ("A3", "P1", "G2", "2019-05-01", "2019-05-15"));
  // ...but the very same single day twice is two places at once.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A4", "P1", "G3", "2019-05-15", "2019-05-15")),
           {"(R3)", "A1"});
}

TEST_CASE("R3/R15: an early ending cannot be retracted while a later assignment relies on it",
          "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P2", "G1", "2019-05-10", "2019-05-24"));
  uint64_t ending = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-15", "recalled"));
  uint64_t next = f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G2", "2019-05-15", "2019-05-29"));
  Mentions(f.Refuse("admin", RetractJ(ending)), {"(R3)", "A2"});
  // Once the later assignment is withdrawn, the ending may be too.
  f.Ok("admin", RetractJ(next));
  f.Ok("admin", RetractJ(ending));
}

TEST_CASE(
    "R7/R15: a central group's disbanding cannot be retracted once another central group stands",
    "[rules]") {
  ProgramLedger f;
  std::string json =
      R"({"type":"groupFormed","group":"GC1","city":"610100","kind":"central","leadUnit":"U1","date":"2019-05-01"})";
  f.Ok("admin", json);
  uint64_t disbanded =
      f.Ok("admin", R"({"type":"groupDisbanded","group":"GC1","date":"2019-06-01"})");
  f.Ok(
      "admin",
      R"({"type":"groupFormed","group":"GC2","city":"610100","kind":"central","leadUnit":"U1","date":"2019-06-01"})");
  Mentions(f.Refuse("admin", RetractJ(disbanded)), {"(R7)", "GC2"});
}

TEST_CASE("R3: an ending must fall within the assignment and happen once", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Refuse("dispatcher-U1", EndJ("A1", "2019-05-09"));
  f.Refuse("dispatcher-U1", EndJ("A1", "2019-05-25"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  Mentions(f.Refuse("dispatcher-U1", EndJ("A1", "2019-05-20", "recalled")), {"already ended"});
}

// ---- R4 own staff only ---------------------------------------------------------------------

TEST_CASE("R4: a dispatcher assigns, ends and trains only its own unit's persons", "[rules]") {
  ProgramLedger f;
  // P1 belongs to U1.
  Mentions(f.Refuse("dispatcher-U2", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24")),
           {"(R4)", "P1", "U1", "U2"});
  Mentions(f.Refuse("dispatcher-U2", TrainingJ("P1", "business", "2019-05-01")), {"(R4)"});
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", TrainingJ("P1", "business", "2019-05-01"));
  Mentions(f.Refuse("dispatcher-U2", EndJ("A1", "2019-05-20", "recalled")), {"(R4)"});
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-20", "recalled"));
  // The group's lead unit does not matter: U2's dispatcher sends its P3 to U1's group.
  f.Ok("dispatcher-U2", AssignJ("A2", "P3", "G1", "2019-05-10", "2019-05-24"));
  // Other roles may not dispatch at all.
  Mentions(f.Refuse("hr", AssignJ("A3", "P5", "G1", "2019-05-10", "2019-05-24")), {"dispatcher"});
  Mentions(f.Refuse("admin", AssignJ("A3", "P5", "G1", "2019-05-10", "2019-05-24")),
           {"dispatcher"});
}

TEST_CASE(
    "R4: a key's scope names a unit or person in force, judged from the program's records "
    "(a withdrawal reaches the key)",
    "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("admin", f.KeyJ("d-404", "dispatcher", ",\"unit\":\"U404\"")),
           {"unit 'U404' is not registered"});
  Mentions(f.Refuse("admin", f.KeyJ("g-404", "guarantor", ",\"unit\":\"U404\"")), {"U404"});
  Mentions(f.Refuse("admin", f.KeyJ("l-404", "groupLeader", ",\"person\":\"P404\"")),
           {"person 'P404' is not registered"});
  // An unregistered person, or an assignment that does not exist, is nobody's to dispatch.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P404", "G1", "2019-05-10", "2019-05-24")),
           {"P404", "not registered"});
  Mentions(f.Refuse("dispatcher-U1", EndJ("A404", "2019-05-20", "recalled")),
           {"assignment 'A404' is not registered"});
  // A unit registered later may get keys; once its registration is withdrawn, it may not.
  uint64_t u5 = f.Ok("admin", UnitJ("U5", "新单位", "affiliatedInstitution"));
  f.Ok("admin", f.KeyJ("d-U5", "dispatcher", ",\"unit\":\"U5\""));
  f.Ok("admin", RetractJ(u5, "registered in error"));
  Mentions(f.Refuse("admin", f.KeyJ("d2-U5", "dispatcher", ",\"unit\":\"U5\"")),
           {"unit 'U5' was withdrawn"});
}

// ---- R5 rest after field work --------------------------------------------------------------

TEST_CASE("R5: compensatory leave accrues only once an assignment has ended", "[rules]") {
  ProgramLedger f;
  // Friday 2019-05-10 to Friday 2019-05-24: two weekends.
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  CHECK(Leave(f, "P1").accrued == 0);
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-05-27")), {"(R5)", "P1"});
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  auto leave = Leave(f, "P1");
  CHECK(leave.accrued == 4);  // 11, 12, 18, 19 May
  CHECK(leave.left == 4);
  f.Ok("hr", LeaveJ("P1", 3, "compensatory", "2019-05-27"));
  Mentions(f.Refuse("hr", LeaveJ("P1", 2, "compensatory", "2019-06-03")),
           {"(R5)", "1 days", "accrued 4", "granted 3"});
  f.Ok("hr", LeaveJ("P1", 1, "compensatory", "2019-06-03"));
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-06-04")), {"(R5)"});
  // An earlier grant may not take what a later one already used.
  Mentions(f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-05-26")),
           {"(R5)", "would put the grant of seq", "from 2019-06-03"});

  leave = Leave(f, "P1");
  CHECK(leave.accrued == 4);
  CHECK(leave.granted == 4);
  CHECK(leave.left == 0);
}

TEST_CASE(
    "R5: accrual counts every Saturday and Sunday from the first day to the end date, inclusive",
    "[rules]") {
  ProgramLedger f;
  // Ends on a Sunday: 11, 12, 18, 19, 25, 26 May.
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-26"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-26"));
  CHECK(Leave(f, "P1").accrued == 6);
  // Recalled early on a Saturday: 11, 12, 18 May.
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", EndJ("A2", "2019-05-18", "recalled"));
  CHECK(Leave(f, "P2").accrued == 3);
  // Starts and ends on a Saturday.
  f.Ok("dispatcher-U1", AssignJ("A3", "P5", "G1", "2019-05-11", "2019-05-11"));
  f.Ok("dispatcher-U1", EndJ("A3", "2019-05-11"));
  CHECK(Leave(f, "P5").accrued == 1);
  // Accrual adds up over assignments.
  f.Ok("dispatcher-U1", AssignJ("A4", "P5", "G2", "2019-06-01", "2019-06-14"));
  f.Ok("dispatcher-U1", EndJ("A4", "2019-06-14"));
  CHECK(Leave(f, "P5").accrued == 5);  // + 1, 2, 8, 9 June
  // Not ended: nothing, even when its 'to' is long past.
  f.Ok("dispatcher-U2", AssignJ("A5", "P3", "G1", "2019-05-10", "2019-05-24"));
  CHECK(Leave(f, "P3").accrued == 0);
}

TEST_CASE("R5: rotation leave is not limited by the balance", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  f.Ok("hr", LeaveJ("P1", 10, "rotation", "2019-06-01"));
  f.Ok("hr", LeaveJ("P1", 30, "rotation", "2019-07-01"));
  auto leave = Leave(f, "P1");
  CHECK(leave.accrued == 4);
  CHECK(leave.granted == 0);
  CHECK(leave.rotation_granted == 40);
  // Only hr grants leave; zero days is no grant.
  Mentions(f.Refuse("dispatcher-U1", LeaveJ("P1", 1, "rotation", "2019-06-01")), {"hr"});
  f.Refuse("hr", LeaveJ("P1", 0, "rotation", "2019-06-01"));
}

TEST_CASE("R5: retracting the ending takes back what it accrued", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  uint64_t ended = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  CHECK(Leave(f, "P1").accrued == 4);
  f.Ok("admin", RetractJ(ended, "the assignment was extended"));
  CHECK(Leave(f, "P1").accrued == 0);
  f.Refuse("hr", LeaveJ("P1", 1, "compensatory", "2019-06-01"));
  // It may be ended again.
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-19"));
  CHECK(Leave(f, "P1").accrued == 4);
}

// ---- R7 groups -----------------------------------------------------------------------------

TEST_CASE("R7: a city has one central group at a time", "[rules]") {
  ProgramLedger f;  // G1 is 130100's central group, formed 2019-05-01
  Mentions(f.Refuse("admin", GroupJ("G4", "130100", "central", "U3", "2019-06-01")),
           {"(R7)", "130100", "G1"});
  // Ordinary and special groups are not limited; nor is another city's central group.
  f.Ok("admin", GroupJ("G4", "130100", "ordinary", "U3", "2019-06-01"));
  f.Ok("admin", GroupJ("G5", "130100", "special", "U4", "2019-06-01"));
  f.Ok("admin", GroupJ("G6", "610100", "central", "U3", "2019-06-01"));
  Mentions(f.Refuse("admin", GroupJ("G7", "610100", "central", "U4", "2019-06-02")), {"(R7)"});
}

TEST_CASE("R7: after the central group is disbanded, a new one may be formed from that date",
          "[rules]") {
  ProgramLedger f;
  f.Ok("admin", DisbandJ("G1", "2019-06-15"));
  // G1 still works until 2019-06-15.
  Mentions(f.Refuse("admin", GroupJ("G8", "130100", "central", "U1", "2019-06-14")), {"(R7)"});
  f.Ok("admin", GroupJ("G8", "130100", "central", "U1", "2019-06-15"));
  // Disbanding is once, and not before forming.
  f.Refuse("admin", DisbandJ("G1", "2019-06-20"));
  f.Refuse("admin", DisbandJ("G8", "2019-06-14"));
  // Only the admin forms groups.
  Mentions(f.Refuse("party", GroupJ("G9", "610100", "central", "U3", "2019-06-15")), {"admin"});
}

// ---- group leaders' reports ----------------------------------------------------------------

TEST_CASE("reportFiled: a group leader reports only for a group it leads on that date", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  f.Ok("leader-P1", ReportJ("G1", "2019-05-10"));
  f.Ok("leader-P1", ReportJ("G1", "2019-05-15", "problemFound"));
  f.Ok("leader-P1", ReportJ("G1", "2019-05-24", "assistance"));
  // Another group, or a date outside the assignment.
  Mentions(f.Refuse("leader-P1", ReportJ("G2", "2019-05-15")), {"G2", "does not lead"});
  Mentions(f.Refuse("leader-P1", ReportJ("G1", "2019-05-09")), {"G1"});
  Mentions(f.Refuse("leader-P1", ReportJ("G1", "2019-05-25")), {"G1"});
  // Unknown group.
  Mentions(f.Refuse("leader-P1", ReportJ("G9", "2019-05-15")), {"group 'G9'"});
  // Other roles may not file reports at all.
  Mentions(f.Refuse("hr", ReportJ("G1", "2019-05-15")), {"groupLeader"});
  Mentions(f.Refuse("admin", ReportJ("G1", "2019-05-15")), {"groupLeader"});
}

TEST_CASE("reportFiled: a member who is not the leader may not report", "[rules]") {
  ProgramLedger f;
  f.Ok("dispatcher-U2", AssignJ("A1", "P3", "G2", "2019-05-10", "2019-05-24", "member"));
  Mentions(f.Refuse("leader-P3", ReportJ("G2", "2019-05-15")), {"does not lead"});
  // A leader's key with no assignment at all.
  f.Refuse("leader-P1", ReportJ("G1", "2019-05-15"));
}

TEST_CASE(
    "reportFiled: a leader recalled early, or whose assignment was retracted, no longer reports",
    "[rules]") {
  ProgramLedger f;
  uint64_t made =
      f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  uint64_t ended = f.Ok("dispatcher-U1", EndJ("A1", "2019-05-20", "recalled"));
  uint64_t report = f.Ok("leader-P1", ReportJ("G1", "2019-05-20"));
  f.Refuse("leader-P1", ReportJ("G1", "2019-05-21"));
  // The ending first, then the report the assignment carries, then the assignment (R15).
  f.Ok("admin", RetractJ(ended));
  Mentions(f.Refuse("admin", RetractJ(made)),
           {"seq " + std::to_string(report), "report of 2019-05-20", "(R15)"});
  f.Ok("admin", RetractJ(report));
  f.Ok("admin", RetractJ(made));
  f.Refuse("leader-P1", ReportJ("G1", "2019-05-15"));
  f.RequireRebuildIdentical();
  f.RequireVerifies();
}

TEST_CASE(
    "R15: a report filed on a hand-over day rests on either leading assignment, the last one "
    "to go is refused while the report stands",
    "[rules][r15]") {
  ProgramLedger f;
  uint64_t first =
      f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24", "leader"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-24"));
  uint64_t second =
      f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G1", "2019-05-24", "2019-06-07", "leader"));
  uint64_t report = f.Ok("leader-P1", ReportJ("G1", "2019-05-24"));
  // A2 still leads on the 24th, so A1 may go (its ending first, R15); then A2 carries the
  // report alone.
  Mentions(f.Refuse("admin", RetractJ(first)), {"its ending"});
  f.Ok("admin", RetractJ(first + 1));
  f.Ok("admin", RetractJ(first));
  Mentions(f.Refuse("admin", RetractJ(second)),
           {"seq " + std::to_string(report), "report of 2019-05-24", "(R15)"});
  f.Ok("admin", RetractJ(report));
  f.Ok("admin", RetractJ(second));
  f.RequireRebuildIdentical();
  f.RequireVerifies();
}

// ---- R10-R12 evaluations, commendations, criticisms ------------------------------------------

TEST_CASE("R11/R12: only the Enforcement Bureau commends and criticises", "[rules]") {
  ProgramLedger f;
  for (const char* signer :
       {"hr", "admin", "dispatcher-U1", "party", "auditor", "guarantor-U1", "leader-P1"}) {
    INFO(signer);
    Mentions(
        f.Refuse(signer, CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1")))),
        {"enforcement", "commendationIssued"});
    Mentions(f.Refuse(signer,
                      CriticiseJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1")))),
             {"enforcement", "criticismIssued"});
    Mentions(f.Refuse(signer, EvaluationJ("E1", PersonSubject("P1"), "2019-06-01")),
             {"enforcement"});
  }
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P2"), "2019-06-01", f.Eval(PersonSubject("P2"))));
  f.Ok("enforcement", CommendJ(UnitSubject("U1"), "2019-06-01", f.Eval(UnitSubject("U1"))));
  f.Ok("enforcement",
       CriticiseJ(UnitSubject("U2"), "2019-06-01", f.Eval(UnitSubject("U2")), "poorOrganisation"));
}

TEST_CASE("R11/R12: a cited evaluation must exist and be about the same subject", "[rules]") {
  ProgramLedger f;
  // Format v2: a commendation or criticism without an evaluation is not even valid JSON.
  for (const std::string& json : {CommendJ(PersonSubject("P1"), "2019-06-02"),
                                  CriticiseJ(PersonSubject("P1"), "2019-06-02")}) {
    auto body = f.codec().Parse(json);
    REQUIRE_FALSE(body.ok());
    CHECK(body.status().message().find("evaluation") != std::string::npos);
  }
  f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-01"));
  f.Ok("enforcement", EvaluationJ("EU1", UnitSubject("U1"), "2019-06-01", "poor"));

  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "E1"));
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P2"), "2019-06-02", "E1")),
           {"E1", "P1"});
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "E9")),
           {"evaluation 'E9'"});
  Mentions(f.Refuse("enforcement", CommendJ(UnitSubject("U1"), "2019-06-02", "E1")), {"E1"});

  f.Ok("enforcement", CriticiseJ(UnitSubject("U1"), "2019-06-02", "EU1", "poorOrganisation"));
  Mentions(f.Refuse("enforcement",
                    CriticiseJ(UnitSubject("U2"), "2019-06-02", "EU1", "poorOrganisation")),
           {"EU1", "U1"});
  Mentions(f.Refuse("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "EU1")), {"EU1"});
  Mentions(f.Refuse("enforcement", CriticiseJ(PersonSubject("P1"), "2019-06-02", "E404")),
           {"evaluation 'E404'"});
}

TEST_CASE("R11/R12: a withdrawn evaluation may not be cited", "[rules]") {
  ProgramLedger f;
  uint64_t e = f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-01"));
  f.Ok("admin", RetractJ(e));
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P1"), "2019-06-02", "E1")),
           {"E1", "withdrawn"});
}

TEST_CASE(
    "R10: an evaluation is reported to the ministry leaders and copied to HR, the party "
    "committee and the sending unit, each once",
    "[rules]") {
  ProgramLedger f;
  auto eval = [](const std::string& id, const std::string& to) {
    return Ev("evaluationRecorded")
        .S("evaluation", id)
        .Raw("subject", PersonSubject("P1"))
        .S("period", "2019")
        .S("grade", "good")
        .S("summary", "s")
        .S("date", "2019-06-01")
        .Raw("distributedTo", to)
        .str();
  };
  Mentions(f.Refuse("enforcement", eval("E1", "[]")),
           {"lacks ministryLeaders, hrDepartment, partyCommittee, sendingUnit", "(R10)"});
  Mentions(f.Refuse("enforcement", eval("E1", "[\"ministryLeaders\"]")),
           {"lacks hrDepartment, partyCommittee, sendingUnit", "(R10)"});
  Mentions(
      f.Refuse("enforcement", eval("E1", "[\"ministryLeaders\",\"hrDepartment\",\"sendingUnit\"]")),
      {"lacks partyCommittee", "(R10)"});
  f.Refuse("enforcement", eval("E1",
                               "[\"ministryLeaders\",\"hrDepartment\",\"hrDepartment\","
                               "\"partyCommittee\",\"sendingUnit\"]"));
  // Any order.
  f.Ok("enforcement",
       eval("E1", "[\"sendingUnit\",\"partyCommittee\",\"hrDepartment\",\"ministryLeaders\"]"));
}

// ---- R9 guarantor units ----------------------------------------------------------------------

TEST_CASE("R9: only the city's guarantor unit explains a missed target, once", "[rules]") {
  ProgramLedger f;  // 130100 is guaranteed by U1, 110000 by U2
  f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2020-01-15"));
  f.Ok("enforcement", TargetJ("110000", 2019, "annual", true, "2020-01-15"));
  Mentions(f.Refuse("enforcement", TargetJ("130100", 2019, "annual", true, "2020-01-16")),
           {"already assessed"});
  Mentions(f.Refuse("hr", TargetJ("610100", 2019, "annual", true, "2020-01-16")), {"enforcement"});

  // Not the guarantor's key; a guarantor key naming another unit; not a guarantor key.
  Mentions(f.Refuse("guarantor-U2", ExplainJ("130100", 2019, "annual", "U2", "2020-02-01")),
           {"(R9)", "U1"});
  Mentions(f.Refuse("guarantor-U2", ExplainJ("130100", 2019, "annual", "U1", "2020-02-01")),
           {"(R9)"});
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2019, "annual", "U2", "2020-02-01")),
           {"(R9)"});
  Mentions(f.Refuse("admin", ExplainJ("130100", 2019, "annual", "U1", "2020-02-01")),
           {"guarantor"});
  // Only for a missed target: met, never assessed, another year or scope.
  Mentions(f.Refuse("guarantor-U2", ExplainJ("110000", 2019, "annual", "U2", "2020-02-01")),
           {"(R9)"});
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2019, "final", "U1", "2020-02-01")),
           {"(R9)"});
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2020, "annual", "U1", "2020-02-01")),
           {"(R9)"});

  f.Ok("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-02-01"));
  Mentions(f.Refuse("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-02-02")),
           {"already explained", "(R9)"});
}

TEST_CASE("R9: a retracted explanation leaves the target open to explain again", "[rules]") {
  ProgramLedger f;
  f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2020-01-15"));
  uint64_t x = f.Ok("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-02-01"));
  f.Ok("admin", RetractJ(x, "signed by the wrong official"));
  f.Ok("guarantor-U1", ExplainJ("130100", 2019, "annual", "U1", "2020-02-03"));
}

// ---- R15 corrections ---------------------------------------------------------------------------

TEST_CASE("R15: a retraction must name an existing, retractable, not yet withdrawn seq",
          "[rules]") {
  ProgramLedger f;
  uint64_t commended =
      f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  // Beyond the log, and the very seq the retraction would take.
  Mentions(f.Refuse("admin", RetractJ(f.size() + 10)), {"(R15)", std::to_string(f.size() + 10)});
  Mentions(f.Refuse("admin", RetractJ(f.size())), {"(R15)"});
  // Genesis and key registrations are not retracted (keys are revoked).
  Mentions(f.Refuse("admin", RetractJ(0)), {"(R15)"});
  // Only the admin retracts.
  Mentions(f.Refuse("enforcement", RetractJ(commended)), {"admin"});
  Mentions(f.Refuse("hr", RetractJ(commended)), {"admin"});

  uint64_t retraction = f.Ok("admin", RetractJ(commended, "issued to the wrong person"));
  Mentions(f.Refuse("admin", RetractJ(commended)),
           {"(R15)", "already withdrawn", std::to_string(retraction)});
  Mentions(f.Refuse("admin", RetractJ(retraction)), {"(R15)", "retraction"});
}

TEST_CASE("R15: a key registration cannot be retracted", "[rules]") {
  ProgramLedger f(false);
  uint64_t seq = f.Ok("admin", f.KeyJ("hr", "hr"));
  Mentions(f.Refuse("admin", RetractJ(seq)), {"(R15)", "keyRegistered"});
}

TEST_CASE("R15: retracting an assignment frees its period for R3", "[rules]") {
  ProgramLedger f;
  uint64_t a1 = f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Refuse("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-12", "2019-05-26"));
  f.Ok("admin", RetractJ(a1, "sent to the wrong group"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-12", "2019-05-26"));
  // The withdrawn assignment can no longer be ended.
  Mentions(f.Refuse("dispatcher-U1", EndJ("A1", "2019-05-20")), {"withdrawn"});
}

TEST_CASE("R15: a withdrawn person can no longer be assigned or trained", "[rules]") {
  ProgramLedger f;
  uint64_t p8 = f.Ok("hr", PersonJ("P8", "U1"));
  f.Ok("admin", RetractJ(p8, "registered twice"));
  Mentions(f.Refuse("dispatcher-U1", TrainingJ("P8", "business", "2019-05-01")),
           {"P8", "withdrawn"});
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P8"), "2019-06-01", "E1")),
           {"P8", "withdrawn"});
}

// ---- references and duplicates ---------------------------------------------------------------

TEST_CASE("references: an event naming an unknown person is refused naming it", "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "PX", "G1", "2019-05-10", "2019-05-24")),
           {"'PX'"});
  Mentions(f.Refuse("dispatcher-U1", TrainingJ("PX", "business", "2019-05-01")), {"'PX'"});
  Mentions(f.Refuse("hr", RestrictionJ("PX", "health", "2019-05-01")), {"person 'PX'"});
  Mentions(f.Refuse("hr", LiftJ("PX", "2019-05-01")), {"person 'PX'"});
  Mentions(f.Refuse("hr", LeaveJ("PX", 1, "rotation", "2019-05-01")), {"person 'PX'"});
  Mentions(f.Refuse("enforcement", EvaluationJ("E1", PersonSubject("PX"), "2019-06-01")),
           {"person 'PX'"});
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("PX"), "2019-06-01", "E1")),
           {"person 'PX'"});
  Mentions(f.Refuse("enforcement", CriticiseJ(PersonSubject("PX"), "2019-06-01", "E1")),
           {"person 'PX'"});
  Mentions(f.Refuse("party", BranchJ("130100", "U1", "PX", "2019-05-01")), {"person 'PX'"});
  Mentions(f.Refuse("admin", f.KeyJ("leader-PX", "groupLeader", ",\"person\":\"PX\"")),
           {"person 'PX'"});
}

TEST_CASE(
    "references: an event naming an unknown unit, city, group, assignment or evaluation is refused",
    "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("hr", PersonJ("P9", "UX")), {"unit 'UX'"});
  Mentions(f.Refuse("admin", CityJ("130200", "UX")), {"unit 'UX'"});
  Mentions(f.Refuse("admin", GroupJ("G9", "130100", "ordinary", "UX", "2019-05-01")),
           {"unit 'UX'"});
  Mentions(f.Refuse("enforcement", CommendJ(UnitSubject("UX"), "2019-06-01", "E1")), {"unit 'UX'"});
  Mentions(f.Refuse("enforcement", EvaluationJ("E1", UnitSubject("UX"), "2019-06-01")),
           {"unit 'UX'"});
  Mentions(f.Refuse("party", BranchJ("130100", "UX", "P1", "2019-05-01")), {"unit 'UX'"});
  Mentions(f.Refuse("admin", f.KeyJ("dispatcher-UX", "dispatcher", ",\"unit\":\"UX\"")),
           {"unit 'UX'"});

  Mentions(f.Refuse("admin", GroupJ("G9", "999999", "ordinary", "U1", "2019-05-01")),
           {"city '999999'"});
  Mentions(f.Refuse("party", BranchJ("999999", "U1", "P1", "2019-05-01")), {"city '999999'"});
  Mentions(f.Refuse("enforcement", TargetJ("999999", 2019, "annual", false, "2020-01-15")),
           {"city '999999'"});
  Mentions(f.Refuse("guarantor-U1", ExplainJ("999999", 2019, "annual", "U1", "2020-01-15")),
           {"'999999'"});

  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "GX", "2019-05-10", "2019-05-24")),
           {"group 'GX'"});
  Mentions(f.Refuse("admin", DisbandJ("GX", "2019-05-10")), {"group 'GX'"});
  Mentions(f.Refuse("dispatcher-U1", EndJ("AX", "2019-05-10")), {"'AX'"});
  Mentions(f.Refuse("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", "EX")),
           {"evaluation 'EX'"});
  // A city code is six digits (GB/T 2260).
  f.Refuse("admin", CityJ("1301", "U1"));
  f.Refuse("admin", CityJ("13010A", "U1"));
}

TEST_CASE("references: 'to' before 'from', or outside the group's life, is refused", "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-24", "2019-05-10")),
           {"'to'", "'from'"});
  // G1 was formed on 2019-05-01.
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-04-25", "2019-05-09")),
           {"G1"});
  f.Ok("admin", DisbandJ("G2", "2019-05-20"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G2", "2019-05-10", "2019-05-24")),
           {"G2"});
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G2", "2019-05-05", "2019-05-19"));
  // A one-day assignment is not 'to' before 'from'.
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-10", "2019-05-10"));
}

TEST_CASE(
    "references: duplicate ids of units, persons, cities, groups, assignments, evaluations are "
    "refused",
    "[rules]") {
  ProgramLedger f;
  Mentions(f.Refuse("admin", UnitJ("U1", "Another name")), {"unit 'U1'", "already exists"});
  Mentions(f.Refuse("hr", PersonJ("P1", "U2")), {"person 'P1'", "already exists"});
  Mentions(f.Refuse("admin", CityJ("130100", "U2")), {"130100", "already exists"});
  Mentions(f.Refuse("admin", GroupJ("G1", "110000", "ordinary", "U2", "2019-05-01")),
           {"group 'G1'", "already exists"});
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P5", "G2", "2019-06-10", "2019-06-24")),
           {"assignment 'A1'", "already exists"});
  f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-01"));
  Mentions(f.Refuse("enforcement", EvaluationJ("E1", PersonSubject("P2"), "2019-06-01")),
           {"evaluation 'E1'", "already exists"});
  Mentions(f.Refuse("admin", f.KeyJ("hr", "hr")), {"already registered"});
}

TEST_CASE(
    "references: withdrawn group, assignment and evaluation ids are not reused, a withdrawn "
    "person, "
    "unit or city may be registered again",
    "[rules]") {
  ProgramLedger f;
  uint64_t g = f.Ok("admin", GroupJ("G8", "610100", "ordinary", "U3", "2019-05-01"));
  uint64_t a = f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  uint64_t e = f.Ok("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-01"));
  for (uint64_t seq : {g, a, e}) f.Ok("admin", RetractJ(seq));
  Mentions(f.Refuse("admin", GroupJ("G8", "610100", "ordinary", "U3", "2019-06-01")), {"G8"});
  Mentions(f.Refuse("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-06-10", "2019-06-24")),
           {"A1"});
  Mentions(f.Refuse("enforcement", EvaluationJ("E1", PersonSubject("P1"), "2019-06-02")), {"E1"});

  uint64_t p8 = f.Ok("hr", PersonJ("P8", "U1", "contract", "周杰"));
  f.Ok("admin", RetractJ(p8, "wrong category"));
  f.Ok("hr", PersonJ("P8", "U1", "publicInstitution", "周杰"));
  f.Ok("enforcement", CommendJ(PersonSubject("P8"), "2019-06-01", f.Eval(PersonSubject("P8"))));
  uint64_t u5 = f.Ok("admin", UnitJ("U5"));
  f.Ok("admin", RetractJ(u5));
  f.Ok("admin", UnitJ("U5", "华东督察局", "dispatchedAgency"));
  uint64_t c = f.Ok("admin", CityJ("130200", "U1", "唐山市"));
  f.Ok("admin", RetractJ(c));
  f.Ok("admin", CityJ("130200", "U2", "唐山市"));
  f.RequireRebuildIdentical();
}

// Whether or not a withdrawn assignment id may be used again, the records that kept the
// old id (the person's and the group's assignment lists) must never pick up a new record
// as if it were theirs.
TEST_CASE("references: reusing a withdrawn assignment id does not cross-link persons or groups",
          "[rules]") {
  ProgramLedger f;
  uint64_t made = f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  f.Ok("admin", RetractJ(made, "wrong person"));
  Status reuse = f.Try("dispatcher-U2", AssignJ("A1", "P3", "G1", "2019-05-10", "2019-05-24"));
  if (!reuse.ok()) {
    SUCCEED("reusing a withdrawn id is refused: " << reuse.message());
    return;
  }
  // P1 no longer has any assignment; P3's A1 is not P1's, so P1 is free in May.
  Status p1 = f.Try("dispatcher-U1", AssignJ("A2", "P1", "G2", "2019-05-12", "2019-05-26"));
  INFO(p1.message());
  CHECK(p1.ok());
  // The roster lists P3 once in G1.
  auto roster = Roster(f.ledger(), "2019-05-15", std::string("130100"));
  REQUIRE(roster.ok());
  int p3 = 0;
  for (const auto& g : roster->cities.at(0).groups) {
    for (const auto& m : g.members) p3 += m.person == "P3";
  }
  CHECK(p3 == 1);
}

// The same for a group: were a withdrawn group id formed again in another city, it must
// not stay listed under the first, where it would count as that city's central group (R7).
TEST_CASE(
    "references: reusing a withdrawn group id in another city does not count against the first "
    "(R7)",
    "[rules]") {
  ProgramLedger f;                 // G3 is 110000's central group
  uint64_t formed = f.size() - 1;  // Populate's last event forms G3
  auto entry = f.ledger().ReadEntry(formed);
  REQUIRE(entry.ok());
  REQUIRE_THAT(*f.codec().ToJson(entry->envelope.body), Contains("\"group\":\"G3\""));
  f.Ok("admin", RetractJ(formed, "formed in error"));
  Status reuse = f.Try("admin", GroupJ("G3", "610100", "central", "U3", "2019-06-01"));
  if (!reuse.ok()) {
    SUCCEED("reusing a withdrawn id is refused: " << reuse.message());
    return;
  }
  // 110000 has no live central group now.
  Status central = f.Try("admin", GroupJ("G9", "110000", "central", "U2", "2019-06-01"));
  INFO(central.message());
  CHECK(central.ok());
  auto roster = Roster(f.ledger(), "2019-06-15", std::string("110000"));
  REQUIRE(roster.ok());
  for (const auto& g : roster->cities.at(0).groups) CHECK(g.group != "G3");
}

}  // namespace
}  // namespace probity
