// record, roster, eligibility, leave, explanations, unevaluated, rebuild: the program's reports.
#include <iostream>
#include <sstream>
#include <variant>

#include "ledger/note.h"
#include "projections/labels.h"
#include "projections/report_codec.h"
#include "projections/reports.h"
#include "tools/client.h"
#include "tools/commands.h"
#include "tools/export.h"
#include "tools/record_view.h"
#include "tools/terminal.h"

namespace probity::cli {
namespace {

// A person's staff category as interface.md names it; empty for a unit's line.
std::string CategoryName(const EligibilityLine& l) {
  return l.category ? EnumName(*l.category) : std::string();
}

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string JoinSeqs(const std::vector<uint64_t>& seqs, const std::string& sep) {
  std::vector<std::string> s;
  for (auto v : seqs) s.push_back(std::to_string(v));
  return Join(s, sep);
}

std::string TodayCst() { return FormatDay(CstDayOf(SystemClock()())); }

// The eligibility list's cells (EligibilityRows) in `lang`. English is the codes of
// docs/interface.md, unchanged. Chinese names the header's columns, the outcomes and the
// staff categories by the labels of projections/labels.h (the web interface's); a column
// or a value without a label there stays as its code.
std::vector<std::vector<std::string>> EligibilityCells(const EligibilityReport& report, Lang lang) {
  auto rows = EligibilityRows(report);
  if (lang == Lang::kEn) return rows;
  const std::vector<std::string> header = rows.front();
  for (size_t r = 1; r < rows.size(); ++r) {
    for (size_t c = 0; c < header.size(); ++c) {
      if (header[c] == "outcomes") {
        std::vector<std::string> named;
        for (const auto& o : report.lines[r - 1].outcomes)
          named.emplace_back(Label(LabelKind::kOutcome, o, lang));
        rows[r][c] = Join(named, ";");
      } else if (header[c] == "category") {
        rows[r][c] = std::string(Label(LabelKind::kValue, rows[r][c], lang));
      }
    }
  }
  for (auto& cell : rows.front()) cell = std::string(Label(LabelKind::kField, cell, lang));
  return rows;
}

// The language of the eligibility list in CSV or XLSX: --lang zh|en, English when not
// given (whatever the locale: the codes are the contract). Refused as bad usage for the
// table and for JSON (always the codes), and with --server (the server's CSV is English).
std::variant<Lang, int> ExportLang(const Args& args, const std::string& format) {
  auto l = args.Option("lang");
  if (!l) return Lang::kEn;
  auto parsed = ParseLang(*l);
  if (!parsed) return Fail(args, kExitUsage, "--lang must be zh or en");
  if (format != "csv" && format != "xlsx")
    return Fail(args, kExitUsage,
                "--lang is for --format csv and xlsx: the table and JSON always name outcomes "
                "and categories by their codes");
  if (args.remote())
    return Fail(args, kExitUsage, "--lang is for a local store: a server's CSV is in English");
  return *parsed;
}

// ---- the human renderings, shared by the local store and a server's answers ----

// The readable record (record_view.h), through the pager when it is taller than the terminal.
void PrintRecord(const PersonRecordReport& report, const AsOf& as_of, Lang lang, bool wide) {
  Page(RecordView(report, as_of, lang, wide ? 0 : OutputColumns()));
}

// The width report tables wrap at: the terminal's (or 80 columns), none with --wide.
size_t TableWidth(const Args& args) { return args.Has("wide") ? 0 : OutputColumns(); }

// `text` wrapped to `width` (0: not wrapped), continuation lines indented by `hang`.
void PrintWrapped(const std::string& text, size_t width, size_t indent, size_t hang) {
  for (const auto& line : Wrap(text, width, indent, hang)) std::cout << line << "\n";
}

void PrintBasis(const ReportBasis& basis, size_t width) {
  PrintWrapped(BasisLine(basis), width, 0, 2);
}

void PrintRoster(const RosterReport& report, size_t width) {
  std::cout << "on site on " << report.date << "\n";
  for (const auto& c : report.cities) {
    size_t people = 0;
    for (const auto& g : c.groups) people += g.members.size();
    std::cout << "\n";
    PrintWrapped(c.city + " " + c.name + " (" + c.region + "): " + std::to_string(c.groups.size()) +
                     " groups, " + std::to_string(people) + " on site; party branch secretary: " +
                     (c.secretary.empty() ? "none named" : c.secretary + " " + c.secretary_name),
                 width, 0, 4);
    for (const auto& g : c.groups) {
      PrintWrapped(g.group + "  " + g.kind + ", lead unit " + g.lead_unit + " " + g.lead_unit_name +
                       (g.task.empty() ? "" : ", task: " + g.task),
                   width, 2, 4);
      if (!g.leader) std::cout << "    (no leader on site)\n";
      for (const auto& m : g.members) {
        PrintWrapped(Pad(EnumName(m.position), 7) + m.person + " " + Pad(m.name, 8) + " " + m.unit +
                         "  " + m.from + ".." + m.to + (m.recall_due ? "  recall due (R1)" : ""),
                     width, 4, 4);
      }
    }
  }
  std::cout << "\n";
  PrintBasis(report.basis, width);
}

// A line a person (or unit): id, name, unit and category, then the outcomes (wrapped
// under their first); below it, indented, the reasons and the events they rest on.
void PrintEligibility(const EligibilityReport& report, size_t width) {
  std::cout << "eligibility " << report.year << (report.units ? " (units)" : " (persons)") << ": "
            << report.lines.size() << " listed\n";
  for (const auto& l : report.lines) {
    std::string head = Pad(l.id, 10) + Pad(l.name, report.units ? 22 : 12) +
                       (report.units ? "" : Pad(l.unit, 6) + Pad(CategoryName(l), 19));
    PrintWrapped(head + Join(l.outcomes, ", ") + (l.review_required ? "  REVIEW" : ""), width, 0,
                 Width(head));
    PrintWrapped(l.reasons + "; events " + JoinSeqs(l.events, ", "), width, 4, 2);
  }
  PrintBasis(report.basis, width);
}

void PrintLeave(const LeaveReport& report, size_t width) {
  PrintWrapped("compensatory leave of " + report.person + " (R5): accrued " +
                   std::to_string(report.accrued) + ", granted " + std::to_string(report.granted) +
                   ", left " + std::to_string(report.left) + " days; rotation leave granted " +
                   std::to_string(report.rotation_granted) + " days",
               width, 0, 2);
  PrintBasis(report.basis, width);
}

void PrintExplanations(const ExplanationsReport& report, size_t width) {
  std::cout << report.open.size()
            << " missed targets await the guarantor unit's explanation (R9)\n";
  for (const auto& o : report.open) {
    PrintWrapped(o.city + " " + Pad(o.name, 8) + " " + std::to_string(o.year) + " " +
                     Pad(o.scope, 7) + " guarantor " + o.guarantor + ", assessed " + o.assessed_on +
                     " (seq " + std::to_string(o.seq) + ")",
                 width, 2, 4);
  }
  PrintBasis(report.basis, width);
}

// ---- asking the server ----

// A remote document in --json: printed as the local command prints its own.
int PrintBody(const std::string& body) {
  std::cout << body << (body.empty() || body.back() != '\n' ? "\n" : "");
  return kExitOk;
}

// Decodes a remote document with `decode` (report_codec.h) and prints it with `print`.
// An answer that does not decode is the server's failure: exit 3.
template <typename Decode, typename Print>
int Render(const Args& args, const std::string& body, Decode decode, Print print) {
  auto report = decode(body);
  if (!report.ok())
    return Fail(args, kExitStore, "the server's answer is " + report.status().message());
  print(*report);
  return kExitOk;
}

// The eligibility list from a server. Its JSON and CSV name no checkpoint: the tree it
// was computed at comes in the answer's Probity-Checkpoint field ("<size> <root hex>").
int RemoteEligibility(const Args& args, int year, bool units, const std::string& format) {
  auto opened = Remote::Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Remote& remote = *std::get<std::unique_ptr<Remote>>(opened);
  std::string target = "/v1/eligibility/" + std::to_string(year);
  if (units) target += "?units=1";
  if (format == "csv") target += units ? "&format=csv" : "?format=csv";
  std::string checkpoint;
  auto got = remote.Get(target, true, &checkpoint);
  if (auto* code = std::get_if<int>(&got)) return *code;
  const std::string& body = std::get<std::string>(got);
  ReportBasis basis;
  size_t space = checkpoint.find(' ');
  auto size = ParseUint(checkpoint.substr(0, space));
  auto root = space == std::string::npos ? Result<Bytes>(Status::Invalid(""))
                                         : HexDecode(checkpoint.substr(space + 1));
  if (!size || !root.ok() || root->size() != basis.root.size())
    return Fail(args, kExitStore,
                "the server's answer names no checkpoint (Probity-Checkpoint: <size> <root>)");
  basis.tree_size = *size;
  std::copy(root->begin(), root->end(), basis.root.begin());
  if (format == "table") {
    return Render(
        args, body, [&](std::string_view json) { return EligibilityFromJson(json, year, units); },
        [&](EligibilityReport& r) {
          r.basis = basis;
          PrintEligibility(r, TableWidth(args));
        });
  }
  std::cout << body << (format == "json" ? "\n" : "");
  std::cerr << BasisLine(basis) << "\n";
  return kExitOk;
}

// The person PERSON `text` names when no person has it as id, from `named` (the persons of
// exactly that name) and `near` (persons whose id or name holds it, read only when none
// is named so): the one person of that name (said on stderr); else the exit status after
// listing those of that name or those it is part of; else `text` itself, for the command
// to say it is not registered.
std::variant<std::string, int> ChoosePerson(const Args& args, const std::string& text,
                                            const std::vector<PersonRow>& named,
                                            const PersonsReport& near) {
  if (named.size() == 1) {
    std::cerr << "probity " << args.command << ": " << text << " is " << named[0].person << "\n";
    return named[0].person;
  }
  if (named.size() > 1) {
    std::string ids;
    for (const auto& p : named)
      ids += (ids.empty() ? "" : ", ") + p.person + " (unit " + p.unit + ")";
    return Fail(args, kExitRefused,
                std::to_string(named.size()) + " persons are named '" + text + "': " + ids +
                    "; give the id");
  }
  if (near.persons.empty()) return text;
  std::string list;
  for (const auto& p : near.persons) list += (list.empty() ? "" : ", ") + p.person + " " + p.name;
  return FailStatus(
      args,
      Status::NotFound("person '" + text + "' is not registered; did you mean " + list +
                       (near.more ? ", ..." : "") + "? ('probity find " + text + "' lists them)"));
}

}  // namespace

std::variant<std::string, int> PersonByIdOrName(const Args& args, const LedgerView& view,
                                                const std::string& text) {
  auto by_id = PersonById(view, text);
  if (!by_id.ok()) return FailStatus(args, by_id.status());
  if (by_id->has_value()) return text;
  auto named = PersonsNamed(view, text);
  if (!named.ok()) return FailStatus(args, named.status());
  PersonsReport near;
  if (named->empty()) {
    auto found = FindPersons(view, text, 5);
    if (found.ok()) near = std::move(*found);
  }
  return ChoosePerson(args, text, *named, near);
}

std::variant<RemotePerson, int> RemotePersonRead(
    const Args& args, const std::string& text,
    const std::function<std::string(const std::string&)>& target_of) {
  auto opened = Remote::Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Remote& remote = *std::get<std::unique_ptr<Remote>>(opened);
  auto first = remote.client().Get(target_of(text));
  if (!first.ok()) return FailStatus(args, first.status());
  if (first->status / 100 == 2) return RemotePerson{text, std::move(first->body)};
  if (first->status != 404) return remote.Fail(*first);
  // No person `text` the key may read: a name, or part of one, among those it may.
  auto listed = remote.client().Get("/v1/persons?q=" + Client::Escape(text));
  if (!listed.ok() || listed->status / 100 != 2) return remote.Fail(*first);
  auto persons = PersonsFromJson(listed->body);
  if (!persons.ok()) return remote.Fail(*first);
  std::vector<PersonRow> named;
  for (const auto& p : persons->persons)
    if (p.name == text) named.push_back(p);
  auto chosen = ChoosePerson(args, text, named, *persons);
  if (auto* code = std::get_if<int>(&chosen)) return *code;
  const std::string& id = std::get<std::string>(chosen);
  if (id == text) return remote.Fail(*first);
  auto body = remote.Get(target_of(id));
  if (auto* code = std::get_if<int>(&body)) return *code;
  return RemotePerson{id, std::move(std::get<std::string>(body))};
}

std::variant<AsOf, int> AsOfOptions(const Args& args) {
  AsOf as_of;
  if (auto d = args.Option("as-of")) {
    if (!ParseDay(*d)) return Fail(args, kExitUsage, "--as-of must be a date YYYY-MM-DD");
    as_of.date = *d;
  }
  if (auto s = args.Option("as-of-seq")) {
    auto v = ParseUint(*s);
    if (!v) return Fail(args, kExitUsage, "--as-of-seq must be a seq (a whole number)");
    as_of.seq = *v;
  }
  if (as_of.date && as_of.seq)
    return Fail(args, kExitUsage, "give --as-of or --as-of-seq, not both");
  return as_of;
}

std::variant<Lang, int> LangOption(const Args& args) {
  auto l = args.Option("lang");
  if (!l) return LangFromLocale();
  auto parsed = ParseLang(*l);
  if (!parsed) return Fail(args, kExitUsage, "--lang must be zh or en");
  return *parsed;
}

int Record(const Args& args) {
  auto parsed_as_of = AsOfOptions(args);
  if (auto* code = std::get_if<int>(&parsed_as_of)) return *code;
  const AsOf as_of = std::get<AsOf>(parsed_as_of);
  auto parsed_lang = LangOption(args);
  if (auto* code = std::get_if<int>(&parsed_lang)) return *code;
  const Lang lang = std::get<Lang>(parsed_lang);
  bool wide = args.Has("wide");
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, std::nullopt, {"json"}, "json");
    if (auto* code = std::get_if<int>(&chosen)) return *code;
    if (args.Option("lang"))
      return Fail(args, kExitUsage,
                  "-o writes the --json document, whose names are codes: --lang is for the "
                  "readable record");
  }
  if (args.remote()) {
    if (args.Has("include-sensitive")) return SensitiveIsRemote(args);
    auto answer = RemotePersonRead(args, args.positional[0], [&](const std::string& id) {
      std::string target = "/v1/persons/" + Client::Escape(id) + "/record";
      if (as_of.date) target += "?asOf=" + Client::Escape(*as_of.date);
      if (as_of.seq) target += "?asOfSeq=" + std::to_string(*as_of.seq);
      return target;
    });
    if (auto* code = std::get_if<int>(&answer)) return *code;
    const std::string& body = std::get<RemotePerson>(answer).body;
    if (args.Has("json")) return PrintBody(body);
    return Render(
        args, body, [](std::string_view json) { return RecordFromJson(json); },
        [&](const PersonRecordReport& r) { PrintRecord(r, as_of, lang, wide); });
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto person = PersonByIdOrName(args, view, args.positional[0]);
  if (auto* code = std::get_if<int>(&person)) return *code;
  const std::string& id = std::get<std::string>(person);
  auto report = ReplayRecord(view, id, as_of, args.Has("include-sensitive"));
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    // Sealed values (a restriction's reason) are in the file only when asked for, as on
    // stdout; the command says so, so that the same command writes the same bytes.
    std::string command = "record " + id;
    if (as_of.date) command += " --as-of " + *as_of.date;
    if (as_of.seq) command += " --as-of-seq " + std::to_string(*as_of.seq);
    if (args.Has("include-sensitive")) command += " --include-sensitive";
    auto basis = ExportBasisOf(view, command, report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(RecordJson(*report, as_of), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << RecordJson(*report, as_of) << "\n";
    return kExitOk;
  }
  PrintRecord(*report, as_of, lang, wide);
  return kExitOk;
}

int Roster(const Args& args) {
  std::string date = args.Option("date").value_or(TodayCst());
  if (!ParseDay(date)) return Fail(args, kExitUsage, "--date must be a date YYYY-MM-DD");
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, std::nullopt, {"json"}, "json");
    if (auto* code = std::get_if<int>(&chosen)) return *code;
  }
  if (args.remote()) {
    std::string target = "/v1/roster?date=" + Client::Escape(date);
    if (auto city = args.Option("city")) target += "&city=" + Client::Escape(*city);
    auto body = Remote::Read(args, target);
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), RosterFromJson,
                  [&](const auto& r) { PrintRoster(r, TableWidth(args)); });
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto city = args.Option("city");
  auto report = probity::Roster(view, date, city);
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    // The date always, defaulted or not: the file says which day it lists.
    auto basis = ExportBasisOf(view, "roster --date " + date + (city ? " --city " + *city : ""),
                               report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(RosterJson(*report), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << RosterJson(*report) << "\n";
    return kExitOk;
  }
  PrintRoster(*report, TableWidth(args));
  return kExitOk;
}

