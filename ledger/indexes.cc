#include "ledger/indexes.h"

#include "ledger/ledger.h"
#include "ledger/store.h"

namespace probity {

std::vector<std::string> SubjectsOf(const Rules* rules, schema::Event::Reader event,
                                    const StateReader& state) {
  if (!rules) return {};
  return rules->Subjects(state, event);
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
    subjects = SubjectsOf(rules_, event, state);
  }
  for (const auto& s : subjects) subjects_[SubjectKey(s, seq)] = "";
  if (!subjects.empty()) by_seq_[seq] = std::move(subjects);
  if (event.hasId()) ids_[std::string(event.getId())] = SeqKey(seq);
}

}  // namespace probity
