#include "tools/demo_plan.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>

#include "tools/demo_calendar.h"
#include "tools/demo_planner.h"

namespace probity::cli::demo {

size_t Planner::Add(Day day, int phase, int signer, std::string json) {
  Planned p;
  p.day = day;
  p.phase = phase;
  p.order = static_cast<uint32_t>(plan_.events.size());
  p.signer = signer;
  p.json = std::move(json);
  plan_.events.push_back(std::move(p));
  return plan_.events.size() - 1;
}

int Planner::AddKey(KeySpec spec) {
  plan_.keys.push_back(std::move(spec));
  return static_cast<int>(plan_.keys.size()) - 1;
}

std::string Planner::Period(int k) const {
  return "第" + std::to_string(k + 1) + "轮(" + FormatDay(RoundStart(k)) + "至" +
         FormatDay(RoundStart(k) + kRoundDays) + ")";
}

// Units, cities, the keys of the offices, and the staff pool.
void Planner::Registry() {
  Day day = *ParseDay("2019-04-15");
  AddKey({"admin", "ledger administrator", "admin", "", ""});
  for (const auto& u : w_.units) {
    Json j("unitRegistered");
    j.S("unit", u.id).S("name", u.name).S("kind", u.kind);
    if (u.province) j.S("province", Fmt("%02d", u.province));  // R16
    Add(day, kRegistry, 0, j.Done());
  }
  // The State Council's holiday schedules, each on the day it is recorded (R5).
  for (const auto& s : HolidaySchedules()) {
    auto list = [](const std::vector<std::string>& days) {
      std::string out = "[";
      for (const auto& d : days) out += (out.size() > 1 ? "," : "") + JsonQuote(d);
      return out + "]";
    };
    Add(std::max(day, *ParseDay(s.published)), kRegistry, 0,
        Json("calendarPublished")
            .N("year", static_cast<uint64_t>(s.year))
            .Raw("holidays", list(s.holidays))
            .Raw("workdays", list(s.workdays))
            .Done());
  }
  for (const auto& c : w_.cities) {
    Add(day, kRegistry, 0,
        Json("cityRegistered")
            .S("city", c.code)
            .S("name", c.name)
            .S("region", c.region)
            .S("guarantor", w_.units[c.guarantor].id)
            .Done());
  }
  auto key = [&](KeySpec spec) {
    int k = AddKey(std::move(spec));
    plan_.events[Add(day, kUnitKeys, 0, "")].registers_key = k;
    return k;
  };
  hr_ = key({"hr", "人事司", "hr", "", ""});
  enforcement_ = key({"enforcement", "生态环境执法局", "enforcement", "", ""});
  // The party organisation of each unit that leads a city's assistance (R8).
  for (const auto& c : w_.cities) {
    if (party_key_.count(c.guarantor)) continue;
    const Unit& u = w_.units[c.guarantor];
    party_key_[c.guarantor] =
        key({"party-" + u.id, u.name + "(党组织)", "partyCommittee", u.id, ""});
  }
  for (const auto& u : w_.units) {
    dispatcher_.push_back(key({"dispatcher-" + u.id, u.name + "(派员)", "dispatcher", u.id, ""}));
  }
  for (int u : w_.guarantors) {
    guarantor_key_[u] = key({"guarantor-" + w_.units[u].id, w_.units[u].name + "(包保)",
                             "guarantor", w_.units[u].id, ""});
  }
  Day hired = day + 1;
  // Every unit's principal, its first responsible person (R17).
  for (const auto& u : w_.units) {
    Add(hired, kStaff, hr_,
        Json("principalNamed").S("unit", u.id).S("name", u.principal).D("date", hired).Done());
  }
  for (const auto& p : w_.persons) {
    Add(hired, kStaff, hr_,
        Json("personRegistered")
            .S("person", p.id)
            .S("name", p.name)
            .S("unit", w_.units[p.unit].id)
            .S("category", p.category)
            .Done());
  }
  for (size_t i = 0; i < w_.persons.size(); ++i) {
    const Person& p = w_.persons[i];
    if (!p.in_rotation) continue;
    (p.leader ? leader_pool_ : member_pool_).push_back(static_cast<int>(i));
  }
}

// Groups, party branches and the group leaders' keys.
void Planner::Setup() {
  for (const auto& g : w_.groups) {
    Json j("groupFormed");
    j.S("group", g.id)
        .S("city", w_.cities[g.city].code)
        .S("kind", g.kind)
        .S("leadUnit", w_.units[g.lead_unit].id)
        .D("date", g.formed);
    if (!g.task.empty()) j.S("task", g.task);
    Add(g.formed, kSetup, 0, j.Done());
  }
  std::vector<int> chosen = leader_pool_;
  rng_.Shuffle(chosen);
  chosen.resize(kGroupLeaderKeys);
  std::sort(chosen.begin(), chosen.end());
  Day day = *ParseDay("2019-04-20");
  for (int i : chosen) {
    const Person& p = w_.persons[i];
    int k = AddKey({"group-leader-" + p.id, p.name + "(组长)", "groupLeader", "", p.id});
    plan_.events[Add(day, kSetup, 0, "")].registers_key = k;
    leader_key_[i] = k;
  }
}

// The temporary party branch of each city, formed by the party organisation of the unit
// leading its central group, with a secretary on site in the city that day: a group
// leader there, of the lead unit when one is on site (R8). A new secretary each May.
void Planner::Branches() {
  for (const char* date : {"2019-05-01", "2020-05-01"}) {
    Day day = *ParseDay(date);
    for (size_t ci = 0; ci < w_.cities.size(); ++ci) {
      const City& c = w_.cities[ci];
      int best = -1, best_rank = -1;
      for (const auto& s : finished_) {
        if (s.from > day || s.end < day || w_.groups[s.group].city != static_cast<int>(ci))
          continue;
        int rank = (w_.persons[s.person].unit == c.guarantor ? 2 : 0) + (s.leader ? 1 : 0);
        if (rank > best_rank) best = s.person, best_rank = rank;
      }
      if (best < 0) continue;
      Add(day, kReport, party_key_.at(c.guarantor),
          Json("partyBranchFormed")
              .S("city", c.code)
              .S("leadUnit", w_.units[c.guarantor].id)
              .S("secretary", w_.persons[best].id)
              .D("date", day)
              .Done());
    }
  }
}

// Restrictions known ahead (R1): pregnancy then breastfeeding, and ill health.
void Planner::Restrictions() {
  Day first = *ParseDay("2019-04-20"), last = *ParseDay("2020-12-01");
  for (int n = 0; n < 45; ++n) {
    int i = rng_.Pick(member_pool_);
    Person& p = w_.persons[i];
    if (!p.female || !p.restricted.empty()) continue;
    Day from = first + static_cast<Day>(rng_.Below(static_cast<uint64_t>(last - first)));
    Day until = from + 270;
    Add(from, kRestrictions, hr_,
        Json("restrictionRecorded")
            .S("person", p.id)
            .S("reason", "pregnancy")
            .D("from", from)
            .D("until", until)
            .Done());
    p.restricted.push_back({from, until, INT32_MAX});
    Day nursing = until + 1;
    if (nursing > ProgramEnd()) continue;
    Day nursing_end = nursing + 364, lift = INT32_MAX;
    Add(nursing, kRestrictions, hr_,
        Json("restrictionRecorded")
            .S("person", p.id)
            .S("reason", "breastfeeding")
            .D("from", nursing)
            .D("until", nursing_end)
            .Done());
    if (rng_.Chance(250) && nursing + 200 < ProgramEnd()) {
      // Back early, at her request.
      lift = nursing + 200;
      Add(lift, kRestrictions, hr_,
          Json("restrictionLifted").S("person", p.id).D("date", lift).Done());
    }
    p.restricted.push_back({nursing, nursing_end, lift});
  }
  for (int n = 0; n < 20; ++n) {
    int i = rng_.Pick(rng_.Chance(300) ? leader_pool_ : member_pool_);
    Person& p = w_.persons[i];
    if (!p.restricted.empty()) continue;
    Day from = ProgramStart() + static_cast<Day>(rng_.Below(600));
    Add(from, kRestrictions, hr_,
        Json("restrictionRecorded").S("person", p.id).S("reason", "health").D("from", from).Done());
    Day lift = INT32_MAX;
    if (rng_.Chance(600) && from + 180 < ProgramEnd()) {
      lift = from + rng_.Between(45, 180);
      Add(lift, kRestrictions, hr_,
          Json("restrictionLifted").S("person", p.id).D("date", lift).Done());
    }
    p.restricted.push_back({from, INT32_MAX, lift});
    if (lift == INT32_MAX && plan_.restricted_person.empty()) {
      plan_.restricted_person = p.id;
      plan_.restricted_unit = w_.units[p.unit].id;
    }
  }
}

bool Planner::Eligible(const Person& p, int k, const Group& g) const {
  Day from = RoundStart(k), to = from + kRoundDays;
  // A month at home between rounds; never in one's own province (异地执法).
  return k - p.last_round >= 3 && !p.Restricted(from, to, from - 3) &&
         w_.units[p.unit].province != w_.cities[g.city].province;
}

// Three eligible candidates drawn at random; the one sent least so far goes.
int Planner::PickPerson(const std::vector<int>& pool, int k, const Group& g) {
  int best = -1, found = 0;
  for (int tries = 0; tries < 60 && found < 3; ++tries) {
    int i = pool[rng_.Below(pool.size())];
    if (!Eligible(w_.persons[i], k, g)) continue;
    ++found;
    if (best < 0 || w_.persons[i].stints < w_.persons[best].stints) best = i;
  }
  if (best >= 0) return best;
  size_t start = rng_.Below(pool.size());
  for (size_t n = 0; n < pool.size(); ++n) {
    int i = pool[(start + n) % pool.size()];
    if (Eligible(w_.persons[i], k, g)) return i;
  }
  std::abort();  // the pools are far larger than a round needs
}

// R2: both courses before the first day out.
void Planner::Train(Person& p, Day first_day) {
  if (p.trained) return;
  p.trained = true;
  Day earliest = *ParseDay("2019-04-17");
  bool first_cohort = first_day <= ProgramStart() + kRoundDays;
  for (const char* course : {"business", "integrity"}) {
    Day day = std::max(earliest, first_day - rng_.Between(6, 24));
    uint64_t x = rng_.Below(100);
    const char* mode = first_cohort ? (x < 60   ? "centralized"
                                       : x < 90 ? "video"
                                                : "tiered")
                                    : (x < 20   ? "centralized"
                                       : x < 70 ? "video"
                                                : "tiered");
    Add(day, kTraining, dispatcher_[p.unit],
        Json("trainingCompleted")
            .S("person", p.id)
            .S("course", course)
            .S("mode", mode)
            .D("date", day)
            .Done());
  }
}

void Planner::StaffRound(int k, std::vector<Stint>& carried, std::vector<Stint>& out) {
  Day from = RoundStart(k), to = from + kRoundDays;
  for (size_t gi = 0; gi < w_.groups.size(); ++gi) {
    const Group& g = w_.groups[gi];
    if (g.formed > from || to >= g.disbanded) continue;
    std::vector<Stint> staff;
    for (const auto& c : carried) {
      if (c.group == static_cast<int>(gi)) staff.push_back(c);
    }
    bool has_leader =
        std::any_of(staff.begin(), staff.end(), [](const Stint& s) { return s.leader; });
    if (!has_leader) {
      int pick = -1;
      // The central group is led from its lead unit when one of its leaders is free.
      if (g.kind == "central") {
        const auto& own = w_.units[g.lead_unit].leaders;
        for (int t = 0; t < 4 && pick < 0 && !own.empty(); ++t) {
          int i = rng_.Pick(own);
          if (Eligible(w_.persons[i], k, g)) pick = i;
        }
      }
      if (pick < 0) pick = PickPerson(leader_pool_, k, g);
      Stint s;
      s.person = pick;
      s.leader = true;
      staff.push_back(s);
      w_.persons[pick].last_round = k;
    }
    while (static_cast<int>(staff.size()) < g.size) {
      Stint s;
      s.person = PickPerson(member_pool_, k, g);
      staff.push_back(s);
      w_.persons[s.person].last_round = k;
    }
    for (auto& s : staff) {
      s.group = static_cast<int>(gi);
      s.round = k;
      s.from = from;
      s.to = to;
      s.end = to;
      s.recalled = false;
      s.continues = false;
      char id[16];
      std::snprintf(id, sizeof(id), "A%07d", ++assignments_);
      s.id = id;
      Person& p = w_.persons[s.person];
      p.last_round = k;
      p.stints++;
      Train(p, from);
      Add(from - 3, kAssign, dispatcher_[p.unit],
          Json("assignmentMade")
              .S("assignment", s.id)
              .S("person", p.id)
              .S("group", g.id)
              .D("from", from)
              .D("to", to)
              .S("position", s.leader ? "leader" : "member")
              .Done());
      out.push_back(s);
    }
  }
}

// Ends a stint (completed, or a few recalled early), decides whether it carries on
// into the next round, and grants leave after it.
void Planner::Finish(Stint& s, bool next_round_open) {
  Person& p = w_.persons[s.person];
  const Group& g = w_.groups[s.group];
  int next = s.round + 1;
  Day next_from = RoundStart(next);
  bool group_open =
      next_round_open && g.formed <= next_from && next_from + kRoundDays < g.disbanded;
  if (!s.continued && group_open && rng_.Chance(s.leader ? 150 : 80) &&
      !p.Restricted(next_from, next_from + kRoundDays, next_from - 3)) {
    s.continues = true;
  } else if (!s.leader && rng_.Chance(7)) {
    s.recalled = true;
    s.end = s.from + rng_.Between(2, kRoundDays - 2);
    if (rng_.Chance(400)) {
      // Called home ill: HR records a health restriction from the next day.
      Day from = s.end + 1;
      Add(from, kRestrictions, hr_,
          Json("restrictionRecorded")
              .S("person", p.id)
              .S("reason", "health")
              .D("from", from)
              .Done());
      Day lift = from + rng_.Between(30, 120);
      Add(lift, kRestrictions, hr_,
          Json("restrictionLifted").S("person", p.id).D("date", lift).Done());
      p.restricted.push_back({from, INT32_MAX, lift});
    }
  }
  Add(s.end, kEnd, dispatcher_[p.unit],
      Json("assignmentEnded")
          .S("assignment", s.id)
          .D("date", s.end)
          .S("reason", s.recalled ? "recalled" : "completed")
          .Done());
  // One day per rest day on site, each calendar day once (a hand-over to oneself
  // ends one assignment and starts the next on the same day) (R5).
  for (Day d = std::max(s.from, p.counted_through + 1); d <= s.end; ++d) p.accrued += IsRestDay(d);
  p.counted_through = std::max(p.counted_through, s.end);
  if (s.continues) return;
  Day back = s.end + 1;
  int left = p.accrued - p.granted;
  if (left > 0 && rng_.Chance(90)) {
    int days = std::min(left, 12);
    Add(back, kLeave, hr_,
        Json("leaveGranted")
            .S("person", p.id)
            .N("days", static_cast<uint64_t>(days))
            .S("kind", "compensatory")
            .D("from", back)
            .Done());
    p.granted += days;
    back += days;
    if (plan_.leave_person.empty() && p.granted >= 8) plan_.leave_person = p.id;
  }
  if (rng_.Chance(12)) {
    Add(s.end + 1, kLeave, hr_,
        Json("leaveGranted")
            .S("person", p.id)
            .N("days", static_cast<uint64_t>(rng_.Between(3, 5)))
            .S("kind", "rotation")
            .D("from", back)
            .Done());
  }
}

// Field reports by the leaders who hold a group-leader key.
void Planner::Reports(const Stint& s) {
  auto key = leader_key_.find(s.person);
  if (!s.leader || key == leader_key_.end()) return;
  const Group& g = w_.groups[s.group];
  const City& c = w_.cities[g.city];
  std::string round = "第" + std::to_string(s.round + 1) + "轮";
  auto report = [&](Day day, const char* kind, const std::string& summary) {
    if (day < s.from || day > s.end) return;
    Add(day, kReport, key->second,
        Json("reportFiled")
            .S("group", g.id)
            .D("date", day)
            .S("kind", kind)
            .S("summary", summary)
            .Done());
  };
  report(s.from + 6, "workReport",
         c.name + round + "第一周工作小结:检查企业" + std::to_string(rng_.Between(12, 40)) +
             "家,发现涉气环境问题" + std::to_string(rng_.Between(3, 25)) + "个,已移交地方");
  static const char* kProblems[] = {"未落实重污染天气应急减排措施",
                                    "除尘设施未正常运行",
                                    "VOCs无组织排放问题突出",
                                    "物料堆场未苫盖",
                                    "在线监测数据异常",
                                    "超标排放",
                                    "未按排污许可证要求排污",
                                    "散煤复烧"};
  if (rng_.Chance(700)) {
    report(s.from + rng_.Between(1, kRoundDays - 1), "problemFound",
           Enterprise(rng_, c) + kProblems[rng_.Below(std::size(kProblems))] + ",已现场取证并移交" +
               c.name + "处理");
  }
  if (rng_.Chance(500)) {
    report(s.from + rng_.Between(1, kRoundDays - 1), "assistance",
           "为" + c.name + "重点企业开展排污许可和深度治理技术帮扶,解答政策问题" +
               std::to_string(rng_.Between(5, 30)) + "个");
  }
  report(s.end, "workReport", c.name + round + "工作总结及交接情况");
}

void Planner::Rounds() {
  Day last_start = ProgramEnd() - kRoundDays - 10;
  int rounds = 0;
  while (RoundStart(rounds) <= last_start) ++rounds;
  plan_.rounds = rounds;
  std::vector<Stint> carried;
  for (int k = 0; k < rounds; ++k) {
    std::vector<Stint> stints;
    StaffRound(k, carried, stints);
    carried.clear();
    for (auto& s : stints) {
      Finish(s, k + 1 < rounds);
      Reports(s);
      if (s.continues) {
        Stint next;
        next.person = s.person;
        next.group = s.group;
        next.leader = s.leader;
        next.continued = true;
        carried.push_back(next);
      }
    }
    Evaluate(k, stints);
    finished_.insert(finished_.end(), stints.begin(), stints.end());
  }
}

void Planner::ReaderKeys() {
  Day last = 0;
  for (const auto& e : plan_.events) last = std::max(last, e.day);
  for (KeySpec spec : {KeySpec{"reviewer", "纪检审查员", "reviewer", "", ""},
                       KeySpec{"auditor", "外部审计", "auditor", "", ""}}) {
    int k = AddKey(std::move(spec));
    plan_.events[Add(last, kReaderKeys, 0, "")].registers_key = k;
  }
}

Plan Planner::Build() {
  Registry();
  Setup();
  Restrictions();
  Rounds();
  Branches();
  EvaluateEveryone();
  Targets();
  Disband();
  Retractions();
  ReaderKeys();
  if (plan_.showcase_person.empty()) {
    plan_.showcase_person = w_.persons[commendations_.front().person].id;
  }
  // The evaluation a commendation of the showcase person rests on (R11).
  for (const auto& c : commendations_) {
    if (c.person >= 0 && w_.persons[c.person].id == plan_.showcase_person) {
      plan_.showcase_evaluation = Fmt("EV-R%02d-", c.round + 1) + plan_.showcase_person;
      break;
    }
  }
  plan_.roster_city = "130100";
  plan_.roster_date = FormatDay(RoundStart(13) + 7);
  for (const auto& g : w_.groups) {
    if (g.kind == "ordinary" && plan_.open_group.empty()) plan_.open_group = g.id;
  }
  // Append order: by the day each is recorded, then by phase, then as made.
  std::vector<Planned>& ev = plan_.events;
  std::vector<size_t> order(ev.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Planned &x = ev[a], &y = ev[b];
    if (x.day != y.day) return x.day < y.day;
    if (x.phase != y.phase) return x.phase < y.phase;
    return x.order < y.order;
  });
  // Retractions name the seq they withdraw, known only now.
  std::vector<uint64_t> seq_of(ev.size());
  for (size_t pos = 0; pos < order.size(); ++pos) seq_of[order[pos]] = pos + 1;
  for (auto& r : retractions_) {
    std::string reason = r.reason;
    if (size_t at = reason.find("%SEQ%"); at != std::string::npos && r.mention != SIZE_MAX) {
      reason.replace(at, 5, std::to_string(seq_of[r.mention]));
    }
    ev[r.event].json = Json("retraction").N("target", seq_of[r.target]).S("reason", reason).Done();
  }
  plan_.commendation_seq = seq_of[live_commendation_];
  std::vector<Planned> sorted;
  sorted.reserve(ev.size());
  for (size_t i : order) sorted.push_back(std::move(ev[i]));
  ev = std::move(sorted);
  return std::move(plan_);
}

Plan BuildPlan() {
  Planner planner;
  return planner.Build();
}

}  // namespace probity::cli::demo
