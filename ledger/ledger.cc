#include "ledger/ledger.h"

#include <capnp/message.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "ledger/authority.h"
#include "ledger/indexes.h"

namespace probity {
namespace {
// Meta "projections" while a rebuild runs: reads refuse the store (it is not
// ProjectionsRecord) and so does Submit, until a rebuild finishes.
constexpr char kRebuilding[] = "rebuilding";
}  // namespace
namespace {

namespace fs = std::filesystem;

constexpr char kCheckpointKeyFile[] = "checkpoint-key.pem";
// Below this many signatures a batch is verified on the calling thread.
constexpr size_t kParallelVerifyThreshold = 64;

struct SignatureTask {
  size_t index;
  PublicKey key;
  const Envelope* envelope;
};

// Verifies every task, spreading them over `threads` threads; returns the lowest
// batch index whose signature fails, or nullopt.
std::optional<size_t> VerifySignatures(const std::vector<SignatureTask>& tasks,
                                       std::string_view origin, unsigned threads) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> first_bad{SIZE_MAX};
  auto work = [&]() {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      const auto& t = tasks[i];
      if (!VerifyEnvelope(*t.envelope, origin, t.key)) {
        size_t cur = first_bad.load();
        while (t.index < cur && !first_bad.compare_exchange_weak(cur, t.index)) {
        }
      }
    }
  };
  if (threads <= 1 || tasks.size() < kParallelVerifyThreshold) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }
  if (first_bad.load() == SIZE_MAX) return std::nullopt;
  return first_bad.load();
}

// Verifies, on worker threads, the signatures whose keys the committed state already
// knows, while the calling thread runs the sequential checks of the same batch. A key's
// id is the hash of the key, so a key known now is the key the fold will find.
class EarlyVerifier {
 public:
  EarlyVerifier(std::vector<SignatureTask> tasks, std::string origin, unsigned threads)
      : tasks_(std::move(tasks)), origin_(std::move(origin)) {
    if (tasks_.size() < kParallelVerifyThreshold) threads = 0;
    for (unsigned i = 0; i < threads; ++i) pool_.emplace_back([this]() { Work(); });
  }
  ~EarlyVerifier() { Finish(); }
  // Helps with what is left, waits for the workers; returns every failing index, sorted.
  std::set<size_t> Finish() {
    Work();
    for (auto& t : pool_) t.join();
    pool_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    return bad_;
  }

 private:
  void Work() {
    for (size_t i = next_++; i < tasks_.size(); i = next_++) {
      const auto& t = tasks_[i];
      if (!VerifyEnvelope(*t.envelope, origin_, t.key)) {
        std::lock_guard<std::mutex> lock(mu_);
        bad_.insert(t.index);
      }
    }
  }
  std::vector<SignatureTask> tasks_;
  std::string origin_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::set<size_t> bad_;
  std::vector<std::thread> pool_;
};

// The checkpoint key at `path`, decrypted with the passphrase in `passphrase_path` if any.
Result<PrivateKey> LoadCheckpointKeyFile(const std::string& path,
                                         const std::string& passphrase_path) {
  std::optional<std::string> passphrase;
  if (!passphrase_path.empty()) {
    auto p = ReadPassphraseFile(passphrase_path);
    if (!p.ok()) return p.status().WithContext("checkpoint key passphrase");
    passphrase = std::move(*p);
  }
  return LoadPrivateKeyFile(path, passphrase);
}

// The genesis event's id: the same in every store (the origin in the signed message
// tells one store's genesis from another's).
constexpr char kGenesisId[] = "genesis";

Bytes GenesisBody(const PrivateKey& admin) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  event.setId(kGenesisId);
  auto k = event.initKeyRegistered();
  k.setPublicKey(admin.Public().ToPem());
  k.setHolder("ledger administrator");
  k.setRole(schema::Role::ADMIN);
  auto words = capnp::canonicalize(event.asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

}  // namespace

Clock SystemClock() {
  return []() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
}

