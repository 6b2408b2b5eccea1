// The program's read models as records in the "state" column family, one per
// person, unit, city, group, assignment and evaluation, each the fold of the events
// about it. Every item keeps the seq that made it and whether a retraction (R15)
// withdrew it, so a withdrawal is a flag, never a deletion. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/state.h"
#include "ledger/status.h"
#include "projections/dates.h"

namespace probity::records {

// Withdrawn by a retraction: its seq (0 = not withdrawn; seq 0 is genesis and is never retracted).
struct Item {
  uint64_t seq = 0;
  uint64_t withdrawn_by = 0;
  bool live() const { return withdrawn_by == 0; }
};

struct Training : Item {
  int course = 0;  // schema::Course
  int mode = 0;
  Day date = 0;
};

struct Restriction : Item {
  Day from = 0;
  std::optional<Day> until;
};

struct Lift : Item {
  Day date = 0;
};

struct Leave : Item {
  uint32_t days = 0;
  int kind = 0;  // schema::LeaveKind
  Day from = 0;
};

// A commendation or criticism, of a person or a unit.
struct Mark : Item {
  bool commendation = false;
  int ground = 0;  // schema::Ground, criticisms only
  Day date = 0;
  std::string evaluation;  // the evaluation it cites (R11, R12)
};

// A unit's principal (主要负责人), its first responsible person from `date` (R17).
struct Principal : Item {
  std::string name;
  Day date = 0;
};

struct Person : Item {
  std::string name, unit;
  int category = 0;  // schema::StaffCategory
  std::vector<Training> training;
  std::vector<Restriction> restrictions;
  std::vector<Lift> lifts;
  std::vector<std::string> assignments;  // ids, in order made
  std::vector<Leave> leave;
  std::vector<Mark> marks;
  std::vector<std::string> evaluations;  // ids of evaluations of this person
};

struct Unit : Item {
  std::string name;
  int kind = 0;  // schema::UnitKind
  std::vector<Mark> marks;
  std::string province;  // two-digit GB/T 2260 code; provincial departments only (R16)
  std::vector<Principal> principals;
  // What was registered on this unit (R15 finds the dependants of its registration):
  // groups it leads, cities it guarantees, its evaluations. The persons registered to it,
  // which grow with its staff, are records of their own (UnitPersonKey).
  std::vector<std::string> groups, cities, evaluations;

  // The principal in force on `day` (the latest live one named on or before it), if any.
  const Principal* principal_on(Day day) const;
};

// One publication of a year's holiday schedule (R5); a later one replaces an earlier.
struct CalendarEdition : Item {
  std::vector<Day> holidays, workdays;
};

// "h/<YYYY>": the year's holiday schedules as published, in order.
struct Calendar {
  std::vector<CalendarEdition> editions;
  // The edition in force: the last live one, or null (then only weekends are rest days).
  const CalendarEdition* in_force() const;
};

struct Branch : Item {
  std::string lead_unit, secretary;
  Day date = 0;
};

struct Target : Item {
  uint16_t year = 0;
  int scope = 0;  // schema::TargetScope
  bool met = false;
  Day date = 0;
};

struct Explanation : Item {
  uint16_t year = 0;
  int scope = 0;
  std::string unit;
  Day date = 0;
  std::string principal;  // the principal it names (R17)
};

struct City : Item {
  std::string name, guarantor;
  int region = 0;
  std::vector<std::string> groups;
  std::vector<Branch> branches;
  std::vector<Target> targets;
  std::vector<Explanation> explanations;
};

struct Disbanding : Item {
  Day date = 0;
};

struct Group : Item {
  std::string city, lead_unit, task;
  int kind = 0;  // schema::GroupKind
  Day formed = 0;
  std::vector<Disbanding> disbandings;
  // The assignments made to it grow with the program: records of their own
  // (GroupAssignmentKey, GroupDayKey), not fields here. `longest`: the most days from an
  // assignment's first day to its last, of all made to it (an ending only shortens one).
  int longest = 0;
};

struct Ending : Item {
  Day date = 0;
  int reason = 0;  // schema::EndReason
};

// A report filed from the field by the group's leader, kept with the assignment by
// which the leader led the group that day.
struct Report : Item {
  Day date = 0;
  int kind = 0;  // schema::ReportKind
};

struct Assignment : Item {
  std::string person, group;
  Day from = 0, to = 0;
  int position = 0;  // schema::Position
  std::vector<Ending> endings;
  std::string id;
  std::vector<Report> reports;

  // The live ending, if any.
  const Ending* ended() const;
  // The last day on site: the ending's date, else `to`.
  Day last_day() const;
};

struct Evaluation : Item {
  bool subject_is_person = true;
  std::string subject;
  int grade = 0;
  Day date = 0;
  std::vector<uint64_t> marks;  // seqs of the commendations and criticisms citing it
};

// What a seq touched, so a retraction can find it: the event type and record keys.
struct Touch {
  int type = 0;  // schema::Event::Which
  std::vector<std::string> keys;
};

// Typed get/put over a StateReader/StateTxn. Get returns nullopt when absent.
template <typename T>
Result<std::optional<T>> Get(const StateReader& state, const std::string& key);
template <typename T>
void Put(StateTxn& txn, const std::string& key, const T& record);

// Encoding (docs/formats.md, "State records"): fields in declaration order; integers
// as LEB128 (signed ones zig-zagged), strings and lists length-prefixed.
template <typename T>
std::string Encode(const T& record);
template <typename T>
Status Decode(std::string_view bytes, T* record);

}  // namespace probity::records
