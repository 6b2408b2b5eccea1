#include "ledger/verify.h"

#include <algorithm>
#include <map>
#include <atomic>
#include <thread>

#include "ledger/authority.h"

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

std::optional<uint64_t> FirstBadSignature(const std::vector<Pending>& chunk, unsigned threads) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> first_bad{UINT64_MAX};
  auto work = [&]() {
    for (size_t i = next++; i < chunk.size(); i = next++) {
      const auto& p = chunk[i];
      if (!p.key) continue;
      if (!VerifyEnvelope(p.entry.envelope, *p.key)) {
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

}  // namespace

Result<VerifyReport> VerifyLedger(const Ledger& ledger, const VerifyOptions& options) {
  VerifyReport report;
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  auto fail = [&](std::optional<uint64_t> seq, std::string problem) {
    report.bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };

  // The checkpoint: signed by the ledger's key, and of this origin.
  auto note_text = ledger.LatestCheckpoint();
  if (!note_text.ok()) return fail(std::nullopt, "checkpoint: " + note_text.status().message());
  const note::Verifier& verifier = options.verifier ? *options.verifier : ledger.checkpoint_verifier();
  auto opened = note::Open(*note_text, {verifier});
  if (!opened.ok()) return fail(std::nullopt, "checkpoint: " + opened.status().message());
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return fail(std::nullopt, "checkpoint: " + checkpoint.status().message());
  if (checkpoint->origin != ledger.origin()) {
    return fail(std::nullopt, "checkpoint: origin '" + checkpoint->origin + "' is not this ledger's '" +
                                  ledger.origin() + "'");
  }
  report.checkpoint_size = checkpoint->size;

  // Every checkpoint the ledger ever signed, by tree size: each must carry the root
  // recomputed at its size, so a rewritten past cannot hide behind a fresh checkpoint.
  std::map<uint64_t, std::string> stored_checkpoints;
  {
    auto cit = ledger.store().NewIterator(Column::kCheckpoints);
    for (cit->SeekToFirst(); cit->Valid(); cit->Next()) {
      auto k = cit->key();
      if (k.size() != 8) return fail(std::nullopt, "checkpoints column holds a key that is not a size");
      stored_checkpoints[SeqFromKey(std::string_view(k.data(), 8))] = cit->value().ToString();
    }
  }
  auto check_stored = [&](uint64_t size, const Hash& root) -> std::optional<std::string> {
    auto it = stored_checkpoints.find(size);
    if (it == stored_checkpoints.end()) return std::nullopt;
    auto opened_old = note::Open(it->second, {verifier});
    if (!opened_old.ok()) return "checkpoint at size " + std::to_string(size) + ": " + opened_old.status().message();
    auto cp = note::ParseCheckpoint(opened_old->text);
    if (!cp.ok()) return "checkpoint at size " + std::to_string(size) + ": " + cp.status().message();
    if (cp->size != size || cp->origin != ledger.origin() || !ConstantTimeEqual(cp->root, root)) {
      return "checkpoint at size " + std::to_string(size) + " does not match the entries (root " +
             HexEncode(cp->root) + ", recomputed " + HexEncode(root) + ")";
    }
    ++report.checkpoints_checked;
    return std::nullopt;
  };

  MemoryState state;
  merkle::Frontier frontier;
  auto it = ledger.store().NewIterator(Column::kEntries);
  std::vector<Pending> chunk;
  uint64_t expected = 0;
  int64_t last_recorded = INT64_MIN;

  // Checks the chunk's signatures; on failure returns the bad seq.
  auto flush = [&]() -> std::optional<uint64_t> {
    auto bad = FirstBadSignature(chunk, threads);
    for (const auto& p : chunk) report.signatures_checked += p.key.has_value();
    chunk.clear();
    if (options.progress) options.progress(expected, checkpoint->size);
    return bad;
  };

  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t seq = expected;
    auto key = it->key();
    if (key.size() != 8) return fail(seq, "entries column holds a key that is not a seq");
    uint64_t at = SeqFromKey(std::string_view(key.data(), key.size()));
    if (at != seq) {
      if (auto bad = flush()) return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
      return fail(seq, "seq " + std::to_string(seq) + ": entry is missing (next stored is seq " +
                           std::to_string(at) + ")");
    }
    Bytes bytes(it->value().data(), it->value().data() + it->value().size());
    auto entry = DecodeEntry(bytes);
    auto bad_here = [&](const std::string& what) {
      // A bad signature earlier in the chunk comes first.
      if (auto bad = flush()) return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
      return fail(seq, "seq " + std::to_string(seq) + ": " + what);
    };
    if (!entry.ok()) return bad_here(entry.status().message());
    if (entry->seq != seq) {
      return bad_here("entry records seq " + std::to_string(entry->seq) + " (moved or reordered)");
    }
    if (entry->recorded_at_us < last_recorded) return bad_here("recorded time goes backwards (reordered)");
    last_recorded = entry->recorded_at_us;
    auto view = EventView::FromCanonical(entry->envelope.body);
    if (!view.ok()) return bad_here(view.status().message());
    Status body_ok = ledger.codec().CheckBody(*view);
    if (!body_ok.ok()) return bad_here(body_ok.message());
    Hash leaf = merkle::LeafHash(bytes);
    for (const auto& node : frontier.Append(leaf)) {
      auto stored = ledger.store().Get(Column::kNodes, NodeKey(node.level, node.index));
      if (!stored.ok()) return stored.status();
      if (!stored->has_value() || !ConstantTimeEqual(AsBytes(**stored), node.hash)) {
        return bad_here("stored tree node (level " + std::to_string(node.level) + ", index " +
                        std::to_string(node.index) + ") does not match the entries");
      }
    }
    if (frontier.size() == checkpoint->size || stored_checkpoints.count(frontier.size())) {
      Hash root = frontier.Root();
      if (frontier.size() == checkpoint->size) report.root = root;
      if (auto problem = check_stored(frontier.size(), root)) return bad_here(*problem);
    }

    StateTxn txn(state);
    auto event = view->reader();
    Pending pending{seq, std::move(*entry), std::nullopt};
    if (seq >= options.from) {
      std::optional<KeyInfo> signer;
      Status st = CheckAuthority(txn, seq, pending.entry.envelope.key_id, event, &signer);
      if (st.ok() && options.rules) st = options.rules->Check(txn, seq, signer ? &*signer : nullptr, event);
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
    }
    Status st = ApplyAuthority(txn, seq, event);
    if (st.ok() && options.rules) st = options.rules->Apply(txn, seq, event);
    if (!st.ok()) return bad_here(st.message());
    state.Commit(txn);
    chunk.push_back(std::move(pending));
    ++expected;
    if (chunk.size() >= kChunk) {
      if (auto bad = flush()) return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
    }
  }
  if (!it->status().ok()) return Status::IoError("reading entries: " + it->status().ToString());
  if (auto bad = flush()) return fail(*bad, "seq " + std::to_string(*bad) + ": signature does not verify");
  report.size = expected;

  if (expected < checkpoint->size) {
    return fail(expected, "seq " + std::to_string(expected) + ": entry is missing (the checkpoint covers " +
                              std::to_string(checkpoint->size) + " entries, the log holds " +
                              std::to_string(expected) + ")");
  }
  if (!ConstantTimeEqual(report.root, checkpoint->root)) {
    return fail(std::nullopt, "the root recomputed at size " + std::to_string(checkpoint->size) + " (" +
                                  HexEncode(report.root) + ") is not the checkpoint's (" +
                                  HexEncode(checkpoint->root) + ")");
  }
  if (expected > checkpoint->size) {
    return fail(checkpoint->size, "seq " + std::to_string(checkpoint->size) +
                                      ": entries beyond the latest checkpoint (size " +
                                      std::to_string(checkpoint->size) + ")");
  }
  // The projections the reports read must be exactly the fold of the log just replayed.
  if (options.rules) {
    auto it = ledger.store().NewIterator(Column::kState);
    auto want = state.records().begin();
    auto stale = [&](const std::string& key) {
      return fail(std::nullopt, "the projections differ from the log at state record '" + key +
                                    "' (altered or stale); run 'probity rebuild'");
    };
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++want) {
      std::string key = it->key().ToString();
      if (want == state.records().end() || want->first != key) return stale(key);
      if (want->second != it->value().ToString()) return stale(key);
    }
    if (!it->status().ok()) return Status::IoError("reading state: " + it->status().ToString());
    if (want != state.records().end()) return stale(want->first);
  }
  return report;
}

}  // namespace probity
