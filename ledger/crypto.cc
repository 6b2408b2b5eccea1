#include "ledger/crypto.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ledger/files.h"

namespace probity {

// ---------------------------------------------------------------------------
// OpenSSL handles and errors. Every OpenSSL object lives in one of these
// unique_ptrs; every failure path drains the thread's error queue into the
// Status message (reason strings only: OpenSSL's error data is never copied,
// so no key material can leak through it).

namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using P8InfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG_free>>;

// Empties the calling thread's OpenSSL error queue; returns its distinct
// entries as "error:...:lib::reason; ..." or "" when it was empty.
std::string DrainOpensslErrors() {
  std::vector<unsigned long> seen;
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    if (std::find(seen.begin(), seen.end(), e) != seen.end()) continue;
    seen.push_back(e);
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

// `what`, plus whatever OpenSSL queued about it.
std::string WithOpensslErrors(std::string what) {
  std::string errors = DrainOpensslErrors();
  if (!errors.empty()) what += " (openssl: " + errors + ")";
  return what;
}

// OpenSSL failing where only allocation can fail is our bug or a dying process.
[[noreturn]] void DieOpenssl(const char* what) {
  std::fprintf(stderr, "probity: fatal: %s\n", WithOpensslErrors(what).c_str());
  std::abort();
}

// A read-only memory BIO over `data`, which must outlive it.
BioPtr ReadBio(std::string_view data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) DieOpenssl("BIO_new_mem_buf");
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

// pem_password_cb: `u` is the const std::optional<std::string>* passphrase.
// No passphrase (or one too long for OpenSSL's buffer) fails the read instead
// of letting OpenSSL prompt on the terminal.
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* u) {
  const auto* pass = static_cast<const std::optional<std::string>*>(u);
  if (pass == nullptr || !pass->has_value()) return -1;
  const std::string& p = **pass;
  if (p.size() > static_cast<size_t>(size)) return -1;
  std::memcpy(buf, p.data(), p.size());
  return static_cast<int>(p.size());
}

std::string KeyTypeName(const EVP_PKEY* pkey) {
  const char* name = EVP_PKEY_get0_type_name(pkey);
  return name != nullptr ? name : "of an unknown type";
}

// Any valid pointer: OpenSSL may not accept nullptr for an empty message.
const unsigned char* DataOrEmpty(ByteSpan b) {
  static const unsigned char kEmpty = 0;
  return b.empty() ? &kEmpty : b.data();
}

}  // namespace

// ---------------------------------------------------------------------------
// PublicKey

Result<PublicKey> PublicKey::FromRaw(ByteSpan raw32) {
  if (raw32.size() != kEd25519KeySize) {
    return Status::Invalid("an Ed25519 public key is 32 bytes, not " +
                           std::to_string(raw32.size()));
  }
  ERR_clear_error();
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw32.data(), raw32.size());
  if (pkey == nullptr) {
    return Status::Invalid(WithOpensslErrors("cannot make an Ed25519 public key"));
  }
  std::shared_ptr<const EVP_PKEY> shared(
      pkey, [](const EVP_PKEY* p) { EVP_PKEY_free(const_cast<EVP_PKEY*>(p)); });
  std::array<uint8_t, 32> raw;
  std::copy(raw32.begin(), raw32.end(), raw.begin());
  return PublicKey(raw, std::move(shared));
}

Result<PublicKey> PublicKey::FromPkey(const EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "ED25519")) {
    return Status::Refused("the key is " + KeyTypeName(pkey) + ", not Ed25519");
  }
  std::array<uint8_t, 32> raw;
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, raw.data(), &len) != 1 || len != raw.size()) {
    return Status::Invalid(WithOpensslErrors("cannot read the Ed25519 public key"));
  }
  return FromRaw(raw);
}

Result<PublicKey> PublicKey::FromPem(std::string_view spki_pem) {
  ERR_clear_error();
  BioPtr bio = ReadBio(spki_pem);
  PkeyPtr pkey(
      PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, PassphraseCallback, nullptr, nullptr, nullptr));
  if (!pkey) {
    return Status::Invalid(
        WithOpensslErrors("not a PEM public key (\"BEGIN PUBLIC KEY\", SubjectPublicKeyInfo)"));
  }
  return FromPkey(pkey.get());
}