Result<std::unique_ptr<Ledger>> Ledger::Init(const std::string& dir, const PrivateKey& admin,
                                             const std::string& origin,
                                             const CheckpointKeySource& key_source,
                                             Options options) {
  if (origin.empty() || origin.find_first_of("+ \t\n") != std::string::npos) {
    return Status::Invalid("origin must be non-empty with no '+' or white space: '" + origin + "'");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  if (fs::exists(dir + "/db", ec)) return Status::Refused("a store is already at " + dir);
  if (key_source.path.empty() && fs::exists(dir + "/" + kCheckpointKeyFile, ec)) {
    return Status::Refused(dir + "/" + kCheckpointKeyFile +
                           " exists without a store; move it away first " +
                           "(it may be the key of another ledger's checkpoints)");
  }
  // Build the whole store, genesis included, in DIR/.init; the rename of DIR/.init/db
  // to DIR/db is the commit point, so a failure or crash before it leaves no store.
  std::string staging = dir + "/.init";
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return Status::IoError("cannot create " + staging + ": " + ec.message());
  std::optional<PrivateKey> checkpoint_key;
  std::string key_path, passphrase_path;
  if (key_source.path.empty()) {
    auto made =
        key_source.demo_seed ? PrivateKey::FromSeed(*key_source.demo_seed) : PrivateKey::Generate();
    if (!made.ok()) return made.status();
    checkpoint_key.emplace(std::move(*made));
    PROBITY_RETURN_IF_ERROR(
        WritePrivateKeyFile(staging + "/" + kCheckpointKeyFile, *checkpoint_key, std::nullopt));
  } else {
    key_path = fs::absolute(key_source.path, ec).lexically_normal().string();
    if (key_source.passphrase_file) {
      passphrase_path = fs::absolute(*key_source.passphrase_file, ec).lexically_normal().string();
    }
    auto loaded = LoadCheckpointKeyFile(key_path, passphrase_path);
    if (!loaded.ok()) return loaded.status();
    checkpoint_key.emplace(std::move(*loaded));
  }
  {
    auto store = Store::Create(staging);
    if (!store.ok()) return store.status();
    note::Verifier verifier{origin, note::KeyIdFor(origin, checkpoint_key->Public()),
                            checkpoint_key->Public()};
    rocksdb::WriteBatch meta;
    meta.Put((*store)->handle(Column::kMeta), kMetaFormat, kStoreFormat);
    meta.Put((*store)->handle(Column::kMeta), kMetaOrigin, origin);
    meta.Put((*store)->handle(Column::kMeta), kMetaVkey, verifier.Vkey());
    meta.Put((*store)->handle(Column::kMeta), kMetaSize, "0");
    if (!key_path.empty()) meta.Put((*store)->handle(Column::kMeta), kMetaCheckpointKey, key_path);
    if (!passphrase_path.empty()) {
      meta.Put((*store)->handle(Column::kMeta), kMetaCheckpointPassphrase, passphrase_path);
    }
    PROBITY_RETURN_IF_ERROR((*store)->Write(meta));
  }
  {
    auto staged = Open(staging, Store::Mode::kReadWrite, options);
    if (!staged.ok()) return staged.status();
    SubmitError error;
    auto receipts = (*staged)->Submit({SignEnvelope(GenesisBody(admin), origin, admin)}, &error);
    if (!receipts.ok()) return receipts.status().WithContext("genesis");
  }
  // The store holds personal data: only its owner may read it (the operator grants
  // access by running probity, not by file permissions).
  fs::permissions(staging + "/db", fs::perms::owner_all, fs::perm_options::replace, ec);
  if (key_path.empty())
    fs::rename(staging + "/" + kCheckpointKeyFile, dir + "/" + kCheckpointKeyFile, ec);
  if (!ec) fs::rename(staging + "/db", dir + "/db", ec);
  if (ec) return Status::IoError("cannot move the new store into " + dir + ": " + ec.message());
  fs::remove_all(staging, ec);
  return Open(dir, Store::Mode::kReadWrite, std::move(options));
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, Store::Mode mode,
                                             Options options) {
  auto store = Store::Open(dir, mode, options.env);
  if (!store.ok()) return store.status();
  std::unique_ptr<Ledger> ledger(new Ledger());
  ledger->store_ = std::move(*store);
  ledger->options_ = std::move(options);
  if (!ledger->options_.clock) ledger->options_.clock = SystemClock();
  if (ledger->options_.verify_threads == 0) {
    ledger->options_.verify_threads = std::max(1u, std::thread::hardware_concurrency());
  }
  PROBITY_RETURN_IF_ERROR(ledger->LoadMeta());
  if (ledger->options_.log) {
    ledger->options_.log->debug("opened {} ({}), {} entries, origin {}", dir,
                                mode == Store::Mode::kReadOnly ? "read-only" : "read-write",
                                ledger->frontier_->size(), ledger->origin_);
  }
  Status consistent = ledger->damage_.ok() ? ledger->CheckConsistent() : ledger->damage_;
  if (!consistent.ok() && ledger->damage_.ok()) {
    ledger->damage_ = Status::Unavailable("store damaged: " + consistent.message() +
                                          " (run 'probity verify' to see what differs)");
  }
  if (mode == Store::Mode::kReadWrite) {
    PROBITY_RETURN_IF_ERROR(ledger->LoadCheckpointKey(dir));
    if (!ledger->damage_.ok()) return ledger->damage_;
    auto projections = ledger->store_->Get(Column::kMeta, kMetaProjections);
    if (!projections.ok()) return projections.status();
    ledger->rebuilding_ = projections->value_or("") == kRebuilding;
    // Sound, and its checkpoint key loaded: only now may a v2 store become v3.
    PROBITY_RETURN_IF_ERROR(ledger->store_->FinishUpgrade());
    auto access =
        AccessLog::Open(*ledger->store_, ledger->View(), *ledger->checkpoint_key_, ledger->origin_);
    if (!access.ok()) return access.status();
    ledger->access_log_ = std::move(*access);
  }
  return ledger;
}

Status Ledger::LoadCheckpointKey(const std::string& dir) {
  auto external = store_->Get(Column::kMeta, kMetaCheckpointKey);
  if (!external.ok()) return external.status();
  auto passphrase = store_->Get(Column::kMeta, kMetaCheckpointPassphrase);
  if (!passphrase.ok()) return passphrase.status();
  std::string path = external->value_or(dir + "/" + kCheckpointKeyFile);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Status::Unavailable(
        "the checkpoint key " + path + " is gone" +
        (external->has_value() ? " (the store was made with --checkpoint-key)" : "") +
        "; restore it to append (reads need no key)");
  }
  auto key = LoadCheckpointKeyFile(path, passphrase->value_or(""));
  if (!key.ok()) return key.status().WithContext("checkpoint key " + path);
  if (key->Public().raw() != verifier_->key.raw()) {
    return Status::Corrupt(path + " is not the key of this store's checkpoints");
  }
  checkpoint_key_.emplace(std::move(*key));
  return Status::Ok();
}

