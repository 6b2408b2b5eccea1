#include "projections/reports.h"

#include <capnp/schema.h>

#include <algorithm>
#include <map>
#include <set>

#include "ledger/authority.h"
#include "ledger/indexes.h"
#include "projections/program.h"

namespace probity {
namespace {

using namespace records;

// Visits every state record whose key starts with `prefix`.
template <typename F>
Status ScanState(const LedgerView& ledger, const std::string& prefix, F&& visit) {
  auto it = ledger.NewIterator(Column::kState);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    PROBITY_RETURN_IF_ERROR(
        visit(it->key().ToString(), std::string_view(it->value().data(), it->value().size())));
  }
  if (!it->status().ok()) return Status::IoError(it->status().ToString());
  return Status::Ok();
}

template <typename T>
Result<T> Require(const LedgerView& ledger, const std::string& key, const std::string& what) {
  auto r = Get<T>(ledger.state(), key);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return Status::NotFound(what + " is not registered");
  return std::move(**r);
}

std::string NameOf(const LedgerView& ledger, bool person, const std::string& id) {
  if (person) {
    auto p = Get<Person>(ledger.state(), PersonKey(id));
    return p.ok() && p->has_value() ? (*p)->name : "";
  }
  auto u = Get<Unit>(ledger.state(), UnitKey(id));
  return u.ok() && u->has_value() ? (*u)->name : "";
}

}  // namespace

// ---- directory ----

namespace {

std::string Folded(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Visits every live person (id, record), by id.
template <typename F>
Status EachPerson(const LedgerView& ledger, F&& visit) {
  const std::string prefix = PersonKey("");
  return ScanState(ledger, prefix, [&](const std::string& key, std::string_view value) {
    Person p;
    PROBITY_RETURN_IF_ERROR(Decode(value, &p));
    if (!p.live()) return Status::Ok();
    return visit(key.substr(prefix.size()), p);
  });
}

PersonRow RowOf(const std::string& id, const Person& p) {
  return {id, p.name, p.unit,
          EnumName(static_cast<schema::StaffCategory>(static_cast<uint16_t>(p.category)))};
}

}  // namespace

Result<PersonsReport> FindPersons(const LedgerView& ledger, const std::string& text, size_t limit,
                                  const PersonScope& scope) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  PersonsReport report;
  std::string needle = Folded(text);
  auto matches = [&](const std::string& id, const Person& p) {
    return (scope.only_unit.empty() || p.unit == scope.only_unit) &&
           (Folded(id).find(needle) != std::string::npos ||
            Folded(p.name).find(needle) != std::string::npos);
  };
  if (!scope.only_person.empty()) {  // one person may be seen: look only there
    auto p = Get<Person>(ledger.state(), PersonKey(scope.only_person));
    if (!p.ok()) return p.status();
    if (p->has_value() && (*p)->live() && matches(scope.only_person, **p))
      report.persons.push_back(RowOf(scope.only_person, **p));
    return report;
  }
  // The scan stops (a Refused that is no failure) once `limit` rows are found and one
  // more matches.
  Status st = EachPerson(ledger, [&](const std::string& id, const Person& p) {
    if (!matches(id, p)) return Status::Ok();
    if (limit && report.persons.size() == limit) {
      report.more = true;
      return Status::Refused("enough");
    }
    report.persons.push_back(RowOf(id, p));
    return Status::Ok();
  });
  if (!st.ok() && !report.more) return st;
  return report;
}

Result<std::optional<PersonRow>> PersonById(const LedgerView& ledger, const std::string& id) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  auto p = Get<Person>(ledger.state(), PersonKey(id));
  if (!p.ok()) return p.status();
  if (!p->has_value()) return std::optional<PersonRow>();
  return std::optional<PersonRow>(RowOf(id, **p));
}

