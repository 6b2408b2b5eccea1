// Ed25519 keys (OpenSSL EVP): signing, verification, PEM encodings, key files.
// Every signature in the ledger is made and checked here; this is also the one
// file that holds OpenSSL handles and turns OpenSSL's error queue into Status.
// Verification follows the ledger's own rule (ed25519::StrictEncoding, then RFC 8032's
// equation) and runs on libsodium, about twice as fast as OpenSSL here; OpenSSL with the
// same rule gives the same verdicts (tests/ed25519_rules_test.cc).
// Thread-safety: keys are immutable after creation; Sign, Verify and every
// const method may be called concurrently on the same object.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ledger/bytes.h"
#include "ledger/status.h"

typedef struct evp_pkey_st EVP_PKEY;  // as in <openssl/types.h>

namespace probity {

inline constexpr size_t kEd25519KeySize = 32;  // raw public key, and seed
inline constexpr size_t kEd25519SignatureSize = 64;

class PublicKey;
namespace ed25519 {
bool VerifyOpenSsl(const PublicKey& key, ByteSpan message, ByteSpan signature);
}  // namespace ed25519

// An Ed25519 public key: the 32 raw bytes plus a parsed EVP_PKEY shared by all
// copies, so Verify never re-parses the key.
class PublicKey {
 public:
  // Invalid unless `raw32` is exactly 32 bytes.
  static Result<PublicKey> FromRaw(ByteSpan raw32);
  // A SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"). Invalid if it does not
  // parse; Refused if it is a key of another type (RSA, EC, Ed448...).
  static Result<PublicKey> FromPem(std::string_view spki_pem);

  // SubjectPublicKeyInfo PEM, "-----BEGIN PUBLIC KEY-----\n...\n".
  std::string ToPem() const;
  const std::array<uint8_t, 32>& raw() const { return raw_; }
  // SHA-256 of the 32 raw bytes.
  Hash KeyId() const;
  // True iff `signature` is a valid pure-Ed25519 signature of `message` under the
  // ledger's rule (docs/formats.md §3): ed25519::StrictEncoding, then RFC 8032 §5.1.7's
  // cofactorless equation. False for any other input, including a signature that is not
  // 64 bytes long.
  bool Verify(ByteSpan message, ByteSpan signature) const;

  // Copying shares the parsed key. There are no moves (a move is a copy), so
  // no PublicKey is ever left empty.
  PublicKey(const PublicKey&) = default;
  PublicKey& operator=(const PublicKey&) = default;

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.raw_ == b.raw_; }

 private:
  PublicKey(const std::array<uint8_t, 32>& raw, std::shared_ptr<const EVP_PKEY> pkey)
      : raw_(raw), pkey_(std::move(pkey)) {}
  friend class PrivateKey;
  friend bool ed25519::VerifyOpenSsl(const PublicKey&, ByteSpan, ByteSpan);
  static Result<PublicKey> FromPkey(const EVP_PKEY* pkey);

  std::array<uint8_t, 32> raw_;
  std::shared_ptr<const EVP_PKEY> pkey_;  // never null; shared, never modified
};

