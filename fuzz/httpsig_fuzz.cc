// libFuzzer target: what a client sends the server in its signature headers
// (server/http_signature.h): Signature-Input, Signature and Content-Digest, parsed
// strictly, and a whole request verified against one fixed key. Input: the three field
// values, one a line, then the body. Nothing may crash, hang or read out of bounds; an
// accepted Signature-Input must hold within the documented bounds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "server/http_signature.h"

namespace {

probity::PublicKey FixedKey() {
  uint8_t seed[32];
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(0x41 + i);
  auto key = probity::PrivateKey::FromSeed(probity::ByteSpan(seed, sizeof(seed)));
  if (!key.ok()) __builtin_trap();
  return key->Public();
}

std::string_view Line(std::string_view& rest) {
  size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace probity;
  namespace hs = probity::httpsig;
  static const PublicKey key = FixedKey();
  static const std::string keyid = HexEncode(key.KeyId());
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string input(Line(rest)), signature(Line(rest)), digest(Line(rest));
  std::string body(rest);

  auto parsed = hs::ParseSignatureInput(input);
  if (parsed.ok()) {
    if (parsed->size() > hs::kMaxMembers) __builtin_trap();
    for (const auto& s : *parsed) {
      if (s.components.size() > hs::kMaxComponents) __builtin_trap();
    }
  }
  (void)hs::ParseSignatureField(signature).ok();
  (void)hs::CheckContentDigest(digest, body).ok();

  hs::FieldList fields = {{"Signature-Input", input}, {"Signature", signature}};
  if (!digest.empty()) fields.push_back({"Content-Digest", digest});
  hs::HttpRequestView request{"POST", "http://127.0.0.1:8080/v1/events", hs::LookupIn(fields),
                              body};
  auto verified = hs::VerifyRequestSignature(request, 1700000000,
                                             [](std::string_view id) -> std::optional<PublicKey> {
                                               if (id == keyid) return key;
                                               return std::nullopt;
                                             });
  // Only the fixed key could have signed: a forged acceptance is a finding.
  if (verified.ok() && verified->keyid != keyid) __builtin_trap();
  return 0;
}
