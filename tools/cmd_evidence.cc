// evidence: one file that proves a person's record offline (docs/formats.md §12).
#include <iostream>

#include "ledger/files.h"
#include "projections/evidence.h"
#include "server/evidence_page.h"
#include "tools/client.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

// The pack as the server builds it (GET /v1/persons/ID/evidence), written as it came:
// the file proves itself, so it is checked where it is used, not trusted here.
int RemoteEvidence(const Args& args, const std::string& output, const AsOf& as_of, Lang lang) {
  for (const char* local : {"size", "witness"}) {
    if (!args.Options(local).empty()) {
      return Fail(args, kExitUsage,
                  std::string("--") + local +
                      " is for a local store; over --server the pack proves against the "
                      "server's latest checkpoint: check its witnesses with 'probity-audit "
                      "evidence FILE --witness VKEY'");
    }
  }
  auto answer = RemotePersonRead(args, args.positional[0], [&](const std::string& id) {
    std::string target = "/v1/persons/" + Client::Escape(id) + "/evidence?format=";
    target += args.Has("json") ? "json" : "html";
    target += lang == Lang::kEn ? "&lang=en" : "&lang=zh";
    if (as_of.date) target += "&asOf=" + Client::Escape(*as_of.date);
    if (as_of.seq) target += "&asOfSeq=" + std::to_string(*as_of.seq);
    if (args.Has("include-sensitive")) target += "&sealed=1";
    return target;
  });
  if (auto* code = std::get_if<int>(&answer)) return *code;
  const auto& [person, body] = std::get<RemotePerson>(answer);
  if (int code = WriteOutputFile(args, output, body); code != kExitOk) return code;
  std::cout << "wrote " << output << ": the evidence pack of " << person
            << " as the server built it (" << body.size() << " bytes)\n"
            << "check it, with the checkpoint key you pinned: probity-audit evidence "
            << files::ShellWord(output) << " --vkey VKEY\n";
  return kExitOk;
}

}  // namespace

int Evidence(const Args& args) {
  auto output = args.Option("output");
  if (!output || output->empty()) return Fail(args, kExitUsage, "say where to write it: -o FILE");
  EvidenceOptions options;
  auto as_of = AsOfOptions(args);
  if (auto* code = std::get_if<int>(&as_of)) return *code;
  options.as_of = std::get<AsOf>(as_of);
  auto lang = LangOption(args);
  if (auto* code = std::get_if<int>(&lang)) return *code;
  if (args.remote()) return RemoteEvidence(args, *output, options.as_of, std::get<Lang>(lang));
  if (auto s = args.Option("size")) {
    auto v = ParseUint(*s);
    if (!v || *v == 0)
      return Fail(args, kExitUsage, "--size must be a tree size (a whole number from 1)");
    options.size = *v;
  }

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
            << CheckItHint(args, "evidence", *output) << "\n";
  if (pack->cosignature_lines == 0) {
    std::cerr << "probity evidence: note: no witness has cosigned this checkpoint; for a pack that "
                 "does not rest on the ledger's key alone, have it cosigned first "
                 "(docs/operator.md, witnesses)\n";
  }
  return kExitOk;
}

}  // namespace probity::cli
