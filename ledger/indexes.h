// The log's derived indexes (ids and subjects) and the projections' meta record, computed
// from events in one place so that append, rebuild and verify derive identical records.
// IndexFold is not thread-safe: one caller folds the log in seq order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/state.h"
#include "ledger/store.h"
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

// The id and subject index records of a log, folded entry by entry into a scratch store
// (ScratchStore::Space kIds and kSubjects hold them as the columns would).
class IndexFold {
 public:
  IndexFold(const Rules* rules, ScratchStore& out) : rules_(rules), out_(out) {}
  // Fails only when the scratch store cannot be read or written.
  Status Add(uint64_t seq, schema::Event::Reader event, const StateReader& state);

 private:
  const Rules* rules_;
  ScratchStore& out_;
};

}  // namespace probity
