# The signed event body, the envelope that carries its signature, and the
# stored log entry. These are signed and stored formats: ordinals and enum
# values are never reused or renumbered (a retired one stays as a comment),
# and every change comes with a format version. Byte layout: docs/formats.md.
#
# JSON (docs/formats.md, docs/interface.md): one object per event, the
# discriminator `type` names the union member and the member's fields are
# flattened beside it. Cap'n Proto's codec drops unknown keys, maps an unknown
# `type` to the first member and defaults missing fields, so ledger/event_json.cc
# checks the raw JSON against this schema first; `$optional` marks the only
# fields that may be absent.

@0xa4c2439d0c6973ba;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("probity::schema");

using Json = import "/capnp/compat/json.capnp";

annotation optional @0xd1f4f2a8e3c6b701 (field) :Void;
# The field may be absent in JSON. Every other field is required.

annotation sealed @0xe7a3c1f25b8d4e09 (field) :Text;
# A sealed field (format v2; program-rules.md, "Sealed fields") is of type Sealed:
# the signed body holds only a salted commitment to the value, and the value with
# its salt is kept beside the log (docs/formats.md, "Sealed values"). The annotation
# names the type of the clear value: an enum of this file, written in JSON by its
# enumerant's name. To seal another field later, give it type Sealed and this mark.

struct Sealed {
  commitment @0 :Data $Json.hex;   # SHA-256(salt[32] || value), 32 bytes
}

struct Subject {
  union {
    person @0 :Text;
    unit @1 :Text;
  }
}

enum UnitKind {
  ministryDepartment @0;
  dispatchedAgency @1;
  affiliatedInstitution @2;
  provincialDepartment @3;
}

enum StaffCategory {
  civilServant @0;
  referenceManaged @1;
  publicInstitution @2;
  contract @3;
}

enum Role {
  admin @0;
  hr @1;
  dispatcher @2;
  enforcement @3;
  groupLeader @4;
  partyCommittee @5;
  guarantor @6;
  auditor @7;
  reviewer @8;
}

enum Region {
  jingjinji @0;
  fenwei @1;
}

enum GroupKind {
  central @0;
  ordinary @1;
  special @2;
}

enum Course {
  business @0;
  integrity @1;
}

enum TrainingMode {
  centralized @0;
  video @1;
  tiered @2;
  other @3;                        # the notice's list is open (等); a note says which
}

enum RestrictionReason {
  pregnancy @0;
  breastfeeding @1;
  health @2;
}

enum Position {
  leader @0;
  member @1;
}

enum EndReason {
  completed @0;
  recalled @1;
}

enum LeaveKind {
  compensatory @0;
  rotation @1;
}

enum ReportKind {
  workReport @0;
  problemFound @1;
  assistance @2;
}

enum Grade {
  outstanding @0;
  good @1;
  adequate @2;
  poor @3;
}

enum Recipient {
  ministryLeaders @0;
  hrDepartment @1;
  partyCommittee @2;
  sendingUnit @3;
}

enum Ground {
  poorPerformance @0;
  badAttitude @1;
  workDiscipline @2;
  integrityDiscipline @3;
  poorOrganisation @4;
}

enum TargetScope {
  annual @0;
  final @1;
}

# Dates are Text "YYYY-MM-DD", business dates in China Standard Time (UTC+8);
# ledger/event_json.cc refuses anything that is not a real calendar date.

struct UnitRegistered {
  unit @0 :Text;
  name @1 :Text;
  kind @2 :UnitKind;
  province @3 :Text $optional;     # two-digit GB/T 2260 code; provincialDepartment only (R16)
}

struct PrincipalNamed {
  unit @0 :Text;
  name @1 :Text;
  date @2 :Text;
}

struct CalendarPublished {
  year @0 :UInt16;
  holidays @1 :List(Text);         # statutory public holidays (dates)
  workdays @2 :List(Text);         # make-up working days (调休)
}

struct Erasure {
  target @0 :UInt64;               # the seq whose sealed values are deleted
  reason @1 :Text;
}

struct PersonRegistered {
  person @0 :Text;
  name @1 :Text;
  unit @2 :Text;
  category @3 :StaffCategory;
}

struct KeyRegistered {
  publicKey @0 :Text;              # SubjectPublicKeyInfo PEM of an Ed25519 key
  holder @1 :Text;
  role @2 :Role;
  unit @3 :Text $optional;         # required for dispatcher, guarantor and partyCommittee
  person @4 :Text $optional;       # required for groupLeader
}

struct KeyRevoked {
  keyId @0 :Text;                  # 64 lowercase hex digits
  reason @1 :Text;
}

struct CityRegistered {
  city @0 :Text;
  name @1 :Text;
  region @2 :Region;
  guarantor @3 :Text;
}

struct GroupFormed {
  group @0 :Text;
  city @1 :Text;
  kind @2 :GroupKind;
  leadUnit @3 :Text;
  date @4 :Text;
  task @5 :Text $optional;
}

struct GroupDisbanded {
  group @0 :Text;
  date @1 :Text;
}

