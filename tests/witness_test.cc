// Tests for ledger/witness.h: C2SP cosignature/v1 lines, the tlog-witness add-checkpoint
// request, and the directory-backed witness, against the public vectors in
// tests/vectors/cosignature_c2sp (see its README.txt) and logs built with merkle::Frontier.
#include "ledger/witness.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "tests/testing.h"

namespace probity::witness {
namespace {

namespace fs = std::filesystem;
using test::KeyFor;
using test::TempDir;

constexpr std::string_view kDash = "\xE2\x80\x94 ";

std::string ReadVector(const std::string& name) {
  const std::string path = std::string(PROBITY_VECTORS_DIR) + "/cosignature_c2sp/" + name;
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

note::Verifier MustNoteVerifier(std::string_view vkey) {
  Result<note::Verifier> v = note::Verifier::FromVkey(vkey);
  INFO(vkey << ": " << v.status().message());
  REQUIRE(v.ok());
  return *v;
}

CosignerKey MustCosigner(std::string_view name, const PublicKey& key) {
  Result<CosignerKey> k = CosignerKey::For(name, key);
  REQUIRE(k.ok());
  return *k;
}

// A published 0x01 note vkey used as a cosigner key (same name and key, 0x04 key id).
CosignerKey CosignerFromNoteVkey(std::string_view vkey) {
  note::Verifier v = MustNoteVerifier(vkey);
  return MustCosigner(v.name, v.key);
}

// The private key in a Go skey "PRIVATE+KEY+name+hex8+base64(0x01 || seed)".
PrivateKey KeyFromSkey(const std::string& skey) {
  size_t p = 0;
  for (int i = 0; i < 4; ++i) p = skey.find('+', p) + 1;
  Result<Bytes> seed = Base64Decode(skey.substr(p));
  REQUIRE(seed.ok());
  REQUIRE(seed->size() == 33);
  Result<PrivateKey> key = PrivateKey::FromSeed(ByteSpan(*seed).subspan(1));
  REQUIRE(key.ok());
  return std::move(key).value();
}

std::string MustLine(std::string_view text, std::string_view name, const PrivateKey& key,
                     uint64_t ts) {
  Result<std::string> line = CosignatureLine(text, name, key, ts);
  INFO(line.status().message());
  REQUIRE(line.ok());
  return *line;
}

std::vector<Cosignature> MustVerify(std::string_view note, const std::vector<CosignerKey>& ws) {
  Result<std::vector<Cosignature>> r = VerifyCosignatures(note, ws);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

// The text of a signed note (everything up to its last blank line, final "\n" included).
std::string TextOf(const std::string& note) { return note.substr(0, note.rfind("\n\n") + 1); }

// ---- A log built as the store builds it ---------------------------------------------------

class MapReader : public merkle::NodeReader {
 public:
  void Put(const std::vector<merkle::Node>& nodes) {
    for (const merkle::Node& n : nodes) nodes_[{n.level, n.index}] = n.hash;
  }
  Result<Hash> Get(uint32_t level, uint64_t index) const override {
    auto it = nodes_.find({level, index});
    if (it == nodes_.end()) return Status::NotFound("no node");
    return it->second;
  }

 private:
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes_;
};

class TestLog {
 public:
  // Leaves are "<origin> <salt>leaf <i>": logs that differ only in `salt` fork.
  explicit TestLog(std::string origin, const std::string& key_name = "log", std::string salt = "")
      : origin_(std::move(origin)), salt_(std::move(salt)), key_(KeyFor(key_name)) {}

  note::Verifier Verifier() const {
    return note::Verifier{origin_, note::KeyIdFor(origin_, key_.Public()), key_.Public()};
  }
  void GrowTo(uint64_t size) {
    while (frontier_.size() < size) {
      reader_.Put(frontier_.Append(merkle::LeafHash(
          AsBytes(origin_ + " " + salt_ + "leaf " + std::to_string(frontier_.size())))));
    }
  }
  Hash Root(uint64_t size) const {
    Result<Hash> r = merkle::RootAt(reader_, size);
    REQUIRE(r.ok());
    return *r;
  }
  std::string Checkpoint(uint64_t size) const { return CheckpointWithRoot(size, Root(size)); }
  std::string CheckpointWithRoot(uint64_t size, const Hash& root) const {
    std::string text = note::FormatCheckpoint(note::Checkpoint{origin_, size, root, {}});
    Result<std::string> n = note::Sign(text, origin_, key_);
    REQUIRE(n.ok());
    return *n;
  }
  std::vector<Hash> Proof(uint64_t old_size, uint64_t new_size) const {
    if (old_size == 0 || old_size == new_size) return {};
    Result<std::vector<Hash>> p = merkle::ConsistencyProof(reader_, old_size, new_size);
    REQUIRE(p.ok());
    return *p;
  }
  std::string Request(uint64_t old_size, uint64_t new_size) const {
    return FormatWitnessRequest({old_size, Proof(old_size, new_size), Checkpoint(new_size)});
  }

 private:
  std::string origin_, salt_;
  PrivateKey key_;
  merkle::Frontier frontier_;
  MapReader reader_;
};

// Every file in `dir` by name, with its contents: equal snapshots mean nothing changed.
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[e.path().filename().string()] = ss.str();
  }
  return out;
}

Cosigned MustAdd(const std::string& dir, const PrivateKey& key, const std::string& request,
                 uint64_t now) {
  Result<Cosigned> r = AddCheckpoint(dir, key, request, now);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

constexpr uint64_t kNow = 1556668800;  // 2019-05-01T00:00:00Z

// ---- Keys -----------------------------------------------------------------------------------

TEST_CASE("Cosignature key ids are SHA-256(name || 0x0A || 0x04 || key)[:4] and vkeys round-trip",
          "[witness]") {
  PrivateKey key = KeyFor("witness-one");
  const std::string name = "witness.example/one";
  Bytes buf(name.begin(), name.end());
  buf.push_back(0x0A);
  buf.push_back(0x04);
  buf.insert(buf.end(), key.Public().raw().begin(), key.Public().raw().end());
  Hash h = Sha256(buf);
  const uint32_t want = uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3];
  CHECK(CosignatureKeyId(name, key.Public()) == want);
  CHECK(CosignatureKeyId(name, key.Public()) != note::KeyIdFor(name, key.Public()));

  CosignerKey k = MustCosigner(name, key.Public());
  CHECK(k.key_id == want);
  const std::string vkey = k.Vkey();
  Result<CosignerKey> back = CosignerKey::FromVkey(vkey);
  REQUIRE(back.ok());
  CHECK(back->name == name);
  CHECK(back->key_id == want);
  CHECK(back->key == key.Public());
  CHECK(back->Vkey() == vkey);

  // The transparency-dev witness test key, re-typed 0x04 (derived with Python, see README).
  PrivateKey w = KeyFromSkey(Trimmed(ReadVector("witness.skey")));
  CHECK(CosignerFromNoteVkey(Trimmed(ReadVector("witness.vkey"))).key == w.Public());
  CHECK(MustCosigner("witness", w.Public()).Vkey() ==
        "witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN");
  // The Armored Witness fleet's cosignature key ids, as found in their cosignature lines.
  std::map<std::string, uint32_t> ids;
  for (const std::string& vk : Lines(ReadVector("armored-witness-prod.vkeys"))) {
    CosignerKey c = CosignerFromNoteVkey(vk);
    ids[c.name] = c.key_id;
  }
  CHECK(ids == std::map<std::string, uint32_t>{{"ArmoredWitness-autumn-wood", 0xa996f95d},
                                               {"ArmoredWitness-floral-sky", 0xc7cf0b6d},
                                               {"ArmoredWitness-small-breeze", 0x9d1ab951},
                                               {"ArmoredWitness-weathered-rain", 0x0a78df20}});
}

TEST_CASE("FromVkey refuses note (0x01) keys, wrong key ids, lengths and names", "[witness]") {
  const std::string good = "witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN";
  REQUIRE(CosignerKey::FromVkey(good).ok());
  struct Bad {
    std::string vkey, says;
  };
  std::vector<Bad> bad = {
      {"witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "0x01"},
      {"witness+24b37852+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "does not match"},
      {"witness+24B37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "lower-case hex"},
      {"witness+24b3785+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "8 lower-case hex"},
      {"Witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "does not match"},
      {"witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42w==", "not 32"},
      {"witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN ", "not base64"},
      {"wit ness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "invalid key name"},
      {"+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN", "invalid key name"},
      {"witness+24b37851", "name+keyid+key"},
  };
  for (const Bad& b : bad) {
    Result<CosignerKey> r = CosignerKey::FromVkey(b.vkey);
    INFO(b.vkey);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Catch::Contains(b.says));
  }
  CHECK(CosignerKey::For("a b", KeyFor("x").Public()).status().code() == Code::kInvalid);
}

// ---- Cosignatures ---------------------------------------------------------------------------

TEST_CASE(
    "A cosignature made here verifies, and a changed text, timestamp, signature or key id "
    "does not",
    "[witness]") {
  TestLog log("example.com/log");
  log.GrowTo(7);
  const std::string note = log.Checkpoint(7);
  const std::string text = TextOf(note);
  PrivateKey key = KeyFor("w1");
  CosignerKey w = MustCosigner("w1.example", key.Public());
  const std::string line = MustLine(text, "w1.example", key, kNow);

  // The line is exactly "— name base64(id || ts || sig)\n" and signs the cosignature message.
  REQUIRE(line.rfind(std::string(kDash) + "w1.example ", 0) == 0);
  REQUIRE(line.back() == '\n');
  Result<Bytes> raw = Base64Decode(line.substr(kDash.size() + 11, line.size() - kDash.size() - 12));
  REQUIRE(raw.ok());
  REQUIRE(raw->size() == 76);
  CHECK((uint32_t{(*raw)[0]} << 24 | uint32_t{(*raw)[1]} << 16 | uint32_t{(*raw)[2]} << 8 |
         (*raw)[3]) == w.key_id);
  uint64_t ts = 0;
  for (int i = 4; i < 12; ++i) ts = ts << 8 | (*raw)[i];
  CHECK(ts == kNow);
  CHECK(CosignatureMessage(text, kNow) == "cosignature/v1\ntime 1556668800\n" + text);
  CHECK(key.Public().Verify(AsBytes(CosignatureMessage(text, kNow)), ByteSpan(*raw).subspan(12)));

  const std::string cosigned = note + line;
  CHECK(MustVerify(cosigned, {w}) == std::vector<Cosignature>{{"w1.example", kNow}});
  // The log's own line is still a valid note signature (a cosignature line is unknown to it).
  CHECK(note::Open(cosigned, {log.Verifier()}).ok());

  const auto with_payload = [&](const Bytes& payload) {
    return note + std::string(kDash) + "w1.example " + Base64Encode(payload) + "\n";
  };
  for (size_t i : {4, 8, 11, 12, 40, 75}) {  // timestamp bytes and signature bytes
    Bytes tampered = *raw;
    tampered[i] ^= 0x01;
    Result<std::vector<Cosignature>> r = VerifyCosignatures(with_payload(tampered), {w});
    INFO(i);
    CHECK(r.status().code() == Code::kCorrupt);
    CHECK_THAT(r.status().message(), Catch::Contains("'w1.example'"));
  }
  // A different text: the tree size 7 becomes 6.
  std::string other = cosigned;
  REQUIRE(other[other.find('\n') + 1] == '7');
  other[other.find('\n') + 1] = '6';
  CHECK(VerifyCosignatures(other, {w}).status().code() == Code::kCorrupt);
  // A changed key id is an unknown key: ignored.
  Bytes other_id = *raw;
  other_id[0] ^= 0x01;
  CHECK(MustVerify(with_payload(other_id), {w}).empty());
  // A timestamp above 2^63 - 1 is refused even before the signature is checked.
  Bytes big_ts = *raw;
  big_ts[4] = 0x80;
  Result<std::vector<Cosignature>> r = VerifyCosignatures(with_payload(big_ts), {w});
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("above 2^63 - 1"));
  // A known witness's line of the wrong length.
  Bytes longer = *raw;
  longer.push_back(0);
  CHECK_THAT(VerifyCosignatures(with_payload(longer), {w}).status().message(),
             Catch::Contains("77 bytes"));
  // The same key under another name is another cosigner: its line is unknown.
  CHECK(MustVerify(cosigned, {MustCosigner("w2.example", key.Public())}).empty());
}

TEST_CASE("The Armored Witness production cosignatures verify with their published keys",
          "[witness]") {
  std::vector<CosignerKey> fleet;
  std::vector<note::Verifier> as_note_keys;
  for (const std::string& vk : Lines(ReadVector("armored-witness-prod.vkeys"))) {
    fleet.push_back(CosignerFromNoteVkey(vk));
    as_note_keys.push_back(MustNoteVerifier(vk));
  }
  const std::string ci3 = ReadVector("armored-witness-ftlog-ci-3.note");
  const std::string pixel = ReadVector("armored-witness-pixel.note");

  CHECK(MustVerify(ci3, fleet) ==
        std::vector<Cosignature>{{"ArmoredWitness-weathered-rain", 1729698503},
                                 {"ArmoredWitness-floral-sky", 1729698499}});
  // The pixel log signs with ECDSA, a line type we do not know: ignored.
  CHECK(MustVerify(pixel, fleet) ==
        std::vector<Cosignature>{{"ArmoredWitness-small-breeze", 1738713836},
                                 {"ArmoredWitness-autumn-wood", 1738713829}});
  // The log's own Ed25519 signature verifies as a plain note signature.
  note::Verifier log = MustNoteVerifier(Trimmed(ReadVector("armored-witness-ftlog-ci-3.vkey")));
  Result<note::Opened> opened = note::Open(ci3, {log});
  REQUIRE(opened.ok());
  Result<note::Checkpoint> cp = note::ParseCheckpoint(opened->text);
  REQUIRE(cp.ok());
  CHECK(cp->origin == "transparency.dev/armored-witness/firmware_transparency/ci/3");
  CHECK(cp->size == 59);
  // Used as plain note keys (0x01 key ids) the witnesses' keys match no line.
  CHECK(note::Open(ci3, as_note_keys).status().message() == "no signature by a known key");
  // Only a subset configured: the others are unknown and ignored.
  CHECK(MustVerify(ci3, {fleet[1]}) ==
        std::vector<Cosignature>{{"ArmoredWitness-floral-sky", 1729698499}});
  // One changed digit of the tree size breaks both cosignatures (and the log signature).
  std::string changed = ci3;
  changed[changed.find("\n59\n") + 2] = '8';
  Result<std::vector<Cosignature>> r = VerifyCosignatures(changed, fleet);
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("ArmoredWitness-weathered-rain"));
}

TEST_CASE("A cosignature by the transparency-dev witness test key matches the known answer",
          "[witness]") {
  // Computed independently with Python's cryptography package (README.txt, section 2).
  PrivateKey w = KeyFromSkey(Trimmed(ReadVector("witness.skey")));
  const std::string text = TextOf(ReadVector("monkeys-8.note"));
  CHECK(MustLine(text, "witness", w, 1700000000) ==
        "\xE2\x80\x94 witness JLN4UQAAAABlU/EAULwRn53qQOl2faLVTsoQZZwdIsbHrGSa7dr+KeUBhPQM5AnDXaUn"
        "wn1avsYVVbx0m4SqbgSXiTrlj0gK+2qADg==\n");
}

TEST_CASE("CosignatureLine refuses text that is not a checkpoint, bad names and huge timestamps",
          "[witness]") {
  PrivateKey key = KeyFor("w");
  const std::string text = TextOf(ReadVector("monkeys-8.note"));
  CHECK(CosignatureLine(text, "w", key, kMaxTimestamp).ok());
  CHECK(CosignatureLine(text, "w", key, 0).ok());
  CHECK(CosignatureLine(text, "w", key, kMaxTimestamp + 1).status().code() == Code::kInvalid);
  CHECK(CosignatureLine(text, "w x", key, 1).status().code() == Code::kInvalid);
  CHECK(CosignatureLine(text, "", key, 1).status().code() == Code::kInvalid);
  CHECK(CosignatureLine("hello\n", "w", key, 1).status().code() == Code::kInvalid);
  CHECK(CosignatureLine("monkeys\n8\n", "w", key, 1).status().code() == Code::kInvalid);
  CHECK(CosignatureLine(text.substr(0, text.size() - 1), "w", key, 1).status().code() ==
        Code::kInvalid);
  CHECK(CosignatureLine("o\n08\n" + text.substr(text.find('\n', 8) + 1), "w", key, 1)
            .status()
            .code() == Code::kInvalid);
}

TEST_CASE(
    "VerifyCosignatures lists each witness once with its latest time and refuses malformed "
    "notes",
    "[witness]") {
  TestLog log("example.com/log");
  log.GrowTo(3);
  const std::string note = log.Checkpoint(3);
  const std::string text = TextOf(note);
  PrivateKey a = KeyFor("a"), b = KeyFor("b"), stranger = KeyFor("stranger");
  CosignerKey wa = MustCosigner("a", a.Public()), wb = MustCosigner("b", b.Public());
  const std::string all = note + MustLine(text, "b", b, 20) +
                          MustLine(text, "stranger", stranger, 5) + MustLine(text, "a", a, 30) +
                          MustLine(text, "b", b, 40) + MustLine(text, "b", b, 10);
  CHECK(MustVerify(all, {wa, wb}) == std::vector<Cosignature>{{"b", 40}, {"a", 30}});
  CHECK(MustVerify(all, {}).empty());
  CHECK(MustVerify(note, {wa}).empty());

  // Two known keys that share name and key id but differ: a configuration error.
  CosignerKey clash = wa;
  clash.key = b.Public();
  CHECK(VerifyCosignatures(all, {wa, clash}).status().code() == Code::kInvalid);

  struct Bad {
    std::string note, says;
  };
  const std::string line_a = MustLine(text, "a", a, 30);
  std::vector<Bad> bad = {
      {text + line_a, "no blank line"},
      {text + "\n", "no signature lines"},
      {note + line_a.substr(0, line_a.size() - 1), "does not end in a newline"},
      {note + "- a " + line_a.substr(kDash.size() + 2), "em dash"},
      {note + std::string(kDash) + "a+b " + line_a.substr(kDash.size() + 2), "invalid key name"},
      {note + std::string(kDash) + "a " + "!!!!\n", "not base64"},
      {"hello\n\n" + line_a, "not a checkpoint"},
      {"o\n01\n" + text.substr(text.find('\n', text.find('\n') + 1) + 1) + "\n" + line_a,
       "leading zero"},
  };
  for (const Bad& x : bad) {
    Result<std::vector<Cosignature>> r = VerifyCosignatures(x.note, {wa});
    INFO(x.note);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Catch::Contains(x.says));
  }
  // At most note::kMaxSignatures lines, as note::Open.
  std::string many = note;
  for (size_t i = 1; i < note::kMaxSignatures; ++i) many += MustLine(text, "stranger", stranger, i);
  CHECK(VerifyCosignatures(many, {wa}).ok());
  CHECK_THAT(VerifyCosignatures(many + line_a, {wa}).status().message(),
             Catch::Contains("more than 100 signatures"));
}

// ---- Requests -------------------------------------------------------------------------------

TEST_CASE("The tlog-witness example request parses and formats back byte for byte", "[witness]") {
  const std::string body = ReadVector("tlog-witness-example.request");
  Result<WitnessRequest> r = ParseWitnessRequest(body);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->old_size == 20852014);
  REQUIRE(r->proof.size() == 4);
  CHECK(Base64Encode(r->proof[0]) == "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=");
  CHECK(Base64Encode(r->proof[3]) == "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
  CHECK(r->note.rfind("example.com/behind-the-sofa\n20852163\n", 0) == 0);
  CHECK(FormatWitnessRequest(*r) == body);
}

TEST_CASE("Requests round-trip for empty, short and 63-hash proofs", "[witness]") {
  TestLog log("example.com/log");
  log.GrowTo(2);
  const std::string note = log.Checkpoint(2);
  for (size_t n : {0, 1, 5, 63}) {
    WitnessRequest req{n * 1000, {}, note};
    for (size_t i = 0; i < n; ++i)
      req.proof.push_back(merkle::LeafHash(AsBytes(std::to_string(i))));
    const std::string body = FormatWitnessRequest(req);
    Result<WitnessRequest> back = ParseWitnessRequest(body);
    INFO(n << ": " << back.status().message());
    REQUIRE(back.ok());
    CHECK(*back == req);
    CHECK(FormatWitnessRequest(*back) == body);
  }
  CHECK(FormatWitnessRequest({0, {}, note}) == "old 0\n\n" + note);
}

TEST_CASE("Malformed requests are Invalid and say what is wrong", "[witness]") {
  TestLog log("example.com/log");
  log.GrowTo(2);
  const std::string note = log.Checkpoint(2);
  const std::string h = Base64Encode(merkle::LeafHash(AsBytes("x")));
  std::string sixty_four = "old 1\n";
  for (int i = 0; i < 64; ++i) sixty_four += h + "\n";
  sixty_four += "\n" + note;
  struct Bad {
    std::string body, says;
  };
  std::vector<Bad> bad = {
      {"", "no newline"},
      {"old 1", "no newline"},
      {"new 1\n\n" + note, "does not start with \"old \""},
      {"old  1\n\n" + note, "not a decimal"},
      {"old\n\n" + note, "does not start with \"old \""},
      {"old 01\n\n" + note, "leading zero"},
      {"old -1\n\n" + note, "not a decimal"},
      {"old 1 \n\n" + note, "not a decimal"},
      {"old 18446744073709551616\n\n" + note, "does not fit in 64 bits"},
      {"old 1\r\n\n" + note, "not a decimal"},
      {"old 1\n" + h.substr(0, 40) + "\n\n" + note, "line 2 (proof hash)"},
      {"old 1\n" + h + " \n\n" + note, "line 2 (proof hash)"},
      {"old 1\n" + h + "\n" + Base64Encode(AsBytes("short")) + "\n\n" + note,
       "line 3 (proof hash)"},
      {"old 1\n" + h + "\n", "no blank line"},
      {"old 1\n" + h + "\n" + note, "line 3 (proof hash)"},
      {sixty_four, "more than 63"},
      {"old 1\n\n", "request checkpoint: note has no blank line"},
      {"old 1\n\n\n" + note, "not a checkpoint"},
      {"old 1\n\nhello\n\n" + note.substr(note.find("\xE2\x80\x94")), "not a checkpoint"},
      {"old 1\n\n" + note.substr(0, note.size() - 1), "does not end in a newline"},
  };
  for (const Bad& b : bad) {
    Result<WitnessRequest> r = ParseWitnessRequest(b.body);
    INFO(b.body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Catch::Contains(b.says));
  }
}

// ---- The witness ----------------------------------------------------------------------------

TEST_CASE("A witness cosigns a growing log, checkpoint after checkpoint, and remembers the last",
          "[witness]") {
  TempDir tmp("probity-witness-test");
  const std::string dir = tmp.File("w");
  TestLog log("example.com/log");
  PrivateKey wkey = KeyFor("witness");
  REQUIRE(InitWitness(dir, "witness.example/w", log.Verifier()).ok());
  CosignerKey self = MustCosigner("witness.example/w", wkey.Public());

  struct stat st;
  REQUIRE(::stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((dir + "/config").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(Snapshot(dir) == std::map<std::string, std::string>{
                             {"config",
                              "probity-witness v1\nname witness.example/w\norigin example.com/log\n"
                              "log-vkey " +
                                  log.Verifier().Vkey() + "\n"}});
  Result<std::string> vkey = WitnessVkey(dir, wkey);
  REQUIRE(vkey.ok());
  CHECK(*vkey == self.Vkey());
  CHECK(LatestNote(dir).value().empty());

  uint64_t prev = 0, now = kNow;
  for (uint64_t size : {0, 1, 3, 3, 8, 9, 16, 100, 1000}) {
    log.GrowTo(size);
    INFO("from " << prev << " to " << size);
    const std::string checkpoint = log.Checkpoint(size);
    Cosigned c = MustAdd(dir, wkey, log.Request(prev, size), ++now);
    CHECK(c.note == checkpoint + c.line);
    CHECK(c.line == MustLine(TextOf(checkpoint), "witness.example/w", wkey, now));
    CHECK(MustVerify(c.note, {self}) == std::vector<Cosignature>{{"witness.example/w", now}});
    CHECK(note::Open(c.note, {log.Verifier()}).ok());
    CHECK(LatestNote(dir).value() == c.note);
    CHECK(Snapshot(dir).at("latest") == c.note);
    REQUIRE(::stat((dir + "/latest").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(Snapshot(dir).size() == 2);  // no temporary file left behind
    prev = size;
  }

  // Signatures by unknown keys in the request are dropped from what the witness keeps.
  log.GrowTo(1001);
  const std::string plain = log.Checkpoint(1001);
  const std::string extra =
      plain + MustLine(TextOf(plain), "someone-else", KeyFor("someone-else"), 7);
  Cosigned c = MustAdd(dir, wkey, FormatWitnessRequest({1000, log.Proof(1000, 1001), extra}), 2);
  CHECK(c.note == plain + c.line);
}

TEST_CASE(
    "A witness follows the transparency-dev monkeys log from 5 to 8 with its published "
    "proof",
    "[witness]") {
  TempDir tmp("probity-witness-test");
  const std::string dir = tmp.File("w");
  PrivateKey wkey = KeyFromSkey(Trimmed(ReadVector("witness.skey")));
  note::Verifier monkeys = MustNoteVerifier(Trimmed(ReadVector("monkeys.vkey")));
  REQUIRE(InitWitness(dir, "witness", monkeys).ok());
  CHECK(WitnessVkey(dir, wkey).value() ==
        "witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN");

  const std::string five = ReadVector("monkeys-5.note"), eight = ReadVector("monkeys-8.note");
  WitnessRequest to8{5, {}, eight};
  for (const std::string& hex : Lines(ReadVector("monkeys-5-to-8.proof"))) {
    Result<Bytes> b = HexDecode(hex);
    REQUIRE(b.ok());
    REQUIRE(b->size() == 32);
    Hash h;
    std::copy(b->begin(), b->end(), h.begin());
    to8.proof.push_back(h);
  }
  REQUIRE(to8.proof.size() == 4);

  MustAdd(dir, wkey, FormatWitnessRequest({0, {}, five}), 1700000000);
  // A garbled proof is a fork and changes nothing.
  auto before = Snapshot(dir);
  WitnessRequest garbled = to8;
  garbled.proof[2][0] ^= 0x01;
  Result<Cosigned> r = AddCheckpoint(dir, wkey, FormatWitnessRequest(garbled), 1700000001);
  CHECK(r.status().code() == Code::kRefused);
  CHECK_THAT(r.status().message(), Catch::StartsWith("fork: "));
  CHECK(Snapshot(dir) == before);

  Cosigned c = MustAdd(dir, wkey, FormatWitnessRequest(to8), 1700000000);
  CHECK(c.note == eight + c.line);
  // The same known answer as the cosignature test above.
  CHECK(c.line ==
        "\xE2\x80\x94 witness JLN4UQAAAABlU/EAULwRn53qQOl2faLVTsoQZZwdIsbHrGSa7dr+KeUBhPQM5AnDXaUn"
        "wn1avsYVVbx0m4SqbgSXiTrlj0gK+2qADg==\n");
}

TEST_CASE(
    "A witness refuses conflicts, rollbacks, forks, other keys and other logs, and changes "
    "nothing",
    "[witness]") {
  TempDir tmp("probity-witness-test");
  const std::string dir = tmp.File("w");
  TestLog log("example.com/log");
  PrivateKey wkey = KeyFor("witness");
  REQUIRE(InitWitness(dir, "w", log.Verifier()).ok());
  log.GrowTo(20);
  MustAdd(dir, wkey, log.Request(0, 10), kNow);
  const auto state = Snapshot(dir);

  TestLog impostor("example.com/log", "impostor");  // same origin, another key
  impostor.GrowTo(20);
  TestLog other("example.org/other");  // another origin
  other.GrowTo(20);
  TestLog forked("example.com/log", "log", "forked ");  // same origin and key, other leaves
  forked.GrowTo(20);
  // A fork signed by the real key: its own leaves, the real log's name and key.
  const auto forked_checkpoint = [&](uint64_t size) {
    return log.CheckpointWithRoot(size, forked.Root(size));
  };
  std::string unsigned_note = log.Checkpoint(12);
  unsigned_note = unsigned_note.substr(0, unsigned_note.rfind("\n\n") + 2) +
                  MustLine(TextOf(unsigned_note), "stranger", KeyFor("stranger"), 1);
  std::string bad_sig = log.Checkpoint(12);
  bad_sig[bad_sig.size() - 5] = bad_sig[bad_sig.size() - 5] == 'A' ? 'B' : 'A';

  struct Case {
    std::string what, request;
    Code code;
    std::string says;
  };
  std::vector<Case> cases = {
      {"conflict: old size below the last", log.Request(5, 12), Code::kRefused,
       "conflict: the request is from size 5 but this witness last cosigned size 10"},
      {"conflict: old size above the last", log.Request(11, 12), Code::kRefused,
       "conflict: the request is from size 11 but this witness last cosigned size 10"},
      {"conflict: old size 0 after cosigning", log.Request(0, 12), Code::kRefused,
       "conflict: the request is from size 0 but this witness last cosigned size 10"},
      {"rollback to a smaller checkpoint", FormatWitnessRequest({10, {}, log.Checkpoint(8)}),
       Code::kInvalid,
       "rollback: the checkpoint has size 8 but this witness last cosigned size 10"},
      {"old size above the checkpoint", FormatWitnessRequest({15, {}, log.Checkpoint(12)}),
       Code::kInvalid, "old size 15 is larger than the checkpoint size 12"},
      {"fork at the same size", FormatWitnessRequest({10, {}, forked_checkpoint(10)}),
       Code::kRefused, "fork: the checkpoint has size 10"},
      {"fork at a larger size with the forked log's proof",
       FormatWitnessRequest({10, forked.Proof(10, 12), forked_checkpoint(12)}), Code::kRefused,
       "fork: the consistency proof from size 10"},
      {"larger checkpoint with a proof for other sizes",
       FormatWitnessRequest({10, log.Proof(9, 12), log.Checkpoint(12)}), Code::kRefused, "fork: "},
      {"larger checkpoint without a proof", FormatWitnessRequest({10, {}, log.Checkpoint(12)}),
       Code::kRefused, "fork: "},
      {"same size with a proof", FormatWitnessRequest({10, log.Proof(9, 10), log.Checkpoint(10)}),
       Code::kRefused, "proof: the consistency proof between equal sizes must be empty"},
      {"signed by another key", impostor.Request(10, 12), Code::kRefused, "signature: "},
      {"signed by no known key", FormatWitnessRequest({10, log.Proof(10, 12), unsigned_note}),
       Code::kRefused, "signature: no signature by a known key"},
      {"a bad log signature", FormatWitnessRequest({10, log.Proof(10, 12), bad_sig}),
       Code::kRefused, "signature: "},
      {"another origin", other.Request(10, 12), Code::kNotFound,
       "unknown log origin 'example.org/other': this witness follows 'example.com/log'"},
      {"malformed", "old 10\n", Code::kInvalid, "no blank line"},
  };
  for (const Case& c : cases) {
    Result<Cosigned> r = AddCheckpoint(dir, wkey, c.request, kNow + 1);
    INFO(c.what << ": " << r.status().message());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == c.code);
    CHECK_THAT(r.status().message(), Catch::Contains(c.says));
    CHECK(Snapshot(dir) == state);
  }
  // A time of 0 (the spec forbids a zero timestamp) or above 2^63 - 1.
  CHECK(AddCheckpoint(dir, wkey, log.Request(10, 12), 0).status().code() == Code::kInvalid);
  CHECK(AddCheckpoint(dir, wkey, log.Request(10, 12), kMaxTimestamp + 1).status().code() ==
        Code::kInvalid);
  // Another witness key: the stored cosignature is not by it.
  Result<Cosigned> wrong = AddCheckpoint(dir, KeyFor("not-the-witness"), log.Request(10, 12), kNow);
  CHECK(wrong.status().code() == Code::kRefused);
  CHECK_THAT(wrong.status().message(), Catch::Contains("wrong key"));
  CHECK(Snapshot(dir) == state);
  // And the honest request still works afterwards.
  MustAdd(dir, wkey, log.Request(10, 12), kNow + 2);
}

TEST_CASE("A witness from size 0 needs an empty proof, and a size-0 checkpoint the empty root",
          "[witness]") {
  TempDir tmp("probity-witness-test");
  const std::string dir = tmp.File("w");
  TestLog log("example.com/log");
  PrivateKey wkey = KeyFor("witness");
  REQUIRE(InitWitness(dir, "w", log.Verifier()).ok());
  log.GrowTo(4);
  const auto state = Snapshot(dir);
  Result<Cosigned> r =
      AddCheckpoint(dir, wkey, FormatWitnessRequest({0, log.Proof(2, 4), log.Checkpoint(4)}), kNow);
  CHECK(r.status().code() == Code::kRefused);
  CHECK_THAT(r.status().message(), Catch::Contains("from size 0 must be empty"));
  r = AddCheckpoint(dir, wkey,
                    FormatWitnessRequest({0, {}, log.CheckpointWithRoot(0, log.Root(4))}), kNow);
  CHECK(r.status().code() == Code::kRefused);
  CHECK_THAT(r.status().message(), Catch::Contains("size 0 must have the empty tree's root"));
  CHECK(Snapshot(dir) == state);
  // The empty tree, then from 0 to 4 again (the witness still says it last cosigned size 0).
  MustAdd(dir, wkey, log.Request(0, 0), kNow);
  MustAdd(dir, wkey, log.Request(0, 4), kNow);
  CHECK(note::ParseCheckpoint(TextOf(LatestNote(dir).value())).value().size == 4);
}

TEST_CASE("InitWitness refuses existing state and bad names, damaged state is reported",
          "[witness]") {
  TempDir tmp("probity-witness-test");
  const std::string dir = tmp.File("w");
  TestLog log("example.com/log");
  PrivateKey wkey = KeyFor("witness");
  CHECK(InitWitness(dir, "a b", log.Verifier()).code() == Code::kInvalid);
  CHECK(InitWitness(dir, "", log.Verifier()).code() == Code::kInvalid);
  CHECK(AddCheckpoint(dir, wkey, log.Request(0, 0), kNow).status().code() == Code::kNotFound);
  REQUIRE(InitWitness(dir, "w", log.Verifier()).ok());
  const auto fresh = Snapshot(dir);
  Status again = InitWitness(dir, "w2", log.Verifier());
  CHECK(again.code() == Code::kRefused);
  CHECK_THAT(again.message(), Catch::Contains("already holds witness state"));
  CHECK(Snapshot(dir) == fresh);
  CHECK(WitnessVkey(tmp.File("nowhere"), wkey).status().code() == Code::kNotFound);

  log.GrowTo(5);
  MustAdd(dir, wkey, log.Request(0, 5), kNow);
  const auto good = Snapshot(dir);
  const auto write = [&](const std::string& name, const std::string& contents) {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out << contents;
  };
  const auto expect_damaged = [&](const std::string& says) {
    Result<Cosigned> r = AddCheckpoint(dir, wkey, log.Request(5, 5), kNow);
    INFO(r.status().message());
    CHECK(r.status().code() == Code::kCorrupt);
    CHECK_THAT(r.status().message(), Catch::Contains(says));
  };
  // The config: extra spaces, a changed vkey, a missing line, a bad name.
  const std::string config = good.at("config");
  write("config", config + "\n");
  expect_damaged("has 5 lines");
  write("config", config.substr(0, config.find("name ")) + "name  w" +
                      config.substr(config.find("\norigin")));
  expect_damaged("invalid witness name");
  write("config", config.substr(0, config.size() - 2) + "X\n");
  expect_damaged("unreadable log-vkey");
  write("config", config.substr(0, config.find("log-vkey")));
  expect_damaged("has 3 lines");
  write("config", config);
  // The latest note: a changed root, a note by another key, another origin.
  const std::string latest = good.at("latest");
  std::string changed = latest;
  changed[changed.find('\n', changed.find('\n') + 1) + 1] ^= 0x01;
  write("latest", changed);
  expect_damaged("does not open with the log key");
  TestLog other("example.org/other");
  other.GrowTo(5);
  write("latest", other.Checkpoint(5));
  expect_damaged("does not open with the log key");
  // A latest note that is the log's but lacks this witness's cosignature: the wrong key?
  write("latest", log.Checkpoint(5));
  Result<Cosigned> r = AddCheckpoint(dir, wkey, log.Request(5, 5), kNow);
  CHECK(r.status().code() == Code::kRefused);
  // A witness cosignature that does not verify.
  std::string bad_cosig = latest;
  bad_cosig[bad_cosig.size() - 5] = bad_cosig[bad_cosig.size() - 5] == 'A' ? 'B' : 'A';
  write("latest", bad_cosig);
  expect_damaged("does not verify");
  write("latest", latest);
  MustAdd(dir, wkey, log.Request(5, 5), kNow);
}

}  // namespace
}  // namespace probity::witness
