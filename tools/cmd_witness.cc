// witness init, witness add-checkpoint, cosign, erase: the parties beside the log.
// A witness is run by someone other than the operator, on another machine: it cosigns a
// checkpoint only if it consistently extends the last one it cosigned (docs/auditor.md).
#include <chrono>
#include <iostream>

#include "ledger/witness.h"
#include "tools/commands.h"

namespace probity::cli {

int Witness(const Args& args) {
  const std::string& verb = args.positional[0];
  auto state = args.Option("state");
  if (!state) return Fail(args, kExitUsage, "--state DIR is required");
  if (verb == "latest") {
    // What this witness last cosigned: an auditor keeps it as a checkpoint to verify
    // --since, so a store rolled back behind the witness's back is caught.
    auto note_text = witness::LatestNote(*state);
    if (!note_text.ok()) return FailStatus(args, note_text.status());
    if (note_text->empty())
      return Fail(args, kExitRefused, "this witness has cosigned nothing yet");
    std::cout << *note_text;
    return kExitOk;
  }
  if (!args.Option("key")) return Fail(args, kExitUsage, "--key W.pem is required");
  auto key = LoadSigningKey(args);
  if (!key.ok()) return FailStatus(args, key.status());
  if (verb == "init") {
    if (args.positional.size() != 1)
      return Fail(
          args, kExitUsage,
          "usage: probity witness init --key W.pem --log-vkey VKEY [--origin ORIGIN] --state DIR "
          "--name NAME");
    auto name = args.Option("name");
    auto log_vkey = args.Option("log-vkey");
    if (!name || !log_vkey)
      return Fail(args, kExitUsage, "--name NAME and --log-vkey VKEY are required");
    auto vkey_text = ValueOrFile(*log_vkey);
    if (!vkey_text.ok())
      return Fail(args, kExitUsage, "--log-vkey: " + vkey_text.status().message());
    auto verifier = note::Verifier::FromVkey(*vkey_text);
    if (!verifier.ok()) return Fail(args, kExitUsage, "--log-vkey: " + verifier.status().message());
    std::string origin = args.Option("origin").value_or(verifier->name);
    Status st = witness::InitWitness(*state, *name, *verifier, origin);
    if (!st.ok())
      return Fail(args, st.code() == Code::kIoError ? kExitStore : kExitRefused, st.message());
    auto vkey = witness::WitnessVkey(*state, *key);
    if (!vkey.ok()) return FailStatus(args, vkey.status());
    std::cerr << "witness '" << *name << "' follows " << origin << "; state in " << *state << "\n";
    std::cout << *vkey << "\n";
    return kExitOk;
  }
  if (verb == "add-checkpoint") {
    if (args.positional.size() > 2)
      return Fail(args, kExitUsage,
                  "usage: probity witness add-checkpoint --key W.pem --state DIR [FILE|-]");
    auto request = ReadInput(
        args.positional.size() == 2 ? std::optional(args.positional[1]) : std::nullopt, 64 << 10);
    if (!request.ok()) return Fail(args, kExitRefused, request.status().message());
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    auto cosigned =
        witness::AddCheckpoint(*state, *key, *request, static_cast<uint64_t>(now.count()));
    if (!cosigned.ok()) {
      const Status& st = cosigned.status();
      bool store = st.code() == Code::kIoError || st.code() == Code::kCorrupt;
      return Fail(args, store ? kExitStore : kExitRefused,
                  "not cosigned: " + st.message() + " (the witness's state is unchanged)");
    }
    std::cout << cosigned->note;
    return kExitOk;
  }
  return Fail(args, kExitUsage,
              "witness what? 'init', 'add-checkpoint' or 'latest' (see 'probity witness --help')");
}

int Cosign(const Args& args) {
  auto note_text = ReadInput(
      args.positional.empty() ? std::nullopt : std::optional(args.positional[0]), 64 << 10);
  if (!note_text.ok()) return Fail(args, kExitRefused, note_text.status().message());
  auto ledger = OpenLedger(args, Store::Mode::kReadWrite);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  auto added = (*ledger)->AddCosignatures(*note_text);
  if (!added.ok()) return FailStatus(args, added.status());
  auto opened = note::Open(*note_text, {(*ledger)->checkpoint_verifier()});
  auto cp = note::ParseCheckpoint(opened->text);
  bool access = cp->origin != (*ledger)->origin();
  std::cout << "stored " << *added << " new signature line(s) with the "
            << (access ? "access log's " : "") << "checkpoint at size " << cp->size << "\n";
  return kExitOk;
}

int Erase(const Args& args) {
  auto seq = ParseUint(args.positional[0]);
  if (!seq) return Fail(args, kExitUsage, "SEQ must be a whole number");
  auto reason = args.Option("reason");
  if (!reason || reason->empty())
    return Fail(args, kExitUsage, "--reason TEXT is required (why the value is erased)");
  if (!args.Option("key"))
    return Fail(args, kExitUsage, "--key KEY.pem is required (an hr or admin key)");
  auto key = LoadSigningKey(args);
  if (!key.ok()) return FailStatus(args, key.status());
  auto ledger = OpenLedger(args, Store::Mode::kReadWrite);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  std::string json = "{\"type\":\"erasure\",\"target\":" + std::to_string(*seq) +
                     ",\"reason\":" + JsonQuote(*reason) + "}";
  auto prepared = (*ledger)->codec().Prepare(json, SystemRandom());
  if (!prepared.ok()) return Fail(args, kExitRefused, "refused: " + prepared.status().message());
  SubmitError error;
  auto receipts =
      (*ledger)->Submit({SignEnvelope(prepared->body, (*ledger)->origin(), *key)}, &error);
  if (!receipts.ok())
    return Fail(args, ExitFor(error.status),
                "refused: " + error.status.message() + "; nothing was erased");
  const auto& r = receipts->front();
  std::cout << "erased the sealed values of seq " << *seq << " by seq " << r.seq << " leaf "
            << HexEncode(r.leaf_hash) << "; every signature and proof still verifies\n";
  return kExitOk;
}

}  // namespace probity::cli
