// The spreadsheets 'probity import' reads from whoever prepared them and the .xlsx
// exports it writes (tools/xlsx.h). Workbooks are built here, part by part, with a small
// zip writer of the test's own (stored or deflated parts, and the damage a hostile file
// may carry: the encrypted flag, zip64 markers, a wrong CRC-32 or declared size, a cut);
// each case names the rule it proves. Limits are reached through SheetLimits, set small.
#include "tools/xlsx.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace probity::cli {
namespace {

// ---- a zip writer for the tests (APPNOTE 6.3, no zip64) ----

struct Part {
  Part(std::string part_name, std::string part_data)
      : name(std::move(part_name)), data(std::move(part_data)) {}
  std::string name, data;
  int method = 0;                     // 0 stored, 8 deflated
  uint16_t flags = 0x0800;            // names in UTF-8; bit 0 says encrypted
  std::optional<uint32_t> crc, size;  // what the directory declares, when not the truth
};

void Le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::string Deflate(const std::string& data) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// `zip64_end`: the end record says its directory is in a zip64 record (offset 0xFFFFFFFF).
std::string Zip(const std::vector<Part>& parts, bool zip64_end = false) {
  std::string out, central;
  for (const Part& p : parts) {
    std::string body = p.method == 8 ? Deflate(p.data) : p.data;
    uint32_t crc = p.crc.value_or(static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(p.data.data()), static_cast<uInt>(p.data.size()))));
    uint32_t size = p.size.value_or(static_cast<uint32_t>(p.data.size()));
    size_t offset = out.size();
    for (bool in_directory : {false, true}) {
      std::string& to = in_directory ? central : out;
      Le(to, in_directory ? 0x02014b50 : 0x04034b50, 4);
      if (in_directory) Le(to, 20, 2);
      Le(to, 20, 2);
      Le(to, p.flags, 2);
      Le(to, p.method, 2);
      Le(to, 0, 2);
      Le(to, (1 << 5) | 1, 2);
      Le(to, crc, 4);
      Le(to, body.size(), 4);
      Le(to, size, 4);
      Le(to, p.name.size(), 2);
      Le(to, 0, 2);
      if (in_directory) {
        Le(to, 0, 2);
        Le(to, 0, 2);
        Le(to, 0, 2);
        Le(to, 0, 4);
        Le(to, offset, 4);
      }
      to += p.name;
      if (!in_directory) to += body;
    }
  }
  size_t central_at = out.size();
  out += central;
  Le(out, 0x06054b50, 4);
  Le(out, 0, 4);
  Le(out, parts.size(), 2);
  Le(out, parts.size(), 2);
  Le(out, central.size(), 4);
  Le(out, zip64_end ? 0xFFFFFFFFu : central_at, 4);
  Le(out, 0, 2);
  return out;
}

// ---- workbooks ----

