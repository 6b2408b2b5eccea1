#include "projections/program.h"

#include <capnp/schema.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

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

// A group serves from its forming date up to and including its disbanding date: an
// assignment may end on the day the group is disbanded, not after (R7).
bool GroupActiveOn(const Group& g, Day day) {
  if (day < g.formed) return false;
  for (const auto& d : g.disbandings) {
    if (d.live() && d.date < day) return false;
  }
  return true;
}

const Disbanding* Disbanded(const Group& g) {
  for (const auto& d : g.disbandings) {
    if (d.live()) return &d;
  }
  return nullptr;
}

// The holiday calendars (R5), read once per year asked.
class RestDays {
 public:
  explicit RestDays(const StateReader& state) : state_(state) {}
  // Judges `year` by `edition` instead of the state's (none: weekends only), as the
  // history would stand with a schedule published or withdrawn.
  RestDays(const StateReader& state, int year, std::optional<CalendarEdition> edition)
      : state_(state) {
    years_.emplace(year, std::move(edition));
  }
  // Saturdays, Sundays and public holidays, except make-up working days (调休), by the
  // calendar in force for the day's year; only weekends for a year without one.
  Result<bool> Is(Day day) {
    int year = YearOf(day);
    auto it = years_.find(year);
    if (it == years_.end()) {
      auto cal = Get<Calendar>(state_, CalendarKey(year));
      if (!cal.ok()) return cal.status();
      std::optional<CalendarEdition> edition;
      if (cal->has_value()) {
        if (const CalendarEdition* e = (*cal)->in_force()) edition = *e;
      }
      it = years_.emplace(year, std::move(edition)).first;
    }
    if (const auto& e = it->second) {
      if (std::binary_search(e->workdays.begin(), e->workdays.end(), day)) return false;
      if (std::binary_search(e->holidays.begin(), e->holidays.end(), day)) return true;
    }
    return IsWeekend(day);
  }

 private:
  const StateReader& state_;
  std::map<int, std::optional<CalendarEdition>> years_;
};

Result<uint32_t> AccruedOn(RestDays& rest, const std::vector<Assignment>& assignments, Day before) {
  // The days on site of every ended assignment that ended before `before`, each
  // calendar day once (a hand-over day ends one assignment and starts the next).
  std::vector<std::pair<Day, Day>> spans;
  for (const auto& a : assignments) {
    if (const Ending* e = a.ended(); e && e->date < before) spans.emplace_back(a.from, e->date);
  }
  std::sort(spans.begin(), spans.end());
  uint32_t days = 0;
  Day next = INT32_MIN;  // the first day not yet counted
  for (auto [from, to] : spans) {
    for (Day d = std::max(from, next); d <= to; ++d) {
      auto r = rest.Is(d);
      if (!r.ok()) return r.status();
      if (*r) ++days;
    }
    next = std::max(next, to + 1);
  }
  return days;
}

// Why a leave grant breaks R5.
struct LeaveBreach {
  enum Kind { kOnSite, kBeforeWork, kOverBalance };
  const Leave* grant = nullptr;
  Kind kind = kOnSite;
  const Assignment* on_site = nullptr;  // kOnSite: the assignment its first day falls in
  uint32_t accrued = 0;                 // kOverBalance: accrued before its first day
  uint64_t granted = 0;                 // kOverBalance: compensatory days up to and with it
};

// R5 over `grants` (live ones) with `assignments` (live ones), in the order of their
// first days: each grant starts after an ended assignment and off site, and the
// compensatory days granted up to each may not exceed what was accrued before it. The
// first grant that breaks it, or none. Append and retraction judge leave here alike.
Result<std::optional<LeaveBreach>> FirstLeaveBreach(RestDays& rest,
                                                    std::vector<const Leave*> grants,
                                                    const std::vector<Assignment>& assignments) {
  std::sort(grants.begin(), grants.end(), [](const Leave* a, const Leave* b) {
    return std::tie(a->from, a->seq) < std::tie(b->from, b->seq);
  });
  uint64_t granted = 0;
  for (const Leave* g : grants) {
    bool after_work = false;
    for (const auto& a : assignments) {
      if (g->from >= a.from && g->from <= a.last_day())
        return std::optional<LeaveBreach>(LeaveBreach{g, LeaveBreach::kOnSite, &a});
      if (const Ending* e = a.ended(); e && e->date < g->from) after_work = true;
    }
    if (!after_work) return std::optional<LeaveBreach>(LeaveBreach{g, LeaveBreach::kBeforeWork});
    if (g->kind != static_cast<int>(schema::LeaveKind::COMPENSATORY)) continue;
    granted += g->days;
    auto accrued = AccruedOn(rest, assignments, g->from);
    if (!accrued.ok()) return accrued.status();
    if (granted > *accrued) {
      return std::optional<LeaveBreach>(
          LeaveBreach{g, LeaveBreach::kOverBalance, nullptr, *accrued, granted});
    }
  }
  return std::optional<LeaveBreach>();
}

