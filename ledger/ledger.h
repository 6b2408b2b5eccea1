// The ledger: a signed, append-only log of events in a Store, its Merkle tree and
// its signed checkpoints. Submit checks every envelope (form, signature, authority,
// idempotency, the program's rules) and lands a whole batch in one synced write, or
// nothing. Thread-safe: Submit calls are serialized; reads may run concurrently.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/access_log.h"
#include "ledger/authority.h"
#include "ledger/crypto.h"
#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/state.h"
#include "ledger/store.h"
#include "ledger/view.h"

namespace probity {

// Microseconds since the Unix epoch. Injected so tests and the demo are deterministic.
using Clock = std::function<int64_t()>;
Clock SystemClock();

// Extra checks and state a program adds to every append (projections/ plugs its
// rules in here). Check sees the state before the event; Apply folds the event.
class Rules {
 public:
  virtual ~Rules() = default;
  virtual Status Check(const StateReader& state, uint64_t seq, const KeyInfo* signer,
                       schema::Event::Reader event) const = 0;
  // `signer` is the key that signed the event (null for the genesis entry).
  virtual Status Apply(StateTxn& txn, uint64_t seq, const KeyInfo* signer,
                       schema::Event::Reader event) const = 0;
  // The persons and units `event` is about (SubjectOfPerson/SubjectOfUnit in
  // ledger/store.h), judged on the state before it; the subject index files it under each.
  virtual std::vector<std::string> Subjects(const StateReader& state,
                                            schema::Event::Reader event) const = 0;
  // Names the layout of the records Apply writes; a store built under another version
  // must be rebuilt before its projections are read.
  virtual std::string Version() const = 0;
};

struct Receipt {
  uint64_t seq = 0;
  Hash leaf_hash{};
  bool duplicate = false;  // the same event (by id) was already stored at `seq`
};

struct SubmitError {
  size_t index = 0;  // which envelope of the batch
  Status status;
};

class Ledger {
 public:
  struct Options {
    Clock clock;
    const Rules* rules = nullptr;  // not owned; must outlive the Ledger
    unsigned verify_threads = 0;   // 0: one per core
    // Operational log (appends, refusals, rebuilds); never key material. May be null.
    std::shared_ptr<spdlog::logger> log;
    // Runs after a batch is durable and before its receipts are returned (tests use it
    // to kill the process between commit and receipt). May be empty.
    std::function<void()> after_commit;
    // The file system under the store (not owned; null: the real one). Tests inject
    // faults through it; production passes nothing.
    rocksdb::Env* env = nullptr;
    // Where Rebuild folds the log before writing it (a scratch store, removed after);
    // empty: the system's temporary directory ($TMPDIR).
    std::string scratch_dir;
    size_t memory_budget = 0;  // bytes of that fold held in memory; 0: the default
  };

  // Where the checkpoint key lives. Empty `path`: Init makes one in DIR/checkpoint-key.pem,
  // fresh from OpenSSL's RNG. Otherwise an existing key file outside the store (made by
  // `probity keygen`); the store records its absolute path (and the passphrase file's),
  // never the key.
  struct CheckpointKeySource {
    std::string path;
    std::optional<std::string> passphrase_file;
    // Only `probity demo` sets it: the key Init makes (with an empty `path`) is then the
    // one of this RFC 8032 seed, a public one, so that every demo run signs the same
    // checkpoints. Never for a store that holds real records.
    std::optional<Hash> demo_seed = std::nullopt;
  };

  // Creates a store in DIR (which must not hold one) with the checkpoint key of
  // `key_source`, and appends the genesis entry, the admin key's registration signed by
  // itself. Built in a sibling temporary directory and renamed into place, so a
  // failure leaves nothing behind.
  static Result<std::unique_ptr<Ledger>> Init(const std::string& dir, const PrivateKey& admin,
                                              const std::string& origin,
                                              const CheckpointKeySource& key_source,
                                              Options options);
  // Opens the store in DIR. For writing, first checks that the stored size, the last
  // entry, the tree's frontier and the latest checkpoint agree, and that the checkpoint
  // key is the store's; otherwise Status::Unavailable("store damaged: ...") and nothing
  // can be written until `probity verify` has named the damage and it is mended.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, Store::Mode mode,
                                              Options options);

  // Appends `batch` atomically: every envelope lands, with its checkpoint, or none does
  // and `error` names the first one refused. Receipts are in batch order. An envelope
  // whose event id is stored already gets that entry's receipt (duplicate = true).
  // Every event must have an id and carry the clear value of each sealed field.
  Result<std::vector<Receipt>> Submit(const std::vector<Envelope>& batch, SubmitError* error);

