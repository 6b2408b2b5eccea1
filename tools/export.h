// Reports written to a file with -o (docs/formats.md §13): the list with the basis it
// was computed at inside the file (tree size, root, the ledger's verifier key and the
// checkpoint it signed at that size), so that the file alone ties every line to the
// ledger ('probity-audit report FILE'). The same command at the same basis writes the
// same bytes. Files are replaced whole, mode 0600 (they hold personal data).
#pragma once

#include <string>
#include <vector>

#include "projections/reports.h"
#include "tools/cli.h"

namespace probity::cli {

struct ExportBasis {
  std::string command;  // what was asked: "eligibility 2019 --units"
  ReportBasis basis;
  std::string vkey, checkpoint;
};
// The basis of a report computed on `view` (its checkpoint at the report's size).
Result<ExportBasis> ExportBasisOf(const LedgerView& view, const std::string& command,
                                  const ReportBasis& basis);

// `csv` (a header row and lines, CRLF) followed by the basis row: "#probity", the
// command, treeSize=, root=, vkey=, checkpoint=, padded with empty cells to `columns`.
std::string CsvWithBasis(const std::string& csv, size_t columns, const ExportBasis& b);
// {"format":"probity-report/v1","command":...,"basis":{...},"result":<json>}
std::string JsonWithBasis(const std::string& json, const ExportBasis& b);

// A workbook of two sheets: `table` (a header row, then the lines; every cell text) named
// `sheet`, and "basis": command, treeSize, root, vkey, checkpoint, a row each.
std::string XlsxWithBasis(const std::vector<std::vector<std::string>>& table,
                          const std::string& sheet, const ExportBasis& b);

// Writes `bytes` to `path` atomically; prints one line saying what was written and how
// to check it. Returns the exit status.
int WriteExport(const Args& args, const std::string& path, const std::string& bytes,
                const ExportBasis& b);

}  // namespace probity::cli