std::vector<const Leave*> LiveLeave(const Person& p) {
  std::vector<const Leave*> out;
  for (const auto& g : p.leave) {
    if (g.live()) out.push_back(&g);
  }
  return out;
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
    const Disbanding* d = Disbanded(*group);
    return Status::Refused("group '" + gid + "' is not active from " + S(a.getFrom()) + " to " +
                           S(a.getTo()) + " (formed " + FormatDay(group->formed) +
                           (d ? ", disbanded " + FormatDay(d->date) : std::string()) +
                           "); no assignment may run past its group (R7)");
  }
  // R16: a provincial department's staff work away from their own province.
  auto unit = Get<Unit>(state, UnitKey(person->unit));
  if (!unit.ok()) return unit.status();
  if (unit->has_value() && !(*unit)->province.empty() &&
      group->city.compare(0, 2, (*unit)->province) == 0) {
    return Status::Refused("person '" + pid + "' is staff of unit '" + person->unit +
                           "', a provincial department of province " + (*unit)->province +
                           ", and group '" + gid + "' works in its own province's city " +
                           group->city + "; enforcement is away from home (R16)");
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
  auto assignments = LiveAssignments(state, *person);
  if (!assignments.ok()) return assignments.status();
  Leave asked;
  asked.seq = UINT64_MAX;  // after every grant in force
  asked.days = l.getDays();
  asked.kind = static_cast<int>(l.getKind());
  asked.from = D(l.getFrom());
  auto grants = LiveLeave(*person);
  grants.push_back(&asked);
  RestDays rest(state);
  auto breach = FirstLeaveBreach(rest, std::move(grants), *assignments);
  if (!breach.ok()) return breach.status();
  if (!*breach) return Status::Ok();
  const LeaveBreach& b = **breach;
  if (b.grant != &asked) {
    return Status::Refused("granting " + std::to_string(asked.days) + " days from " +
                           S(l.getFrom()) + " would put the grant of seq " +
                           std::to_string(b.grant->seq) + " (from " + FormatDay(b.grant->from) +
                           ") over person '" + pid + "''s balance: accrued " +
                           std::to_string(b.accrued) + " before it, granted " +
                           std::to_string(b.granted) + " up to it (R5)");
  }
  switch (b.kind) {
    case LeaveBreach::kOnSite:
      return Status::Refused("leave from " + S(l.getFrom()) + " falls inside assignment '" +
                             b.on_site->id + "' (" + FormatDay(b.on_site->from) + " to " +
                             FormatDay(b.on_site->last_day()) +
                             "); leave is taken off site, after the work (R5)");
    case LeaveBreach::kBeforeWork:
      return Status::Refused("person '" + pid + "' has no assignment ended before " +
                             S(l.getFrom()) +
                             "; leave is granted after the work it compensates (R5)");
    case LeaveBreach::kOverBalance: {
      uint64_t before = b.granted - asked.days;
      return Status::Refused("person '" + pid + "' has " +
                             std::to_string(b.accrued - std::min<uint64_t>(before, b.accrued)) +
                             " days of compensatory leave left on " + S(l.getFrom()) +
                             " (accrued " + std::to_string(b.accrued) + " before it, granted " +
                             std::to_string(before) + "); " + std::to_string(asked.days) +
                             " asked (R5)");
    }
  }
  return Status::Ok();
}

Status CheckReport(const StateReader& state, const KeyInfo* signer, E::Reader event) {
  auto r = event.getReportFiled();
  std::string gid = S(r.getGroup());
  PROBITY_RETURN_IF_ERROR(Live<Group>(state, GroupKey(gid), "group", gid).status());
  if (!signer) return Status::Refused("a report needs a group leader's key");
  PROBITY_RETURN_IF_ERROR(
      Live<Person>(state, PersonKey(signer->person), "person", signer->person).status());
  auto leading = program_internal::LeadingAssignments(state, signer->person, gid, D(r.getDate()));
  if (!leading.ok()) return leading.status();
  if (!leading->empty()) return Status::Ok();
  return Status::Refused("the signer (person '" + signer->person + "') does not lead group '" +
                         gid + "' on " + S(r.getDate()) +
                         "; a group leader reports only for a group it leads on that date");
}

// R11, R12: a mark rests on an evaluation of the same subject, in force, dated on or
// before it; a commendation never on a poor grade, a criticism never on an outstanding
// one; a criticism's ground fits its subject.
Status CheckMark(const StateReader& state, schema::Subject::Reader subject, bool commendation,
                 std::optional<schema::Ground> ground, capnp::Text::Reader eval,
                 capnp::Text::Reader date) {
  PROBITY_RETURN_IF_ERROR(LiveSubject(state, subject));
  const char* rule = commendation ? " (R11)" : " (R12)";
  if (ground) {
    bool unit_ground = *ground == schema::Ground::POOR_ORGANISATION;
    if (unit_ground == subject.isPerson()) {
      return Status::Refused(std::string("ground '") + EnumName(*ground) + "' applies to " +
                             (unit_ground ? "units" : "persons") + " only, and the subject is a " +
                             (subject.isPerson() ? "person" : "unit") + " (R12)");
    }
  }
  auto e = Live<Evaluation>(state, EvaluationKey(S(eval)), "evaluation", S(eval));
  if (!e.ok()) return e.status().WithContext(std::string("cited evaluation") + rule);
  std::string subject_id = subject.isPerson() ? S(subject.getPerson()) : S(subject.getUnit());
  if (e->subject_is_person != subject.isPerson() || e->subject != subject_id) {
    return Status::Refused("evaluation '" + S(eval) + "' is about " +
                           (e->subject_is_person ? "person '" : "unit '") + e->subject +
                           "', not this subject" + rule);
  }
  if (e->date > D(date)) {
    return Status::Refused("evaluation '" + S(eval) + "' is dated " + FormatDay(e->date) +
                           ", after this " + (commendation ? "commendation" : "criticism") +
                           " of " + S(date) + "; a mark rests on an earlier evaluation" + rule);
  }
  auto grade = static_cast<schema::Grade>(e->grade);
  if (commendation && grade == schema::Grade::POOR) {
    return Status::Refused("evaluation '" + S(eval) +
                           "' is graded poor; a commendation may not rest on it (R11)");
  }
  if (!commendation && grade == schema::Grade::OUTSTANDING) {
    return Status::Refused("evaluation '" + S(eval) +
                           "' is graded outstanding; a criticism may not rest on it (R12)");
  }
  return Status::Ok();
}

