// Tests for ledger/crypto.h: Ed25519 through OpenSSL, PEM encodings, key files.
#include "ledger/crypto.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing.h"

namespace probity {
namespace {

namespace fs = std::filesystem;

Bytes FromHex(std::string_view hex) {
  Result<Bytes> b = HexDecode(hex);
  REQUIRE(b.ok());
  return *b;
}

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("probity-crypto-test") {}
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

unsigned ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The DER inside a single-block PEM, decoded without any probity code.
Bytes PemBody(const std::string& pem) {
  std::string b64;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("-----", 0) == 0 || line.find(':') != std::string::npos) continue;
    b64 += line;
  }
  Bytes out(b64.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  REQUIRE(n >= 0);
  size_t pad = std::count(b64.end() - std::min<size_t>(2, b64.size()), b64.end(), '=');
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

bool Contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// SPKI and PKCS#8 PEMs of non-Ed25519 keys, made with OpenSSL directly.
struct ForeignKey {
  std::string public_pem, private_pem;
};
ForeignKey MakeForeignKey(const char* type) {
  using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
  using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
  PkeyPtr pkey(std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
               EVP_PKEY_free);
  REQUIRE(pkey != nullptr);
  ForeignKey out;
  BioPtr pub(BIO_new(BIO_s_mem()), BIO_free), priv(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_PUBKEY(pub.get(), pkey.get()) == 1);
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(priv.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(pub.get(), &data);
  out.public_pem.assign(data, static_cast<size_t>(len));
  len = BIO_get_mem_data(priv.get(), &data);
  out.private_pem.assign(data, static_cast<size_t>(len));
  return out;
}

PrivateKey MustGenerate() {
  Result<PrivateKey> k = PrivateKey::Generate();
  REQUIRE(k.ok());
  return std::move(k).value();
}

// RFC 8032 section 7.1, TEST 1 and TEST 2.
constexpr std::string_view kRfcSeed1 =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfcPub1 =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfcSig1 =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";
constexpr std::string_view kRfcSeed2 =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr std::string_view kRfcPub2 =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::string_view kRfcSig2 =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
    "d8c387b2eaeb4302aeeb00d291612bb0c00";

TEST_CASE("RFC 8032 vectors: the seed gives the published public key and signature", "[crypto]") {
  struct Vec {
    std::string_view seed, pub, sig;
    Bytes msg;
  };
  for (const Vec& v :
       {Vec{kRfcSeed1, kRfcPub1, kRfcSig1, {}}, Vec{kRfcSeed2, kRfcPub2, kRfcSig2, {0x72}}}) {
    Result<PrivateKey> key = PrivateKey::FromSeed(FromHex(v.seed));
    REQUIRE(key.ok());
    CHECK(HexEncode(key->Public().raw()) == v.pub);
    CHECK(HexEncode(key->Sign(v.msg)) == v.sig);
    Result<PublicKey> pub = PublicKey::FromRaw(FromHex(v.pub));
    REQUIRE(pub.ok());
    CHECK(pub->Verify(v.msg, FromHex(v.sig)));
  }
}

TEST_CASE("Sign then Verify succeeds, any changed byte of message or signature fails", "[crypto]") {
  PrivateKey key = MustGenerate();
  const PublicKey& pub = key.Public();
  Bytes msg = {'h', 'e', 'l', 'l', 'o'};
  Bytes sig = key.Sign(msg);
  REQUIRE(sig.size() == kEd25519SignatureSize);
  CHECK(pub.Verify(msg, sig));

  Bytes bad_msg = msg;
  bad_msg[0] ^= 1;
  CHECK_FALSE(pub.Verify(bad_msg, sig));
  for (size_t i = 0; i < sig.size(); i += 7) {
    Bytes bad_sig = sig;
    bad_sig[i] ^= 0x80;
    CHECK_FALSE(pub.Verify(msg, bad_sig));
  }
  CHECK_FALSE(MustGenerate().Public().Verify(msg, sig));  // someone else's key
}

TEST_CASE("Verify returns false for signatures of the wrong length, never crashes", "[crypto]") {
  PrivateKey key = MustGenerate();
  Bytes msg = {1, 2, 3};
  Bytes sig = key.Sign(msg);
  CHECK_FALSE(key.Public().Verify(msg, Bytes{}));
  CHECK_FALSE(key.Public().Verify(msg, ByteSpan(sig).first(63)));
  Bytes longer = sig;
  longer.push_back(0);
  CHECK_FALSE(key.Public().Verify(msg, longer));
  CHECK(key.Public().Verify(Bytes{}, key.Sign(Bytes{})));  // empty message is fine
}

TEST_CASE("FromRaw and FromSeed refuse inputs that are not 32 bytes", "[crypto]") {
  CHECK(PublicKey::FromRaw(Bytes(31)).status().code() == Code::kInvalid);
  CHECK(PublicKey::FromRaw(Bytes(33)).status().code() == Code::kInvalid);
  CHECK(PrivateKey::FromSeed(Bytes(31)).status().code() == Code::kInvalid);
  CHECK(PrivateKey::FromSeed(Bytes(64)).status().code() == Code::kInvalid);
}

TEST_CASE("KeyId is SHA-256 of the raw key, as computed independently from the SPKI DER",
          "[crypto]") {
  PrivateKey key = MustGenerate();
  // Independent path: the last 32 bytes of the SPKI DER, hashed by OpenSSL.
  Bytes der = PemBody(key.Public().ToPem());
  REQUIRE(der.size() == 44);
  CHECK(HexEncode(ByteSpan(der).first(12)) == "302a300506032b6570032100");
  Bytes raw(der.end() - 32, der.end());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  REQUIRE(EVP_Digest(raw.data(), raw.size(), md, &md_len, EVP_sha256(), nullptr) == 1);
  REQUIRE(md_len == 32);
  CHECK(HexEncode(key.Public().KeyId()) == HexEncode(ByteSpan(md, md_len)));
  CHECK(HexEncode(key.Public().raw()) == HexEncode(raw));

  // And a fixed value: SHA-256 of the RFC 8032 TEST 1 public key.
  Result<PublicKey> rfc = PublicKey::FromRaw(FromHex(kRfcPub1));
  REQUIRE(rfc.ok());
  REQUIRE(EVP_Digest(rfc->raw().data(), 32, md, &md_len, EVP_sha256(), nullptr) == 1);
  CHECK(HexEncode(rfc->KeyId()) == HexEncode(ByteSpan(md, md_len)));
}

TEST_CASE("Public key PEM round trips through SubjectPublicKeyInfo", "[crypto]") {
  PrivateKey key = MustGenerate();
  std::string pem = key.Public().ToPem();
  CHECK(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0) == 0);
  CHECK(pem.find("-----END PUBLIC KEY-----\n") != std::string::npos);
  Result<PublicKey> back = PublicKey::FromPem(pem);
  REQUIRE(back.ok());
  CHECK(*back == key.Public());
  Bytes msg = {42};
  CHECK(back->Verify(msg, key.Sign(msg)));
}

TEST_CASE("Public key FromPem refuses RSA and EC keys and rejects non-PEM input", "[crypto]") {
  for (const char* type : {"RSA", "EC"}) {
    ForeignKey foreign = MakeForeignKey(type);
    Result<PublicKey> pub = PublicKey::FromPem(foreign.public_pem);
    REQUIRE_FALSE(pub.ok());
    CHECK(pub.status().code() == Code::kRefused);
    CHECK_THAT(pub.status().message(), Catch::Contains("not Ed25519"));
    CHECK_THAT(pub.status().message(), Catch::Contains(type));

    Result<PrivateKey> priv = PrivateKey::FromPem(foreign.private_pem, std::nullopt);
    REQUIRE_FALSE(priv.ok());
    CHECK(priv.status().code() == Code::kRefused);
    CHECK_THAT(priv.status().message(), Catch::Contains("not Ed25519"));
  }
  CHECK(PublicKey::FromPem("").status().code() == Code::kInvalid);
  CHECK(PublicKey::FromPem("hello").status().code() == Code::kInvalid);
  // A private key PEM is not a public key PEM.
  Result<std::string> priv_pem = MustGenerate().ToPem(std::nullopt);
  REQUIRE(priv_pem.ok());
  CHECK(PublicKey::FromPem(*priv_pem).status().code() == Code::kInvalid);
}

TEST_CASE("Unencrypted PKCS#8 PEM round trips to the same key", "[crypto]") {
  Result<PrivateKey> key = PrivateKey::FromSeed(FromHex(kRfcSeed2));
  REQUIRE(key.ok());
  Result<std::string> pem = key->ToPem(std::nullopt);
  REQUIRE(pem.ok());
  CHECK(pem->rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  CHECK_FALSE(IsEncryptedPem(*pem));
  // PKCS#8 for Ed25519: fixed 16-byte prefix, then the seed.
  CHECK(HexEncode(PemBody(*pem)) == "302e020100300506032b657004220420" + std::string(kRfcSeed2));

  Result<PrivateKey> back = PrivateKey::FromPem(*pem, std::nullopt);
  REQUIRE(back.ok());
  CHECK(back->Public() == key->Public());
  CHECK(HexEncode(back->Sign(Bytes{0x72})) == kRfcSig2);
  // A passphrase given for an unencrypted key is simply not needed.
  CHECK(PrivateKey::FromPem(*pem, std::string("unused")).ok());
}

TEST_CASE("Encrypted PEM is PKCS#8 v2 scrypt + AES-256-CBC and opens only with its passphrase",
          "[crypto]") {
  PrivateKey key = MustGenerate();
  const std::string pass = "correct horse battery staple";
  Result<std::string> pem = key.ToPem(pass);
  REQUIRE(pem.ok());
  CHECK(pem->rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0) == 0);
  CHECK(IsEncryptedPem(*pem));
  Bytes der = PemBody(*pem);
  CHECK(Contains(der, FromHex("06092a864886f70d01050d")));  // id-PBES2 1.2.840.113549.1.5.13
  CHECK(Contains(der, FromHex("06092b06010401da47040b")));  // id-scrypt 1.3.6.1.4.1.11591.4.11
  CHECK(Contains(der, FromHex("060960864801650304012a")));  // aes256-CBC 2.16.840.1.101.3.4.1.42

  // Two encryptions of the same key differ (random salt and IV).
  Result<std::string> pem2 = key.ToPem(pass);
  REQUIRE(pem2.ok());
  CHECK(*pem != *pem2);

  Result<PrivateKey> back = PrivateKey::FromPem(*pem, pass);
  REQUIRE(back.ok());
  CHECK(back->Public() == key.Public());

  Result<PrivateKey> wrong = PrivateKey::FromPem(*pem, std::string("Correct horse battery staple"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().code() == Code::kRefused);
  CHECK_THAT(wrong.status().message(), Catch::StartsWith("wrong passphrase or not a key"));

  Result<PrivateKey> missing = PrivateKey::FromPem(*pem, std::nullopt);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kRefused);
  CHECK_THAT(missing.status().message(), Catch::Contains("encrypted"));

  CHECK(key.ToPem(std::string("")).status().code() == Code::kInvalid);
}

TEST_CASE("Error messages about keys never contain key material or the passphrase", "[crypto]") {
  PrivateKey key = MustGenerate();
  const std::string pass = "s3cret-passphrase";
  Result<std::string> pem = key.ToPem(pass);
  Result<std::string> plain = key.ToPem(std::nullopt);
  REQUIRE(pem.ok());
  REQUIRE(plain.ok());
  // A truncated PEM, a corrupted PEM and a wrong passphrase all fail...
  std::string truncated = pem->substr(0, pem->size() / 2);
  std::string corrupted = *plain;
  corrupted[40] = corrupted[40] == 'A' ? 'B' : 'A';
  std::vector<Status> failures = {
      PrivateKey::FromPem(*pem, std::string("nope")).status(),
      PrivateKey::FromPem(truncated, pass).status(),
      PrivateKey::FromPem(plain->substr(0, 60), std::nullopt).status(),
      PrivateKey::FromPem(corrupted, std::nullopt).status(),
  };
  // ...and none of their messages repeat a line of either PEM body or the passphrase.
  for (const Status& st : failures) {
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find(pass) == std::string::npos);
    for (const std::string* p : {&*pem, &*plain}) {
      std::istringstream lines(*p);
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("-----", 0) == 0 || line.size() < 16) continue;
        CHECK(st.message().find(line.substr(0, 16)) == std::string::npos);
      }
    }
  }
}

