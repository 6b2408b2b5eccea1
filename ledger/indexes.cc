#include "ledger/indexes.h"

#include "ledger/ledger.h"
#include "ledger/store.h"

namespace probity {

std::vector<std::string> SubjectsOf(schema::Event::Reader e, const StateReader& state) {
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
      auto p = state.Get(AssignmentPersonKey(std::string(e.getAssignmentEnded().getAssignment())));
      if (p.ok() && p->has_value()) out.push_back(SubjectOfPerson(**p));
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

std::optional<uint64_t> CorrectionTarget(schema::Event::Reader e) {
  if (e.isRetraction()) return e.getRetraction().getTarget();
  if (e.isErasure()) return e.getErasure().getTarget();
  return std::nullopt;
}

std::string ProjectionsRecord(const Rules* rules, uint64_t applied) {
  return (rules ? rules->Version() : std::string("none")) + " " + std::to_string(applied);
}

void IndexFold::Add(uint64_t seq, schema::Event::Reader event, const StateReader& state) {
  std::vector<std::string> subjects;
  if (auto target = CorrectionTarget(event)) {
    if (auto it = by_seq_.find(*target); it != by_seq_.end()) subjects = it->second;
  } else {
    subjects = SubjectsOf(event, state);
  }
  for (const auto& s : subjects) subjects_[SubjectKey(s, seq)] = "";
  if (!subjects.empty()) by_seq_[seq] = std::move(subjects);
  if (event.hasId()) ids_[std::string(event.getId())] = SeqKey(seq);
}

}  // namespace probity