int Eligibility(const Args& args) {
  auto year = ParseUint(args.positional[0]);
  if (!year || *year < 1900 || *year > 9999)
    return Fail(args, kExitUsage, "YEAR must be a year, e.g. 2019");
  std::optional<std::string> asked = args.Option("format");
  if (args.Has("json")) asked = "json";
  std::string format = asked.value_or("table");
  if (format != "table" && format != "csv" && format != "json" && format != "xlsx") {
    return Fail(args, kExitUsage, "--format must be table, csv, json or xlsx");
  }
  bool units = args.Has("units");
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, asked, {"csv", "json", "xlsx"});
    if (auto* code = std::get_if<int>(&chosen)) return *code;
    format = std::get<std::string>(chosen);
  } else if (format == "xlsx") {
    return Fail(args, kExitUsage, "--format xlsx writes a file: add -o FILE.xlsx");
  }
  auto parsed_lang = ExportLang(args, format);
  if (auto* code = std::get_if<int>(&parsed_lang)) return *code;
  const Lang lang = std::get<Lang>(parsed_lang);
  if (args.remote()) return RemoteEligibility(args, static_cast<int>(*year), units, format);
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = probity::Eligibility(view, static_cast<int>(*year), units);
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    auto basis = ExportBasisOf(view,
                               "eligibility " + std::to_string(*year) + (units ? " --units" : "") +
                                   (lang == Lang::kZh ? " --lang zh" : ""),
                               report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    std::string bytes = format == "json" ? JsonWithBasis(EligibilityJson(*report), *basis)
                        : format == "xlsx"
                            ? XlsxWithBasis(EligibilityCells(*report, lang),
                                            "eligibility " + std::to_string(*year), *basis)
                            : CsvWithBasis(EligibilityCells(*report, lang), *basis);
    return WriteExport(args, *output, bytes, *basis);
  }
  if (format == "json") {
    std::cout << EligibilityJson(*report) << "\n";
    std::cerr << BasisLine(report->basis) << "\n";
    return kExitOk;
  }
  if (format == "csv") {
    if (lang == Lang::kEn) {
      std::cout << EligibilityCsv(*report);
    } else {
      std::cout << "\xEF\xBB\xBF";  // as EligibilityCsv: a byte-order mark, then CRLF rows
      for (const auto& row : EligibilityCells(*report, lang)) std::cout << CsvRow(row);
    }
    std::cerr << BasisLine(report->basis) << "\n";
    return kExitOk;
  }
  PrintEligibility(*report, TableWidth(args));
  return kExitOk;
}

