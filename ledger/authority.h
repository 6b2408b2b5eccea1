// Who may append what: the key registry (keys, roles, scopes, revocations) folded
// from the log, and the check of one signer's role against one event at one seq. The
// same code runs at append time and in verify, so both judge a signer identically.
// What a scope allows (a dispatcher's unit's persons, a guarantor's cities) is the
// program's, judged from its records by the Rules (projections/program.cc).
// Stateless functions over a StateReader/StateTxn; thread-safety is the state's.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/state.h"
#include "ledger/status.h"
#include "schemas/event.capnp.h"

namespace probity {

struct KeyInfo {
  std::array<uint8_t, 32> public_key{};
  schema::Role role = schema::Role::AUDITOR;
  std::string holder;
  std::string unit;    // dispatcher, guarantor, partyCommittee: the scope, as registered
  std::string person;  // groupLeader
  uint64_t registered_seq = 0;
  std::optional<uint64_t> revoked_seq;
};

std::string RoleName(schema::Role role);
// "a dispatcher key", "an auditor key", "an hr key": the role's name with its article, as
// messages name a key.
std::string RoleKey(schema::Role role);

// The key registered under `key_id`, or nullopt.
Result<std::optional<KeyInfo>> LookUpKey(const StateReader& state, const Hash& key_id);

// Every key the registry holds (revoked ones too), with its key id, by key id.
Result<std::vector<std::pair<Hash, KeyInfo>>> RegisteredKeys(const StateReader& state);

// Whether the key `signer` may append `event` as entry `seq`, judged on the state
// built from entries [0, seq). Refusals are Status::Refused and say why, with the
// rule id where program-rules.md has one. At seq 0 only the genesis event is allowed:
// an admin key registering itself. When it passes and `signer_info` is given, it holds
// the signer's registered key (left empty for the genesis entry).
Status CheckAuthority(const StateReader& state, uint64_t seq, const Hash& signer,
                      schema::Event::Reader event, std::optional<KeyInfo>* signer_info = nullptr);

// Folds the registry's part of `event` (keys, revocations, erasures) into `txn`. Call
// only after CheckAuthority passed.
Status ApplyAuthority(StateTxn& txn, uint64_t seq, schema::Event::Reader event);

}  // namespace probity
