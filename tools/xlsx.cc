// XlsxWorkbook: see xlsx.h.
#include "tools/xlsx.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <locale>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <type_traits>

#include "ledger/json.h"
#include "projections/dates.h"

namespace probity::cli {
namespace {

uint32_t Crc32(std::string_view data) {
  return static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<z_size_t>(data.size())));
}

void Le(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

// A zip archive (APPNOTE 6.3) of `files`, stored, each dated 1980-01-01 00:00.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, central;
  for (const auto& file : files) {
    // Named references, not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string& name = file.first;
    const std::string& data = file.second;
    uint32_t crc = Crc32(data);
    size_t offset = out.size();
    auto header = [&](std::string& to, bool central_entry) {
      Le(to, central_entry ? 0x02014b50 : 0x04034b50, 4);
      if (central_entry) Le(to, 20, 2);    // made by: version 2.0
      Le(to, 20, 2);                       // needed: 2.0
      Le(to, 0x0800, 2);                   // flags: names in UTF-8
      Le(to, 0, 2);                        // stored
      Le(to, 0, 2);                        // time 00:00
      Le(to, (0 << 9) | (1 << 5) | 1, 2);  // date 1980-01-01
      Le(to, crc, 4);
      Le(to, data.size(), 4);
      Le(to, data.size(), 4);
      Le(to, name.size(), 2);
      Le(to, 0, 2);  // extra
      if (central_entry) {
        Le(to, 0, 2);  // comment
        Le(to, 0, 2);  // disk
        Le(to, 0, 2);  // internal attributes
        Le(to, 0, 4);  // external attributes
        Le(to, offset, 4);
      }
      to += name;
    };
    header(out, false);
    out += data;
    header(central, true);
  }
  size_t central_offset = out.size();
  out += central;
  Le(out, 0x06054b50, 4);
  Le(out, 0, 2);
  Le(out, 0, 2);
  Le(out, files.size(), 2);
  Le(out, files.size(), 2);
  Le(out, central.size(), 4);
  Le(out, central_offset, 4);
  Le(out, 0, 2);
  return out;
}

// Text for XML: & < > " escaped; characters XML 1.0 does not allow (controls but tab and
// line breaks) dropped.
std::string Xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else if (u < 0x20 && c != '\t' && c != '\n' && c != '\r')
      continue;
    else
      out += c;
  }
  return out;
}

std::string Column(size_t index) {
  std::string name;
  for (++index; index > 0; index = (index - 1) / 26)
    name.insert(name.begin(), static_cast<char>('A' + (index - 1) % 26));
  return name;
}

std::string SheetXml(const XlsxSheet& sheet) {
  std::ostringstream out;
  out.imbue(std::locale::classic());  // no digit grouping, whatever the global locale
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
         "<sheetData>";
  for (size_t r = 0; r < sheet.rows.size(); ++r) {
    out << "<row r=\"" << r + 1 << "\">";
    for (size_t c = 0; c < sheet.rows[r].size(); ++c) {
      std::string ref = Column(c) + std::to_string(r + 1);
      if (const auto* text = std::get_if<std::string>(&sheet.rows[r][c])) {
        out << "<c r=\"" << ref << "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" << Xml(*text)
            << "</t></is></c>";
      } else {
        std::ostringstream number;
        number.imbue(std::locale::classic());  // a '.', never a decimal comma
        number.precision(17);
        number << std::get<double>(sheet.rows[r][c]);
        out << "<c r=\"" << ref << "\"><v>" << number.str() << "</v></c>";
      }
    }
    out << "</row>";
  }
  out << "</sheetData></worksheet>\n";
  return out.str();
}

}  // namespace

