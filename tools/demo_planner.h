// The demo planner's inside, shared by tools/demo_plan.cc (registrations, keys,
// restrictions, the rounds and their staffing) and tools/demo_marks.cc (evaluations,
// commendations, criticisms, targets, retractions). Only tools/demo_plan.h is meant
// for other callers. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tools/cli.h"
#include "tools/demo_plan.h"
#include "tools/demo_world.h"

namespace probity::cli::demo {

constexpr uint64_t kSeed = 20190501;
constexpr int kRoundDays = 15;
constexpr int kGroupLeaderKeys = 40;

// Order within one business day: registrations before what refers to them,
// assignments before their reports and endings, evaluations before the marks
// that cite them, everything before the retractions that withdraw it.
enum Phase {
  kRegistry,
  kUnitKeys,
  kStaff,
  kSetup,
  kRestrictions,
  kTraining,
  kAssign,
  kReport,
  kEnd,
  kLeave,
  kEvaluate,
  kMark,
  kTarget,
  kExplain,
  kRetract,
  kDisband,
  kReaderKeys,  // last: the keys of those who only read (adding them moves no other seq)
};

// One event's JSON, built field by field.
class Json {
 public:
  explicit Json(const char* type) : text_(std::string("{\"type\":\"") + type + "\"") {}
  Json& S(const char* key, const std::string& value) { return Raw(key, JsonQuote(value)); }
  Json& D(const char* key, Day day) { return Raw(key, JsonQuote(FormatDay(day))); }
  Json& N(const char* key, uint64_t value) { return Raw(key, std::to_string(value)); }
  Json& B(const char* key, bool value) { return Raw(key, value ? "true" : "false"); }
  Json& Subject(bool person, const std::string& id) {
    return Raw("subject",
               std::string("{\"") + (person ? "person" : "unit") + "\":" + JsonQuote(id) + "}");
  }
  Json& Raw(const char* key, const std::string& raw) {
    text_ += std::string(",\"") + key + "\":" + raw;
    return *this;
  }
  std::string Done() const { return text_ + "}"; }

 private:
  std::string text_;
};

// printf of one int, e.g. Fmt("EV-R%02d-", 3) is "EV-R03-".
inline std::string Fmt(const char* format, int value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

// A person's time on site in one round.
struct Stint {
  int person = 0, group = 0, round = 0;
  bool leader = false;
  Day from = 0, to = 0, end = 0;
  bool recalled = false;
  bool continues = false;  // stays on into the next round, handing over to itself
  bool continued = false;  // the second round of such a stay
  std::string id;
};

// A commendation or criticism, remembered for retractions.
struct MarkRef {
  size_t event = 0;
  int person = -1, unit = -1, group = 0, round = 0;
  Day day = 0;
};

// Builds the run in the order things happen: registry, groups and keys, restrictions
// known ahead, then round by round (staffing, training, assignments, reports, endings,
// leave, evaluations and marks), then targets, disbandings and retractions; Build
// finally puts the events in append order.
class Planner {
 public:
  Planner() : rng_(kSeed), w_(BuildWorld(rng_)), commended_in_(w_.persons.size(), 0) {}
  Plan Build();

 private:
  size_t Add(Day day, int phase, int signer, std::string json);
  int AddKey(KeySpec spec);
  void Registry();
  void Setup();
  void Branches();
  void Restrictions();
  void Rounds();
  void StaffRound(int k, std::vector<Stint>& carried, std::vector<Stint>& out);
  int PickPerson(const std::vector<int>& pool, int k, const Group& g);
  bool Eligible(const Person& p, int k, const Group& g) const;
  void Train(Person& p, Day first_day);
  void Finish(Stint& s, bool next_round_open);
  void Reports(const Stint& s);
  void Evaluate(int k, const std::vector<Stint>& stints);
  void EvaluateEveryone();
  void Targets();
  void Retractions();
  // A reviewer's and an auditor's keys, for the server and its web page.
  void ReaderKeys();
  void Disband();
  Day RoundStart(int k) const { return ProgramStart() + kRoundDays * k; }
  std::string Period(int k) const;

  Rng rng_;
  World w_;
  Plan plan_;
  int hr_ = 0, enforcement_ = 0;
  std::map<int, int> party_key_;      // lead unit -> its party committee's key (R8)
  std::vector<int> dispatcher_;       // by unit
  std::map<int, int> guarantor_key_;  // unit -> key
  std::map<int, int> leader_key_;     // person -> key
  std::vector<int> leader_pool_, member_pool_;
  int assignments_ = 0;
  std::vector<int> commended_in_;               // by person: the year of the last commendation
  std::map<int, int> both_;                     // year -> persons commended, then criticised
  std::map<std::string, Day> evaluated_until_;  // person id -> its latest evaluation's date
  std::vector<MarkRef> commendations_, criticisms_, unit_criticisms_;
  // Retractions (R15): the event, what it withdraws, its reason; "%SEQ%" in the
  // reason stands for the seq of events[mention], known only once they are ordered.
  struct Retraction {
    size_t event, target;
    std::string reason;
    size_t mention = SIZE_MAX;
  };
  std::vector<Retraction> retractions_;
  size_t live_commendation_ = 0;
  std::vector<Stint> finished_;  // every stint, in round order
};

}  // namespace probity::cli::demo
