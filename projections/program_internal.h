// Helpers shared by the rules (program.cc) and the fold (fold.cc): reading an
// event's text fields, finding a report's assignment. Internal to projections/.
#pragma once

#include <capnp/blob.h>

#include <string>

#include "ledger/state.h"
#include "projections/dates.h"
#include "projections/records.h"

namespace probity::program_internal {

inline Day D(capnp::Text::Reader text) {
  // The codec admits only real calendar dates into an event.
  return ParseDay(text.cStr()).value_or(0);
}
inline std::string S(capnp::Text::Reader text) { return text.cStr(); }

// The assignments in force by which `person` leads `group` on `day` (two on a hand-over
// day): a report is filed under each (program.cc checks, fold.cc files).
Result<std::vector<std::string>> LeadingAssignments(const StateReader& state,
                                                    const std::string& person,
                                                    const std::string& group, Day day);

}  // namespace probity::program_internal