std::string XlsxWorkbook(const std::vector<XlsxSheet>& sheets) {
  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
  std::string types =
      head +
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
      "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>";
  std::string workbook = head +
                         "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                         "main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                         "relationships\"><sheets>";
  std::string rels = head +
                     "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                     "relationships\">";
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::pair<std::string, std::string>> sheet_files;
  for (size_t i = 0; i < sheets.size(); ++i) {
    std::string n = std::to_string(i + 1);
    types += "<Override PartName=\"/xl/worksheets/sheet" + n +
             ".xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>";
    workbook +=
        "<sheet name=\"" + Xml(sheets[i].name) + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "worksheet\" Target=\"worksheets/sheet" +
            n + ".xml\"/>";
    sheet_files.push_back({"xl/worksheets/sheet" + n + ".xml", SheetXml(sheets[i])});
  }
  types += "</Types>\n";
  workbook += "</sheets></workbook>\n";
  rels += "</Relationships>\n";
  files.push_back({"[Content_Types].xml", types});
  files.push_back({"_rels/.rels",
                   head + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                          "relationships\"><Relationship Id=\"rId1\" "
                          "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                          "relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
                          "</Relationships>\n"});
  files.push_back({"xl/workbook.xml", workbook});
  files.push_back({"xl/_rels/workbook.xml.rels", rels});
  for (auto& f : sheet_files) files.push_back(std::move(f));
  return Zip(files);
}

// ---- reading a workbook a spreadsheet saved ----

// A fuzzing build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which CMakeLists.txt defines
// for fuzz/spreadsheet_fuzz.cc and nothing else) does not compare CRC-32s, so that mutated
// parts reach the XML and sheet code instead of stopping at the checksum. Every other
// build compares them.

