// Full verification of a store: every entry re-read and decoded, every leaf and the
// root recomputed, every signature and every signer's authority checked as of its
// seq, stored tree nodes compared, and the latest checkpoint's signature and root.
// Trusts nothing derived (state, indexes); reads only entries, nodes and meta.
// Runs on one Ledger; spreads signature checks over threads internally.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ledger/ledger.h"

namespace probity {

struct VerifyOptions {
  uint64_t from = 0;  // check signatures and authority from this seq on (the tree always whole)
  const Rules* rules = nullptr;
  unsigned threads = 0;  // 0: one per core
  std::function<void(uint64_t done, uint64_t total)> progress;
  // The key checkpoints must be signed by. Give the auditor's own copy of the vkey:
  // without it, verify trusts the key recorded in the store.
  std::optional<note::Verifier> verifier;
};

struct VerifyReport {
  uint64_t size = 0;              // entries read
  uint64_t checkpoint_size = 0;
  Hash root{};                    // recomputed root at checkpoint_size
  uint64_t signatures_checked = 0;
  uint64_t checkpoints_checked = 0;  // every stored checkpoint, not only the latest
  std::optional<uint64_t> bad_seq;  // the first entry that does not check out
  std::string problem;              // empty when everything checks out
  bool ok() const { return problem.empty(); }
};

// Fails (Status) only when the store cannot be read; a tampered store is a report
// with `problem` set.
Result<VerifyReport> VerifyLedger(const Ledger& ledger, const VerifyOptions& options);

}  // namespace probity
