// Formats written here (bytes, UTF-8; see witness.h for what each function checks):
//
// Cosignature (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1):
//
//   cosig-line = U+2014 " " name " " base64(key_id[4] || timestamp[8] || signature[64]) "\n"
//   key_id     = SHA-256(name || 0x0A || 0x04 || pubkey[32])[0:4]        ; big-endian
//   timestamp  = POSIX seconds <= 2^63 - 1                              ; big-endian u64
//   signature  = Ed25519(message)
//   message    = "cosignature/v1\n" "time " decimal(timestamp) "\n" text
//   text       = the checkpoint note's text, final "\n" included, no signature lines
//   vkey       = name "+" hex8(key_id) "+" base64(0x04 || pubkey[32])
//
// Add-checkpoint request (c2sp.org/tlog-witness):
//
//   request    = "old " decimal(old_size) "\n" *63(base64(hash[32]) "\n") "\n" signed-note
//
// Witness state directory (mode 0700; files mode 0600, replaced by rename):
//
//   config     = "probity-witness v1\n" "name " name "\n" "origin " origin "\n"
//                "log-vkey " log-vkey "\n"
//   latest     = text "\n" log-sigline cosig-line       ; absent until the first cosignature
//
// decimal has no leading zeros except "0" itself.
#include "ledger/witness.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "ledger/files.h"
#include "ledger/merkle.h"

namespace probity::witness {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kConfigMagic = "probity-witness v1";
constexpr size_t kCosignatureSize = 4 + 8 + kEd25519SignatureSize;  // 76
constexpr size_t kMaxStateFile = 1 << 20;

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

uint32_t BigEndian32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

uint64_t BigEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

// One signature line of a note, parsed as far as the signed-note format goes.
struct SigLine {
  std::string_view line;  // the whole line, final "\n" included
  std::string_view name;
  uint32_t key_id;
  Bytes payload;  // base64-decoded: key id, then the algorithm's signature bytes
};

struct SplitNote {
  std::string_view text;  // final "\n" included
  std::vector<SigLine> sigs;
};

// Splits a signed note (c2sp.org/signed-note) at its last blank line and parses the signature
// lines as note::Open does (same limits). The text's characters are left to the caller (every
// caller here runs note::ParseCheckpoint or note::Open over it).
Result<SplitNote> Split(std::string_view note) {
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::Invalid("note has no blank line before its signatures");
  }
  SplitNote out{note.substr(0, split + 1), {}};
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Status::Invalid("note has no signature lines");
  if (sigs.back() != '\n') return Status::Invalid("note does not end in a newline");
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view whole = sigs.substr(0, nl + 1);
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (out.sigs.size() == note::kMaxSignatures) {
      return Status::Invalid("note has more than " + std::to_string(note::kMaxSignatures) +
                             " signatures");
    }
    const std::string where = "signature line " + std::to_string(out.sigs.size() + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Status::Invalid(where + " does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::Invalid(where + " has no space between key name and signature");
    }
    std::string_view name = line.substr(0, space);
    if (!note::IsValidKeyName(name)) return Status::Invalid(where + " has an invalid key name");
    Result<Bytes> payload = Base64Decode(line.substr(space + 1));
    if (!payload.ok() || payload->size() < 5) {
      return Status::Invalid(where + " is not base64 of a key id and a signature");
    }
    uint32_t key_id = BigEndian32(payload->data());
    out.sigs.push_back(SigLine{whole, name, key_id, std::move(payload).value()});
  }
  return out;
}

// The checkpoint in the text of `note`, after Split. Invalid if it is not one.
Result<note::Checkpoint> CheckpointOf(std::string_view text) {
  Result<note::Checkpoint> c = note::ParseCheckpoint(text);
  if (!c.ok()) return c.status().WithContext("note text is not a checkpoint");
  return c;
}

}  // namespace

// ---- Keys and cosignatures ------------------------------------------------------------------