std::string PublicKey::ToPem() const {
  ERR_clear_error();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey_.get()) != 1) DieOpenssl("PEM_write_bio_PUBKEY");
  return BioContents(bio.get());
}

Hash PublicKey::KeyId() const { return Sha256(raw_); }

bool PublicKey::Verify(ByteSpan message, ByteSpan signature) const {
  return ed25519::StrictEncoding(raw_, signature) &&
         ed25519::VerifySodium(*this, message, signature);
}

namespace ed25519 {
namespace {

// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
constexpr std::array<uint8_t, 32> kOrder = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// y (with the sign bit cleared) of the points of order 1, 2, 4 and 8, and the two
// non-canonical encodings p and p + 1 of y = 0 and y = 1: the keys and R values that make
// a signature valid for many messages or keys ("Taming the many EdDSAs", 2020).
constexpr uint8_t kSmallOrderY[7][32] = {
    {0x00},
    {0x01},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

bool ScalarBelowOrder(const uint8_t* s) {
  for (int i = 31; i >= 0; --i) {
    if (s[i] != kOrder[i]) return s[i] < kOrder[i];
  }
  return false;  // S = L
}

bool CanonicalY(const uint8_t* e) {  // (e mod 2^255) < p = 2^255 - 19
  if ((e[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i >= 1; --i) {
    if (e[i] != 0xff) return true;
  }
  return e[0] < 0xed;
}

bool SmallOrderY(const uint8_t* e) {
  for (const auto& y : kSmallOrderY) {
    if (std::memcmp(e, y, 31) == 0 && (e[31] & 0x7f) == y[31]) return true;
  }
  return false;
}

}  // namespace

bool StrictEncoding(ByteSpan public_key, ByteSpan signature) {
  if (public_key.size() != kEd25519KeySize || signature.size() != kEd25519SignatureSize)
    return false;
  return ScalarBelowOrder(signature.data() + 32) && CanonicalY(public_key.data()) &&
         !SmallOrderY(public_key.data()) && !SmallOrderY(signature.data());
}

bool VerifyOpenSsl(const PublicKey& key, ByteSpan message, ByteSpan signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) DieOpenssl("EVP_MD_CTX_new");
  // OpenSSL takes a non-const key but only reads it (and bumps its atomic
  // reference count), which is what makes sharing pkey_ across threads safe.
  bool ok = EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                    const_cast<EVP_PKEY*>(key.pkey_.get()), nullptr) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), DataOrEmpty(message),
                             message.size()) == 1;
  ERR_clear_error();  // a bad signature queues an error; it is an answer, not a failure
  return ok;
}

bool VerifySodium(const PublicKey& key, ByteSpan message, ByteSpan signature) {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "probity: libsodium failed to initialise\n");
      std::abort();
    }
    return true;
  }();
  (void)ready;
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), DataOrEmpty(message), message.size(),
                                     key.raw().data()) == 0;
}

}  // namespace ed25519

// ---------------------------------------------------------------------------
// PrivateKey

void PrivateKey::PkeyFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

Result<PrivateKey> PrivateKey::FromOwnedPkey(std::unique_ptr<EVP_PKEY, PkeyFree> pkey) {
  if (!EVP_PKEY_is_a(pkey.get(), "ED25519")) {
    return Status::Refused("the private key is " + KeyTypeName(pkey.get()) + ", not Ed25519");
  }
  Result<PublicKey> pub = PublicKey::FromPkey(pkey.get());
  if (!pub.ok()) return pub.status();
  return PrivateKey(std::move(pkey), std::move(pub).value());
}