// R8: a city's temporary party branch is formed by the party organisation of the unit
// that leads the city's central group on that date, with a secretary on site there.
Status CheckBranch(const StateReader& state, const KeyInfo* signer, E::Reader event) {
  auto b = event.getPartyBranchFormed();
  std::string code = S(b.getCity()), lead = S(b.getLeadUnit()), sec = S(b.getSecretary());
  Day date = D(b.getDate());
  auto city = Live<City>(state, CityKey(code), "city", code);
  if (!city.ok()) return city.status();
  PROBITY_RETURN_IF_ERROR(Live<Unit>(state, UnitKey(lead), "unit", lead).status());
  auto secretary = Live<Person>(state, PersonKey(sec), "person", sec);
  if (!secretary.ok()) return secretary.status();
  if (signer && signer->unit != lead) {
    return Status::Refused("the signing party-committee key belongs to unit '" + signer->unit +
                           "', not to the branch's lead unit '" + lead + "' (R8)");
  }
  std::optional<std::string> central_lead;
  for (const auto& gid : city->groups) {
    auto g = Get<Group>(state, GroupKey(gid));
    if (!g.ok()) return g.status();
    if (g->has_value() && (*g)->live() &&
        (*g)->kind == static_cast<int>(schema::GroupKind::CENTRAL) && GroupActiveOn(**g, date)) {
      central_lead = (*g)->lead_unit;
    }
  }
  if (!central_lead) {
    return Status::Refused("city " + code + " has no central group on " + S(b.getDate()) +
                           "; its branch is led by the unit leading the central group (R8)");
  }
  if (*central_lead != lead) {
    return Status::Refused("unit '" + lead + "' does not lead city " + code +
                           "'s central group on " + S(b.getDate()) + " (unit '" + *central_lead +
                           "' does); the branch is managed by the leading unit (R8)");
  }
  auto assignments = LiveAssignments(state, *secretary);
  if (!assignments.ok()) return assignments.status();
  for (const auto& a : *assignments) {
    if (a.from > date || date > a.last_day()) continue;
    auto g = Get<Group>(state, GroupKey(a.group));
    if (!g.ok()) return g.status();
    if (g->has_value() && (*g)->city == code) return Status::Ok();
  }
  return Status::Refused("secretary '" + sec + "' is not on site in city " + code + " on " +
                         S(b.getDate()) + " (R8)");
}

// R9, R17: a missed target is explained by the guarantor unit's principal, on or after
// the assessment.
Status CheckExplanation(const StateReader& state, E::Reader event) {
  auto x = event.getExplanationSubmitted();
  auto city = Live<City>(state, CityKey(S(x.getCity())), "city", S(x.getCity()));
  if (!city.ok()) return city.status();
  const Target* missed = nullptr;
  for (const auto& t : city->targets) {
    if (t.live() && !t.met && t.year == x.getYear() && t.scope == static_cast<int>(x.getScope()))
      missed = &t;
  }
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
  std::string uid = S(x.getUnit());
  if (uid != city->guarantor) {
    return Status::Refused("unit '" + uid + "' is not the guarantor of " + S(x.getCity()) +
                           " (R9)");
  }
  Day date = D(x.getDate());
  if (date < missed->date) {
    return Status::Refused("the explanation of " + S(x.getDate()) + " predates the assessment of " +
                           FormatDay(missed->date) + " (seq " + std::to_string(missed->seq) +
                           ") (R9)");
  }
  auto unit = Live<Unit>(state, UnitKey(uid), "unit", uid);
  if (!unit.ok()) return unit.status();
  const Principal* principal = unit->principal_on(date);
  if (!principal) {
    return Status::Refused("unit '" + uid + "' has no principal recorded on " + S(x.getDate()) +
                           "; HR names it with principalNamed (R17)");
  }
  if (principal->name != S(x.getPrincipal())) {
    return Status::Refused("the explanation names '" + S(x.getPrincipal()) + "', but unit '" + uid +
                           "''s principal on " + S(x.getDate()) + " is '" + principal->name +
                           "' (seq " + std::to_string(principal->seq) + ") (R17)");
  }
  return Status::Ok();
}

// R5: a year's holiday schedule: real dates of that year, none both a holiday and a
// make-up working day, and every make-up working day a Saturday or Sunday.
Status CheckCalendar(E::Reader event) {
  auto c = event.getCalendarPublished();
  int year = c.getYear();
  std::set<Day> holidays;
  auto dates = [&](capnp::List<capnp::Text>::Reader list, const char* field,
                   std::set<Day>* out) -> Status {
    for (size_t i = 0; i < list.size(); ++i) {
      auto day = ParseDay(list[i].cStr());
      std::string where = std::string("'") + field + "[" + std::to_string(i) + "]' ";
      if (!day) return Status::Refused(where + "'" + S(list[i]) + "' is not a date YYYY-MM-DD");
      if (YearOf(*day) != year) {
        return Status::Refused(where + S(list[i]) + " is not in " + std::to_string(year) + " (R5)");
      }
      if (!out->insert(*day).second)
        return Status::Refused(where + S(list[i]) + " is listed twice");
    }
    return Status::Ok();
  };
  PROBITY_RETURN_IF_ERROR(dates(c.getHolidays(), "holidays", &holidays));
  std::set<Day> workdays;
  PROBITY_RETURN_IF_ERROR(dates(c.getWorkdays(), "workdays", &workdays));
  for (Day d : workdays) {
    if (holidays.count(d))
      return Status::Refused(FormatDay(d) + " is both a holiday and a make-up working day (R5)");
    if (!IsWeekend(d)) {
      return Status::Refused("make-up working day " + FormatDay(d) +
                             " is not a Saturday or Sunday (R5)");
    }
  }
  return Status::Ok();
}