uint32_t CosignatureKeyId(std::string_view name, const PublicKey& key) {
  static constexpr uint8_t kSep[] = {'\n', kCosignatureV1Type};
  Hash h = Sha256({AsBytes(name), ByteSpan(kSep), ByteSpan(key.raw())});
  return BigEndian32(h.data());
}

Result<CosignerKey> CosignerKey::For(std::string_view name, const PublicKey& key) {
  if (!note::IsValidKeyName(name)) {
    return Status::Invalid("cosigner name '" + std::string(name) +
                           "' is empty or has '+' or a space");
  }
  return CosignerKey{std::string(name), CosignatureKeyId(name, key), key};
}

Result<CosignerKey> CosignerKey::FromVkey(std::string_view vkey) {
  auto parts = note::ParseVkey(vkey, kCosignatureV1Type, "Ed25519 cosignature/v1 (0x04)",
                               CosignatureKeyId, "cosigner vkey");
  if (!parts.ok()) return parts.status();
  return CosignerKey{std::move(parts->name), parts->key_id, std::move(parts->key)};
}

std::string CosignerKey::Vkey() const {
  return note::FormatVkey(name, key_id, kCosignatureV1Type, key);
}

std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string m = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  m += checkpoint_text;
  return m;
}

Result<std::string> CosignatureLine(std::string_view checkpoint_text, std::string_view name,
                                    const PrivateKey& key, uint64_t timestamp_seconds) {
  PROBITY_RETURN_IF_ERROR(CheckpointOf(checkpoint_text).status());
  if (!note::IsValidKeyName(name)) {
    return Status::Invalid("cosigner name '" + std::string(name) +
                           "' is empty or has '+' or a space");
  }
  if (timestamp_seconds > kMaxTimestamp) {
    return Status::Invalid("cosignature timestamp " + std::to_string(timestamp_seconds) +
                           " is above 2^63 - 1");
  }
  const uint32_t id = CosignatureKeyId(name, key.Public());
  Bytes payload;
  payload.reserve(kCosignatureSize);
  for (int shift = 24; shift >= 0; shift -= 8) payload.push_back(static_cast<uint8_t>(id >> shift));
  for (int shift = 56; shift >= 0; shift -= 8) {
    payload.push_back(static_cast<uint8_t>(timestamp_seconds >> shift));
  }
  Bytes sig = key.Sign(AsBytes(CosignatureMessage(checkpoint_text, timestamp_seconds)));
  payload.insert(payload.end(), sig.begin(), sig.end());
  std::string line(kSigPrefix);
  line += name;
  line += " ";
  line += Base64Encode(payload);
  line += "\n";
  return line;
}

namespace {

// The known witness a line claims to be from, or nullptr. Invalid if two known keys share
// the line's name and key id.
Result<const CosignerKey*> KnownWitness(const SigLine& sig,
                                        const std::vector<CosignerKey>& witnesses) {
  const CosignerKey* known = nullptr;
  for (const CosignerKey& w : witnesses) {
    if (w.name != sig.name || w.key_id != sig.key_id) continue;
    if (known != nullptr && !(known->key == w.key)) {
      return Status::Invalid("two known witness keys share name '" + w.name + "' and key id " +
                             Hex8(w.key_id));
    }
    known = &w;
  }
  return known;
}

// Ok if `sig` is a valid cosignature by `w` over `text`; stores its timestamp.
Status CheckCosignature(const SigLine& sig, const CosignerKey& w, std::string_view text,
                        const std::string& where, uint64_t* timestamp) {
  const std::string who =
      where + ": cosignature by '" + w.name + "' (key id " + Hex8(w.key_id) + ")";
  if (sig.payload.size() != kCosignatureSize) {
    return Status::Corrupt(who + " is " + std::to_string(sig.payload.size()) +
                           " bytes, not 4 + 8 + 64");
  }
  const uint64_t ts = BigEndian64(sig.payload.data() + 4);
  if (ts > kMaxTimestamp) {
    return Status::Corrupt(who + " has timestamp " + std::to_string(ts) + ", above 2^63 - 1");
  }
  if (!w.key.Verify(AsBytes(CosignatureMessage(text, ts)), ByteSpan(sig.payload).subspan(12))) {
    return Status::Corrupt(who + " does not verify");
  }
  *timestamp = ts;
  return Status::Ok();
}

}  // namespace

