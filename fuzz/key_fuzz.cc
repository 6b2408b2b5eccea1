// libFuzzer target: key material a user hands the program (ledger/crypto.h): PEM public
// keys (keyRegistered events, trust dirs), PKCS#8 private keys with and without a
// passphrase, raw 32-byte public keys. Refusals are Status values; nothing may crash,
// leak or read out of bounds inside our wrapper or OpenSSL.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace probity;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto pub = PublicKey::FromPem(text);
  // An accepted key has one PEM spelling, which reads back as the same key.
  if (pub.ok()) {
    auto again = PublicKey::FromPem(pub->ToPem());
    if (!again.ok() || !(*again == *pub)) __builtin_trap();
  }
  (void)PrivateKey::FromPem(text, std::nullopt);
  // fuzz/make_corpus encrypts its seed key with this passphrase.
  static const std::optional<std::string> passphrase = "fuzz passphrase";
  (void)PrivateKey::FromPem(text, passphrase);
  (void)IsEncryptedPem(text);
  (void)PublicKey::FromRaw(ByteSpan(data, size));
  return 0;
}
