// Tests for ledger/note.h: C2SP signed notes and tlog checkpoints, against the
// published vectors in tests/vectors/signed-note_c2sp_x-mod.
#include "ledger/note.h"

#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace probity::note {
namespace {

// One case of signed-note-vectors.json; absent fields are empty.
struct VectorCase {
  std::string id, vkey, note, signed_text, skey;
  std::vector<std::string> vkeys;
  std::optional<std::string> origin, root_b64;
  std::optional<uint64_t> tree_size;
};

std::optional<capnp::JsonValue::Reader> Field(capnp::JsonValue::Reader obj, std::string_view name) {
  if (!obj.isObject()) return std::nullopt;
  for (auto f : obj.getObject()) {
    if (std::string_view(f.getName().cStr()) == name) return f.getValue();
  }
  return std::nullopt;
}

std::string StringField(capnp::JsonValue::Reader obj, std::string_view name) {
  auto v = Field(obj, name);
  if (!v || !v->isString()) return "";
  return v->getString().cStr();
}

std::vector<VectorCase> LoadVectors() {
  const std::string path =
      std::string(PROBITY_VECTORS_DIR) + "/signed-note_c2sp_x-mod/signed-note-vectors.json";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string json = ss.str();

  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::JsonValue>();
  capnp::JsonCodec codec;
  codec.decodeRaw(kj::ArrayPtr<const char>(json.data(), json.size()), root);

  std::vector<VectorCase> out;
  auto cases = Field(root.asReader(), "cases");
  REQUIRE(cases);
  REQUIRE(cases->isArray());
  for (auto c : cases->getArray()) {
    VectorCase v;
    v.id = StringField(c, "id");
    v.vkey = StringField(c, "vkey");
    v.note = StringField(c, "note");
    v.signed_text = StringField(c, "signed_text");
    v.skey = StringField(c, "skey");
    if (auto vkeys = Field(c, "vkeys")) {
      for (auto k : vkeys->getArray()) v.vkeys.push_back(k.getString().cStr());
    }
    if (auto cp = Field(c, "checkpoint")) {
      v.origin = StringField(*cp, "origin");
      v.root_b64 = StringField(*cp, "root_hash_b64");
      v.tree_size = static_cast<uint64_t>(Field(*cp, "tree_size")->getNumber());
    }
    out.push_back(std::move(v));
  }
  return out;
}

VectorCase Case(std::string_view id) {
  for (const VectorCase& c : LoadVectors()) {
    if (c.id == id) return c;
  }
  FAIL("no vector case " << id);
  std::abort();
}

Verifier MustVerifier(std::string_view vkey) {
  Result<Verifier> v = Verifier::FromVkey(vkey);
  INFO(vkey << ": " << v.status().message());
  REQUIRE(v.ok());
  return *v;
}

PrivateKey MustGenerate() {
  Result<PrivateKey> k = PrivateKey::Generate();
  REQUIRE(k.ok());
  return std::move(k).value();
}

std::string MustSign(std::string_view text, std::string_view name, const PrivateKey& key) {
  Result<std::string> n = Sign(text, name, key);
  INFO(n.status().message());
  REQUIRE(n.ok());
  return *n;
}

Verifier VerifierFor(const std::string& name, const PrivateKey& key) {
  return Verifier{name, KeyIdFor(name, key.Public()), key.Public()};
}

// Splits "a+b+c+rest" on the first `n` pluses.
std::vector<std::string> SplitPlus(const std::string& s, int n) {
  std::vector<std::string> out;
  size_t start = 0;
  for (int i = 0; i < n; ++i) {
    size_t p = s.find('+', start);
    REQUIRE(p != std::string::npos);
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

TEST_CASE("Every signed-note vector opens with its vkeys and yields the signed text", "[note]") {
  std::vector<VectorCase> all = LoadVectors();
  REQUIRE(all.size() == 4);
  for (const VectorCase& c : all) {
    INFO(c.id);
    std::vector<std::string> vkeys = c.vkeys;
    if (!c.vkey.empty()) vkeys.push_back(c.vkey);
    REQUIRE_FALSE(vkeys.empty());
    std::vector<Verifier> verifiers;
    for (const std::string& vk : vkeys) {
      verifiers.push_back(MustVerifier(vk));
      CHECK(verifiers.back().Vkey() == vk);  // the vkey re-encodes byte for byte
    }
    Result<Opened> opened = Open(c.note, verifiers);
    INFO(opened.status().message());
    REQUIRE(opened.ok());
    CHECK(opened->signed_by.size() == verifiers.size());
    for (const Verifier& v : verifiers) {
      CHECK(std::count(opened->signed_by.begin(), opened->signed_by.end(), v.name) == 1);
    }
    if (!c.signed_text.empty()) CHECK(opened->text == c.signed_text);
    // The text is everything before the blank line, final newline included.
    CHECK(c.note.rfind(opened->text + "\n\xE2\x80\x94 ", 0) == 0);
  }
}

TEST_CASE("Vector key ids equal SHA-256(name || 0x0A || 0x01 || key)[:4] big-endian", "[note]") {
  const std::map<std::string, uint32_t> want = {{"example.com/foo", 0x530d903a},
                                                {"PeterNeumann", 0xc74f20a3},
                                                {"EnochRoot", 0xaf0cfe78},
                                                {"sum.golang.org", 0x033de0ae}};
  std::vector<VectorCase> all = LoadVectors();
  std::map<std::string, uint32_t> got;
  for (const VectorCase& c : all) {
    std::vector<std::string> vkeys = c.vkeys;
    if (!c.vkey.empty()) vkeys.push_back(c.vkey);
    for (const std::string& vk : vkeys) {
      Verifier v = MustVerifier(vk);
      got[v.name] = KeyIdFor(v.name, v.key);
      // Independently: hash the pieces with Sha256 over one concatenated buffer.
      Bytes buf(v.name.begin(), v.name.end());
      buf.push_back(0x0A);
      buf.push_back(0x01);
      buf.insert(buf.end(), v.key.raw().begin(), v.key.raw().end());
      Hash h = Sha256(buf);
      CHECK(got[v.name] ==
            (uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3]));
    }
  }
  CHECK(got == want);
}

TEST_CASE("PeterNeumann signature re-derived from the skey seed matches byte for byte", "[note]") {
  const VectorCase c = Case("x-mod-peterneumann");
  // skey = PRIVATE+KEY+<name>+<hex id>+base64(0x01 || seed): split on the first four '+'.
  std::vector<std::string> parts = SplitPlus(c.skey, 4);
  REQUIRE(parts[0] == "PRIVATE");
  REQUIRE(parts[1] == "KEY");
  const std::string& name = parts[2];
  Result<Bytes> alg_seed = Base64Decode(parts[4]);
  REQUIRE(alg_seed.ok());
  REQUIRE(alg_seed->size() == 33);
  REQUIRE((*alg_seed)[0] == 0x01);
  Result<PrivateKey> key = PrivateKey::FromSeed(ByteSpan(*alg_seed).subspan(1));
  REQUIRE(key.ok());

  Verifier v = MustVerifier(c.vkey);
  CHECK(key->Public() == v.key);
  CHECK(KeyIdFor(name, key->Public()) == 0xc74f20a3);
  CHECK(parts[3] == "c74f20a3");
  CHECK(MustSign(c.signed_text, name, *key) == c.note);
}

TEST_CASE("Doubly-signed note with one vkey configured: the other signature is ignored", "[note]") {
  const VectorCase c = Case("x-mod-doubly-signed");
  REQUIRE(c.vkeys.size() == 2);
  for (const std::string& vk : c.vkeys) {
    Verifier v = MustVerifier(vk);
    Result<Opened> opened = Open(c.note, {v});
    INFO(vk << ": " << opened.status().message());
    REQUIRE(opened.ok());
    CHECK(opened->signed_by == std::vector<std::string>{v.name});
  }
}

TEST_CASE("Real sum.golang.org checkpoint verifies and ParseCheckpoint reads it exactly",
          "[note]") {
  const VectorCase c = Case("sumdb-real-checkpoint");
  Result<Opened> opened = Open(c.note, {MustVerifier(c.vkey)});
  REQUIRE(opened.ok());
  CHECK(opened->signed_by == std::vector<std::string>{"sum.golang.org"});
  Result<Checkpoint> cp = ParseCheckpoint(opened->text);
  INFO(cp.status().message());
  REQUIRE(cp.ok());
  CHECK(cp->origin == *c.origin);
  CHECK(cp->origin == "go.sum database tree");
  CHECK(cp->size == *c.tree_size);
  CHECK(cp->size == 6476701);
  CHECK(Base64Encode(cp->root) == *c.root_b64);
  CHECK(cp->extensions.empty());
  CHECK(FormatCheckpoint(*cp) == opened->text);
}

TEST_CASE("Changing any part of the text or the signature makes Open fail", "[note]") {
  const VectorCase c = Case("c2sp-signed-note-example");
  Verifier v = MustVerifier(c.vkey);
  REQUIRE(Open(c.note, {v}).ok());

  // Text: change one letter.
  std::string bad_text = c.note;
  bad_text[0] = 't';
  Result<Opened> r = Open(bad_text, {v});
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("does not verify"));

  // Text: append a line (which moves the blank line: still one signature).
  std::string extra = c.signed_text + "more\n" + c.note.substr(c.signed_text.size());
  CHECK(Open(extra, {v}).status().code() == Code::kCorrupt);

  // Signature: flip one bit in each signature byte position we try.
  const size_t sig_start = c.note.rfind(' ') + 1;
  const std::string b64 = c.note.substr(sig_start, c.note.size() - sig_start - 1);
  Result<Bytes> raw = Base64Decode(b64);
  REQUIRE(raw.ok());
  REQUIRE(raw->size() == 68);
  for (size_t i : {4, 5, 30, 36, 67}) {
    Bytes tampered = *raw;
    tampered[i] ^= 0x01;
    std::string note = c.note.substr(0, sig_start) + Base64Encode(tampered) + "\n";
    Result<Opened> t = Open(note, {v});
    INFO(i);
    CHECK(t.status().code() == Code::kCorrupt);
  }
  // Key id: a changed id is an unknown key, so nothing known signed it.
  Bytes other_id = *raw;
  other_id[0] ^= 0x01;
  Result<Opened> t = Open(c.note.substr(0, sig_start) + Base64Encode(other_id) + "\n", {v});
  CHECK(t.status().code() == Code::kCorrupt);
  CHECK(t.status().message() == "no signature by a known key");
  // A signature of the wrong length by a known key does not verify.
  Bytes shorter(raw->begin(), raw->end() - 1);
  CHECK(Open(c.note.substr(0, sig_start) + Base64Encode(shorter) + "\n", {v}).status().code() ==
        Code::kCorrupt);
}

TEST_CASE("Sign then Open round-trips, including text with empty lines and non-ASCII", "[note]") {
  PrivateKey key = MustGenerate();
  Verifier v = VerifierFor("example.com/log", key);
  for (std::string text : {"one line\n", "a\n\nb\n", "\n", "trailing empty\n\n",
                           "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di "
                           "sole:\n\ned \xC3\xA8 subito sera.\n"}) {
    std::string n = MustSign(text, v.name, key);
    Result<Opened> opened = Open(n, {v});
    INFO(text);
    REQUIRE(opened.ok());
    CHECK(opened->text == text);
    CHECK(opened->signed_by == std::vector<std::string>{"example.com/log"});
  }
}

TEST_CASE("A note with no signature by a known key is Corrupt", "[note]") {
  PrivateKey key = MustGenerate(), other = MustGenerate();
  std::string n = MustSign("hello\n", "alice", key);
  Result<Opened> r = Open(n, {VerifierFor("bob", other)});
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message() == "no signature by a known key");
  CHECK(Open(n, {}).status().code() == Code::kCorrupt);
  // Same name, different key (so a different key id): unknown, ignored.
  CHECK(Open(n, {VerifierFor("alice", other)}).status().code() == Code::kCorrupt);
}

