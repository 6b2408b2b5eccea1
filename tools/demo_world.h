// The demo's world: the program's 39 cities, some 60 sending units, about 300
// working groups and a staff pool of ~10,000, drawn from a fixed seed with draws
// that give the same numbers on every standard library. Used only by `probity demo`
// (tools/demo_plan.cc schedules the run over it); plain values, not thread-safe.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "projections/dates.h"

namespace probity::cli::demo {

// std::mt19937_64's output is fixed by the standard; the std distributions are not,
// so every draw goes through these.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi].
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  // True with probability per_mille / 1000.
  bool Chance(uint32_t per_mille) { return Below(1000) < per_mille; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }
  template <typename T>
  void Shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[Below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

struct Unit {
  std::string id, name;
  std::string
      kind;  // ministryDepartment, dispatchedAgency, affiliatedInstitution, provincialDepartment
  int province = 0;          // GB/T 2260 province prefix of a provincial department, else 0
  std::vector<int> leaders;  // persons of this unit in the leader pool
  std::string principal;     // its principal (主要负责人), the first responsible person (R17)
};

struct City {
  std::string code, name, region;
  int province = 0;
  int guarantor = 0;  // unit index; also the lead unit of the central group and the party branch
};

struct Group {
  std::string id, kind, task;
  int city = 0;
  int lead_unit = 0;
  Day formed = 0;
  Day disbanded = 0;  // the day it stops being active
  int size = 0;       // leader included
};

struct Person {
  std::string id, name, category;
  int unit = 0;
  bool female = false;
  bool leader = false;      // drawn for group-leader posts
  bool in_rotation = true;  // a few are never sent (posts at home)
  // Scheduling state (tools/demo_plan.cc).
  int last_round = -100;
  int stints = 0;
  bool trained = false;
  // Planned restrictions (R1): in force from `from` to `until`, or to the day before
  // `lift` once the lift is on record.
  struct Restriction {
    Day from = 0, until = INT32_MAX, lift = INT32_MAX;
  };
  std::vector<Restriction> restricted;
  int accrued = 0, granted = 0;  // compensatory leave days (R5)
  Day counted_through = 0;       // the last day on site counted for leave (each day once)
  // Whether a restriction is in force on a day of [from, to] as the ledger sees it on
  // day `known`, when the dispatcher appends the assignment.
  bool Restricted(Day from, Day to, Day known) const {
    for (const auto& r : restricted) {
      Day end = r.lift <= known ? std::min(r.until, r.lift - 1) : r.until;
      if (r.from <= to && from <= end) return true;
    }
    return false;
  }
};

struct World {
  std::vector<Unit> units;
  std::vector<City> cities;
  std::vector<Group> groups;
  std::vector<Person> persons;
  std::vector<int> guarantors;  // unit indexes with a guarantor key
};

inline constexpr int kPersons = 10000;

// The program's calendar.
Day ProgramStart();  // 2019-05-01, the first round's first day
Day ProgramEnd();    // 2021-03-31, when the groups are disbanded

World BuildWorld(Rng& rng);

// A plausible enterprise name in `city` ("石家庄恒达钢铁有限公司").
std::string Enterprise(Rng& rng, const City& city);

}  // namespace probity::cli::demo
