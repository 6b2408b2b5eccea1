#include "ledger/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "ledger/authority.h"
#include "ledger/files.h"
#include "ledger/indexes.h"
#include "ledger/sealed.h"

namespace probity {
namespace {

// Entries are checked in chunks: authority and rules sequentially, while the chunk before
// has its signatures checked in parallel on other threads; the first bad seq stays exact
// and memory bounded.
constexpr size_t kChunk = 4096;

struct Pending {
  uint64_t seq;
  Entry entry;
  std::optional<PublicKey> key;
};

std::optional<uint64_t> FirstBadSignature(const std::vector<Pending>& chunk,
                                          std::string_view origin, unsigned threads) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> first_bad{UINT64_MAX};
  auto work = [&]() {
    for (size_t i = next++; i < chunk.size(); i = next++) {
      const auto& p = chunk[i];
      if (!p.key) continue;
      if (!VerifyEnvelope(p.entry.envelope, origin, *p.key)) {
        uint64_t cur = first_bad.load();
        while (p.seq < cur && !first_bad.compare_exchange_weak(cur, p.seq)) {
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads && chunk.size() > 64; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (first_bad.load() == UINT64_MAX) return std::nullopt;
  return first_bad.load();
}

// A stored key or value for a message: printable ASCII as is, other bytes as \xNN,
// and an 8-byte big-endian seq prefix shown as its number where that is what it is.
std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out.size() > 120 ? out.substr(0, 120) + "..." : out;
}

// A std::map read as a cursor, like ScratchStore::Cursor.
class MapCursor {
 public:
  explicit MapCursor(const std::map<std::string, std::string>& map)
      : it_(map.begin()), end_(map.end()) {}
  bool Valid() const { return it_ != end_; }
  std::string_view key() const { return it_->first; }
  std::string_view value() const { return it_->second; }
  void Next() { ++it_; }

 private:
  std::map<std::string, std::string>::const_iterator it_, end_;
};

// Compares column `column` with `want` (a cursor over the records it should hold), key by
// key in byte order. Returns the first difference as a sentence, or nullopt; `checked`
// counts the records compared.
template <typename Want>
Result<std::optional<std::string>> CompareColumn(const LedgerView& store, Column column,
                                                 const std::string& what, Want& want,
                                                 uint64_t* checked) {
  auto it = store.NewIterator(column);
  for (it->SeekToFirst(); it->Valid(); it->Next(), want.Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!want.Valid() || key < want.key()) {
      return std::optional<std::string>(what + " record '" + Printable(key) +
                                        "' is stored but not derived from the log (added)");
    }
    if (want.key() < key) {
      return std::optional<std::string>(what + " record '" + Printable(want.key()) +
                                        "' is derived from the log but not stored (deleted)");
    }
    std::string_view value(it->value().data(), it->value().size());
    if (value != want.value()) {
      return std::optional<std::string>(what + " record '" + Printable(key) + "' holds '" +
                                        Printable(value) + "', the log gives '" +
                                        Printable(want.value()) + "' (altered)");
    }
    ++*checked;
  }
  if (!it->status().ok())
    return Status::IoError("reading " + what + ": " + it->status().ToString());
  if (want.Valid()) {
    return std::optional<std::string>(what + " record '" + Printable(want.key()) +
                                      "' is derived from the log but not stored (deleted)");
  }
  return std::optional<std::string>();
}

// Opens the checkpoint stored at `size`: signed by `verifier`, of `origin`, of that size.
// Returns the problem, or nullopt and the checkpoint in `out`.
std::optional<std::string> ReadCheckpoint(const note::Verifier& verifier, const std::string& origin,
                                          uint64_t size, const std::string& text,
                                          note::Checkpoint* out) {
  auto where = "checkpoint at size " + std::to_string(size) + ": ";
  auto opened = note::Open(text, {verifier});
  if (!opened.ok()) return where + opened.status().message();
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return where + cp.status().message();
  if (cp->size != size) return where + "it says size " + std::to_string(cp->size);
  if (cp->origin != origin)
    return where + "origin '" + cp->origin + "' is not this ledger's '" + origin + "'";
  *out = std::move(*cp);
  return std::nullopt;
}

// A sealed field as signed, in the scratch store: the commitment, then the value's type.
std::string EncodeSealedField(const SealedField& f) {
  return std::string(reinterpret_cast<const char*>(f.commitment.data()), f.commitment.size()) +
         f.value_type;
}

SealedField DecodeSealedField(std::string_view key, std::string_view value) {
  SealedField f;
  f.name = std::string(key.substr(8));
  std::copy(value.begin(), value.begin() + 32, reinterpret_cast<char*>(f.commitment.data()));
  f.value_type = std::string(value.substr(32));
  return f;
}

// What replaying the log derives, beside the state: every index and sealed record.
struct Derived {
  explicit Derived(const Rules* rules, std::unique_ptr<ScratchStore> store)
      : scratch(std::move(store)), indexes(rules, *scratch) {}
  // The state, the indexes and the sealed fields kept, on disk (ScratchStore::Space).
  std::unique_ptr<ScratchStore> scratch;
  IndexFold indexes;
  std::map<uint64_t, Hash> roots;  // tree size -> root, for every size asked
};

// Tracks the sealed values entry `seq` must keep, and those an erasure deletes (as
// Ledger::Submit does: an erasure must delete at least one value). Returns the problem.
Result<std::optional<std::string>> FoldSealed(Derived& d, uint64_t seq,
                                              schema::Event::Reader event) {
  using Space = ScratchStore::Space;
  for (auto& f : SealedFieldsOf(event))
    PROBITY_RETURN_IF_ERROR(
        d.scratch->Put(Space::kSealed, SealedKey(seq, f.name), EncodeSealedField(f)));
  if (!event.isErasure()) return std::optional<std::string>();
  uint64_t target = event.getErasure().getTarget();
  auto kept = d.scratch->Scan(Space::kSealed, SeqKey(target));
  if (!kept.ok()) return kept.status();
  for (const auto& [key, field] : *kept)
    PROBITY_RETURN_IF_ERROR(d.scratch->Delete(Space::kSealed, key));
  if (kept->empty()) {
    return std::optional<std::string>("erasure of seq " + std::to_string(target) +
                                      ", which keeps no sealed value");
  }
  return std::optional<std::string>();
}

}  // namespace

Result<VerifyReport> VerifyLedger(const LedgerView& ledger, const VerifyOptions& options) {
  VerifyReport report;
  unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  auto fail = [&](std::optional<uint64_t> seq, std::string problem) {
    report.bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };
  const LedgerView& store = ledger;  // every read below is of this one snapshot
  const note::Verifier& verifier =
      options.verifier ? *options.verifier : ledger.checkpoint_verifier();

  // Every checkpoint the ledger ever signed (one per submit: millions in a large log) is
  // read as the replay reaches its size: each must be signed by the checkpoint key and
  // carry the root recomputed at its size. The latest first, which says how far to go.
  auto cit = store.NewIterator(Column::kCheckpoints);
  cit->SeekToLast();
  if (!cit->status().ok())
    return Status::IoError("reading checkpoints: " + cit->status().ToString());
  if (!cit->Valid()) return fail(std::nullopt, "checkpoint: the store holds none");
  if (cit->key().size() != 8)
    return fail(std::nullopt, "checkpoints column holds a key that is not a size");
  note::Checkpoint latest;
  report.checkpoint = cit->value().ToString();
  if (auto problem = ReadCheckpoint(verifier, ledger.origin(),
                                    SeqFromKey(std::string_view(cit->key().data(), 8)),
                                    report.checkpoint, &latest))
    return fail(std::nullopt, *problem);
  report.checkpoint_size = latest.size;
  cit->SeekToFirst();

  // Checkpoints the auditor kept: each verified with the same key, of this origin.
  std::vector<note::Checkpoint> since;
  std::vector<SavedAccessCheckpoint> access_since;  // the access log's, checked with it
  for (size_t i = 0; i < options.since.size(); ++i) {
    auto where = "saved checkpoint (" + options.since[i].source + "): ";
    auto opened = note::Open(options.since[i].note, {verifier});
    if (!opened.ok()) return fail(std::nullopt, where + opened.status().message());
    auto cp = note::ParseCheckpoint(opened->text);
    if (!cp.ok()) return fail(std::nullopt, where + cp.status().message());
    if (cp->origin == AccessLogOrigin(ledger.origin())) {
      access_since.push_back({options.since[i].source, std::move(*cp)});
      continue;
    }
    if (cp->origin != ledger.origin()) {
      return fail(std::nullopt, where + "origin '" + cp->origin + "' is not this ledger's '" +
                                    ledger.origin() + "' (nor its access log's '" +
                                    AccessLogOrigin(ledger.origin()) + "')");
    }
    since.push_back(std::move(*cp));
  }

  // The fold goes to a scratch store on disk, so memory stays bounded at any size.
  auto scratch = ScratchStore::Create(
      options.scratch_dir.empty() ? std::filesystem::temp_directory_path().string()
                                  : options.scratch_dir,
      options.memory_budget ? options.memory_budget : ScratchStore::kDefaultBudget);
  if (!scratch.ok()) return scratch.status();
  Derived derived(options.rules, std::move(*scratch));
  std::set<uint64_t> root_sizes = {latest.size};
  for (const auto& cp : since) root_sizes.insert(cp.size);
  merkle::Frontier frontier;
  if (root_sizes.count(0)) derived.roots[0] = frontier.Root();
  // The stored checkpoints of size `size`, which must carry `root` (there is one at most;
  // the cursor stays on the next size). Returns the problem.
  auto checkpoint_at = [&](uint64_t size, const Hash& root) -> std::optional<std::string> {
    for (; cit->Valid(); cit->Next()) {
      auto k = cit->key();
      if (k.size() != 8) return "checkpoints column holds a key that is not a size";
      if (SeqFromKey(std::string_view(k.data(), 8)) > size) break;
      note::Checkpoint cp;
      if (auto problem =
              ReadCheckpoint(verifier, ledger.origin(), size, cit->value().ToString(), &cp)) {
        return problem;
      }
      if (!ConstantTimeEqual(cp.root, root)) {
        return "checkpoint at size " + std::to_string(size) + " does not match the entries (root " +
               HexEncode(cp.root) + ", recomputed " + HexEncode(root) + ")";
      }
      ++report.checkpoints_checked;
    }
    if (!cit->status().ok()) return "reading checkpoints: " + cit->status().ToString();
    return std::nullopt;
  };
  if (auto problem = checkpoint_at(0, frontier.Root())) return fail(std::nullopt, *problem);
  auto next_checkpoint = [&]() -> uint64_t {
    if (!cit->Valid() || cit->key().size() != 8) return cit->Valid() ? 0 : UINT64_MAX;
    return SeqFromKey(std::string_view(cit->key().data(), 8));
  };
  auto it = store.NewIterator(Column::kEntries);
  std::map<Hash, PublicKey> public_keys;  // by key id
  std::vector<Pending> chunk;
  uint64_t expected = 0;
  int64_t last_recorded = INT64_MIN;

  // Signatures are checked a chunk behind the fold, on other threads, so that the two
  // overlap: `checking` is the chunk whose check is `in_flight` (declared first, so that an
  // early return waits for the check before the chunk goes).
  std::vector<Pending> checking;
  std::future<std::optional<uint64_t>> in_flight;
  auto finish_in_flight = [&]() -> std::optional<uint64_t> {
    if (!in_flight.valid()) return std::nullopt;
    auto bad = in_flight.get();
    for (const auto& p : checking) report.signatures_checked += p.key.has_value();
    checking.clear();
    return bad;
  };
  // A full chunk: its signatures go to the other threads once the chunk before is done.
  auto hand_off = [&]() -> std::optional<uint64_t> {
    if (auto bad = finish_in_flight()) return bad;
    checking = std::move(chunk);
    chunk.clear();
    in_flight = std::async(std::launch::async, [&checking, &ledger, threads]() {
      return FirstBadSignature(checking, ledger.origin(), threads);
    });
    if (options.progress) options.progress(expected, latest.size);
    return std::nullopt;
  };
  // Checks every signature not yet checked; on failure returns the first bad seq.
  auto flush = [&]() -> std::optional<uint64_t> {
    if (auto bad = finish_in_flight()) return bad;
    auto bad = FirstBadSignature(chunk, ledger.origin(), threads);
    for (const auto& p : chunk) report.signatures_checked += p.key.has_value();
    chunk.clear();
    if (options.progress) options.progress(expected, latest.size);
    return bad;
  };

  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t seq = expected;
    auto key = it->key();
    if (key.size() != 8) return fail(seq, "entries column holds a key that is not a seq");
    uint64_t at = SeqFromKey(std::string_view(key.data(), key.size()));
    if (at != seq) {
      if (auto bad = flush())
        return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
      return fail(seq, "seq " + std::to_string(seq) + ": entry is missing (next stored is seq " +
                           std::to_string(at) + ")");
    }
    Bytes bytes(it->value().data(), it->value().data() + it->value().size());
    auto entry = DecodeEntry(bytes);
    auto bad_here = [&](const std::string& what) {
      // A bad signature earlier in the chunk comes first.
      if (auto bad = flush())
        return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
      return fail(seq, "seq " + std::to_string(seq) + ": " + what);
    };
    if (!entry.ok()) return bad_here(entry.status().message());
    if (entry->seq != seq) {
      return bad_here("entry records seq " + std::to_string(entry->seq) + " (moved or reordered)");
    }
    if (entry->recorded_at_us < last_recorded)
      return bad_here("recorded time goes backwards (reordered)");
    last_recorded = entry->recorded_at_us;
    auto view = EventView::FromCanonical(entry->envelope.body);
    if (!view.ok()) return bad_here(view.status().message());
    Status body_ok = ledger.codec().CheckBody(*view);
    if (!body_ok.ok()) return bad_here(body_ok.message());
    auto event = view->reader();
    if (!event.hasId()) return bad_here("event has no id (format v2 requires one)");
    std::string id = event.getId();
    auto prev = derived.scratch->Get(ScratchStore::Space::kIds, id);
    if (!prev.ok()) return prev.status();
    if (prev->has_value()) {
      return bad_here("id '" + id + "' was already used at seq " +
                      std::to_string(SeqFromKey(**prev)) + " (replayed)");
    }
    Hash leaf = merkle::LeafHash(bytes);
    for (const auto& node : frontier.Append(leaf)) {
      auto stored = store.Get(Column::kNodes, NodeKey(node.level, node.index));
      if (!stored.ok()) return stored.status();
      if (!stored->has_value() || !ConstantTimeEqual(AsBytes(**stored), node.hash)) {
        return bad_here("stored tree node (level " + std::to_string(node.level) + ", index " +
                        std::to_string(node.index) + ") does not match the entries");
      }
    }
    if (root_sizes.count(frontier.size()) || next_checkpoint() <= frontier.size()) {
      Hash root = frontier.Root();
      if (root_sizes.count(frontier.size())) derived.roots[frontier.size()] = root;
      if (auto problem = checkpoint_at(frontier.size(), root)) return bad_here(*problem);
    }

    StateTxn txn(*derived.scratch);
    Pending pending{seq, std::move(*entry), std::nullopt};
    std::optional<KeyInfo> signer;
    if (seq >= options.from) {
      Status st = CheckAuthority(txn, seq, pending.entry.envelope.key_id, event, &signer);
      if (st.ok() && options.rules)
        st = options.rules->Check(txn, seq, signer ? &*signer : nullptr, event);
      if (!st.ok()) return bad_here(st.message());
      if (seq == 0) {
        auto pub = PublicKey::FromPem(std::string(event.getKeyRegistered().getPublicKey()));
        if (!pub.ok()) return bad_here(pub.status().message());
        pending.key = *pub;
      } else {
        // Parsed once a key: a log has thousands of signers and millions of entries.
        auto known = public_keys.find(pending.entry.envelope.key_id);
        if (known == public_keys.end()) {
          auto pub = PublicKey::FromRaw(signer->public_key);
          if (!pub.ok()) return bad_here(pub.status().message());
          known = public_keys.emplace(pending.entry.envelope.key_id, *pub).first;
        }
        pending.key = known->second;
      }
    } else if (seq > 0) {
      // Not checked again, but the fold still needs to know who signed.
      auto key = LookUpKey(txn, pending.entry.envelope.key_id);
      if (!key.ok()) return bad_here(key.status().message());
      signer = *key;
    }
    PROBITY_RETURN_IF_ERROR(derived.indexes.Add(seq, event, txn));
    auto sealed_problem = FoldSealed(derived, seq, event);
    if (!sealed_problem.ok()) return sealed_problem.status();
    if (*sealed_problem) return bad_here(**sealed_problem);
    Status st = ApplyAuthority(txn, seq, event);
    if (st.ok() && options.rules)
      st = options.rules->Apply(txn, seq, signer ? &*signer : nullptr, event);
    if (!st.ok()) return bad_here(st.message());
    PROBITY_RETURN_IF_ERROR(derived.scratch->Commit(txn));
    chunk.push_back(std::move(pending));
    ++expected;
    if (chunk.size() >= kChunk) {
      if (auto bad = hand_off())
        return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
    }
  }
  if (!it->status().ok()) return Status::IoError("reading entries: " + it->status().ToString());
  if (auto bad = flush())
    return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
  report.size = expected;

