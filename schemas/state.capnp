# Derived state kept beside the log (column family "state"). Not signed: every
# record can be rebuilt from the log, and `probity rebuild` does. Stored, so
# ordinals are never reused. Keys and layout: docs/formats.md ("State").

@0xe0b3c9a1d4f27e55;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("probity::schema");

using Event = import "event.capnp";

# "key/<64 hex key id>"
struct KeyRecord {
  publicKey @0 :Data;              # raw 32-byte Ed25519 public key
  role @1 :Event.Role;
  unit @2 :Text;                   # dispatcher, guarantor
  person @3 :Text;                 # groupLeader
  registeredSeq @4 :UInt64;
  revoked @5 :Bool;
  revokedSeq @6 :UInt64;
  holder @7 :Text;
}
