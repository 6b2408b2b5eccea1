// record, roster, eligibility, leave, explanations, unevaluated, rebuild: the program's reports.
#include <iostream>
#include <sstream>
#include <variant>

#include "ledger/note.h"
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

// ---- the human renderings, shared by the local store and a server's answers ----

// The readable record (record_view.h), through the pager when it is taller than the terminal.
void PrintRecord(const PersonRecordReport& report, const AsOf& as_of, Lang lang, bool wide) {
  Page(RecordView(report, as_of, lang, wide ? 0 : OutputColumns()));
}

void PrintRoster(const RosterReport& report) {
  std::cout << "on site on " << report.date << "\n";
  for (const auto& c : report.cities) {
    size_t people = 0;
    for (const auto& g : c.groups) people += g.members.size();
    std::cout << "\n"
              << c.city << " " << c.name << " (" << c.region << "): " << c.groups.size()
              << " groups, " << people << " on site; party branch secretary: "
              << (c.secretary.empty() ? "none named" : c.secretary + " " + c.secretary_name)
              << "\n";
    for (const auto& g : c.groups) {
      std::cout << "  " << g.group << "  " << g.kind << ", lead unit " << g.lead_unit << " "
                << g.lead_unit_name << (g.task.empty() ? "" : ", task: " + g.task) << "\n";
      if (!g.leader) std::cout << "    (no leader on site)\n";
      for (const auto& m : g.members) {
        std::cout << "    " << Pad(EnumName(m.position), 7) << m.person << " " << Pad(m.name, 8)
                  << " " << m.unit << "  " << m.from << ".." << m.to
                  << (m.recall_due ? "  recall due (R1)" : "") << "\n";
      }
    }
  }
  std::cout << "\n" << BasisLine(report.basis) << "\n";
}

void PrintEligibility(const EligibilityReport& report) {
  std::cout << "eligibility " << report.year << (report.units ? " (units)" : " (persons)") << ": "
            << report.lines.size() << " listed\n";
  for (const auto& l : report.lines) {
    std::cout << Pad(l.id, 10) << Pad(l.name, 22)
              << (report.units ? "" : Pad(l.unit, 8) + Pad(CategoryName(l), 19))
              << Join(l.outcomes, ";") << (l.review_required ? "  REVIEW" : "") << "\n    "
              << l.reasons << "; events " << JoinSeqs(l.events, ", ") << "\n";
  }
  std::cout << BasisLine(report.basis) << "\n";
}

void PrintLeave(const LeaveReport& report) {
  std::cout << "compensatory leave of " << report.person << " (R5): accrued " << report.accrued
            << ", granted " << report.granted << ", left " << report.left
            << " days; rotation leave granted " << report.rotation_granted << " days\n"
            << BasisLine(report.basis) << "\n";
}

void PrintExplanations(const ExplanationsReport& report) {
  std::cout << report.open.size()
            << " missed targets await the guarantor unit's explanation (R9)\n";
  for (const auto& o : report.open) {
    std::cout << "  " << o.city << " " << Pad(o.name, 8) << " " << o.year << " " << Pad(o.scope, 7)
              << " guarantor " << o.guarantor << ", assessed " << o.assessed_on << " (seq " << o.seq
              << ")\n";
  }
  std::cout << BasisLine(report.basis) << "\n";
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
          PrintEligibility(r);
        });
  }
  std::cout << body << (format == "json" ? "\n" : "");
  std::cerr << BasisLine(basis) << "\n";
  return kExitOk;
}

