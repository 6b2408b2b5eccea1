// XlsxWorkbook: see xlsx.h.
#include "tools/xlsx.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>

#include "projections/dates.h"

namespace probity::cli {
namespace {

uint32_t Crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
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

namespace {

constexpr size_t kMaxPart = size_t{64} << 20;
constexpr size_t kMaxInflated = size_t{256} << 20;

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
    if (dir_at == 0xFFFFFFFFu || count == 0xFFFF)
      return Status::Invalid("the workbook is a zip64 archive, which is not read");
    if (size_t{dir_at} + dir_size > end)
      return Status::Invalid("the workbook's zip directory lies outside it");
    size_t at = dir_at;
    for (uint32_t i = 0; i < count; ++i) {
      if (at + 46 > end || Get(bytes, at, 4) != 0x02014b50)
        return Status::Invalid("the workbook's zip directory is damaged");
      ZipEntry e;
      e.flags = Get(bytes, at + 8, 2);
      e.method = Get(bytes, at + 10, 2);
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
  Result<std::string> Read(const std::string& name) {
    auto it = entries_.find(name);
    if (it == entries_.end()) return Status::Invalid("the workbook has no part " + name);
    const ZipEntry& e = it->second;
    if (e.flags & 1) return Status::Invalid("the workbook is encrypted");
    if (e.size > kMaxPart || inflated_ + e.size > kMaxInflated)
      return Status::Invalid("the workbook's part " + name + " is too large once inflated");
    size_t at = e.offset;
    if (at + 30 > bytes_.size() || Get(bytes_, at, 4) != 0x04034b50)
      return Status::Invalid("the workbook's part " + name + " is damaged");
    at += 30 + Get(bytes_, at + 26, 2) + Get(bytes_, at + 28, 2);
    if (at + e.compressed > bytes_.size())
      return Status::Invalid("the workbook's part " + name + " lies outside it");
    std::string_view data = bytes_.substr(at, e.compressed);
    std::string out;
    if (e.method == 0) {
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
    if (out.size() != e.size || Crc32(out) != e.crc)
      return Status::Invalid("the workbook's part " + name + " fails its CRC-32");
    inflated_ += out.size();
    return out;
  }

 private:
  std::string_view bytes_;
  std::map<std::string, ZipEntry> entries_;
  size_t inflated_ = 0;
};

// A small XML reader for the parts of a workbook: elements, attributes and text, the five
// named entities and character references. A DOCTYPE (entity declarations) is refused.
struct XmlNode {
  std::string name;                               // local name, without a prefix
  std::map<std::string, std::string> attributes;  // local names
  std::vector<XmlNode> children;
  std::string text;  // the text directly inside
};

std::string LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

Result<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) return Status::Invalid("an & without ;");
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
    else if (ref.size() > 1 && ref[0] == '#') {
      uint32_t cp = 0;
      bool hex = ref[1] == 'x';
      for (char c : ref.substr(hex ? 2 : 1)) {
        int d = std::isdigit(static_cast<unsigned char>(c))           ? c - '0'
                : hex && std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                                      : -1;
        if (d < 0 || cp > 0x10FFFF) return Status::Invalid("a bad character reference");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      }
      if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return Status::Invalid("a bad character reference");
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      return Status::Invalid("an unknown entity &" + std::string(ref) + ";");
    }
    i = semi;
  }
  return out;
}

Result<XmlNode> ParseXml(std::string_view xml, const std::string& what) {
  XmlNode root;
  std::vector<XmlNode*> open = {&root};
  size_t i = 0;
  auto bad = [&](const std::string& why) { return Status::Invalid(what + ": " + why); };
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
      std::string name = LocalName(xml.substr(i + 2, end - i - 2));
      while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
        name.pop_back();
      if (name != open.back()->name)
        return bad("</" + name + "> closes <" + open.back()->name + ">");
      open.pop_back();
      i = end + 1;
    } else {
      size_t at = i + 1;
      size_t name_end = xml.find_first_of(" \t\r\n/>", at);
      if (name_end == std::string_view::npos) return bad("a tag never ends");
      XmlNode node;
      node.name = LocalName(xml.substr(at, name_end - at));
      at = name_end;
      bool closed = false;
      while (true) {
        while (at < xml.size() && std::isspace(static_cast<unsigned char>(xml[at]))) ++at;
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
        if (eq == std::string_view::npos || eq + 1 >= xml.size())
          return bad("an attribute without a value");
        std::string name(xml.substr(at, eq - at));
        while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back())))
          name.pop_back();
        char quote = xml[eq + 1];
        if (quote != '"' && quote != '\'') return bad("an attribute value is not quoted");
        size_t close = xml.find(quote, eq + 2);
        if (close == std::string_view::npos) return bad("an attribute value never ends");
        auto value = Unescape(xml.substr(eq + 2, close - eq - 2));
        if (!value.ok()) return bad(value.status().message());
        node.attributes[LocalName(name)] = *value;
        at = close + 1;
      }
      if (open.size() > 64) return bad("elements nested too deep");
      open.back()->children.push_back(std::move(node));
      if (!closed) open.push_back(&open.back()->children.back());
      i = at;
    }
  }
  if (open.size() != 1) return bad("<" + open.back()->name + "> is never closed");
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

// "BC12" -> column 54 (from 0); nullopt when it is not a cell reference.
std::optional<size_t> ColumnOf(const std::string& ref) {
  size_t col = 0, i = 0;
  for (; i < ref.size() && std::isupper(static_cast<unsigned char>(ref[i])); ++i) {
    col = col * 26 + static_cast<size_t>(ref[i] - 'A' + 1);
    if (col > 16384) return std::nullopt;
  }
  if (i == 0) return std::nullopt;
  return col - 1;
}