const char kHead[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const char kMain[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

// `rows`: the <row> elements of the sheet; `shared`: the <si> items, when there is a
// shared-strings part; `in_workbook`: more XML inside <workbook>.
std::vector<Part> WorkbookParts(const std::string& rows,
                                const std::optional<std::string>& shared = std::nullopt,
                                const std::string& in_workbook = "") {
  std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  std::vector<Part> parts = {
      {"[Content_Types].xml",
       std::string(kHead) +
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>"},
      {"_rels/.rels", std::string(kHead) +
                          "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
                          "2006/relationships\"><Relationship Id=\"rId1\" Type=\"" +
                          rel + "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
      {"xl/workbook.xml", std::string(kHead) + "<workbook xmlns=\"" + kMain + "\" xmlns:r=\"" +
                              rel + "\"><sheets><sheet name=\"One\" sheetId=\"1\" r:id=\"rId3\"/>" +
                              "<sheet name=\"Two\" sheetId=\"2\" r:id=\"rId4\"/></sheets>" +
                              in_workbook + "</workbook>"},
      {"xl/_rels/workbook.xml.rels",
       std::string(kHead) +
           "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
           "relationships\"><Relationship Id=\"rId4\" Type=\"" +
           rel +
           "/worksheet\" Target=\"worksheets/sheet2.xml\"/><Relationship Id=\"rId3\" Type=\"" +
           rel + "/worksheet\" Target=\"/xl/worksheets/sheet1.xml\"/></Relationships>"},
      {"xl/worksheets/sheet1.xml", std::string(kHead) + "<worksheet xmlns=\"" + kMain +
                                       "\"><sheetData>" + rows + "</sheetData></worksheet>"},
      {"xl/worksheets/sheet2.xml", std::string(kHead) + "<worksheet xmlns=\"" + kMain +
                                       "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
                                       "<is><t>second sheet</t></is></c></row></sheetData>"
                                       "</worksheet>"},
  };
  if (shared) {
    parts.push_back({"xl/sharedStrings.xml", std::string(kHead) + "<sst xmlns=\"" + kMain +
                                                 "\" count=\"9\">" + *shared + "</sst>"});
  }
  return parts;
}

std::string Workbook(const std::string& rows,
                     const std::optional<std::string>& shared = std::nullopt,
                     const std::string& in_workbook = "") {
  return Zip(WorkbookParts(rows, shared, in_workbook));
}

using Table = std::vector<std::vector<std::string>>;

Table Cells(const Result<std::vector<SheetRow>>& rows) {
  INFO((rows.ok() ? "" : rows.status().message()));
  REQUIRE(rows.ok());
  Table out;
  for (const auto& r : *rows) out.push_back(r.cells);
  return out;
}

std::vector<size_t> Numbers(const Result<std::vector<SheetRow>>& rows) {
  INFO((rows.ok() ? "" : rows.status().message()));
  REQUIRE(rows.ok());
  std::vector<size_t> out;
  for (const auto& r : *rows) out.push_back(r.row);
  return out;
}

// Refused, with a message that holds `words`.
void Refused(const Result<std::vector<SheetRow>>& rows, const std::string& words) {
  REQUIRE_FALSE(rows.ok());
  INFO(rows.status().message());
  CHECK(rows.status().message().find(words) != std::string::npos);
}

Result<std::vector<SheetRow>> Read(const std::string& bytes, const SheetLimits& limits = {}) {
  return ReadXlsxFirstSheet(bytes, {"date"}, limits);
}

// A sheet with a header row (name, date) and one data row whose date cell is `cell`.
Result<std::vector<SheetRow>> DateCell(const std::string& cell) {
  return Read(
      Workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>name</t></is></c><c r=\"B1\" "
               "t=\"inlineStr\"><is><t>date</t></is></c></row><row r=\"2\"><c r=\"A2\" "
               "t=\"inlineStr\"><is><t>x</t></is></c>" +
               cell + "</row>"));
}

// ---- the workbook the exports write ----

TEST_CASE("xlsx: a workbook XlsxWorkbook writes reads back, its first sheet cell for cell",
          "[xlsx]") {
  std::vector<XlsxSheet> sheets = {
      {"名单",
       {{std::string("person"), std::string("name"), std::string("days")},
        {std::string("P1"), std::string("李 & <娜> \"q\" 'a'"), 42.0},
        {std::string("P2"), std::string("  padded  "), 3.5},
        {std::string("P3"), std::string(""), -7.0},
        {std::string("P4"), std::string("tab\tand\nline"), 0.0}}},
      {"other", {{std::string("not read")}}},
  };
  auto rows = ReadXlsxFirstSheet(XlsxWorkbook(sheets), {});
  CHECK(Cells(rows) == Table{{"person", "name", "days"},
                             {"P1", "李 & <娜> \"q\" 'a'", "42"},
                             {"P2", "  padded  ", "3.5"},
                             {"P3", "", "-7"},
                             {"P4", "tab\tand\nline", "0"}});
  CHECK(Numbers(rows) == std::vector<size_t>{1, 2, 3, 4, 5});
  CHECK(XlsxWorkbook(sheets) == XlsxWorkbook(sheets));  // the same sheets, the same bytes
}

TEST_CASE("xlsx: the first sheet is the workbook's first <sheet>, found through its relationship",
          "[xlsx]") {
  // The relationships list sheet2 first; the first <sheet> names rId3, sheet1 (an absolute
  // target), and its namespace prefix r: is no attribute r of its own.
  auto rows =
      Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>first</t></is></c></row>"));
  CHECK(Cells(rows) == Table{{"first"}});
}

// ---- strings ----

TEST_CASE("xlsx: a shared string is its rich-text runs joined, its phonetic runs (<rPh>) left out",
          "[xlsx]") {
  auto rows =
      Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
                    "<c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"s\"><v>0</v></c></row>",
                    "<si><t>plain &amp; &#x4E2D;&#25991;</t></si>"
                    "<si><r><rPr><b/><sz val=\"11\"/></rPr><t xml:space=\"preserve\">Hel</t></r>"
                    "<r><t>lo </t></r><r><t><![CDATA[<world>]]></t></r></si>"
                    "<si><t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh>"
                    "<phoneticPr fontId=\"1\" type=\"noConversion\"/></si>"));
  CHECK(Cells(rows) == Table{{"plain & 中文", "Hello <world>", "東京", "plain & 中文"}});
}

TEST_CASE("xlsx: a shared-string index out of range or not a whole number is refused", "[xlsx]") {
  std::string shared = "<si><t>a</t></si><si><t>b</t></si>";
  auto cell = [&](const std::string& v) {
    return Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"s\">" + v + "</c></row>", shared));
  };
  CHECK(Cells(cell("<v>1</v>")) == Table{{"b"}});
  Refused(cell("<v>2</v>"), "row 1, cell A1: shared string 2 is not there (the workbook has 2)");
  Refused(cell(""), "row 1, cell A1: a shared-string cell without its index");
  Refused(cell("<v>zz</v>"), "row 1, cell A1: shared string 'zz', which is not an index");
  for (const char* v :
       {"1x", " 1", "1 ", "+1", "-1", "", "0x1", "1.0", "1e0", "99999999999999999999999"}) {
    INFO(v);
    Refused(cell(std::string("<v>") + v + "</v>"), "which is not an index");
  }
}

