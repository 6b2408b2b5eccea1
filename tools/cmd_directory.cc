// find, persons, units, keys: who and what the ledger holds, by name or id. From the local
// store, or with --server from GET /v1/persons, /v1/units and /v1/keys, whose answers are
// the documents --json prints here (projections/report_codec.h), read back and printed by
// the same printers, so that both forms print the same.
#include <iostream>
#include <variant>

#include "ledger/event.h"
#include "projections/report_codec.h"
#include "projections/reports.h"
#include "tools/client.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

// The persons find shows, as a server's /v1/persons answers at most.
constexpr size_t kFindLimit = 50;

// What the note under a list of persons cut at the limit tells to do.
constexpr const char* kNarrowHere = "narrow the search; 'probity persons TEXT' lists them all";
constexpr const char* kNarrowServer = "a server lists at most 50; narrow the search with TEXT";

void PrintPersons(const PersonsReport& r, const char* narrow) {
  for (const auto& p : r.persons) {
    std::cout << Pad(p.person, 10) << " " << Pad(Clip(p.name, 24), 24) << " " << Pad(p.unit, 8)
              << " " << p.category << "\n";
  }
  if (r.more) std::cout << "(the first " << r.persons.size() << " only: " << narrow << ")\n";
}

void PrintUnits(const UnitsReport& r) {
  for (const auto& u : r.units) {
    std::cout << Pad(u.unit, 8) << " " << Pad(Clip(u.name, 36), 36) << " " << u.kind
              << (u.province.empty() ? "" : " " + u.province) << "\n";
  }
}

void PrintKeys(const KeysReport& r) {
  std::cout << Pad("key id", 17) << Pad("role", 15) << Pad("scope", 9) << Pad("seq", 8)
            << "holder\n";
  for (const auto& k : r.keys) {
    std::string scope = k.info.unit.empty() ? k.info.person : k.info.unit;
    std::cout << HexEncode(k.key_id).substr(0, 16) << " " << Pad(RoleName(k.info.role), 15)
              << Pad(Clip(scope, 8), 9) << Pad(std::to_string(k.info.registered_seq), 8)
              << Clip(k.info.holder, 30)
              << (k.info.revoked_seq ? "  REVOKED at seq " + std::to_string(*k.info.revoked_seq)
                                     : "")
              << "\n";
  }
  std::cout << r.keys.size() << " keys; 'probity show SEQ' shows a registration whole\n";
}

// ---- asking the server ----

// "?q=TEXT", or "" for no TEXT (the server then lists them all).
std::string Query(const std::string& text) {
  return text.empty() ? std::string() : "?q=" + Client::Escape(text);
}

// A server's answer (or the exit status already reported) read with `decode`; an answer
// that does not decode is the server's failure: exit 3.
template <typename Report>
std::variant<Report, int> Decoded(const Args& args, const std::variant<std::string, int>& body,
                                  Result<Report> (*decode)(std::string_view)) {
  if (auto* code = std::get_if<int>(&body)) return *code;
  auto report = decode(std::get<std::string>(body));
  if (!report.ok())
    return Fail(args, kExitStore, "the server's answer is " + report.status().message());
  return std::move(*report);
}

// A server's document in --json: printed as the local command prints its own.
int PrintBody(const std::string& body) {
  std::cout << body << (body.empty() || body.back() != '\n' ? "\n" : "");
  return kExitOk;
}

// What find prints of what it found, from the store or a server. Nothing found is exit 1
// in both forms, as grep does, so that a script can test it.
int ShowFound(const Args& args, const std::string& text, const PersonsReport& persons,
              const UnitsReport& units, const char* narrow) {
  bool none = persons.persons.empty() && units.units.empty();
  if (args.Has("json")) {
    std::cout << FindJson(persons, units) << "\n";
    return none ? kExitRefused : kExitOk;
  }
  if (none)
    return Fail(args, kExitRefused, "no person or unit has '" + text + "' in its id or name");
  if (!persons.persons.empty()) {
    std::cout << "persons:\n";
    PrintPersons(persons, narrow);
  }
  if (!units.units.empty()) {
    std::cout << (persons.persons.empty() ? "" : "\n") << "units:\n";
    PrintUnits(units);
  }
  return kExitOk;
}