Result<PrivateKey> PrivateKey::Generate() {
  ERR_clear_error();
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return Status::IoError(WithOpensslErrors("cannot generate an Ed25519 key"));
  return FromOwnedPkey(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromSeed(ByteSpan seed32) {
  if (seed32.size() != kEd25519KeySize) {
    return Status::Invalid("an Ed25519 seed is 32 bytes, not " + std::to_string(seed32.size()));
  }
  ERR_clear_error();
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed32.data(), seed32.size()));
  if (!pkey) return Status::Invalid(WithOpensslErrors("cannot make an Ed25519 key from the seed"));
  return FromOwnedPkey(std::move(pkey));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pkcs8_pem,
                                       const std::optional<std::string>& passphrase) {
  const bool encrypted = IsEncryptedPem(pkcs8_pem);
  if (encrypted && !passphrase.has_value()) {
    return Status::Refused("the private key is encrypted and no passphrase was given");
  }
  ERR_clear_error();
  BioPtr bio = ReadBio(pkcs8_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(PEM_read_bio_PrivateKey_ex(
      bio.get(), nullptr, PassphraseCallback, const_cast<std::optional<std::string>*>(&passphrase),
      nullptr, nullptr));
  if (!pkey) {
    if (encrypted) return Status::Refused(WithOpensslErrors("wrong passphrase or not a key"));
    return Status::Invalid(
        WithOpensslErrors("not a PEM private key (\"BEGIN PRIVATE KEY\", PKCS#8)"));
  }
  return FromOwnedPkey(std::move(pkey));
}

Result<std::string> PrivateKey::ToPem(const std::optional<std::string>& passphrase) const {
  ERR_clear_error();
  // Secure-heap BIO: its buffer is cleansed when freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) DieOpenssl("BIO_new");
  if (!passphrase.has_value()) {
    if (PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                      nullptr) != 1) {
      return Status::IoError(WithOpensslErrors("cannot encode the private key"));
    }
    return BioContents(bio.get());
  }
  const std::string& pass = *passphrase;
  if (pass.empty()) return Status::Invalid("the passphrase is empty");
  if (pass.size() > 1024) return Status::Invalid("the passphrase is longer than 1024 bytes");
  // PBES2 (PKCS#8 v2): scrypt N=2^14, r=8, p=1 (16 MiB; the most OpenSSL's
  // readers accept under their default 32 MiB scrypt limit), random 16-byte
  // salt and IV, AES-256-CBC.
  constexpr uint64_t kScryptN = 1 << 14, kScryptR = 8, kScryptP = 1;
  P8InfoPtr p8inf(EVP_PKEY2PKCS8(pkey_.get()));
  AlgorPtr pbe(
      PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 16, nullptr, kScryptN, kScryptR, kScryptP));
  if (!p8inf || !pbe) return Status::IoError(WithOpensslErrors("cannot set up key encryption"));
  SigPtr p8(PKCS8_set0_pbe(pass.data(), static_cast<int>(pass.size()), p8inf.get(), pbe.get()));
  if (!p8) return Status::IoError(WithOpensslErrors("cannot encrypt the private key"));
  pbe.release();  // now owned by p8
  if (PEM_write_bio_PKCS8(bio.get(), p8.get()) != 1) {
    return Status::IoError(WithOpensslErrors("cannot encode the encrypted private key"));
  }
  return BioContents(bio.get());
}

Bytes PrivateKey::Sign(ByteSpan message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) DieOpenssl("EVP_MD_CTX_new");
  Bytes sig(kEd25519SignatureSize);
  size_t len = sig.size();
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, pkey_.get(), nullptr) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, DataOrEmpty(message), message.size()) != 1 ||
      len != sig.size()) {
    DieOpenssl("Ed25519 signing failed");
  }
  return sig;
}

bool IsEncryptedPem(std::string_view pem) {
  return pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Key files

namespace {

constexpr size_t kMaxKeyFileSize = 64 * 1024;

using files::Quoted;
using files::ShellWord;

using files::ErrnoStatus;
using files::Fd;
using files::WriteAll;

void SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  Status ignored = files::SyncDir(dir);  // best effort: the file itself is already synced
  (void)ignored;
}

// Creates `path` (never an existing one, never through a symlink) with exactly
// `mode`, writes `contents`, fsyncs. Removes the file again if any step fails.
Status WriteNewFile(const std::string& path, std::string_view contents, mode_t mode) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    if (errno == EEXIST) {
      return Status::Refused(Quoted(path) + " already exists; refusing to overwrite it");
    }
    return ErrnoStatus("cannot create", path, errno);
  }
  Status st = Status::Ok();
  if (::fchmod(fd.get(), mode) != 0) {  // the umask may have cleared bits we want
    st = ErrnoStatus("cannot set the mode of", path, errno);
  }
  if (st.ok()) st = WriteAll(fd.get(), contents).WithContext("cannot write " + Quoted(path));
  if (st.ok() && ::fsync(fd.get()) != 0) st = ErrnoStatus("cannot sync", path, errno);
  if (fd.Close() != 0 && st.ok()) st = ErrnoStatus("cannot close", path, errno);
  if (!st.ok()) {
    ::unlink(path.c_str());
    return st;
  }
  SyncParentDir(path);
  return Status::Ok();
}