Result<std::vector<PersonRow>> PersonsNamed(const LedgerView& ledger, const std::string& name) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  std::vector<PersonRow> out;
  Status st = EachPerson(ledger, [&](const std::string& id, const Person& p) {
    if (p.name == name) out.push_back(RowOf(id, p));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Result<UnitsReport> FindUnits(const LedgerView& ledger, const std::string& text) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  UnitsReport report;
  std::string needle = Folded(text);
  const std::string prefix = UnitKey("");
  Status st = ScanState(ledger, prefix, [&](const std::string& key, std::string_view value) {
    Unit u;
    PROBITY_RETURN_IF_ERROR(Decode(value, &u));
    std::string id = key.substr(prefix.size());
    if (!u.live() || (Folded(id).find(needle) == std::string::npos &&
                      Folded(u.name).find(needle) == std::string::npos))
      return Status::Ok();
    report.units.push_back({id, u.name,
                            EnumName(static_cast<schema::UnitKind>(static_cast<uint16_t>(u.kind))),
                            u.province});
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return report;
}

Result<KeysReport> ListKeys(const LedgerView& ledger) {
  auto keys = RegisteredKeys(ledger.state());
  if (!keys.ok()) return keys.status();
  KeysReport report;
  for (auto& [id, info] : *keys) report.keys.push_back({id, std::move(info)});
  std::sort(report.keys.begin(), report.keys.end(), [](const KeyRow& a, const KeyRow& b) {
    return a.info.registered_seq < b.info.registered_seq;
  });
  return report;
}

std::string BusinessDate(schema::Event::Reader e, int64_t recorded_at_us) {
  using E = schema::Event;
  switch (e.which()) {
    case E::GROUP_FORMED:
      return e.getGroupFormed().getDate();
    case E::GROUP_DISBANDED:
      return e.getGroupDisbanded().getDate();
    case E::PARTY_BRANCH_FORMED:
      return e.getPartyBranchFormed().getDate();
    case E::TRAINING_COMPLETED:
      return e.getTrainingCompleted().getDate();
    case E::RESTRICTION_RECORDED:
      return e.getRestrictionRecorded().getFrom();
    case E::RESTRICTION_LIFTED:
      return e.getRestrictionLifted().getDate();
    case E::ASSIGNMENT_MADE:
      return e.getAssignmentMade().getFrom();
    case E::ASSIGNMENT_ENDED:
      return e.getAssignmentEnded().getDate();
    case E::LEAVE_GRANTED:
      return e.getLeaveGranted().getFrom();
    case E::REPORT_FILED:
      return e.getReportFiled().getDate();
    case E::EVALUATION_RECORDED:
      return e.getEvaluationRecorded().getDate();
    case E::COMMENDATION_ISSUED:
      return e.getCommendationIssued().getDate();
    case E::CRITICISM_ISSUED:
      return e.getCriticismIssued().getDate();
    case E::TARGET_ASSESSED:
      return e.getTargetAssessed().getDate();
    case E::EXPLANATION_SUBMITTED:
      return e.getExplanationSubmitted().getDate();
    case E::PRINCIPAL_NAMED:
      return e.getPrincipalNamed().getDate();
    case E::CALENDAR_PUBLISHED:
    case E::ERASURE:
    case E::INVALID:
    case E::UNIT_REGISTERED:
    case E::PERSON_REGISTERED:
    case E::KEY_REGISTERED:
    case E::KEY_REVOKED:
    case E::CITY_REGISTERED:
    case E::RETRACTION:
      break;
  }
  return FormatDay(CstDayOf(recorded_at_us));
}

Result<std::optional<Withdrawal>> WithdrawalOf(const LedgerView& ledger, uint64_t seq) {
  auto v = ledger.state().Get(WithdrawnKey(seq));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Withdrawal>();
  Withdrawal w;
  auto by = ParseStoredSize(**v);
  if (!by)
    return Status::Corrupt("state record '" + WithdrawnKey(seq) + "' is not a seq: '" + **v + "'");
  w.by = *by;
  auto entry = ledger.ReadEntry(w.by);
  if (!entry.ok()) return entry.status();
  auto view = EventView::FromCanonical(entry->envelope.body);
  if (view.ok() && view->reader().isRetraction())
    w.reason = view->reader().getRetraction().getReason();
  return std::optional<Withdrawal>(std::move(w));
}

Result<ReportBasis> BasisAt(const LedgerView& ledger, uint64_t tree_size) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  auto root = ledger.RootAt(tree_size);
  if (!root.ok()) return root.status();
  return ReportBasis{tree_size, *root};
}

Result<PersonRecordReport> ReplayRecord(const LedgerView& ledger, const std::string& person,
                                        const AsOf& as_of, bool include_sensitive) {
  // Projections of another rules version do not decode: say to rebuild, first.
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  auto p = Require<Person>(ledger, PersonKey(person), "person '" + person + "'");
  if (!p.ok()) return p.status();
  PersonRecordReport report;
  report.person = person;
  uint64_t size = ledger.size();
  if (as_of.seq && *as_of.seq >= size) {
    return Status::Invalid("--as-of-seq " + std::to_string(*as_of.seq) +
                           " is beyond the log's last seq " + std::to_string(size - 1));
  }
  uint64_t limit = as_of.seq ? *as_of.seq + 1 : size;
  auto basis = BasisAt(ledger, limit);
  if (!basis.ok()) return basis.status();
  report.basis = *basis;

  // The person's seqs, from the subject index.
  std::vector<uint64_t> seqs;
  std::string prefix = SubjectPrefix(SubjectOfPerson(person));
  auto it = ledger.NewIterator(Column::kSubjects);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t seq = SeqFromKey(std::string_view(it->key().data() + prefix.size(), 8));
    if (seq < limit) seqs.push_back(seq);
  }
  std::map<uint64_t, std::pair<uint64_t, std::string>> withdrawn;  // target -> (by, reason)
  std::map<uint64_t, uint64_t> targets;  // a retraction's or erasure's seq -> its target
  std::vector<RecordLine> lines;
  const auto& codec = ledger.codec();
  for (uint64_t seq : seqs) {
    auto entry = ledger.ReadEntry(seq);
    if (!entry.ok()) return entry.status();
    auto view = EventView::FromCanonical(entry->envelope.body);
    if (!view.ok()) return view.status().WithContext("seq " + std::to_string(seq));
    auto event = view->reader();
    RecordLine line;
    line.seq = seq;
    line.date = BusinessDate(event, entry->recorded_at_us);
    if (as_of.date && line.date > *as_of.date) continue;
    line.type = EventTypeName(event.which());
    auto signer = LookUpKey(ledger.state(), entry->envelope.key_id);
    line.signer = HexEncode(entry->envelope.key_id).substr(0, 12);
    if (signer.ok() && signer->has_value())
      line.signer += " " + (*signer)->holder + " (" + RoleName((*signer)->role) + ")";
    if (event.isRetraction())
      withdrawn[event.getRetraction().getTarget()] = {seq, event.getRetraction().getReason()};
    if (auto target = CorrectionTarget(event)) targets[seq] = *target;
    if (event.isPersonRegistered()) {
      report.name = event.getPersonRegistered().getName();
      report.unit = event.getPersonRegistered().getUnit();
      report.category = EnumName(static_cast<schema::StaffCategory>(
          static_cast<int>(event.getPersonRegistered().getCategory())));
    }
    std::vector<SealedValue> sealed;
    if (include_sensitive) {
      auto values = ledger.ReadSealed(seq);
      if (!values.ok()) return values.status();
      sealed = std::move(*values);
    }
    line.event_json = codec.ToDisplayJson(event, include_sensitive, sealed);
    lines.push_back(std::move(line));
  }
  // As of a date, a retraction or erasure of an event dated after it is left out with
  // its target: the record then shows neither.
  std::set<uint64_t> shown;
  for (const auto& line : lines) shown.insert(line.seq);
  std::erase_if(lines, [&](const RecordLine& line) {
    auto t = targets.find(line.seq);
    return t != targets.end() && !shown.count(t->second);
  });
  for (auto& line : lines) {
    if (auto w = withdrawn.find(line.seq); w != withdrawn.end()) {
      line.withdrawn_by = w->second.first;
      line.withdrawn_reason = w->second.second;
    }
  }
  report.lines = std::move(lines);
  return report;
}

Result<bool> RestrictedAsOf(const LedgerView& ledger, const std::string& person, const AsOf& as_of,
                            Day today) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  auto p = Require<Person>(ledger, PersonKey(person), "person '" + person + "'");
  if (!p.ok()) return p.status();
  Day day = today;
  if (as_of.date) {
    auto d = ParseDay(*as_of.date);
    if (!d) return Status::Invalid("'" + *as_of.date + "' is not a calendar date YYYY-MM-DD");
    day = *d;
  }
  Person then = *p;
  if (as_of.seq) {
    // As the ledger stood after the seq: later items unknown, later withdrawals not yet.
    uint64_t limit = *as_of.seq + 1;
    auto before = [limit](auto items) {
      std::erase_if(items, [limit](const auto& i) { return i.seq >= limit; });
      for (auto& i : items) {
        if (i.withdrawn_by >= limit) i.withdrawn_by = 0;
      }
      return items;
    };
    then.restrictions = before(then.restrictions);
    then.lifts = before(then.lifts);
  }
  return RestrictedDuring(then, day, day);
}

