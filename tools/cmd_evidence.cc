// evidence: one file that proves a person's record offline (docs/formats.md §12).
#include <iostream>

#include "projections/evidence.h"
#include "server/evidence_page.h"
#include "tools/commands.h"

namespace probity::cli {

int Evidence(const Args& args) {
  auto output = args.Option("output");
  if (!output || output->empty()) return Fail(args, kExitUsage, "say where to write it: -o FILE");
  if (args.remote())
    return Fail(args, kExitUsage, "evidence reads the store itself: give --data DIR, not --server");
  EvidenceOptions options;
  auto as_of = AsOfOptions(args);
  if (auto* code = std::get_if<int>(&as_of)) return *code;
  options.as_of = std::get<AsOf>(as_of);
  if (auto s = args.Option("size")) {
    auto v = ParseUint(*s);
    if (!v || *v == 0)
      return Fail(args, kExitUsage, "--size must be a tree size (a whole number from 1)");
    options.size = *v;
  }
  auto lang = LangOption(args);
  if (auto* code = std::get_if<int>(&lang)) return *code;

  auto witnesses = WitnessKeys(args);
  if (!witnesses.ok()) return Fail(args, kExitUsage, witnesses.status().message());
  options.witnesses = std::move(*witnesses);
  options.include_sensitive = args.Has("include-sensitive");

  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto person = PersonByIdOrName(args, view, args.positional[0]);
  if (auto* code = std::get_if<int>(&person)) return *code;
  auto pack = BuildEvidence(view, std::get<std::string>(person), options);
  if (!pack.ok()) return FailStatus(args, pack.status());
  std::string bytes;
  if (args.Has("json")) {
    bytes = pack->json + "\n";
  } else {
    auto page = server::EvidencePage(*pack, std::get<Lang>(lang));
    if (!page.ok()) return Fail(args, kExitStore, page.status().message());
    bytes = std::move(*page);
  }
  if (int code = WriteOutputFile(args, *output, bytes); code != kExitOk) return code;
  size_t records = pack->record.lines.size(), keys = 0, revocations = 0;
  for (const auto& [seq, role] : pack->entries) {
    keys += role == EvidenceRole::kKey;
    revocations += role == EvidenceRole::kRevocation;
  }
  auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::cout << "wrote " << *output << ": " << count(records, "entry", "entries")
            << " of the record of " << pack->record.person << " " << pack->record.name << ", "
            << count(keys, "key registration", "key registrations")
            << (revocations ? " and " + count(revocations, "revocation", "revocations") : "")
            << ", each with its proof to the checkpoint at size " << pack->checkpoint.size << " ("
            << count(pack->cosignature_lines, "witness cosignature", "witness cosignatures")
            << ")\n"
            << "check it: probity-audit evidence " << *output
            << " --vkey \"$(probity checkpoint --vkey)\"\n";
  if (pack->cosignature_lines == 0) {
    std::cerr << "probity evidence: note: no witness has cosigned this checkpoint; for a pack that "
                 "does not rest on the ledger's key alone, have it cosigned first "
                 "(docs/operator.md, witnesses)\n";
  }
  return kExitOk;
}

}  // namespace probity::cli