Status Ledger::CheckConsistent() const {
  uint64_t size = frontier_->size();
  auto it = store_->NewIterator(Column::kEntries);
  it->SeekToLast();
  if (!it->status().ok()) return Status::IoError("reading entries: " + it->status().ToString());
  if (size == 0) {
    // A store being made by Init: nothing appended, nothing signed yet.
    if (it->Valid()) return Status::Corrupt("the size record says 0 but entries are stored");
    auto cps = store_->NewIterator(Column::kCheckpoints);
    cps->SeekToFirst();
    if (cps->Valid()) return Status::Corrupt("the size record says 0 but checkpoints are stored");
    return Status::Ok();
  } else {
    if (!it->Valid() || it->key().size() != 8) {
      return Status::Corrupt("the size record says " + std::to_string(size) +
                             " but no entry is stored");
    }
    uint64_t last = SeqFromKey(std::string_view(it->key().data(), it->key().size()));
    if (last + 1 != size) {
      return Status::Corrupt("the size record says " + std::to_string(size) +
                             " but the last entry is seq " + std::to_string(last));
    }
    auto entry = DecodeEntry(AsBytes(std::string_view(it->value().data(), it->value().size())));
    if (!entry.ok() || entry->seq != last)
      return Status::Corrupt("the last entry (seq " + std::to_string(last) +
                             ") does not decode as itself");
    auto leaf = nodes_->Get(0, last);
    if (!leaf.ok() ||
        !ConstantTimeEqual(
            merkle::LeafHash(AsBytes(std::string_view(it->value().data(), it->value().size()))),
            *leaf)) {
      return Status::Corrupt("the last entry (seq " + std::to_string(last) +
                             ") is not the tree's last leaf");
    }
  }
  auto note_text = LatestCheckpoint();
  if (!note_text.ok()) return note_text.status();
  auto opened = note::Open(*note_text, {*verifier_});
  if (!opened.ok()) return opened.status().WithContext("latest checkpoint");
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return cp.status().WithContext("latest checkpoint");
  if (cp->origin != origin_ || cp->size != size ||
      !ConstantTimeEqual(cp->root, frontier_->Root())) {
    return Status::Corrupt("the latest checkpoint (size " + std::to_string(cp->size) +
                           ") does not match the tree (size " + std::to_string(size) + ")");
  }
  return Status::Ok();
}

Status Ledger::LoadMeta() {
  auto get = [&](const char* key) -> Result<std::string> {
    auto v = store_->Get(Column::kMeta, key);
    if (!v.ok()) return v.status();
    if (!v->has_value()) return Status::Corrupt(std::string("store has no '") + key + "' record");
    return **v;
  };
  auto origin = get(kMetaOrigin);
  if (!origin.ok()) return origin.status();
  origin_ = *origin;
  auto vkey = get(kMetaVkey);
  if (!vkey.ok()) return vkey.status();
  auto verifier = note::Verifier::FromVkey(*vkey);
  if (!verifier.ok()) return verifier.status().WithContext("checkpoint-vkey");
  verifier_.emplace(std::move(*verifier));
  auto size = get(kMetaSize);
  if (!size.ok()) return size.status();
  auto n = ParseStoredSize(*size);
  if (!n) return Status::Corrupt("the store's size record is not a number: '" + *size + "'");
  nodes_ = std::make_unique<StoredNodes>(*store_, Column::kNodes, "", "tree node");
  auto frontier = merkle::Frontier::Load(*nodes_, *n);
  if (!frontier.ok()) {
    // A reader still opens, so that verify can name what is wrong; a writer refuses.
    if (!store_->read_only())
      return Status::Unavailable("store damaged: " + frontier.status().message());
    damage_ = Status::Unavailable("store damaged: the tree has no frontier at the size record's " +
                                  std::to_string(*n) + " (" + frontier.status().message() + ")");
    frontier = merkle::Frontier();
  }
  frontier_.emplace(std::move(*frontier));
  size_.store(frontier_->size(), std::memory_order_release);
  // Only a writer needs the last recorded time; a reader must open even a store whose
  // last entries are gone, so that verify can name them.
  if (frontier_->size() > 0 && !store_->read_only()) {
    auto last = ReadEntry(frontier_->size() - 1);
    if (!last.ok()) {
      return Status::Unavailable(
          "store damaged: the last entry (seq " + std::to_string(frontier_->size() - 1) +
          ") cannot be read: " + last.status().message() + "; writes are refused");
    }
    last_recorded_us_ = last->recorded_at_us;
  }
  return Status::Ok();
}