Result<RosterReport> Roster(const LedgerView& ledger, const std::string& date,
                            const std::optional<std::string>& city) {
  auto day = ParseDay(date);
  if (!day) return Status::Invalid("'" + date + "' is not a calendar date YYYY-MM-DD");
  RosterReport report;
  report.date = date;
  auto basis = BasisAt(ledger, ledger.size());
  if (!basis.ok()) return basis.status();
  report.basis = *basis;
  const auto& state = ledger.state();
  Status st = ScanState(
      ledger, city ? CityKey(*city) : std::string(kCityPrefix),
      [&](const std::string& key, std::string_view value) {
        if (city && key != CityKey(*city)) return Status::Ok();
        City c;
        PROBITY_RETURN_IF_ERROR(Decode(value, &c));
        if (!c.live()) return Status::Ok();
        RosterCity rc;
        rc.city = key.substr(2);
        rc.name = c.name;
        rc.region = EnumName(static_cast<schema::Region>(c.region));
        // R8: the branch formed latest on or before the day, whatever order it was recorded in.
        const Branch* branch = nullptr;
        for (const auto& b : c.branches) {
          if (b.live() && b.date <= *day && (!branch || b.date >= branch->date)) branch = &b;
        }
        if (branch) {
          rc.secretary = branch->secretary;
          rc.secretary_name = NameOf(ledger, true, branch->secretary);
        }
        for (const auto& gid : c.groups) {
          auto g = Get<Group>(state, GroupKey(gid));
          if (!g.ok()) return g.status();
          if (!g->has_value() || !(*g)->live() || (*g)->formed > *day) continue;
          // A group serves through its disbanding date (R7).
          bool disbanded =
              std::any_of((*g)->disbandings.begin(), (*g)->disbandings.end(),
                          [&](const Disbanding& d) { return d.live() && d.date < *day; });
          if (disbanded) continue;
          RosterGroup rg;
          rg.group = gid;
          rg.kind = EnumName(static_cast<schema::GroupKind>((*g)->kind));
          rg.lead_unit = (*g)->lead_unit;
          rg.lead_unit_name = NameOf(ledger, false, (*g)->lead_unit);
          rg.task = (*g)->task;
          // Only the assignments that start in the window before the day can be on site;
          // listed in the order made (by seq), as they were recorded.
          std::map<uint64_t, std::string> candidates;
          {
            const std::string prefix = GroupDayPrefix(gid);
            auto it = ledger.NewIterator(Column::kState);
            for (it->Seek(GroupDayStart(gid, *day - (*g)->longest));
                 it->Valid() && it->key().starts_with(prefix); it->Next()) {
              std::string_view k(it->key().data(), it->key().size());
              if (GroupDayOf(k, gid) > *day) break;
              candidates.emplace(SeqFromKey(k.substr(k.size() - 8)), it->value().ToString());
            }
            if (!it->status().ok()) return Status::IoError(it->status().ToString());
          }
          for (const auto& [made, aid] : candidates) {
            auto a = Get<Assignment>(state, AssignmentKey(aid));
            if (!a.ok()) return a.status();
            if (!a->has_value() || !(*a)->live() || (*a)->from > *day || (*a)->last_day() < *day)
              continue;
            RosterMember m;
            m.person = (*a)->person;
            auto p = Get<Person>(state, PersonKey(m.person));
            if (p.ok() && p->has_value()) {
              m.name = (*p)->name;
              m.unit = (*p)->unit;
              m.recall_due = !(*a)->ended() && RestrictedDuring(**p, (*a)->from, (*a)->to);
            }
            m.position = static_cast<schema::Position>((*a)->position);
            m.from = FormatDay((*a)->from);
            m.to = FormatDay((*a)->last_day());
            // On a hand-over day a person staying on has two assignments here: list the new one.
            auto same = std::find_if(rg.members.begin(), rg.members.end(),
                                     [&](const RosterMember& x) { return x.person == m.person; });
            if (same != rg.members.end()) {
              if (same->from < m.from) *same = std::move(m);
              continue;
            }
            rg.members.push_back(std::move(m));
          }
          // The leader: the member on site as leader (the newest assignment on a hand-over day).
          for (const auto& m : rg.members) {
            if (m.position == schema::Position::LEADER && (!rg.leader || rg.leader->from < m.from))
              rg.leader = m;
          }
          rc.groups.push_back(std::move(rg));
        }
        report.cities.push_back(std::move(rc));
        return Status::Ok();
      });
  if (!st.ok()) return st;
  if (city && report.cities.empty())
    return Status::NotFound("city '" + *city + "' is not registered");
  // A person moving from one group to another on a hand-over day (R3) is counted once,
  // in the group of the incoming assignment.
  std::map<std::string, std::string> newest;  // person -> the latest first day on site
  for (const auto& c : report.cities) {
    for (const auto& g : c.groups) {
      for (const auto& m : g.members) {
        auto [it, fresh] = newest.emplace(m.person, m.from);
        if (!fresh && it->second < m.from) it->second = m.from;
      }
    }
  }
  for (auto& c : report.cities) {
    for (auto& g : c.groups) {
      std::erase_if(g.members, [&](const RosterMember& m) { return m.from < newest[m.person]; });
      if (g.leader && g.leader->from < newest[g.leader->person]) {
        g.leader.reset();
        for (const auto& m : g.members) {
          if (m.position == schema::Position::LEADER && (!g.leader || g.leader->from < m.from))
            g.leader = m;
        }
      }
    }
  }
  return report;
}

