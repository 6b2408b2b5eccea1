// Tamper evidence: a ledger of about seventy entries is built and closed, then its
// RocksDB store is changed behind the ledger's back (through rocksdb::DB directly, with
// the column families of ledger/store.cc), and VerifyLedger must name what was broken.
#include <capnp/message.h>
#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "tests/testing.h"

namespace probity {
namespace {

using test::LedgerFixture;

using test::RawDb;

// A closed ledger of kSize entries by many signers and event types, in several batches.
constexpr uint64_t kSize = 70;

// Builds the ledger once per process (it takes a few hundred synced writes); each test
// gets its own copy of the closed store's directory.
class Pristine {
 public:
  static const Pristine& Get() {
    static const Pristine pristine;  // its directory goes at exit
    return pristine;
  }
  std::string dir() const { return f_.dir(); }

 private:
  Pristine() {
    f_.Populate();
    const auto& hr = f_.key("hr");
    const auto& d1 = f_.key("dispatcher-U1");
    const auto& en = f_.key("enforcement");
    std::vector<Envelope> batch;
    int i = 0;
    auto flush = [&]() {
      auto r = f_.Submit(batch);
      INFO((r.ok() ? std::string() : r.status().message()));
      REQUIRE(r.ok());
      batch.clear();
    };
    while (f_.ledger().size() + batch.size() < kSize) {
      std::string n = std::to_string(i);
      switch (i % 4) {
        case 0:
          batch.push_back(f_.Sign(LedgerFixture::PersonJson("Q" + n, "U1"), hr));
          break;
        case 1:
          batch.push_back(f_.Sign(LedgerFixture::TrainingJson("Q" + std::to_string(i - 1)), d1));
          break;
        case 2:
          batch.push_back(f_.Sign(R"({"type":"commendationIssued","subject":{"person":"Q)" +
                                      std::to_string(i - 2) + R"("},"reason":"r)" + n +
                                      R"(","date":"2019-06-11","evaluation":"E)" + n + R"("})",
                                  en));
          break;
        case 3:
          batch.push_back(f_.Sign(R"({"type":"unitRegistered","unit":"V)" + n +
                                      R"(","name":"N","kind":"affiliatedInstitution"})",
                                  f_.admin()));
          break;
      }
      ++i;
      if (batch.size() == 9) {
        flush();
        f_.clock().Advance(1'000'000);
      }
    }
    if (!batch.empty()) flush();
    REQUIRE(f_.ledger().size() == kSize);
    f_.Close();
  }
  LedgerFixture f_;
};

class TamperFixture {
 public:
  TamperFixture() {
    test::fs::copy(Pristine::Get().dir(), dir(), test::fs::copy_options::recursive);
  }

  std::string dir() const { return tmp_.File("data"); }

  // Opens the store read-only and verifies it.
  VerifyReport Verify(uint64_t from = 0, std::optional<note::Verifier> verifier = std::nullopt) {
    auto ledger = Ledger::Open(dir(), Store::Mode::kReadOnly, {});
    INFO((ledger.ok() ? std::string() : ledger.status().message()));
    REQUIRE(ledger.ok());
    VerifyOptions options;
    options.from = from;
    options.verifier = std::move(verifier);
    options.threads = 2;
    auto report = VerifyLedger(**ledger, options);
    INFO((report.ok() ? std::string() : report.status().message()));
    REQUIRE(report.ok());
    return *report;
  }

  // Makes the store self-consistent again after the entries were changed, as an operator
  // holding the checkpoint key could (test::RewriteTreeAndCheckpoints).
  void RewriteTreeAndCheckpoints(const PrivateKey* new_key = nullptr) {
    test::RewriteTreeAndCheckpoints(dir(), new_key);
  }

  // The vkey the store had when it was built: the auditor's own copy.
  note::Verifier OriginalVerifier() {
    RawDb db(dir());
    auto v = note::Verifier::FromVkey(db.Get(Column::kMeta, "checkpoint-vkey"));
    REQUIRE(v.ok());
    return *v;
  }

 private:
  test::TempDir tmp_{"probity-tamper-test"};
};

void ExpectBadSeq(const VerifyReport& report, uint64_t seq) {
  INFO("problem: " << report.problem);
  CHECK_FALSE(report.ok());
  REQUIRE(report.bad_seq.has_value());
  CHECK(*report.bad_seq == seq);
  CHECK(report.problem.find("seq " + std::to_string(seq)) != std::string::npos);
}

