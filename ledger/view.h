// LedgerView: one immutable, consistent view of a ledger (a RocksDB snapshot with the
// tree size, root and checkpoint it holds), the only way reports, verify, show and prove
// read. A report's basis is exactly what its view read. Views never take the writer's
// lock; any number may live at once, on any thread; copies share one snapshot.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/sealed.h"
#include "ledger/state.h"
#include "ledger/store.h"

namespace probity {

class Ledger;
class EventCodec;

class LedgerView {
 public:
  // The ledger as it is now (Ledger::View()); implicit so that a function taking a view
  // also takes a Ledger.
  LedgerView(const Ledger& ledger);  // NOLINT

  uint64_t size() const { return size_; }
  const Hash& root() const { return root_; }

  Result<Entry> ReadEntry(uint64_t seq) const;
  Result<Bytes> ReadEntryBytes(uint64_t seq) const;
  Result<Hash> RootAt(uint64_t size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t seq, uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The checkpoint at this view's size, with any cosignatures.
  Result<std::string> LatestCheckpoint() const;
  Result<std::string> CheckpointAt(uint64_t size) const;
  // The size of the first checkpoint signed at `size` or later, up to this view's size:
  // the first that holds the entries before `size` (a checkpoint is signed after a submit,
  // not after every entry). NotFound when there is none.
  Result<uint64_t> FirstCheckpointFrom(uint64_t size) const;
  Result<std::vector<SealedValue>> ReadSealed(uint64_t seq) const;
  // Ok when the projections were built by the ledger's rules and applied every entry.
  Status CheckProjections() const;

  // The "state" column family as of this view.
  const StateReader& state() const { return *state_; }
  Result<std::optional<std::string>> Get(Column column, std::string_view key) const;
  std::unique_ptr<rocksdb::Iterator> NewIterator(Column column) const;
  // The access log's tree (access_log.h), as of this view.
  StoredNodes AccessNodes() const;

  const EventCodec& codec() const;
  const std::string& origin() const;
  const note::Verifier& checkpoint_verifier() const;
  const Ledger& ledger() const { return *ledger_; }

 private:
  class SnapshotState;
  const Ledger* ledger_;
  Store::Snapshot snapshot_;
  uint64_t size_ = 0;
  Hash root_{};
  std::shared_ptr<const StateReader> state_;
  std::shared_ptr<const merkle::NodeReader> nodes_;
};

}  // namespace probity
