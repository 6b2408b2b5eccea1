// Sealed values (format v2, docs/formats.md "Sealed values"): a sensitive field is
// signed only as SHA-256(salt || value); the value and its salt travel beside the
// envelope and are kept in their own column family, never in signed bytes, so an
// erasure deletes them while every signature and proof still verifies.
// Pure functions over values; thread-safe.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/status.h"
#include "schemas/event.capnp.h"

namespace probity {

inline constexpr size_t kSaltSize = 32;
using Salt = std::array<uint8_t, kSaltSize>;

// Fills a buffer with random bytes. Injected so tests and the demo are deterministic.
using RandomFn = std::function<void(uint8_t* out, size_t size)>;
// The operating system's CSPRNG (OpenSSL RAND_bytes); aborts never, retries never:
// a failure fills nothing and is reported by SystemRandomOk().
RandomFn SystemRandom();
// A deterministic stream, SHA-256(seed || counter) blocks: for tests and the demo only,
// where the same input must give the same salts and ids (and so the same root).
RandomFn SeededRandom(std::string seed);

// One sealed field's clear value, as it travels with its envelope.
struct SealedValue {
  std::string field;  // the field's name in its event, e.g. "reason"
  Salt salt{};
  std::string value;  // UTF-8; for an enum, the enumerant's name
  friend bool operator==(const SealedValue&, const SealedValue&) = default;
};

// A field of an event marked $sealed in schemas/event.capnp, as it is signed.
struct SealedField {
  std::string name;        // "reason"
  std::string value_type;  // the annotation: an enum of event.capnp, e.g. "RestrictionReason"
  Hash commitment{};
};

// SHA-256(salt || value): the 32 bytes a sealed field signs.
Hash SealCommitment(const Salt& salt, std::string_view value);

// The sealed fields of `event`'s union member, in schema order (empty for most events).
std::vector<SealedField> SealedFieldsOf(schema::Event::Reader event);

// Ok when `value` is a clear value of `field`'s type (an enumerant's name) and its
// salt and value hash to the signed commitment. Refusals name the field.
Status CheckSealedValue(const SealedField& field, const SealedValue& value);
// Ok when `text` is a clear value of a field of type `value_type`; else says which are.
Status CheckSealedText(const std::string& field, const std::string& value_type,
                       std::string_view text);

// Stored form (column family "sealed", docs/formats.md): salt[32] || value bytes.
std::string EncodeSealedValue(const SealedValue& value);
Result<SealedValue> DecodeSealedValue(std::string field, std::string_view stored);

}  // namespace probity
