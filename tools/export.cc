// Reports with their basis inside: see export.h.
#include "tools/export.h"

#include <filesystem>
#include <iostream>

#include "ledger/event.h"
#include "ledger/files.h"
#include "ledger/ledger.h"
#include "tools/xlsx.h"

namespace probity::cli {
namespace {

std::string CsvCell(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

Result<ExportBasis> ExportBasisOf(const LedgerView& view, const std::string& command,
                                  const ReportBasis& basis) {
  auto note =
      basis.tree_size == view.size() ? view.LatestCheckpoint() : view.CheckpointAt(basis.tree_size);
  if (!note.ok()) return note.status();
  return ExportBasis{command, basis, view.checkpoint_verifier().Vkey(), *note};
}

std::string CsvWithBasis(const std::string& csv, size_t columns, const ExportBasis& b) {
  std::vector<std::string> cells = {"#probity",
                                    b.command,
                                    "treeSize=" + std::to_string(b.basis.tree_size),
                                    "root=" + HexEncode(b.basis.root),
                                    "vkey=" + b.vkey,
                                    "checkpoint=" + b.checkpoint};
  while (cells.size() < columns) cells.push_back("");
  std::string row;
  for (size_t i = 0; i < cells.size(); ++i) row += (i ? "," : "") + CsvCell(cells[i]);
  return csv + row + "\r\n";
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
  std::filesystem::path p(path);
  std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  Status written = files::ReplaceFile(dir, p.filename().string(), bytes);
  if (!written.ok())
    return Fail(args, kExitRefused, "cannot write " + path + ": " + written.message());
  std::cout << "wrote " << path << ": probity " << b.command << " at tree size "
            << b.basis.tree_size << ", root " << HexEncode(b.basis.root)
            << ", with the checkpoint signed at that size inside\n"
            << "check it: probity-audit report " << path
            << " --vkey \"$(probity checkpoint --vkey)\"\n";
  return kExitOk;
}

}  // namespace probity::cli