TEST_CASE("The untouched store verifies, also after being opened with plain RocksDB", "[tamper]") {
  TamperFixture t;
  VerifyReport report = t.Verify();
  INFO(report.problem);
  CHECK(report.ok());
  CHECK(report.size == kSize);
  CHECK(report.checkpoint_size == kSize);
  CHECK(report.signatures_checked == kSize);
  { RawDb db(t.dir()); }
  CHECK(t.Verify().ok());
  // Recomputing the tree and re-signing the checkpoints of an untouched log changes nothing.
  t.RewriteTreeAndCheckpoints();
  CHECK(t.Verify().ok());
}

TEST_CASE("A changed byte anywhere in entry k is reported at seq k", "[tamper]") {
  TamperFixture t;
  const uint64_t k = 37;
  std::string original;
  {
    RawDb db(t.dir());
    original = db.Get(Column::kEntries, SeqKey(k));
  }
  REQUIRE(original.size() > 100);
  // Every 17th byte, the first and last, and the middle.
  std::vector<size_t> offsets = {0, 1, original.size() / 2, original.size() - 1};
  for (size_t i = 2; i < original.size(); i += 17) offsets.push_back(i);
  for (size_t offset : offsets) {
    INFO("offset " << offset << " of " << original.size());
    {
      RawDb db(t.dir());
      std::string bent = original;
      bent[offset] = static_cast<char>(bent[offset] ^ 0x20);
      db.Put(Column::kEntries, SeqKey(k), bent);
    }
    ExpectBadSeq(t.Verify(), k);
  }
  {
    RawDb db(t.dir());
    db.Put(Column::kEntries, SeqKey(k), original);
  }
  CHECK(t.Verify().ok());
}

TEST_CASE("A deleted entry k is reported at seq k", "[tamper]") {
  TamperFixture t;
  for (uint64_t k : {uint64_t{0}, uint64_t{23}, kSize - 2}) {
    DYNAMIC_SECTION("seq " << k) {
      {
        RawDb db(t.dir());
        db.Delete(Column::kEntries, SeqKey(k));
      }
      VerifyReport r = t.Verify();
      ExpectBadSeq(r, k);
      CHECK(r.problem.find("missing") != std::string::npos);
    }
  }
}

TEST_CASE("Deleting the last entries is reported at the first missing seq", "[tamper]") {
  TamperFixture t;
  for (uint64_t drop : {uint64_t{1}, uint64_t{5}}) {
    DYNAMIC_SECTION("drop " << drop) {
      {
        RawDb db(t.dir());
        for (uint64_t seq = kSize - drop; seq < kSize; ++seq)
          db.Delete(Column::kEntries, SeqKey(seq));
      }
      VerifyReport r = t.Verify();
      ExpectBadSeq(r, kSize - drop);
      CHECK(r.problem.find("missing") != std::string::npos);
      CHECK(r.size == kSize - drop);
    }
  }
}

TEST_CASE("Swapping entries j < k is reported at seq j", "[tamper]") {
  TamperFixture t;
  for (auto [j, k] : {std::pair<uint64_t, uint64_t>{20, 21}, {5, 60}, {0, 1}}) {
    DYNAMIC_SECTION("swap " << j << " and " << k) {
      {
        RawDb db(t.dir());
        std::string a = db.Get(Column::kEntries, SeqKey(j));
        std::string b = db.Get(Column::kEntries, SeqKey(k));
        db.Put(Column::kEntries, SeqKey(j), b);
        db.Put(Column::kEntries, SeqKey(k), a);
      }
      ExpectBadSeq(t.Verify(), j);
    }
  }
  SECTION("swapped and renumbered, so each entry records the seq it is stored at") {
    const uint64_t j = 30, k = 31;
    {
      RawDb db(t.dir());
      Entry a = db.GetEntry(j);
      Entry b = db.GetEntry(k);
      std::swap(a.seq, b.seq);
      db.PutEntry(b, j);
      db.PutEntry(a, k);
    }
    ExpectBadSeq(t.Verify(), j);
  }
}

TEST_CASE("A replaced signature in entry k is reported at seq k", "[tamper]") {
  TamperFixture t;
  const uint64_t k = 44;
  SECTION("another entry's valid signature") {
    {
      RawDb db(t.dir());
      Entry e = db.GetEntry(k);
      e.envelope.signature = db.GetEntry(k - 1).envelope.signature;
      db.PutEntry(e, k);
    }
    ExpectBadSeq(t.Verify(), k);
  }
  SECTION("the signer's own signature of a different event") {
    {
      RawDb db(t.dir());
      Entry e = db.GetEntry(k);
      Entry other = db.GetEntry(k - 4);  // same signer: the pattern repeats every 4
      REQUIRE(other.envelope.key_id == e.envelope.key_id);
      e.envelope.signature = other.envelope.signature;
      db.PutEntry(e, k);
    }
    ExpectBadSeq(t.Verify(), k);
  }
}

