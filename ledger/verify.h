// Full verification of a store: every entry re-read and decoded, every leaf and the
// root recomputed, every signature and every signer's authority checked as of its
// seq, and then every derived record (size and other meta, the id and subject indexes,
// the projections, sealed values, tree nodes, checkpoints) compared with a fresh fold
// of the log. Trusts nothing stored that is not signed or re-derived here. Checks the
// log against checkpoints the auditor kept (rollback, fork) and witness cosignatures.
// Reads one LedgerView (a snapshot); spreads signature checks over threads internally.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/witness.h"

namespace probity {

struct VerifyOptions {
  uint64_t from = 0;  // check signatures and authority from this seq on (the tree always whole)
  const Rules* rules = nullptr;
  unsigned threads = 0;  // 0: one per core
  std::function<void(uint64_t done, uint64_t total)> progress;
  // The key checkpoints must be signed by. Give the auditor's own copy of the vkey:
  // without it, verify trusts the key recorded in the store.
  std::optional<note::Verifier> verifier;
  // Checkpoint notes the auditor saved earlier: the log must extend each consistently
  // (a smaller log is a rollback, another root at that size a fork). Notes of the access
  // log (origin "<origin>/access") are checked against the access log the same way.
  struct Saved {
    std::string source;  // where it came from, for messages: "cp.note", "trust dir ..."
    std::string note;
  };
  std::vector<Saved> since;
  // Witnesses whose cosignatures the latest checkpoint must carry, at least `quorum`; the
  // access log's newest cosigned checkpoint too, once it holds any read.
  std::vector<witness::CosignerKey> witnesses;
  size_t quorum = 0;
  // The fold of the log goes to a scratch store in this directory (removed after), holding
  // at most `memory_budget` bytes of it in memory (0: ScratchStore::kDefaultBudget).
  // Empty: the system's temporary directory ($TMPDIR).
  std::string scratch_dir;
  size_t memory_budget = 0;
};

struct VerifyReport {
  uint64_t size = 0;  // entries read
  uint64_t checkpoint_size = 0;
  Hash root{};             // recomputed root at checkpoint_size
  std::string checkpoint;  // the latest checkpoint note, as stored
  uint64_t signatures_checked = 0;
  uint64_t checkpoints_checked = 0;  // every stored checkpoint, not only the latest
  uint64_t derived_checked = 0;      // derived records compared with the fold
  uint64_t since_checked = 0;        // saved checkpoints the log extends
  uint64_t access_entries = 0;       // access log entries checked
  std::string access_checkpoint;     // its latest checkpoint (empty: none yet)
  std::string access_cosigned;       // its newest checkpoint with cosignatures (empty: none)
  uint64_t access_cosigned_size = 0;
  std::vector<witness::Cosignature> access_cosigned_by;  // with --witness: who cosigned it
  std::vector<witness::Cosignature> cosigned_by;         // witnesses whose cosignature verified
  std::optional<uint64_t> bad_seq;                       // the first entry that does not check out
  std::string problem;                                   // empty when everything checks out
  bool ok() const { return problem.empty(); }
};

// Fails (Status) only when the store cannot be read; a tampered store is a report
// with `problem` set.
// Reads only `view` (a Ledger converts to its current view).
Result<VerifyReport> VerifyLedger(const LedgerView& view, const VerifyOptions& options);

// The auditor's trust directory (verify --trust-dir): per origin, the largest checkpoint
// verified so far, in DIR/<origin, percent-encoded>.checkpoint. Read returns nullopt when
// none is kept yet; Write replaces it atomically (temporary file, fsync, rename).
Result<std::optional<std::string>> ReadTrustedCheckpoint(const std::string& dir,
                                                         const std::string& origin);
Status WriteTrustedCheckpoint(const std::string& dir, const std::string& origin,
                              const std::string& note);

}  // namespace probity