// The eligibility list as the CSV's cells (a header row, then a row a line), for a
// workbook; lists joined with ";".
std::vector<std::vector<std::string>> EligibilityTable(const EligibilityReport& report) {
  std::vector<std::vector<std::string>> out;
  if (report.units)
    out.push_back({"unit", "name", "outcomes", "reviewRequired", "reasons", "events"});
  else
    out.push_back(
        {"person", "name", "unit", "category", "outcomes", "reviewRequired", "reasons", "events"});
  for (const auto& l : report.lines) {
    std::vector<std::string> row = {l.id, l.name};
    if (!report.units) {
      row.push_back(l.unit);
      row.push_back(CategoryName(l));
    }
    row.push_back(Join(l.outcomes, ";"));
    row.push_back(l.review_required ? "true" : "false");
    row.push_back(l.reasons);
    row.push_back(JoinSeqs(l.events, ";"));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::variant<std::string, int> PersonByIdOrName(const Args& args, const LedgerView& view,
                                                const std::string& text) {
  auto by_id = PersonById(view, text);
  if (!by_id.ok()) return FailStatus(args, by_id.status());
  if (by_id->has_value()) return text;
  auto named = PersonsNamed(view, text);
  if (!named.ok()) return FailStatus(args, named.status());
  if (named->size() == 1) {
    std::cerr << "probity " << args.command << ": " << text << " is " << (*named)[0].person << "\n";
    return (*named)[0].person;
  }
  if (named->empty()) return text;  // the command says it is not registered, as a server does
  std::string ids;
  for (const auto& p : *named)
    ids += (ids.empty() ? "" : ", ") + p.person + " (unit " + p.unit + ")";
  return Fail(args, kExitRefused,
              std::to_string(named->size()) + " persons are named '" + text + "': " + ids +
                  "; give the id");
}

int Record(const Args& args) {
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
  Lang lang = LangFromLocale();
  if (auto l = args.Option("lang")) {
    auto parsed = ParseLang(*l);
    if (!parsed) return Fail(args, kExitUsage, "--lang must be zh or en");
    lang = *parsed;
  }
  bool wide = args.Has("wide");
  if (args.remote()) {
    if (args.Has("include-sensitive")) return SensitiveIsRemote(args);
    std::string target = "/v1/persons/" + Client::Escape(args.positional[0]) + "/record";
    if (as_of.date) target += "?asOf=" + Client::Escape(*as_of.date);
    if (as_of.seq) target += "?asOfSeq=" + std::to_string(*as_of.seq);
    auto body = Remote::Read(args, target);
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(
        args, std::get<std::string>(body),
        [](std::string_view json) { return RecordFromJson(json); },
        [&](const PersonRecordReport& r) { PrintRecord(r, as_of, lang, wide); });
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto person = PersonByIdOrName(args, view, args.positional[0]);
  if (auto* code = std::get_if<int>(&person)) return *code;
  auto report =
      ReplayRecord(view, std::get<std::string>(person), as_of, args.Has("include-sensitive"));
  if (!report.ok()) return FailStatus(args, report.status());
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
  if (args.remote()) {
    std::string target = "/v1/roster?date=" + Client::Escape(date);
    if (auto city = args.Option("city")) target += "&city=" + Client::Escape(*city);
    auto body = Remote::Read(args, target);
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), RosterFromJson, PrintRoster);
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  auto report = probity::Roster((*ledger)->View(), date, args.Option("city"));
  if (!report.ok()) return FailStatus(args, report.status());
  if (args.Has("json")) {
    std::cout << RosterJson(*report) << "\n";
    return kExitOk;
  }
  PrintRoster(*report);
  return kExitOk;
}

int Eligibility(const Args& args) {
  auto year = ParseUint(args.positional[0]);
  if (!year || *year < 1900 || *year > 9999)
    return Fail(args, kExitUsage, "YEAR must be a year, e.g. 2019");
  std::string format = args.Option("format").value_or("table");
  if (args.Has("json")) format = "json";
  if (format != "table" && format != "csv" && format != "json" && format != "xlsx") {
    return Fail(args, kExitUsage, "--format must be table, csv, json or xlsx");
  }
  bool units = args.Has("units");
  if (args.remote()) return RemoteEligibility(args, static_cast<int>(*year), units, format);
  auto output = args.Option("output");
  if (output && output->size() > 5 && output->substr(output->size() - 5) == ".xlsx" &&
      !args.Option("format") && !args.Has("json"))
    format = "xlsx";
  if (format == "xlsx" && !output)
    return Fail(args, kExitUsage, "--format xlsx writes a file: add -o FILE.xlsx");
  if (output && format == "table")
    return Fail(args, kExitUsage,
                "-o writes csv, json or xlsx: add --format csv, --json, or name FILE.xlsx");
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = probity::Eligibility(view, static_cast<int>(*year), units);
  if (!report.ok()) return FailStatus(args, report.status());
  if (output) {
    auto basis = ExportBasisOf(
        view, "eligibility " + std::to_string(*year) + (units ? " --units" : ""), report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    std::string bytes = format == "json" ? JsonWithBasis(EligibilityJson(*report), *basis)
                        : format == "xlsx"
                            ? XlsxWithBasis(EligibilityTable(*report),
                                            "eligibility " + std::to_string(*year), *basis)
                            : CsvWithBasis(EligibilityCsv(*report), units ? 6 : 8, *basis);
    return WriteExport(args, *output, bytes, *basis);
  }
  if (format == "json") {
    std::cout << EligibilityJson(*report) << "\n";
    std::cerr << BasisLine(report->basis) << "\n";
    return kExitOk;
  }
  if (format == "csv") {
    std::cout << EligibilityCsv(*report);
    std::cerr << BasisLine(report->basis) << "\n";
    return kExitOk;
  }
  PrintEligibility(*report);
  return kExitOk;
}

int Leave(const Args& args) {
  if (args.remote()) {
    auto body = Remote::Read(args, "/v1/persons/" + Client::Escape(args.positional[0]) + "/leave");
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), LeaveFromJson, PrintLeave);
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  auto report = LeaveBalance((*ledger)->View(), args.positional[0]);
  if (!report.ok()) return FailStatus(args, report.status());
  if (args.Has("json")) {
    std::cout << LeaveJson(*report) << "\n";
    return kExitOk;
  }
  PrintLeave(*report);
  return kExitOk;
}

int Explanations(const Args& args) {
  std::optional<int> year;
  if (auto y = args.Option("year")) {
    auto v = ParseUint(*y);
    if (!v || *v > 9999) return Fail(args, kExitUsage, "--year must be a year, e.g. 2019");
    year = static_cast<int>(*v);
  }
  if (args.remote()) {
    std::string target = "/v1/explanations";
    if (year) target += "?year=" + std::to_string(*year);
    auto body = Remote::Read(args, target);
    if (auto* code = std::get_if<int>(&body)) return *code;
    if (args.Has("json")) return PrintBody(std::get<std::string>(body));
    return Render(args, std::get<std::string>(body), ExplanationsFromJson, PrintExplanations);
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  auto report = OpenExplanations((*ledger)->View(), year);
  if (!report.ok()) return FailStatus(args, report.status());
  if (args.Has("json")) {
    std::cout << ExplanationsJson(*report) << "\n";
    return kExitOk;
  }
  PrintExplanations(*report);
  return kExitOk;
}

int Unevaluated(const Args& args) {
  auto year = ParseUint(args.positional[0]);
  if (!year || *year < 1900 || *year > 9999)
    return Fail(args, kExitUsage, "YEAR must be a year, e.g. 2019");
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto report = probity::Unevaluated(view, static_cast<int>(*year));
  if (!report.ok()) return FailStatus(args, report.status());
  if (auto output = args.Option("output")) {
    auto basis = ExportBasisOf(view, "unevaluated " + std::to_string(*year), report->basis);
    if (!basis.ok()) return FailStatus(args, basis.status());
    return WriteExport(args, *output, JsonWithBasis(UnevaluatedJson(*report), *basis), *basis);
  }
  if (args.Has("json")) {
    std::cout << UnevaluatedJson(*report) << "\n";
    return kExitOk;
  }
  std::cout << report->persons.size() << (report->persons.size() == 1 ? " person" : " persons")
            << " served on site in " << report->year
            << " without an evaluation covering that service (R10)\n";
  for (const auto& p : report->persons) {
    std::cout << "  " << p.person << " " << Pad(p.name, 6) << " " << p.unit << "  ";
    for (size_t j = 0; j < p.assignments.size(); ++j)
      std::cout << (j ? ", " : "") << p.assignments[j];
    std::cout << "\n";
  }
  std::cout << BasisLine(report->basis) << "\n";
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