TEST_CASE("Private key file is created with mode 0600 and loads back", "[crypto]") {
  TempDir dir;
  PrivateKey key = MustGenerate();
  const std::string path = dir.File("signer.pem");
  mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
  Status st = WritePrivateKeyFile(path, key, std::nullopt);
  ::umask(old_umask);
  REQUIRE(st.ok());
  CHECK(ModeOf(path) == 0600);
  Result<PrivateKey> back = LoadPrivateKeyFile(path, std::nullopt);
  REQUIRE(back.ok());
  CHECK(back->Public() == key.Public());
  CHECK(IsEncryptedKeyFile(path).ok());
  CHECK_FALSE(*IsEncryptedKeyFile(path));
}

TEST_CASE("A private key file readable by group or others is refused with an ssh-like message",
          "[crypto]") {
  TempDir dir;
  const std::string path = dir.File("x.pem");
  REQUIRE(WritePrivateKeyFile(path, MustGenerate(), std::nullopt).ok());
  for (unsigned mode : {0644u, 0640u, 0604u, 0620u, 0602u}) {
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    Result<PrivateKey> key = LoadPrivateKeyFile(path, std::nullopt);
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == Code::kRefused);
    char expected_mode[8];
    std::snprintf(expected_mode, sizeof(expected_mode), "%04o", mode);
    CHECK(key.status().message() == std::string("permissions ") + expected_mode + " for '" + path +
                                        "' are too open; run chmod 600 " + path);
  }
  REQUIRE(::chmod(path.c_str(), 0400) == 0);  // read-only for the owner is fine
  CHECK(LoadPrivateKeyFile(path, std::nullopt).ok());

  // A path the shell would split is quoted in the suggested command.
  const std::string spaced = dir.File("my key.pem");
  REQUIRE(WritePrivateKeyFile(spaced, MustGenerate(), std::nullopt).ok());
  REQUIRE(::chmod(spaced.c_str(), 0660) == 0);
  CHECK(LoadPrivateKeyFile(spaced, std::nullopt).status().message() ==
        "permissions 0660 for '" + spaced + "' are too open; run chmod 600 '" + spaced + "'");
}

