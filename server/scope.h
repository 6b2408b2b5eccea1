// Who may read what through the server (program-rules.md, "Who may read what"),
// decided here and nowhere else: from the principal (the role and scope of the key that
// signed the request, as the key registry holds it at the view's size) and the program's
// records (a person's unit, who leads which group, which unit guarantees which city).
// Pure functions over an immutable view; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "ledger/authority.h"
#include "ledger/state.h"
#include "ledger/status.h"

namespace probity::server {

// The signer of a request: a registered key, not revoked as of the view it reads.
struct Principal {
  schema::Role role = schema::Role::AUDITOR;
  std::string key_id;  // 64 lower-case hex digits
  std::string holder;
  std::string unit;    // dispatcher, guarantor, partyCommittee
  std::string person;  // groupLeader
};
std::string Describe(const Principal& p);  // "reviewer key 1a2b3c4d (张三)"

// What a request reads.
enum class Reading {
  kEntry,         // GET /v1/entries/SEQ: one entry as stored (sealed values withheld)
  kEntryBundles,  // GET /tile/entries/...: the exact entry bytes in bulk
  kRecord,        // a person's record (needs `person`)
  kPersons,       // search by id or name
  kRoster,        // rosters (a group leader: only its own group, see RosterGroupVisible)
  kEligibility,   // year-end lists
  kLeave,         // a person's leave balance (needs `person`)
  kExplanations,  // targets and explanations (a guarantor: only its own cities)
  kAccessLog,     // who read a person's record
  kSealed,        // sealed values in clear
  kUnits,         // the registered units (GET /v1/units): any registered key
  kKeys,          // the key registry, which names every key's holder (GET /v1/keys)
};

// How far a permitted read goes.
struct Grant {
  bool sealed = false;             // sealed values in clear (HR only)
  bool restriction_detail = true;  // R1 events shown; false: only "restricted: yes/no"
  // Rows limited to these scopes (empty: all): a dispatcher's unit for persons, a
  // guarantor's unit for cities, a group leader's person for rosters.
  std::string only_unit, only_person;
};

// Whether `p` may make `reading` (of `person`, when the reading is about one), judged on
// `state`. Refused (HTTP 403) says what the role may read instead; NotFound for a person
// that does not exist, but only to a principal that could read them if they did.
Result<Grant> MayRead(const Principal& p, Reading reading, const StateReader& state,
                      const std::optional<std::string>& person = std::nullopt);

// The principal of a key as the registry holds it; Refused (HTTP 401) when it is not
// registered or is revoked.
Result<Principal> PrincipalOf(const StateReader& state, const Hash& key_id);

}  // namespace probity::server