int Leave(const Args& args) {
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, std::nullopt, {"json"}, "json");
    if (auto* code = std::get_if<int>(&chosen)) return *code;
  }
  if (args.remote()) {
    auto body = Remote::Read(args, "/v1/persons/" + Client::Escape(args.positional[0]) + "/leave");
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), LeaveFromJson,
                  [&](const auto& r) { PrintLeave(r, TableWidth(args)); });
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = LeaveBalance(view, args.positional[0]);
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    auto basis = ExportBasisOf(view, "leave " + args.positional[0], report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(LeaveJson(*report), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << LeaveJson(*report) << "\n";
    return kExitOk;
  }
  PrintLeave(*report, TableWidth(args));
  return kExitOk;
}

int Explanations(const Args& args) {
  std::optional<int> year;
  if (auto y = args.Option("year")) {
    auto v = ParseUint(*y);
    if (!v || *v > 9999) return Fail(args, kExitUsage, "--year must be a year, e.g. 2019");
    year = static_cast<int>(*v);
  }
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, std::nullopt, {"json"}, "json");
    if (auto* code = std::get_if<int>(&chosen)) return *code;
  }
  if (args.remote()) {
    std::string target = "/v1/explanations";
    if (year) target += "?year=" + std::to_string(*year);
    auto body = Remote::Read(args, target);
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), ExplanationsFromJson,
                  [&](const auto& r) { PrintExplanations(r, TableWidth(args)); });
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = OpenExplanations(view, year);
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    auto basis = ExportBasisOf(
        view, "explanations" + (year ? " --year " + std::to_string(*year) : std::string()),
        report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(ExplanationsJson(*report), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << ExplanationsJson(*report) << "\n";
    return kExitOk;
  }
  PrintExplanations(*report, TableWidth(args));
  return kExitOk;
}