// R15: the events still in force that rely on `target`, which its withdrawal would leave
// breaking a rule. Refused naming the first such event and the rule it would break.
Status Relied(uint64_t dependant, const std::string& what, const char* rule) {
  return Status::Refused("seq " + std::to_string(dependant) + " (" + what + ") relies on it " +
                         rule + "; retract that first (R15)");
}

// The first record named in `ids` (read at key_of(id)) that is in force, made after
// `target` and, if given, passes `also`: an event that relies on what `target` registered.
// The values of the records under `prefix`, in key order (an index of ids by seq: the
// order they were made in).
Result<std::vector<std::string>> Values(const StateReader& state, const std::string& prefix) {
  auto records = state.Scan(prefix);
  if (!records.ok()) return records.status();
  std::vector<std::string> out;
  out.reserve(records->size());
  for (auto& [key, value] : *records) out.push_back(std::move(value));
  return out;
}

template <typename T>
Result<std::optional<std::pair<std::string, uint64_t>>> FirstLiveAfter(
    const StateReader& state, const std::vector<std::string>& ids,
    std::string (*key_of)(const std::string&), uint64_t target,
    const std::function<bool(const T&)>& also = nullptr) {
  for (const auto& id : ids) {
    auto r = Get<T>(state, key_of(id));
    if (!r.ok()) return r.status();
    if (r->has_value() && (*r)->live() && (*r)->seq > target && (!also || also(**r)))
      return std::optional<std::pair<std::string, uint64_t>>({id, (*r)->seq});
  }
  return std::optional<std::pair<std::string, uint64_t>>();
}

template <typename T>
const T* LiveItemAfter(const std::vector<T>& items, uint64_t target) {
  for (const auto& i : items) {
    if (i.live() && i.seq > target) return &i;
  }
  return nullptr;
}

// What breaks, in words: "leave from 2019-06-01, now inside assignment 'A1'".
std::string DescribeBreach(const std::string& pid, const LeaveBreach& b) {
  std::string from = FormatDay(b.grant->from);
  switch (b.kind) {
    case LeaveBreach::kOnSite:
      return "leave from " + from + ", now inside assignment '" + b.on_site->id + "'";
    case LeaveBreach::kBeforeWork:
      return "leave from " + from + ", after no ended assignment";
    case LeaveBreach::kOverBalance:
      return "compensatory leave of person '" + pid + "' from " + from + ", over the " +
             std::to_string(b.accrued) + " days accrued before it";
  }
  return "leave from " + from;
}

// R5 over `p`'s grants in force with `assignments` and the rest days of `rest`, as a
// dependant check: refused naming the first grant the change would break.
Status LeaveHolds(RestDays& rest, const std::string& pid, const Person& p,
                  const std::vector<Assignment>& assignments) {
  auto breach = FirstLeaveBreach(rest, LiveLeave(p), assignments);
  if (!breach.ok()) return breach.status();
  if (!*breach) return Status::Ok();
  return Relied((*breach)->grant->seq, DescribeBreach(pid, **breach), "(R5)");
}

// R5: the leave of everyone who served in `year` still holds with `edition` as that
// year's schedule (none: weekends only). Refused naming the first grant it would break,
// as a retraction's dependant or, when `publishing`, as what a new schedule breaks.
Status CalendarKeepsLeave(const StateReader& state, int year,
                          std::optional<CalendarEdition> edition, bool publishing) {
  auto served = state.Scan(ServedPrefix(year));
  if (!served.ok()) return served.status();
  RestDays rest(state, year, std::move(edition));
  for (const auto& [key, unused] : *served) {
    std::string pid = key.substr(ServedPrefix(year).size());
    auto p = Get<Person>(state, PersonKey(pid));
    if (!p.ok()) return p.status();
    if (!p->has_value() || !(*p)->live() || LiveLeave(**p).empty()) continue;
    auto assignments = LiveAssignments(state, **p);
    if (!assignments.ok()) return assignments.status();
    auto breach = FirstLeaveBreach(rest, LiveLeave(**p), *assignments);
    if (!breach.ok()) return breach.status();
    if (!*breach) continue;
    if (!publishing) return Relied((*breach)->grant->seq, DescribeBreach(pid, **breach), "(R5)");
    return Status::Refused("with this schedule, seq " + std::to_string((*breach)->grant->seq) +
                           " (" + DescribeBreach(pid, **breach) +
                           ") would no longer hold (R5); retract or reduce that grant first (R15)");
  }
  return Status::Ok();
}