// ---- dates ----

TEST_CASE("xlsx: a date serial in a date column becomes YYYY-MM-DD, elsewhere it stays a number",
          "[xlsx]") {
  CHECK(Cells(DateCell("<c r=\"B2\"><v>43678</v></c>"))[1] ==
        std::vector<std::string>{"x", "2019-08-01"});
  CHECK(Cells(DateCell("<c r=\"B2\"><v>1</v></c>"))[1][1] == "1900-01-01");
  CHECK(Cells(DateCell("<c r=\"B2\"><v>59</v></c>"))[1][1] == "1900-02-28");
  CHECK(Cells(DateCell("<c r=\"B2\"><v>61</v></c>"))[1][1] == "1900-03-01");
  CHECK(Cells(DateCell("<c r=\"B2\"><v>2958465</v></c>"))[1][1] == "9999-12-31");
  CHECK(Cells(DateCell("<c r=\"B2\" s=\"3\"/>"))[1] == std::vector<std::string>{"x"});  // empty
  // Not a date column: the number as written.
  auto rows = ReadXlsxFirstSheet(
      Workbook("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>date</t></is></c></row>"
               "<row r=\"2\"><c r=\"A2\"><v>43678</v></c></row>"),
      {"from"});
  CHECK(Cells(rows) == Table{{"date"}, {"43678"}});
}

TEST_CASE(
    "xlsx: a date serial that is no day is refused: 60 (1900-02-29), NaN, fractions, out of "
    "range",
    "[xlsx]") {
  for (const char* v : {"60",      "nan",    "NaN",    "-nan",    "inf",   "-inf",   "infinity",
                        "43678.5", "0",      "-1",     "2958466", "1e400", "0x10",   "0x1.5p15",
                        " 43678",  "43678 ", "+43678", "43,678",  "4e4x",  "43678,0"}) {
    INFO(v);
    Refused(DateCell(std::string("<c r=\"B2\"><v>") + v + "</v></c>"),
            "row 2, cell B2: '" + std::string(v) + "' in date column 'date' is not a date serial");
  }
}

TEST_CASE("xlsx: an ISO 8601 date cell (t=\"d\") is its day, YYYY-MM-DD, checked", "[xlsx]") {
  CHECK(Cells(DateCell("<c r=\"B2\" t=\"d\"><v>2019-08-01T00:00:00Z</v></c>"))[1][1] ==
        "2019-08-01");
  CHECK(Cells(DateCell("<c r=\"B2\" t=\"d\"><v>2020-02-29</v></c>"))[1][1] == "2020-02-29");
  // In any column, not only a date column.
  auto rows =
      Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"d\"><v>2019-08-01T09:30:00</v></c></row>"));
  CHECK(Cells(rows) == Table{{"2019-08-01"}});
  CHECK(Cells(DateCell("<c r=\"B2\" t=\"d\"><v>2019-08-01T23:59:60.125+08:00</v></c>"))[1][1] ==
        "2019-08-01");
  CHECK(Cells(DateCell("<c r=\"B2\" t=\"d\"><v>2019-08-01T09:30-05:00</v></c>"))[1][1] ==
        "2019-08-01");
  for (const char* v :
       {"2019-02-30", "2019-8-01", "2019-08-01x", "20190801", "T10:00:00", "x", "2019-08-01T",
        "2019-08-01T25:00", "2019-08-01T10:00junk", "2019-08-01T10:00:00.", "2019-08-01T10:00+8",
        "2019-08-01 10:00", "+2019-08-01", "43678"}) {
    INFO(v);
    Refused(DateCell(std::string("<c r=\"B2\" t=\"d\"><v>") + v + "</v></c>"),
            "row 2, cell B2: '" + std::string(v) + "' is not an ISO 8601 date");
  }
}

// ---- numbers and booleans ----