  if (expected < latest.size) {
    return fail(expected, "seq " + std::to_string(expected) +
                              ": entry is missing (the checkpoint covers " +
                              std::to_string(latest.size) + " entries, the log holds " +
                              std::to_string(expected) + ")");
  }
  if (expected > latest.size) {
    return fail(latest.size, "seq " + std::to_string(latest.size) +
                                 ": entries beyond the latest checkpoint (size " +
                                 std::to_string(latest.size) + ")");
  }
  report.root = derived.roots.count(latest.size) ? derived.roots[latest.size] : frontier.Root();

  // The auditor's saved checkpoints: a smaller log is a rollback, another root a fork.
  for (size_t i = 0; i < since.size(); ++i) {
    const auto& cp = since[i];
    if (cp.size > expected) {
      return fail(std::nullopt, "rollback: the log holds " + std::to_string(expected) +
                                    " entries, but a checkpoint saved earlier (" +
                                    options.since[i].source + ") covers " +
                                    std::to_string(cp.size) +
                                    " (an older copy restored, or entries lost)");
    }
    if (!ConstantTimeEqual(derived.roots[cp.size], cp.root)) {
      return fail(std::nullopt, "fork: the log's root at size " + std::to_string(cp.size) + " (" +
                                    HexEncode(derived.roots[cp.size]) +
                                    ") is not the root of the checkpoint saved " +
                                    "earlier at that size (" + options.since[i].source + ", root " +
                                    HexEncode(cp.root) +
                                    "): history was rewritten or the copies diverged");
    }
    ++report.since_checked;
  }