TEST_CASE("Key files are never overwritten: an existing path is refused and left unchanged",
          "[crypto]") {
  TempDir dir;
  const std::string path = dir.File("existing.pem");
  WriteAll(path, "precious");
  Status st = WritePrivateKeyFile(path, MustGenerate(), std::nullopt);
  CHECK(st.code() == Code::kRefused);
  CHECK_THAT(st.message(), Catch::Contains("already exists"));
  CHECK(ReadAll(path) == "precious");

  st = WritePublicKeyFile(path, MustGenerate().Public());
  CHECK(st.code() == Code::kRefused);
  CHECK(ReadAll(path) == "precious");

  // Nor written through a symlink, even a dangling one.
  const std::string link = dir.File("link.pem");
  fs::create_symlink(dir.File("target.pem"), link);
  CHECK(WritePrivateKeyFile(link, MustGenerate(), std::nullopt).code() == Code::kRefused);
  CHECK_FALSE(fs::exists(dir.File("target.pem")));
}

TEST_CASE("Public key file is 0644 SPKI PEM and loads back", "[crypto]") {
  TempDir dir;
  PrivateKey key = MustGenerate();
  const std::string path = dir.File("signer.pem.pub");
  mode_t old_umask = ::umask(077);
  Status st = WritePublicKeyFile(path, key.Public());
  ::umask(old_umask);
  REQUIRE(st.ok());
  CHECK(ModeOf(path) == 0644);
  CHECK(ReadAll(path) == key.Public().ToPem());
  Result<PublicKey> back = LoadPublicKeyFile(path);
  REQUIRE(back.ok());
  CHECK(*back == key.Public());
}