TEST_CASE(
    "xlsx: a number cell is a decimal number as written, nothing else (no junk, no hex, no "
    "locale separators, finite)",
    "[xlsx]") {
  auto number = [](const std::string& v) {
    return Read(Workbook("<row r=\"1\"><c r=\"A1\"><v>" + v + "</v></c><c r=\"B1\" t=\"n\"><v>" +
                         v + "</v></c></row>"));
  };
  for (const char* v : {"42", "-7", "0", "3.5", "0.1", "1E-3", "1.5e+10", "4.2999999999999998"}) {
    INFO(v);
    CHECK(Cells(number(v)) == Table{{v, v}});
  }
  CHECK(Cells(number("")).empty());  // an empty <v> is an empty cell
  // U+00A0 (a no-break space) is a thousands separator in some locales; U+0661 U+0662 are
  // Arabic-Indic digits.
  for (const char* v :
       {"1,5", "1 000", "1\u00A0000", "0x10",         "0x1p3", "12abc", " 1",     "1 ",
        "+1",  "nan",   "NaN",        "inf",          "-inf",  "1e400", "-1e400", "1.2.3",
        "$5",  "5%",    "1e",         "\u0661\u0662", "--1",   ".",     "TRUE"}) {
    INFO(v);
    Refused(number(v), "row 1, cell A1: '" + std::string(v) + "' is not a number");
  }
}

TEST_CASE("xlsx: a boolean cell (t=\"b\") is 0 or 1, nothing else", "[xlsx]") {
  CHECK(Cells(Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"b\"><v>1</v></c>"
                            "<c r=\"B1\" t=\"b\"><v>0</v></c></row>"))) == Table{{"1", "0"}});
  for (const char* v : {"2", "true", "TRUE", " 1", "01", "1.0"}) {
    INFO(v);
    Refused(
        Read(Workbook(std::string("<row r=\"2\"><c r=\"C2\" t=\"b\"><v>") + v + "</v></c></row>")),
        "row 2, cell C2: '" + std::string(v) + "' is not a boolean (0 or 1)");
  }
}

// ---- cells that hold no value to import ----

TEST_CASE("xlsx: a formula without a saved value is refused, with one, the value is read",
          "[xlsx]") {
  Refused(Read(Workbook("<row r=\"1\"><c r=\"A1\"><f>1+1</f></c></row>")),
          "row 1, cell A1: a formula without a saved value; open the file in a spreadsheet and "
          "save it again");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c t=\"str\"><f>A1&amp;\"x\"</f>"
                        "</c></row>")),
          "row 1, cell B1: a formula without a saved value");
  // An empty <v> is no saved number; it is a saved empty text (t="str").
  Refused(Read(Workbook("<row r=\"2\"><c r=\"B2\"><f>A1</f><v></v></c></row>")),
          "row 2, cell B2: a formula without a saved value");
  CHECK(Cells(Read(Workbook("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\" t=\"str\">"
                            "<f>\"\"</f><v></v></c></row>"))) == Table{{"1"}});
  // Shared formulas: each cell names the group; its value is its own.
  Refused(Read(Workbook("<row r=\"4\"><c r=\"C4\"><f t=\"shared\" si=\"0\"/></c></row>")),
          "row 4, cell C4: a formula without a saved value");
  CHECK(Cells(Read(Workbook("<row r=\"1\"><c r=\"A1\"><f>1+1</f><v>2</v></c>"
                            "<c r=\"B1\" t=\"str\"><f>\"a\"</f><v>a</v></c></row>"))) ==
        Table{{"2", "a"}});
}

TEST_CASE("xlsx: an error value (t=\"e\") is refused, naming the error, and an unknown type too",
          "[xlsx]") {
  Refused(Read(Workbook("<row r=\"3\"><c r=\"A3\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row>")),
          "row 3, cell A3: an error value (#DIV/0!)");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"A1\" t=\"q\"><v>1</v></c></row>")),
          "row 1, cell A1: a cell of unknown type 'q'");
}

// ---- order, numbering, width ----

