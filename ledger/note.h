// Signed notes (c2sp.org/signed-note, Ed25519 only) and the checkpoints carried
// in them (c2sp.org/tlog-checkpoint): the text form in which the log publishes
// its signed tree heads, readable by Go's sumdb/note and other C2SP tooling.
// Pure functions over values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/status.h"

namespace probity::note {

// Signed note grammar (bytes; UTF-8 throughout, no control characters below
// U+0020 other than "\n"):
//
//   note      = text "\n" 1*sigline        ; split at the LAST "\n\n"
//   text      = 1*line                     ; may contain empty lines
//   line      = *char "\n"
//   sigline   = U+2014 " " name " " base64(key_id[4] || signature) "\n"
//   name      = 1*char without "+" and Unicode spaces
//   key_id    = SHA-256(name || 0x0A || 0x01 || pubkey[32])[0:4], big-endian
//   signature = Ed25519(text)                ; text includes its final "\n"
//
// A verifier key ("vkey") is  name "+" hex8(key_id) "+" base64(0x01 || pubkey).

inline constexpr size_t kMaxSignatures = 100;

// A known key: who may sign notes we accept.
struct Verifier {
  std::string name;
  uint32_t key_id;
  PublicKey key;

  // Parses "name+hex8+base64". Invalid unless the name is valid, the key id
  // is 8 lower-case hex digits that match the key, and the key is 0x01
  // (Ed25519) followed by 32 bytes. The base64 may contain '+': only the
  // first two '+' separate fields.
  static Result<Verifier> FromVkey(std::string_view vkey);
  std::string Vkey() const;
};

// The C2SP key id of `key` under `name`.
uint32_t KeyIdFor(std::string_view name, const PublicKey& key);

// Any C2SP verifier key "name+hex8(key_id)+base64(type || key[32])" of key type `type`
// (0x01 note signatures, 0x04 cosignature/v1), its key id checked with `key_id_of`.
// Invalid, naming `what` ("vkey", "cosigner vkey"), for anything else.
struct VkeyParts {
  std::string name;
  uint32_t key_id;
  PublicKey key;
};
Result<VkeyParts> ParseVkey(std::string_view vkey, uint8_t type, const char* type_name,
                            uint32_t (*key_id_of)(std::string_view, const PublicKey&),
                            const std::string& what);
std::string FormatVkey(const std::string& name, uint32_t key_id, uint8_t type,
                       const PublicKey& key);

// True if `name` may be a key name: non-empty UTF-8, no '+', no Unicode space.
bool IsValidKeyName(std::string_view name);

// Returns the signed note: `text` + "\n" + one signature line by `key` under
// `name`. Invalid if `text` is empty, does not end in "\n", is not UTF-8 or
// holds a control character, or if `name` is not a valid key name.
Result<std::string> Sign(std::string_view text, std::string_view name, const PrivateKey& key);

struct Opened {
  std::string text;                    // the signed text, final "\n" included
  std::vector<std::string> signed_by;  // known verifiers whose signature verified, each once
};

// Parses `note` and verifies every signature line whose (name, key id) is a
// known verifier; lines by unknown keys are ignored (as the spec requires).
// Invalid: malformed note (not UTF-8, control character, no blank line before
// the signatures, a bad signature line, more than kMaxSignatures lines).
// Corrupt: a known key's signature fails, or no known key signed at all.
Result<Opened> Open(std::string_view note, const std::vector<Verifier>& verifiers);

// `stored` (a note, or its text and the empty line alone) with the signature lines of
// `more` (a note of the same text) that it lacks appended, in order; `*added` (may be
// null) gets how many. Both must already be opened by the caller. Refused if `more` is of
// another text or the result would carry more than kMaxSignatures lines or exceed
// kMaxCosignedNoteBytes (what is stored is served to anyone and kept by auditors).
inline constexpr size_t kMaxCosignedNoteBytes = 16 << 10;
Result<std::string> MergeSignatures(std::string_view stored, std::string_view more, size_t* added);

// The signature lines of signed note `note` (those after its blank line): the signer's
// own and any cosignatures. Counts lines only; nothing is verified.
size_t SignatureLineCount(std::string_view note);

// Checkpoint note text (c2sp.org/tlog-checkpoint):
//
//   origin "\n" decimal(size) "\n" base64(root[32]) "\n" *(extension "\n")
//
// origin and extensions are non-empty lines; the size has no leading zeros
// (except "0").
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The text above. `c` must satisfy the grammar (origin and extensions
// non-empty, without "\n") for ParseCheckpoint to read it back.
std::string FormatCheckpoint(const Checkpoint& c);
// Strict inverse of FormatCheckpoint: Invalid, naming the line, for anything
// FormatCheckpoint would not produce.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// A size as these formats write it (checkpoints, cosignatures, witness requests): digits
// only, no sign, no leading zero but "0", at most 2^64 - 1. Invalid says what is wrong
// ("is empty", "has a leading zero", ...), for the caller to name the field.
Result<uint64_t> ParseDecimal(std::string_view s);

}  // namespace probity::note