TEST_CASE("Encrypted key file loads only with the right passphrase", "[crypto]") {
  TempDir dir;
  PrivateKey key = MustGenerate();
  const std::string path = dir.File("enc.pem");
  REQUIRE(WritePrivateKeyFile(path, key, std::string("pw")).ok());
  CHECK(ModeOf(path) == 0600);
  REQUIRE(IsEncryptedKeyFile(path).ok());
  CHECK(*IsEncryptedKeyFile(path));

  Result<PrivateKey> none = LoadPrivateKeyFile(path, std::nullopt);
  CHECK(none.status().code() == Code::kRefused);
  CHECK_THAT(none.status().message(), Catch::Contains(path));
  CHECK_THAT(none.status().message(), Catch::Contains("encrypted"));
  Result<PrivateKey> wrong = LoadPrivateKeyFile(path, std::string("pW"));
  CHECK(wrong.status().code() == Code::kRefused);
  CHECK_THAT(wrong.status().message(), Catch::Contains("wrong passphrase or not a key"));
  Result<PrivateKey> right = LoadPrivateKeyFile(path, std::string("pw"));
  REQUIRE(right.ok());
  CHECK(right->Public() == key.Public());
}

TEST_CASE("Loading a missing key file is NotFound and names the path", "[crypto]") {
  TempDir dir;
  const std::string path = dir.File("absent.pem");
  Result<PrivateKey> priv = LoadPrivateKeyFile(path, std::nullopt);
  CHECK(priv.status().code() == Code::kNotFound);
  CHECK_THAT(priv.status().message(), Catch::Contains(path));
  CHECK(LoadPublicKeyFile(path).status().code() == Code::kNotFound);
  CHECK(ReadPassphraseFile(path).status().code() == Code::kNotFound);
}

