# The program's reports (projections/reports.h) as they leave the process: the
# command line's `--json` and the HTTP server's answers are both these structs,
# written by one encoder (projections/report_codec.h), so the two cannot drift.
# Not stored and not signed: ordinals may be renumbered as long as the JSON stays
# what docs/interface.md and the CLI's transcripts say.
#
# JSON, as ReportJson (projections/report_codec.cc) writes it:
#   * field names are the JSON keys, written in ordinal order (declare fields in the
#     order their keys appear); no whitespace;
#   * Text is a JSON string, raw UTF-8, with `"`, `\`, \n, \r, \t escaped and every
#     other control character written \u00XX; every integer, 64-bit ones included,
#     is a JSON number; Bool is true/false; an enum is its enumerant's name;
#   * of an unnamed union only the member that is set is written, and a Void member
#     writes nothing: that is how a scalar is left out (asOfSeq, withdrawnBy);
#   * a pointer field marked $omitIfUnset is left out when it was never set, one
#     marked $nullIfUnset is written `null`; any other unset field is written as its
#     default ("" for Text, [] for a list);
#   * a Text field marked $rawJson holds one JSON value, written as it is (the
#     event of a record line, already JSON); `null` when unset.

@0x9fde179a061397bc;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("probity::schema::reports");

using Event = import "event.capnp";

annotation omitIfUnset @0xdab0effd8f1470cf (field) :Void;
# The key is left out when the field (a pointer) was never set.

annotation nullIfUnset @0xbc53a7cddda178e3 (field) :Void;
# The value is `null` when the field (a pointer) was never set.

annotation rawJson @0x8953c5676f8e3199 (field) :Void;
# A Text field holding one JSON value, written raw rather than as a string.

# The tree a report was computed on (ReportBasis): `checkpoint` in every report.
struct Checkpoint {
  treeSize @0 :UInt64;
  root @1 :Text;                   # hex
}

# ---- record PERSON --------------------------------------------------------------
struct RecordEvent {
  seq @0 :UInt64;
  date @1 :Text;                   # business date (CST)
  type @2 :Text;
  signer @3 :Text;                 # key id prefix and holder
  withdrawn @4 :Bool;
  union {
    notWithdrawn @5 :Void;
    withdrawnBy @6 :UInt64;        # the retraction's seq
  }
  withdrawnReason @7 :Text $omitIfUnset;  # set exactly when withdrawnBy is
  event @8 :Text $rawJson;         # the event as JSON (an object)
}

struct PersonRecordReport {
  person @0 :Text;
  name @1 :Text;
  unit @2 :Text;
  category @3 :Text;
  union {
    latest @4 :Void;               # the ledger as it stands
    asOf @5 :Text;                 # --as-of DATE
    asOfSeq @6 :UInt64;            # --as-of-seq SEQ
  }
  events @7 :List(RecordEvent);
  checkpoint @8 :Checkpoint;
  # Only in a dispatcher's view through the server, which leaves R1's events out: "yes"
  # when a restriction is in force on the record's date (as of its seq), else "no".
  restricted @9 :Text $omitIfUnset;
}

# ---- roster ---------------------------------------------------------------------
struct RosterMember {
  person @0 :Text;
  name @1 :Text;
  unit @2 :Text;
  position @3 :Event.Position;
  from @4 :Text;
  to @5 :Text;
  recallDue @6 :Bool;              # R1: to be recalled (never says why)
}

struct RosterGroup {
  group @0 :Text;
  kind @1 :Text;
  leadUnit @2 :Text;
  leadUnitName @3 :Text;
  leader @4 :RosterMember $nullIfUnset;
  members @5 :List(RosterMember);
  task @6 :Text $omitIfUnset;      # groupFormed's task; left out when it names none
}

struct RosterCity {
  city @0 :Text;
  name @1 :Text;
  region @2 :Text;
  secretary @3 :Text;              # "" when none is named
  secretaryName @4 :Text;
  groups @5 :List(RosterGroup);
}

struct RosterReport {
  date @0 :Text;
  cities @1 :List(RosterCity);
  checkpoint @2 :Checkpoint;
}

# ---- eligibility YEAR (R13, R14) ------------------------------------------------
# `--json` prints the list alone (persons or units), one element a line; the
# checkpoint goes to stderr.
struct PersonEligibility {
  person @0 :Text;
  name @1 :Text;
  unit @2 :Text;
  category @3 :Text;
  outcomes @4 :List(Text);
  reviewRequired @5 :Bool;
  reasons @6 :Text;
  events @7 :List(UInt64);         # seqs
}

struct UnitEligibility {
  unit @0 :Text;
  name @1 :Text;
  outcomes @2 :List(Text);
  reviewRequired @3 :Bool;
  reasons @4 :Text;
  events @5 :List(UInt64);         # seqs
}

struct EligibilityReport {
  year @0 :Int32;
  union {
    persons @1 :List(PersonEligibility);
    units @2 :List(UnitEligibility);
  }
  checkpoint @3 :Checkpoint;
}

# ---- leave PERSON (R5) ----------------------------------------------------------
struct LeaveReport {
  person @0 :Text;
  accrued @1 :UInt32;              # days
  granted @2 :UInt32;
  left @3 :UInt32;
  rotationGranted @4 :UInt32;
  checkpoint @5 :Checkpoint;
}

# ---- explanations (R9) ----------------------------------------------------------
struct OpenExplanation {
  city @0 :Text;
  name @1 :Text;
  year @2 :Int32;
  scope @3 :Text;
  guarantor @4 :Text;
  assessedOn @5 :Text;
  seq @6 :UInt64;                  # the targetAssessed event
}

struct ExplanationsReport {
  open @0 :List(OpenExplanation);
  checkpoint @1 :Checkpoint;
}

# ---- unevaluated YEAR (R10) -----------------------------------------------------
struct UnevaluatedPerson {
  person @0 :Text;
  name @1 :Text;
  unit @2 :Text;
  assignments @3 :List(Text);      # the uncovered ones, in the order made
}

struct UnevaluatedReport {
  year @0 :Int32;
  persons @1 :List(UnevaluatedPerson);
  checkpoint @2 :Checkpoint;
}