TEST_CASE("xlsx: cells or rows out of order, or misnumbered, are refused", "[xlsx]") {
  auto one = "<c r=\"A1\"><v>1</v></c>";
  Refused(Read(Workbook("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>2</v></c></row>")),
          "row 1, cell A1: out of order, after B1");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"B1\"><v>2</v></c></row>")),
          "row 1, cell B1: out of order, after B1");
  Refused(Read(Workbook("<row r=\"3\"><c r=\"A3\"><v>1</v></c></row><row r=\"2\"><c "
                        "r=\"A2\"><v>1</v></c></row>")),
          "row 2: out of order, after row 3");
  Refused(
      Read(Workbook(std::string("<row r=\"1\">") + one + "</row><row r=\"1\">" + one + "</row>")),
      "row 1: out of order, after row 1");
  Refused(Read(Workbook("<row r=\"x\"><c><v>1</v></c></row>")),
          "first row: a row numbered 'x', which is not a row number");
  Refused(Read(Workbook(std::string("<row r=\"1\">") + one + "</row><row r=\"+2\"/>")),
          "after row 1: a row numbered '+2', which is not a row number");
  Refused(Read(Workbook("<row r=\"0\"><c><v>1</v></c></row>")), "not a row number");
  Refused(Read(Workbook("<row r=\"2x\"><c><v>1</v></c></row>")), "not a row number");
  Refused(Read(Workbook("<row r=\"1048577\"><c><v>1</v></c></row>")), "not a row number");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"A2\"><v>1</v></c></row>")),
          "row 1: cell A2 is not in row 1");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"a1\"><v>1</v></c></row>")),
          "row 1, its first cell: 'a1' is not a cell reference");
  Refused(Read(Workbook("<row r=\"1\"><c><v>1</v></c><c r=\"A1x\"><v>1</v></c></row>")),
          "row 1, the cell after A1: 'A1x' is not a cell reference");
  // Rows and cells without numbers follow the ones before; blank rows are left out; an
  // xmlns:r declaration is no row number.
  auto rows =
      Read(Workbook("<row xmlns:r=\"urn:x\"><c><v>1</v></c><c><v>2</v></c></row>"
                    "<row r=\"4\"><c r=\"C4\"><v>3</v></c><c><v>4</v></c></row>"
                    "<row><c r=\"A5\" s=\"1\"/></row><row><c><v>6</v></c></row>"));
  CHECK(Numbers(rows) == std::vector<size_t>{1, 4, 6});
  CHECK(Cells(rows) == Table{{"1", "2"}, {"", "", "3", "4"}, {"6"}});
}

TEST_CASE("xlsx: a cell beyond column IV is refused before a row is widened to it", "[xlsx]") {
  Refused(Read(Workbook("<row r=\"7\"><c r=\"XFD7\"><v>1</v></c></row>")),
          "row 7, cell XFD7: beyond column IV, the last of the 256 a row may hold");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"IW1\"><v>1</v></c></row>")),
          "row 1, cell IW1: beyond column IV");
  Refused(Read(Workbook("<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>")), "not a cell reference");
  auto last = Read(Workbook("<row r=\"1\"><c r=\"IV1\"><v>1</v></c></row>"));
  REQUIRE(Cells(last).size() == 1);
  CHECK(Cells(last)[0].size() == 256);
  std::string wide;  // 257 cells without references
  for (int i = 0; i < 257; ++i) wide += "<c><v>1</v></c>";
  Refused(Read(Workbook("<row r=\"1\">" + wide + "</row>")), "row 1, cell IW1: beyond column IV");
  SheetLimits narrow;
  narrow.columns = 3;
  Refused(Read(Workbook("<row r=\"1\"><c r=\"D1\"><v>1</v></c></row>"), narrow),
          "row 1, cell D1: beyond column C, the last of the 3");
}

TEST_CASE("xlsx: more cells or text in the rows than the limits allow is refused", "[xlsx]") {
  SheetLimits limits;
  limits.cells = 5;
  std::string row = "<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>";
  CHECK(Cells(Read(Workbook(row), limits)).size() == 1);
  Refused(Read(Workbook(row + row), limits), "row 2, cell C2: the sheet has more than 5 cells");
  // Empty cells before a value count: one cell at D is four.
  Refused(Read(Workbook(row + "<row><c r=\"D2\"><v>1</v></c></row>"), limits),
          "row 2, cell C2: the sheet has more than 5 cells");
  // A shared string counts each time a cell uses it.
  limits = {};
  limits.text = 100;
  std::string shared = "<si><t>" + std::string(30, 'x') + "</t></si>";
  std::string cell = "<c t=\"s\"><v>0</v></c>";
  CHECK(Cells(Read(Workbook("<row>" + cell + cell + cell + "</row>", shared), limits)).size() == 1);
  Refused(Read(Workbook("<row>" + cell + cell + cell + cell + "</row>", shared), limits),
          "row 1, cell D1: the sheet's cells hold more than 100 bytes of text");
}

// ---- XML ----

