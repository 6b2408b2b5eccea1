// Spreadsheets in and out: a minimal Office Open XML workbook (.xlsx, ECMA-376) for
// exports a spreadsheet opens as they are (every cell an inline string or a number,
// nothing ever a formula; the zip stores its members uncompressed with fixed times, so the
// same sheets give the same bytes), and the readers 'probity import' uses: a workbook's
// first sheet and RFC 4180 CSV, both hostile input. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ledger/status.h"

namespace probity::cli {

using XlsxCell = std::variant<std::string, double>;
struct XlsxSheet {
  std::string name;  // at most 31 characters, none of []:*?/\ .
  std::vector<std::vector<XlsxCell>> rows;
};

// The workbook's bytes.
std::string XlsxWorkbook(const std::vector<XlsxSheet>& sheets);

// The first sheet of a workbook a spreadsheet saved (stored or deflated parts), as text
// cells: shared and inline strings as written, numbers as their text, except in a column
// whose header (row 1) is one of `date_columns`, where a number is a date serial (1900
// system) and becomes YYYY-MM-DD. `row` is the sheet's row number; empty rows are left
// out. Invalid, saying why, for anything else: not a zip, encrypted or zip64 parts, a
// part larger than 64 MiB or all parts together larger than 256 MiB once inflated (a
// zip bomb), malformed XML, a formula without a cached value.
struct SheetRow {
  size_t row;  // the sheet's row number, or the CSV line the row begins on
  std::vector<std::string> cells;
};
Result<std::vector<SheetRow>> ReadXlsxFirstSheet(std::string_view bytes,
                                                 const std::vector<std::string>& date_columns);

// RFC 4180 CSV: cells separated by commas, rows by CRLF or LF, a cell in double quotes
// may hold commas, quotes (doubled) and line breaks. A UTF-8 byte-order mark is skipped;
// blank rows are left out. Invalid, naming the line, for a stray or unclosed quote or a
// NUL byte.
Result<std::vector<SheetRow>> ReadCsv(std::string_view text);

}  // namespace probity::cli
