// Spreadsheets in and out: a minimal Office Open XML workbook (.xlsx, ECMA-376) for
// exports a spreadsheet opens as they are (every cell an inline string or a number,
// nothing ever a formula; the zip stores its members uncompressed with fixed times, so the
// same sheets give the same bytes), and the readers 'probity import' uses: a workbook's
// first sheet and RFC 4180 CSV, both hostile input. Pure functions; thread-safe.
#pragma once

#include <cstddef>
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

// What reading a spreadsheet may hold, so that hostile input cannot take unbounded memory
// (about 1 GB at most with these defaults, most of it the XML tree). The defaults are what
// 'probity import' uses; tests pass smaller ones to reach a limit cheaply.
struct SheetLimits {
  size_t columns = 256;            // cells in a row: columns A to IV (at least 1)
  size_t cells = 4'000'000;        // cells in the rows returned, the empty ones included
  size_t text = size_t{64} << 20;  // bytes in those cells (a shared string each time used)
  size_t xml_nodes = 4'000'000;    // XML elements and attributes in all the parts read
  size_t part = size_t{64} << 20;  // one zip part, inflated
};

// The first sheet of a workbook a spreadsheet saved (stored or deflated parts), as text
// cells: shared strings (rich-text runs joined, phonetic runs left out) and inline strings
// as written, numbers (t="n") and booleans (t="b", 0 or 1) as their text, ISO 8601 date
// cells (t="d") as their day YYYY-MM-DD; in a column whose header (row 1) is one of
// `date_columns` a number is a date serial (1900 system, a whole number, 60 the day that
// never was refused) and becomes YYYY-MM-DD. Elements and attributes are read by their
// local names (any namespace prefix dropped, xmlns declarations ignored). `row` is the
// sheet's row number; empty rows are left out, and so are the empty cells a row ends
// with. Numbers are read strictly: a decimal number and nothing else (no space, no '+',
// no hex, no thousands separator or decimal comma, whatever the locale), finite.
// Invalid for anything else, saying what is wrong and, for a row or cell, naming it
// ("row 2, cell B2: ..."), for malformed XML the part and its line and column: not a zip,
// encrypted or zip64 parts, a part that fails its CRC-32 or inflates to other than its
// declared size, anything beyond `limits` (a part larger once inflated, a cell beyond
// the last column, too many XML nodes, cells or bytes), malformed XML (a DOCTYPE, an
// unknown entity, elements nested over 64 deep), rows or cells out of order, a row
// number, cell reference or shared-string index that is not one, a number, date serial,
// ISO date or boolean that is not one, a formula without a saved value, an error value
// (t="e") or a cell type it does not know.
struct SheetRow {
  size_t row;  // the sheet's row number, or the CSV line the row begins on
  std::vector<std::string> cells;
};
Result<std::vector<SheetRow>> ReadXlsxFirstSheet(std::string_view bytes,
                                                 const std::vector<std::string>& date_columns,
                                                 const SheetLimits& limits = {});

// RFC 4180 CSV: cells separated by commas, rows by CRLF or LF, a cell in double quotes
// may hold commas, quotes (doubled) and line breaks. A UTF-8 byte-order mark is skipped;
// blank rows are left out. Invalid, naming the line and column ("line 3, column 2: ..."),
// for a stray or unclosed quote, text after a closing quote, a NUL byte, a row of more
// than `limits.columns` cells or more than `limits.cells` cells in all.
Result<std::vector<SheetRow>> ReadCsv(std::string_view text, const SheetLimits& limits = {});

}  // namespace probity::cli
