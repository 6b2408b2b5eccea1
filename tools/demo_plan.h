// The demo's run of the program, May 2019 to March 2021, as the list of events to
// sign and append, in the order they are recorded: registrations, keys, training,
// 15-day rounds with same-day hand-over, reports, evaluations, commendations and
// criticisms, leave, restrictions, targets, explanations and retractions. Built
// deterministically from a fixed seed; plain values, not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "projections/dates.h"

namespace probity::cli::demo {

// A key the demo registers and signs with. keys[0] is the admin key.
struct KeySpec {
  std::string name;  // DIR/demo-keys/<name>.pem, and the label of its seed
  std::string holder;
  std::string role;
  std::string unit;    // dispatcher, guarantor
  std::string person;  // groupLeader
};

struct Planned {
  Day day = 0;             // the business day it is recorded on
  int phase = 0;           // order within a day: what an event relies on comes first
  uint32_t order = 0;      // creation order, the last tie-break
  int signer = 0;          // index into Plan::keys
  std::string json;        // the event; for a key registration, filled in by the caller
  int registers_key = -1;  // keyRegistered of keys[registers_key]
};

struct Plan {
  std::vector<KeySpec> keys;
  // In append order: events[i] becomes seq i + 1 (seq 0 is the genesis entry).
  std::vector<Planned> events;
  int rounds = 0;
  // What the tour shows, and the commands it suggests.
  std::string roster_city, roster_date;
  std::string showcase_person;      // commended, with a criticism withdrawn on review
  std::string showcase_evaluation;  // an evaluation of showcase_person a commendation cites
  std::string restricted_person;    // a restriction still in force at the end
  std::string restricted_unit;      // that person's unit
  std::string open_group;           // a group still active in the last days
  std::string leave_person;         // has compensatory leave granted
  uint64_t commendation_seq = 0;    // one live commendation, for `show` and `prove`
};

// The whole run, from the fixed seed.
Plan BuildPlan();

}  // namespace probity::cli::demo