TEST_CASE("A forged signature is caught even when the tree and checkpoint are rebuilt to match",
          "[tamper]") {
  // Whoever holds the checkpoint key can re-sign the tree; only the event signatures stop
  // them. This also shows VerifyOptions::from: signatures before it are not checked.
  TamperFixture t;
  const uint64_t k = 44, later = 66;
  {
    RawDb db(t.dir());
    for (uint64_t seq : {k, later}) {
      Entry e = db.GetEntry(seq);
      e.envelope.signature[0] ^= 0x01;
      db.PutEntry(e, seq);
    }
  }
  t.RewriteTreeAndCheckpoints();
  VerifyReport full = t.Verify();
  ExpectBadSeq(full, k);
  CHECK(full.problem.find("signature") != std::string::npos);
  ExpectBadSeq(t.Verify(k), k);
  ExpectBadSeq(t.Verify(k + 1), later);
  VerifyReport skipped = t.Verify(later + 1);
  INFO(skipped.problem);
  CHECK(skipped.ok());
  CHECK(skipped.signatures_checked == kSize - (later + 1));
}

TEST_CASE(
    "An entry whose validly signed body breaks the schema is reported, even with the tree rebuilt",
    "[tamper]") {
  // Verify must judge each body as Submit does, not only its signature and its leaf.
  TamperFixture t;
  const uint64_t k = 33;
  capnp::MallocMessageBuilder message;
  auto u = message.initRoot<schema::Event>().initUnitRegistered();
  u.setUnit("W1");
  u.setKind(schema::UnitKind::PROVINCIAL_DEPARTMENT);  // and no name
  message.getRoot<schema::Event>().setId(
      "schema-breaker");  // v2: an id, so only the schema refuses it
  auto words = capnp::canonicalize(message.getRoot<schema::Event>().asReader());
  Bytes body(words.asBytes().begin(), words.asBytes().end());
  {
    RawDb db(t.dir());
    Entry e = db.GetEntry(k);
    e.envelope = SignEnvelope(body, test::kTestOrigin, test::KeyFor("admin"));
    db.PutEntry(e, k);
  }
  t.RewriteTreeAndCheckpoints();
  ExpectBadSeq(t.Verify(), k);
}

TEST_CASE("Checkpoints re-signed with another key pass only if the auditor trusts the store's vkey",
          "[tamper]") {
  TamperFixture t;
  note::Verifier original = t.OriginalVerifier();
  CHECK(t.Verify(0, original).ok());
  // Drop the last five entries and re-sign the shorter history with a new key.
  {
    RawDb db(t.dir());
    for (uint64_t seq = kSize - 5; seq < kSize; ++seq) db.Delete(Column::kEntries, SeqKey(seq));
  }
  PrivateKey impostor = test::KeyFor("impostor checkpoint key");
  t.RewriteTreeAndCheckpoints(&impostor);
  // Trusting the key recorded in the store, the shortened log looks whole...
  VerifyReport trusting = t.Verify();
  INFO(trusting.problem);
  CHECK(trusting.ok());
  CHECK(trusting.size == kSize - 5);
  // ...but not to an auditor holding the original vkey.
  VerifyReport audited = t.Verify(0, original);
  INFO(audited.problem);
  CHECK_FALSE(audited.ok());
  CHECK(audited.problem.rfind("checkpoint", 0) == 0);
}

TEST_CASE("A changed or missing stored tree node is reported", "[tamper]") {
  TamperFixture t;
  SECTION("a leaf node") {
    {
      RawDb db(t.dir());
      std::string h = db.Get(Column::kNodes, NodeKey(0, 12));
      h[0] = static_cast<char>(h[0] ^ 1);
      db.Put(Column::kNodes, NodeKey(0, 12), h);
    }
    VerifyReport r = t.Verify();
    ExpectBadSeq(r, 12);
    CHECK(r.problem.find("node") != std::string::npos);
  }
  SECTION("an interior node: reported at the last leaf it covers") {
    // Level 3, index 2 covers leaves 16..23.
    {
      RawDb db(t.dir());
      std::string h = db.Get(Column::kNodes, NodeKey(3, 2));
      h[31] = static_cast<char>(h[31] ^ 0x80);
      db.Put(Column::kNodes, NodeKey(3, 2), h);
    }
    VerifyReport r = t.Verify();
    ExpectBadSeq(r, 23);
    CHECK(r.problem.find("level 3") != std::string::npos);
  }
  SECTION("a deleted node") {
    {
      RawDb db(t.dir());
      db.Delete(Column::kNodes, NodeKey(1, 20));  // leaves 40 and 41
    }
    ExpectBadSeq(t.Verify(), 41);
  }
}

