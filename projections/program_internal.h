// Helpers shared by the rules (program.cc) and the fold (fold.cc): reading an
// event's text fields. Internal to projections/; pure functions.
#pragma once

#include <capnp/blob.h>

#include <string>

#include "projections/dates.h"

namespace probity::program_internal {

inline Day D(capnp::Text::Reader text) {
  // The codec admits only real calendar dates into an event.
  return ParseDay(text.cStr()).value_or(0);
}
inline std::string S(capnp::Text::Reader text) { return text.cStr(); }

}  // namespace probity::program_internal