  // Every derived record against the fold just replayed.
  uint64_t n = 0;
  auto differs = [&](const std::string& problem) {
    return fail(std::nullopt, "derived record differs: " + problem +
                                  "; run 'probity rebuild' if only projections or indexes differ");
  };
  std::map<std::string, std::string> meta;
  for (const char* config : {kMetaCheckpointKey, kMetaCheckpointPassphrase}) {
    auto v = store.Get(Column::kMeta, config);
    if (!v.ok()) return v.status();
    if (v->has_value()) meta[config] = **v;  // configuration, not derived: kept as stored
  }
  {
    // A v2 store read before its first open for writing keeps its v2 record (Store::Open
    // accepts no other).
    auto format = store.Get(Column::kMeta, kMetaFormat);
    if (!format.ok()) return format.status();
    meta[kMetaFormat] = format->value_or("") == kStoreFormatV2 ? kStoreFormatV2 : kStoreFormat;
  }
  meta[kMetaOrigin] = ledger.origin();
  meta[kMetaVkey] = ledger.checkpoint_verifier().Vkey();
  meta[kMetaSize] = std::to_string(expected);
  meta[kMetaProjections] = ProjectionsRecord(options.rules, expected);
  {
    MapCursor want(meta);
    auto problem = CompareColumn(store, Column::kMeta, "meta", want, &n);
    if (!problem.ok()) return problem.status();
    if (*problem) return differs(**problem);
  }
  using Space = ScratchStore::Space;
  struct Check {
    Column column;
    Space space;
    const char* what;
  };
  for (const auto& c :
       {Check{Column::kIds, Space::kIds, "ids index"},
        Check{Column::kSubjects, Space::kSubjects, "subjects index"},
        // Always: without rules it still holds the key registry.
        Check{Column::kState, Space::kState, "state (key registry and projections)"}}) {
    auto want = derived.scratch->Records(c.space);
    if (!want.ok()) return want.status();
    auto problem = CompareColumn(store, c.column, c.what, *want, &n);
    if (!problem.ok()) return problem.status();
    PROBITY_RETURN_IF_ERROR(want->status());
    if (*problem) return differs(**problem);
  }
  // Sealed values: exactly the keys the log keeps, each matching its commitment.
  {
    auto sit = store.NewIterator(Column::kSealed);
    auto w = derived.scratch->Records(Space::kSealed);
    if (!w.ok()) return w.status();
    for (sit->SeekToFirst(); sit->Valid(); sit->Next(), w->Next()) {
      std::string key = sit->key().ToString();
      if (!w->Valid() || key != w->key()) {
        bool added = !w->Valid() || key < w->key();
        return fail(std::nullopt,
                    "sealed value '" + Printable(added ? key : w->key()) +
                        (added ? "' is stored for no sealed field of the log (added)"
                               : "' is missing though no erasure deleted it (deleted)"));
      }
      uint64_t seq = SeqFromKey(key);
      auto value = DecodeSealedValue(key.substr(8), sit->value().ToString());
      if (!value.ok())
        return fail(seq, "seq " + std::to_string(seq) + ": " + value.status().message());
      Status st = CheckSealedValue(DecodeSealedField(w->key(), w->value()), *value);
      if (!st.ok())
        return fail(seq, "seq " + std::to_string(seq) + ": sealed value altered: " + st.message());
      ++n;
    }
    if (!sit->status().ok())
      return Status::IoError("reading sealed values: " + sit->status().ToString());
    PROBITY_RETURN_IF_ERROR(w->status());
    if (w->Valid()) {
      return fail(SeqFromKey(w->key()), "sealed value '" + Printable(w->key()) +
                                            "' is missing though no erasure deleted it (deleted)");
    }
  }
  // Tree nodes: every node the replay made was compared above; nothing else may be stored.
  {
    auto nit = store.NewIterator(Column::kNodes);
    for (nit->SeekToFirst(); nit->Valid(); nit->Next()) {
      auto k = nit->key();
      uint32_t level = k.size() == 9 ? static_cast<uint8_t>(k[0]) : 64;
      uint64_t index = k.size() == 9 ? SeqFromKey(std::string_view(k.data() + 1, 8)) : 0;
      bool in_tree = level < 64 && index < (expected >> level);
      if (!in_tree)
        return fail(std::nullopt, "tree node '" + Printable(k.ToString()) +
                                      "' is not a node of the log's tree (added)");
      ++n;
    }
    if (!nit->status().ok())
      return Status::IoError("reading tree nodes: " + nit->status().ToString());
  }
  report.derived_checked = n;