int Unevaluated(const Args& args) {
  auto year = ParseUint(args.positional[0]);
  if (!year || *year < 1900 || *year > 9999)
    return Fail(args, kExitUsage, "YEAR must be a year, e.g. 2019");
  auto output = args.Option("output");
  if (output) {
    auto chosen = ExportFormat(args, *output, std::nullopt, {"json"}, "json");
    if (auto* code = std::get_if<int>(&chosen)) return *code;
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = probity::Unevaluated(view, static_cast<int>(*year));
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    auto basis = ExportBasisOf(view, "unevaluated " + std::to_string(*year), report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(UnevaluatedJson(*report), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << UnevaluatedJson(*report) << "\n";
    return kExitOk;
  }
  size_t width = TableWidth(args);
  PrintWrapped(std::to_string(report->persons.size()) +
                   (report->persons.size() == 1 ? " person" : " persons") + " served on site in " +
                   std::to_string(report->year) +
                   " without an evaluation covering that service (R10)",
               width, 0, 2);
  for (const auto& p : report->persons) {
    std::string head = p.person + " " + Pad(p.name, 6) + " " + p.unit + "  ";
    PrintWrapped(head + Join(p.assignments, ", "), width, 2, Width(head));
  }
  PrintBasis(report->basis, width);
  return kExitOk;
}

int Rebuild(const Args& args) {
  auto ledger = OpenLedger(args, Store::Mode::kReadWrite);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  Status st = (*ledger)->Rebuild(ProgressReporter("rebuild"));
  if (!st.ok()) return FailStatus(args, st);
  std::cout << "rebuilt every projection from " << (*ledger)->size() << " entries\n";
  return kExitOk;
}

}  // namespace probity::cli
