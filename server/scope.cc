#include "server/scope.h"

#include "ledger/store.h"
#include "projections/records.h"

namespace probity::server {
namespace {

using R = schema::Role;

const char* What(Reading r) {
  switch (r) {
    case Reading::kEntry:
      return "entries";
    case Reading::kEntryBundles:
      return "entry bundles";
    case Reading::kRecord:
      return "a person's record";
    case Reading::kPersons:
      return "the list of persons";
    case Reading::kRoster:
      return "rosters";
    case Reading::kEligibility:
      return "eligibility lists";
    case Reading::kLeave:
      return "leave balances";
    case Reading::kExplanations:
      return "targets and explanations";
    case Reading::kAccessLog:
      return "the access log";
    case Reading::kSealed:
      return "sealed values";
    case Reading::kUnits:
      return "the list of units";
    case Reading::kKeys:
      return "the key registry";
  }
  return "that";
}

// What each role may read, in program-rules.md's words, for the refusal.
const char* Allowed(R role) {
  switch (role) {
    case R::HR:
      return "everything";
    case R::REVIEWER:
    case R::ENFORCEMENT:
    case R::ADMIN:
      return "every person's record, rosters and eligibility lists";
    case R::DISPATCHER:
      return "its own unit's persons' records and leave";
    case R::GROUP_LEADER:
      return "the roster of its own group and its own record";
    case R::PARTY_COMMITTEE:
      return "rosters";
    case R::GUARANTOR:
      return "the targets and explanations of its own cities";
    case R::AUDITOR:
      return "entries, checkpoints and proofs";
  }
  return "nothing";
}

Status Forbidden(const Principal& p, Reading r, const std::string& why = "") {
  return Status::Refused(RoleKey(p.role) + " may not read " + What(r) + why + "; it reads " +
                         Allowed(p.role) + " (program-rules.md, who may read what)");
}

// Whether `person` is registered (in force) to `unit`.
Result<bool> PersonOfUnit(const StateReader& state, const std::string& person,
                          const std::string& unit) {
  auto p = records::Get<records::Person>(state, PersonKey(person));
  if (!p.ok()) return p.status();
  return p->has_value() && (*p)->live() && (*p)->unit == unit;
}

}  // namespace

std::string Describe(const Principal& p) {
  return RoleName(p.role) + " key " + p.key_id.substr(0, 8) + " (" + p.holder + ")";
}

Result<Principal> PrincipalOf(const StateReader& state, const Hash& key_id) {
  auto key = LookUpKey(state, key_id);
  if (!key.ok()) return key.status();
  if (!key->has_value()) return Status::Refused("key " + HexEncode(key_id) + " is not registered");
  const KeyInfo& k = **key;
  if (k.revoked_seq) {
    return Status::Refused("key " + HexEncode(key_id) + " was revoked at seq " +
                           std::to_string(*k.revoked_seq));
  }
  return Principal{k.role, HexEncode(key_id), k.holder, k.unit, k.person};
}

Result<Grant> MayRead(const Principal& p, Reading reading, const StateReader& state,
                      const std::optional<std::string>& person) {
  Grant g;
  // A scoped role without its scope reads nothing: an empty scope must never mean "all".
  bool unit_scoped = p.role == R::DISPATCHER || p.role == R::GUARANTOR;
  if ((unit_scoped && p.unit.empty()) || (p.role == R::GROUP_LEADER && p.person.empty()))
    return Forbidden(p, reading, " (its key names no scope)");
  // The units are not in program-rules.md's read table: they are the program's own
  // organisation (the ministry's departments, its agencies and institutions, the provincial
  // departments, all named in the notice), not personal data, and every reader needs them
  // to read what it may (a record's unit, a roster's lead units). Any registered key reads
  // them; they are not a person's record, so the read is not in the access log.
  if (reading == Reading::kUnits) return g;
  // The key registry names every key's holder and scope: personal data, read by the roles
  // whose reads already name every signer (hr reads everything; reviewer, enforcement and
  // admin every person's record, each line naming its signer's key and holder; admin
  // registers the keys) and by the auditor, whose verification checks every signer against
  // the registry (program-rules.md, who may read what). Not a person's record, eligibility
  // list or sealed value, so not in the access log.
  if (reading == Reading::kKeys) {
    if (p.role == R::HR || p.role == R::REVIEWER || p.role == R::ENFORCEMENT ||
        p.role == R::ADMIN || p.role == R::AUDITOR)
      return g;
    return Forbidden(p, reading,
                     " (only hr, reviewer, enforcement, admin and auditor keys read it: it names "
                     "every key's holder)");
  }
  switch (p.role) {
    case R::HR:
      // Everything, but entries in bulk: interface.md gives entry bundles to auditors and
      // admins only (HR reads any entry one at a time, each read logged under its persons).
      if (reading == Reading::kEntryBundles) return Forbidden(p, reading);
      g.sealed = true;
      return g;
    case R::REVIEWER:
    case R::ENFORCEMENT:
    case R::ADMIN:
      switch (reading) {
        case Reading::kRecord:
        case Reading::kPersons:
        case Reading::kRoster:
        case Reading::kEligibility:
          return g;
        case Reading::kEntry:
          if (p.role != R::ENFORCEMENT) return g;
          break;
        case Reading::kEntryBundles:
          if (p.role == R::ADMIN) return g;
          break;
        default:
          break;
      }
      return Forbidden(p, reading);
    case R::DISPATCHER: {
      g.restriction_detail = false;  // of R1 only "restricted: yes/no"
      g.only_unit = p.unit;
      if (reading == Reading::kPersons) return g;
      if (reading != Reading::kRecord && reading != Reading::kLeave) return Forbidden(p, reading);
      if (!person) return Forbidden(p, reading);
      auto own = PersonOfUnit(state, *person, p.unit);
      if (!own.ok()) return own.status();
      if (!*own)
        return Forbidden(p, reading,
                         " (person '" + *person + "' is not registered to unit " + p.unit + ")");
      return g;
    }
    case R::GROUP_LEADER:
      g.only_person = p.person;
      if (reading == Reading::kRoster || reading == Reading::kPersons) return g;
      if (reading == Reading::kRecord && person && *person == p.person) return g;
      return Forbidden(p, reading, person ? " (person '" + *person + "' is not its own)" : "");
    case R::PARTY_COMMITTEE:
      if (reading == Reading::kRoster) return g;
      return Forbidden(p, reading);
    case R::GUARANTOR:
      g.only_unit = p.unit;
      if (reading == Reading::kExplanations) return g;
      return Forbidden(p, reading);
    case R::AUDITOR:
      if (reading == Reading::kEntry || reading == Reading::kEntryBundles) return g;
      return Forbidden(p, reading);
  }
  return Forbidden(p, reading);
}

}  // namespace probity::server
