#include "projections/program.h"

#include <algorithm>
#include <set>

#include "projections/program_internal.h"

namespace probity {
namespace {

using namespace records;
using program_internal::D;
using program_internal::S;
using E = schema::Event;

template <typename T>
Result<T> Live(const StateReader& state, const std::string& key, const std::string& what,
               const std::string& id) {
  auto r = Get<T>(state, key);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return Status::Refused(what + " '" + id + "' is not registered");
  if (!(*r)->live()) {
    return Status::Refused(what + " '" + id + "' was withdrawn at seq " +
                           std::to_string((*r)->withdrawn_by));
  }
  return std::move(**r);
}

// A registration may follow a withdrawn one (a corrected person, unit or city keeps
// its id and its history); other ids (groups, assignments, evaluations) are never
// reused, withdrawn or not, so no two events can share one.
template <typename T>
Status New(const StateReader& state, const std::string& key, const std::string& what,
           const std::string& id, bool reusable_after_withdrawal = false) {
  auto r = Get<T>(state, key);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return Status::Ok();
  if ((*r)->live()) {
    return Status::Refused(what + " '" + id + "' already exists (seq " + std::to_string((*r)->seq) +
                           ")");
  }
  if (reusable_after_withdrawal) return Status::Ok();
  return Status::Refused(what + " id '" + id + "' was used at seq " + std::to_string((*r)->seq) +
                         " (withdrawn at seq " + std::to_string((*r)->withdrawn_by) +
                         "); ids are never reused");
}

Status LiveSubject(const StateReader& state, schema::Subject::Reader s) {
  if (s.isPerson())
    return Live<Person>(state, PersonKey(S(s.getPerson())), "person", S(s.getPerson())).status();
  return Live<Unit>(state, UnitKey(S(s.getUnit())), "unit", S(s.getUnit())).status();
}

Result<std::vector<Assignment>> LiveAssignments(const StateReader& state, const Person& p) {
  std::vector<Assignment> out;
  for (const auto& id : p.assignments) {
    auto a = Get<Assignment>(state, AssignmentKey(id));
    if (!a.ok()) return a.status();
    if (a->has_value() && (*a)->live()) out.push_back(std::move(**a));
  }
  return out;
}

bool GroupActiveOn(const Group& g, Day day) {
  if (day < g.formed) return false;
  for (const auto& d : g.disbandings) {
    if (d.live() && d.date <= day) return false;
  }
  return true;
}

Status CheckAssignment(const StateReader& state, E::Reader event) {
  auto a = event.getAssignmentMade();
  std::string id = S(a.getAssignment()), pid = S(a.getPerson()), gid = S(a.getGroup());
  PROBITY_RETURN_IF_ERROR(New<Assignment>(state, AssignmentKey(id), "assignment", id));
  auto person = Live<Person>(state, PersonKey(pid), "person", pid);
  if (!person.ok()) return person.status();
  auto group = Live<Group>(state, GroupKey(gid), "group", gid);
  if (!group.ok()) return group.status();
  Day from = D(a.getFrom()), to = D(a.getTo());
  if (to < from)
    return Status::Refused("'to' " + S(a.getTo()) + " is before 'from' " + S(a.getFrom()));
  if (!GroupActiveOn(*group, from) || !GroupActiveOn(*group, to)) {
    return Status::Refused("group '" + gid + "' is not active from " + S(a.getFrom()) + " to " +
                           S(a.getTo()));
  }
  // R1: the dispatcher learns only that a restriction is in force, never which.
  if (RestrictedDuring(*person, from, to)) {
    return Status::Refused("person '" + pid +
                           "' has a dispatch restriction in force during the assignment (R1)");
  }
  // R2: both courses completed on or before the first day.
  for (auto course : {schema::Course::BUSINESS, schema::Course::INTEGRITY}) {
    bool done =
        std::any_of(person->training.begin(), person->training.end(), [&](const Training& t) {
          return t.live() && t.course == static_cast<int>(course) && t.date <= from;
        });
    if (!done) {
      return Status::Refused(
          "person '" + pid + "' has not completed " +
          (course == schema::Course::BUSINESS ? "business-knowledge" : "integrity-discipline") +
          " training on or before " + S(a.getFrom()) + " (R2)");
    }
  }
  // R3: no overlap, except that one may start on the day the previous one ends.
  auto others = LiveAssignments(state, *person);
  if (!others.ok()) return others.status();
  for (const auto& o : *others) {
    Day last = o.last_day();
    // Intervals are inclusive; they may share one day only if it ends one and starts the other.
    bool share = std::max(from, o.from) <= std::min(to, last);
    bool handover = (from == last && (o.from < from || to > from)) ||
                    (to == o.from && (from < o.from || last > o.from));
    if (share && !handover) {
      return Status::Refused("person '" + pid + "' is already assigned from " + FormatDay(o.from) +
                             " to " + FormatDay(last) + " (assignment '" + o.id + "', seq " +
                             std::to_string(o.seq) +
                             "); assignments may meet only on the hand-over day (R3)");
    }
  }
  return Status::Ok();
}

Status CheckAssignmentEnded(const StateReader& state, E::Reader event) {
  auto e = event.getAssignmentEnded();
  std::string id = S(e.getAssignment());
  auto a = Live<Assignment>(state, AssignmentKey(id), "assignment", id);
  if (!a.ok()) return a.status();
  if (const Ending* prior = a->ended()) {
    return Status::Refused("assignment '" + id + "' already ended on " + FormatDay(prior->date) +
                           " (seq " + std::to_string(prior->seq) + ")");
  }
  Day date = D(e.getDate());
  if (date < a->from || date > a->to) {
    return Status::Refused("end date " + S(e.getDate()) + " is outside the assignment's " +
                           FormatDay(a->from) + " to " + FormatDay(a->to));
  }
  return Status::Ok();
}

Status CheckLeave(const StateReader& state, E::Reader event) {
  auto l = event.getLeaveGranted();
  std::string pid = S(l.getPerson());
  auto person = Live<Person>(state, PersonKey(pid), "person", pid);
  if (!person.ok()) return person.status();
  if (l.getDays() == 0) return Status::Refused("'days' must be at least 1");
  if (l.getKind() != schema::LeaveKind::COMPENSATORY) return Status::Ok();
  auto accrued = AccruedLeave(state, *person);
  if (!accrued.ok()) return accrued.status();
  uint64_t granted = 0;
  for (const auto& g : person->leave) {
    if (g.live() && g.kind == static_cast<int>(schema::LeaveKind::COMPENSATORY)) granted += g.days;
  }
  if (granted + l.getDays() > *accrued) {
    return Status::Refused("person '" + pid + "' has " +
                           std::to_string(*accrued - std::min<uint64_t>(granted, *accrued)) +
                           " days of compensatory leave left (accrued " + std::to_string(*accrued) +
                           ", granted " + std::to_string(granted) + "); " +
                           std::to_string(l.getDays()) + " asked (R5)");
  }
  return Status::Ok();
}

Status CheckReport(const StateReader& state, const KeyInfo* signer, E::Reader event) {
  auto r = event.getReportFiled();
  std::string gid = S(r.getGroup());
  auto group = Live<Group>(state, GroupKey(gid), "group", gid);
  if (!group.ok()) return group.status();
  Day date = D(r.getDate());
  if (!signer) return Status::Refused("a report needs a group leader's key");
  auto person = Live<Person>(state, PersonKey(signer->person), "person", signer->person);
  if (!person.ok()) return person.status();
  auto assignments = LiveAssignments(state, *person);
  if (!assignments.ok()) return assignments.status();
  for (const auto& a : *assignments) {
    if (a.group == gid && a.position == static_cast<int>(schema::Position::LEADER) &&
        a.from <= date && date <= a.last_day()) {
      return Status::Ok();
    }
  }
  return Status::Refused("the signer (person '" + signer->person + "') does not lead group '" +
                         gid + "' on " + S(r.getDate()) +
                         "; a group leader reports only for a group it leads on that date");
}

Status CheckMark(const StateReader& state, schema::Subject::Reader subject, bool has_eval,
                 capnp::Text::Reader eval) {
  PROBITY_RETURN_IF_ERROR(LiveSubject(state, subject));
  if (!has_eval) return Status::Ok();
  auto e = Live<Evaluation>(state, EvaluationKey(S(eval)), "evaluation", S(eval));
  if (!e.ok()) return e.status();
  std::string subject_id = subject.isPerson() ? S(subject.getPerson()) : S(subject.getUnit());
  if (e->subject_is_person != subject.isPerson() || e->subject != subject_id) {
    return Status::Refused("evaluation '" + S(eval) + "' is about " +
                           (e->subject_is_person ? "person '" : "unit '") + e->subject +
                           "', not this subject");
  }
  return Status::Ok();
}

Status CheckRetraction(const StateReader& state, uint64_t seq, E::Reader event) {
  uint64_t target = event.getRetraction().getTarget();
  if (target >= seq) {
    return Status::Refused("seq " + std::to_string(target) + " does not exist yet (R15)");
  }
  auto touch = Get<Touch>(state, TouchKey(target));
  if (!touch.ok()) return touch.status();
  if (!touch->has_value())
    return Status::Refused("seq " + std::to_string(target) + " cannot be retracted (R15)");
  auto type = static_cast<E::Which>((*touch)->type);
  if (type == E::RETRACTION || type == E::KEY_REGISTERED || type == E::KEY_REVOKED) {
    return Status::Refused(
        "seq " + std::to_string(target) + " is a " + EventTypeName(type) +
        ", which cannot be retracted (keys are withdrawn with keyRevoked) (R15)");
  }
  // A retraction may not leave the record breaking a rule that the withdrawn event kept.
  if (type == E::ASSIGNMENT_ENDED && !(*touch)->keys.empty()) {
    auto a = Get<Assignment>(state, (*touch)->keys[0]);
    if (!a.ok()) return a.status();
    if (a->has_value() && (*a)->live()) {
      auto person = Get<Person>(state, PersonKey((*a)->person));
      if (!person.ok()) return person.status();
      if (person->has_value()) {
        auto others = LiveAssignments(state, **person);
        if (!others.ok()) return others.status();
        for (const auto& o : *others) {
          if (o.id != (*a)->id && o.from < (*a)->to && o.from >= (*a)->last_day()) {
            return Status::Refused("withdrawing this ending would make assignment '" + (*a)->id +
                                   "' overlap assignment '" + o.id +
                                   "' (R3); retract that one first (R15)");
          }
        }
      }
    }
  }
  if (type == E::GROUP_DISBANDED && !(*touch)->keys.empty()) {
    // R7: bringing a central group back must not give its city two at a time.
    auto g = Get<Group>(state, (*touch)->keys[0]);
    if (!g.ok()) return g.status();
    if (g->has_value() && (*g)->live() &&
        (*g)->kind == static_cast<int>(schema::GroupKind::CENTRAL)) {
      auto city = Get<City>(state, CityKey((*g)->city));
      if (!city.ok()) return city.status();
      for (const auto& other : city->has_value() ? (*city)->groups : std::vector<std::string>()) {
        if (GroupKey(other) == (*touch)->keys[0]) continue;
        auto o = Get<Group>(state, GroupKey(other));
        if (!o.ok()) return o.status();
        bool active = o->has_value() && (*o)->live() &&
                      (*o)->kind == static_cast<int>(schema::GroupKind::CENTRAL) &&
                      std::none_of((*o)->disbandings.begin(), (*o)->disbandings.end(),
                                   [](const Disbanding& d) { return d.live(); });
        if (active) {
          return Status::Refused("withdrawing this disbanding would give city " + (*g)->city +
                                 " two central groups, with '" + other + "' (R7)");
        }
      }
    }
  }
  auto withdrawn = state.Get(WithdrawnKey(target));
  if (!withdrawn.ok()) return withdrawn.status();
  if (withdrawn->has_value()) {
    return Status::Refused("seq " + std::to_string(target) + " was already withdrawn at seq " +
                           **withdrawn + " (R15)");
  }
  return Status::Ok();
}

}  // namespace

bool RestrictedDuring(const Person& person, Day from, Day to) {
  for (const auto& r : person.restrictions) {
    if (!r.live()) continue;
    Day end = r.until.value_or(INT32_MAX);
    for (const auto& l : person.lifts) {
      // Lifted on a day: no longer in force from that day on.
      if (l.live() && l.date >= r.from && l.date - 1 < end) end = l.date - 1;
    }
    if (r.from <= to && from <= end) return true;
  }
  return false;
}

Result<uint32_t> AccruedLeave(const StateReader& state, const Person& person) {
  auto assignments = LiveAssignments(state, person);
  if (!assignments.ok()) return assignments.status();
  uint32_t days = 0;
  for (const auto& a : *assignments) {
    if (const Ending* e = a.ended()) days += static_cast<uint32_t>(WeekendDays(a.from, e->date));
  }
  return days;
}

Status ProgramRules::Check(const StateReader& state, uint64_t seq, const KeyInfo* signer,
                           E::Reader event) const {
  switch (event.which()) {
    case E::INVALID:
      return Status::Invalid("event has no type");
    case E::KEY_REGISTERED:
    case E::KEY_REVOKED:
      return Status::Ok();  // ledger/authority.cc
    case E::UNIT_REGISTERED: {
      auto u = event.getUnitRegistered();
      return New<Unit>(state, UnitKey(S(u.getUnit())), "unit", S(u.getUnit()), true);
    }
    case E::PERSON_REGISTERED: {
      auto p = event.getPersonRegistered();
      PROBITY_RETURN_IF_ERROR(
          New<Person>(state, PersonKey(S(p.getPerson())), "person", S(p.getPerson()), true));
      return Live<Unit>(state, UnitKey(S(p.getUnit())), "unit", S(p.getUnit())).status();
    }
    case E::CITY_REGISTERED: {
      auto c = event.getCityRegistered();
      std::string code = S(c.getCity());
      if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
        return Status::Refused("city code '" + code + "' is not a six-digit GB/T 2260 code");
      }
      PROBITY_RETURN_IF_ERROR(New<City>(state, CityKey(code), "city", code, true));
      return Live<Unit>(state, UnitKey(S(c.getGuarantor())), "unit", S(c.getGuarantor())).status();
    }
    case E::GROUP_FORMED: {
      auto g = event.getGroupFormed();
      std::string gid = S(g.getGroup()), code = S(g.getCity());
      PROBITY_RETURN_IF_ERROR(New<Group>(state, GroupKey(gid), "group", gid));
      auto city = Live<City>(state, CityKey(code), "city", code);
      if (!city.ok()) return city.status();
      PROBITY_RETURN_IF_ERROR(
          Live<Unit>(state, UnitKey(S(g.getLeadUnit())), "unit", S(g.getLeadUnit())).status());
      if (g.getKind() == schema::GroupKind::CENTRAL) {
        Day date = D(g.getDate());
        for (const auto& other : city->groups) {
          auto o = Get<Group>(state, GroupKey(other));
          if (!o.ok()) return o.status();
          if (o->has_value() && (*o)->live() &&
              (*o)->kind == static_cast<int>(schema::GroupKind::CENTRAL)) {
            bool ends_before =
                std::any_of((*o)->disbandings.begin(), (*o)->disbandings.end(),
                            [&](const Disbanding& d) { return d.live() && d.date <= date; });
            if (!ends_before) {
              return Status::Refused("city " + code + " already has central group '" + other +
                                     "'; a city has one central group at a time (R7)");
            }
          }
        }
      }
      return Status::Ok();
    }
    case E::GROUP_DISBANDED: {
      auto d = event.getGroupDisbanded();
      std::string gid = S(d.getGroup());
      auto g = Live<Group>(state, GroupKey(gid), "group", gid);
      if (!g.ok()) return g.status();
      for (const auto& x : g->disbandings) {
        if (x.live())
          return Status::Refused("group '" + gid + "' was already disbanded on " +
                                 FormatDay(x.date));
      }
      if (D(d.getDate()) < g->formed)
        return Status::Refused("group '" + gid + "' was formed after " + S(d.getDate()));
      return Status::Ok();
    }
    case E::PARTY_BRANCH_FORMED: {
      auto b = event.getPartyBranchFormed();
      PROBITY_RETURN_IF_ERROR(
          Live<City>(state, CityKey(S(b.getCity())), "city", S(b.getCity())).status());
      PROBITY_RETURN_IF_ERROR(
          Live<Unit>(state, UnitKey(S(b.getLeadUnit())), "unit", S(b.getLeadUnit())).status());
      return Live<Person>(state, PersonKey(S(b.getSecretary())), "person", S(b.getSecretary()))
          .status();
    }
    case E::TRAINING_COMPLETED: {
      auto t = event.getTrainingCompleted();
      return Live<Person>(state, PersonKey(S(t.getPerson())), "person", S(t.getPerson())).status();
    }
    case E::RESTRICTION_RECORDED: {
      auto r = event.getRestrictionRecorded();
      PROBITY_RETURN_IF_ERROR(
          Live<Person>(state, PersonKey(S(r.getPerson())), "person", S(r.getPerson())).status());
      if (r.hasUntil() && D(r.getUntil()) < D(r.getFrom())) {
        return Status::Refused("'until' " + S(r.getUntil()) + " is before 'from' " +
                               S(r.getFrom()));
      }
      return Status::Ok();
    }
    case E::RESTRICTION_LIFTED: {
      auto r = event.getRestrictionLifted();
      auto p = Live<Person>(state, PersonKey(S(r.getPerson())), "person", S(r.getPerson()));
      if (!p.ok()) return p.status();
      Day date = D(r.getDate());
      if (!RestrictedDuring(*p, date, date)) {
        return Status::Refused("person '" + S(r.getPerson()) + "' has no restriction in force on " +
                               S(r.getDate()));
      }
      return Status::Ok();
    }
    case E::ASSIGNMENT_MADE:
      return CheckAssignment(state, event);
    case E::ASSIGNMENT_ENDED:
      return CheckAssignmentEnded(state, event);
    case E::LEAVE_GRANTED:
      return CheckLeave(state, event);
    case E::REPORT_FILED:
      return CheckReport(state, signer, event);
    case E::EVALUATION_RECORDED: {
      auto e = event.getEvaluationRecorded();
      PROBITY_RETURN_IF_ERROR(New<Evaluation>(state, EvaluationKey(S(e.getEvaluation())),
                                              "evaluation", S(e.getEvaluation())));
      PROBITY_RETURN_IF_ERROR(LiveSubject(state, e.getSubject()));
      std::set<int> seen;
      for (auto r : e.getDistributedTo()) {
        if (!seen.insert(static_cast<int>(r)).second)
          return Status::Refused("'distributedTo' names a recipient twice");
      }
      if (seen.empty())
        return Status::Refused(
            "'distributedTo' is empty; results go at least to the ministry leaders (R10)");
      return Status::Ok();
    }
    case E::COMMENDATION_ISSUED: {
      auto c = event.getCommendationIssued();
      return CheckMark(state, c.getSubject(), c.hasEvaluation(), c.getEvaluation());
    }
    case E::CRITICISM_ISSUED: {
      auto c = event.getCriticismIssued();
      return CheckMark(state, c.getSubject(), c.hasEvaluation(), c.getEvaluation());
    }
    case E::TARGET_ASSESSED: {
      auto t = event.getTargetAssessed();
      auto city = Live<City>(state, CityKey(S(t.getCity())), "city", S(t.getCity()));
      if (!city.ok()) return city.status();
      for (const auto& x : city->targets) {
        if (x.live() && x.year == t.getYear() && x.scope == static_cast<int>(t.getScope())) {
          return Status::Refused(
              "the " +
              std::string(t.getScope() == schema::TargetScope::ANNUAL ? "annual" : "final") +
              " target of " + S(t.getCity()) + " for " + std::to_string(t.getYear()) +
              " was already assessed (seq " + std::to_string(x.seq) + ")");
        }
      }
      return Status::Ok();
    }
    case E::EXPLANATION_SUBMITTED: {
      auto x = event.getExplanationSubmitted();
      auto city = Live<City>(state, CityKey(S(x.getCity())), "city", S(x.getCity()));
      if (!city.ok()) return city.status();
      bool missed = std::any_of(city->targets.begin(), city->targets.end(), [&](const Target& t) {
        return t.live() && !t.met && t.year == x.getYear() &&
               t.scope == static_cast<int>(x.getScope());
      });
      if (!missed) {
        return Status::Refused("no missed target of " + S(x.getCity()) + " for " +
                               std::to_string(x.getYear()) + " awaits an explanation (R9)");
      }
      for (const auto& e : city->explanations) {
        if (e.live() && e.year == x.getYear() && e.scope == static_cast<int>(x.getScope())) {
          return Status::Refused("that missed target was already explained (seq " +
                                 std::to_string(e.seq) + ") (R9)");
        }
      }
      if (S(x.getUnit()) != city->guarantor) {
        return Status::Refused("unit '" + S(x.getUnit()) + "' is not the guarantor of " +
                               S(x.getCity()) + " (R9)");
      }
      return Status::Ok();
    }
    case E::RETRACTION:
      return CheckRetraction(state, seq, event);
    case E::PRINCIPAL_NAMED: {
      auto p = event.getPrincipalNamed();
      return Live<Unit>(state, UnitKey(S(p.getUnit())), "unit", S(p.getUnit())).status();
    }
    case E::CALENDAR_PUBLISHED:
    case E::ERASURE:
      return Status::Ok();  // ledger/ledger.cc checks an erasure's target
  }
  return Status::Invalid("unknown event type");
}

}  // namespace probity
