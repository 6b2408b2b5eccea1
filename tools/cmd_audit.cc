// verify, checkpoint, prove: what an auditor runs.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "ledger/verify.h"
#include "ledger/witness.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

std::string HexList(const std::vector<Hash>& hashes, bool json) {
  std::string out;
  for (const auto& h : hashes) {
    if (json)
      out += (out.empty() ? "\"" : ",\"") + HexEncode(h) + "\"";
    else
      out += "  " + HexEncode(h) + "\n";
  }
  return json ? "[" + out + "]" : out;
}

std::optional<uint64_t> SizeArg(const std::string& text) { return ParseUint(text); }

}  // namespace

int Verify(const Args& args) {
  VerifyOptions options;
  if (auto f = args.Option("from")) {
    auto v = ParseUint(*f);
    if (!v) return Fail(args, kExitUsage, "--from must be a seq (a whole number)");
    options.from = *v;
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  if (auto v = args.Option("vkey")) {
    auto verifier = note::Verifier::FromVkey(*v);
    if (!verifier.ok()) return Fail(args, kExitUsage, "--vkey: " + verifier.status().message());
    options.verifier = *verifier;
  }
  for (const auto& path : args.Options("since")) {
    auto note_text = ReadInput(path, 64 << 10);
    if (!note_text.ok()) return Fail(args, kExitUsage, "--since: " + note_text.status().message());
    options.since.push_back({path, std::move(*note_text)});
  }
  std::optional<std::string> trusted, trusted_access;
  auto trust_dir = args.Option("trust-dir");
  if (trust_dir) {
    auto kept = ReadTrustedCheckpoint(*trust_dir, (*ledger)->origin());
    if (!kept.ok()) return Fail(args, kExitUsage, "--trust-dir: " + kept.status().message());
    trusted = *kept;
    if (trusted) options.since.push_back({"kept in trust dir " + *trust_dir, *trusted});
    auto kept_access = ReadTrustedCheckpoint(*trust_dir, AccessLogOrigin((*ledger)->origin()));
    if (!kept_access.ok())
      return Fail(args, kExitUsage, "--trust-dir: " + kept_access.status().message());
    trusted_access = *kept_access;
    if (trusted_access)
      options.since.push_back({"kept in trust dir " + *trust_dir, *trusted_access});
  }
  auto witnesses = WitnessKeys(args);
  if (!witnesses.ok()) return Fail(args, kExitUsage, witnesses.status().message());
  options.witnesses = std::move(*witnesses);
  if (auto q = args.Option("quorum")) {
    auto v = ParseUint(*q);
    if (!v || *v == 0 || *v > options.witnesses.size()) {
      return Fail(args, kExitUsage,
                  "--quorum must be from 1 to the number of --witness keys given");
    }
    options.quorum = *v;
  }
  options.progress = ProgressReporter("verify");
  options.rules = &ProgramRulesInstance();
  auto report = VerifyLedger((*ledger)->View(), options);
  if (!report.ok()) return FailStatus(args, report.status());
  // The trust directory keeps the largest checkpoint verified so far.
  bool trust_updated = false;
  if (trust_dir && report->ok()) {
    uint64_t kept_size = 0;
    if (trusted) {
      auto opened = note::Open(
          *trusted, {options.verifier ? *options.verifier : (*ledger)->checkpoint_verifier()});
      auto cp = opened.ok() ? note::ParseCheckpoint(opened->text)
                            : Result<note::Checkpoint>(opened.status());
      if (cp.ok()) kept_size = cp->size;
    }
    if (!trusted || report->checkpoint_size > kept_size) {
      Status st = WriteTrustedCheckpoint(*trust_dir, (*ledger)->origin(), report->checkpoint);
      if (!st.ok()) return Fail(args, kExitStore, "--trust-dir: " + st.message());
      trust_updated = true;
    }
    // The access log's latest checkpoint too: verify just checked that it extends the one
    // kept, so a later run catches reads removed after today.
    if (!report->access_checkpoint.empty() && report->access_checkpoint != trusted_access) {
      Status st = WriteTrustedCheckpoint(*trust_dir, AccessLogOrigin((*ledger)->origin()),
                                         report->access_checkpoint);
      if (!st.ok()) return Fail(args, kExitStore, "--trust-dir: " + st.message());
    }
  }
  auto cosigners_json = [](const std::vector<witness::Cosignature>& by) {
    std::string out = "[";
    for (size_t i = 0; i < by.size(); ++i) {
      out += (i ? ",{\"witness\":" : "{\"witness\":") + JsonQuote(by[i].name) + ",\"time\":" +
             JsonQuote(FormatTimestamp(static_cast<int64_t>(by[i].timestamp) * 1000000)) + "}";
    }
    return out + "]";
  };
  if (args.Has("json")) {
    std::cout << "{\"ok\":" << (report->ok() ? "true" : "false") << ",\"entries\":" << report->size
              << ",\"checkpointSize\":" << report->checkpoint_size
              << ",\"signaturesChecked\":" << report->signatures_checked
              << ",\"checkpointsChecked\":" << report->checkpoints_checked
              << ",\"derivedChecked\":" << report->derived_checked
              << ",\"sinceChecked\":" << report->since_checked
              << ",\"accessEntries\":" << report->access_entries
              << ",\"cosignedBy\":" << cosigners_json(report->cosigned_by)
              << ",\"accessCosignedSize\":" << report->access_cosigned_size
              << ",\"accessCosignedBy\":" << cosigners_json(report->access_cosigned_by);
    if (report->bad_seq) std::cout << ",\"badSeq\":" << *report->bad_seq;
    if (!report->ok())
      std::cout << ",\"problem\":" << JsonQuote(report->problem);
    else
      std::cout << ",\"root\":\"" << HexEncode(report->root) << "\"";
    std::cout << "}\n";
    return report->ok() ? kExitOk : kExitRefused;
  }
  if (!report->ok()) return Fail(args, kExitRefused, "FAILED: " + report->problem);
  std::cout << "ok: " << report->size << " entries, " << report->signatures_checked
            << " signatures and signers' authority, rules replayed, " << report->checkpoints_checked
            << " checkpoints and " << report->derived_checked << " derived records checked; root "
            << HexEncode(report->root) << " matches the checkpoint at size "
            << report->checkpoint_size << (options.verifier ? " signed by the given vkey" : "")
            << "\n";
  std::cout << "access log: " << report->access_entries
            << (report->access_entries == 1 ? " read, signed by its reader"
                                            : " reads, each signed by its reader")
            << "; its tree and checkpoint check out\n";
  if (report->since_checked) {
    std::cout << "consistent with " << report->since_checked << " checkpoint(s) saved earlier"
              << (trusted ? " (including the one kept in " + *trust_dir + ")" : std::string())
              << "\n";
  }
  if (trust_updated)
    std::cout << "trust dir: now keeps the checkpoint at size " << report->checkpoint_size << "\n";
  if (!options.witnesses.empty()) {
    // The cosignature times: a restored older copy carries old cosignatures only, so an
    // auditor who expects witnesses to cosign daily sees the staleness here.
    auto cosigners = [&](const std::vector<witness::Cosignature>& by) {
      std::cout << by.size() << " of " << options.witnesses.size() << " witness(es):";
      for (const auto& w : by) {
        std::cout << " " << w.name << " (at "
                  << FormatTimestamp(static_cast<int64_t>(w.timestamp) * 1000000).substr(0, 19)
                  << "Z)";
      }
      std::cout << "\n";
    };
    std::cout << "cosigned by ";
    cosigners(report->cosigned_by);
    if (report->access_entries > 0) {
      // Reads go on between witnessings: say how many the witnesses have seen.
      std::cout << "access log cosigned at size " << report->access_cosigned_size << " of "
                << report->access_entries << " by ";
      cosigners(report->access_cosigned_by);
    }
  }
  return kExitOk;
}

namespace {

// checkpoint --access: the access log's latest checkpoint, or a witness request for it.
int AccessCheckpoint(const Args& args, const LedgerView& view) {
  if (args.Option("size") || args.Has("json"))
    return Fail(args, kExitUsage,
                "--size and --json go with the main log's checkpoints, not --access");
  auto size = AccessLogSize(view);
  if (!size.ok()) return FailStatus(args, size.status());
  auto latest = AccessLogCheckpoint(view);
  if (!latest.ok()) return FailStatus(args, latest.status());
  if (!latest->has_value())
    return Fail(args, kExitRefused,
                "the access log is empty: no read has been recorded through the server yet");
  if (!args.Has("witness-request")) {
    std::cout << **latest;
    return kExitOk;
  }
  witness::WitnessRequest request;
  if (auto o = args.Option("old")) {
    auto v = ParseUint(*o);
    if (!v || *v > *size)
      return Fail(args, kExitUsage,
                  "--old must be a size from 0 to the access log's " + std::to_string(*size));
    request.old_size = *v;
  }
  auto proof = AccessConsistencyProof(view, request.old_size, *size);
  if (!proof.ok()) return FailStatus(args, proof.status());
  request.proof = std::move(*proof);
  request.note = **latest;
  std::cout << witness::FormatWitnessRequest(request);
  return kExitOk;
}

}  // namespace

// checkpoint --list: every stored checkpoint's size and how many witnesses cosigned it,
// oldest first (one is signed after every submit).
int ListCheckpoints(const Args& args, const LedgerView& view) {
  auto it = view.NewIterator(Column::kCheckpoints);
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) continue;
    uint64_t size = SeqFromKey(std::string_view(it->key().data(), 8));
    if (size > view.size()) break;
    size_t lines =
        note::SignatureLineCount(std::string_view(it->value().data(), it->value().size()));
    size_t cosignatures = lines > 0 ? lines - 1 : 0;  // the ledger's own line first
    if (args.Has("json")) {
      std::cout << "{\"treeSize\":" << size << ",\"cosignatures\":" << cosignatures << "}\n";
    } else {
      std::cout << std::setw(12) << size << "  "
                << (cosignatures ? std::to_string(cosignatures) + " witness cosignature" +
                                       (cosignatures == 1 ? "" : "s")
                                 : std::string("not cosigned"))
                << "\n";
    }
    ++count;
  }
  if (!it->status().ok()) return Fail(args, kExitStore, it->status().ToString());
  if (!args.Has("json")) {
    std::cerr << count << " checkpoints; 'probity checkpoint --size N' prints one\n";
  }
  return kExitOk;
}