  // The access log: its own entries, tree and checkpoint, every read signed by its reader.
  {
    auto access = VerifyAccessLog(store, verifier, access_since, nullptr);
    if (!access.ok()) {
      if (access.status().code() != Code::kCorrupt) return access.status();
      return fail(std::nullopt, access.status().message());
    }
    report.access_entries = access->size;
    report.access_checkpoint = access->checkpoint;
    report.access_cosigned = access->cosigned;
    report.access_cosigned_size = access->cosigned_size;
    report.since_checked += access_since.size();
  }

  // Witnesses: the latest checkpoint carries enough valid cosignatures, and so does the
  // access log's newest cosigned one (reads grow it between witnessings; verify reports
  // how far it is witnessed).
  if (!options.witnesses.empty()) {
    size_t quorum = options.quorum ? options.quorum : options.witnesses.size();
    auto cosigned = witness::VerifyCosignatures(report.checkpoint, options.witnesses);
    if (!cosigned.ok()) return fail(std::nullopt, "witness: " + cosigned.status().message());
    report.cosigned_by = *cosigned;
    if (report.cosigned_by.size() < quorum) {
      return fail(std::nullopt,
                  "witness: the latest checkpoint (size " + std::to_string(latest.size) +
                      ") carries " + std::to_string(report.cosigned_by.size()) +
                      " valid cosignature(s) of the " + std::to_string(options.witnesses.size()) +
                      " witness(es) given; " + std::to_string(quorum) + " required");
    }
    if (report.access_entries > 0) {
      if (report.access_cosigned.empty())
        return fail(std::nullopt, "witness: the access log (" +
                                      std::to_string(report.access_entries) +
                                      " reads) has no checkpoint cosigned by a witness; "
                                      "witness it as the main log (docs/operator.md)");
      auto access_cosigned = witness::VerifyCosignatures(report.access_cosigned, options.witnesses);
      if (!access_cosigned.ok())
        return fail(std::nullopt, "witness: access log: " + access_cosigned.status().message());
      report.access_cosigned_by = *access_cosigned;
      if (report.access_cosigned_by.size() < quorum) {
        return fail(std::nullopt,
                    "witness: the access log's newest cosigned checkpoint (size " +
                        std::to_string(report.access_cosigned_size) + ") carries " +
                        std::to_string(report.access_cosigned_by.size()) +
                        " valid cosignature(s) of the " + std::to_string(options.witnesses.size()) +
                        " witness(es) given; " + std::to_string(quorum) + " required");
      }
    }
  }
  return report;
}

namespace {

// DIR/<origin, percent-encoded>.checkpoint: the file name.
std::string TrustFile(const std::string& origin) {
  std::string name;
  for (unsigned char c : origin) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      name += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      name += buf;
    }
  }
  return name + ".checkpoint";
}

}  // namespace

Result<std::optional<std::string>> ReadTrustedCheckpoint(const std::string& dir,
                                                         const std::string& origin) {
  std::string path = dir + "/" + TrustFile(origin);
  files::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return files::ErrnoStatus("cannot read", path, errno);
  }
  std::string out;
  char buf[4096];
  ssize_t got;
  while ((got = ::read(fd.get(), buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(got));
    if (out.size() > (1 << 20))
      return Status::Invalid(path + " is larger than a checkpoint can be");
  }
  if (got < 0) return files::ErrnoStatus("cannot read", path, errno);
  return std::optional<std::string>(std::move(out));
}

Status WriteTrustedCheckpoint(const std::string& dir, const std::string& origin,
                              const std::string& note) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  return files::ReplaceFile(dir, TrustFile(origin), note);
}

}  // namespace probity