  // Group commit: admits each request as Submit would, all-or-nothing on its own (one
  // request's refusal never refuses another's, and a later request sees what the earlier
  // kept ones appended), and writes every kept request in one synced write with one
  // checkpoint. Results (and `errors`, one per request, meaningful where the result is
  // not ok) are in request order; a failed write fails every request that was kept.
  std::vector<Result<std::vector<Receipt>>> SubmitGroup(
      const std::vector<const std::vector<Envelope>*>& requests, std::vector<SubmitError>* errors);

  // Drops every derived record (state, subject and id indexes) and rebuilds them by
  // folding the whole log again into a scratch store (bounded memory), then writing them
  // in. Until it finishes, the store is marked: reads refuse it and Submit refuses
  // everything, also after a crash, until a rebuild completes. Reports progress if given.
  Status Rebuild(const std::function<void(uint64_t, uint64_t)>& progress);

  // Ok when the projections were built by this program's rules and have applied every
  // entry; otherwise says why and that `probity rebuild` mends it.
  Status CheckProjections() const;

  // The number of entries committed; never waits for a write in progress.
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  // A consistent, immutable view for reading (ledger/view.h): reports, verify, show and
  // prove read through one, never through the live store.
  LedgerView View() const { return LedgerView(*this); }
  const Rules* rules() const { return options_.rules; }
  Result<Entry> ReadEntry(uint64_t seq) const;
  Result<Bytes> ReadEntryBytes(uint64_t seq) const;
  Result<Hash> RootAt(uint64_t size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t seq, uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // The latest checkpoint as a signed note (with any witness cosignatures).
  Result<std::string> LatestCheckpoint() const;
  // Stores the cosignature lines of `note` (a checkpoint this ledger signed, carrying
  // witness cosignatures) with the stored checkpoint of the same size, which must have
  // exactly the same text. Lines already stored are kept once. Returns how many lines
  // were new. The cosignatures are not trusted here: verify --witness checks them.
  // A checkpoint of the access log ("<origin>/access") goes to AccessLog::AddCosignatures.
  Result<size_t> AddCosignatures(std::string_view note);
  // The clear values of entry `seq`'s sealed fields still kept (none after an erasure).
  Result<std::vector<SealedValue>> ReadSealed(uint64_t seq) const;
  // The checkpoint signed when the log had `size` entries (one per submit).
  Result<std::string> CheckpointAt(uint64_t size) const;
  const note::Verifier& checkpoint_verifier() const { return *verifier_; }
  const std::string& origin() const { return origin_; }

  // Ok, or why the store's size, last entry, tree and latest checkpoint disagree (see
  // Open). Readers open a damaged store so that verify can name the damage; other
  // reads should refuse it.
  const Status& damage() const { return damage_; }

  const Store& store() const { return *store_; }
  // The access log's writer (ledger/access_log.h); null unless open for writing.
  AccessLog* access_log() const { return access_log_.get(); }
  const EventCodec& codec() const { return codec_; }

 private:
  Ledger() = default;
  Status LoadMeta();
  // The size, last entry, frontier and latest checkpoint agree (see Open).
  Status CheckConsistent() const;
  Status LoadCheckpointKey(const std::string& dir);
  struct PendingBatch;
  // Checks envelope `index` of a batch and folds it into `batch`; a failure refuses it.
  Status Admit(PendingBatch& batch, const Envelope& envelope, size_t index,
               bool signature_checked_early);
  // True when the event's id names an event already stored (a receipt was added).
  Result<bool> AdmitDuplicate(PendingBatch& batch, const Envelope& envelope,
                              schema::Event::Reader event);
  // The batch's state, checkpoint and everything admitted, in one synced write.
  Status Commit(PendingBatch& batch);
  // Checks and stages the sealed values of an admitted event, and an erasure's deletions.
  Status AdmitSealed(PendingBatch& batch, const Envelope& envelope, schema::Event::Reader event,
                     uint64_t seq);

  std::unique_ptr<Store> store_;
  Status damage_;
  Options options_;
  EventCodec codec_;
  std::string origin_;
  std::optional<note::Verifier> verifier_;
  std::optional<PrivateKey> checkpoint_key_;  // only when open for writing
  std::unique_ptr<merkle::NodeReader> nodes_;
  mutable std::mutex write_mu_;
  std::atomic<uint64_t> size_{0};             // entries committed; published after each commit
  std::optional<merkle::Frontier> frontier_;  // guarded by write_mu_
  int64_t last_recorded_us_ = 0;              // guarded by write_mu_
  bool rebuilding_ = false;  // a rebuild is under way or was interrupted; guarded by write_mu_
  std::unique_ptr<AccessLog> access_log_;  // after store_ and checkpoint_key_: goes first
};

}  // namespace probity