TEST_CASE(
    "xlsx: elements and attributes are read by their local names, whatever their namespace "
    "prefix, and xmlns declarations are no attributes",
    "[xlsx]") {
  std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  auto parts = WorkbookParts("");
  // Every element of the workbook, the sheet and the shared strings under a prefix x:, as
  // some libraries write them; attributes with prefixes too; mc:Ignorable and x14ac
  // extensions as Excel writes them.
  parts[2].data = std::string(kHead) + "<x:workbook xmlns:x=\"" + kMain + "\" xmlns:r=\"" + rel +
                  "\"><x:sheets><x:sheet name=\"One\" sheetId=\"1\" r:id=\"rId3\"/>"
                  "</x:sheets></x:workbook>";
  parts[4].data =
      std::string(kHead) + "<x:worksheet xmlns:x=\"" + kMain +
      "\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" "
      "xmlns:x14ac=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac\" "
      "mc:Ignorable=\"x14ac\"><x:sheetData><x:row r=\"1\" x14ac:dyDescent=\"0.25\">"
      "<x:c r=\"A1\" x:t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" t=\"inlineStr\"><x:is><x:t>inline"
      "</x:t></x:is></x:c><x:c r=\"C1\" t=\"d\"><x:v>2019-08-01</x:v></x:c></x:row>"
      "<row xmlns=\"" +
      kMain +
      "\" xmlns:r=\"urn:not-a-row-number\"><c><v>2</v></c></row>"
      "</x:sheetData></x:worksheet>";
  parts.push_back({"xl/sharedStrings.xml",
                   std::string(kHead) + "<x:sst xmlns:x=\"" + kMain +
                       "\"><x:si><x:r><x:t>pre</x:t></x:r><x:r><x:t>fixed</x:t></x:r></x:si>"
                       "</x:sst>"});
  auto rows = Read(Zip(parts));
  CHECK(Cells(rows) == Table{{"prefixed", "inline", "2019-08-01"}, {"2"}});
  CHECK(Numbers(rows) == std::vector<size_t>{1, 2});
}

TEST_CASE("xlsx: a DOCTYPE is refused (no entity declarations, no entity expansion)", "[xlsx]") {
  auto parts = WorkbookParts("<row><c><v>1</v></c></row>");
  parts[4].data = std::string(kHead) +
                  "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
                  "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row>"
                  "</sheetData></worksheet>";
  Refused(Read(Zip(parts)), "xl/worksheets/sheet1.xml, line 2, column 1: a DOCTYPE");
}

TEST_CASE("xlsx: an unknown entity or a bad character reference is refused", "[xlsx]") {
  Refused(Read(Workbook("<row><c t=\"inlineStr\"><is><t>&nbsp;</t></is></c></row>")),
          "an unknown entity &nbsp;");
  Refused(Read(Workbook("<row><c t=\"inlineStr\"><is><t>a &amp b</t></is></c></row>")),
          "an unknown entity (an & without ;: '&amp b')");
  Refused(Read(Workbook("<row><c t=\"inlineStr\" r=\"&foo;\"><v>1</v></c></row>")),
          "an unknown entity &foo;");
  for (const char* ref : {"&#0;", "&#xD800;", "&#x110000;", "&#;", "&#x;", "&#12a;"}) {
    INFO(ref);
    Refused(Read(Workbook(std::string("<row><c t=\"inlineStr\"><is><t>") + ref +
                          "</t></is></c></row>")),
            "a bad character reference " + std::string(ref));
  }
}

TEST_CASE("xlsx: elements nested deeper than 64 are refused, 64 are read", "[xlsx]") {
  // <workbook> is at depth 1, so n <x> inside it reach depth n + 1.
  auto nested = [](int n) {
    std::string open, close;
    for (int i = 0; i < n; ++i) {
      open += "<x>";
      close += "</x>";
    }
    return Workbook("<row><c><v>1</v></c></row>", std::nullopt, open + close);
  };
  CHECK(Cells(Read(nested(63))) == Table{{"1"}});
  Refused(Read(nested(64)), "xl/workbook.xml, line 2, column ");
  Refused(Read(nested(64)), ": elements nested too deep");
}

TEST_CASE("xlsx: more XML elements and attributes than the limit, all parts together, are refused",
          "[xlsx]") {
  SheetLimits limits;
  limits.xml_nodes = 1000;
  CHECK(Cells(Read(Workbook("<row><c><v>1</v></c></row>"), limits)) == Table{{"1"}});
  std::string many;
  for (int i = 0; i < 1001; ++i) many += "<x/>";
  Refused(Read(Workbook("<row><c><v>1</v></c></row>" + many), limits),
          "more than 1000 XML elements and attributes");
  // Attributes count: one element with 1001 of them.
  std::string attributes;
  for (int i = 0; i < 1001; ++i) attributes += " a" + std::to_string(i) + "=\"\"";
  Refused(Read(Workbook("<row" + attributes + "><c><v>1</v></c></row>"), limits),
          "more than 1000 XML elements and attributes");
  // The parts share the limit: 600 in the workbook and 600 in the sheet are too many.
  std::string six_hundred;
  for (int i = 0; i < 600; ++i) six_hundred += "<x/>";
  CHECK(Cells(Read(Workbook("<row><c><v>1</v></c></row>" + six_hundred), limits)).size() == 1);
  Refused(
      Read(Workbook("<row><c><v>1</v></c></row>" + six_hundred, std::nullopt, six_hundred), limits),
      "xl/worksheets/sheet1.xml, line 2, column ");
  CHECK(SheetLimits{}.xml_nodes == 4'000'000);
}