Result<std::vector<Cosignature>> VerifyCosignatures(std::string_view signed_note,
                                                    const std::vector<CosignerKey>& witnesses) {
  Result<SplitNote> split = Split(signed_note);
  if (!split.ok()) return split.status();
  PROBITY_RETURN_IF_ERROR(CheckpointOf(split->text).status());
  std::vector<Cosignature> out;
  for (size_t i = 0; i < split->sigs.size(); ++i) {
    const SigLine& sig = split->sigs[i];
    Result<const CosignerKey*> known = KnownWitness(sig, witnesses);
    if (!known.ok()) return known.status();
    if (*known == nullptr) continue;  // not a witness we know: ignored, as the spec requires
    uint64_t ts = 0;
    PROBITY_RETURN_IF_ERROR(CheckCosignature(sig, **known, split->text,
                                             "signature line " + std::to_string(i + 1), &ts));
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const Cosignature& c) { return c.name == sig.name; });
    if (it == out.end()) {
      out.push_back(Cosignature{std::string(sig.name), ts});
    } else {
      it->timestamp = std::max(it->timestamp, ts);
    }
  }
  return out;
}

// ---- The add-checkpoint request -------------------------------------------------------------

std::string FormatWitnessRequest(const WitnessRequest& request) {
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const Hash& h : request.proof) out += Base64Encode(h) + "\n";
  out += "\n";
  out += request.note;
  return out;
}

Result<WitnessRequest> ParseWitnessRequest(std::string_view body) {
  WitnessRequest r;
  size_t nl = body.find('\n');
  if (nl == std::string_view::npos) return Status::Invalid("request line 1 has no newline");
  std::string_view first = body.substr(0, nl);
  if (first.substr(0, 4) != "old ") {
    return Status::Invalid("request line 1 does not start with \"old \"");
  }
  Result<uint64_t> old_size = note::ParseDecimal(first.substr(4));
  if (!old_size.ok()) {
    return Status::Invalid("request line 1 (old size) " + old_size.status().message());
  }
  r.old_size = *old_size;
  body.remove_prefix(nl + 1);
  for (size_t line_no = 2;; ++line_no) {
    nl = body.find('\n');
    if (nl == std::string_view::npos) {
      return Status::Invalid("request has no blank line between the proof and the checkpoint");
    }
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    if (line.empty()) break;
    if (r.proof.size() == kMaxProofLines) {
      return Status::Invalid("request has more than " + std::to_string(kMaxProofLines) +
                             " consistency proof lines");
    }
    Result<Bytes> hash = Base64Decode(line);
    if (!hash.ok() || hash->size() != 32) {
      return Status::Invalid("request line " + std::to_string(line_no) +
                             " (proof hash) is not base64 of 32 bytes");
    }
    Hash h;
    std::copy(hash->begin(), hash->end(), h.begin());
    r.proof.push_back(h);
  }
  Result<SplitNote> split = Split(body);
  if (!split.ok()) return split.status().WithContext("request checkpoint");
  PROBITY_RETURN_IF_ERROR(CheckpointOf(split->text).status().WithContext("request checkpoint"));
  r.note = std::string(body);
  return r;
}

// ---- Witness state --------------------------------------------------------------------------

