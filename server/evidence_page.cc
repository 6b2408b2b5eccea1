// EvidencePage and BundleModules: see evidence_page.h.
#include "server/evidence_page.h"

#include <regex>
#include <sstream>

#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/json.h"
#include "server/web_assets.h"

namespace probity::server {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Text in both languages; the page's CSS shows the one of <html lang>.
std::string Both(std::string_view zh, std::string_view en) {
  if (zh == en) return Escape(zh);
  return "<span lang=\"zh-CN\">" + Escape(zh) + "</span><span lang=\"en\">" + Escape(en) +
         "</span>";
}

std::string Labelled(LabelKind kind, std::string_view name) {
  return Both(Label(kind, name, Lang::kZh), Label(kind, name, Lang::kEn));
}

// The fields of an event's display JSON (ShownFields), "label: value" each. Each
// carries its field name and value as signed (data-field, data-value: text as is, other
// values as minified JSON), which the page's script compares with the verified body; a
// sealed field's shown value is not the signed commitment and carries none.
std::string FieldsHtml(const std::string& event_json, const std::vector<std::string>& sealed) {
  auto fields = ShownFields(event_json);
  if (!fields) return Escape(event_json);
  std::string out;
  for (const auto& f : *fields) {
    std::string data = " data-field=\"" + Escape(f.name) + "\"";
    if (std::find(sealed.begin(), sealed.end(), f.name) == sealed.end())
      data += " data-value=\"" + Escape(f.signed_value) + "\"";
    out += "<span class=\"field\"" + data + ">" + Labelled(LabelKind::kField, f.name) + ": ";
    for (const auto& piece : f.value) out += Both(piece.zh, piece.en);
    out += "</span> ";
  }
  return out;
}

std::string KeyHolder(const EvidencePack& pack, const Hash& key_id) {
  for (const auto& k : pack.keys) {
    if (k.key_id == key_id)
      return Escape(k.info.holder) + " (" + Labelled(LabelKind::kRole, RoleName(k.info.role)) + ")";
  }
  return "";
}

constexpr std::string_view kStyle = R"css(
html[lang="zh-CN"] [lang="en"], html[lang="en"] [lang="zh-CN"] { display: none; }
body { font: 15px/1.5 system-ui, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif;
       margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1a1a1a; }
header { border-bottom: 2px solid #333; margin-bottom: 1rem; }
h1 { font-size: 1.4rem; margin: 0.2rem 0; }
h2 { font-size: 1.1rem; margin-top: 1.5rem; }
#verdict { padding: 0.6rem 0.8rem; border-radius: 4px; font-weight: 600; }
#verdict.unchecked { background: #eee; }
#verdict.verified { background: #e3f4e1; color: #174d12; }
#verdict.failed { background: #fbe3e1; color: #7a1109; }
#lang-toggle { float: right; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3rem 0.4rem; text-align: left; vertical-align: top; }
td.seq, td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.withdrawn td { color: #777; text-decoration: line-through; border-bottom: none; }
tr.withdrawal td { color: #7a1109; }
tr.line.ok td.seq::after { content: " \2713"; color: #174d12; }
tr.line.bad { background: #fbe3e1; }
.field { margin-right: 0.6rem; }
code, pre { font: 13px/1.4 ui-monospace, monospace; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5rem; }
.note { color: #444; }
@media print { #lang-toggle { display: none; } }
@media (max-width: 640px) {
  body { padding: 0.5rem; }
  table, tbody, tr, td { display: block; width: auto; }
  thead { display: none; }
  tr { border-bottom: 1px solid #ccc; padding: 0.3rem 0; }
  td { border: none; padding: 0.1rem 0.2rem; }
  td.seq, td.date { display: inline-block; }
}
)css";

}  // namespace

Result<std::string> BundleModules(const std::vector<std::string_view>& paths) {
  static const std::regex import_named(R"re(^import \{([^}]*)\} from '(\.{1,2}/[^']+)';\s*$)re");
  static const std::regex import_all(R"re(^import \* as (\w+) from '(\.{1,2}/[^']+)';\s*$)re");
  static const std::regex exported(
      R"re(^export (?:async )?(?:function\*? |class |const |let )(\w+))re");
  std::string out = "'use strict';\nconst __modules = {};\n";
  std::vector<std::string> bundled;
  for (std::string_view path : paths) {
    const WebAsset* asset = FindWebAsset(path);
    if (!asset) return Status::Invalid("bundle: no web asset " + std::string(path));
    std::string where = std::string(path);
    std::string dir = where.substr(0, where.rfind('/') + 1);
    auto resolve = [&](std::string rel) {
      std::string base = dir;
      while (rel.rfind("../", 0) == 0) {
        base = base.substr(0, base.rfind('/', base.size() - 2) + 1);
        rel = rel.substr(3);
      }
      if (rel.rfind("./", 0) == 0) rel = rel.substr(2);
      return base + rel;
    };
    std::string body, names;
    std::istringstream lines{std::string(asset->body)};
    std::string line;
    for (size_t number = 1; std::getline(lines, line); ++number) {
      std::string at = where + ":" + std::to_string(number);
      std::smatch m;
      if (std::regex_match(line, m, import_named) || std::regex_match(line, m, import_all)) {
        std::string from = resolve(m[2]);
        if (std::find(bundled.begin(), bundled.end(), from) == bundled.end())
          return Status::Invalid("bundle: " + at + " imports " + from + ", not bundled before it");
        std::string target = "__modules['" + from + "']";
        if (line[7] == '*') {
          body += "const " + std::string(m[1]) + " = " + target + ";\n";
        } else {
          body += "const {" + std::regex_replace(std::string(m[1]), std::regex(R"( as )"), ": ") +
                  "} = " + target + ";\n";
        }
      } else if (line.rfind("import", 0) == 0) {
        return Status::Invalid("bundle: " + at + ": an import of a form the bundler does not take");
      } else if (line.rfind("export", 0) == 0) {
        if (!std::regex_search(line, m, exported))
          return Status::Invalid("bundle: " + at +
                                 ": an export of a form the bundler does not take");
        names += (names.empty() ? "" : ", ") + std::string(m[1]);
        body += line.substr(7) + "\n";
      } else {
        body += line + "\n";
      }
    }
    // "<!--" followed by "<script" would keep "</script>" from ending the element.
    if (body.find("<!--") != std::string::npos)
      return Status::Invalid("bundle: " + where +
                             " holds \"<!--\", which can keep the page's "
                             "script from ending where it should");
    // "</script" would end the page's script: "<\/script" means the same in a string, a
    // regular expression or a comment, the only places JavaScript can hold it.
    for (size_t at = 0; (at = body.find("</", at)) != std::string::npos; at += 2) {
      std::string next = body.substr(at + 2, 6);
      std::transform(next.begin(), next.end(), next.begin(), ::tolower);
      if (next == "script") body.insert(at + 1, "\\");
    }
    out += "__modules['" + where + "'] = (() => {\n" + body + "return { " + names + " };\n})();\n";
    bundled.push_back(where);
  }
  return out;
}

Result<std::string> EvidencePage(const EvidencePack& pack, Lang lang) {
  auto script = BundleModules(
      {"/js/verify.js", "/js/event.js", "/js/i18n.js", "/js/evidence.js", "/js/evidence_page.js"});
  if (!script.ok()) return script.status();
  const auto& r = pack.record;
  std::string asof_zh = "当前", asof_en = "as the ledger stands";
  if (pack.as_of.date) {
    asof_zh = "截至 " + *pack.as_of.date;
    asof_en = "as of " + *pack.as_of.date;
  } else if (pack.as_of.seq) {
    asof_zh = "截至序号 " + std::to_string(*pack.as_of.seq);
    asof_en = "as the ledger stood after seq " + std::to_string(*pack.as_of.seq);
  }
  std::string root = HexEncode(pack.checkpoint.root);
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"" + std::string(lang == Lang::kZh ? "zh-CN" : "en") +
         "\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         // No request, and no script but the checker below (its hash).
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "script-src 'sha256-" +
         Base64Encode(Sha256(AsBytes("\n" + *script))) +
         "'; style-src 'unsafe-inline'\">\n<title>" + Escape(r.name) + " " + Escape(r.person) +
         " — 证据包 / evidence pack</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n<header>\n"
         "<button id=\"lang-toggle\" type=\"button\">English / 中文</button>\n<h1>" +
         Both("证据包:", "Evidence pack: ") + Escape(r.name) + " (" + Escape(r.person) +
         ")</h1>\n<p>" + Both("单位 ", "unit ") + Escape(r.unit) + ", " +
         Labelled(LabelKind::kValue, r.category) + "; " + Both(asof_zh, asof_en) + "; " +
         Both("账本 ", "ledger ") + "<code>" + Escape(pack.checkpoint.origin) + "</code>, " +
         Both("树大小 ", "tree size ") + std::to_string(pack.checkpoint.size) +
         "</p>\n"
         "<p id=\"verdict\" class=\"unchecked\">" +
         Both("本页打开时会自行核验(需要 JavaScript)。独立核验:probity-audit evidence 本文件。",
              "This page checks itself when opened (it needs JavaScript). To check it "
              "independently: probity-audit evidence THIS-FILE.") +
         "</p>\n</header>\n<main>\n<h2>" + Both("记录", "Record") + "</h2>\n";
  out += "<table id=\"record\">\n<thead><tr><th>" + Both("序号", "Seq") + "</th><th>" +
         Both("日期", "Date") + "</th><th>" + Both("事件", "Event") + "</th><th>" +
         Both("内容", "Details") + "</th><th>" + Both("签名者", "Signed by") +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& l : r.lines) {
    std::string prefix = l.signer.substr(0, 12), holder;
    for (const auto& k : pack.keys) {
      if (HexEncode(k.key_id).substr(0, 12) == prefix) holder = KeyHolder(pack, k.key_id);
    }
    auto sealed = pack.sealed_fields.find(l.seq);
    out += "<tr class=\"line" + std::string(l.withdrawn_by ? " withdrawn" : "") + "\" data-seq=\"" +
           std::to_string(l.seq) + "\" data-type=\"" + Escape(l.type) + "\" data-date=\"" +
           Escape(l.date) + "\"><td class=\"seq\">" + std::to_string(l.seq) +
           "</td><td class=\"date\">" + Escape(l.date) + "</td><td class=\"type\">" +
           Labelled(LabelKind::kEventType, l.type) + "</td><td class=\"details\">" +
           FieldsHtml(l.event_json, sealed == pack.sealed_fields.end() ? std::vector<std::string>()
                                                                       : sealed->second) +
           "</td><td class=\"signer\"><code>" + Escape(prefix) + "</code> " + holder +
           "</td></tr>\n";
    if (l.withdrawn_by) {
      out += "<tr class=\"withdrawal\"><td colspan=\"2\"></td><td colspan=\"3\">" +
             Both("已撤回:序号 " + std::to_string(*l.withdrawn_by) + "(" + l.withdrawn_reason + ")",
                  "Withdrawn by seq " + std::to_string(*l.withdrawn_by) + " (" +
                      l.withdrawn_reason + ")") +
             "</td></tr>\n";
    }
  }
  if (r.lines.empty())
    out += "<tr><td colspan=\"5\">" + Both("无记录。", "No events.") + "</td></tr>\n";
  out += "</tbody>\n</table>\n";

  out += "<section id=\"keys\">\n<h2>" +
         Both("签名密钥及其权限", "Signing keys and their authority") +
         "</h2>\n<table>\n<thead><tr><th>" + Both("密钥编号", "Key id") + "</th><th>" +
         Both("持有人", "Holder") + "</th><th>" + Both("角色", "Role") + "</th><th>" +
         Both("登记", "Registered") + "</th><th>" + Both("吊销", "Revoked") +
         "</th></tr></thead>\n<tbody>\n";
  for (const auto& k : pack.keys) {
    std::string scope = k.info.unit.empty() ? k.info.person : k.info.unit;
    out += "<tr><td><code>" + HexEncode(k.key_id).substr(0, 16) + "</code></td><td>" +
           Escape(k.info.holder) + "</td><td>" + Labelled(LabelKind::kRole, RoleName(k.info.role)) +
           (scope.empty() ? "" : " " + Escape(scope)) + "</td><td>" + Both("序号 ", "seq ") +
           std::to_string(k.info.registered_seq) +
           (k.registered_by ? ", " + Both("签名:", "by ") + KeyHolder(pack, *k.registered_by)
                            : ", " + Both("创世条目,自签", "genesis, self-signed")) +
           "</td><td>" +
           (k.info.revoked_seq ? Both("序号 ", "seq ") + std::to_string(*k.info.revoked_seq) : "") +
           "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";

  out += "<section id=\"checkpoint\">\n<h2>" + Both("检查点", "Checkpoint") + "</h2>\n<p>" +
         Both("账本在树大小 " + std::to_string(pack.checkpoint.size) + " 时签署的检查点(根 " +
                  root + "),附 " + std::to_string(pack.cosignature_lines) + " 个见证联署:",
              "The checkpoint the ledger signed at tree size " +
                  std::to_string(pack.checkpoint.size) + " (root " + root + "), with " +
                  std::to_string(pack.cosignature_lines) + " witness cosignature line(s):") +
         "</p>\n<p>" + Both("账本验证密钥:", "The ledger's verifier key: ") + "<code>" +
         Escape(pack.vkey) + "</code></p>\n<p class=\"note\">" +
         Both(
             "本文件证明其中每一条目都在账本中、未被改动、由具有相应权限的密钥签署;"
             "它不能证明账本中没有关于此人的其他条目。"
             "完整核验需对整个账本运行 probity verify 或 probity-audit tiles。",
             "This file proves that each entry in it is in the ledger, unaltered, signed by a "
             "key with the authority shown. It cannot prove that the ledger holds nothing else "
             "about this person: for that, run probity verify or probity-audit tiles over the "
             "whole log.") +
         "</p>\n</section>\n</main>\n";
  // The document for programs: every "<" escaped so that no text ends the element.
  std::string json;
  json.reserve(pack.json.size());
  for (char c : pack.json) {
    if (c == '<')
      json += "\\u003c";
    else
      json += c;
  }
  out += "<script type=\"application/json\" id=\"probity-evidence\">" + json +
         "</script>\n<script>\n" + *script + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace probity::server