// A 1900-system date serial as YYYY-MM-DD (serial 61 is 1900-03-01; Excel's 1900-02-29,
// serial 60, does not exist and is refused).
std::optional<std::string> DateOfSerial(const std::string& text) {
  char* end = nullptr;
  double serial = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end || serial < 1 || serial >= 2958466 ||
      serial != static_cast<double>(static_cast<int64_t>(serial)) || serial == 60)
    return std::nullopt;
  int64_t days = static_cast<int64_t>(serial) - (serial > 60 ? 25569 : 25568);  // to 1970-01-01
  return FormatDay(static_cast<Day>(days));
}

}  // namespace

Result<std::vector<SheetRow>> ReadXlsxFirstSheet(std::string_view bytes,
                                                 const std::vector<std::string>& date_columns) {
  auto zip = ZipReader::Open(bytes);
  if (!zip.ok()) return zip.status();
  auto part = [&](const std::string& name) -> Result<XmlNode> {
    auto text = zip->Read(name);
    if (!text.ok()) return text.status();
    return ParseXml(*text, name);
  };
  auto workbook = part("xl/workbook.xml");
  if (!workbook.ok()) return workbook.status();
  std::vector<const XmlNode*> sheets;
  Collect(*workbook, "sheet", &sheets);
  if (sheets.empty()) return Status::Invalid("the workbook has no sheet");
  std::string rid = sheets[0]->attributes.count("id") ? sheets[0]->attributes.at("id") : "";
  auto rels = part("xl/_rels/workbook.xml.rels");
  if (!rels.ok()) return rels.status();
  std::vector<const XmlNode*> relationships;
  Collect(*rels, "Relationship", &relationships);
  std::string target;
  for (const auto* r : relationships) {
    if (r->attributes.count("Id") && r->attributes.at("Id") == rid && r->attributes.count("Target"))
      target = r->attributes.at("Target");
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
  size_t last_row = 0;
  for (const auto* row : rows) {
    size_t number = last_row + 1;
    if (row->attributes.count("r"))
      number = std::strtoull(row->attributes.at("r").c_str(), nullptr, 10);
    if (number <= last_row)
      return Status::Invalid("the sheet's rows are out of order at row " + std::to_string(number));
    last_row = number;
    SheetRow r{number, {}};
    std::string where = "row " + std::to_string(number);
    for (const auto& c : row->children) {
      if (c.name != "c") continue;
      size_t col = r.cells.size();
      if (c.attributes.count("r")) {
        auto parsed = ColumnOf(c.attributes.at("r"));
        if (!parsed || *parsed < r.cells.size())
          return Status::Invalid(where + ": a cell out of order (" + c.attributes.at("r") + ")");
        col = *parsed;
      }
      std::string type = c.attributes.count("t") ? c.attributes.at("t") : "n";
      std::string value;
      const XmlNode* v = nullptr;
      for (const auto& child : c.children) {
        if (child.name == "v") v = &child;
      }
      if (type == "inlineStr") {
        for (const auto& child : c.children) {
          if (child.name == "is") value = Texts(child);
        }
      } else if (type == "s") {
        size_t index = v ? std::strtoull(v->text.c_str(), nullptr, 10) : shared.size();
        if (!v || index >= shared.size())
          return Status::Invalid(where + ": a shared string that is not there");
        value = shared[index];
      } else if (type == "str" || type == "n" || type == "b") {
        value = v ? v->text : "";
        if (type == "n" && col < is_date.size() && is_date[col] && !value.empty()) {
          auto date = DateOfSerial(value);
          if (!date) return Status::Invalid(where + ": " + value + " is not a date");
          value = *date;
        }
      } else {
        return Status::Invalid(where + ": a cell of type '" + type + "' (an error) is refused");
      }
      r.cells.resize(col);
      r.cells.push_back(value);
    }
    while (!r.cells.empty() && r.cells.back().empty()) r.cells.pop_back();
    if (r.cells.empty()) continue;
    if (out.empty()) {
      for (const auto& name : r.cells)
        is_date.push_back(std::find(date_columns.begin(), date_columns.end(), name) !=
                          date_columns.end());
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<SheetRow>> ReadCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<SheetRow> rows;
  SheetRow row{1, {}};
  std::string cell;
  size_t line = 1;
  bool quoted = false, was_quoted = false;
  auto end_cell = [&] {
    row.cells.push_back(std::move(cell));
    cell.clear();
    was_quoted = false;
  };
  auto end_row = [&] {
    end_cell();
    if (!(row.cells.size() == 1 && row.cells[0].empty())) rows.push_back(std::move(row));
    row = SheetRow{line, {}};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return Status::Invalid("line " + std::to_string(line) + " holds a NUL byte");
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
        return Status::Invalid("line " + std::to_string(line) +
                               ": a quote inside a cell that does not begin with one");
      quoted = was_quoted = true;
    } else if (c == ',') {
      end_cell();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (c == '\n') {
      ++line;
      end_row();
    } else {
      if (was_quoted)
        return Status::Invalid("line " + std::to_string(line) + ": text after a quoted cell");
      cell += c;
    }
  }
  if (quoted)
    return Status::Invalid("line " + std::to_string(row.row) + ": a quote is never closed");
  end_row();
  return rows;
}

}  // namespace probity::cli
