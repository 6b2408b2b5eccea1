// Reports with their basis inside: see export.h.
#include "tools/export.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "ledger/event.h"
#include "ledger/ledger.h"
#include "projections/report_codec.h"
#include "tools/xlsx.h"

namespace probity::cli {

std::variant<std::string, int> ExportFormat(const Args& args, const std::string& path,
                                            const std::optional<std::string>& asked,
                                            const std::vector<std::string>& allowed,
                                            const std::optional<std::string>& fallback) {
  std::string list;
  for (const auto& f : allowed) list += (list.empty() ? "" : ", ") + f;
  if (args.remote())
    return Fail(args, kExitUsage, "-o writes a report file from the store itself: give --data DIR");
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  std::optional<std::string> named;
  if (ext == ".csv" || ext == ".json" || ext == ".xlsx") named = ext.substr(1);
  if (asked && named && *asked != *named)
    return Fail(args, kExitUsage,
                "-o " + path + " names a ." + *named + " file, but --format is " + *asked);
  std::string format = asked ? *asked : named ? *named : fallback.value_or("");
  if (format.empty())
    return Fail(
        args, kExitUsage,
        "say what -o writes: name FILE." + allowed.front() + " or give the format (" + list + ")");
  if (std::find(allowed.begin(), allowed.end(), format) == allowed.end())
    return Fail(args, kExitUsage, "-o writes " + list + " here, not " + format);
  return format;
}

Result<ExportBasis> ExportBasisOf(const LedgerView& view, const std::string& command,
                                  const ReportBasis& basis) {
  // A report as of an earlier seq (record --as-of-seq N) is computed at size N + 1, where
  // a checkpoint was signed only if a submit ended there: the file is then tied to the
  // first checkpoint that holds those entries, whose tree the same command reads the same.
  auto size = view.FirstCheckpointFrom(basis.tree_size);
  if (!size.ok()) return size.status();
  ReportBasis tied = basis;
  if (*size != basis.tree_size) {
    auto at = BasisAt(view, *size);
    if (!at.ok()) return at.status();
    tied = *at;
  }
  auto note = view.CheckpointAt(tied.tree_size);
  if (!note.ok()) return note.status();
  return ExportBasis{command, tied, view.checkpoint_verifier().Vkey(), *note};
}

std::string CsvWithBasis(const std::vector<std::vector<std::string>>& rows, const ExportBasis& b) {
  std::string out = "\xEF\xBB\xBF";
  for (const auto& row : rows) out += CsvRow(row);
  std::vector<std::string> cells = {"#probity",
                                    b.command,
                                    "treeSize=" + std::to_string(b.basis.tree_size),
                                    "root=" + HexEncode(b.basis.root),
                                    "vkey=" + b.vkey,
                                    "checkpoint=" + b.checkpoint};
  cells.resize(std::max(rows.empty() ? 0 : rows.front().size(), cells.size()));
  return out + CsvRow(cells);
}

std::string JsonWithBasis(const std::string& json, const ExportBasis& b) {
  return "{\"format\":\"probity-report/v1\",\"command\":" + JsonQuote(b.command) +
         ",\"basis\":{\"treeSize\":" + std::to_string(b.basis.tree_size) + ",\"root\":\"" +
         HexEncode(b.basis.root) + "\",\"vkey\":" + JsonQuote(b.vkey) +
         ",\"checkpoint\":" + JsonQuote(b.checkpoint) + "},\"result\":" + json + "}\n";
}

std::string XlsxWithBasis(const std::vector<std::vector<std::string>>& table,
                          const std::string& sheet, const ExportBasis& b) {
  XlsxSheet lines{sheet, {}};
  for (const auto& row : table) lines.rows.emplace_back(row.begin(), row.end());
  XlsxSheet basis{"basis",
                  {{std::string("command"), b.command},
                   {std::string("treeSize"), static_cast<double>(b.basis.tree_size)},
                   {std::string("root"), HexEncode(b.basis.root)},
                   {std::string("vkey"), b.vkey},
                   {std::string("checkpoint"), b.checkpoint}}};
  return XlsxWorkbook({lines, basis});
}

int WriteExport(const Args& args, const std::string& path, const std::string& bytes,
                const ExportBasis& b) {
  if (int code = WriteOutputFile(args, path, bytes); code != kExitOk) return code;
  std::cout << "wrote " << path << ": probity " << b.command << " at tree size "
            << b.basis.tree_size << ", root " << HexEncode(b.basis.root)
            << ", with the checkpoint signed at that size inside\n"
            << CheckItHint(args, "report", path) << "\n";
  return kExitOk;
}

}  // namespace probity::cli