TEST_CASE("A known key's bad signature rejects the note even if another known key verifies",
          "[note]") {
  PrivateKey a = MustGenerate(), b = MustGenerate();
  std::string by_a = MustSign("text\n", "a", a);
  std::string by_b = MustSign("other text\n", "b", b);  // b signed different text
  std::string both = by_a + by_b.substr(by_b.find("\xE2\x80\x94"));
  Result<Opened> r = Open(both, {VerifierFor("a", a), VerifierFor("b", b)});
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK_THAT(r.status().message(), Catch::Contains("'b'"));
  // With only a configured, b's line is an unknown key and is ignored.
  CHECK(Open(both, {VerifierFor("a", a)}).ok());
}

TEST_CASE("Repeated signature lines by one key are all checked and listed once", "[note]") {
  PrivateKey key = MustGenerate();
  std::string n = MustSign("x\n", "k", key);
  std::string line = n.substr(n.find("\xE2\x80\x94"));
  Result<Opened> r = Open(n + line, {VerifierFor("k", key)});
  REQUIRE(r.ok());
  CHECK(r->signed_by == std::vector<std::string>{"k"});
}

TEST_CASE("Malformed notes are Invalid and say what is wrong", "[note]") {
  PrivateKey key = MustGenerate();
  Verifier v = VerifierFor("k", key);
  const std::string good = MustSign("hello\n", "k", key);
  const std::string sig_line = good.substr(good.find("\xE2\x80\x94"));
  const std::string sig_b64 = sig_line.substr(sig_line.find(' ', 4) + 1);
  struct Bad {
    std::string note, says;
  };
  std::vector<Bad> bad = {
      {"hello\n" + sig_line, "no blank line"},
      {good.substr(0, good.size() - 1), "does not end in a newline"},
      {"hello\n\n", "no signature lines"},
      {"hello\n\n- k " + sig_b64, "em dash"},
      {"hello\n\n\xE2\x80\x94k " + sig_b64, "em dash"},
      {"hello\n\n\xE2\x80\x94 k" + sig_b64, "no space"},
      {"hello\n\n\xE2\x80\x94 k+1 " + sig_b64, "invalid key name"},
      {"hello\n\n\xE2\x80\x94  " + sig_b64, "invalid key name"},
      {"hello\n\n\xE2\x80\x94 k not-base64!\n", "not base64"},
      {"hello\n\n\xE2\x80\x94 k AAAA\n", "not base64 of a key id and a signature"},
      {"hello\n\n\xE2\x80\x94 k " + sig_b64.substr(0, sig_b64.size() - 1) + " \n", "not base64"},
      {"hel\xFFlo\n" + good.substr(6), "not valid UTF-8"},
      {"hel\xC0\xAFlo\n" + good.substr(6), "not valid UTF-8"},      // overlong '/'
      {"hel\xED\xA0\x80lo\n" + good.substr(6), "not valid UTF-8"},  // surrogate
      {"hel\tlo\n" + good.substr(6), "control character 0x09"},
      {"hello\r\n" + good.substr(6), "control character 0x0d"},
      {good.substr(0, good.size() - 1) + "\r\n", "control character 0x0d"},
  };
  for (const Bad& b : bad) {
    Result<Opened> r = Open(b.note, {v});
    INFO(b.note);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Catch::Contains(b.says));
  }
}