int Checkpoint(const Args& args) {
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  if (args.Has("vkey")) {
    std::cout << (*ledger)->checkpoint_verifier().Vkey() << "\n";
    return kExitOk;
  }
  const LedgerView view = (*ledger)->View();
  if (args.Has("list")) return ListCheckpoints(args, view);
  if (args.Has("access")) return AccessCheckpoint(args, view);
  if (args.Has("witness-request")) {
    // The body of a tlog-witness add-checkpoint request for the latest checkpoint.
    uint64_t size = view.size();
    uint64_t old_size = 0;
    if (auto o = args.Option("old")) {
      auto v = ParseUint(*o);
      if (!v || *v > size)
        return Fail(args, kExitUsage,
                    "--old must be a size from 0 to the log's " + std::to_string(size));
      old_size = *v;
    }
    witness::WitnessRequest request;
    request.old_size = old_size;
    if (old_size > 0 && old_size < size) {
      auto proof = view.ConsistencyProof(old_size, size);
      if (!proof.ok()) return FailStatus(args, proof.status());
      request.proof = std::move(*proof);
    }
    auto latest = view.LatestCheckpoint();
    if (!latest.ok()) return FailStatus(args, latest.status());
    request.note = *latest;
    std::cout << witness::FormatWitnessRequest(request);
    return kExitOk;
  }
  auto note = view.LatestCheckpoint();
  if (auto s = args.Option("size")) {
    auto size = ParseUint(*s);
    if (!size) return Fail(args, kExitUsage, "--size must be a whole number");
    note = view.CheckpointAt(*size);
  }
  if (!note.ok()) return FailStatus(args, note.status());
  if (args.Has("json")) {
    auto opened = note::Open(*note, {(*ledger)->checkpoint_verifier()});
    if (!opened.ok())
      return Fail(args, kExitStore,
                  "the stored checkpoint does not verify: " + opened.status().message());
    auto cp = note::ParseCheckpoint(opened->text);
    if (!cp.ok())
      return Fail(args, kExitStore,
                  "the stored checkpoint does not parse: " + cp.status().message());
    std::cout << "{\"origin\":" << JsonQuote(cp->origin) << ",\"treeSize\":" << cp->size
              << ",\"root\":\"" << HexEncode(cp->root) << "\",\"note\":" << JsonQuote(*note)
              << ",\"vkey\":" << JsonQuote((*ledger)->checkpoint_verifier().Vkey()) << "}\n";
    return kExitOk;
  }
  std::cout << *note;
  return kExitOk;
}

