#include <algorithm>
#include <cstdint>

#include "tools/demo_planner.h"

namespace probity::cli::demo {

// R10-R12: the Enforcement Bureau evaluates each sending unit and the central
// groups' leaders each round; a few percent are commended, fewer criticised,
// each citing the evaluation it rests on.
void Planner::Evaluate(int k, const std::vector<Stint>& stints) {
  Day to = RoundStart(k) + kRoundDays, eval_day = to + 5, mark_day = to + 12;
  int year = YearOf(mark_day);
  const std::string all = R"(["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"])";
  auto evaluation = [&](bool person, const std::string& id, const char* grade,
                        const std::string& summary) {
    std::string eid = Fmt("EV-R%02d-", k + 1) + id;
    if (person) evaluated_until_[id] = eval_day;
    Add(eval_day, kEvaluate, enforcement_,
        Json("evaluationRecorded")
            .S("evaluation", eid)
            .Subject(person, id)
            .S("period", Period(k))
            .S("grade", grade)
            .S("summary", summary)
            .D("date", eval_day)
            .Raw("distributedTo", all)
            .Done());
    return eid;
  };
  // Units that sent staff this round.
  std::vector<bool> sent(w_.units.size(), false);
  for (const auto& s : stints) sent[w_.persons[s.person].unit] = true;
  for (size_t u = 0; u < w_.units.size(); ++u) {
    if (!sent[u]) continue;
    uint64_t x = rng_.Below(1000);
    const Unit& unit = w_.units[u];
    if (x < 80) {
      std::string e = evaluation(false, unit.id, "outstanding", "派员及时、人员精干,组织保障有力");
      if (rng_.Chance(200)) {
        Add(mark_day, kMark, enforcement_,
            Json("commendationIssued")
                .Subject(false, unit.id)
                .S("reason", "强化监督定点帮扶" + Period(k) + "派员组织工作出色")
                .D("date", mark_day)
                .S("evaluation", e)
                .Done());
      }
    } else if (x < 990) {
      evaluation(false, unit.id, x < 870 ? "good" : "adequate",
                 x < 870 ? "按要求足额派员,后勤保障到位" : "派员基本到位,个别人员临时调整");
    } else {
      std::string e = evaluation(false, unit.id, "poor", "多次未按时派员,到岗人数不足");
      if (rng_.Chance(500)) {
        size_t ev = Add(mark_day, kMark, enforcement_,
                        Json("criticismIssued")
                            .Subject(false, unit.id)
                            .S("ground", "poorOrganisation")
                            .S("reason", Period(k) + "派员组织工作不力,未按时足额派员")
                            .D("date", mark_day)
                            .S("evaluation", e)
                            .Done());
        unit_criticisms_.push_back({ev, -1, static_cast<int>(u), 0, k, mark_day});
      }
    }
  }
  static const char* kGrounds[][2] = {
      {"poorPerformance", "现场检查流于形式,问题发现率明显偏低"},
      {"badAttitude", "对被检查企业工作人员态度恶劣,被当地群众投诉"},
      {"workDiscipline", "未经批准擅自离开驻地"},
      {"integrityDiscipline", "违规接受被帮扶企业安排的宴请"},
  };
  for (const auto& s : stints) {
    if (s.recalled) continue;
    Person& p = w_.persons[s.person];
    const Group& g = w_.groups[s.group];
    const std::string& city = w_.cities[g.city].name;
    bool central_leader = s.leader && g.kind == "central";
    bool commend = rng_.Chance(s.leader ? 50 : 28);
    // A few commended earlier in the same year are criticised too: HR must review them (R13).
    bool again = commended_in_[s.person] == year;
    bool criticise = !commend && rng_.Chance(again ? (both_[year] < 4 ? 300 : 40) : 4);
    if (criticise && again) both_[year]++;
    if (commend) {
      std::string e =
          evaluation(true, p.id, "outstanding", "发现问题线索多、帮扶成效明显,作风过硬");
      size_t ev = Add(mark_day, kMark, enforcement_,
                      Json("commendationIssued")
                          .Subject(true, p.id)
                          .S("reason", "在" + city + "强化监督定点帮扶" + Period(k) +
                                           "中工作绩效突出、作风硬朗,带头表率作用明显")
                          .D("date", mark_day)
                          .S("evaluation", e)
                          .Done());
      commendations_.push_back({ev, s.person, -1, s.group, k, mark_day});
      commended_in_[s.person] = year;
    } else if (criticise) {
      const auto& ground = kGrounds[rng_.Below(4)];
      std::string e = evaluation(true, p.id, "poor", std::string("考评不合格:") + ground[1]);
      size_t ev = Add(mark_day, kMark, enforcement_,
                      Json("criticismIssued")
                          .Subject(true, p.id)
                          .S("ground", ground[0])
                          .S("reason", "在" + city + Period(k) + "中" + ground[1])
                          .D("date", mark_day)
                          .S("evaluation", e)
                          .Done());
      criticisms_.push_back({ev, s.person, -1, s.group, k, mark_day});
    } else if (central_leader) {
      uint64_t x = rng_.Below(100);
      evaluation(true, p.id,
                 x < 15   ? "outstanding"
                 : x < 90 ? "good"
                          : "adequate",
                 x < 15   ? "统筹协调有力,工作成效突出"
                 : x < 90 ? "认真履职,按要求完成任务"
                          : "完成基本任务,主动性有待加强");
    }
  }
}

// R10: everyone who served is evaluated. A person's last stint of a year that no
// evaluation covers yet (one dated on or after its end) gets one, five days after it
// ends; it covers the whole year's service before it.
void Planner::EvaluateEveryone() {
  const std::string all = R"(["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"])";
  std::map<std::pair<int, int>, const Stint*> last;  // (person, year) -> last stint
  for (const auto& s : finished_) {
    const Stint*& l = last[{s.person, YearOf(s.end)}];
    if (!l || l->end <= s.end) l = &s;
  }
  static const char* kSummaries[] = {"工作认真负责,较好完成现场检查任务",
                                     "按要求完成帮扶任务,遵守工作纪律",
                                     "完成基本任务,发现问题能力有待提高"};
  for (const auto& [key, s] : last) {
    const Person& p = w_.persons[s->person];
    auto done = evaluated_until_.find(p.id);
    if (done != evaluated_until_.end() && done->second >= s->end) continue;
    Day day = s->end + 5;
    uint64_t x = rng_.Below(100);
    int grade = x < 10 ? 0 : x < 80 ? 1 : 2;
    static const char* kGrades[] = {"outstanding", "good", "adequate"};
    Add(day, kEvaluate, enforcement_,
        Json("evaluationRecorded")
            .S("evaluation", "EV-Y" + std::to_string(key.second) + "-" + p.id)
            .Subject(true, p.id)
            .S("period", std::to_string(key.second) + "年度现场工作")
            .S("grade", kGrades[grade])
            .S("summary", kSummaries[grade])
            .D("date", day)
            .Raw("distributedTo", all)
            .Done());
    evaluated_until_[p.id] = day;
  }
}

// R9: annual and final targets of the Action Plan, assessed per city; most misses
// are explained by the guarantor unit, a few are left open.
void Planner::Targets() {
  struct Assessment {
    int year;
    const char* scope;
    const char* date;
    int missed, explained;
    const char* explain_from;
  };
  const Assessment kAssessments[] = {
      {2019, "annual", "2020-04-15", 9, 7, "2020-05-06"},
      {2020, "annual", "2021-03-10", 5, 4, "2021-03-18"},
      {2020, "final", "2021-03-25", 3, 1, "2021-03-29"},
  };
  static const char* kWhy[] = {
      "不利气象条件影响较大,重污染过程多发;产业结构偏重,钢铁焦化产能集中。已制定整改方案,"
      "压实属地责任",
      "散煤治理和清洁取暖改造进度滞后,冬季燃煤排放贡献偏高。已督促加快改造并开展专项检查",
      "柴油货车和工业炉窑治理不到位,区域传输影响明显。已约谈相关县区政府,逐项落实整改",
  };
  for (const auto& a : kAssessments) {
    Day day = *ParseDay(a.date);
    std::vector<int> order(w_.cities.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    rng_.Shuffle(order);
    for (size_t n = 0; n < order.size(); ++n) {
      const City& c = w_.cities[order[n]];
      bool missed = static_cast<int>(n) < a.missed;
      Add(day, kTarget, enforcement_,
          Json("targetAssessed")
              .S("city", c.code)
              .N("year", static_cast<uint64_t>(a.year))
              .S("scope", a.scope)
              .B("met", !missed)
              .D("date", day)
              .Done());
      if (missed && static_cast<int>(n) < a.explained) {
        Day when = *ParseDay(a.explain_from) + static_cast<Day>(n);
        Add(when, kExplain, guarantor_key_.at(c.guarantor),
            Json("explanationSubmitted")
                .S("city", c.code)
                .N("year", static_cast<uint64_t>(a.year))
                .S("scope", a.scope)
                .S("unit", w_.units[c.guarantor].id)
                .S("principal", w_.units[c.guarantor].principal)
                .D("date", when)
                .S("summary", c.name + kWhy[rng_.Below(3)])
                .Done());
      }
    }
  }
}

// R15: mistakes corrected by retraction, never by editing. Criticisms found wrong
// on review; commendations sent to the wrong colleague (withdrawn and reissued);
// commendations entered twice.
void Planner::Retractions() {
  std::vector<bool> has_commendation(w_.persons.size(), false), touched(w_.persons.size(), false);
  for (const auto& c : commendations_) has_commendation[c.person] = true;
  auto retract = [&](size_t target, Day day, std::string reason, size_t mention = SIZE_MAX) {
    size_t e = Add(day, kRetract, 0, "");
    retractions_.push_back({e, target, std::move(reason), mention});
  };
  // Criticisms withdrawn on review: three of persons also commended (the one commended
  // in 2019 who also handed over to themselves is the tour's example), one other.
  std::vector<bool> commended_2019(w_.persons.size(), false), stayed(w_.persons.size(), false);
  for (const auto& c : commendations_)
    commended_2019[c.person] = commended_2019[c.person] || YearOf(c.day) == 2019;
  for (const auto& s : finished_) stayed[s.person] = stayed[s.person] || s.continued;
  std::vector<const MarkRef*> order;
  for (const auto& c : criticisms_) order.push_back(&c);
  auto rank = [&](const MarkRef* c) {
    return has_commendation[c->person] ? (commended_2019[c->person] && stayed[c->person] ? 0 : 1)
                                       : 2;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const MarkRef* a, const MarkRef* b) { return rank(a) < rank(b); });
  int with = 0;
  for (const MarkRef* c : order) {
    bool commended = has_commendation[c->person];
    if (commended && with >= 3) continue;
    if (commended) ++with;
    touched[c->person] = true;
    retract(c->event, c->day + rng_.Between(20, 40),
            "经复核,当事人申诉属实,通报批评所依据的事实不成立,予以撤回");
    if (commended && plan_.showcase_person.empty())
      plan_.showcase_person = w_.persons[c->person].id;
    if (!commended) break;
  }
  if (!unit_criticisms_.empty()) {
    const auto& c = unit_criticisms_.front();
    retract(c.event, c.day + 30, "经复核,该单位未按时派员系因上级临时抽调,已事先报备,撤回通报批评");
  }
  Day cutoff = *ParseDay("2020-12-01");
  int wrong = 0, twice = 0;
  for (size_t n = 0; n < commendations_.size() && (wrong < 5 || twice < 3); n += 97) {
    const MarkRef& c = commendations_[n];
    if (touched[c.person] || c.day > cutoff) continue;
    touched[c.person] = true;
    const Person& a = w_.persons[c.person];
    if (twice < 3) {
      ++twice;
      size_t copy = Add(c.day, kMark, enforcement_, plan_.events[c.event].json);
      retract(copy, c.day + rng_.Between(10, 20),
              "同一表扬函重复录入(与seq %SEQ%相同),撤回重复的一条", c.event);
      continue;
    }
    // A colleague of the same group and round, who earned it.
    const Stint* right = nullptr;
    for (const auto& s : finished_) {
      if (s.group == c.group && s.round == c.round && s.person != c.person && !s.recalled &&
          !touched[s.person]) {
        right = &s;
        break;
      }
    }
    if (!right) continue;
    ++wrong;
    const Person& b = w_.persons[right->person];
    touched[right->person] = true;
    Day day = c.day + rng_.Between(15, 30);
    const City& city = w_.cities[w_.groups[c.group].city];
    // Reissued to the right person first, resting on their own evaluation (R11), then
    // the mistaken one withdrawn, naming it.
    std::string eid = Fmt("EV-R%02d-", c.round + 1) + b.id + "-review";
    Add(day, kEvaluate, enforcement_,
        Json("evaluationRecorded")
            .S("evaluation", eid)
            .Subject(true, b.id)
            .S("period", Period(c.round))
            .S("grade", "outstanding")
            .S("summary", "复核:工作绩效突出、作风硬朗")
            .D("date", day)
            .Raw("distributedTo",
                 R"(["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"])")
            .Done());
    size_t reissued = Add(day, kMark, enforcement_,
                          Json("commendationIssued")
                              .Subject(true, b.id)
                              .S("reason", "在" + city.name + "强化监督定点帮扶" + Period(c.round) +
                                               "中工作绩效突出、作风硬朗(更正后重新发出)")
                              .D("date", day)
                              .S("evaluation", eid)
                              .Done());
    retract(c.event, day,
            "表扬函对象有误:应为同组的" + b.name + "(" + b.id + "),误录为" + a.name +
                ";已重新发出(seq %SEQ%)",
            reissued);
  }
  for (const auto& c : commendations_) {
    if (!touched[c.person]) {
      live_commendation_ = c.event;
      break;
    }
  }
}

void Planner::Disband() {
  for (const auto& g : w_.groups) {
    Add(g.disbanded, kDisband, 0,
        Json("groupDisbanded").S("group", g.id).D("date", g.disbanded).Done());
  }
}

}  // namespace probity::cli::demo
