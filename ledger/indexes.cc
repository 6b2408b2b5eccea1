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

Status IndexFold::Add(uint64_t seq, schema::Event::Reader event, const StateReader& state) {
  using Space = ScratchStore::Space;
  std::vector<std::string> subjects;
  if (auto target = CorrectionTarget(event)) {
    // Filed under the subjects its target was filed under.
    auto filed = out_.Get(Space::kCorrected, SeqKey(*target));
    if (!filed.ok()) return filed.status();
    const std::string target_subjects = filed->value_or("");
    std::string_view rest = target_subjects;
    while (!rest.empty()) {
      size_t end = rest.find('\0');
      subjects.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  } else {
    subjects = SubjectsOf(rules_, event, state);
  }
  std::string filed;
  for (const auto& s : subjects) {
    PROBITY_RETURN_IF_ERROR(out_.Put(Space::kSubjects, SubjectKey(s, seq), ""));
    if (!filed.empty()) filed += '\0';
    filed += s;
  }
  if (!subjects.empty()) PROBITY_RETURN_IF_ERROR(out_.Put(Space::kCorrected, SeqKey(seq), filed));
  if (event.hasId())
    PROBITY_RETURN_IF_ERROR(out_.Put(Space::kIds, event.getId().cStr(), SeqKey(seq)));
  return Status::Ok();
}

}  // namespace probity