// An Ed25519 private key. Move-only: it owns its EVP_PKEY, and the secret is
// never copied out of OpenSSL except by ToPem.
class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static Result<PrivateKey> Generate();
  // The key whose RFC 8032 seed is `seed32` (for test vectors). Invalid unless
  // 32 bytes.
  static Result<PrivateKey> FromSeed(ByteSpan seed32);
  // A PKCS#8 PEM, plain ("BEGIN PRIVATE KEY") or encrypted ("BEGIN ENCRYPTED
  // PRIVATE KEY"). Refused if it is encrypted and `passphrase` is missing, if
  // the passphrase is wrong, or if it is not an Ed25519 key. Invalid if it is
  // not a PEM private key at all. Messages never contain key material.
  static Result<PrivateKey> FromPem(std::string_view pkcs8_pem,
                                    const std::optional<std::string>& passphrase);

  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  // PKCS#8 PEM. With a passphrase: PKCS#8 v2 (PBES2) EncryptedPrivateKeyInfo,
  // scrypt (N=2^14, r=8, p=1, 16-byte random salt) and AES-256-CBC, which any
  // OpenSSL 1.1+ reads (`openssl pkey -in k.pem`). Invalid for an empty
  // passphrase. The returned string holds the secret: do not log it.
  Result<std::string> ToPem(const std::optional<std::string>& passphrase) const;
  const PublicKey& Public() const { return public_; }
  // The 64-byte pure Ed25519 signature of `message` (deterministic).
  Bytes Sign(ByteSpan message) const;

 private:
  struct PkeyFree {
    void operator()(EVP_PKEY* p) const;
  };
  PrivateKey(std::unique_ptr<EVP_PKEY, PkeyFree> pkey, PublicKey pub)
      : pkey_(std::move(pkey)), public_(std::move(pub)) {}
  static Result<PrivateKey> FromOwnedPkey(std::unique_ptr<EVP_PKEY, PkeyFree> pkey);

  std::unique_ptr<EVP_PKEY, PkeyFree> pkey_;  // never null
  PublicKey public_;
};

// True if `pem` holds an encrypted private key (PKCS#8 "ENCRYPTED PRIVATE KEY",
// or a legacy PEM with "Proc-Type: 4,ENCRYPTED"). Looks at the PEM armour only.
bool IsEncryptedPem(std::string_view pem);

// Key files.
//
// Both writers create `path` with O_EXCL|O_NOFOLLOW and never overwrite: an
// existing path is Refused ("'k.pem' already exists; refusing to overwrite
// it"). The private key file gets mode 0600, the public key file 0644; both
// are fsynced. On a failed write the half-written file is removed.
Status WritePrivateKeyFile(const std::string& path, const PrivateKey& key,
                           const std::optional<std::string>& passphrase);
Status WritePublicKeyFile(const std::string& path, const PublicKey& key);

// Loads a PKCS#8 PEM private key file. Refused, as ssh does, when the file is
// readable or writable by group or others: "permissions 0644 for 'k.pem' are
// too open; run chmod 600 k.pem". Refused when the key is encrypted and no (or
// a wrong) passphrase is given. Messages never contain key material.
Result<PrivateKey> LoadPrivateKeyFile(const std::string& path,
                                      const std::optional<std::string>& passphrase);
Result<PublicKey> LoadPublicKeyFile(const std::string& path);
// True if the PEM in `path` is an encrypted private key (see IsEncryptedPem).
Result<bool> IsEncryptedKeyFile(const std::string& path);

// A passphrase file's contents with one trailing "\n" or "\r\n" removed.
// Invalid if that leaves nothing. Works on pipes (/dev/fd/N) too.
Result<std::string> ReadPassphraseFile(const std::string& path);

// The parts of PublicKey::Verify, apart: for the tests that pin the two libraries to the
// same verdicts and for the benchmark's limits. Thread-safe.
namespace ed25519 {
// The byte-level rule beyond RFC 8032's equation, as libsodium 1.0.18 applies it: the
// scalar S (signature bytes 32..63, little-endian) is below the group order L; the public
// key's y is canonical (below p = 2^255 - 19); neither the key's nor R's (signature bytes
// 0..31) y is that of a point of small order (sign bit ignored). False for wrong sizes.
bool StrictEncoding(ByteSpan public_key, ByteSpan signature);
// RFC 8032's equation alone (no StrictEncoding), by OpenSSL's EVP and by libsodium's
// crypto_sign_verify_detached (which applies StrictEncoding's rules itself).
bool VerifyOpenSsl(const PublicKey& key, ByteSpan message, ByteSpan signature);
bool VerifySodium(const PublicKey& key, ByteSpan message, ByteSpan signature);
}  // namespace ed25519

}  // namespace probity
