// libFuzzer target: the spreadsheets 'probity import' reads from whoever prepared them
// (tools/xlsx.h): an .xlsx's first sheet (a zip with deflated parts, XML, shared strings,
// date serials) and RFC 4180 CSV. Either returns rows or a refusal; nothing may crash,
// read out of bounds or inflate without limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/xlsx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto sheet = probity::cli::ReadXlsxFirstSheet(bytes, {"from", "to", "date"});
  if (sheet.ok()) {
    for (const auto& row : *sheet) {
      if (row.row == 0) __builtin_trap();  // sheet rows are numbered from 1
    }
  }
  auto csv = probity::cli::ReadCsv(bytes);
  if (csv.ok()) {
    size_t last = 0;
    for (const auto& row : *csv) {
      if (row.row <= last && last != 0) __builtin_trap();  // lines only grow
      last = row.row;
    }
  }
  return 0;
}