TEST_CASE("xlsx: malformed XML is refused", "[xlsx]") {
  for (const char* rows :
       {"<row><c><v>1</v></row>", "<row><c><v>1</v></c>", "</x>", "<row a=1/>", "<row a=\"1/>",
        "<row a/>", "<row a=\"1\" a=\"2\"/>", "<!-- never ends", "<![CDATA[x", "<?pi"}) {
    INFO(rows);
    REQUIRE_FALSE(Read(Workbook(rows)).ok());
  }
}

// ---- the zip ----

TEST_CASE("xlsx: deflated parts are read as stored ones are", "[xlsx]") {
  auto parts = WorkbookParts("<row><c t=\"s\"><v>0</v></c></row>", "<si><t>deflated</t></si>");
  for (auto& p : parts) p.method = 8;
  CHECK(Cells(Read(Zip(parts))) == Table{{"deflated"}});
}

TEST_CASE("xlsx: a part whose bytes do not match its CRC-32 (zlib's crc32) is refused", "[xlsx]") {
  std::string rows = "<row><c><v>1</v></c></row>";
  // A byte of a stored part changed after the zip was written: the XML is still good.
  std::string zip = Workbook(rows);
  REQUIRE(Cells(Read(zip)) == Table{{"1"}});
  size_t at = zip.find("<v>1</v>");
  REQUIRE(at != std::string::npos);
  zip[at + 3] = '2';
  Refused(Read(zip), "the workbook's part xl/worksheets/sheet1.xml fails its CRC-32");
  // A deflated part whose directory declares another CRC-32; every part is checked.
  for (size_t part : {2, 3, 4}) {
    auto parts = WorkbookParts(rows);
    for (auto& p : parts) p.method = 8;
    parts[part].crc =
        static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(parts[part].data.data()),
                                    static_cast<uInt>(parts[part].data.size())) ^
                              1);
    Refused(Read(Zip(parts)), parts[part].name + " fails its CRC-32");
  }
}

TEST_CASE(
    "xlsx: an encrypted part, a zip64 marker, a wrong declared size, a part too large or of an "
    "unknown method, a missing part are refused",
    "[xlsx]") {
  std::string rows = "<row><c><v>1</v></c></row>";
  auto parts = WorkbookParts(rows);
  parts[4].flags |= 1;
  Refused(Read(Zip(parts)), "the workbook is encrypted");

  Refused(Read(Zip(WorkbookParts(rows), true)), "zip64");
  parts = WorkbookParts(rows);
  parts[4].size = 0xFFFFFFFFu;
  Refused(Read(Zip(parts)), "zip64");

  // A deflated part that inflates past (or short of) the size its directory declares.
  parts = WorkbookParts(rows + std::string(1000, ' '));
  parts[4].method = 8;
  parts[4].size = 100;
  Refused(Read(Zip(parts)), "xl/worksheets/sheet1.xml does not inflate to its declared size");
  parts[4].size = 5000;
  Refused(Read(Zip(parts)), "does not inflate to its declared size");
  // A stored part whose declared size is not its length.
  parts[4].method = 0;
  Refused(Read(Zip(parts)), "is not of its declared size");

  SheetLimits limits;
  limits.part = 100;
  Refused(Read(Workbook(rows + std::string(200, ' ')), limits), "is too large once inflated");

  parts = WorkbookParts(rows);
  parts[4].method = 12;  // bzip2
  Refused(Read(Zip(parts)), "uses zip method 12");

  parts = WorkbookParts(rows);
  parts.erase(parts.begin() + 4);
  Refused(Read(Zip(parts)), "the workbook has no part xl/worksheets/sheet1.xml");
}

TEST_CASE("xlsx: a workbook cut short at any byte, or not a zip, is refused", "[xlsx]") {
  std::string whole = Workbook("<row><c t=\"s\"><v>0</v></c></row>", "<si><t>a</t></si>");
  REQUIRE(Read(whole).ok());
  for (size_t n = 0; n < whole.size(); ++n) {
    INFO(n);
    REQUIRE_FALSE(Read(whole.substr(0, n)).ok());
  }
  Refused(Read("PK\x03\x04" + std::string(100, '\0')), "not an .xlsx workbook");
  Refused(Read("person,name\n"), "not an .xlsx workbook");
}