struct PartyBranchFormed {
  city @0 :Text;
  leadUnit @1 :Text;
  secretary @2 :Text;
  date @3 :Text;
}

struct TrainingCompleted {
  person @0 :Text;
  course @1 :Course;
  mode @2 :TrainingMode;
  date @3 :Text;
  note @4 :Text $optional;         # required for mode `other`
}

struct RestrictionRecorded {
  person @0 :Text;
  reason @1 :Sealed $sealed("RestrictionReason");  # v1: RestrictionReason in the clear
  from @2 :Text;
  until @3 :Text $optional;
}

struct RestrictionLifted {
  person @0 :Text;
  date @1 :Text;
}

struct AssignmentMade {
  assignment @0 :Text;
  person @1 :Text;
  group @2 :Text;
  from @3 :Text;
  to @4 :Text;
  position @5 :Position;
}

struct AssignmentEnded {
  assignment @0 :Text;
  date @1 :Text;
  reason @2 :EndReason;
}

struct LeaveGranted {
  person @0 :Text;
  days @1 :UInt32;
  kind @2 :LeaveKind;
  from @3 :Text;
}

struct ReportFiled {
  group @0 :Text;
  date @1 :Text;
  kind @2 :ReportKind;
  summary @3 :Text;
}

struct EvaluationRecorded {
  evaluation @0 :Text;
  subject @1 :Subject;
  period @2 :Text;
  grade @3 :Grade;
  summary @4 :Text;
  date @5 :Text;
  distributedTo @6 :List(Recipient);
}

struct CommendationIssued {
  subject @0 :Subject;
  reason @1 :Text;
  date @2 :Text;
  evaluation @3 :Text;             # R11 (optional in format v1)
}

struct CriticismIssued {
  subject @0 :Subject;
  ground @1 :Ground;
  reason @2 :Text;
  date @3 :Text;
  evaluation @4 :Text;             # R12 (optional in format v1)
}

struct TargetAssessed {
  city @0 :Text;
  year @1 :UInt16;
  scope @2 :TargetScope;
  met @3 :Bool;
  date @4 :Text;
}

struct ExplanationSubmitted {
  city @0 :Text;
  year @1 :UInt16;
  scope @2 :TargetScope;
  unit @3 :Text;
  date @4 :Text;
  summary @5 :Text;
  principal @6 :Text;              # the guarantor unit's principal (R17)
}

struct Retraction {
  target @0 :UInt64;               # the seq it withdraws
  reason @1 :Text;
}

# The signed body. Signed bytes: docs/formats.md ("Signature").
struct Event $Json.discriminator(name = "type") {
  id @0 :Text $optional;           # required from format v2 on ('sign' makes one); makes
                                   # every submission idempotent
  union {
    invalid @1 :Void;              # never valid; what a defaulted Event reads as
    unitRegistered @2 :UnitRegistered $Json.flatten();
    personRegistered @3 :PersonRegistered $Json.flatten();
    keyRegistered @4 :KeyRegistered $Json.flatten();
    keyRevoked @5 :KeyRevoked $Json.flatten();
    cityRegistered @6 :CityRegistered $Json.flatten();
    groupFormed @7 :GroupFormed $Json.flatten();
    groupDisbanded @8 :GroupDisbanded $Json.flatten();
    partyBranchFormed @9 :PartyBranchFormed $Json.flatten();
    trainingCompleted @10 :TrainingCompleted $Json.flatten();
    restrictionRecorded @11 :RestrictionRecorded $Json.flatten();
    restrictionLifted @12 :RestrictionLifted $Json.flatten();
    assignmentMade @13 :AssignmentMade $Json.flatten();
    assignmentEnded @14 :AssignmentEnded $Json.flatten();
    leaveGranted @15 :LeaveGranted $Json.flatten();
    reportFiled @16 :ReportFiled $Json.flatten();
    evaluationRecorded @17 :EvaluationRecorded $Json.flatten();
    commendationIssued @18 :CommendationIssued $Json.flatten();
    criticismIssued @19 :CriticismIssued $Json.flatten();
    targetAssessed @20 :TargetAssessed $Json.flatten();
    explanationSubmitted @21 :ExplanationSubmitted $Json.flatten();
    retraction @22 :Retraction $Json.flatten();
    principalNamed @23 :PrincipalNamed $Json.flatten();
    calendarPublished @24 :CalendarPublished $Json.flatten();
    erasure @25 :Erasure $Json.flatten();
  }
}

# An event with its signature. `body` is the canonical encoding of one Event,
# exactly the bytes that follow the domain prefix in the signed message.
struct Envelope {
  body @0 :Data;
  keyId @1 :Data;                  # SHA-256 of the signer's raw 32-byte public key
  signature @2 :Data;              # Ed25519, 64 bytes
}

# What the log stores at one seq; its canonical encoding is the Merkle leaf's
# input (leaf hash = SHA-256(0x00 || canonical Entry)).
struct Entry {
  seq @0 :UInt64;
  recordedAt @1 :Int64;            # microseconds since 1970-01-01T00:00:00Z
  envelope @2 :Envelope;
}
