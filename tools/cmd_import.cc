// import: a spreadsheet's rows (CSV, or an .xlsx's first sheet) as signed events,
// appended all or nothing.
#include <iostream>
#include <map>

#include "ledger/bytes.h"
#include "ledger/event.h"
#include "tools/commands.h"
#include "tools/xlsx.h"

namespace probity::cli {
namespace {

constexpr size_t kMaxImportBytes = size_t{64} << 20;

struct Kind {
  const char* name;        // persons, units, assignments
  const char* event_type;  // the event each row becomes
  std::vector<std::string> required, optional;
  const char* example;  // a row of the template
  const char* signer;   // whose key signs it
};

const std::vector<Kind>& Kinds() {
  static const std::vector<Kind> kKinds = {
      {"persons",
       "personRegistered",
       {"person", "name", "unit", "category"},
       {},
       "P000001,张伟,U001,civilServant",
       "hr"},
      {"units",
       "unitRegistered",
       {"unit", "name", "kind"},
       {"province"},
       "U001,大气环境司,ministryDepartment,",
       "admin"},
      {"assignments",
       "assignmentMade",
       {"assignment", "person", "group", "from", "to", "position"},
       {},
       "A000001,P000001,G130100-C01,2019-05-10,2019-05-24,member",
       "the person's unit's dispatcher"},
  };
  return kKinds;
}

// The first sheet of a workbook, its row numbers as the lines; a date column may hold
// dates the spreadsheet stored as numbers. Empty cells a row ends with are filled in.
Result<std::vector<SheetRow>> ReadSheet(std::string_view bytes) {
  auto rows = ReadXlsxFirstSheet(bytes, {"from", "to", "date"});
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows) {
    if (r.cells.size() < rows->front().cells.size()) r.cells.resize(rows->front().cells.size());
  }
  return rows;
}

std::string Header(const Kind& k) {
  std::string out;
  for (const auto& c : k.required) out += (out.empty() ? "" : ",") + c;
  for (const auto& c : k.optional) out += "," + c;
  return out;
}

}  // namespace

int Import(const Args& args) {
  const Kind* kind = nullptr;
  for (const auto& k : Kinds()) {
    if (args.positional[0] == k.name) kind = &k;
  }
  if (!kind) return Fail(args, kExitUsage, "what to import: persons, units or assignments");
  if (args.Has("template")) {
    std::cout << Header(*kind) << "\n" << kind->example << "\n";
    return kExitOk;
  }
  if (args.positional.size() < 2)
    return Fail(args, kExitUsage, "give the FILE.csv or FILE.xlsx to import (or - for stdin)");
  const std::string& path = args.positional[1];
  auto text = ReadInput(path, kMaxImportBytes);
  if (!text.ok()) return Fail(args, kExitUsage, text.status().message());
  bool xlsx = text->substr(0, 4) == std::string_view("PK\x03\x04", 4);
  auto rows = xlsx ? ReadSheet(*text) : ReadCsv(*text);
  if (!rows.ok())
    return Fail(args, kExitRefused, rows.status().message() + "; nothing was appended");
  if (rows->empty())
    return Fail(args, kExitRefused,
                path + " is empty: it needs a header row (" + Header(*kind) + ")");

  // The header names the columns, in any order; each known column once, no other.
  const SheetRow& header = rows->front();
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < header.cells.size(); ++i) {
    const std::string& name = header.cells[i];
    bool known = std::count(kind->required.begin(), kind->required.end(), name) +
                     std::count(kind->optional.begin(), kind->optional.end(), name) >
                 0;
    if (!known) {
      return Fail(args, kExitRefused,
                  "line " + std::to_string(header.row) + ": column '" + name + "' is not one of " +
                      Header(*kind) + " ('probity import " + kind->name + " --template')");
    }
    if (!column.emplace(name, i).second)
      return Fail(args, kExitRefused,
                  "line " + std::to_string(header.row) + ": column '" + name + "' twice");
  }
  for (const auto& name : kind->required) {
    if (!column.count(name)) {
      return Fail(args, kExitRefused,
                  "line " + std::to_string(header.row) + ": no column '" + name + "' (" +
                      Header(*kind) + "); nothing was appended");
    }
  }

  // Each row is one event. Its id comes from what it says, so that importing the same
  // file again stores nothing twice.
  std::vector<Line> lines;
  for (size_t r = 1; r < rows->size(); ++r) {
    SheetRow& row = (*rows)[r];
    std::string at = "line " + std::to_string(row.row);
    // A workbook leaves a row's trailing empty cells out; a CSV line has them all.
    if (xlsx && row.cells.size() < header.cells.size()) row.cells.resize(header.cells.size());
    if (row.cells.size() != header.cells.size()) {
      return Fail(args, kExitRefused,
                  at + ": " + std::to_string(row.cells.size()) + " cells, the header has " +
                      std::to_string(header.cells.size()) + "; nothing was appended");
    }
    std::string fields;
    for (const auto& [name, i] : column) {
      const std::string& value = row.cells[i];
      bool optional = std::count(kind->optional.begin(), kind->optional.end(), name) > 0;
      if (value.empty() && optional) continue;
      if (value.empty())
        return Fail(args, kExitRefused,
                    at + ": column '" + name + "' is empty; nothing was appended");
      fields += ",\"" + name + "\":" + JsonQuote(value);
    }
    std::string body = "\"type\":\"" + std::string(kind->event_type) + "\"" + fields;
    Hash digest = Sha256(AsBytes("probity-import\n" + body));
    std::string id = "imp-" + HexEncode(digest).substr(0, 32);
    lines.push_back({row.row, "{\"id\":\"" + id + "\"," + body + "}"});
  }
  if (lines.empty()) return Fail(args, kExitRefused, path + " has a header and no rows");
  return AppendLines(args, lines);
}

}  // namespace probity::cli