TEST_CASE("Passphrase file loses exactly one trailing newline or CRLF, empty is refused",
          "[crypto]") {
  TempDir dir;
  const std::string path = dir.File("pass");
  struct Case {
    std::string contents;
    std::optional<std::string> want;
  };
  for (const Case& c : {Case{"pw\n", "pw"}, Case{"pw\r\n", "pw"}, Case{"pw", "pw"},
                        Case{"pw\n\n", "pw\n"}, Case{" pw \n", " pw "}, Case{"\n", std::nullopt},
                        Case{"\r\n", std::nullopt}, Case{"", std::nullopt}}) {
    fs::remove(path);
    WriteAll(path, c.contents);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    Result<std::string> got = ReadPassphraseFile(path);
    if (c.want) {
      REQUIRE(got.ok());
      CHECK(*got == *c.want);
    } else {
      CHECK(got.status().code() == Code::kInvalid);
      CHECK_THAT(got.status().message(), Catch::Contains("empty"));
    }
  }
}

TEST_CASE("Sign and Verify are safe to call concurrently on one key object", "[crypto]") {
  PrivateKey key = MustGenerate();
  const PublicKey pub = key.Public();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Bytes msg = {static_cast<uint8_t>(t), static_cast<uint8_t>(i)};
        Bytes sig = key.Sign(msg);
        if (!pub.Verify(msg, sig)) ++failures;
        msg[0] ^= 0xff;
        if (pub.Verify(msg, sig)) ++failures;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(failures == 0);
}

TEST_CASE("Copies of a PublicKey share one parsed key and outlive the original", "[crypto]") {
  PrivateKey key = MustGenerate();
  Bytes msg = {9};
  Bytes sig = key.Sign(msg);
  std::vector<PublicKey> copies;
  {
    Result<PublicKey> original = PublicKey::FromRaw(key.Public().raw());
    REQUIRE(original.ok());
    copies.assign(4, *original);
  }
  for (const PublicKey& k : copies) CHECK(k.Verify(msg, sig));
}

}  // namespace
}  // namespace probity
