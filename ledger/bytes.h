// Byte strings, digests and their text forms (hex, base64) as used in every
// signed or stored format. Pure functions over values; thread-safe.
// Decoders are strict: they refuse anything that the encoder would not produce
// (upper-case hex, missing padding, whitespace), so one value has one spelling.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace probity {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using Hash = std::array<uint8_t, 32>;  // a SHA-256 digest

inline ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsChars(ByteSpan b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// Lower-case hex.
std::string HexEncode(ByteSpan data);
Result<Bytes> HexDecode(std::string_view text);

// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(ByteSpan data);
Result<Bytes> Base64Decode(std::string_view text);

// SHA-256 of the concatenation of `parts`.
Hash Sha256(std::initializer_list<ByteSpan> parts);
inline Hash Sha256(ByteSpan data) { return Sha256({data}); }

// Constant-time equality for digests, signatures and other secrets-adjacent bytes.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

}  // namespace probity
