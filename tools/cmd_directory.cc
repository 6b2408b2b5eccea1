// find, persons, units, keys: who and what the ledger holds, by name or id.
#include <iostream>

#include "ledger/event.h"
#include "projections/reports.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

constexpr size_t kFindLimit = 50;

std::string PersonJson(const PersonRow& p) {
  return "{\"person\":" + JsonQuote(p.person) + ",\"name\":" + JsonQuote(p.name) +
         ",\"unit\":" + JsonQuote(p.unit) + ",\"category\":" + JsonQuote(p.category) + "}";
}

std::string UnitJson(const UnitRow& u) {
  return "{\"unit\":" + JsonQuote(u.unit) + ",\"name\":" + JsonQuote(u.name) +
         ",\"kind\":" + JsonQuote(u.kind) +
         (u.province.empty() ? std::string() : ",\"province\":" + JsonQuote(u.province)) + "}";
}

void PrintPersons(const PersonsReport& r) {
  for (const auto& p : r.persons) {
    std::cout << Pad(p.person, 10) << " " << Pad(Clip(p.name, 24), 24) << " " << Pad(p.unit, 8)
              << " " << p.category << "\n";
  }
  if (r.more) {
    std::cout << "(the first " << r.persons.size()
              << " only: narrow the search; 'probity persons TEXT' lists them all)\n";
  }
}

void PrintUnits(const UnitsReport& r) {
  for (const auto& u : r.units) {
    std::cout << Pad(u.unit, 8) << " " << Pad(Clip(u.name, 36), 36) << " " << u.kind
              << (u.province.empty() ? "" : " " + u.province) << "\n";
  }
}

template <typename T>
std::string JsonList(const char* name, const std::vector<T>& items, std::string (*one)(const T&)) {
  std::string out = std::string("\"") + name + "\":[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + one(items[i]);
  return out + "]";
}

}  // namespace

int Find(const Args& args) {
  const std::string& text = args.positional[0];
  if (text.empty())
    return Fail(args, kExitUsage, "TEXT must not be empty ('probity persons' lists everyone)");
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView view = (*ledger)->View();
  auto persons = FindPersons(view, text, kFindLimit);
  if (!persons.ok()) return FailStatus(args, persons.status());
  auto units = FindUnits(view, text);
  if (!units.ok()) return FailStatus(args, units.status());
  // Nothing found is exit 1 in both forms, as grep does, so that a script can test it.
  bool none = persons->persons.empty() && units->units.empty();
  if (args.Has("json")) {
    std::cout << "{" << JsonList("persons", persons->persons, PersonJson)
              << ",\"more\":" << (persons->more ? "true" : "false") << ","
              << JsonList("units", units->units, UnitJson) << "}\n";
    return none ? kExitRefused : kExitOk;
  }
  if (none)
    return Fail(args, kExitRefused, "no person or unit has '" + text + "' in its id or name");
  if (!persons->persons.empty()) {
    std::cout << "persons:\n";
    PrintPersons(*persons);
  }
  if (!units->units.empty()) {
    std::cout << (persons->persons.empty() ? "" : "\n") << "units:\n";
    PrintUnits(*units);
  }
  return kExitOk;
}

int Persons(const Args& args) {
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  std::string text = args.positional.empty() ? "" : args.positional[0];
  auto persons = FindPersons((*ledger)->View(), text, 0);
  if (!persons.ok()) return FailStatus(args, persons.status());
  if (args.Has("json")) {
    std::cout << "{" << JsonList("persons", persons->persons, PersonJson) << "}\n";
    return kExitOk;
  }
  PrintPersons(*persons);
  std::cout << persons->persons.size() << " persons\n";
  return kExitOk;
}

int Units(const Args& args) {
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  std::string text = args.positional.empty() ? "" : args.positional[0];
  auto units = FindUnits((*ledger)->View(), text);
  if (!units.ok()) return FailStatus(args, units.status());
  if (args.Has("json")) {
    std::cout << "{" << JsonList("units", units->units, UnitJson) << "}\n";
    return kExitOk;
  }
  PrintUnits(*units);
  std::cout << units->units.size() << " units\n";
  return kExitOk;
}

int Keys(const Args& args) {
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  auto keys = ListKeys((*ledger)->View());
  if (!keys.ok()) return FailStatus(args, keys.status());
  if (args.Has("json")) {
    std::string out = "{\"keys\":[";
    for (size_t i = 0; i < keys->keys.size(); ++i) {
      const auto& k = keys->keys[i];
      out += (i ? "," : "") + std::string("{\"keyId\":\"") + HexEncode(k.key_id) +
             "\",\"holder\":" + JsonQuote(k.info.holder) +
             ",\"role\":" + JsonQuote(RoleName(k.info.role));
      if (!k.info.unit.empty()) out += ",\"unit\":" + JsonQuote(k.info.unit);
      if (!k.info.person.empty()) out += ",\"person\":" + JsonQuote(k.info.person);
      out += ",\"registeredSeq\":" + std::to_string(k.info.registered_seq) + ",\"revokedSeq\":" +
             (k.info.revoked_seq ? std::to_string(*k.info.revoked_seq) : "null") + "}";
    }
    std::cout << out << "]}\n";
    return kExitOk;
  }
  std::cout << Pad("key id", 17) << Pad("role", 15) << Pad("scope", 9) << Pad("seq", 8)
            << "holder\n";
  for (const auto& k : keys->keys) {
    std::string scope = k.info.unit.empty() ? k.info.person : k.info.unit;
    std::cout << HexEncode(k.key_id).substr(0, 16) << " " << Pad(RoleName(k.info.role), 15)
              << Pad(Clip(scope, 8), 9) << Pad(std::to_string(k.info.registered_seq), 8)
              << Clip(k.info.holder, 30)
              << (k.info.revoked_seq ? "  REVOKED at seq " + std::to_string(*k.info.revoked_seq)
                                     : "")
              << "\n";
  }
  std::cout << keys->keys.size() << " keys; 'probity show SEQ' shows a registration whole\n";
  return kExitOk;
}

}  // namespace probity::cli