Status CheckDependants(const StateReader& state, uint64_t target, E::Which type,
                       const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Ok();
  const std::string& key = keys[0];
  switch (type) {
    case E::PERSON_REGISTERED: {
      auto p = Get<Person>(state, key);
      if (!p.ok()) return p.status();
      if (!p->has_value()) return Status::Ok();
      const Person& r = **p;
      if (auto* t = LiveItemAfter(r.training, target)) return Relied(t->seq, "training", "(R2)");
      if (auto* t = LiveItemAfter(r.restrictions, target))
        return Relied(t->seq, "a restriction", "(R1)");
      if (auto* t = LiveItemAfter(r.lifts, target))
        return Relied(t->seq, "a restriction lifted", "(R1)");
      if (auto* t = LiveItemAfter(r.leave, target)) return Relied(t->seq, "leave granted", "(R5)");
      if (auto* t = LiveItemAfter(r.marks, target)) return Relied(t->seq, "a mark", "(R11, R12)");
      auto assignments = LiveAssignments(state, r);
      if (!assignments.ok()) return assignments.status();
      for (const auto& a : *assignments) {
        if (a.seq > target) return Relied(a.seq, "assignment '" + a.id + "'", "(R3)");
      }
      auto e = FirstLiveAfter<Evaluation>(state, r.evaluations, EvaluationKey, target);
      if (!e.ok()) return e.status();
      if (*e) return Relied((*e)->second, "evaluation '" + (*e)->first + "'", "(R10)");
      return Status::Ok();
    }
    case E::UNIT_REGISTERED: {
      auto u = Get<Unit>(state, key);
      if (!u.ok()) return u.status();
      if (!u->has_value()) return Status::Ok();
      const Unit& r = **u;
      std::string uid = key.substr(2);
      auto persons = Values(state, UnitPersonPrefix(uid));
      if (!persons.ok()) return persons.status();
      auto person = FirstLiveAfter<Person>(state, *persons, PersonKey, target,
                                           [&](const Person& p) { return p.unit == uid; });
      if (!person.ok()) return person.status();
      if (*person)
        return Relied((*person)->second, "person '" + (*person)->first + "' registered to it",
                      "(R4)");
      auto group = FirstLiveAfter<Group>(state, r.groups, GroupKey, target,
                                         [&](const Group& g) { return g.lead_unit == uid; });
      if (!group.ok()) return group.status();
      if (*group)
        return Relied((*group)->second, "group '" + (*group)->first + "' it leads", "(R7)");
      auto city = FirstLiveAfter<City>(state, r.cities, CityKey, target,
                                       [&](const City& c) { return c.guarantor == uid; });
      if (!city.ok()) return city.status();
      if (*city)
        return Relied((*city)->second, "city " + (*city)->first + " it guarantees", "(R9)");
      auto e = FirstLiveAfter<Evaluation>(state, r.evaluations, EvaluationKey, target);
      if (!e.ok()) return e.status();
      if (*e) return Relied((*e)->second, "evaluation '" + (*e)->first + "'", "(R10)");
      if (auto* t = LiveItemAfter(r.marks, target)) return Relied(t->seq, "a mark", "(R11, R12)");
      if (auto* t = LiveItemAfter(r.principals, target))
        return Relied(t->seq, "its principal named", "(R17)");
      return Status::Ok();
    }
    case E::CITY_REGISTERED: {
      auto c = Get<City>(state, key);
      if (!c.ok()) return c.status();
      if (!c->has_value()) return Status::Ok();
      auto group = FirstLiveAfter<Group>(state, (*c)->groups, GroupKey, target);
      if (!group.ok()) return group.status();
      if (*group) return Relied((*group)->second, "group '" + (*group)->first + "'", "(R7)");
      if (auto* t = LiveItemAfter((*c)->branches, target))
        return Relied(t->seq, "its party branch", "(R8)");
      if (auto* t = LiveItemAfter((*c)->targets, target))
        return Relied(t->seq, "a target assessed", "(R9)");
      if (auto* t = LiveItemAfter((*c)->explanations, target))
        return Relied(t->seq, "an explanation", "(R9)");
      return Status::Ok();
    }
    case E::GROUP_FORMED: {
      auto g = Get<Group>(state, key);
      if (!g.ok()) return g.status();
      if (!g->has_value()) return Status::Ok();
      auto assignments = Values(state, GroupAssignmentPrefix(key.substr(2)));
      if (!assignments.ok()) return assignments.status();
      for (const auto& id : *assignments) {
        auto a = Get<Assignment>(state, AssignmentKey(id));
        if (!a.ok()) return a.status();
        if (a->has_value() && (*a)->live())
          return Relied((*a)->seq, "assignment '" + id + "'", "(R7)");
      }
      if (auto* t = LiveItemAfter((*g)->disbandings, target))
        return Relied(t->seq, "its disbanding", "(R7)");
      return Status::Ok();
    }
    case E::ASSIGNMENT_MADE: {
      auto a = Get<Assignment>(state, key);
      if (!a.ok()) return a.status();
      if (!a->has_value()) return Status::Ok();
      if (const Ending* e = (*a)->ended()) return Relied(e->seq, "its ending", "(R15)");
      auto p = Get<Person>(state, PersonKey((*a)->person));
      if (!p.ok()) return p.status();
      if (!p->has_value()) return Status::Ok();
      auto others = LiveAssignments(state, **p);
      if (!others.ok()) return others.status();
      for (const auto& r : (*a)->reports) {
        // Another assignment leading the group that day (a hand-over day) files it too.
        bool carried =
            r.live() && std::any_of(others->begin(), others->end(), [&](const Assignment& o) {
              return o.seq != target && o.group == (*a)->group &&
                     o.position == static_cast<int>(schema::Position::LEADER) && o.from <= r.date &&
                     r.date <= o.last_day();
            });
        if (r.live() && !carried) {
          return Relied(r.seq, "a report of " + FormatDay(r.date) + " filed as the group's leader",
                        "(a group leader reports only while leading the group)");
        }
      }
      // A branch whose secretary was on site in the city only by this assignment (R8).
      auto g = Get<Group>(state, GroupKey((*a)->group));
      if (!g.ok()) return g.status();
      if (!g->has_value()) return Status::Ok();
      auto c = Get<City>(state, CityKey((*g)->city));
      if (!c.ok()) return c.status();
      if (!c->has_value()) return Status::Ok();
      for (const auto& b : (*c)->branches) {
        if (!b.live() || b.secretary != (*a)->person || b.date < (*a)->from ||
            b.date > (*a)->last_day())
          continue;
        bool still = false;
        for (const auto& o : *others) {
          if (o.seq == target || o.from > b.date || o.last_day() < b.date) continue;
          auto og = Get<Group>(state, GroupKey(o.group));
          if (!og.ok()) return og.status();
          if (og->has_value() && (*og)->city == (*g)->city) still = true;
        }
        if (!still)
          return Relied(b.seq, "the party branch whose secretary it puts on site", "(R8)");
      }
      return Status::Ok();
    }
    case E::TRAINING_COMPLETED:
    case E::RESTRICTION_RECORDED:
    case E::RESTRICTION_LIFTED:
    case E::ASSIGNMENT_ENDED: {
      // Re-check the person's assignments and leave without the withdrawn event.
      std::string pid;
      if (type == E::ASSIGNMENT_ENDED) {
        auto a = Get<Assignment>(state, key);
        if (!a.ok()) return a.status();
        if (!a->has_value()) return Status::Ok();
        pid = (*a)->person;
      } else {
        pid = key.substr(2);
      }
      auto p = Get<Person>(state, PersonKey(pid));
      if (!p.ok()) return p.status();
      if (!p->has_value()) return Status::Ok();
      Person r = **p;
      auto drop = [&](auto& items) {
        for (auto& i : items) {
          if (i.seq == target) i.withdrawn_by = UINT64_MAX;
        }
      };
      drop(r.training);
      drop(r.restrictions);
      drop(r.lifts);
      auto assignments = LiveAssignments(state, r);
      if (!assignments.ok()) return assignments.status();
      for (auto& a : *assignments) drop(a.endings);
      if (type == E::ASSIGNMENT_ENDED) {
        // The assignment runs to its planned end again: not past its group (R7).
        for (const auto& a : *assignments) {
          if (AssignmentKey(a.id) != key) continue;
          auto g = Get<Group>(state, GroupKey(a.group));
          if (!g.ok()) return g.status();
          if (!g->has_value()) continue;
          for (const auto& d : (*g)->disbandings) {
            if (d.live() && d.date < a.last_day())
              return Relied(d.seq,
                            "the disbanding of group '" + a.group + "' on " + FormatDay(d.date),
                            "(R7)");
          }
        }
      }
      // Each assignment as its own append saw the person: the items recorded before it.
      auto before = [](auto items, uint64_t seq) {
        for (auto& i : items) {
          if (i.seq >= seq) i.withdrawn_by = UINT64_MAX;
        }
        return items;
      };
      for (const auto& a : *assignments) {
        if (a.seq < target) continue;
        Person then = r;
        then.restrictions = before(r.restrictions, a.seq);
        then.lifts = before(r.lifts, a.seq);
        if (RestrictedDuring(then, a.from, a.to))
          return Relied(a.seq, "assignment '" + a.id + "', made while no restriction was in force",
                        "(R1)");
        for (auto course : {schema::Course::BUSINESS, schema::Course::INTEGRITY}) {
          bool done = std::any_of(r.training.begin(), r.training.end(), [&](const Training& t) {
            return t.live() && t.seq < a.seq && t.course == static_cast<int>(course) &&
                   t.date <= a.from;
          });
          if (!done)
            return Relied(a.seq, "assignment '" + a.id + "', made on that training", "(R2)");
        }
      }
      // A lift must find a restriction in force on its date.
      for (const auto& l : r.lifts) {
        if (!l.live() || l.seq < target) continue;
        Person then = r;
        then.restrictions = before(r.restrictions, l.seq);
        then.lifts = before(r.lifts, l.seq);
        if (!RestrictedDuring(then, l.date, l.date))
          return Relied(l.seq, "the restriction lifted on " + FormatDay(l.date), "(R1)");
      }
      RestDays rest(state);
      return LeaveHolds(rest, pid, r, *assignments);
    }
    case E::EVALUATION_RECORDED: {
      auto e = Get<Evaluation>(state, key);
      if (!e.ok()) return e.status();
      if (!e->has_value()) return Status::Ok();
      std::vector<Mark> marks;
      if ((*e)->subject_is_person) {
        auto p = Get<Person>(state, PersonKey((*e)->subject));
        if (!p.ok()) return p.status();
        if (p->has_value()) marks = (*p)->marks;
      } else {
        auto u = Get<Unit>(state, UnitKey((*e)->subject));
        if (!u.ok()) return u.status();
        if (u->has_value()) marks = (*u)->marks;
      }
      std::string eid = key.substr(2);
      for (const auto& m : marks) {
        if (m.live() && m.evaluation == eid)
          return Relied(m.seq,
                        m.commendation ? "a commendation citing it" : "a criticism citing it",
                        m.commendation ? "(R11)" : "(R12)");
      }
      return Status::Ok();
    }
    case E::PRINCIPAL_NAMED: {
      auto u = Get<Unit>(state, key);
      if (!u.ok()) return u.status();
      if (!u->has_value()) return Status::Ok();
      Unit r = **u;
      for (auto& p : r.principals) {
        if (p.seq == target) p.withdrawn_by = UINT64_MAX;
      }
      std::string uid = key.substr(2);
      for (const auto& code : r.cities) {
        auto c = Get<City>(state, CityKey(code));
        if (!c.ok()) return c.status();
        if (!c->has_value()) continue;
        for (const auto& x : (*c)->explanations) {
          if (!x.live() || x.unit != uid) continue;
          const Principal* in_office = r.principal_on(x.date);
          if (!in_office || in_office->name != x.principal)
            return Relied(x.seq, "the explanation naming '" + x.principal + "'", "(R17)");
        }
      }
      return Status::Ok();
    }
    case E::CALENDAR_PUBLISHED: {
      // The year falls back on the edition before this one, or on weekends only.
      auto c = Get<Calendar>(state, key);
      if (!c.ok()) return c.status();
      if (!c->has_value()) return Status::Ok();
      Calendar r = **c;
      for (auto& e : r.editions) {
        if (e.seq == target) e.withdrawn_by = UINT64_MAX;
      }
      std::optional<CalendarEdition> edition;
      if (const CalendarEdition* e = r.in_force()) edition = *e;
      return CalendarKeepsLeave(state, std::stoi(key.substr(2)), std::move(edition), false);
    }
    case E::TARGET_ASSESSED: {
      auto c = Get<City>(state, key);
      if (!c.ok()) return c.status();
      if (!c->has_value()) return Status::Ok();
      const Target* t = nullptr;
      for (const auto& x : (*c)->targets) {
        if (x.seq == target) t = &x;
      }
      if (!t) return Status::Ok();
      for (const auto& x : (*c)->explanations) {
        if (x.live() && x.year == t->year && x.scope == t->scope)
          return Relied(x.seq, "the explanation of that target", "(R9)");
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
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
  return CheckDependants(state, target, type, (*touch)->keys);
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
    if (end < r.from) continue;  // lifted on its first day: never in force
    if (r.from <= to && from <= end) return true;
  }
  return false;
}

Result<uint32_t> AccruedLeave(const StateReader& state, const Person& person, Day before) {
  auto assignments = LiveAssignments(state, person);
  if (!assignments.ok()) return assignments.status();
  return AccruedBy(state, *assignments, before);
}

Result<uint32_t> AccruedBy(const StateReader& state, const std::vector<Assignment>& assignments,
                           Day before) {
  RestDays rest(state);
  return AccruedOn(rest, assignments, before);
}

// A key scoped to a unit or a person acts only while that registration is in force:
// retracting a unit's registration disables its keys (R15).
Status CheckKeyInForce(const StateReader& state, const KeyInfo& signer) {
  if (!signer.unit.empty()) {
    auto u = Get<Unit>(state, UnitKey(signer.unit));
    if (!u.ok()) return u.status();
    if (u->has_value() && !(*u)->live()) {
      return Status::Refused("the signing key's unit '" + signer.unit + "' was withdrawn at seq " +
                             std::to_string((*u)->withdrawn_by) + "; its keys are disabled (R15)");
    }
  }
  if (!signer.person.empty()) {
    auto p = Get<Person>(state, PersonKey(signer.person));
    if (!p.ok()) return p.status();
    if (p->has_value() && !(*p)->live()) {
      return Status::Refused("the signing key's person '" + signer.person +
                             "' was withdrawn at seq " + std::to_string((*p)->withdrawn_by) +
                             "; the key is disabled (R15)");
    }
  }
  return Status::Ok();
}

// R4: a dispatcher's key acts only for persons registered to its own unit; an ending
// follows the assignment's person, not the signer's say-so.
Status CheckDispatcherScope(const StateReader& state, const KeyInfo& signer, E::Reader event) {
  std::string person;
  if (event.isAssignmentMade()) person = S(event.getAssignmentMade().getPerson());
  if (event.isTrainingCompleted()) person = S(event.getTrainingCompleted().getPerson());
  if (event.isAssignmentEnded()) {
    std::string id = S(event.getAssignmentEnded().getAssignment());
    auto a = Live<Assignment>(state, AssignmentKey(id), "assignment", id);
    if (!a.ok()) return a.status();
    person = a->person;
  }
  auto p = Live<Person>(state, PersonKey(person), "person", person);
  if (!p.ok()) return p.status();
  if (p->unit != signer.unit) {
    return Status::Refused("person '" + person + "' belongs to unit '" + p->unit +
                           "', not to the dispatcher's unit '" + signer.unit + "' (R4)");
  }
  return Status::Ok();
}

// R9: a guarantor's key explains only for cities its unit guarantees, as that unit.
Status CheckGuarantorScope(const StateReader& state, const KeyInfo& signer, E::Reader event) {
  auto x = event.getExplanationSubmitted();
  std::string code = S(x.getCity());
  auto city = Live<City>(state, CityKey(code), "city", code);
  if (!city.ok()) return city.status();
  if (city->guarantor != signer.unit) {
    return Status::Refused("city '" + code + "' is guaranteed by unit '" + city->guarantor +
                           "', not by the key's unit '" + signer.unit + "' (R9)");
  }
  if (S(x.getUnit()) != signer.unit) {
    return Status::Refused("a guarantor key may explain only for its own unit '" + signer.unit +
                           "' (R9)");
  }
  return Status::Ok();
}

// A key's scope names a unit or person in force (ledger/authority.cc checks which roles
// carry which scope).
Status CheckKeyScope(const StateReader& state, schema::KeyRegistered::Reader k) {
  if (k.hasUnit())
    return Live<Unit>(state, UnitKey(S(k.getUnit())), "unit", S(k.getUnit())).status();
  if (k.hasPerson()) {
    return Live<Person>(state, PersonKey(S(k.getPerson())), "person", S(k.getPerson())).status();
  }
  return Status::Ok();
}

// What the signer's scope allows (R4, R9, R15); a key without scope is judged by its
// role alone, in ledger/authority.cc. `signer` is null only for the genesis entry.
Status CheckSignerScope(const StateReader& state, const KeyInfo* signer, E::Reader event) {
  if (!signer) return Status::Ok();
  PROBITY_RETURN_IF_ERROR(CheckKeyInForce(state, *signer));
  switch (signer->role) {
    case schema::Role::DISPATCHER:
      return CheckDispatcherScope(state, *signer, event);
    case schema::Role::GUARANTOR:
      return CheckGuarantorScope(state, *signer, event);
    default:
      return Status::Ok();
  }
}

Status ProgramRules::Check(const StateReader& state, uint64_t seq, const KeyInfo* signer,
                           E::Reader event) const {
  PROBITY_RETURN_IF_ERROR(CheckSignerScope(state, signer, event));
  switch (event.which()) {
    case E::INVALID:
      return Status::Invalid("event has no type");
    case E::KEY_REGISTERED:
      return CheckKeyScope(state, event.getKeyRegistered());
    case E::KEY_REVOKED:
      return Status::Ok();  // ledger/authority.cc
    case E::UNIT_REGISTERED: {
      auto u = event.getUnitRegistered();
      bool provincial = u.getKind() == schema::UnitKind::PROVINCIAL_DEPARTMENT;
      if (provincial != u.hasProvince()) {
        return Status::Refused(
            provincial ? "a provincialDepartment needs field 'province' (R16)"
                       : "field 'province' applies only to a provincialDepartment (R16)");
      }
      if (provincial) {
        std::string p = S(u.getProvince());
        if (p.size() != 2 || p.find_first_not_of("0123456789") != std::string::npos || p == "00") {
          return Status::Refused("field 'province' '" + p +
                                 "' is not a two-digit GB/T 2260 province code (R16)");
        }
      }
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
      Day date = D(d.getDate());
      if (date < g->formed)
        return Status::Refused("group '" + gid + "' was formed after " + S(d.getDate()));
      auto assignments = Values(state, GroupAssignmentPrefix(gid));
      if (!assignments.ok()) return assignments.status();
      for (const auto& id : *assignments) {
        auto a = Get<Assignment>(state, AssignmentKey(id));
        if (!a.ok()) return a.status();
        if (a->has_value() && (*a)->live() && (*a)->last_day() > date) {
          return Status::Refused(
              "assignment '" + id + "' to group '" + gid + "' runs to " +
              FormatDay((*a)->last_day()) + ", past " + S(d.getDate()) +
              "; end it first: a group is not disbanded while staff serve in it (R7)");
        }
      }
      return Status::Ok();
    }
    case E::PARTY_BRANCH_FORMED: {
      return CheckBranch(state, signer, event);
    }
    case E::TRAINING_COMPLETED: {
      auto t = event.getTrainingCompleted();
      if (t.getMode() == schema::TrainingMode::OTHER && (!t.hasNote() || t.getNote().size() == 0))
        return Status::Refused("training mode 'other' needs a 'note' saying which (R2)");
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
      static const std::pair<schema::Recipient, const char*> kRequired[] = {
          {schema::Recipient::MINISTRY_LEADERS, "ministryLeaders"},
          {schema::Recipient::HR_DEPARTMENT, "hrDepartment"},
          {schema::Recipient::PARTY_COMMITTEE, "partyCommittee"},
          {schema::Recipient::SENDING_UNIT, "sendingUnit"}};
      std::string missing;
      for (const auto& [r, name] : kRequired) {
        if (!seen.count(static_cast<int>(r)))
          missing += (missing.empty() ? "" : ", ") + std::string(name);
      }
      if (!missing.empty()) {
        return Status::Refused("'distributedTo' lacks " + missing +
                               "; results are reported to the ministry leaders and copied to HR, "
                               "the party committee and the sending unit (R10)");
      }
      return Status::Ok();
    }
    case E::COMMENDATION_ISSUED: {
      auto c = event.getCommendationIssued();
      return CheckMark(state, c.getSubject(), true, std::nullopt, c.getEvaluation(), c.getDate());
    }
    case E::CRITICISM_ISSUED: {
      auto c = event.getCriticismIssued();
      return CheckMark(state, c.getSubject(), false, c.getGround(), c.getEvaluation(), c.getDate());
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
    case E::EXPLANATION_SUBMITTED:
      return CheckExplanation(state, event);
    case E::RETRACTION:
      return CheckRetraction(state, seq, event);
    case E::PRINCIPAL_NAMED: {
      auto p = event.getPrincipalNamed();
      return Live<Unit>(state, UnitKey(S(p.getUnit())), "unit", S(p.getUnit())).status();
    }
    case E::CALENDAR_PUBLISHED: {
      PROBITY_RETURN_IF_ERROR(CheckCalendar(event));
      auto c = event.getCalendarPublished();
      CalendarEdition edition;
      for (auto d : c.getHolidays()) edition.holidays.push_back(D(d));
      for (auto d : c.getWorkdays()) edition.workdays.push_back(D(d));
      std::sort(edition.holidays.begin(), edition.holidays.end());
      std::sort(edition.workdays.begin(), edition.workdays.end());
      return CalendarKeepsLeave(state, c.getYear(), std::move(edition), true);
    }
    case E::ERASURE:
      return Status::Ok();  // ledger/ledger.cc checks an erasure's target
  }
  return Status::Invalid("unknown event type");
}

namespace program_internal {

Result<std::vector<std::string>> LeadingAssignments(const StateReader& state,
                                                    const std::string& person,
                                                    const std::string& group, Day day) {
  std::vector<std::string> out;
  auto p = Get<Person>(state, PersonKey(person));
  if (!p.ok()) return p.status();
  if (!p->has_value()) return out;
  auto assignments = LiveAssignments(state, **p);
  if (!assignments.ok()) return assignments.status();
  for (const auto& a : *assignments) {
    if (a.group == group && a.position == static_cast<int>(schema::Position::LEADER) &&
        a.from <= day && day <= a.last_day())
      out.push_back(a.id);
  }
  return out;
}

}  // namespace program_internal

}  // namespace probity