// ---- CSV ----

TEST_CASE("csv: quoted cells hold commas, doubled quotes and line breaks", "[xlsx][csv]") {
  auto rows = ReadCsv("a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nd,e\n");
  CHECK(Cells(rows) == Table{{"a", "b,c", "say \"hi\"", "two\nlines", ""}, {"d", "e"}});
  CHECK(Numbers(rows) == std::vector<size_t>{1, 3});
}

TEST_CASE("csv: a quote inside a cell that does not begin with one is refused", "[xlsx][csv]") {
  Refused(ReadCsv("a,b\nc,d\"e\n"),
          "line 2, column 2: a quote inside a cell that does not begin with one");
  Refused(ReadCsv("a, \"b\"\n"), "line 1, column 2: a quote inside a cell");
}

TEST_CASE("csv: text after a closing quote is refused", "[xlsx][csv]") {
  Refused(ReadCsv("a\n\"b\"c\n"), "line 2, column 1: text after a quoted cell");
  Refused(ReadCsv("\"b\" ,c\n"), "line 1, column 1: text after a quoted cell");
  Refused(ReadCsv("\"b\"\"\n"), "a quote is never closed");
}

TEST_CASE("csv: an unclosed quote is refused, naming the line and column it opens at",
          "[xlsx][csv]") {
  Refused(ReadCsv("a,b\n\n\"c\nd\ne\n"), "line 3, column 1: a quote is never closed");
  // The line the quote opens on, not the line its row begins on.
  Refused(ReadCsv("a,\"b\nc\",\"d\ne\n"), "line 2, column 3: a quote is never closed");
}

TEST_CASE("csv: a NUL byte is refused, naming its line and column", "[xlsx][csv]") {
  Refused(ReadCsv(std::string("a,b\nc,d\ne\0f\n", 12)), "line 3, column 1: a NUL byte");
  Refused(ReadCsv(std::string("x,\"a\n\0\"\n", 8)), "line 2, column 2: a NUL byte");
}

TEST_CASE("csv: a UTF-8 byte-order mark is skipped and CRLF ends a row as LF does", "[xlsx][csv]") {
  auto rows = ReadCsv("\xEF\xBB\xBFperson,name\r\nP1,\"王\r\n小明\"\r\nP2,b\n");
  CHECK(Cells(rows) == Table{{"person", "name"}, {"P1", "王\r\n小明"}, {"P2", "b"}});
  CHECK(Numbers(rows) == std::vector<size_t>{1, 2, 4});
  // A mark anywhere else is text.
  CHECK(Cells(ReadCsv("a,\xEF\xBB\xBF"
                      "b\n")) == Table{{"a",
                                        "\xEF\xBB\xBF"
                                        "b"}});
}

TEST_CASE("csv: blank rows are left out and the rows keep their line numbers", "[xlsx][csv]") {
  auto rows = ReadCsv("a\n\nb\r\n\r\n\nc");
  CHECK(Cells(rows) == Table{{"a"}, {"b"}, {"c"}});
  CHECK(Numbers(rows) == std::vector<size_t>{1, 3, 6});
  CHECK(Cells(ReadCsv("")).empty());
  CHECK(Cells(ReadCsv("\n\n")).empty());
  // A row of empty cells is not blank.
  CHECK(Cells(ReadCsv(",\n")) == Table{{"", ""}});
}

TEST_CASE("csv: a row of more cells than the column limit, or too many cells in all, is refused",
          "[xlsx][csv]") {
  std::string row256(255, ',');
  CHECK(Cells(ReadCsv("a\n" + row256 + "\n"))[1].size() == 256);
  Refused(ReadCsv("a\n" + row256 + ",\nb\n"), "line 2, column 257: more than 256 cells in a row");
  Refused(ReadCsv("a\n" + row256 + ","), "line 2, column 257: more than 256 cells");
  // A row that begins on line 2 and holds a line break: named by the line it begins on.
  Refused(ReadCsv("a\n\"x\ny\"," + row256 + "\n"), "line 2, column 257: more than 256 cells");
  SheetLimits limits;
  limits.cells = 5;
  CHECK(Cells(ReadCsv("a,b,c\nd,e\n", limits)).size() == 2);
  Refused(ReadCsv("a,b,c\nd,e,f\n", limits), "line 2, column 3: more than 5 cells in all");
}

}  // namespace
}  // namespace probity::cli