namespace {

// At most the first 40 bytes of hostile text, for a message.
std::string Short(std::string_view text) {
  return text.size() <= 40 ? std::string(text) : std::string(text.substr(0, 40)) + "...";
}

// A whole string as a decimal number, nothing before or after it: no sign but a leading
// '-' (and none for an unsigned type), no space, no hex, no thousands separator and no
// decimal comma (std::from_chars reads no locale). A floating-point one is finite: "nan",
// "inf" and a value beyond a double's range are not numbers.
template <typename T>
std::optional<T> Number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

uint32_t Get(std::string_view b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

struct ZipEntry {
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0, compressed = 0, size = 0, offset = 0;
};

class ZipReader {
 public:
  static Result<ZipReader> Open(std::string_view bytes) {
    ZipReader z;
    z.bytes_ = bytes;
    if (bytes.size() < 22) return Status::Invalid("not an .xlsx workbook (too short for a zip)");
    size_t end = std::string_view::npos;
    for (size_t at = bytes.size() - 22 + 1; at-- > 0 && bytes.size() - at <= 22 + 65535;) {
      if (Get(bytes, at, 4) == 0x06054b50) {
        end = at;
        break;
      }
    }
    if (end == std::string_view::npos)
      return Status::Invalid("not an .xlsx workbook (no zip directory)");
    uint32_t count = Get(bytes, end + 10, 2), dir_size = Get(bytes, end + 12, 4),
             dir_at = Get(bytes, end + 16, 4);
    if (dir_at == 0xFFFFFFFFu || dir_size == 0xFFFFFFFFu || count == 0xFFFF)
      return Status::Invalid("the workbook is a zip64 archive, which is not read");
    if (size_t{dir_at} + dir_size > end)
      return Status::Invalid("the workbook's zip directory lies outside it");
    size_t at = dir_at;
    for (uint32_t i = 0; i < count; ++i) {
      if (at + 46 > end || Get(bytes, at, 4) != 0x02014b50)
        return Status::Invalid("the workbook's zip directory is damaged");
      ZipEntry e;
      e.flags = static_cast<uint16_t>(Get(bytes, at + 8, 2));
      e.method = static_cast<uint16_t>(Get(bytes, at + 10, 2));
      e.crc = Get(bytes, at + 16, 4);
      e.compressed = Get(bytes, at + 20, 4);
      e.size = Get(bytes, at + 24, 4);
      uint32_t name = Get(bytes, at + 28, 2), extra = Get(bytes, at + 30, 2),
               comment = Get(bytes, at + 32, 2);
      e.offset = Get(bytes, at + 42, 4);
      if (at + 46 + name > end) return Status::Invalid("the workbook's zip directory is damaged");
      z.entries_[std::string(bytes.substr(at + 46, name))] = e;
      at += 46 + name + extra + comment;
    }
    return z;
  }

  bool Has(const std::string& name) const { return entries_.count(name) > 0; }

  // The inflated bytes of part `name`, checked against its size and CRC-32.
  Result<std::string> Read(const std::string& name, size_t max_part) {
    auto it = entries_.find(name);
    if (it == entries_.end()) return Status::Invalid("the workbook has no part " + name);
    const ZipEntry& e = it->second;
    if (e.flags & 1) return Status::Invalid("the workbook is encrypted");
    if (e.size == 0xFFFFFFFFu || e.compressed == 0xFFFFFFFFu || e.offset == 0xFFFFFFFFu)
      return Status::Invalid("the workbook's part " + name +
                             " is a zip64 entry, which is not read");
    if (e.size > max_part)
      return Status::Invalid("the workbook's part " + name + " is too large once inflated");
    size_t at = e.offset;
    if (at + 30 > bytes_.size() || Get(bytes_, at, 4) != 0x04034b50)
      return Status::Invalid("the workbook's part " + name + " is damaged");
    if (Get(bytes_, at + 6, 2) & 1) return Status::Invalid("the workbook is encrypted");
    at += 30 + Get(bytes_, at + 26, 2) + Get(bytes_, at + 28, 2);
    if (at + e.compressed > bytes_.size())
      return Status::Invalid("the workbook's part " + name + " lies outside it");
    std::string_view data = bytes_.substr(at, e.compressed);
    std::string out;
    if (e.method == 0) {
      if (data.size() != e.size)
        return Status::Invalid("the workbook's part " + name + " is not of its declared size");
      out = std::string(data);
    } else if (e.method == 8) {
      out.resize(e.size);
      z_stream zs{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return Status::Invalid("zlib failed to start");
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      zs.avail_in = static_cast<uInt>(data.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data());
      zs.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&zs, Z_FINISH);
      size_t produced = zs.total_out;
      inflateEnd(&zs);
      // Z_BUF_ERROR with no room left: the part inflates to more than it declares.
      if (rc != Z_STREAM_END || produced != e.size)
        return Status::Invalid("the workbook's part " + name +
                               " does not inflate to its declared size");
    } else {
      return Status::Invalid("the workbook's part " + name + " uses zip method " +
                             std::to_string(e.method) + ", which is not read");
    }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (Crc32(out) != e.crc)
      return Status::Invalid("the workbook's part " + name + " fails its CRC-32");
#endif
    return out;
  }

 private:
  std::string_view bytes_;
  std::map<std::string, ZipEntry> entries_;
};

// A small XML reader for the parts of a workbook: elements, attributes and text, the five
// named entities and character references. A DOCTYPE (entity declarations) is refused,
// and so are elements nested more than 64 deep and, all parts together, more elements and
// attributes than the limit allows (the tree is held whole, so this bounds its memory).
struct XmlNode {
  std::string name;                               // local name, without a prefix
  std::map<std::string, std::string> attributes;  // local names; no xmlns declarations
  std::vector<XmlNode> children;
  std::string text;  // the text directly inside
};

// Elements and attributes the parts read so far may still hold.
struct XmlBudget {
  size_t left;
  const size_t limit;
};

std::string LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

const std::string* Attribute(const XmlNode& node, const std::string& name) {
  auto it = node.attributes.find(name);
  return it == node.attributes.end() ? nullptr : &it->second;
}

Result<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos)
      return Status::Invalid("an unknown entity (an & without ;: '" + Short(text.substr(i)) + "')");
    std::string_view ref = text.substr(i + 1, semi - i - 1);
    if (ref == "amp")
      out += '&';
    else if (ref == "lt")
      out += '<';
    else if (ref == "gt")
      out += '>';
    else if (ref == "quot")
      out += '"';
    else if (ref == "apos")
      out += '\'';
    else if (!ref.empty() && ref[0] == '#') {
      uint32_t cp = 0;
      bool hex = ref.size() > 1 && ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return Status::Invalid("a bad character reference &" + Short(ref) + ";");
      for (char c : digits) {
        int d = std::isdigit(static_cast<unsigned char>(c))           ? c - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                      : -1;
        if (d < 0 || cp > 0x10FFFF)
          return Status::Invalid("a bad character reference &" + Short(ref) + ";");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return Status::Invalid("a bad character reference &" + Short(ref) + ";");
      json::AppendUtf8(out, cp);
    } else {
      return Status::Invalid("an unknown entity &" + Short(ref) + ";");
    }
    i = semi;
  }
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

Result<XmlNode> ParseXml(std::string_view xml, const std::string& what, XmlBudget& budget) {
  XmlNode root;
  std::vector<XmlNode*> open = {&root};
  size_t i = 0;
  // Names the part and where in it the construct that is wrong begins.
  auto bad = [&](const std::string& why) {
    size_t line = 1, line_at = 0;
    for (size_t k = 0; k < i && k < xml.size(); ++k) {
      if (xml[k] == '\n') {
        ++line;
        line_at = k + 1;
      }
    }
    return Status::Invalid(what + ", line " + std::to_string(line) + ", column " +
                           std::to_string(i - line_at + 1) + ": " + why);
  };
  auto spend = [&]() {
    if (budget.left == 0) return false;
    --budget.left;
    return true;
  };
  auto too_many = [&] {
    return bad("more than " + std::to_string(budget.limit) +
               " XML elements and attributes in the workbook, which is refused");
  };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      size_t next = xml.find('<', i);
      if (next == std::string_view::npos) next = xml.size();
      auto text = Unescape(xml.substr(i, next - i));
      if (!text.ok()) return bad(text.status().message());
      open.back()->text += *text;
      i = next;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      size_t end = xml.find("-->", i);
      if (end == std::string_view::npos) return bad("a comment never ends");
      i = end + 3;
    } else if (xml.substr(i, 2) == "<?") {
      size_t end = xml.find("?>", i);
      if (end == std::string_view::npos) return bad("a declaration never ends");
      i = end + 2;
    } else if (xml.substr(i, 9) == "<![CDATA[") {
      size_t end = xml.find("]]>", i);
      if (end == std::string_view::npos) return bad("a CDATA section never ends");
      open.back()->text += std::string(xml.substr(i + 9, end - i - 9));
      i = end + 3;
    } else if (xml.substr(i, 2) == "<!") {
      return bad("a DOCTYPE or declaration, which a workbook never needs, is refused");
    } else if (xml.substr(i, 2) == "</") {
      size_t end = xml.find('>', i);
      if (end == std::string_view::npos || open.size() < 2) return bad("a stray end tag");
      std::string_view name = xml.substr(i + 2, end - i - 2);
      while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
      if (LocalName(name) != open.back()->name)
        return bad("</" + Short(name) + "> closes <" + Short(open.back()->name) + ">");
      open.pop_back();
      i = end + 1;
    } else {
      size_t at = i + 1;
      size_t name_end = xml.find_first_of(" \t\r\n/>", at);
      if (name_end == std::string_view::npos) return bad("a tag never ends");
      if (open.size() > 64) return bad("elements nested too deep");
      if (!spend()) return too_many();
      XmlNode node;
      node.name = LocalName(xml.substr(at, name_end - at));
      at = name_end;
      bool closed = false;
      while (true) {
        while (at < xml.size() && IsSpace(xml[at])) ++at;
        if (at >= xml.size()) return bad("a tag never ends");
        if (xml[at] == '>') {
          ++at;
          break;
        }
        if (xml.substr(at, 2) == "/>") {
          at += 2;
          closed = true;
          break;
        }
        size_t eq = xml.find('=', at);
        if (eq == std::string_view::npos) return bad("an attribute without a value");
        std::string_view name = xml.substr(at, eq - at);
        while (!name.empty() && IsSpace(name.back())) name.remove_suffix(1);
        size_t open_quote = eq + 1;
        while (open_quote < xml.size() && IsSpace(xml[open_quote])) ++open_quote;
        if (open_quote >= xml.size()) return bad("an attribute without a value");
        char quote = xml[open_quote];
        if (quote != '"' && quote != '\'') return bad("an attribute value is not quoted");
        size_t close = xml.find(quote, open_quote + 1);
        if (close == std::string_view::npos) return bad("an attribute value never ends");
        at = close + 1;
        // Namespace declarations are not attributes: xmlns:r would otherwise read as r.
        if (name == "xmlns" || name.substr(0, 6) == "xmlns:") continue;
        auto value = Unescape(xml.substr(open_quote + 1, close - open_quote - 1));
        if (!value.ok()) return bad(value.status().message());
        if (!spend()) return too_many();
        if (!node.attributes.emplace(LocalName(name), std::move(*value)).second)
          return bad("<" + Short(node.name) + "> has the attribute " + Short(LocalName(name)) +
                     " twice");
      }
      open.back()->children.push_back(std::move(node));
      if (!closed) open.push_back(&open.back()->children.back());
      i = at;
    }
  }
  if (open.size() != 1) return bad("<" + Short(open.back()->name) + "> is never closed");
  return root;
}