Result<Bytes> Ledger::ReadEntryBytes(uint64_t seq) const {
  auto v = store_->Get(Column::kEntries, SeqKey(seq));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::NotFound("no entry at seq " + std::to_string(seq));
  return Bytes((*v)->begin(), (*v)->end());
}

Result<Entry> Ledger::ReadEntry(uint64_t seq) const {
  auto bytes = ReadEntryBytes(seq);
  if (!bytes.ok()) return bytes.status();
  auto entry = DecodeEntry(*bytes);
  if (!entry.ok()) return entry.status().WithContext("seq " + std::to_string(seq));
  return entry;
}

Result<Hash> Ledger::RootAt(uint64_t size) const {
  if (size > this->size())
    return Status::Invalid("tree size " + std::to_string(size) + " is beyond the log's " +
                           std::to_string(this->size()));
  return merkle::RootAt(*nodes_, size);
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t seq, uint64_t size) const {
  if (size > this->size())
    return Status::Invalid("tree size " + std::to_string(size) + " is beyond the log's " +
                           std::to_string(this->size()));
  return merkle::InclusionProof(*nodes_, seq, size);
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (new_size > size())
    return Status::Invalid("tree size " + std::to_string(new_size) + " is beyond the log's " +
                           std::to_string(size()));
  return merkle::ConsistencyProof(*nodes_, old_size, new_size);
}

Result<std::string> Ledger::LatestCheckpoint() const {
  auto v = store_->Get(Column::kCheckpoints, SeqKey(size()));
  if (!v.ok()) return v.status();
  if (!v->has_value())
    return Status::Corrupt("no checkpoint is stored for the log's size " + std::to_string(size()));
  return **v;
}

Result<std::vector<SealedValue>> Ledger::ReadSealed(uint64_t seq) const {
  return View().ReadSealed(seq);
}

Result<size_t> Ledger::AddCosignatures(std::string_view cosigned) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (!checkpoint_key_) return Status::Refused("the ledger is open read-only");
  auto opened = note::Open(cosigned, {*verifier_});
  if (!opened.ok()) return opened.status().WithContext("cosigned checkpoint");
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return cp.status().WithContext("cosigned checkpoint");
  if (cp->origin == AccessLogOrigin(origin_) && access_log_)
    return access_log_->AddCosignatures(View(), *verifier_, cosigned);
  if (cp->origin != origin_)
    return Status::Refused("the checkpoint is of origin '" + cp->origin +
                           "', neither this ledger's nor its access log's");
  auto stored = store_->Get(Column::kCheckpoints, SeqKey(cp->size));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value())
    return Status::NotFound("no checkpoint is stored at size " + std::to_string(cp->size));
  std::string text = opened->text;
  if ((*stored)->compare(0, text.size(), text) != 0) {
    return Status::Refused("the checkpoint at size " + std::to_string(cp->size) +
                           " stored here has other text");
  }
  size_t added = 0;
  auto updated = note::MergeSignatures(**stored, cosigned, &added);
  if (!updated.ok()) return updated.status();
  if (added == 0) return added;
  rocksdb::WriteBatch wb;
  wb.Put(store_->handle(Column::kCheckpoints), SeqKey(cp->size), *updated);
  PROBITY_RETURN_IF_ERROR(store_->Write(wb));
  return added;
}

Status Ledger::CheckProjections() const { return View().CheckProjections(); }

Result<std::string> Ledger::CheckpointAt(uint64_t size) const { return View().CheckpointAt(size); }