int Prove(const Args& args) {
  const std::string& kind = args.positional[0];
  bool json = args.Has("json");
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  uint64_t log_size = view.size();
  if (kind == "inclusion") {
    if (args.positional.size() != 2)
      return Fail(args, kExitUsage, "usage: probity prove inclusion SEQ [--size N]");
    auto seq = ParseUint(args.positional[1]);
    if (!seq) return Fail(args, kExitUsage, "SEQ must be a whole number");
    uint64_t size = log_size;
    if (auto s = args.Option("size")) {
      auto v = SizeArg(*s);
      if (!v) return Fail(args, kExitUsage, "--size must be a whole number");
      size = *v;
    }
    if (size > log_size)
      return Fail(args, kExitRefused,
                  "--size " + std::to_string(size) + " is beyond the log's " +
                      std::to_string(log_size) + " entries");
    if (*seq >= size)
      return Fail(
          args, kExitRefused,
          "seq " + std::to_string(*seq) + " is not in a tree of size " + std::to_string(size));
    auto entry = view.ReadEntryBytes(*seq);
    if (!entry.ok()) return FailStatus(args, entry.status());
    Hash leaf = merkle::LeafHash(*entry);
    auto proof = view.InclusionProof(*seq, size);
    if (!proof.ok()) return FailStatus(args, proof.status());
    auto root = view.RootAt(size);
    if (!root.ok()) return FailStatus(args, root.status());
    // Never hand out a proof that does not check.
    Status st = merkle::VerifyInclusion(*seq, size, leaf, *proof, *root);
    if (!st.ok()) return Fail(args, kExitStore, "the store's tree is damaged: " + st.message());
    if (json) {
      std::cout << "{\"index\":" << *seq << ",\"treeSize\":" << size << ",\"leafHash\":\""
                << HexEncode(leaf) << "\",\"hashes\":" << HexList(*proof, true) << ",\"root\":\""
                << HexEncode(*root) << "\"}\n";
    } else {
      std::cout << "inclusion of seq " << *seq << " in the tree of size " << size << "\n"
                << "leaf hash: " << HexEncode(leaf) << "\n"
                << "root:      " << HexEncode(*root) << " (base64 " << Base64Encode(*root) << ")\n"
                << "hashes (leaf's sibling first):\n"
                << HexList(*proof, false);
    }
    return kExitOk;
  }
  if (kind == "consistency") {
    if (args.positional.size() != 3)
      return Fail(args, kExitUsage, "usage: probity prove consistency OLD NEW");
    auto old_size = ParseUint(args.positional[1]);
    auto new_size = ParseUint(args.positional[2]);
    if (!old_size || !new_size) return Fail(args, kExitUsage, "OLD and NEW must be whole numbers");
    if (*new_size > log_size)
      return Fail(args, kExitRefused,
                  "NEW " + std::to_string(*new_size) + " is beyond the log's " +
                      std::to_string(log_size) + " entries");
    if (*old_size == 0 || *old_size > *new_size) {
      return Fail(args, kExitRefused, "OLD must be from 1 to NEW (an empty tree needs no proof)");
    }
    auto proof = view.ConsistencyProof(*old_size, *new_size);
    if (!proof.ok()) return FailStatus(args, proof.status());
    auto old_root = view.RootAt(*old_size);
    auto new_root = view.RootAt(*new_size);
    if (!old_root.ok()) return FailStatus(args, old_root.status());
    if (!new_root.ok()) return FailStatus(args, new_root.status());
    Status st = merkle::VerifyConsistency(*old_size, *new_size, *proof, *old_root, *new_root);
    if (!st.ok()) return Fail(args, kExitStore, "the store's tree is damaged: " + st.message());
    if (json) {
      std::cout << "{\"oldSize\":" << *old_size << ",\"newSize\":" << *new_size
                << ",\"hashes\":" << HexList(*proof, true) << ",\"oldRoot\":\""
                << HexEncode(*old_root) << "\",\"newRoot\":\"" << HexEncode(*new_root) << "\"}\n";
    } else {
      std::cout << "consistency of the tree of size " << *old_size << " with size " << *new_size
                << "\n"
                << "old root: " << HexEncode(*old_root) << " (base64 " << Base64Encode(*old_root)
                << ")\n"
                << "new root: " << HexEncode(*new_root) << " (base64 " << Base64Encode(*new_root)
                << ")\n"
                << "hashes:\n"
                << HexList(*proof, false);
    }
    return kExitOk;
  }
  return Fail(args, kExitUsage, "prove what? 'inclusion SEQ [--size N]' or 'consistency OLD NEW'");
}

}  // namespace probity::cli