namespace {

using files::ErrnoStatus;
using files::Fd;
using files::Quoted;
using files::ReplaceFile;
using files::SyncDir;
using files::WriteTemp;

// Creates dir/name with `contents` atomically, never replacing an existing file: temporary
// file, fsync, link (which fails if the name exists), fsync dir.
Status CreateFileAtomically(const std::string& dir, const std::string& name,
                            std::string_view contents) {
  const std::string path = dir + "/" + name, tmp = dir + "/." + name + ".tmp";
  PROBITY_RETURN_IF_ERROR(WriteTemp(tmp, contents));
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) {
      return Status::Refused(Quoted(dir) +
                             " already holds witness state; refusing to overwrite it");
    }
    return ErrnoStatus("cannot create", path, err);
  }
  return SyncDir(dir);
}

// All of `path`, at most kMaxStateFile bytes. NotFound if it does not exist.
Result<std::string> ReadStateFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) return Status::Corrupt(Quoted(path) + " is not a regular file");
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read", path, errno);
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxStateFile) {
      return Status::Corrupt(Quoted(path) + " is larger than " + std::to_string(kMaxStateFile) +
                             " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

struct Config {
  std::string name;
  std::string origin;
  note::Verifier log;
};

std::string FormatConfig(std::string_view name, std::string_view origin, std::string_view vkey) {
  std::string out(kConfigMagic);
  out += "\nname ";
  out += name;
  out += "\norigin ";
  out += origin;
  out += "\nlog-vkey ";
  out += vkey;
  out += "\n";
  return out;
}

// True if `s` is a non-empty line: no "\n", no control character, valid as a checkpoint line.
bool IsValidOrigin(std::string_view origin) {
  if (origin.empty()) return false;
  note::Checkpoint probe{std::string(origin), 0, merkle::EmptyRoot(), {}};
  Result<note::Checkpoint> back = note::ParseCheckpoint(note::FormatCheckpoint(probe));
  return back.ok() && back->origin == origin;
}

Result<Config> ReadConfig(const std::string& dir) {
  const std::string path = dir + "/config";
  Result<std::string> text = ReadStateFile(path);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) {
      return Status::NotFound("no witness state in " + Quoted(dir) + " (" + Quoted(path) +
                              " does not exist); run init first");
    }
    return text.status();
  }
  const auto bad = [&](const std::string& why) {
    return Status::Corrupt(Quoted(path) + " " + why);
  };
  std::vector<std::string_view> lines;
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return bad("does not end in a newline");
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() != 4) return bad("has " + std::to_string(lines.size()) + " lines, not 4");
  if (lines[0] != kConfigMagic) return bad("line 1 is not \"" + std::string(kConfigMagic) + "\"");
  const std::string_view keys[] = {"name ", "origin ", "log-vkey "};
  std::string_view values[3];
  for (int i = 0; i < 3; ++i) {
    if (lines[i + 1].substr(0, keys[i].size()) != keys[i]) {
      return bad("line " + std::to_string(i + 2) + " does not start with \"" +
                 std::string(keys[i]) + "\"");
    }
    values[i] = lines[i + 1].substr(keys[i].size());
  }
  if (!note::IsValidKeyName(values[0])) return bad("has an invalid witness name");
  if (!IsValidOrigin(values[1])) return bad("has an invalid origin");
  Result<note::Verifier> log = note::Verifier::FromVkey(values[2]);
  if (!log.ok()) return bad("has an unreadable log-vkey: " + log.status().message());
  if (FormatConfig(values[0], values[1], log->Vkey()) != *text) {
    return bad("is not in canonical form");
  }
  return Config{std::string(values[0]), std::string(values[1]), std::move(log).value()};
}

struct Latest {
  std::string note;  // "" when nothing was cosigned yet
  note::Checkpoint checkpoint;
};