// Reads all of `path` (at most `max` bytes); `st` receives its fstat.
Result<std::string> ReadSmallFile(const std::string& path, size_t max, struct stat* st) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
  if (::fstat(fd.get(), st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (S_ISDIR(st->st_mode)) return Status::Invalid(Quoted(path) + " is a directory");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return ErrnoStatus("cannot read", path, errno);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max) {
      OPENSSL_cleanse(out.data(), out.size());
      OPENSSL_cleanse(buf, sizeof(buf));
      return Status::Invalid(Quoted(path) + " is larger than " + std::to_string(max) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  OPENSSL_cleanse(buf, sizeof(buf));
  return out;
}

// Wipes a string that held key material or a passphrase.
void Wipe(std::string& s) { OPENSSL_cleanse(s.data(), s.size()); }

}  // namespace

Status WritePrivateKeyFile(const std::string& path, const PrivateKey& key,
                           const std::optional<std::string>& passphrase) {
  Result<std::string> pem = key.ToPem(passphrase);
  if (!pem.ok()) return pem.status();
  Status st = WriteNewFile(path, *pem, 0600);
  Wipe(*pem);
  return st;
}

Status WritePublicKeyFile(const std::string& path, const PublicKey& key) {
  return WriteNewFile(path, key.ToPem(), 0644);
}

Result<PrivateKey> LoadPrivateKeyFile(const std::string& path,
                                      const std::optional<std::string>& passphrase) {
  struct stat st;
  Result<std::string> pem = ReadSmallFile(path, kMaxKeyFileSize, &st);
  if (!pem.ok()) return pem.status();
  if ((st.st_mode & 077) != 0) {
    Wipe(*pem);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Refused(std::string("permissions ") + mode + " for " + Quoted(path) +
                           " are too open; run chmod 600 " + ShellWord(path));
  }
  Result<PrivateKey> key = PrivateKey::FromPem(*pem, passphrase);
  Wipe(*pem);
  if (!key.ok()) return key.status().WithContext("private key " + Quoted(path));
  return key;
}

Result<PublicKey> LoadPublicKeyFile(const std::string& path) {
  struct stat st;
  Result<std::string> pem = ReadSmallFile(path, kMaxKeyFileSize, &st);
  if (!pem.ok()) return pem.status();
  Result<PublicKey> key = PublicKey::FromPem(*pem);
  if (!key.ok()) return key.status().WithContext("public key " + Quoted(path));
  return key;
}

Result<bool> IsEncryptedKeyFile(const std::string& path) {
  struct stat st;
  Result<std::string> pem = ReadSmallFile(path, kMaxKeyFileSize, &st);
  if (!pem.ok()) return pem.status();
  bool encrypted = IsEncryptedPem(*pem);
  Wipe(*pem);
  return encrypted;
}

Result<std::string> ReadPassphraseFile(const std::string& path) {
  struct stat st;
  Result<std::string> text = ReadSmallFile(path, kMaxKeyFileSize, &st);
  if (!text.ok()) return text.status();
  std::string& s = *text;
  if ((st.st_mode & 077) != 0) {
    Wipe(s);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Refused(std::string("permissions ") + mode + " for passphrase file " +
                           Quoted(path) + " are too open; run chmod 600 " + ShellWord(path));
  }
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\r\n") == 0) {
    s.resize(s.size() - 2);
  } else if (!s.empty() && s.back() == '\n') {
    s.pop_back();
  }
  if (s.empty()) return Status::Invalid("passphrase file " + Quoted(path) + " is empty");
  return text;
}

}  // namespace probity