// Every node named `name` under `node`, depth first.
void Collect(const XmlNode& node, const std::string& name, std::vector<const XmlNode*>* out) {
  for (const auto& c : node.children) {
    if (c.name == name) out->push_back(&c);
    Collect(c, name, out);
  }
}

// The text of every <t> under `node`, skipping phonetic runs (<rPh>).
std::string Texts(const XmlNode& node) {
  std::string out;
  for (const auto& c : node.children) {
    if (c.name == "rPh") continue;
    out += c.name == "t" ? c.text : Texts(c);
  }
  return out;
}

// "BC12" -> column 53 (from 0) and row 12; nullopt unless it is a cell reference
// (one to three capitals up to XFD, then a row number from 1 to 1048576).
struct CellRef {
  size_t column, row;
};
constexpr size_t kSheetRows = 1048576;
std::optional<CellRef> ParseRef(std::string_view ref) {
  size_t col = 0, i = 0;
  for (; i < ref.size() && i < 4 && ref[i] >= 'A' && ref[i] <= 'Z'; ++i)
    col = col * 26 + static_cast<size_t>(ref[i] - 'A' + 1);
  if (i == 0 || col > 16384) return std::nullopt;
  auto row = Number<size_t>(ref.substr(i));
  if (!row || *row < 1 || *row > kSheetRows) return std::nullopt;
  return CellRef{col - 1, *row};
}

