// evidence: one file that proves a person's record offline (docs/formats.md §12).
#include <filesystem>
#include <iostream>

#include "ledger/files.h"
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
  if (auto d = args.Option("as-of")) {
    if (!ParseDay(*d)) return Fail(args, kExitUsage, "--as-of must be a date YYYY-MM-DD");
    options.as_of.date = *d;
  }
  if (auto s = args.Option("as-of-seq")) {
    auto v = ParseUint(*s);
    if (!v) return Fail(args, kExitUsage, "--as-of-seq must be a seq (a whole number)");
    options.as_of.seq = *v;
  }
  if (options.as_of.date && options.as_of.seq)
    return Fail(args, kExitUsage, "give --as-of or --as-of-seq, not both");
  if (auto s = args.Option("size")) {
    auto v = ParseUint(*s);
    if (!v) return Fail(args, kExitUsage, "--size must be a tree size (a whole number)");
    options.size = *v;
  }
  Lang lang = LangFromLocale();
  if (auto l = args.Option("lang")) {
    auto parsed = ParseLang(*l);
    if (!parsed) return Fail(args, kExitUsage, "--lang must be zh or en");
    lang = *parsed;
  }
  for (const auto& w : args.Options("witness")) {
    auto text = ValueOrFile(w);
    if (!text.ok()) return Fail(args, kExitUsage, "--witness: " + text.status().message());
    auto key = witness::CosignerKey::FromVkey(*text);
    if (!key.ok()) return Fail(args, kExitUsage, "--witness: " + key.status().message());
    options.witnesses.push_back(std::move(*key));
  }
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
    auto page = server::EvidencePage(*pack, lang);
    if (!page.ok()) return Fail(args, kExitStore, page.status().message());
    bytes = std::move(*page);
  }
  std::filesystem::path path(*output);
  std::string dir = path.parent_path().empty() ? "." : path.parent_path().string();
  Status written = files::ReplaceFile(dir, path.filename().string(), bytes);
  if (!written.ok())
    return Fail(args, kExitRefused, "cannot write " + *output + ": " + written.message());
  size_t records = 0;
  for (const auto& [seq, why] : pack->entries) records += why == "record";
  std::cout << "wrote " << *output << ": " << records << " entries of the record of "
            << pack->record.person << " " << pack->record.name << ", "
            << pack->entries.size() - records
            << " key registrations and revocations, each with its proof to the checkpoint at size "
            << pack->checkpoint.size << " (" << pack->cosignature_lines
            << " witness cosignature lines)\n"
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
