// libFuzzer target: the spreadsheets 'probity import' reads from whoever prepared them
// (tools/xlsx.h): an .xlsx's first sheet (a zip with stored or deflated parts, XML, shared
// strings, date serials, ISO dates) and RFC 4180 CSV. Either returns rows or a refusal;
// nothing may crash, read out of bounds, take memory without limit or break the limits'
// promises. This target alone is compiled with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
// (CMakeLists.txt), under which the reader does not compare CRC-32s (tools/xlsx.cc), so
// mutated parts of the stored seed workbooks reach the XML and sheet code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/xlsx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const probity::cli::SheetLimits limits;
  auto sheet = probity::cli::ReadXlsxFirstSheet(bytes, {"from", "to", "date"});
  if (sheet.ok()) {
    size_t last = 0, cells = 0;
    for (const auto& row : *sheet) {
      if (row.row <= last || row.row > 1048576) __builtin_trap();  // numbered from 1, rising
      if (row.cells.empty() || row.cells.size() > limits.columns) __builtin_trap();
      if (row.cells.back().empty()) __builtin_trap();  // trailing empty cells are left out
      last = row.row;
      cells += row.cells.size();
    }
    if (cells > limits.cells) __builtin_trap();
  }
  auto csv = probity::cli::ReadCsv(bytes);
  if (csv.ok()) {
    size_t last = 0, cells = 0;
    for (const auto& row : *csv) {
      if (row.row <= last && last != 0) __builtin_trap();  // lines only grow
      if (row.cells.empty() || row.cells.size() > limits.columns) __builtin_trap();
      last = row.row;
      cells += row.cells.size();
    }
    if (cells > limits.cells) __builtin_trap();
  }
  return 0;
}