// find TEXT --server: GET /v1/persons?q=TEXT (the key's scope; at most 50) and
// /v1/units?q=TEXT. A key that may not search persons is refused (exit 1), as the server
// says, rather than shown the units alone as if no person matched.
int RemoteFind(const Args& args, const std::string& text) {
  auto opened = Remote::Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Remote& remote = *std::get<std::unique_ptr<Remote>>(opened);
  auto persons = Decoded(args, remote.Get("/v1/persons" + Query(text)), PersonsFromJson);
  if (auto* code = std::get_if<int>(&persons)) return *code;
  auto units = Decoded(args, remote.Get("/v1/units" + Query(text)), UnitsFromJson);
  if (auto* code = std::get_if<int>(&units)) return *code;
  return ShowFound(args, text, std::get<PersonsReport>(persons), std::get<UnitsReport>(units),
                   kNarrowServer);
}

}  // namespace

int Find(const Args& args) {
  const std::string& text = args.positional[0];
  if (text.empty())
    return Fail(args, kExitUsage, "TEXT must not be empty ('probity persons' lists everyone)");
  if (args.remote()) return RemoteFind(args, text);
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto persons = FindPersons(view, text, kFindLimit);
  if (!persons.ok()) return FailStatus(args, persons.status());
  auto units = FindUnits(view, text);
  if (!units.ok()) return FailStatus(args, units.status());
  return ShowFound(args, text, *persons, *units, kNarrowHere);
}

int Persons(const Args& args) {
  std::string text = args.positional.empty() ? "" : args.positional[0];
  PersonsReport persons;
  const char* narrow = kNarrowHere;
  if (args.remote()) {
    // A server lists at most 50, within the key's scope: the note under the list says
    // when more match.
    auto body = Remote::Read(args, "/v1/persons" + Query(text));
    if (args.Has("json") && std::holds_alternative<std::string>(body))
      return PrintBody(std::get<std::string>(body));
    auto decoded = Decoded(args, body, PersonsFromJson);
    if (auto* code = std::get_if<int>(&decoded)) return *code;
    persons = std::move(std::get<PersonsReport>(decoded));
    narrow = kNarrowServer;
  } else {
    auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
    if (!ledger.ok()) return FailStatus(args, ledger.status());
    auto found = FindPersons((*ledger)->View(), text, 0);
    if (!found.ok()) return FailStatus(args, found.status());
    persons = std::move(*found);
    if (args.Has("json")) {
      std::cout << PersonsJson(persons) << "\n";
      return kExitOk;
    }
  }
  PrintPersons(persons, narrow);
  std::cout << persons.persons.size() << " persons\n";
  return kExitOk;
}

int Units(const Args& args) {
  std::string text = args.positional.empty() ? "" : args.positional[0];
  UnitsReport units;
  if (args.remote()) {
    auto body = Remote::Read(args, "/v1/units" + Query(text));
    if (args.Has("json") && std::holds_alternative<std::string>(body))
      return PrintBody(std::get<std::string>(body));
    auto decoded = Decoded(args, body, UnitsFromJson);
    if (auto* code = std::get_if<int>(&decoded)) return *code;
    units = std::move(std::get<UnitsReport>(decoded));
  } else {
    auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
    if (!ledger.ok()) return FailStatus(args, ledger.status());
    auto found = FindUnits((*ledger)->View(), text);
    if (!found.ok()) return FailStatus(args, found.status());
    units = std::move(*found);
    if (args.Has("json")) {
      std::cout << UnitsJson(units) << "\n";
      return kExitOk;
    }
  }
  PrintUnits(units);
  std::cout << units.units.size() << " units\n";
  return kExitOk;
}

int Keys(const Args& args) {
  KeysReport keys;
  if (args.remote()) {
    auto body = Remote::Read(args, "/v1/keys");
    if (args.Has("json") && std::holds_alternative<std::string>(body))
      return PrintBody(std::get<std::string>(body));
    auto decoded = Decoded(args, body, KeysFromJson);
    if (auto* code = std::get_if<int>(&decoded)) return *code;
    keys = std::move(std::get<KeysReport>(decoded));
  } else {
    auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
    if (!ledger.ok()) return FailStatus(args, ledger.status());
    auto listed = ListKeys((*ledger)->View());
    if (!listed.ok()) return FailStatus(args, listed.status());
    keys = std::move(*listed);
    if (args.Has("json")) {
      std::cout << KeysJson(keys) << "\n";
      return kExitOk;
    }
  }
  PrintKeys(keys);
  return kExitOk;
}

}  // namespace probity::cli
