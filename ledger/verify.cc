#include "ledger/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "ledger/authority.h"
#include "ledger/files.h"
#include "ledger/indexes.h"
#include "ledger/sealed.h"

namespace probity {
namespace {

// Entries are checked in chunks: authority sequentially, then the chunk's signatures
// in parallel, so the first bad seq is exact and memory stays bounded.
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

// Compares column `column` with `want`, key by key in byte order. Returns the first
// difference as a sentence, or nullopt; `checked` counts the records compared.
Result<std::optional<std::string>> CompareColumn(const LedgerView& store, Column column,
                                                 const std::string& what,
                                                 const std::map<std::string, std::string>& want,
                                                 uint64_t* checked) {
  auto it = store.NewIterator(column);
  auto w = want.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++w) {
    std::string key = it->key().ToString();
    if (w == want.end() || key < w->first) {
      return std::optional<std::string>(what + " record '" + Printable(key) +
                                        "' is stored but not derived from the log (added)");
    }
    if (w->first < key) {
      return std::optional<std::string>(what + " record '" + Printable(w->first) +
                                        "' is derived from the log but not stored (deleted)");
    }
    if (it->value().ToString() != w->second) {
      return std::optional<std::string>(what + " record '" + Printable(key) + "' holds '" +
                                        Printable(it->value().ToString()) + "', the log gives '" +
                                        Printable(w->second) + "' (altered)");
    }
    ++*checked;
  }
  if (!it->status().ok())
    return Status::IoError("reading " + what + ": " + it->status().ToString());
  if (w != want.end()) {
    return std::optional<std::string>(what + " record '" + Printable(w->first) +
                                      "' is derived from the log but not stored (deleted)");
  }
  return std::optional<std::string>();
}

// What replaying the log derives, beside the state: every index and sealed record.
struct Derived {
  explicit Derived(const Rules* rules) : indexes(rules) {}
  MemoryState state;
  IndexFold indexes;
  std::map<std::string, SealedField> sealed;  // sealed-column key -> the field as signed
  std::map<uint64_t, Hash> roots;             // tree size -> root, for every size asked
};

// Tracks the sealed values entry `seq` must keep, and those an erasure deletes (as
// Ledger::Submit does: an erasure must delete at least one value).
std::optional<std::string> FoldSealed(Derived& d, uint64_t seq, schema::Event::Reader event,
                                      std::map<uint64_t, std::vector<std::string>>& fields_of) {
  for (auto& f : SealedFieldsOf(event)) {
    fields_of[seq].push_back(f.name);
    d.sealed[SealedKey(seq, f.name)] = std::move(f);
  }
  if (!event.isErasure()) return std::nullopt;
  uint64_t target = event.getErasure().getTarget();
  size_t erased = 0;
  if (auto it = fields_of.find(target); it != fields_of.end()) {
    for (const auto& name : it->second) erased += d.sealed.erase(SealedKey(target, name));
  }
  if (erased == 0)
    return "erasure of seq " + std::to_string(target) + ", which keeps no sealed value";
  return std::nullopt;
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

  // Every checkpoint the ledger ever signed, by tree size: each must be signed by the
  // checkpoint key and carry the root recomputed at its size.
  std::map<uint64_t, std::string> stored_checkpoints;
  {
    auto cit = store.NewIterator(Column::kCheckpoints);
    for (cit->SeekToFirst(); cit->Valid(); cit->Next()) {
      auto k = cit->key();
      if (k.size() != 8)
        return fail(std::nullopt, "checkpoints column holds a key that is not a size");
      stored_checkpoints[SeqFromKey(std::string_view(k.data(), 8))] = cit->value().ToString();
    }
    if (!cit->status().ok())
      return Status::IoError("reading checkpoints: " + cit->status().ToString());
  }
  if (stored_checkpoints.empty()) return fail(std::nullopt, "checkpoint: the store holds none");
  std::map<uint64_t, note::Checkpoint> checkpoints;
  for (const auto& [size, text] : stored_checkpoints) {
    auto where = "checkpoint at size " + std::to_string(size) + ": ";
    auto opened = note::Open(text, {verifier});
    if (!opened.ok()) return fail(std::nullopt, where + opened.status().message());
    auto cp = note::ParseCheckpoint(opened->text);
    if (!cp.ok()) return fail(std::nullopt, where + cp.status().message());
    if (cp->size != size)
      return fail(std::nullopt, where + "it says size " + std::to_string(cp->size));
    if (cp->origin != ledger.origin()) {
      return fail(std::nullopt, where + "origin '" + cp->origin + "' is not this ledger's '" +
                                    ledger.origin() + "'");
    }
    checkpoints[size] = std::move(*cp);
  }
  const note::Checkpoint& latest = checkpoints.rbegin()->second;
  report.checkpoint_size = latest.size;
  report.checkpoint = stored_checkpoints.rbegin()->second;

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

  Derived derived(options.rules);
  std::set<uint64_t> root_sizes;
  for (const auto& [size, cp] : checkpoints) root_sizes.insert(size);
  for (const auto& cp : since) root_sizes.insert(cp.size);
  std::map<uint64_t, std::vector<std::string>> sealed_fields_of;  // seq -> its sealed field names
  merkle::Frontier frontier;
  if (root_sizes.count(0)) derived.roots[0] = frontier.Root();
  auto it = store.NewIterator(Column::kEntries);
  std::vector<Pending> chunk;
  uint64_t expected = 0;
  int64_t last_recorded = INT64_MIN;
  std::map<std::string, uint64_t> id_seen;

  // Checks the chunk's signatures; on failure returns the bad seq.
  auto flush = [&]() -> std::optional<uint64_t> {
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
    if (auto [prev, fresh] = id_seen.emplace(id, seq); !fresh) {
      return bad_here("id '" + id + "' was already used at seq " + std::to_string(prev->second) +
                      " (replayed)");
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
    if (root_sizes.count(frontier.size())) {
      Hash root = frontier.Root();
      derived.roots[frontier.size()] = root;
      if (auto cp = checkpoints.find(frontier.size()); cp != checkpoints.end()) {
        if (!ConstantTimeEqual(cp->second.root, root)) {
          return bad_here("checkpoint at size " + std::to_string(frontier.size()) +
                          " does not match the entries (root " + HexEncode(cp->second.root) +
                          ", recomputed " + HexEncode(root) + ")");
        }
        ++report.checkpoints_checked;
      }
    }

    StateTxn txn(derived.state);
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
        auto pub = PublicKey::FromRaw(signer->public_key);
        if (!pub.ok()) return bad_here(pub.status().message());
        pending.key = *pub;
      }
    } else if (seq > 0) {
      // Not checked again, but the fold still needs to know who signed.
      auto key = LookUpKey(txn, pending.entry.envelope.key_id);
      if (!key.ok()) return bad_here(key.status().message());
      signer = *key;
    }
    derived.indexes.Add(seq, event, txn);
    if (auto problem = FoldSealed(derived, seq, event, sealed_fields_of)) return bad_here(*problem);
    Status st = ApplyAuthority(txn, seq, event);
    if (st.ok() && options.rules)
      st = options.rules->Apply(txn, seq, signer ? &*signer : nullptr, event);
    if (!st.ok()) return bad_here(st.message());
    derived.state.Commit(txn);
    chunk.push_back(std::move(pending));
    ++expected;
    if (chunk.size() >= kChunk) {
      if (auto bad = flush())
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
  auto compare =
      [&](Column column, const std::string& what,
          const std::map<std::string, std::string>& want) -> Result<std::optional<std::string>> {
    return CompareColumn(store, column, what, want, &n);
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
  std::map<std::string, std::string> sealed_want;
  for (const auto& [key, commitment] : derived.sealed) sealed_want[key] = "";
  std::map<std::string, std::string> state_want(derived.state.records().begin(),
                                                derived.state.records().end());
  struct Check {
    Column column;
    const char* what;
    const std::map<std::string, std::string>* want;
  };
  std::vector<Check> checks = {
      {Column::kMeta, "meta", &meta},
      {Column::kIds, "ids index", &derived.indexes.ids()},
      {Column::kSubjects, "subjects index", &derived.indexes.subjects()},
      // Always: without rules it still holds the key registry.
      {Column::kState, "state (key registry and projections)", &state_want}};
  for (const auto& c : checks) {
    auto problem = compare(c.column, c.what, *c.want);
    if (!problem.ok()) return problem.status();
    if (*problem)
      return fail(std::nullopt,
                  "derived record differs: " + **problem +
                      "; run 'probity rebuild' if only projections or indexes differ");
  }
  // Sealed values: exactly the keys the log keeps, each matching its commitment.
  {
    auto sit = store.NewIterator(Column::kSealed);
    auto w = derived.sealed.begin();
    for (sit->SeekToFirst(); sit->Valid(); sit->Next(), ++w) {
      std::string key = sit->key().ToString();
      if (w == derived.sealed.end() || key != w->first) {
        bool added = w == derived.sealed.end() || key < w->first;
        return fail(std::nullopt,
                    "sealed value '" + Printable(added ? key : w->first) +
                        (added ? "' is stored for no sealed field of the log (added)"
                               : "' is missing though no erasure deleted it (deleted)"));
      }
      uint64_t seq = SeqFromKey(key);
      auto value = DecodeSealedValue(key.substr(8), sit->value().ToString());
      if (!value.ok())
        return fail(seq, "seq " + std::to_string(seq) + ": " + value.status().message());
      Status st = CheckSealedValue(w->second, *value);
      if (!st.ok())
        return fail(seq, "seq " + std::to_string(seq) + ": sealed value altered: " + st.message());
      ++n;
    }
    if (!sit->status().ok())
      return Status::IoError("reading sealed values: " + sit->status().ToString());
    if (w != derived.sealed.end()) {
      return fail(SeqFromKey(w->first), "sealed value '" + Printable(w->first) +
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
