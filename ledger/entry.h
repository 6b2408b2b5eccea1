// Envelopes (an event's canonical body, its signer's key id and signature) and log
// entries (an envelope with its seq and recorded time), in their stored bytes and
// their JSON lines. These are the signed and hashed formats of docs/formats.md.
// Pure functions over values; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/sealed.h"
#include "ledger/status.h"

namespace capnp {
class MessageReader;
}

namespace probity {

class PrivateKey;
class PublicKey;

// The domain-separation prefix of every event signature (17 bytes, ends in "\n").
// Format v2; v1 ("probity/event/v1\n", no origin) is no longer read (docs/formats.md).
inline constexpr std::string_view kEventSignaturePrefix = "probity/event/v2\n";

struct Envelope {
  Bytes body;     // canonical Event bytes
  Hash key_id{};  // SHA-256 of the signer's raw public key
  std::array<uint8_t, 64> signature{};
  // The clear values of the body's sealed fields: carried beside the signature, never
  // signed or hashed into the log (an erasure deletes them). Empty once stored.
  std::vector<SealedValue> sealed;
};

struct Entry {
  uint64_t seq = 0;
  int64_t recorded_at_us = 0;  // microseconds since the Unix epoch, UTC
  Envelope envelope;
};

// The exact message an event signature covers (format v2):
//   "probity/event/v2\n" || origin || "\n" || body
// The origin (the ledger's name in its checkpoints, no "\n") binds an envelope to one
// ledger: the same event signed for another store does not verify here.
Bytes SignedMessage(std::string_view origin, ByteSpan body);

Envelope SignEnvelope(ByteSpan canonical_body, std::string_view origin, const PrivateKey& key);
bool VerifyEnvelope(const Envelope& envelope, std::string_view origin, const PublicKey& key);

// Canonical Cap'n Proto encoding of an Entry: the Merkle leaf's input.
Bytes EncodeEntry(const Entry& entry);
// Refuses anything but a canonical Entry with a 32-byte key id and 64-byte signature.
Result<Entry> DecodeEntry(ByteSpan bytes);

// The one reader of stored Cap'n Proto records (log entries, access entries): `bytes` must
// be one canonical message (whole words, one segment, at most 1 Mi words, nesting 8) that
// `read` accepts (it returns "" or names the problem), and `encode_again` (the record as
// `read` decoded it, re-encoded) must give back exactly `bytes`: isCanonical() knows no
// schema, so fields the schema lacks or a null pointer would otherwise pass. Otherwise
// Corrupt, naming `what` ("entry", "access entry") and `type` (the schema's struct).
Status ReadCanonicalRecord(ByteSpan bytes, std::string_view what, std::string_view type,
                           const std::function<std::string(capnp::MessageReader&)>& read,
                           const std::function<Bytes()>& encode_again);

// Envelope JSON line: {"keyId":hex,"signature":base64,"body":base64,"event":{...}}
// and, when the event has sealed fields, "sealed":[{"field","salt":hex,"value"}].
// `event` is for people; `body` is what was signed. On reading, `event` is optional
// but, when present, must encode to exactly `body`.
std::string EnvelopeToJson(const Envelope& envelope, const EventCodec& codec);
Result<Envelope> EnvelopeFromJson(std::string_view line, const EventCodec& codec);

// Microseconds since the epoch as RFC 3339 UTC, e.g. "2026-11-28T07:34:42.123456Z".
std::string FormatTimestamp(int64_t micros);

}  // namespace probity