TEST_CASE("At most 100 signature lines are accepted", "[note]") {
  PrivateKey key = MustGenerate(), stranger = MustGenerate();
  Verifier v = VerifierFor("k", key);
  std::string note = MustSign("t\n", "k", key);
  // Unknown keys' lines (valid in form) up to a total of 100 lines: accepted.
  std::string strange = MustSign("t\n", "s", stranger);
  std::string strange_line = strange.substr(strange.find("\xE2\x80\x94"));
  for (int i = 1; i < 100; ++i) note += strange_line;
  Result<Opened> ok = Open(note, {v});
  INFO(ok.status().message());
  CHECK(ok.ok());
  note += strange_line;  // 101
  Result<Opened> r = Open(note, {v});
  CHECK(r.status().code() == Code::kInvalid);
  CHECK_THAT(r.status().message(), Catch::Contains("more than 100 signatures"));
}

TEST_CASE("Sign refuses text without a final newline, control characters and bad names", "[note]") {
  PrivateKey key = MustGenerate();
  CHECK(Sign("", "k", key).status().code() == Code::kInvalid);
  CHECK(Sign("no newline", "k", key).status().code() == Code::kInvalid);
  CHECK(Sign("tab\there\n", "k", key).status().code() == Code::kInvalid);
  CHECK(Sign("bad \xFF utf8\n", "k", key).status().code() == Code::kInvalid);
  for (std::string name : {"", "a+b", "a b", "a\tb",
                           "a\xC2\xA0"
                           "b",
                           "a\xE3\x80\x80"
                           "b"}) {
    INFO(name);
    CHECK(Sign("x\n", name, key).status().code() == Code::kInvalid);
    CHECK_FALSE(IsValidKeyName(name));
  }
  CHECK(IsValidKeyName("example.com/foo"));
  CHECK(IsValidKeyName("\xC3\xA8t\xC3\xA9"));
}

