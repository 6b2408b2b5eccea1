// The log's derived indexes (ids and subjects) and the projections' meta record, computed
// from events in one place so that append, rebuild and verify derive identical records.
// IndexFold is not thread-safe: one caller folds the log in seq order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/state.h"
#include "schemas/event.capnp.h"

namespace probity {

class Rules;

// The persons and units an event is about ("person/ID", "unit/ID"), for the subject index,
// as the program's rules say (Rules::Subjects); none without rules. `state` is the state
// before the event.
std::vector<std::string> SubjectsOf(const Rules* rules, schema::Event::Reader event,
                                    const StateReader& state);

// The seq a retraction or an erasure acts on; such an event is filed under its target's
// subjects, so a person's record shows it.
std::optional<uint64_t> CorrectionTarget(schema::Event::Reader event);

// Meta "projections": "<rules version> <entries applied>".
std::string ProjectionsRecord(const Rules* rules, uint64_t applied);

// The id and subject index records of a log, folded entry by entry, as column key -> value.
class IndexFold {
 public:
  explicit IndexFold(const Rules* rules) : rules_(rules) {}
  void Add(uint64_t seq, schema::Event::Reader event, const StateReader& state);
  const std::map<std::string, std::string>& ids() const { return ids_; }
  const std::map<std::string, std::string>& subjects() const { return subjects_; }

 private:
  const Rules* rules_;
  std::map<std::string, std::string> ids_;
  std::map<std::string, std::string> subjects_;
  std::unordered_map<uint64_t, std::vector<std::string>> by_seq_;
};

}  // namespace probity
