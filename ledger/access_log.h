// The access log: who read what through the server. Every read of a person's record, an
// eligibility list or a sealed value is appended, before it is answered, as one entry of
// its own log in the store's "access" column family, with its own RFC 9162 Merkle tree
// and its own checkpoints, signed by the ledger's checkpoint key under the origin
// "<origin>/access" (docs/formats.md, "The access log"). Each entry carries the reader's
// own request signature (RFC 9421), so the server cannot invent a read by someone else;
// the tree and checkpoints make removing or altering a read evident, as for the main log.
// AccessLog (the writer) is thread-safe; the readers below are pure over a store.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/state.h"
#include "ledger/status.h"
#include "ledger/store.h"
#include "ledger/view.h"

namespace probity {

// What one read was: asked for by the server before it answers.
struct AccessRecord {
  Hash key_id{};                      // the reader's key
  uint64_t log_size = 0;              // the main log's size the answer was read at
  std::string what;                   // "record", "leave", "eligibility", "entry"
  std::vector<std::string> subjects;  // "person/ID", "eligibility/YEAR[/units]"
  std::string target;                 // the request target, path and query
  std::string signature_base;         // the reader's signed RFC 9421 signature base
  Bytes signature;                    // Ed25519, 64 bytes, by key_id's key
};

struct AccessEntry {
  uint64_t seq = 0;
  int64_t recorded_at_us = 0;
  AccessRecord record;
};

// Canonical Cap'n Proto (schemas/access.capnp): the access log's leaf input.
Bytes EncodeAccessEntry(const AccessEntry& entry);
// Refuses anything but the bytes EncodeAccessEntry writes (canonical, re-encodes to itself,
// 32-byte key id, 64-byte signature).
Result<AccessEntry> DecodeAccessEntry(ByteSpan bytes);

// The origin line of the access log's checkpoints: "<origin>/access".
std::string AccessLogOrigin(std::string_view origin);

// The subject of a person's record, leave or sealed values in the access log.
std::string AccessSubjectOfPerson(const std::string& person);  // "person/" + ID

// What a signed GET of `target` reads, as the access log records it: the server records
// exactly this, and verify re-derives it from the target the reader signed, so a stored
// read cannot claim another subject than the request asked for.
//   /v1/persons/ID/record, /v1/persons/ID/leave   "record"/"leave", {"person/ID"}
//   /v1/persons/ID/evidence                        "evidence", {"person/ID"}
//   /v1/eligibility/YEAR[?units=1]                 "eligibility", {"eligibility/YEAR[/units]"}
//   /v1/entries/SEQ                                "entry", {"entry/SEQ"}, then the server
//                                                  adds the persons and units the entry
//                                                  is about (its subject index records)
//   /tile/entries/...                              "bundle", {"tile/entries/..."}
// nullopt for any other target (a read that is not recorded).
struct AccessedRead {
  std::string what;
  std::vector<std::string> subjects;
};
std::optional<AccessedRead> ReadOfTarget(std::string_view target);

class AccessLog {
 public:
  // Over `store` (open for writing), signing checkpoints with `checkpoint_key` (not owned;
  // must outlive this) under the name `origin`. Checks that the stored size, the tree and
  // the latest checkpoint agree; otherwise Unavailable("access log damaged: ...").
  // `view` is of the same store, taken under the writer's lock.
  static Result<std::unique_ptr<AccessLog>> Open(Store& store, const LedgerView& view,
                                                 const PrivateKey& checkpoint_key,
                                                 std::string origin);

  // Appends one entry, recorded at `now_us` (the server's clock, the one that judged the
  // request's `created`; never before the entry ahead of it), with its tree nodes, size
  // and a new signed checkpoint in one synced write, and returns its seq. A failure
  // writes nothing (and the read must be refused).
  Result<uint64_t> Record(const AccessRecord& record, int64_t now_us);
  uint64_t size() const;

  // Stores the witness cosignature lines `cosigned` carries (an access log checkpoint note
  // as `probity witness add-checkpoint` prints it) with the access log's checkpoint at that
  // size, under "c/" SeqKey(size), and returns how many lines were new. Refused unless the
  // note is signed by `verifier` (the ledger's checkpoint key), is of "<origin>/access" and
  // signs this log's own root at its size (a size beyond the log: NotFound). `view` is of
  // the same store. The cosignatures are not trusted here: verify --witness checks them.
  Result<size_t> AddCosignatures(const LedgerView& view, const note::Verifier& verifier,
                                 std::string_view cosigned);

 private:
  AccessLog() = default;
  Store* store_ = nullptr;
  const PrivateKey* key_ = nullptr;
  std::string origin_;
  mutable std::mutex mu_;
  merkle::Frontier frontier_;  // guarded by mu_
  int64_t last_us_ = 0;        // guarded by mu_: recordedAt never goes backwards
};

// ---- reading, through one view of the store --------------------------------------------
Result<uint64_t> AccessLogSize(const LedgerView& view);
// The latest signed checkpoint of the access log, with the witness cosignatures stored for
// it if any; nullopt while it is empty.
Result<std::optional<std::string>> AccessLogCheckpoint(const LedgerView& view);
// The access log's root at `size` (at most its size), from its stored tree.
Result<Hash> AccessRootAt(const LedgerView& view, uint64_t size);
// RFC 9162 PROOF(old_size, new_size) over the access log's stored tree: empty when the sizes
// are equal or old_size is 0; Invalid unless old_size <= new_size <= the access log's size.
Result<std::vector<Hash>> AccessConsistencyProof(const LedgerView& view, uint64_t old_size,
                                                 uint64_t new_size);
// The entries about `subject`, oldest first: at most `limit`, the newest.
Result<std::vector<AccessEntry>> AccessesAbout(const LedgerView& view, std::string_view subject,
                                               size_t limit);

// Checks the whole access log: every entry decodes, holds its own seq and a recordedAt
// that never goes backwards, names a key the main log registered before the entry's
// logSize and had not revoked by then, and carries that key's valid signature of a GET
// of its target, created within five minutes of recordedAt and stored once; `what` and
// `subjects` are what ReadOfTarget derives from that target (an entry's added subjects
// are in the main log's subject index for that seq); the stored nodes are the tree of those
// entries, the subject index matches them exactly, the latest checkpoint and every
// cosigned one are signed by `verifier` (the ledger's checkpoint key) over
// "<origin>/access", the recomputed size and the root at that size. Corrupt, naming the
// first seq or record that differs. `progress` (may be empty) gets (done, total). `saved`:
// access log checkpoints someone kept earlier (already opened with `verifier`); the log must
// extend each (a smaller log is a rollback: reads removed; another root at that size a
// fork: reads altered). Witness cosignatures themselves are the caller's to check.
struct SavedAccessCheckpoint {
  std::string source;  // for messages: "cp.note", "trust dir ..."
  note::Checkpoint checkpoint;
};
struct AccessLogCheck {
  uint64_t size = 0;
  std::string checkpoint;  // the latest (AccessLogCheckpoint), "" while empty
  std::string cosigned;    // the newest cosigned checkpoint ("c/"), or ""
  uint64_t cosigned_size = 0;
};
Result<AccessLogCheck> VerifyAccessLog(const LedgerView& view, const note::Verifier& verifier,
                                       const std::vector<SavedAccessCheckpoint>& saved,
                                       const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace probity