// dir/latest, re-checked: it opens with the log key and is a checkpoint of the origin; with
// `witness` also that it carries a valid cosignature by that key.
Result<Latest> ReadLatest(const std::string& dir, const Config& config,
                          const CosignerKey* witness) {
  const std::string path = dir + "/latest";
  Result<std::string> text = ReadStateFile(path);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return Latest{"", note::Checkpoint{}};
    return text.status();
  }
  Result<note::Opened> opened = note::Open(*text, {config.log});
  if (!opened.ok()) {
    return Status::Corrupt(Quoted(path) +
                           " does not open with the log key: " + opened.status().message());
  }
  Result<note::Checkpoint> c = note::ParseCheckpoint(opened->text);
  if (!c.ok()) return Status::Corrupt(Quoted(path) + ": " + c.status().message());
  if (c->origin != config.origin) {
    return Status::Corrupt(Quoted(path) + " is a checkpoint of '" + c->origin + "', not '" +
                           config.origin + "'");
  }
  if (witness != nullptr) {
    Result<std::vector<Cosignature>> cosigs = VerifyCosignatures(*text, {*witness});
    if (!cosigs.ok()) return cosigs.status().WithContext(Quoted(path));
    if (cosigs->empty()) {
      return Status::Refused(Quoted(path) + " is not cosigned by this witness key (" +
                             witness->Vkey() + "); is it the wrong key?");
    }
  }
  return Latest{std::move(text).value(), std::move(c).value()};
}