TEST_CASE("FromVkey refuses wrong key ids, algorithms, lengths and names", "[note]") {
  const std::string good = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  REQUIRE(Verifier::FromVkey(good).ok());
  Result<Bytes> alg_key = Base64Decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(alg_key.ok());
  Bytes alg2 = *alg_key;
  alg2[0] = 0x02;
  Bytes short_key(alg_key->begin(), alg_key->end() - 1);
  struct Bad {
    std::string vkey, says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"},
           {"PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"},
           {"PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex"},
           {"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex"},
           {"PeterNeumann+c74f20a3+" + Base64Encode(alg2), "algorithm 0x02"},
           {"PeterNeumann+c74f20a3+" + Base64Encode(short_key), "31 bytes"},
           {"PeterNeumann+c74f20a3+not base64", "not base64"},
           {"PeterNeumann+c74f20a3+", "not base64"},
           {"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"},
           {"+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"},
           {"PeterNeumann", "name+keyid+key"},
           {"PeterNeumann+c74f20a3", "name+keyid+key"},
       }) {
    Result<Verifier> v = Verifier::FromVkey(b.vkey);
    INFO(b.vkey);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Code::kInvalid);
    CHECK_THAT(v.status().message(), Catch::Contains(b.says));
  }
}

TEST_CASE("FormatCheckpoint and ParseCheckpoint round-trip, with extension lines", "[note]") {
  Checkpoint c{"example.com/behind-the-sofa", 20852163, {}, {}};
  Result<Bytes> root = Base64Decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  REQUIRE(root.ok());
  std::copy(root->begin(), root->end(), c.root.begin());
  const std::string text = FormatCheckpoint(c);
  CHECK(text ==
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  Result<Checkpoint> back = ParseCheckpoint(text);
  REQUIRE(back.ok());
  CHECK(*back == c);

  c.extensions = {"ext one", "— two"};
  c.size = 0;
  Result<Checkpoint> with_ext = ParseCheckpoint(FormatCheckpoint(c));
  REQUIRE(with_ext.ok());
  CHECK(*with_ext == c);
  c.size = UINT64_MAX;
  CHECK(ParseCheckpoint(FormatCheckpoint(c))->size == UINT64_MAX);
}

TEST_CASE("ParseCheckpoint refuses leading zeros, short roots, missing lines and other drift",
          "[note]") {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::string root31 = Base64Encode(Bytes(31, 7));
  const std::string root33 = Base64Encode(Bytes(33, 7));
  struct Bad {
    std::string text, says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"o\n020852163\n" + root + "\n", "leading zero"},
           {"o\n00\n" + root + "\n", "leading zero"},
           {"o\n+5\n" + root + "\n", "not a decimal"},
           {"o\n-5\n" + root + "\n", "not a decimal"},
           {"o\n 5\n" + root + "\n", "not a decimal"},
           {"o\n0x10\n" + root + "\n", "leading zero"},
           {"o\n1e3\n" + root + "\n", "not a decimal"},
           {"o\n18446744073709551616\n" + root + "\n", "64 bits"},
           {"o\n\n" + root + "\n", "line 2 (tree size) is empty"},
           {"o\n5\n" + root31 + "\n", "32 bytes"},
           {"o\n5\n" + root33 + "\n", "32 bytes"},
           {"o\n5\n" + root.substr(0, root.size() - 1) + "\n", "32 bytes"},
           {"o\n5\n", "2 lines"},
           {"o\n", "1 lines"},
           {"", "newline"},
           {"o\n5\n" + root, "newline"},
           {"\n5\n" + root + "\n", "origin"},
           {"o\n5\n" + root + "\n\n", "line 4 (extension) is empty"},
           {"o\n5\n" + root + "\next\n\n", "line 5 (extension) is empty"},
           {"o\n5\r\n" + root + "\n", "control character"},
       }) {
    Result<Checkpoint> c = ParseCheckpoint(b.text);
    INFO(b.text);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInvalid);
    CHECK_THAT(c.status().message(), Catch::Contains(b.says));
  }
  CHECK(ParseCheckpoint("o\n0\n" + root + "\n").ok());
}

TEST_CASE("A signed checkpoint round-trips through Sign, Open and ParseCheckpoint", "[note]") {
  PrivateKey key = MustGenerate();
  Checkpoint c{"example.com/log42", 12345, Sha256(AsBytes("root")), {}};
  std::string n = MustSign(FormatCheckpoint(c), c.origin, key);
  Result<Opened> opened = Open(n, {VerifierFor(c.origin, key)});
  REQUIRE(opened.ok());
  Result<Checkpoint> back = ParseCheckpoint(opened->text);
  REQUIRE(back.ok());
  CHECK(*back == c);
}

}  // namespace
}  // namespace probity::note
