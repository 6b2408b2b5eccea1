// A minimal Office Open XML workbook (.xlsx, ECMA-376) for exports a spreadsheet opens
// as they are: every cell an inline string or a number, nothing ever a formula. The zip
// container stores its members uncompressed with fixed times, so the same sheets give the
// same bytes. Pure functions; thread-safe.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace probity::cli {

using XlsxCell = std::variant<std::string, double>;
struct XlsxSheet {
  std::string name;  // at most 31 characters, none of []:*?/\ .
  std::vector<std::vector<XlsxCell>> rows;
};

// The workbook's bytes.
std::string XlsxWorkbook(const std::vector<XlsxSheet>& sheets);

}  // namespace probity::cli
