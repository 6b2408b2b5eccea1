# The access log (docs/formats.md, "The access log"): one entry per read of a person's
# record, an eligibility list or a sealed value through the server, in its own RFC 9162
# Merkle tree with its own signed checkpoints. Entries are canonical Cap'n Proto, hashed
# as leaves exactly as the main log's entries are. Stored and hashed, so ordinals are
# never reused or renumbered.

@0xf81c8128f318c660;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("probity::schema");

struct AccessEntry {
  seq @0 :UInt64;           # the entry's position in the access log, from 0
  recordedAt @1 :Int64;     # the server's clock when the read was answered, microseconds
  keyId @2 :Data;           # the reader's key id (32 bytes): SHA-256 of its raw public key
  logSize @3 :UInt64;       # the size of the main log the read was answered from
  what @4 :Text;            # "record", "leave", "eligibility", "entry"
  subjects @5 :List(Text);  # "person/ID" for a person's record, leave or sealed entry;
                            # "eligibility/YEAR" (or ".../units") for a list
  target @6 :Text;          # the request's target, path and query, as the reader signed it
  # The reader's own signature of the request (RFC 9421): the signature base and the
  # Ed25519 signature of it by keyId's key. Proves the reader asked; the server cannot
  # make up a read by someone else.
  signatureBase @7 :Data;
  signature @8 :Data;
}
