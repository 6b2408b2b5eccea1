// Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1") and a witness
// for one log kept in a directory (c2sp.org/tlog-witness add-checkpoint): a second party that
// cosigns a checkpoint only if it extends, consistently, the last checkpoint it cosigned.
// Format functions are pure and thread-safe. AddCheckpoint holds an exclusive flock(2) on the
// state directory while it checks and updates it, so concurrent calls (any process) serialise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/note.h"
#include "ledger/status.h"

namespace probity::witness {

// Cosignature grammar (see witness.cc for the full text):
//
//   cosig-line = U+2014 " " name " " base64(key_id[4] || timestamp[8] || signature[64]) "\n"
//   key_id     = SHA-256(name || 0x0A || 0x04 || pubkey[32])[0:4], big-endian
//   timestamp  = POSIX seconds, big-endian, at most 2^63 - 1
//   signature  = Ed25519("cosignature/v1\n" "time " decimal(timestamp) "\n" checkpoint-text)
//
// A cosigner vkey is  name "+" hex8(key_id) "+" base64(0x04 || pubkey).

inline constexpr uint8_t kCosignatureV1Type = 0x04;
inline constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;
// tlog-witness: "The client MUST NOT send more than 63 consistency proof lines."
inline constexpr size_t kMaxProofLines = 63;

// The C2SP cosignature/v1 key id of `key` under `name`.
uint32_t CosignatureKeyId(std::string_view name, const PublicKey& key);

// A witness (cosigner) whose cosignatures we check.
struct CosignerKey {
  std::string name;
  uint32_t key_id;
  PublicKey key;

  // The cosigner `key` under `name`. Invalid unless note::IsValidKeyName(name). This is
  // also how to use a witness published as a plain Ed25519 (0x01) note vkey: parse it with
  // note::Verifier::FromVkey, then For(v.name, v.key); the key id changes, the key does not.
  static Result<CosignerKey> For(std::string_view name, const PublicKey& key);
  // Parses "name+hex8+base64(0x04 || key)". Invalid unless the name is valid, the key id is
  // 8 lower-case hex digits that match, and the type byte is 0x04 with 32 key bytes.
  static Result<CosignerKey> FromVkey(std::string_view vkey);
  std::string Vkey() const;
};

// The message a cosignature/v1 signs: "cosignature/v1\ntime <timestamp>\n" + checkpoint_text.
std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp);

// The cosignature line "— name base64(...)\n" by `key` over `checkpoint_text` (a checkpoint
// note's text, final "\n" included, no signature lines). Invalid if the text is not a
// checkpoint (note::ParseCheckpoint), the name is not a valid key name, or the timestamp
// exceeds kMaxTimestamp.
Result<std::string> CosignatureLine(std::string_view checkpoint_text, std::string_view name,
                                    const PrivateKey& key, uint64_t timestamp_seconds);

struct Cosignature {
  std::string name;    // the witness
  uint64_t timestamp;  // POSIX seconds it claims (the largest, if it cosigned more than once)
  friend bool operator==(const Cosignature&, const Cosignature&) = default;
};

// The known `witnesses` whose cosignature lines verify over the text of `signed_note`, each
// once, in order of first appearance; may be empty (quorum is the caller's policy). Lines by
// other keys (the log's own signature, unknown witnesses) are ignored. Invalid: the note is
// malformed (as note::Open says) or its text is not a checkpoint; two known keys share a
// name and key id. Corrupt, naming the witness: a known witness's line is not 76 bytes, has
// a timestamp above 2^63 - 1, or does not verify.
Result<std::vector<Cosignature>> VerifyCosignatures(std::string_view signed_note,
                                                    const std::vector<CosignerKey>& witnesses);

// The add-checkpoint request body (tlog-witness):
//
//   request = "old " decimal(old_size) "\n" *63(base64(hash[32]) "\n") "\n" signed-note
//
// decimal has no leading zeros (except "0"); the proof is RFC 9162 PROOF(old_size, new tree).
struct WitnessRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string note;  // the signed checkpoint note, verbatim
  friend bool operator==(const WitnessRequest&, const WitnessRequest&) = default;
};

std::string FormatWitnessRequest(const WitnessRequest& request);
// Strict inverse of FormatWitnessRequest: Invalid, naming the line, for anything it would not
// produce (leading zeros, a hash that is not base64 of 32 bytes, more than 63 proof lines, no
// blank line) and for a note that is malformed or whose text is not a checkpoint.
Result<WitnessRequest> ParseWitnessRequest(std::string_view body);

// Witness state, in a directory `dir` (mode 0700), files mode 0600, each replaced atomically
// (temporary file, fsync, rename, fsync of the directory):
//
//   dir/config = "probity-witness v1\n" "name " witness-name "\n" "origin " log-origin "\n"
//                "log-vkey " log-vkey "\n"
//   dir/latest = the last cosigned checkpoint: its text, the log's (first, verified) signature
//                line and this witness's cosignature line (absent until the first cosignature)
//
// Every read re-checks both: the config has exactly this form, the name is a valid key name,
// the vkey parses and re-encodes identically; the latest note opens with the log key, is a
// checkpoint of the origin, and (when the witness key is given) carries a cosignature by it.

// Creates the state for a witness named `name` that follows the log whose checkpoints are
// signed by `log_verifier` and whose origin line is `origin` (empty: the verifier's name;
// a ledger's access log has "<origin>/access" under the ledger's key). Creates `dir` if
// missing. Refused if `dir` already holds witness state; Invalid for an invalid name or
// origin.
Status InitWitness(const std::string& dir, const std::string& name,
                   const note::Verifier& log_verifier, const std::string& origin = "");

// This witness's cosigner vkey (name from dir/config, key from `witness_key`).
Result<std::string> WitnessVkey(const std::string& dir, const PrivateKey& witness_key);

// The last cosigned note (dir/latest), or "" if it has cosigned nothing yet. Checks the log
// signature and origin but not the witness's own cosignature (it takes no key).
Result<std::string> LatestNote(const std::string& dir);

struct Cosigned {
  std::string line;  // the cosignature line: the add-checkpoint response body
  std::string note;  // what dir/latest now holds: text, the log's signature line, then `line`
};

// Handles one add-checkpoint request body. In order, it fails with:
//   Invalid   malformed request; old size above the checkpoint size (with "rollback" in the
//             message when the checkpoint is smaller than the last cosigned one); now_seconds
//             zero or above 2^63 - 1
//   NotFound  the checkpoint's origin is not the log this witness follows
//   Refused   no valid signature by the log key, or a bad one ("signature: ...");
//             "conflict: the request is from size X but this witness last cosigned size Y";
//             a size-0 checkpoint without the empty root, a non-empty proof from size 0 or
//             between equal sizes ("proof: ..."); "fork: ..." for a different root at the
//             same size or a consistency proof that does not verify
//   Corrupt / IoError / NotFound   the state in `dir` is damaged or unreadable, or
//             Refused if dir/latest is not cosigned by `witness_key` (the wrong key)
// Only when every check passes does it sign (timestamp now_seconds), replace dir/latest and
// return; on any failure dir is unchanged.
Result<Cosigned> AddCheckpoint(const std::string& dir, const PrivateKey& witness_key,
                               std::string_view request, uint64_t now_seconds);

}  // namespace probity::witness
