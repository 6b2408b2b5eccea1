// The supervision program's rules (R1-R15 of docs/program-rules.md) checked when an
// event arrives, and the fold that keeps the read models (projections/records.h) in
// step with the log. Plugged into the Ledger as its Rules; stateless itself, so one
// instance may serve every thread.
#pragma once

#include <climits>

#include "ledger/ledger.h"
#include "projections/records.h"

namespace probity {

class ProgramRules final : public Rules {
 public:
  // Refusals are Status::Refused naming the rule id, e.g. "restriction in force (R1)";
  // a missing reference is refused naming what is missing.
  Status Check(const StateReader& state, uint64_t seq, const KeyInfo* signer,
               schema::Event::Reader event) const override;
  Status Apply(StateTxn& txn, uint64_t seq, const KeyInfo* signer,
               schema::Event::Reader event) const override;
  std::vector<std::string> Subjects(const StateReader& state,
                                    schema::Event::Reader event) const override;
  // Bump when the records' layout or meaning changes (docs/formats.md, "State records").
  std::string Version() const override { return "program-rules-v5"; }
};

// The compensatory leave a person accrued (R5) by assignments that ended before
// `before`: one day per rest day on site (weekends and public holidays, less make-up
// working days, by the calendars in the state), each calendar day counted once.
Result<uint32_t> AccruedLeave(const StateReader& state, const records::Person& person,
                              Day before = INT32_MAX);

// The same over `assignments` (live ones; their live endings count).
Result<uint32_t> AccruedBy(const StateReader& state,
                           const std::vector<records::Assignment>& assignments, Day before);

// Whether a restriction (R1) is in force on any day of [from, to].
bool RestrictedDuring(const records::Person& person, Day from, Day to);

}  // namespace probity