// Holds an exclusive flock(2) on a directory until destroyed.
class DirLock {
 public:
  static Result<DirLock> Take(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("cannot open", dir, errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      Status st = ErrnoStatus("cannot lock", dir, errno);
      ::close(fd);
      return st;
    }
    return DirLock(fd);
  }
  DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirLock& operator=(DirLock&&) = delete;
  DirLock(const DirLock&) = delete;
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Status InitWitness(const std::string& dir, const std::string& name,
                   const note::Verifier& log_verifier, const std::string& origin) {
  if (!note::IsValidKeyName(name)) {
    return Status::Invalid("witness name '" + name + "' is empty or has '+' or a space");
  }
  const std::string& followed = origin.empty() ? log_verifier.name : origin;
  if (!IsValidOrigin(followed)) {
    return Status::Invalid("log origin '" + followed + "' is not a valid origin line");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus("cannot create", dir, errno);
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return ErrnoStatus("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) return Status::Invalid(Quoted(dir) + " is not a directory");
  Result<DirLock> lock = DirLock::Take(dir);
  if (!lock.ok()) return lock.status();
  for (const char* f : {"/config", "/latest"}) {
    if (::lstat((dir + f).c_str(), &st) == 0) {
      return Status::Refused(Quoted(dir) +
                             " already holds witness state; refusing to overwrite it");
    }
  }
  return CreateFileAtomically(dir, "config", FormatConfig(name, followed, log_verifier.Vkey()));
}

Result<std::string> WitnessVkey(const std::string& dir, const PrivateKey& witness_key) {
  Result<Config> config = ReadConfig(dir);
  if (!config.ok()) return config.status();
  Result<CosignerKey> key = CosignerKey::For(config->name, witness_key.Public());
  if (!key.ok()) return key.status();
  return key->Vkey();
}

Result<std::string> LatestNote(const std::string& dir) {
  Result<Config> config = ReadConfig(dir);
  if (!config.ok()) return config.status();
  Result<Latest> latest = ReadLatest(dir, *config, nullptr);
  if (!latest.ok()) return latest.status();
  return std::move(latest->note);
}

Result<Cosigned> AddCheckpoint(const std::string& dir, const PrivateKey& witness_key,
                               std::string_view request, uint64_t now_seconds) {
  if (now_seconds == 0 || now_seconds > kMaxTimestamp) {
    return Status::Invalid("the cosignature time " + std::to_string(now_seconds) +
                           " is not in 1 .. 2^63 - 1");
  }
  Result<WitnessRequest> req = ParseWitnessRequest(request);
  if (!req.ok()) return req.status();

  Result<DirLock> lock = DirLock::Take(dir);
  if (!lock.ok()) return lock.status();
  Result<Config> config = ReadConfig(dir);
  if (!config.ok()) return config.status();
  Result<CosignerKey> self = CosignerKey::For(config->name, witness_key.Public());
  if (!self.ok()) return self.status();
  Result<Latest> latest = ReadLatest(dir, *config, &*self);
  if (!latest.ok()) return latest.status();
  const uint64_t last_size = latest->note.empty() ? 0 : latest->checkpoint.size;

  // The checkpoint: its origin, then the log's signature.
  Result<SplitNote> split = Split(req->note);
  if (!split.ok()) return split.status();  // ParseWitnessRequest already checked; not reached
  Result<note::Checkpoint> cp = CheckpointOf(split->text);
  if (!cp.ok()) return cp.status();
  if (cp->origin != config->origin) {
    return Status::NotFound("unknown log origin '" + cp->origin + "': this witness follows '" +
                            config->origin + "'");
  }
  Result<note::Opened> opened = note::Open(req->note, {config->log});
  if (!opened.ok()) {
    if (opened.status().code() == Code::kCorrupt) {
      return Status::Refused("signature: " + opened.status().message() + " (log key " +
                             config->log.Vkey() + ")");
    }
    return opened.status();
  }

  // Sizes: the request's old size must be what this witness last cosigned.
  if (req->old_size > cp->size) {
    std::string msg = "old size " + std::to_string(req->old_size) +
                      " is larger than the checkpoint size " + std::to_string(cp->size);
    if (cp->size < last_size) {
      msg = "rollback: the checkpoint has size " + std::to_string(cp->size) +
            " but this witness last cosigned size " + std::to_string(last_size) + " (" + msg + ")";
    }
    return Status::Invalid(msg);
  }
  if (req->old_size != last_size) {
    return Status::Refused("conflict: the request is from size " + std::to_string(req->old_size) +
                           " but this witness last cosigned size " + std::to_string(last_size));
  }
  if (cp->size == 0 && cp->root != merkle::EmptyRoot()) {
    return Status::Refused("proof: a checkpoint of size 0 must have the empty tree's root " +
                           Base64Encode(merkle::EmptyRoot()) + ", not " + Base64Encode(cp->root));
  }
  if (last_size == 0) {
    if (!req->proof.empty()) {
      return Status::Refused("proof: the consistency proof from size 0 must be empty, not " +
                             std::to_string(req->proof.size()) + " hashes");
    }
  } else if (cp->size == last_size) {
    if (cp->root != latest->checkpoint.root) {
      return Status::Refused("fork: the checkpoint has size " + std::to_string(cp->size) +
                             " and root " + Base64Encode(cp->root) +
                             " but this witness cosigned that size with root " +
                             Base64Encode(latest->checkpoint.root));
    }
    if (!req->proof.empty()) {
      return Status::Refused(
          "proof: the consistency proof between equal sizes must be empty, not " +
          std::to_string(req->proof.size()) + " hashes");
    }
  } else {
    Status consistent = merkle::VerifyConsistency(last_size, cp->size, req->proof,
                                                  latest->checkpoint.root, cp->root);
    if (!consistent.ok()) {
      return Status::Refused("fork: the consistency proof from size " + std::to_string(last_size) +
                             " (root " + Base64Encode(latest->checkpoint.root) + ") to size " +
                             std::to_string(cp->size) + " (root " + Base64Encode(cp->root) +
                             ") does not verify: " + consistent.message());
    }
  }

  // Every check passed: cosign, and keep the text, the log's (verified) line and ours. Only
  // the first line by the log key is kept, so dir/latest never outgrows note::kMaxSignatures.
  Result<std::string> line = CosignatureLine(split->text, config->name, witness_key, now_seconds);
  if (!line.ok()) return line.status();
  Cosigned out{std::move(line).value(), std::string(split->text) + "\n"};
  auto by_log = std::find_if(split->sigs.begin(), split->sigs.end(), [&](const SigLine& sig) {
    return sig.name == config->log.name && sig.key_id == config->log.key_id;
  });
  out.note += by_log->line;  // exists: note::Open verified a line by the log key
  out.note += out.line;
  PROBITY_RETURN_IF_ERROR(ReplaceFile(dir, "latest", out.note));
  return out;
}

}  // namespace probity::witness