// A 1900-system date serial as YYYY-MM-DD (serial 61 is 1900-03-01; Excel's 1900-02-29,
// serial 60, does not exist and is refused), a whole number from 1 to 2958465
// (9999-12-31), strictly a number (Number). Not a NaN or an infinity, and the range is
// checked before the number is cast.
std::optional<std::string> DateOfSerial(std::string_view text) {
  auto serial = Number<double>(text);
  if (!serial || !(*serial >= 1 && *serial < 2958466)) return std::nullopt;
  int64_t whole = static_cast<int64_t>(*serial);
  if (static_cast<double>(whole) != *serial || whole == 60) return std::nullopt;
  int64_t days = whole - (whole > 60 ? 25569 : 25568);  // to 1970-01-01
  return FormatDay(static_cast<Day>(days));
}

// Two digits at `at` of `text`, at most `max`.
bool TwoDigits(std::string_view text, size_t at, int max) {
  if (at + 2 > text.size() || !std::isdigit(static_cast<unsigned char>(text[at])) ||
      !std::isdigit(static_cast<unsigned char>(text[at + 1])))
    return false;
  return (text[at] - '0') * 10 + (text[at + 1] - '0') <= max;
}

// The time of an ISO 8601 date-time, after its T: hh:mm, then :ss and .fraction if there,
// then Z or an offset +hh:mm / -hh:mm if there.
bool IsIsoTime(std::string_view t) {
  if (!TwoDigits(t, 0, 23) || t.size() < 5 || t[2] != ':' || !TwoDigits(t, 3, 59)) return false;
  size_t at = 5;
  if (at < t.size() && t[at] == ':') {
    if (!TwoDigits(t, at + 1, 60)) return false;  // 60: a leap second
    at += 3;
    if (at < t.size() && t[at] == '.') {
      size_t digits = ++at;
      while (at < t.size() && std::isdigit(static_cast<unsigned char>(t[at]))) ++at;
      if (at == digits) return false;
    }
  }
  if (at == t.size()) return true;
  if (t[at] == 'Z') return at + 1 == t.size();
  if (t[at] == '+' || t[at] == '-')
    return t.size() == at + 6 && TwoDigits(t, at + 1, 23) && t[at + 3] == ':' &&
           TwoDigits(t, at + 4, 59);
  return false;
}

