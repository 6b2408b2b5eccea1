#include "ledger/authority.h"

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>

#include <cstring>

#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/store.h"
#include "schemas/state.capnp.h"

namespace probity {
namespace {

std::string EncodeKeyInfo(const KeyInfo& info) {
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::KeyRecord>();
  r.setPublicKey(capnp::Data::Reader(info.public_key.data(), info.public_key.size()));
  r.setRole(info.role);
  r.setHolder(info.holder);
  r.setUnit(info.unit);
  r.setPerson(info.person);
  r.setRegisteredSeq(info.registered_seq);
  r.setRevoked(info.revoked_seq.has_value());
  r.setRevokedSeq(info.revoked_seq.value_or(0));
  auto words = capnp::canonicalize(r.asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<KeyInfo> DecodeKeyInfo(const std::string& value) {
  if (value.size() % sizeof(capnp::word) != 0)
    return Status::Corrupt("key record is not word-aligned");
  auto words = kj::heapArray<capnp::word>(value.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), value.data(), value.size());
  KeyInfo info;
  auto err = kj::runCatchingExceptions([&]() {
    kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
    capnp::SegmentArrayMessageReader message(kj::arrayPtr(segments, 1));
    auto r = message.getRoot<schema::KeyRecord>();
    auto pk = r.getPublicKey();
    KJ_REQUIRE(pk.size() == 32);
    std::memcpy(info.public_key.data(), pk.begin(), 32);
    info.role = r.getRole();
    info.holder = r.getHolder();
    info.unit = r.getUnit();
    info.person = r.getPerson();
    info.registered_seq = r.getRegisteredSeq();
    if (r.getRevoked()) info.revoked_seq = r.getRevokedSeq();
  });
  if (err != nullptr) return Status::Corrupt("key record does not decode");
  return info;
}

Result<bool> Exists(const StateReader& state, const std::string& key) {
  auto v = state.Get(key);
  if (!v.ok()) return v.status();
  return v->has_value();
}

Result<std::string> GetOr(const StateReader& state, const std::string& key, std::string fallback) {
  auto v = state.Get(key);
  if (!v.ok()) return v.status();
  return v->value_or(std::move(fallback));
}

// The number of unrevoked admin keys; a stored record that is not a number is Corrupt.
Result<uint64_t> ActiveAdmins(const StateReader& state) {
  auto v = GetOr(state, kActiveAdminsKey, "0");
  if (!v.ok()) return v.status();
  auto n = ParseStoredSize(*v);
  if (!n) return Status::Corrupt("state record 'active-admins' is not a number: '" + *v + "'");
  return *n;
}

// The role that may append each event type (program-rules.md, "Who may sign what").
// No default: a new event type fails to compile (-Werror=switch) until it has a role.
std::optional<schema::Role> RoleFor(schema::Event::Which which) {
  using E = schema::Event;
  using R = schema::Role;
  switch (which) {
    case E::INVALID:
      return std::nullopt;
    case E::KEY_REGISTERED:
    case E::KEY_REVOKED:
    case E::UNIT_REGISTERED:
    case E::CITY_REGISTERED:
    case E::GROUP_FORMED:
    case E::GROUP_DISBANDED:
    case E::CALENDAR_PUBLISHED:
    case E::RETRACTION:
      return R::ADMIN;
    case E::PRINCIPAL_NAMED:
    case E::ERASURE:  // or admin: CheckAuthority

    case E::PERSON_REGISTERED:
    case E::RESTRICTION_RECORDED:
    case E::RESTRICTION_LIFTED:
    case E::LEAVE_GRANTED:
      return R::HR;
    case E::ASSIGNMENT_MADE:
    case E::ASSIGNMENT_ENDED:
    case E::TRAINING_COMPLETED:
      return R::DISPATCHER;
    case E::EVALUATION_RECORDED:
    case E::COMMENDATION_ISSUED:
    case E::CRITICISM_ISSUED:
    case E::TARGET_ASSESSED:
      return R::ENFORCEMENT;
    case E::REPORT_FILED:
      return R::GROUP_LEADER;
    case E::PARTY_BRANCH_FORMED:
      return R::PARTY_COMMITTEE;
    case E::EXPLANATION_SUBMITTED:
      return R::GUARANTOR;
  }
  return std::nullopt;
}

Status CheckKeyRegistration(const StateReader& state, schema::KeyRegistered::Reader k) {
  std::string pem = k.getPublicKey();
  auto pub = PublicKey::FromPem(pem);
  if (!pub.ok())
    return pub.status().WithContext("publicKey");  // malformed: Invalid; not Ed25519: Refused
  // Exactly one key in its canonical PEM (as keygen writes it): nothing before or after,
  // so that no second key or hidden text rides along in a signed registration.
  std::string canonical = pub->ToPem();
  if (pem != canonical && pem + "\n" != canonical) {
    return Status::Invalid(
        "publicKey must be exactly one PEM public key as 'probity keygen' writes it " +
        std::string("(the .pub file), with nothing before or after it"));
  }
  auto existing = LookUpKey(state, pub->KeyId());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Status::Refused(
        "key " + HexEncode(pub->KeyId()) + " is already registered" +
        ((*existing)->revoked_seq ? " (and revoked; a revoked key is never reinstated)" : ""));
  }
  auto role = k.getRole();
  bool scoped_unit = role == schema::Role::DISPATCHER || role == schema::Role::GUARANTOR ||
                     role == schema::Role::PARTY_COMMITTEE;
  bool scoped_person = role == schema::Role::GROUP_LEADER;
  if (scoped_unit != k.hasUnit()) {
    return Status::Refused(
        scoped_unit ? RoleKey(role) + " needs field 'unit'"
                    : "field 'unit' applies only to dispatcher, guarantor and partyCommittee keys");
  }
  if (scoped_person != k.hasPerson()) {
    return Status::Refused(scoped_person ? std::string("a groupLeader key needs field 'person'")
                                         : "field 'person' applies only to groupLeader keys");
  }
  return Status::Ok();
}

Status CheckKeyRevocation(const StateReader& state, schema::KeyRevoked::Reader k) {
  auto raw = HexDecode(std::string(k.getKeyId()));
  if (!raw.ok() || raw->size() != 32) {
    return Status::Invalid("field 'keyId' must be 64 lower-case hex digits");
  }
  Hash id;
  std::copy(raw->begin(), raw->end(), id.begin());
  auto key = LookUpKey(state, id);
  if (!key.ok()) return key.status();
  if (!key->has_value()) return Status::Refused("key " + HexEncode(id) + " is not registered");
  if ((*key)->revoked_seq) {
    return Status::Refused("key " + HexEncode(id) + " was already revoked at seq " +
                           std::to_string(*(*key)->revoked_seq));
  }
  if ((*key)->role == schema::Role::ADMIN) {
    auto admins = ActiveAdmins(state);
    if (!admins.ok()) return admins.status();
    if (*admins <= 1) {
      return Status::Refused("revoking the last admin key would leave the ledger without an admin");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string RoleKey(schema::Role role) {
  std::string name = RoleName(role);
  bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel || name == "hr" ? "an " : "a ") + name + " key";
}

std::string RoleName(schema::Role role) {
  auto schema = capnp::Schema::from<schema::Role>();
  for (auto e : schema.getEnumerants()) {
    if (e.getOrdinal() == static_cast<uint16_t>(role)) return e.getProto().getName();
  }
  return "unknown";
}

Result<std::optional<KeyInfo>> LookUpKey(const StateReader& state, const Hash& key_id) {
  auto v = state.Get(KeyRecordKey(key_id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<KeyInfo>();
  auto info = DecodeKeyInfo(**v);
  if (!info.ok()) return info.status();
  return std::optional<KeyInfo>(std::move(*info));
}

Result<std::vector<std::pair<Hash, KeyInfo>>> RegisteredKeys(const StateReader& state) {
  auto records = state.Scan(kKeyRecordPrefix);
  if (!records.ok()) return records.status();
  std::vector<std::pair<Hash, KeyInfo>> out;
  for (const auto& [key, value] : *records) {
    auto info = DecodeKeyInfo(value);
    if (!info.ok()) return info.status().WithContext("key record " + key);
    // A key's id is the SHA-256 of its raw public key (verify checks each record's key).
    out.emplace_back(Sha256(ByteSpan(info->public_key.data(), info->public_key.size())),
                     std::move(*info));
  }
  return out;
}

Status CheckAuthority(const StateReader& state, uint64_t seq, const Hash& signer,
                      schema::Event::Reader event, std::optional<KeyInfo>* signer_info) {
  if (seq == 0) {
    // Genesis: the admin key registers itself; nothing else can be first.
    if (!event.isKeyRegistered() || event.getKeyRegistered().getRole() != schema::Role::ADMIN) {
      return Status::Refused("the first entry must register the admin key");
    }
    auto pub = PublicKey::FromPem(std::string(event.getKeyRegistered().getPublicKey()));
    if (!pub.ok())
      return pub.status().WithContext("publicKey");  // malformed: Invalid; not Ed25519: Refused
    if (!ConstantTimeEqual(pub->KeyId(), signer)) {
      return Status::Refused("the genesis entry must be signed by the key it registers");
    }
    return Status::Ok();
  }
  auto found = LookUpKey(state, signer);
  if (!found.ok()) return found.status();
  if (!found->has_value())
    return Status::Refused("signer key " + HexEncode(signer) + " is not registered");
  const KeyInfo& key = **found;
  if (signer_info) *signer_info = key;
  if (key.revoked_seq) {
    return Status::Refused("signer key " + HexEncode(signer) + " was revoked at seq " +
                           std::to_string(*key.revoked_seq));
  }
  std::string type = EventTypeName(event.which());
  auto needed = RoleFor(event.which());
  if (!needed) return Status::Invalid("event has no type");
  bool admin_erases = event.isErasure() && key.role == schema::Role::ADMIN;
  if (key.role != *needed && !admin_erases) {
    return Status::Refused(RoleKey(key.role) + " may not append " + type + " (only " +
                           RoleName(*needed) + ")");
  }
  switch (event.which()) {
    case schema::Event::KEY_REGISTERED:
      return CheckKeyRegistration(state, event.getKeyRegistered());
    case schema::Event::KEY_REVOKED:
      return CheckKeyRevocation(state, event.getKeyRevoked());
    case schema::Event::RETRACTION: {
      // An erasure deleted data for good: withdrawing it could not bring it back.
      auto erasure = Exists(state, ErasureKey(event.getRetraction().getTarget()));
      if (!erasure.ok()) return erasure.status();
      if (*erasure) {
        return Status::Refused("seq " + std::to_string(event.getRetraction().getTarget()) +
                               " is an erasure, which cannot be retracted (R15, sealed fields)");
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

Status ApplyAuthority(StateTxn& txn, uint64_t seq, schema::Event::Reader event) {
  switch (event.which()) {
    case schema::Event::KEY_REGISTERED: {
      auto k = event.getKeyRegistered();
      auto pub = PublicKey::FromPem(std::string(k.getPublicKey()));
      if (!pub.ok()) return pub.status();
      KeyInfo info;
      info.public_key = pub->raw();
      info.role = k.getRole();
      info.holder = k.getHolder();
      info.unit = k.getUnit();
      info.person = k.getPerson();
      info.registered_seq = seq;
      txn.Put(KeyRecordKey(pub->KeyId()), EncodeKeyInfo(info));
      if (info.role == schema::Role::ADMIN) {
        auto n = ActiveAdmins(txn);
        if (!n.ok()) return n.status();
        txn.Put(kActiveAdminsKey, std::to_string(*n + 1));
      }
      return Status::Ok();
    }
    case schema::Event::KEY_REVOKED: {
      auto raw = HexDecode(std::string(event.getKeyRevoked().getKeyId()));
      if (!raw.ok() || raw->size() != 32) return Status::Invalid("bad keyId");
      Hash id;
      std::copy(raw->begin(), raw->end(), id.begin());
      auto key = LookUpKey(txn, id);
      if (!key.ok()) return key.status();
      if (!key->has_value()) return Status::Refused("key is not registered");
      KeyInfo info = **key;
      info.revoked_seq = seq;
      txn.Put(KeyRecordKey(id), EncodeKeyInfo(info));
      if (info.role == schema::Role::ADMIN) {
        auto n = ActiveAdmins(txn);
        if (!n.ok()) return n.status();
        if (*n == 0)
          return Status::Corrupt("state record 'active-admins' is 0 while an admin key is revoked");
        txn.Put(kActiveAdminsKey, std::to_string(*n - 1));
      }
      return Status::Ok();
    }
    case schema::Event::ERASURE:
      txn.Put(ErasureKey(seq), "");
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

}  // namespace probity