Status Ledger::Rebuild(const std::function<void(uint64_t, uint64_t)>& progress) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (!checkpoint_key_) return Status::Refused("the ledger is open read-only");
  uint64_t size = frontier_->size();
  // The fold goes to a scratch store on disk first, so memory stays bounded at any size.
  auto scratch = ScratchStore::Create(
      options_.scratch_dir.empty() ? std::filesystem::temp_directory_path().string()
                                   : options_.scratch_dir,
      options_.memory_budget ? options_.memory_budget : ScratchStore::kDefaultBudget);
  if (!scratch.ok()) return scratch.status();
  ScratchStore& state = **scratch;
  IndexFold indexes(options_.rules, state);
  for (uint64_t seq = 0; seq < size; ++seq) {
    auto entry = ReadEntry(seq);
    if (!entry.ok()) return entry.status();
    auto view = EventView::FromCanonical(entry->envelope.body);
    if (!view.ok()) return view.status().WithContext("seq " + std::to_string(seq));
    auto event = view->reader();
    StateTxn txn(state);
    std::optional<KeyInfo> signer;  // none for the genesis entry
    if (seq > 0) {
      auto key = LookUpKey(txn, entry->envelope.key_id);
      if (!key.ok()) return key.status().WithContext("seq " + std::to_string(seq));
      signer = *key;
    }
    Status st = indexes.Add(seq, event, txn);
    if (st.ok()) st = ApplyAuthority(txn, seq, event);
    if (st.ok() && options_.rules)
      st = options_.rules->Apply(txn, seq, signer ? &*signer : nullptr, event);
    if (st.ok()) st = state.Commit(txn);
    if (!st.ok()) return st.WithContext("seq " + std::to_string(seq));
    if (progress && (seq % 4096 == 0 || seq + 1 == size)) progress(seq + 1, size);
  }
  // Then into the store: the old derived records dropped and the projections marked as
  // being rebuilt in one write (Keys are text, and UTF-8 never holds 0xff, so the range
  // covers them all), the new records in writes of a few MiB, and the projections record
  // last. A crash in between leaves the mark: reads and appends refuse until a rebuild.
  rebuilding_ = true;
  rocksdb::WriteBatch wb;
  for (Column c : {Column::kState, Column::kSubjects, Column::kIds})
    wb.DeleteRange(store_->handle(c), "", std::string(8, '\xff'));
  wb.Put(store_->handle(Column::kMeta), kMetaProjections, kRebuilding);
  PROBITY_RETURN_IF_ERROR(store_->Write(wb));
  wb.Clear();
  uint64_t records = 0;
  for (auto [space, column] : {std::pair{ScratchStore::Space::kState, Column::kState},
                               std::pair{ScratchStore::Space::kIds, Column::kIds},
                               std::pair{ScratchStore::Space::kSubjects, Column::kSubjects}}) {
    auto cursor = state.Records(space);
    if (!cursor.ok()) return cursor.status();
    for (; cursor->Valid(); cursor->Next()) {
      auto k = cursor->key();
      auto v = cursor->value();
      wb.Put(store_->handle(column), rocksdb::Slice(k.data(), k.size()),
             rocksdb::Slice(v.data(), v.size()));
      ++records;
      if (wb.GetDataSize() > (size_t{4} << 20)) {
        PROBITY_RETURN_IF_ERROR(store_->Write(wb));
        wb.Clear();
      }
    }
    PROBITY_RETURN_IF_ERROR(cursor->status());
  }
  wb.Put(store_->handle(Column::kMeta), kMetaProjections, ProjectionsRecord(options_.rules, size));
  Status st = store_->Write(wb);
  if (st.ok()) rebuilding_ = false;
  if (options_.log)
    options_.log->info("rebuilt {} derived records from {} entries: {}", records, size,
                       st.ok() ? "ok" : st.message());
  return st;
}

// One batch on its way in: the state and tree as they grow, and the write that lands it.
struct Ledger::PendingBatch {
  PendingBatch(const StateReader& base, merkle::Frontier tree, int64_t at)
      : txn(base), frontier(std::move(tree)), recorded(at) {}
  StateTxn txn;
  merkle::Frontier frontier;
  int64_t recorded;
  rocksdb::WriteBatch wb;
  std::vector<Receipt> receipts;
  std::vector<SignatureTask> late_tasks;  // signers registered within this batch
  std::map<std::string, std::pair<uint64_t, const Envelope*>> ids;
  std::map<uint64_t, std::vector<std::string>> subjects;
  std::map<uint64_t, const Envelope*> admitted;  // seq -> envelope, this batch
  std::map<std::string, bool> sealed;            // sealed-column key -> kept (false: erased)
};

Result<bool> Ledger::AdmitDuplicate(PendingBatch& b, const Envelope& env,
                                    schema::Event::Reader event) {
  std::string id = event.getId();
  std::optional<Envelope> earlier;
  uint64_t earlier_seq = 0;
  if (auto it = b.ids.find(id); it != b.ids.end()) {
    earlier_seq = it->second.first;
    earlier = *it->second.second;
  } else {
    auto stored = store_->Get(Column::kIds, id);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      earlier_seq = SeqFromKey(**stored);
      auto e = ReadEntry(earlier_seq);
      if (!e.ok()) return e.status();
      earlier = e->envelope;
    }
  }
  if (!earlier) {
    b.ids[id] = {b.frontier.size(), &env};
    b.wb.Put(store_->handle(Column::kIds), id, SeqKey(b.frontier.size()));
    return false;
  }
  bool same_event = earlier->body == env.body && earlier->key_id == env.key_id;
  if (same_event && earlier->signature == env.signature) {
    // The same bytes as an entry already checked: a receipt, nothing new to verify.
    Receipt r{earlier_seq, {}, true};
    auto stored = ReadEntryBytes(earlier_seq);
    if (stored.ok()) {
      r.leaf_hash = merkle::LeafHash(*stored);
    } else {
      for (const auto& rr : b.receipts) {
        if (rr.seq == earlier_seq) r.leaf_hash = rr.leaf_hash;  // stored earlier in this batch
      }
    }
    b.receipts.push_back(r);
    return true;
  }
  if (same_event) {
    return Status::Refused("signature does not verify: a repeat of the event at seq " +
                           std::to_string(earlier_seq) + " with another signature");
  }
  return Status::Refused("id '" + id + "' is already used by a different event at seq " +
                         std::to_string(earlier_seq));
}

