// XlsxWorkbook: see xlsx.h.
#include "tools/xlsx.h"

#include <array>
#include <cstdint>
#include <sstream>

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
  for (const auto& [name, data] : files) {
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

}  // namespace probity::cli