// An ISO 8601 date cell (t="d", as LibreOffice and some libraries write): its day,
// YYYY-MM-DD, a real calendar date; a time after a T is checked, then dropped.
std::optional<std::string> DateOfIso(std::string_view text) {
  if (text.size() < 10 || !ParseDay(text.substr(0, 10))) return std::nullopt;
  if (text.size() > 10 && (text[10] != 'T' || !IsIsoTime(text.substr(11)))) return std::nullopt;
  return std::string(text.substr(0, 10));
}

}  // namespace

Result<std::vector<SheetRow>> ReadXlsxFirstSheet(std::string_view bytes,
                                                 const std::vector<std::string>& date_columns,
                                                 const SheetLimits& limits) {
  auto zip = ZipReader::Open(bytes);
  if (!zip.ok()) return zip.status();
  XmlBudget budget{limits.xml_nodes, limits.xml_nodes};
  auto part = [&](const std::string& name) -> Result<XmlNode> {
    auto text = zip->Read(name, limits.part);
    if (!text.ok()) return text.status();
    return ParseXml(*text, name, budget);
  };
  auto workbook = part("xl/workbook.xml");
  if (!workbook.ok()) return workbook.status();
  std::vector<const XmlNode*> sheets;
  Collect(*workbook, "sheet", &sheets);
  if (sheets.empty()) return Status::Invalid("the workbook has no sheet");
  const std::string* rid = Attribute(*sheets[0], "id");
  auto rels = part("xl/_rels/workbook.xml.rels");
  if (!rels.ok()) return rels.status();
  std::vector<const XmlNode*> relationships;
  Collect(*rels, "Relationship", &relationships);
  std::string target;
  for (const auto* r : relationships) {
    const std::string* id = Attribute(*r, "Id");
    const std::string* to = Attribute(*r, "Target");
    if (rid && id && *id == *rid && to) target = *to;
  }
  if (target.empty()) return Status::Invalid("the workbook's first sheet has no part");
  target = target[0] == '/' ? target.substr(1) : "xl/" + target;

  std::vector<std::string> shared;
  if (zip->Has("xl/sharedStrings.xml")) {
    auto strings = part("xl/sharedStrings.xml");
    if (!strings.ok()) return strings.status();
    std::vector<const XmlNode*> items;
    Collect(*strings, "si", &items);
    for (const auto* si : items) shared.push_back(Texts(*si));
  }
  auto sheet = part(target);
  if (!sheet.ok()) return sheet.status();
  std::vector<const XmlNode*> rows;
  Collect(*sheet, "row", &rows);
  std::vector<SheetRow> out;
  std::vector<bool> is_date;
  size_t last_row = 0, cells = 0, text_bytes = 0;
  const std::string last_column = Column(limits.columns - 1);
  for (const auto* row : rows) {
    size_t number = last_row + 1;
    if (const std::string* r = Attribute(*row, "r")) {
      auto parsed = Number<size_t>(*r);
      if (!parsed || *parsed < 1 || *parsed > kSheetRows)
        return Status::Invalid(
            (last_row ? "after row " + std::to_string(last_row) : std::string("first row")) +
            ": a row numbered '" + Short(*r) + "', which is not a row number (1 to " +
            std::to_string(kSheetRows) + ")");
      number = *parsed;
    }
    if (number <= last_row)
      return Status::Invalid("row " + std::to_string(number) + ": out of order, after row " +
                             std::to_string(last_row));
    if (number > kSheetRows)
      return Status::Invalid("row " + std::to_string(number) + ": beyond the sheet's last row, " +
                             std::to_string(kSheetRows));
    last_row = number;
    SheetRow r{number, {}};
    const std::string where = "row " + std::to_string(number);
    for (const auto& c : row->children) {
      if (c.name != "c") continue;
      size_t col = r.cells.size();
      if (const std::string* ref = Attribute(c, "r")) {
        auto parsed = ParseRef(*ref);
        if (!parsed)
          return Status::Invalid(
              where +
              (col ? ", the cell after " + Column(col - 1) + std::to_string(number)
                   : std::string(", its first cell")) +
              ": '" + Short(*ref) + "' is not a cell reference");
        if (parsed->row != number)
          return Status::Invalid(where + ": cell " + Short(*ref) + " is not in row " +
                                 std::to_string(number));
        if (parsed->column < r.cells.size())
          return Status::Invalid(where + ", cell " + *ref + ": out of order, after " +
                                 Column(r.cells.size() - 1) + std::to_string(number));
        col = parsed->column;
      }
      // "row 2, cell B2": every refusal of a cell names it.
      auto cell = [&] { return where + ", cell " + Column(col) + std::to_string(number); };
      if (col >= limits.columns)
        return Status::Invalid(cell() + ": beyond column " + last_column + ", the last of the " +
                               std::to_string(limits.columns) + " a row may hold");
      const std::string* type_attribute = Attribute(c, "t");
      std::string type = type_attribute ? *type_attribute : "n";
      std::string value;
      const XmlNode* v = nullptr;
      bool formula = false;
      for (const auto& child : c.children) {
        if (child.name == "v") v = &child;
        if (child.name == "f") formula = true;
      }
      // A formula's saved value is its <v>; an empty one is a value only as text (t="str").
      bool saved = v && (!v->text.empty() || type == "str");
      if (formula && !saved && type != "inlineStr")
        return Status::Invalid(cell() +
                               ": a formula without a saved value; open the file in a "
                               "spreadsheet and save it again");
      if (type == "inlineStr") {
        for (const auto& child : c.children) {
          if (child.name == "is") value = Texts(child);
        }
      } else if (type == "s") {
        if (!v) return Status::Invalid(cell() + ": a shared-string cell without its index");
        auto index = Number<size_t>(v->text);
        if (!index)
          return Status::Invalid(cell() + ": shared string '" + Short(v->text) +
                                 "', which is not an index (a whole number)");
        if (*index >= shared.size())
          return Status::Invalid(cell() + ": shared string " + std::to_string(*index) +
                                 " is not there (the workbook has " +
                                 std::to_string(shared.size()) + ")");
        // Checked before the copy: a long shared string in many cells multiplies.
        if (shared[*index].size() > limits.text - text_bytes)
          return Status::Invalid(cell() + ": the sheet's cells hold more than " +
                                 std::to_string(limits.text) + " bytes of text");
        value = shared[*index];
      } else if (type == "n" || type == "b" || type == "str") {
        value = v ? v->text : "";
        if (type == "n" && !value.empty()) {
          if (col < is_date.size() && is_date[col]) {
            auto date = DateOfSerial(value);
            if (!date)
              return Status::Invalid(cell() + ": '" + Short(value) + "' in date column '" +
                                     out.front().cells[col] +
                                     "' is not a date serial (a whole number of days, 1 to "
                                     "2958465, not 60)");
            value = *date;
          } else if (!Number<double>(value)) {
            return Status::Invalid(cell() + ": '" + Short(value) +
                                   "' is not a number (digits, a '.', an exponent)");
          }
        }
        if (type == "b" && !value.empty() && value != "0" && value != "1")
          return Status::Invalid(cell() + ": '" + Short(value) + "' is not a boolean (0 or 1)");
      } else if (type == "d") {
        value = v ? v->text : "";
        if (!value.empty()) {
          auto date = DateOfIso(value);
          if (!date)
            return Status::Invalid(cell() + ": '" + Short(value) +
                                   "' is not an ISO 8601 date (YYYY-MM-DD, a time after a T)");
          value = *date;
        }
      } else if (type == "e") {
        return Status::Invalid(cell() + ": an error value (" + (v ? Short(v->text) : "") +
                               ") where a value belongs; correct it in a spreadsheet");
      } else {
        return Status::Invalid(cell() + ": a cell of unknown type '" + Short(type) + "'");
      }
      if (value.size() > limits.text - text_bytes)
        return Status::Invalid(cell() + ": the sheet's cells hold more than " +
                               std::to_string(limits.text) + " bytes of text");
      text_bytes += value.size();
      r.cells.resize(col);
      r.cells.push_back(std::move(value));
    }
    size_t held = r.cells.size();
    while (!r.cells.empty() && r.cells.back().empty()) r.cells.pop_back();
    if (r.cells.size() != held) r.cells.shrink_to_fit();
    if (r.cells.empty()) continue;
    if (r.cells.size() > limits.cells - cells)
      return Status::Invalid(where + ", cell " + Column(limits.cells - cells) +
                             std::to_string(number) + ": the sheet has more than " +
                             std::to_string(limits.cells) +
                             " cells, counting the empty ones before a value");
    cells += r.cells.size();
    if (out.empty()) {
      for (const auto& name : r.cells)
        is_date.push_back(std::find(date_columns.begin(), date_columns.end(), name) !=
                          date_columns.end());
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<SheetRow>> ReadCsv(std::string_view text, const SheetLimits& limits) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<SheetRow> rows;
  SheetRow row{1, {}};
  std::string cell;
  size_t line = 1, cells = 0, quote_line = 0;
  bool quoted = false, was_quoted = false;
  // "line 3, column 2": the line a refusal is on and the cell (from 1) it is in; a row's
  // limits are named at the line the row begins on.
  auto at = [&](size_t on_line) {
    return "line " + std::to_string(on_line) + ", column " + std::to_string(row.cells.size() + 1);
  };
  auto end_cell = [&] {
    if (row.cells.size() >= limits.columns) return false;
    row.cells.push_back(std::move(cell));
    cell.clear();
    was_quoted = false;
    return true;
  };
  auto too_wide = [&] {
    return Status::Invalid(at(row.row) + ": more than " + std::to_string(limits.columns) +
                           " cells in a row");
  };
  // False when the rows kept would hold more cells than the limit.
  auto end_row = [&] {
    bool kept = !(row.cells.size() == 1 && row.cells[0].empty());
    if (kept) {
      if (row.cells.size() > limits.cells - cells) return false;
      cells += row.cells.size();
      rows.push_back(std::move(row));
    }
    row = SheetRow{line, {}};
    return true;
  };
  auto too_many = [&] {
    return Status::Invalid("line " + std::to_string(row.row) + ", column " +
                           std::to_string(limits.cells - cells + 1) + ": more than " +
                           std::to_string(limits.cells) + " cells in all");
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return Status::Invalid(at(line) + ": a NUL byte");
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      if (!cell.empty() || was_quoted)
        return Status::Invalid(at(line) + ": a quote inside a cell that does not begin with one");
      quoted = was_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      if (!end_cell()) return too_wide();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      if (!end_cell()) return too_wide();
      ++line;
      if (!end_row()) return too_many();
    } else {
      if (was_quoted) return Status::Invalid(at(line) + ": text after a quoted cell");
      cell += c;
    }
  }
  if (quoted) return Status::Invalid(at(quote_line) + ": a quote is never closed");
  if (!end_cell()) return too_wide();
  if (!end_row()) return too_many();
  return rows;
}

}  // namespace probity::cli