Status Ledger::Admit(PendingBatch& b, const Envelope& env, size_t index,
                     bool signature_checked_early) {
  uint64_t seq = b.frontier.size();
  auto view = EventView::FromCanonical(env.body);
  if (!view.ok()) return view.status();
  PROBITY_RETURN_IF_ERROR(codec_.CheckBody(*view));
  auto event = view->reader();
  // Idempotency: every event has an id; an id already stored names the same event
  // (its first receipt is returned) or is refused.
  if (!event.hasId()) {
    return Status::Invalid("event has no 'id' (format v2 requires one; 'probity sign' adds one)");
  }
  auto duplicate = AdmitDuplicate(b, env, event);
  if (!duplicate.ok()) return duplicate.status();
  if (*duplicate) return Status::Ok();
  PROBITY_RETURN_IF_ERROR(AdmitSealed(b, env, event, seq));
  std::optional<KeyInfo> signer;
  PROBITY_RETURN_IF_ERROR(CheckAuthority(b.txn, seq, env.key_id, event, &signer));
  // The signer's public key: registered, or (genesis) the one the event registers.
  if (seq == 0) {
    auto pub = PublicKey::FromPem(std::string(event.getKeyRegistered().getPublicKey()));
    if (!pub.ok()) return pub.status();
    b.late_tasks.push_back({index, *pub, &env});
  } else {
    if (!signature_checked_early) {
      auto pub = PublicKey::FromRaw(signer->public_key);
      if (!pub.ok()) return pub.status();
      b.late_tasks.push_back({index, *pub, &env});
    }
  }
  if (options_.rules) {
    PROBITY_RETURN_IF_ERROR(options_.rules->Check(b.txn, seq, signer ? &*signer : nullptr, event));
  }
  // The subject index; a retraction is filed under the subjects of what it withdraws.
  std::vector<std::string> subjects;
  if (auto target_of = CorrectionTarget(event)) {
    uint64_t target = *target_of;
    if (auto it = b.subjects.find(target); it != b.subjects.end()) {
      subjects = it->second;
    } else if (target < seq) {
      auto earlier = ReadEntry(target);
      if (!earlier.ok()) return earlier.status();
      auto earlier_view = EventView::FromCanonical(earlier->envelope.body);
      if (earlier_view.ok()) subjects = SubjectsOf(options_.rules, earlier_view->reader(), b.txn);
    }
  } else {
    subjects = SubjectsOf(options_.rules, event, b.txn);
  }
  for (const auto& s : subjects)
    b.wb.Put(store_->handle(Column::kSubjects), SubjectKey(s, seq), "");
  b.subjects[seq] = std::move(subjects);
  PROBITY_RETURN_IF_ERROR(ApplyAuthority(b.txn, seq, event));
  if (options_.rules)
    PROBITY_RETURN_IF_ERROR(options_.rules->Apply(b.txn, seq, signer ? &*signer : nullptr, event));
  Bytes bytes = EncodeEntry(Entry{seq, b.recorded, env});
  Hash leaf = merkle::LeafHash(bytes);
  b.wb.Put(store_->handle(Column::kEntries), SeqKey(seq),
           rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  for (const auto& node : b.frontier.Append(leaf)) {
    b.wb.Put(store_->handle(Column::kNodes), NodeKey(node.level, node.index),
             rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
  b.receipts.push_back({seq, leaf, false});
  b.admitted[seq] = &env;
  return Status::Ok();
}

Status Ledger::AdmitSealed(PendingBatch& b, const Envelope& env, schema::Event::Reader event,
                           uint64_t seq) {
  // Each sealed field's clear value comes with the envelope and matches its commitment.
  auto fields = SealedFieldsOf(event);
  for (size_t i = 0; i < env.sealed.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (env.sealed[j].field == env.sealed[i].field) {
        return Status::Invalid("sealed field '" + env.sealed[i].field + "' is given twice");
      }
    }
  }
  for (const auto& value : env.sealed) {
    auto f = std::find_if(fields.begin(), fields.end(),
                          [&](const SealedField& sf) { return sf.name == value.field; });
    if (f == fields.end()) {
      return Status::Invalid("sealed value for '" + value.field +
                             "', which is not a sealed field of " + EventTypeName(event.which()));
    }
  }
  for (const auto& field : fields) {
    auto v = std::find_if(env.sealed.begin(), env.sealed.end(),
                          [&](const SealedValue& sv) { return sv.field == field.name; });
    if (v == env.sealed.end()) {
      return Status::Invalid("sealed field '" + field.name +
                             "' came without its value (the envelope's 'sealed')");
    }
    PROBITY_RETURN_IF_ERROR(CheckSealedValue(field, *v));
    std::string key = SealedKey(seq, field.name);
    b.wb.Put(store_->handle(Column::kSealed), key, EncodeSealedValue(*v));
    b.sealed[key] = true;
  }
  if (!event.isErasure()) return Status::Ok();
  // An erasure deletes every value its target still keeps, in the same write.
  uint64_t target = event.getErasure().getTarget();
  if (target >= seq)
    return Status::Refused("erasure: seq " + std::to_string(target) + " is not in the log");
  Bytes body;
  if (auto it = b.admitted.find(target); it != b.admitted.end()) {
    body = it->second->body;
  } else {
    auto e = ReadEntry(target);
    if (!e.ok()) return e.status();
    body = e->envelope.body;
  }
  auto target_view = EventView::FromCanonical(body);
  if (!target_view.ok()) return target_view.status().WithContext("erasure target");
  size_t erased = 0;
  for (const auto& field : SealedFieldsOf(target_view->reader())) {
    std::string key = SealedKey(target, field.name);
    bool kept;
    if (auto it = b.sealed.find(key); it != b.sealed.end()) {
      kept = it->second;
    } else {
      auto stored = store_->Get(Column::kSealed, key);
      if (!stored.ok()) return stored.status();
      kept = stored->has_value();
    }
    if (!kept) continue;
    b.wb.Delete(store_->handle(Column::kSealed), key);
    b.sealed[key] = false;
    ++erased;
  }
  if (erased == 0) {
    return Status::Refused("erasure: seq " + std::to_string(target) + " keeps no sealed value (" +
                           (SealedFieldsOf(target_view->reader()).empty() ? "it has no sealed field"
                                                                          : "already erased") +
                           ")");
  }
  return Status::Ok();
}

Status Ledger::Commit(PendingBatch& b) {
  for (const auto& [key, value] : b.txn.pending()) {
    if (value)
      b.wb.Put(store_->handle(Column::kState), key, *value);
    else
      b.wb.Delete(store_->handle(Column::kState), key);
  }
  uint64_t size = b.frontier.size();
  note::Checkpoint cp{origin_, size, b.frontier.Root(), {}};
  auto signed_note = note::Sign(note::FormatCheckpoint(cp), origin_, *checkpoint_key_);
  if (!signed_note.ok()) return signed_note.status();
  b.wb.Put(store_->handle(Column::kMeta), kMetaSize, std::to_string(size));
  b.wb.Put(store_->handle(Column::kMeta), kMetaProjections,
           ProjectionsRecord(options_.rules, size));
  b.wb.Put(store_->handle(Column::kCheckpoints), SeqKey(size), *signed_note);
  // An append never writes over what is stored: no entry at or past the first new seq,
  // and no checkpoint past the old size, checked under the writer's lock just before the
  // write (the only writer holds DIR/writer.lock, so nothing can land in between).
  for (auto [column, from, what] :
       {std::tuple{Column::kEntries, frontier_->size(), "an entry"},
        std::tuple{Column::kCheckpoints, frontier_->size() + 1, "a checkpoint"}}) {
    auto it = store_->NewIterator(column);
    it->Seek(SeqKey(from));
    if (!it->status().ok()) return Status::IoError("reading the store: " + it->status().ToString());
    if (it->Valid()) {
      return Status::Unavailable(
          std::string("store damaged: ") + what + " is already stored at " +
          std::to_string(SeqFromKey(std::string_view(it->key().data(), it->key().size()))) +
          ", past the size record (" + std::to_string(frontier_->size()) +
          "); nothing was written");
    }
  }
  return store_->Write(b.wb);
}

Result<std::vector<Receipt>> Ledger::Submit(const std::vector<Envelope>& batch,
                                            SubmitError* error) {
  std::vector<SubmitError> errors;
  auto results = SubmitGroup({&batch}, &errors);
  if (!results[0].ok() && error) *error = errors[0];
  return std::move(results[0]);
}

std::vector<Result<std::vector<Receipt>>> Ledger::SubmitGroup(
    const std::vector<const std::vector<Envelope>*>& requests, std::vector<SubmitError>* errors) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const size_t n = requests.size();
  std::vector<Result<std::vector<Receipt>>> results(n, Status::Unavailable("not admitted"));
  std::vector<std::optional<SubmitError>> refused(n);
  auto finish = [&]() {
    if (errors) errors->assign(n, SubmitError{});
    for (size_t r = 0; r < n; ++r) {
      if (!refused[r]) continue;
      results[r] = refused[r]->status;
      if (errors) (*errors)[r] = *refused[r];
      if (options_.log)
        options_.log->info("submit refused: item {} of {}: {}", refused[r]->index,
                           requests[r]->size(), refused[r]->status.message());
    }
    return std::move(results);
  };
  if (!checkpoint_key_) {
    for (auto& x : refused) x = SubmitError{0, Status::Refused("the ledger is open read-only")};
    return finish();
  }
  if (rebuilding_) {
    for (auto& x : refused) {
      x = SubmitError{0, Status::Unavailable("a rebuild of the projections was interrupted; run "
                                             "'probity rebuild' before appending")};
    }
    return finish();
  }

  // Every envelope of the group by one index; request r holds [first[r], first[r + 1]).
  std::vector<const Envelope*> all;
  std::vector<size_t> first{0};
  for (const auto* request : requests) {
    for (const auto& env : *request) all.push_back(&env);
    first.push_back(all.size());
  }
  // Signatures by keys already registered are checked on other cores during the fold;
  // a key id is the hash of its key, so the key the fold will find is this one.
  std::vector<bool> early(all.size(), false);
  std::vector<SignatureTask> early_tasks;
  std::map<Hash, std::optional<PublicKey>> known;
  for (size_t i = 0; i < all.size(); ++i) {
    auto [it, fresh] = known.try_emplace(all[i]->key_id);
    if (fresh) {
      auto key = LookUpKey(store_->state(), all[i]->key_id);
      if (key.ok() && key->has_value()) {
        auto pub = PublicKey::FromRaw((*key)->public_key);
        if (pub.ok()) it->second = *pub;
      }
    }
    if (it->second) {
      early[i] = true;
      early_tasks.push_back({i, *it->second, all[i]});
    }
  }
  EarlyVerifier early_verifier(std::move(early_tasks), origin_, options_.verify_threads);
  auto signature_error = [&](size_t i) {
    return Status::Refused("signature does not verify for key " + HexEncode(all[i]->key_id) +
                           " over this ledger's origin " + origin_ +
                           " (an envelope signed for another ledger does not verify here: 'probity "
                           "sign --origin " +
                           origin_ + "')");
  };

  // Each request is admitted on a copy of the batch so far, kept only if all of it passes:
  // one request's refusal never refuses another's. A request with a bad early-checked
  // signature is excluded once those checks are in, and the group folded again without it.
  std::optional<std::set<size_t>> early_bad;
  std::set<size_t> excluded;
  std::unique_ptr<PendingBatch> b;
  std::vector<std::pair<size_t, size_t>> receipts_of(n);  // request -> [from, to) in b->receipts
  for (;;) {
    b = std::make_unique<PendingBatch>(store_->state(), *frontier_,
                                       std::max(last_recorded_us_, options_.clock()));
    for (size_t r = 0; r < n; ++r) {
      if (excluded.count(r)) continue;
      refused[r].reset();
      auto trial = std::make_unique<PendingBatch>(*b);
      size_t late_from = trial->late_tasks.size();
      for (size_t i = first[r]; i < first[r + 1] && !refused[r]; ++i) {
        Status st = Admit(*trial, *all[i], i, early[i]);
        if (!st.ok()) refused[r] = SubmitError{i - first[r], st};
      }
      // Signers registered within the group: checked now, before the request is kept.
      std::vector<SignatureTask> late(trial->late_tasks.begin() + late_from,
                                      trial->late_tasks.end());
      if (auto bad = VerifySignatures(late, origin_, options_.verify_threads)) {
        if (!refused[r] || *bad - first[r] < refused[r]->index)
          refused[r] = SubmitError{*bad - first[r], signature_error(*bad)};
      }
      if (refused[r]) continue;
      receipts_of[r] = {b->receipts.size(), trial->receipts.size()};
      b = std::move(trial);
    }
    if (early_bad) break;
    early_bad = early_verifier.Finish();
    // A bad signature before a refused envelope is the request's first problem; a request
    // kept despite one is excluded, and the rest folded again without it.
    bool again = false;
    for (size_t r = 0; r < n; ++r) {
      auto bad = early_bad->lower_bound(first[r]);
      if (bad == early_bad->end() || *bad >= first[r + 1]) continue;
      size_t local = *bad - first[r];
      again |= !refused[r];
      if (!refused[r] || local < refused[r]->index)
        refused[r] = SubmitError{local, signature_error(*bad)};
      excluded.insert(r);
    }
    if (!again) break;
  }
  uint64_t appended = b->frontier.size() - frontier_->size();
  if (appended > 0) {
    Status st = Commit(*b);
    if (!st.ok()) {
      for (size_t r = 0; r < n; ++r) {
        if (!refused[r]) refused[r] = SubmitError{requests[r]->size(), st};
      }
      return finish();
    }
    if (options_.log) {
      options_.log->info("appended seqs {}..{} ({} of {} submitted in {} requests), tree size {}",
                         frontier_->size(), b->frontier.size() - 1, appended, all.size(), n,
                         b->frontier.size());
    }
    frontier_ = std::move(b->frontier);
    size_.store(frontier_->size(), std::memory_order_release);
    last_recorded_us_ = b->recorded;
    if (options_.after_commit) options_.after_commit();
  }
  for (size_t r = 0; r < n; ++r) {
    if (refused[r]) continue;
    auto [from, to] = receipts_of[r];
    results[r] = std::vector<Receipt>(b->receipts.begin() + static_cast<std::ptrdiff_t>(from),
                                      b->receipts.begin() + static_cast<std::ptrdiff_t>(to));
  }
  // An erasure deleted sealed values: make them gone from the files too, not only
  // hidden behind a tombstone. The batch is durable already; a failure here is reported
  // in the log and the next erasure or compaction finishes the job.
  bool erased =
      std::any_of(b->sealed.begin(), b->sealed.end(), [](const auto& kv) { return !kv.second; });
  if (appended > 0 && erased) {
    Status purged = store_->Purge(Column::kSealed);
    if (!purged.ok() && options_.log) options_.log->warn("after an erasure: {}", purged.message());
  }
  return finish();
}

}  // namespace probity