TEST_CASE("A changed checkpoint note is reported as a checkpoint problem", "[tamper]") {
  // v2: the latest checkpoint is the one stored in column "checkpoints" at the log's size.
  TamperFixture t;
  std::string note;
  {
    RawDb db(t.dir());
    note = db.Get(Column::kCheckpoints, SeqKey(kSize));
  }
  // origin \n size \n root \n \n signature
  auto first_nl = note.find('\n');
  auto second_nl = note.find('\n', first_nl + 1);
  auto third_nl = note.find('\n', second_nl + 1);
  REQUIRE(note.substr(first_nl + 1, second_nl - first_nl - 1) == std::to_string(kSize));
  auto replace = [&](size_t from, size_t to, const std::string& with) {
    return note.substr(0, from) + with + note.substr(to);
  };
  std::vector<std::pair<std::string, std::string>> cases = {
      {"size line", replace(first_nl + 1, second_nl, std::to_string(kSize - 1))},
      {"root line",
       replace(second_nl + 1, third_nl, Base64Encode(Sha256(AsBytes("another root"))))},
      {"origin line", replace(0, first_nl, "probity.test/other")},
      {"signature", note.substr(0, note.size() - 5) + (note[note.size() - 5] == 'A' ? "B" : "A") +
                        note.substr(note.size() - 4)},
      {"no signature", note.substr(0, third_nl + 2)},
      {"empty", ""},
  };
  for (const auto& [what, bent] : cases) {
    DYNAMIC_SECTION(what) {
      REQUIRE(bent != note);
      {
        RawDb db(t.dir());
        db.Put(Column::kCheckpoints, SeqKey(kSize), bent);
      }
      VerifyReport r = t.Verify();
      INFO(r.problem);
      CHECK_FALSE(r.ok());
      CHECK_FALSE(r.bad_seq.has_value());
      CHECK(r.problem.rfind("checkpoint", 0) == 0);
    }
  }
  SECTION("the latest deleted, an older genuine one left: the entries beyond it are reported") {
    std::string older;
    uint64_t older_size = 0;
    {
      auto ledger = Ledger::Open(t.dir(), Store::Mode::kReadOnly, {});
      REQUIRE(ledger.ok());
      auto all = test::DumpColumn((*ledger)->store(), Column::kCheckpoints);
      REQUIRE(all.size() > 2);
      auto it = std::prev(all.end(), 2);
      older_size = SeqFromKey(it->first);
      older = it->second;
    }
    REQUIRE(older_size < kSize);
    {
      RawDb db(t.dir());
      db.Delete(Column::kCheckpoints, SeqKey(kSize));
      CHECK(db.Get(Column::kCheckpoints, SeqKey(older_size)) == older);
    }
    VerifyReport r = t.Verify();
    INFO(r.problem);
    CHECK_FALSE(r.ok());
    REQUIRE(r.bad_seq.has_value());
    CHECK(*r.bad_seq == older_size);
  }
}

TEST_CASE(
    "Entry k re-encoded with another recordedAt (still canonical and validly signed) is reported "
    "at k",
    "[tamper]") {
  TamperFixture t;
  const uint64_t k = 50;
  for (int64_t delta : {int64_t{1}, int64_t{-1}}) {
    DYNAMIC_SECTION("delta " << delta) {
      {
        RawDb db(t.dir());
        Entry e = db.GetEntry(k);
        e.recorded_at_us += delta;
        Bytes bytes = EncodeEntry(e);
        auto back = DecodeEntry(bytes);
        REQUIRE(back.ok());  // a well-formed entry...
        db.PutEntry(e, k);
      }
      {
        // ...whose signature still verifies: recordedAt is the log's, not the signer's.
        auto ledger = Ledger::Open(t.dir(), Store::Mode::kReadOnly, {});
        REQUIRE(ledger.ok());
        auto e = (*ledger)->ReadEntry(k);
        REQUIRE(e.ok());
        auto info = LookUpKey((*ledger)->store().state(), e->envelope.key_id);
        REQUIRE(info.ok());
        REQUIRE(info->has_value());
        auto pub = PublicKey::FromRaw((*info)->public_key);
        REQUIRE(pub.ok());
        CHECK(VerifyEnvelope(e->envelope, test::kTestOrigin, *pub));
      }
      VerifyReport r = t.Verify();
      ExpectBadSeq(r, k);
    }
  }
}

}  // namespace
}  // namespace probity
