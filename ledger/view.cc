#include "ledger/view.h"

#include "ledger/indexes.h"
#include "ledger/ledger.h"

namespace probity {

class LedgerView::SnapshotState final : public StateReader {
 public:
  SnapshotState(const Store& store, const rocksdb::Snapshot* snapshot)
      : store_(store), snapshot_(snapshot) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override {
    return store_.Get(Column::kState, key, snapshot_);
  }
  Result<std::map<std::string, std::string>> Scan(std::string_view prefix) const override {
    return store_.Scan(Column::kState, prefix, snapshot_);
  }

 private:
  const Store& store_;
  const rocksdb::Snapshot* snapshot_;
};

LedgerView::LedgerView(const Ledger& ledger)
    : ledger_(&ledger), snapshot_(ledger.store().GetSnapshot()) {
  const Store& store = ledger.store();
  state_ = std::make_shared<SnapshotState>(store, snapshot_.get());
  nodes_ = std::make_shared<StoredNodes>(store, Column::kNodes, "", "tree node", snapshot_.get());
  // The size as of the snapshot: every append writes it in the same batch as its entries,
  // nodes and checkpoint, so the view is always a whole number of batches.
  auto size = store.Get(Column::kMeta, kMetaSize, snapshot_.get());
  size_ = size.ok() && size->has_value() ? ParseStoredSize(**size).value_or(ledger.size())
                                         : ledger.size();
  auto root = merkle::RootAt(*nodes_, size_);
  if (root.ok()) root_ = *root;
}

Result<Bytes> LedgerView::ReadEntryBytes(uint64_t seq) const {
  if (seq >= size_) return Status::NotFound("no entry at seq " + std::to_string(seq));
  auto v = ledger_->store().Get(Column::kEntries, SeqKey(seq), snapshot_.get());
  if (!v.ok()) return v.status();
  if (!v->has_value())
    return Status::Corrupt("the entry at seq " + std::to_string(seq) + " is missing");
  return Bytes((*v)->begin(), (*v)->end());
}

Result<Entry> LedgerView::ReadEntry(uint64_t seq) const {
  auto bytes = ReadEntryBytes(seq);
  if (!bytes.ok()) return bytes.status();
  auto entry = DecodeEntry(*bytes);
  if (!entry.ok()) return entry.status().WithContext("seq " + std::to_string(seq));
  return entry;
}

Result<Hash> LedgerView::RootAt(uint64_t size) const {
  if (size > size_) {
    return Status::Invalid("tree size " + std::to_string(size) + " is beyond the log's " +
                           std::to_string(size_));
  }
  return merkle::RootAt(*nodes_, size);
}

Result<std::vector<Hash>> LedgerView::InclusionProof(uint64_t seq, uint64_t size) const {
  if (size > size_) {
    return Status::Invalid("tree size " + std::to_string(size) + " is beyond the log's " +
                           std::to_string(size_));
  }
  return merkle::InclusionProof(*nodes_, seq, size);
}

Result<std::vector<Hash>> LedgerView::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (new_size > size_) {
    return Status::Invalid("tree size " + std::to_string(new_size) + " is beyond the log's " +
                           std::to_string(size_));
  }
  return merkle::ConsistencyProof(*nodes_, old_size, new_size);
}

Result<std::string> LedgerView::LatestCheckpoint() const {
  auto v = CheckpointAt(size_);
  if (!v.ok() && v.status().code() == Code::kNotFound) {
    return Status::Corrupt("no checkpoint is stored for the log's size " + std::to_string(size_));
  }
  return v;
}

Result<std::string> LedgerView::CheckpointAt(uint64_t size) const {
  auto v = ledger_->store().Get(Column::kCheckpoints, SeqKey(size), snapshot_.get());
  if (!v.ok()) return v.status();
  if (!v->has_value()) {
    return Status::NotFound(
        "no checkpoint was signed at size " + std::to_string(size) +
        " (one is signed after every submit; 'probity checkpoint --list' lists them)");
  }
  return **v;
}

Result<uint64_t> LedgerView::FirstCheckpointFrom(uint64_t size) const {
  auto it = NewIterator(Column::kCheckpoints);
  for (it->Seek(SeqKey(size)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    uint64_t at = SeqFromKey(std::string_view(it->key().data(), 8));
    if (at > size_) break;
    return at;
  }
  if (!it->status().ok()) return Status::IoError("reading checkpoints: " + it->status().ToString());
  return Status::NotFound("no checkpoint was signed at size " + std::to_string(size) +
                          " or later, up to " + std::to_string(size_));
}

Result<std::vector<SealedValue>> LedgerView::ReadSealed(uint64_t seq) const {
  std::vector<SealedValue> out;
  auto it = NewIterator(Column::kSealed);
  std::string prefix = SeqKey(seq);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string field = it->key().ToString().substr(prefix.size());
    auto v = DecodeSealedValue(field, std::string_view(it->value().data(), it->value().size()));
    if (!v.ok()) return v.status().WithContext("seq " + std::to_string(seq));
    out.push_back(std::move(*v));
  }
  if (!it->status().ok())
    return Status::IoError("reading sealed values: " + it->status().ToString());
  return out;
}

Status LedgerView::CheckProjections() const {
  auto v = Get(Column::kMeta, kMetaProjections);
  if (!v.ok()) return v.status();
  std::string want = ProjectionsRecord(ledger_->rules(), size_);
  if (v->has_value() && **v == want) return Status::Ok();
  return Status::Unavailable(
      "the projections are '" + v->value_or("missing") + "', not '" + want +
      "' (built by another version, or behind the log); run 'probity rebuild'");
}

Result<std::optional<std::string>> LedgerView::Get(Column column, std::string_view key) const {
  return ledger_->store().Get(column, key, snapshot_.get());
}

StoredNodes LedgerView::AccessNodes() const {
  return StoredNodes(ledger_->store(), Column::kAccess, "n/", "access log tree node",
                     snapshot_.get());
}

std::unique_ptr<rocksdb::Iterator> LedgerView::NewIterator(Column column) const {
  return ledger_->store().NewIterator(column, snapshot_.get());
}

const EventCodec& LedgerView::codec() const { return ledger_->codec(); }
const std::string& LedgerView::origin() const { return ledger_->origin(); }
const note::Verifier& LedgerView::checkpoint_verifier() const {
  return ledger_->checkpoint_verifier();
}

}  // namespace probity
