// Reports written to a file with -o (docs/formats.md §13): the list with the basis it
// was computed at inside the file (tree size, root, the ledger's verifier key and the
// checkpoint it signed at that size), so that the file alone ties every line to the
// ledger ('probity-audit report FILE'). The same command at the same basis writes the
// same bytes. Files are replaced whole, mode 0600 (they hold personal data).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "projections/reports.h"
#include "tools/cli.h"

namespace probity::cli {

// What -o FILE writes: the format asked for (--format, --json), else the one FILE's
// extension names (.csv, .json, .xlsx, in any case), else `fallback`. Refused as bad
// usage, after saying why: -o with --server (a report file is written from the store
// itself), a format not in `allowed`, an extension naming another format than the one
// asked for, or no format at all.
std::variant<std::string, int> ExportFormat(const Args& args, const std::string& path,
                                            const std::optional<std::string>& asked,
                                            const std::vector<std::string>& allowed,
                                            const std::optional<std::string>& fallback = {});

struct ExportBasis {
  std::string command;  // what was asked: "eligibility 2019 --units"
  ReportBasis basis;
  std::string vkey, checkpoint;
};
// The basis of a report computed on `view`: its checkpoint at the report's size, or, for a
// report as of an earlier seq where no submit ended, the first checkpoint after it.
Result<ExportBasis> ExportBasisOf(const LedgerView& view, const std::string& command,
                                  const ReportBasis& basis);

// `rows` (a header row, then the lines) as the CSV the command prints (a byte-order mark,
// CRLF; report_codec.h CsvRow), then the basis row: "#probity", the command, treeSize=,
// root=, vkey=, checkpoint=, padded with empty cells to the header's width.
std::string CsvWithBasis(const std::vector<std::vector<std::string>>& rows, const ExportBasis& b);
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
