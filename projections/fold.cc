// The fold: how each event changes the read models (projections/records.h), and how
// a retraction (R15) withdraws what an earlier event made. ProgramRules::Check, in
// program.cc, has already accepted the event against the same state.
#include <algorithm>

#include "projections/program.h"
#include "projections/program_internal.h"

namespace probity {
namespace {

using namespace records;
using program_internal::D;
using program_internal::S;
using E = schema::Event;

// The record to register into: a fresh one, or the withdrawn one it corrects.
template <typename T>
Result<T> Registration(StateTxn& txn, const std::string& key, uint64_t seq) {
  auto r = Get<T>(txn, key);
  if (!r.ok()) return r.status();
  T record = r->has_value() ? std::move(**r) : T{};
  record.seq = seq;
  record.withdrawn_by = 0;
  return record;
}

// Marks every item made by `target` in `list` as withdrawn by `by`.
template <typename T>
void Withdraw(std::vector<T>& list, uint64_t target, uint64_t by) {
  for (auto& item : list) {
    if (item.seq == target && item.live()) item.withdrawn_by = by;
  }
}
template <typename T>
void WithdrawSelf(T& record, uint64_t target, uint64_t by) {
  if (record.seq == target && record.live()) record.withdrawn_by = by;
}

void AddOnce(std::vector<std::string>& list, const std::string& id) {
  if (std::find(list.begin(), list.end(), id) == list.end()) list.push_back(id);
}

template <typename T, typename F>
Status Update(StateTxn& txn, const std::string& key, F&& change) {
  auto r = Get<T>(txn, key);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return Status::Corrupt("state record '" + key + "' is missing");
  change(**r);
  Put(txn, key, **r);
  return Status::Ok();
}

Status ApplyRetraction(StateTxn& txn, uint64_t seq, uint64_t target) {
  auto touch = Get<Touch>(txn, TouchKey(target));
  if (!touch.ok()) return touch.status();
  if (!touch->has_value())
    return Status::Corrupt("no record of what seq " + std::to_string(target) + " touched");
  txn.Put(WithdrawnKey(target), std::to_string(seq));
  for (const auto& key : (*touch)->keys) {
    Status st;
    switch (key[0]) {
      case 'p':
        st = Update<Person>(txn, key, [&](Person& p) {
          WithdrawSelf(p, target, seq);
          Withdraw(p.training, target, seq);
          Withdraw(p.restrictions, target, seq);
          Withdraw(p.lifts, target, seq);
          Withdraw(p.leave, target, seq);
          Withdraw(p.marks, target, seq);
        });
        break;
      case 'u':
        st = Update<Unit>(txn, key, [&](Unit& u) {
          WithdrawSelf(u, target, seq);
          Withdraw(u.marks, target, seq);
          Withdraw(u.principals, target, seq);
        });
        break;
      case 'h': {
        auto cal = Get<Calendar>(txn, key);
        if (!cal.ok()) return cal.status();
        if (!cal->has_value()) return Status::Corrupt("state record '" + key + "' is missing");
        Withdraw((*cal)->editions, target, seq);
        Put(txn, key, **cal);
        break;
      }
      case 'c':
        st = Update<City>(txn, key, [&](City& c) {
          WithdrawSelf(c, target, seq);
          Withdraw(c.branches, target, seq);
          Withdraw(c.targets, target, seq);
          Withdraw(c.explanations, target, seq);
        });
        break;
      case 'g':
        st = Update<Group>(txn, key, [&](Group& g) {
          WithdrawSelf(g, target, seq);
          Withdraw(g.disbandings, target, seq);
        });
        break;
      case 'a':
        st = Update<Assignment>(txn, key, [&](Assignment& a) {
          WithdrawSelf(a, target, seq);
          Withdraw(a.endings, target, seq);
          Withdraw(a.reports, target, seq);
        });
        break;
      case 'e':
        st = Update<Evaluation>(txn, key, [&](Evaluation& e) { WithdrawSelf(e, target, seq); });
        break;
      default:
        st = Status::Corrupt("unknown record key '" + key + "'");
    }
    PROBITY_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

std::string SubjectKey(schema::Subject::Reader s) {
  return s.isPerson() ? PersonKey(S(s.getPerson())) : UnitKey(S(s.getUnit()));
}

Status ApplyMark(StateTxn& txn, uint64_t seq, schema::Subject::Reader subject, bool commendation,
                 int ground, Day date, const std::string& evaluation, Touch* touch) {
  Mark m;
  m.seq = seq;
  m.commendation = commendation;
  m.ground = ground;
  m.date = date;
  m.evaluation = evaluation;
  PROBITY_RETURN_IF_ERROR(Update<Evaluation>(txn, EvaluationKey(evaluation),
                                             [&](Evaluation& e) { e.marks.push_back(seq); }));
  std::string key = SubjectKey(subject);
  touch->keys.push_back(key);
  std::string id = subject.isPerson() ? S(subject.getPerson()) : S(subject.getUnit());
  txn.Put(YearIndexKey(YearOf(date), subject.isPerson(), id), "");
  if (subject.isPerson()) return Update<Person>(txn, key, [&](Person& p) { p.marks.push_back(m); });
  return Update<Unit>(txn, key, [&](Unit& u) { u.marks.push_back(m); });
}
}  // namespace

Status ProgramRules::Apply(StateTxn& txn, uint64_t seq, const KeyInfo* signer,
                           E::Reader event) const {
  Touch touch;
  touch.type = static_cast<int>(event.which());
  Status st;
  switch (event.which()) {
    case E::INVALID:
    case E::KEY_REGISTERED:
    case E::KEY_REVOKED:
      break;
    case E::REPORT_FILED: {
      // Filed under each assignment by which the signer led the group that day (Check
      // found one), so that withdrawing the last of them finds the report (R15).
      auto r = event.getReportFiled();
      if (!signer)
        return Status::Corrupt("seq " + std::to_string(seq) + ": a report without a signer");
      auto leading = program_internal::LeadingAssignments(txn, signer->person, S(r.getGroup()),
                                                          D(r.getDate()));
      if (!leading.ok()) return leading.status();
      if (leading->empty()) {
        return Status::Corrupt("seq " + std::to_string(seq) +
                               ": the report's signer leads no group '" + S(r.getGroup()) +
                               "' that day");
      }
      Report x;
      x.seq = seq;
      x.date = D(r.getDate());
      x.kind = static_cast<int>(r.getKind());
      for (const auto& id : *leading) {
        touch.keys.push_back(AssignmentKey(id));
        st = Update<Assignment>(txn, touch.keys.back(),
                                [&](Assignment& a) { a.reports.push_back(x); });
        if (!st.ok()) break;
      }
      break;
    }
    case E::UNIT_REGISTERED: {
      auto u = event.getUnitRegistered();
      auto reg = Registration<Unit>(txn, UnitKey(S(u.getUnit())), seq);
      if (!reg.ok()) return reg.status();
      Unit& r = *reg;
      r.name = S(u.getName());
      r.kind = static_cast<int>(u.getKind());
      r.province = u.hasProvince() ? S(u.getProvince()) : "";
      touch.keys.push_back(UnitKey(S(u.getUnit())));
      Put(txn, touch.keys.back(), r);
      break;
    }
    case E::PERSON_REGISTERED: {
      auto p = event.getPersonRegistered();
      auto reg = Registration<Person>(txn, PersonKey(S(p.getPerson())), seq);
      if (!reg.ok()) return reg.status();
      Person& r = *reg;
      r.name = S(p.getName());
      r.unit = S(p.getUnit());
      r.category = static_cast<int>(p.getCategory());
      touch.keys.push_back(PersonKey(S(p.getPerson())));
      Put(txn, touch.keys.back(), r);
      txn.Put(UnitPersonKey(r.unit, seq), S(p.getPerson()));
      break;
    }
    case E::CITY_REGISTERED: {
      auto c = event.getCityRegistered();
      auto reg = Registration<City>(txn, CityKey(S(c.getCity())), seq);
      if (!reg.ok()) return reg.status();
      City& r = *reg;
      r.name = S(c.getName());
      r.guarantor = S(c.getGuarantor());
      r.region = static_cast<int>(c.getRegion());
      touch.keys.push_back(CityKey(S(c.getCity())));
      Put(txn, touch.keys.back(), r);
      st = Update<Unit>(txn, UnitKey(r.guarantor),
                        [&](Unit& u) { AddOnce(u.cities, S(c.getCity())); });
      break;
    }
    case E::GROUP_FORMED: {
      auto g = event.getGroupFormed();
      Group r;
      r.seq = seq;
      r.city = S(g.getCity());
      r.lead_unit = S(g.getLeadUnit());
      r.task = S(g.getTask());
      r.kind = static_cast<int>(g.getKind());
      r.formed = D(g.getDate());
      std::string gid = S(g.getGroup());
      touch.keys.push_back(GroupKey(gid));
      Put(txn, touch.keys.back(), r);
      st = Update<City>(txn, CityKey(r.city), [&](City& c) { AddOnce(c.groups, gid); });
      if (st.ok())
        st = Update<Unit>(txn, UnitKey(r.lead_unit), [&](Unit& u) { AddOnce(u.groups, gid); });
      break;
    }
    case E::GROUP_DISBANDED: {
      auto d = event.getGroupDisbanded();
      touch.keys.push_back(GroupKey(S(d.getGroup())));
      st = Update<Group>(txn, touch.keys.back(), [&](Group& g) {
        Disbanding x;
        x.seq = seq;
        x.date = D(d.getDate());
        g.disbandings.push_back(x);
      });
      break;
    }
    case E::PARTY_BRANCH_FORMED: {
      auto b = event.getPartyBranchFormed();
      touch.keys.push_back(CityKey(S(b.getCity())));
      st = Update<City>(txn, touch.keys.back(), [&](City& c) {
        Branch x;
        x.seq = seq;
        x.lead_unit = S(b.getLeadUnit());
        x.secretary = S(b.getSecretary());
        x.date = D(b.getDate());
        c.branches.push_back(x);
      });
      break;
    }
    case E::TRAINING_COMPLETED: {
      auto t = event.getTrainingCompleted();
      touch.keys.push_back(PersonKey(S(t.getPerson())));
      st = Update<Person>(txn, touch.keys.back(), [&](Person& p) {
        Training x;
        x.seq = seq;
        x.course = static_cast<int>(t.getCourse());
        x.mode = static_cast<int>(t.getMode());
        x.date = D(t.getDate());
        p.training.push_back(x);
      });
      break;
    }
    case E::RESTRICTION_RECORDED: {
      auto r = event.getRestrictionRecorded();
      touch.keys.push_back(PersonKey(S(r.getPerson())));
      st = Update<Person>(txn, touch.keys.back(), [&](Person& p) {
        Restriction x;
        x.seq = seq;
        x.from = D(r.getFrom());
        if (r.hasUntil()) x.until = D(r.getUntil());
        p.restrictions.push_back(x);
      });
      break;
    }
    case E::RESTRICTION_LIFTED: {
      auto r = event.getRestrictionLifted();
      touch.keys.push_back(PersonKey(S(r.getPerson())));
      st = Update<Person>(txn, touch.keys.back(), [&](Person& p) {
        Lift x;
        x.seq = seq;
        x.date = D(r.getDate());
        p.lifts.push_back(x);
      });
      break;
    }
    case E::ASSIGNMENT_MADE: {
      auto a = event.getAssignmentMade();
      Assignment r;
      r.seq = seq;
      r.person = S(a.getPerson());
      r.group = S(a.getGroup());
      r.from = D(a.getFrom());
      r.to = D(a.getTo());
      r.position = static_cast<int>(a.getPosition());
      std::string id = S(a.getAssignment());
      r.id = id;
      touch.keys.push_back(AssignmentKey(id));
      Put(txn, touch.keys.back(), r);
      for (int y = YearOf(r.from); y <= YearOf(r.to); ++y) txn.Put(ServedKey(y, r.person), "");
      st =
          Update<Person>(txn, PersonKey(r.person), [&](Person& p) { p.assignments.push_back(id); });
      txn.Put(GroupAssignmentKey(r.group, seq), id);
      txn.Put(GroupDayKey(r.group, r.from, seq), id);
      if (auto g = Get<Group>(txn, GroupKey(r.group)); !g.ok()) {
        st = g.status();
      } else if (g->has_value() && r.to - r.from > (*g)->longest) {
        (*g)->longest = r.to - r.from;
        Put(txn, GroupKey(r.group), **g);
      }
      break;
    }
    case E::ASSIGNMENT_ENDED: {
      auto e = event.getAssignmentEnded();
      touch.keys.push_back(AssignmentKey(S(e.getAssignment())));
      st = Update<Assignment>(txn, touch.keys.back(), [&](Assignment& a) {
        Ending x;
        x.seq = seq;
        x.date = D(e.getDate());
        x.reason = static_cast<int>(e.getReason());
        a.endings.push_back(x);
      });
      break;
    }
    case E::LEAVE_GRANTED: {
      auto l = event.getLeaveGranted();
      touch.keys.push_back(PersonKey(S(l.getPerson())));
      st = Update<Person>(txn, touch.keys.back(), [&](Person& p) {
        Leave x;
        x.seq = seq;
        x.days = l.getDays();
        x.kind = static_cast<int>(l.getKind());
        x.from = D(l.getFrom());
        p.leave.push_back(x);
      });
      break;
    }
    case E::EVALUATION_RECORDED: {
      auto e = event.getEvaluationRecorded();
      Evaluation r;
      r.seq = seq;
      r.subject_is_person = e.getSubject().isPerson();
      r.subject = r.subject_is_person ? S(e.getSubject().getPerson()) : S(e.getSubject().getUnit());
      r.grade = static_cast<int>(e.getGrade());
      r.date = D(e.getDate());
      touch.keys.push_back(EvaluationKey(S(e.getEvaluation())));
      Put(txn, touch.keys.back(), r);
      std::string eid = S(e.getEvaluation());
      if (r.subject_is_person)
        st = Update<Person>(txn, PersonKey(r.subject),
                            [&](Person& p) { AddOnce(p.evaluations, eid); });
      else
        st = Update<Unit>(txn, UnitKey(r.subject), [&](Unit& u) { AddOnce(u.evaluations, eid); });
      break;
    }
    case E::COMMENDATION_ISSUED: {
      auto c = event.getCommendationIssued();
      st = ApplyMark(txn, seq, c.getSubject(), true, 0, D(c.getDate()), S(c.getEvaluation()),
                     &touch);
      break;
    }
    case E::CRITICISM_ISSUED: {
      auto c = event.getCriticismIssued();
      st = ApplyMark(txn, seq, c.getSubject(), false, static_cast<int>(c.getGround()),
                     D(c.getDate()), S(c.getEvaluation()), &touch);
      break;
    }
    case E::TARGET_ASSESSED: {
      auto t = event.getTargetAssessed();
      touch.keys.push_back(CityKey(S(t.getCity())));
      st = Update<City>(txn, touch.keys.back(), [&](City& c) {
        Target x;
        x.seq = seq;
        x.year = t.getYear();
        x.scope = static_cast<int>(t.getScope());
        x.met = t.getMet();
        x.date = D(t.getDate());
        c.targets.push_back(x);
      });
      break;
    }
    case E::EXPLANATION_SUBMITTED: {
      auto x = event.getExplanationSubmitted();
      touch.keys.push_back(CityKey(S(x.getCity())));
      st = Update<City>(txn, touch.keys.back(), [&](City& c) {
        Explanation e;
        e.seq = seq;
        e.year = x.getYear();
        e.scope = static_cast<int>(x.getScope());
        e.unit = S(x.getUnit());
        e.date = D(x.getDate());
        e.principal = S(x.getPrincipal());
        c.explanations.push_back(e);
      });
      break;
    }
    case E::RETRACTION:
      st = ApplyRetraction(txn, seq, event.getRetraction().getTarget());
      break;
    case E::PRINCIPAL_NAMED: {
      auto p = event.getPrincipalNamed();
      touch.keys.push_back(UnitKey(S(p.getUnit())));
      st = Update<Unit>(txn, touch.keys.back(), [&](Unit& u) {
        Principal x;
        x.seq = seq;
        x.name = S(p.getName());
        x.date = D(p.getDate());
        u.principals.push_back(x);
      });
      break;
    }
    case E::CALENDAR_PUBLISHED: {
      auto c = event.getCalendarPublished();
      touch.keys.push_back(CalendarKey(c.getYear()));
      auto cal = Get<Calendar>(txn, touch.keys.back());
      if (!cal.ok()) return cal.status();
      Calendar r = cal->value_or(Calendar{});
      CalendarEdition x;
      x.seq = seq;
      for (auto d : c.getHolidays()) x.holidays.push_back(D(d));
      for (auto d : c.getWorkdays()) x.workdays.push_back(D(d));
      std::sort(x.holidays.begin(), x.holidays.end());
      std::sort(x.workdays.begin(), x.workdays.end());
      r.editions.push_back(std::move(x));
      Put(txn, touch.keys.back(), r);
      break;
    }
    case E::ERASURE:
      break;
  }
  PROBITY_RETURN_IF_ERROR(st);
  Put(txn, TouchKey(seq), touch);
  return Status::Ok();
}

std::vector<std::string> ProgramRules::Subjects(const StateReader& state, E::Reader e) const {
  std::vector<std::string> out;
  auto person = [&](capnp::Text::Reader p) { out.push_back(SubjectOfPerson(std::string(p))); };
  auto unit = [&](capnp::Text::Reader u) { out.push_back(SubjectOfUnit(std::string(u))); };
  auto subject = [&](schema::Subject::Reader s) {
    if (s.isPerson())
      person(s.getPerson());
    else
      unit(s.getUnit());
  };
  switch (e.which()) {
    case schema::Event::PERSON_REGISTERED:
      person(e.getPersonRegistered().getPerson());
      break;
    case schema::Event::UNIT_REGISTERED:
      unit(e.getUnitRegistered().getUnit());
      break;
    case schema::Event::PRINCIPAL_NAMED:
      unit(e.getPrincipalNamed().getUnit());
      break;
    case schema::Event::TRAINING_COMPLETED:
      person(e.getTrainingCompleted().getPerson());
      break;
    case schema::Event::RESTRICTION_RECORDED:
      person(e.getRestrictionRecorded().getPerson());
      break;
    case schema::Event::RESTRICTION_LIFTED:
      person(e.getRestrictionLifted().getPerson());
      break;
    case schema::Event::ASSIGNMENT_MADE:
      person(e.getAssignmentMade().getPerson());
      break;
    case schema::Event::ASSIGNMENT_ENDED: {
      // Check found the assignment in force; a read error here leaves the ending unfiled,
      // and verify, folding afresh, names the index record that differs.
      auto a = Get<Assignment>(state, AssignmentKey(S(e.getAssignmentEnded().getAssignment())));
      if (a.ok() && a->has_value()) out.push_back(SubjectOfPerson((*a)->person));
      break;
    }
    case schema::Event::LEAVE_GRANTED:
      person(e.getLeaveGranted().getPerson());
      break;
    case schema::Event::EVALUATION_RECORDED:
      subject(e.getEvaluationRecorded().getSubject());
      break;
    case schema::Event::COMMENDATION_ISSUED:
      subject(e.getCommendationIssued().getSubject());
      break;
    case schema::Event::CRITICISM_ISSUED:
      subject(e.getCriticismIssued().getSubject());
      break;
    case schema::Event::PARTY_BRANCH_FORMED:
      person(e.getPartyBranchFormed().getSecretary());
      break;
    default:
      break;
  }
  return out;
}

}  // namespace probity