Result<EligibilityReport> Eligibility(const LedgerView& ledger, int year, bool units) {
  EligibilityReport report;
  report.year = year;
  report.units = units;
  auto basis = BasisAt(ledger, ledger.size());
  if (!basis.ok()) return basis.status();
  report.basis = *basis;
  const auto& state = ledger.state();
  std::string prefix = YearIndexPrefix(year, !units);
  Status st = ScanState(ledger, prefix, [&](const std::string& key, std::string_view) -> Status {
    std::string id = key.substr(prefix.size());
    EligibilityLine line;
    line.id = id;
    std::vector<Mark> marks;
    if (units) {
      auto u = Get<Unit>(state, UnitKey(id));
      if (!u.ok()) return u.status();
      if (!u->has_value()) return Status::Ok();
      line.name = (*u)->name;
      marks = (*u)->marks;
    } else {
      auto p = Get<Person>(state, PersonKey(id));
      if (!p.ok()) return p.status();
      if (!p->has_value()) return Status::Ok();
      line.name = (*p)->name;
      line.unit = (*p)->unit;
      line.category = static_cast<schema::StaffCategory>((*p)->category);
      marks = (*p)->marks;
    }
    std::vector<uint64_t> commended, criticised;
    std::string withdrawn;
    for (const auto& m : marks) {
      // Retracted marks count for nothing (R15); the year is the business date's (CST).
      if (YearOf(m.date) != year) continue;
      if (!m.live()) {
        withdrawn += std::string(withdrawn.empty() ? "" : ", ") +
                     (m.commendation ? "commendation" : "criticism") + " seq " +
                     std::to_string(m.seq) + " (withdrawn by seq " +
                     std::to_string(m.withdrawn_by) + ")";
        continue;
      }
      (m.commendation ? commended : criticised).push_back(m.seq);
      line.events.push_back(m.seq);
    }
    if (commended.empty() && criticised.empty()) return Status::Ok();
    std::sort(line.events.begin(), line.events.end());
    auto seqs = [](const std::vector<uint64_t>& v) {
      std::string out;
      for (auto s : v) out += (out.empty() ? "seq " : ", ") + std::to_string(s);
      return out;
    };
    std::string y = std::to_string(year);
    if (units) {
      if (!criticised.empty()) {
        line.outcomes = {"barredFromAwards"};
        line.reasons = "criticised in " + y + " (" + seqs(criticised) +
                       "): no awards or ratings of merit that year";
        if (!commended.empty()) {
          line.review_required = true;
          line.reasons += "; also commended (" + seqs(commended) +
                          "): the bar stands, flagged for human review";
        }
      } else {
        line.outcomes = {"leadershipBonus", "priorityAdvancedCollective"};
        line.reasons = "commended in " + y + " (" + seqs(commended) +
                       "): bonus points for the leadership team, priority for Advanced Collective";
      }
    } else {
      bool civil = line.category == schema::StaffCategory::CIVIL_SERVANT ||
                   line.category == schema::StaffCategory::REFERENCE_MANAGED;
      if (!criticised.empty()) {
        line.outcomes = {"barredFromExcellent"};
        line.reasons =
            "criticised in " + y + " (" + seqs(criticised) + "): may not be rated Excellent";
        if (!commended.empty()) {
          line.review_required = true;
          line.reasons +=
              "; also commended (" + seqs(commended) +
              "): the bar on Excellent stands and the case is flagged for human review (R13)";
        }
      } else if (civil) {
        line.outcomes = {"priorityInAssessment", "priorityInAwards"};
        line.reasons = "commended in " + y + " (" + seqs(commended) +
                       "): priority in the year-end assessment and in award selection";
      } else {
        line.outcomes = {"gradeRaised", "priorityInAwards"};
        line.reasons = "commended in " + y + " (" + seqs(commended) +
                       "): performance grade raised one level, priority in award selection";
      }
    }
    if (!withdrawn.empty()) line.reasons += "; not counted: " + withdrawn + " (R15)";
    report.lines.push_back(std::move(line));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return report;
}

Result<LeaveReport> LeaveBalance(const LedgerView& ledger, const std::string& person) {
  PROBITY_RETURN_IF_ERROR(ledger.CheckProjections());
  auto p = Require<Person>(ledger, PersonKey(person), "person '" + person + "'");
  if (!p.ok()) return p.status();
  LeaveReport report;
  report.person = person;
  auto accrued = AccruedLeave(ledger.state(), *p);
  if (!accrued.ok()) return accrued.status();
  report.accrued = *accrued;
  for (const auto& l : p->leave) {
    if (!l.live()) continue;
    if (l.kind == static_cast<int>(schema::LeaveKind::COMPENSATORY))
      report.granted += l.days;
    else
      report.rotation_granted += l.days;
  }
  report.left = report.accrued >= report.granted ? report.accrued - report.granted : 0;
  auto basis = BasisAt(ledger, ledger.size());
  if (!basis.ok()) return basis.status();
  report.basis = *basis;
  return report;
}

Result<ExplanationsReport> OpenExplanations(const LedgerView& ledger, std::optional<int> year) {
  ExplanationsReport report;
  auto basis = BasisAt(ledger, ledger.size());
  if (!basis.ok()) return basis.status();
  report.basis = *basis;
  Status st =
      ScanState(ledger, kCityPrefix, [&](const std::string& key, std::string_view value) -> Status {
        City c;
        PROBITY_RETURN_IF_ERROR(Decode(value, &c));
        if (!c.live()) return Status::Ok();
        for (const auto& t : c.targets) {
          if (!t.live() || t.met || (year && t.year != *year)) continue;
          bool explained =
              std::any_of(c.explanations.begin(), c.explanations.end(), [&](const Explanation& e) {
                return e.live() && e.year == t.year && e.scope == t.scope;
              });
          if (explained) continue;
          OpenExplanation o;
          o.city = key.substr(2);
          o.name = c.name;
          o.year = t.year;
          o.scope = EnumName(static_cast<schema::TargetScope>(t.scope));
          o.guarantor = c.guarantor;
          o.assessed_on = FormatDay(t.date);
          o.seq = t.seq;
          report.open.push_back(std::move(o));
        }
        return Status::Ok();
      });
  if (!st.ok()) return st;
  return report;
}

Result<UnevaluatedReport> Unevaluated(const LedgerView& ledger, int year) {
  UnevaluatedReport report;
  report.year = year;
  auto basis = BasisAt(ledger, ledger.size());
  if (!basis.ok()) return basis.status();
  report.basis = *basis;
  const auto& state = ledger.state();
  // The latest live evaluation of each person.
  std::map<std::string, Day> evaluated;
  PROBITY_RETURN_IF_ERROR(ScanState(ledger, EvaluationKey(""),
                                    [&](const std::string&, std::string_view value) -> Status {
                                      Evaluation e;
                                      PROBITY_RETURN_IF_ERROR(Decode(value, &e));
                                      if (!e.live() || !e.subject_is_person) return Status::Ok();
                                      auto [it, fresh] = evaluated.emplace(e.subject, e.date);
                                      if (!fresh) it->second = std::max(it->second, e.date);
                                      return Status::Ok();
                                    }));
  Day first = *ParseDay(std::to_string(year) + "-01-01");
  Day last = *ParseDay(std::to_string(year) + "-12-31");
  PROBITY_RETURN_IF_ERROR(ScanState(ledger, PersonKey(""),
                                    [&](const std::string& key, std::string_view value) -> Status {
                                      Person p;
                                      PROBITY_RETURN_IF_ERROR(Decode(value, &p));
                                      if (!p.live()) return Status::Ok();
                                      std::string id = key.substr(2);
                                      auto latest = evaluated.find(id);
                                      UnevaluatedPerson u;
                                      for (const auto& aid : p.assignments) {
                                        auto a = Get<Assignment>(state, AssignmentKey(aid));
                                        if (!a.ok()) return a.status();
                                        if (!a->has_value() || !(*a)->live()) continue;
                                        Day end = (*a)->last_day();
                                        if ((*a)->from > last || end < first) continue;
                                        if (latest != evaluated.end() && latest->second >= end)
                                          continue;
                                        u.assignments.push_back(aid);
                                      }
                                      if (u.assignments.empty()) return Status::Ok();
                                      u.person = id;
                                      u.name = p.name;
                                      u.unit = p.unit;
                                      report.persons.push_back(std::move(u));
                                      return Status::Ok();
                                    }));
  return report;
}

}  // namespace probity
