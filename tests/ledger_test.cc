// Tests for ledger/ledger.h (Init, Open, Submit, proofs) with ledger/authority.h and
// ledger/verify.h behind it: real RocksDB stores in temporary directories, real
// Ed25519 signatures, an injected clock.
#include "ledger/ledger.h"

#include <capnp/message.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "tests/testing.h"

namespace probity {
namespace {

using test::DumpStore;
using test::KeyFor;
using test::KeyRegisteredJson;
using test::LedgerFixture;
using test::RevokeJson;
using test::TempDir;

std::string UnitJson(const std::string& unit, const std::string& id = "") {
  return "{\"type\":\"unitRegistered\"" + (id.empty() ? std::string() : ",\"id\":\"" + id + "\"") +
         ",\"unit\":\"" + unit + "\",\"name\":\"Unit " + unit + "\",\"kind\":\"dispatchedAgency\"}";
}

void ExpectVerifies(const Ledger& ledger, VerifyOptions options = {}) {
  options.threads = 2;
  auto report = VerifyLedger(ledger, options);
  REQUIRE(report.ok());
  INFO("problem: " << report->problem);
  CHECK(report->ok());
  CHECK_FALSE(report->bad_seq.has_value());
  CHECK(report->size == ledger.size());
  CHECK(report->checkpoint_size == ledger.size());
}

// The checkpoint note's parsed body, after checking its signature with the ledger's key.
note::Checkpoint OpenCheckpoint(const Ledger& ledger, const std::string& text) {
  auto opened = note::Open(text, {ledger.checkpoint_verifier()});
  INFO(text << (opened.ok() ? std::string() : opened.status().message()));
  REQUIRE(opened.ok());
  REQUIRE(opened->signed_by.size() == 1);
  auto cp = note::ParseCheckpoint(opened->text);
  REQUIRE(cp.ok());
  return *cp;
}

// The size, checkpoint and every record of the store, to show nothing changed.
struct Snapshot {
  uint64_t size;
  std::string checkpoint;
  std::vector<std::map<std::string, std::string>> records;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(Ledger& ledger) {
  auto cp = ledger.LatestCheckpoint();
  REQUIRE(cp.ok());
  return {ledger.size(), *cp, DumpStore(ledger.store())};
}

TEST_CASE("Init writes the genesis entry: seq 0 registers the admin key, signed by itself",
          "[ledger]") {
  LedgerFixture f;
  Ledger& ledger = f.ledger();
  REQUIRE(ledger.size() == 1);
  auto entry = ledger.ReadEntry(0);
  REQUIRE(entry.ok());
  CHECK(entry->seq == 0);
  CHECK(entry->recorded_at_us == test::kStartTime);
  CHECK(entry->envelope.key_id == f.admin().Public().KeyId());
  CHECK(VerifyEnvelope(entry->envelope, f.origin(), f.admin().Public()));
  CHECK_FALSE(VerifyEnvelope(entry->envelope, f.origin(), KeyFor("someone else").Public()));
  // v2: the signature binds the origin; the same entry does not verify for another ledger.
  CHECK_FALSE(VerifyEnvelope(entry->envelope, "probity.test/other", f.admin().Public()));

  auto view = EventView::FromCanonical(entry->envelope.body);
  REQUIRE(view.ok());
  REQUIRE(view->reader().isKeyRegistered());
  auto k = view->reader().getKeyRegistered();
  CHECK(k.getRole() == schema::Role::ADMIN);
  auto pub = PublicKey::FromPem(std::string(k.getPublicKey()));
  REQUIRE(pub.ok());
  CHECK(*pub == f.admin().Public());

  // The admin key is registered in the state, as admin, from seq 0.
  auto info = LookUpKey(ledger.store().state(), f.admin().Public().KeyId());
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->role == schema::Role::ADMIN);
  CHECK((*info)->registered_seq == 0);
  CHECK_FALSE((*info)->revoked_seq.has_value());

  ExpectVerifies(ledger);
}

TEST_CASE(
    "Init writes a checkpoint that opens with the ledger's verifier and commits to the genesis",
    "[ledger]") {
  LedgerFixture f("example.org/probity-test");
  Ledger& ledger = f.ledger();
  auto text = ledger.LatestCheckpoint();
  REQUIRE(text.ok());
  note::Checkpoint cp = OpenCheckpoint(ledger, *text);
  CHECK(cp.origin == "example.org/probity-test");
  CHECK(ledger.origin() == "example.org/probity-test");
  CHECK(ledger.checkpoint_verifier().name == "example.org/probity-test");
  CHECK(cp.size == 1);
  auto genesis = ledger.ReadEntryBytes(0);
  REQUIRE(genesis.ok());
  CHECK(cp.root == merkle::LeafHash(*genesis));
  auto root = ledger.RootAt(1);
  REQUIRE(root.ok());
  CHECK(*root == cp.root);

  // The vkey round-trips and is what opens the note; another key does not.
  auto vkey = note::Verifier::FromVkey(ledger.checkpoint_verifier().Vkey());
  REQUIRE(vkey.ok());
  CHECK(note::Open(*text, {*vkey}).ok());
  auto stranger = KeyFor("not the checkpoint key");
  note::Verifier wrong{ledger.origin(), note::KeyIdFor(ledger.origin(), stranger.Public()),
                       stranger.Public()};
  CHECK_FALSE(note::Open(*text, {wrong}).ok());
  // The admin key is not the checkpoint key.
  CHECK_FALSE(ledger.checkpoint_verifier().key == f.admin().Public());

  // The checkpoint key file is private.
  struct stat st;
  REQUIRE(::stat((f.dir() + "/checkpoint-key.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Init refuses a bad origin and a directory that already holds a store", "[ledger]") {
  LedgerFixture f;
  f.Append(f.admin(), UnitJson("U1"));
  Snapshot before = Take(f.ledger());

  test::FixedClock clock;
  Ledger::Options options;
  options.clock = clock.clock();
  auto again = Ledger::Init(f.dir(), KeyFor("another admin"), "probity.test/other", {}, options);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kRefused);
  CHECK(again.status().message().find("already") != std::string::npos);
  // Refused with the writer still open, and again with it closed: nothing changed.
  CHECK(Take(f.ledger()) == before);
  f.Close();
  auto closed = Ledger::Init(f.dir(), KeyFor("another admin"), "probity.test/other", {}, options);
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.status().code() == Code::kRefused);
  f.Reopen();
  CHECK(Take(f.ledger()) == before);
  CHECK(f.ledger().origin() == "probity.test/ledger");

  TempDir tmp;
  for (std::string origin : {"", "has space", "a+b", "line\nbreak"}) {
    INFO("origin: " << origin);
    auto bad = Ledger::Init(tmp.File("bad"), f.admin(), origin, {}, options);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == Code::kInvalid);
    CHECK_FALSE(test::fs::exists(tmp.File("bad") + "/db"));
  }
}

TEST_CASE("Opening a missing store is Unavailable and names the directory", "[ledger]") {
  TempDir tmp;
  for (auto mode : {Store::Mode::kReadOnly, Store::Mode::kReadWrite}) {
    auto r = Ledger::Open(tmp.File("nothing-here"), mode, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUnavailable);
    CHECK(r.status().message().find(tmp.File("nothing-here")) != std::string::npos);
  }
}

TEST_CASE("A second writer gets Unavailable: store is locked by process N", "[ledger]") {
  LedgerFixture f;
  auto second = Ledger::Open(f.dir(), Store::Mode::kReadWrite, f.Options());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kUnavailable);
  INFO(second.status().message());
  CHECK(second.status().message().find("locked by process " + std::to_string(::getpid())) !=
        std::string::npos);
  // The first writer still works, and once it is closed the lock is free.
  f.Append(f.admin(), UnitJson("U1"));
  f.Close();
  auto third = Ledger::Open(f.dir(), Store::Mode::kReadWrite, f.Options());
  REQUIRE(third.ok());
  CHECK((*third)->size() == 2);
}

TEST_CASE("A read-only Open works while a writer is open, and cannot submit", "[ledger]") {
  LedgerFixture f;
  f.Append(f.admin(), UnitJson("U1"));
  auto reader = Ledger::Open(f.dir(), Store::Mode::kReadOnly, f.Options());
  INFO((reader.ok() ? std::string() : reader.status().message()));
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == 2);
  auto a = (*reader)->ReadEntryBytes(1);
  auto b = f.ledger().ReadEntryBytes(1);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  auto cp_reader = (*reader)->LatestCheckpoint();
  auto cp_writer = f.ledger().LatestCheckpoint();
  REQUIRE(cp_reader.ok());
  CHECK(*cp_reader == *cp_writer);
  ExpectVerifies(**reader);

  SubmitError error;
  auto refused = (*reader)->Submit({f.Sign(UnitJson("U2"), f.admin())}, &error);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kRefused);
  // The writer is not disturbed by the reader.
  f.Append(f.admin(), UnitJson("U3"));
  CHECK(f.ledger().size() == 3);
}

// The canonical bytes of an Event of type `invalid` (what a defaulted Event reads as).
Bytes InvalidBody() {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  event.setId("nothing");
  event.setInvalid();
  auto words = capnp::canonicalize(event.asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

// One bad envelope in the middle of a batch of five valid unit registrations.
struct BadItem {
  const char* what;
  Code code;
  const char* message;  // a fragment of the refusal
};

TEST_CASE("Submit is all or nothing: a bad item in the middle changes nothing and is named",
          "[ledger]") {
  LedgerFixture f;
  f.Populate();
  // A key that was registered, used, then revoked.
  const PrivateKey& old_hr = f.RegisterKey("old-hr", "hr");
  f.Append(old_hr, LedgerFixture::PersonJson("P9", "U1"));
  f.Append(f.admin(), RevokeJson(old_hr));
  PrivateKey stranger = KeyFor("stranger");

  const std::vector<BadItem> cases = {
      {"bad signature", Code::kRefused, "signature"},
      {"body changed after signing", Code::kRefused, "signature"},
      {"unknown signer", Code::kRefused, "not registered"},
      {"wrong role", Code::kRefused, "may not append"},
      {"revoked key", Code::kRefused, "revoked"},
      {"non-canonical body", Code::kInvalid, "canonical"},
      {"invalid body", Code::kInvalid, ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      std::vector<Envelope> batch;
      for (int i = 0; i < 5; ++i)
        batch.push_back(f.Sign(UnitJson("B" + std::to_string(i)), f.admin()));
      std::string what = c.what;
      if (what == "bad signature") {
        batch[2].signature[10] ^= 0x40;
      } else if (what == "body changed after signing") {
        Envelope other = f.Sign(UnitJson("B2-changed"), f.admin());
        batch[2].body = other.body;
      } else if (what == "unknown signer") {
        batch[2] = f.Sign(UnitJson("B2"), stranger);
      } else if (what == "wrong role") {
        batch[2] = f.Sign(UnitJson("B2"), f.key("hr"));
      } else if (what == "revoked key") {
        batch[2] = f.Sign(LedgerFixture::PersonJson("P10", "U1"), old_hr);
      } else if (what == "non-canonical body") {
        batch[2] = SignEnvelope(test::NonCanonicalUnitBody("B2"), f.origin(), f.admin());
      } else if (what == "invalid body") {
        batch[2] = SignEnvelope(InvalidBody(), f.origin(), f.admin());
      }
      Snapshot before = Take(f.ledger());
      SubmitError error;
      error.index = 99;
      auto r = f.ledger().Submit(batch, &error);
      REQUIRE_FALSE(r.ok());
      INFO("refusal: " << error.status.message());
      CHECK(error.index == 2);
      CHECK(error.status.code() == c.code);
      CHECK(r.status().code() == c.code);
      CHECK(error.status.message().find(c.message) != std::string::npos);
      CHECK(Take(f.ledger()) == before);
      // The same store after a reopen: still nothing.
      f.Reopen();
      CHECK(Take(f.ledger()) == before);
      // Without the bad item the rest lands, at the next seq.
      batch.erase(batch.begin() + 2);
      auto ok = f.Submit(batch);
      REQUIRE(ok.ok());
      REQUIRE(ok->size() == 4);
      CHECK((*ok)[0].seq == before.size);
      CHECK(f.ledger().size() == before.size + 4);
      ExpectVerifies(f.ledger());
    }
  }
}

// Canonical bodies built by hand that the JSON codec would never produce. Each has an id
// (format v2 refuses a body without one), so that only the schema can refuse it.
Bytes CanonicalOf(capnp::MallocMessageBuilder& message) {
  static int n = 0;
  message.getRoot<schema::Event>().setId("off-schema-" + std::to_string(n++));
  auto words = capnp::canonicalize(message.getRoot<schema::Event>().asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

std::vector<std::pair<std::string, Bytes>> OffSchemaBodies() {
  std::vector<std::pair<std::string, Bytes>> out;
  {
    capnp::MallocMessageBuilder m;
    auto u = m.initRoot<schema::Event>().initUnitRegistered();
    u.setUnit("Z1");
    u.setKind(schema::UnitKind::DISPATCHED_AGENCY);  // no name
    out.emplace_back("a required field missing", CanonicalOf(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto u = m.initRoot<schema::Event>().initUnitRegistered();
    u.setUnit("Z2");
    u.setName("N");
    u.setKind(static_cast<schema::UnitKind>(99));
    out.emplace_back("an enum value the schema does not name", CanonicalOf(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto u = m.initRoot<schema::Event>().initUnitRegistered();
    u.setUnit("");
    u.setName("N");
    u.setKind(schema::UnitKind::DISPATCHED_AGENCY);
    out.emplace_back("an empty required text", CanonicalOf(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto g = m.initRoot<schema::Event>().initGroupFormed();
    g.setGroup("G9");
    g.setCity("130100");
    g.setKind(schema::GroupKind::SPECIAL);
    g.setLeadUnit("U1");
    g.setDate("2019-02-30");
    out.emplace_back("an impossible date", CanonicalOf(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<schema::Event>().initCommendationIssued();
    e.initSubject();  // neither person nor unit set: reads as an empty person
    e.setReason("r");
    e.setDate("2019-06-11");
    e.setEvaluation("E1");
    out.emplace_back("a subject naming nobody", CanonicalOf(m));
  }
  return out;
}

TEST_CASE("Submit refuses a canonical, validly signed body that the JSON codec would refuse",
          "[ledger]") {
  // Signers need not use the JSON codec: what lands must still be what the schema allows.
  LedgerFixture f;
  f.Populate();
  for (const auto& [what, body] : OffSchemaBodies()) {
    DYNAMIC_SECTION(what) {
      REQUIRE(EventView::FromCanonical(body).ok());  // canonical: only the schema refuses it
      std::vector<Envelope> batch = {
          f.Sign(UnitJson("Y0"), f.admin()), f.Sign(UnitJson("Y1"), f.admin()),
          SignEnvelope(body, f.origin(), f.admin()), f.Sign(UnitJson("Y3"), f.admin())};
      Snapshot before = Take(f.ledger());
      SubmitError error;
      auto r = f.ledger().Submit(batch, &error);
      INFO((r.ok() ? std::string("accepted") : error.status.message()));
      CHECK_FALSE(r.ok());
      CHECK(error.index == 2);
      CHECK(error.status.code() == Code::kInvalid);
      CHECK(Take(f.ledger()) == before);
    }
  }
}

TEST_CASE("SubmitError names the first bad item whichever check finds it", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  auto batch_of = [&](int n) {
    std::vector<Envelope> batch;
    for (int i = 0; i < n; ++i)
      batch.push_back(f.Sign(UnitJson("X" + std::to_string(i)), f.admin()));
    return batch;
  };
  Snapshot before = Take(f.ledger());
  SECTION("a bad signature before a wrong role") {
    auto batch = batch_of(5);
    batch[1].signature[0] ^= 1;
    batch[3] = f.Sign(UnitJson("X3"), f.key("enforcement"));
    SubmitError error;
    REQUIRE_FALSE(f.ledger().Submit(batch, &error).ok());
    CHECK(error.index == 1);
    CHECK(error.status.message().find("signature") != std::string::npos);
  }
  SECTION("a wrong role before a bad signature") {
    auto batch = batch_of(5);
    batch[1] = f.Sign(UnitJson("X1"), f.key("enforcement"));
    batch[3].signature[0] ^= 1;
    SubmitError error;
    REQUIRE_FALSE(f.ledger().Submit(batch, &error).ok());
    CHECK(error.index == 1);
    CHECK(error.status.message().find("may not append") != std::string::npos);
  }
  SECTION("the lowest bad signature of a batch large enough to verify on several threads") {
    auto batch = batch_of(150);
    batch[149].signature[63] ^= 0x80;
    batch[97].signature[5] ^= 0x01;
    batch[130].signature[5] ^= 0x01;
    SubmitError error;
    REQUIRE_FALSE(f.ledger().Submit(batch, &error).ok());
    CHECK(error.index == 97);
  }
  SECTION("the first item") {
    auto batch = batch_of(3);
    batch[0] = f.Sign(UnitJson("X0"), KeyFor("nobody"));
    SubmitError error;
    REQUIRE_FALSE(f.ledger().Submit(batch, &error).ok());
    CHECK(error.index == 0);
  }
  CHECK(Take(f.ledger()) == before);
}

TEST_CASE("A batch sees its own earlier items: a key registered in it may sign later items",
          "[ledger]") {
  LedgerFixture f;
  f.Populate();
  PrivateKey fresh = KeyFor("fresh-hr");
  std::vector<Envelope> batch = {
      f.Sign(KeyRegisteredJson(fresh.Public(), "hr", "fresh hr"), f.admin()),
      f.Sign(LedgerFixture::PersonJson("P20", "U1"), fresh),
      f.Sign(RevokeJson(fresh), f.admin()),
      f.Sign(LedgerFixture::PersonJson("P21", "U1"), fresh),
  };
  Snapshot before = Take(f.ledger());
  SubmitError error;
  auto r = f.ledger().Submit(batch, &error);
  REQUIRE_FALSE(r.ok());
  CHECK(error.index == 3);
  CHECK(error.status.message().find("revoked") != std::string::npos);
  CHECK(Take(f.ledger()) == before);
  batch.pop_back();
  auto ok = f.Submit(batch);
  REQUIRE(ok.ok());
  CHECK(ok->size() == 3);
  ExpectVerifies(f.ledger());
}

TEST_CASE("An empty batch lands nothing and writes no checkpoint", "[ledger]") {
  LedgerFixture f;
  Snapshot before = Take(f.ledger());
  auto r = f.Submit({});
  REQUIRE(r.ok());
  CHECK(r->empty());
  CHECK(Take(f.ledger()) == before);
}

TEST_CASE("Idempotency: the same id and event again is a duplicate receipt, stored once",
          "[ledger]") {
  LedgerFixture f;
  Envelope env = f.Sign(UnitJson("U1", "req-1"), f.admin());
  auto first = f.Submit({env});
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK_FALSE((*first)[0].duplicate);
  uint64_t seq = (*first)[0].seq;
  Snapshot after_first = Take(f.ledger());

  auto second = f.Submit({env});
  REQUIRE(second.ok());
  REQUIRE(second->size() == 1);
  CHECK((*second)[0].duplicate);
  CHECK((*second)[0].seq == seq);
  CHECK((*second)[0].leaf_hash == (*first)[0].leaf_hash);
  CHECK(Take(f.ledger()) == after_first);  // no entry, no checkpoint

  // Re-signing the same JSON gives the same envelope (Ed25519 is deterministic).
  auto resigned = f.Submit({f.Sign(UnitJson("U1", "req-1"), f.admin())});
  REQUIRE(resigned.ok());
  CHECK((*resigned)[0].duplicate);
  CHECK((*resigned)[0].seq == seq);

  // Still so after a reopen: ids are stored, not remembered.
  f.Reopen();
  auto third = f.Submit({env, f.Sign(UnitJson("U2"), f.admin())});
  REQUIRE(third.ok());
  REQUIRE(third->size() == 2);
  CHECK((*third)[0].duplicate);
  CHECK((*third)[0].seq == seq);
  CHECK_FALSE((*third)[1].duplicate);
  CHECK((*third)[1].seq == seq + 1);

  // Stored exactly once.
  int copies = 0;
  for (uint64_t s = 0; s < f.ledger().size(); ++s) {
    auto e = f.ledger().ReadEntry(s);
    REQUIRE(e.ok());
    copies += e->envelope.body == env.body;
  }
  CHECK(copies == 1);
  ExpectVerifies(f.ledger());
}

TEST_CASE("Idempotency: a repeat of a stored event whose signature does not verify is refused",
          "[ledger]") {
  // Only the same *signed* event is a duplicate; a copy with a broken signature is not
  // signed by anyone and must not be acknowledged as stored.
  LedgerFixture f;
  Envelope env = f.Sign(UnitJson("U1", "req-sig"), f.admin());
  REQUIRE(f.Submit({env}).ok());
  Snapshot before = Take(f.ledger());
  Envelope forged = env;
  forged.signature[7] ^= 0x10;
  SubmitError error;
  auto r = f.ledger().Submit({f.Sign(UnitJson("U2"), f.admin()), forged}, &error);
  INFO((r.ok() ? std::string("acknowledged as a duplicate") : r.status().message()));
  CHECK_FALSE(r.ok());
  CHECK(error.index == 1);
  CHECK(error.status.message().find("signature") != std::string::npos);
  CHECK(Take(f.ledger()) == before);
}

TEST_CASE("Idempotency: the same id on a different event is refused", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  f.Append(f.admin(), UnitJson("U7", "req-7"));
  Snapshot before = Take(f.ledger());
  SECTION("different content") {
    SubmitError error;
    auto r = f.ledger().Submit({f.Sign(UnitJson("U8", "req-7"), f.admin())}, &error);
    REQUIRE_FALSE(r.ok());
    CHECK(error.status.code() == Code::kRefused);
    CHECK(error.status.message().find("req-7") != std::string::npos);
  }
  SECTION("different type, signer and role") {
    auto r =
        f.Submit({f.Sign("{\"type\":\"personRegistered\",\"id\":\"req-7\",\"person\":\"P70\","
                         "\"name\":\"N\",\"unit\":\"U1\","
                         "\"category\":\"contract\"}",
                         f.key("hr"))});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kRefused);
  }
  SECTION("the same event signed by another key") {
    const PrivateKey& admin2 = f.RegisterKey("admin-2", "admin");
    before = Take(f.ledger());
    auto r = f.Submit({f.Sign(UnitJson("U7", "req-7"), admin2)});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kRefused);
  }
  CHECK(Take(f.ledger()) == before);
}

TEST_CASE("Idempotency within one batch: a repeat is a duplicate, a conflict refuses the batch",
          "[ledger]") {
  LedgerFixture f;
  uint64_t base = f.ledger().size();
  Envelope a = f.Sign(UnitJson("U1", "dup"), f.admin());
  SECTION("repeat") {
    auto r = f.Submit({a, f.Sign(UnitJson("U2"), f.admin()), a});
    REQUIRE(r.ok());
    REQUIRE(r->size() == 3);
    CHECK((*r)[0].seq == base);
    CHECK_FALSE((*r)[0].duplicate);
    CHECK((*r)[1].seq == base + 1);
    CHECK((*r)[2].seq == base);
    CHECK((*r)[2].duplicate);
    CHECK((*r)[2].leaf_hash == (*r)[0].leaf_hash);
    CHECK(f.ledger().size() == base + 2);
    auto bytes = f.ledger().ReadEntryBytes(base);
    REQUIRE(bytes.ok());
    CHECK((*r)[2].leaf_hash == merkle::LeafHash(*bytes));
  }
  SECTION("conflict") {
    Snapshot before = Take(f.ledger());
    SubmitError error;
    auto r = f.ledger().Submit(
        {a, f.Sign(UnitJson("U2"), f.admin()), f.Sign(UnitJson("U3", "dup"), f.admin())}, &error);
    REQUIRE_FALSE(r.ok());
    CHECK(error.index == 2);
    CHECK(Take(f.ledger()) == before);
  }
  SECTION("an id in a refused batch is not taken") {
    Snapshot before = Take(f.ledger());
    auto r = f.Submit({a, f.Sign(UnitJson("U2"), KeyFor("nobody"))});
    REQUIRE_FALSE(r.ok());
    CHECK(Take(f.ledger()) == before);
    auto again = f.Submit({a});
    REQUIRE(again.ok());
    CHECK_FALSE((*again)[0].duplicate);
    CHECK((*again)[0].seq == base);
  }
  ExpectVerifies(f.ledger());
}

TEST_CASE("A key that is not registered may not sign anything", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  PrivateKey stranger = KeyFor("stranger");
  for (const std::string& json :
       {UnitJson("U9"), LedgerFixture::PersonJson("P9", "U1"),
        KeyRegisteredJson(stranger.Public(), "admin", "self-made admin")}) {
    INFO(json);
    Status st = f.TryAppend(stranger, json);
    CHECK(st.code() == Code::kRefused);
    CHECK(st.message().find("not registered") != std::string::npos);
  }
  // A key whose registration is by a non-admin does not exist either.
  CHECK(f.TryAppend(f.key("hr"), KeyRegisteredJson(stranger.Public(), "hr", "x")).code() ==
        Code::kRefused);
  CHECK(f.TryAppend(stranger, UnitJson("U9")).code() == Code::kRefused);
}

TEST_CASE("A revoked key's earlier entries still verify, its later ones are refused", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  const PrivateKey& hr2 = f.RegisterKey("hr-2", "hr");
  Receipt before_revoke = f.Append(hr2, LedgerFixture::PersonJson("P30", "U1"));
  Receipt revoke = f.Append(f.admin(), RevokeJson(hr2));
  CHECK(revoke.seq == before_revoke.seq + 1);

  Status later = f.TryAppend(hr2, LedgerFixture::PersonJson("P31", "U1"));
  CHECK(later.code() == Code::kRefused);
  CHECK(later.message().find("revoked at seq " + std::to_string(revoke.seq)) != std::string::npos);

  auto info = LookUpKey(f.ledger().store().state(), hr2.Public().KeyId());
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->revoked_seq == revoke.seq);

  // Its entry before the revocation is still good, in full verification and from its seq on.
  auto entry = f.ledger().ReadEntry(before_revoke.seq);
  REQUIRE(entry.ok());
  CHECK(VerifyEnvelope(entry->envelope, f.origin(), hr2.Public()));
  ExpectVerifies(f.ledger());
  VerifyOptions from;
  from.from = before_revoke.seq;
  ExpectVerifies(f.ledger(), from);

  // Not revoked twice, and never registered again.
  CHECK(f.TryAppend(f.admin(), RevokeJson(hr2)).code() == Code::kRefused);
  Status again = f.TryAppend(f.admin(), KeyRegisteredJson(hr2.Public(), "hr", "hr-2 again"));
  CHECK(again.code() == Code::kRefused);
  CHECK(again.message().find("already registered") != std::string::npos);
  // Other hr keys are unaffected.
  f.Append(f.key("hr"), LedgerFixture::PersonJson("P31", "U1"));
}

struct RoleCase {
  std::string json;
  std::string signer;     // the key (by name) that appends it here
  std::string also = "";  // another key allowed to (not tried: the event lands once)
};

// The seq of the restriction landed by the table below, for the erasure that follows it.
constexpr char kRestrictionSeq[] = "@restriction";

TEST_CASE("Each event type may be appended only by the role of program-rules.md's table",
          "[ledger]") {
  LedgerFixture f;
  f.Populate();
  const PrivateKey& spare = f.RegisterKey("spare", "auditor");
  PrivateKey newcomer = KeyFor("newcomer");
  const std::vector<RoleCase> cases = {
      {UnitJson("U10"), "admin"},
      {KeyRegisteredJson(newcomer.Public(), "auditor", "newcomer"), "admin"},
      {RevokeJson(spare), "admin"},
      {LedgerFixture::CityJson("130200", "U1"), "admin"},
      {R"({"type":"groupFormed","group":"GRP2","city":"130100","kind":"ordinary","leadUnit":"U1","date":"2019-05-10"})",
       "admin"},
      {R"({"type":"groupDisbanded","group":"GRP2","date":"2019-06-10"})", "admin"},
      {LedgerFixture::RetractionJson(1), "admin"},
      {LedgerFixture::PersonJson("P10", "U1"), "hr"},
      {R"({"type":"restrictionRecorded","person":"P2","reason":"health","from":"2019-09-01"})",
       "hr"},
      {R"({"type":"erasure","target":@restriction,"reason":"retention period over"})", "hr",
       "admin"},
      {R"({"type":"restrictionLifted","person":"P2","date":"2019-09-20"})", "hr"},
      {R"({"type":"leaveGranted","person":"P1","days":1,"kind":"rotation","from":"2019-07-01"})",
       "hr"},
      {LedgerFixture::TrainingJson("P1"), "dispatcher-U1"},
      {LedgerFixture::AssignmentJson("A1", "P1"), "dispatcher-U1"},
      {R"({"type":"assignmentEnded","assignment":"A1","date":"2019-05-29","reason":"completed"})",
       "dispatcher-U1"},
      {R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"person":"P1"},"period":"2019","grade":"good","summary":"s","date":"2019-06-10","distributedTo":["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"]})",
       "enforcement"},
      {R"({"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
       "enforcement"},
      {R"({"type":"criticismIssued","subject":{"unit":"U2"},"ground":"poorOrganisation","reason":"r","date":"2019-06-12","evaluation":"E2"})",
       "enforcement"},
      {R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":false,"date":"2020-01-15"})",
       "enforcement"},
      {R"({"type":"reportFiled","group":"GRP1","date":"2019-05-20","kind":"workReport","summary":"s"})",
       "leader-P1"},
      {R"({"type":"partyBranchFormed","city":"130100","leadUnit":"U1","secretary":"P1","date":"2019-05-11"})",
       "party"},
      {R"({"type":"explanationSubmitted","city":"130100","year":2019,"scope":"annual","unit":"U1","date":"2020-02-01","summary":"s","principal":"Principal of U1"})",
       "guarantor-U1"},
      {R"({"type":"principalNamed","unit":"U1","name":"Principal of U1","date":"2019-05-02"})",
       "hr"},
      {R"({"type":"calendarPublished","year":2020,"holidays":["2020-01-01"],"workdays":["2020-01-19"]})",
       "admin"},
  };
  const std::vector<std::string> signers = {"admin",     "hr",    "dispatcher-U1", "enforcement",
                                            "leader-P1", "party", "guarantor-U1",  "auditor"};
  auto key_of = [&](const std::string& name) -> const PrivateKey& {
    return name == "admin" ? f.admin() : f.key(name);
  };
  std::set<std::string> types;
  uint64_t restriction_seq = 0;
  for (const auto& rc : cases) {
    RoleCase c = rc;
    if (auto at = c.json.find(kRestrictionSeq); at != std::string::npos) {
      REQUIRE(restriction_seq > 0);
      c.json.replace(at, std::string(kRestrictionSeq).size(), std::to_string(restriction_seq));
    }
    auto prepared = f.codec().Prepare(c.json, test::TestRandom());
    INFO(c.json << ": " << (prepared.ok() ? std::string("ok") : prepared.status().message()));
    REQUIRE(prepared.ok());
    auto view = EventView::FromCanonical(prepared->body);
    REQUIRE(view.ok());
    types.insert(EventTypeName(view->reader().which()));
    for (const auto& who : signers) {
      if (who == c.signer || who == c.also) continue;
      INFO(who << " signs " << c.json);
      Status st = f.TryAppend(key_of(who), c.json);
      CHECK(st.code() == Code::kRefused);
      CHECK(st.message().find("may not append") != std::string::npos);
    }
    INFO(c.signer << " signs " << c.json);
    Status st = f.TryAppend(key_of(c.signer), c.json);
    INFO(st.message());
    CHECK(st.ok());
    if (types.count("restrictionRecorded") && restriction_seq == 0)
      restriction_seq = f.ledger().size() - 1;
  }
  CHECK(types.size() == 24);  // every event type of interface.md (format v2 added three)
  ExpectVerifies(f.ledger());
}

// Whether a scope names a unit or person in force is the program's (tests/rules_test.cc).
TEST_CASE("keyRegistered is checked: which roles carry a scope, no key twice", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  auto refused = [&](const std::string& json, const std::string& fragment) {
    Status st = f.TryAppend(f.admin(), json);
    INFO(json << ": " << st.message());
    CHECK(st.code() == Code::kRefused);
    CHECK(st.message().find(fragment) != std::string::npos);
  };
  PrivateKey k = KeyFor("candidate");
  refused(KeyRegisteredJson(k.Public(), "dispatcher", "d"), "'unit'");
  refused(KeyRegisteredJson(k.Public(), "guarantor", "g"), "'unit'");
  refused(KeyRegisteredJson(k.Public(), "groupLeader", "l"), "'person'");
  refused(KeyRegisteredJson(k.Public(), "hr", "h", ",\"unit\":\"U1\""), "'unit'");
  refused(KeyRegisteredJson(k.Public(), "dispatcher", "d", ",\"unit\":\"U1\",\"person\":\"P1\""),
          "'person'");
  refused(KeyRegisteredJson(f.key("hr").Public(), "auditor", "hr again"), "already registered");
  refused(KeyRegisteredJson(f.admin().Public(), "admin", "admin again"), "already registered");
  // Not a key at all is malformed input, not a refusal (tests/hostile_input_test.cc has more).
  Status malformed = f.TryAppend(
      f.admin(), R"({"type":"keyRegistered","publicKey":"not a key","holder":"x","role":"hr"})");
  CHECK(malformed.code() == Code::kInvalid);
  CHECK(malformed.message().find("publicKey") != std::string::npos);
  // And the good one lands, with its scope.
  f.Append(f.admin(), KeyRegisteredJson(k.Public(), "dispatcher", "d", ",\"unit\":\"U2\""));
  auto info = LookUpKey(f.ledger().store().state(), k.Public().KeyId());
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->role == schema::Role::DISPATCHER);
  CHECK((*info)->unit == "U2");
  f.Append(k, LedgerFixture::TrainingJson("P3"));
}

TEST_CASE("keyRevoked is checked: a known, unrevoked key, and never the last admin", "[ledger]") {
  LedgerFixture f;
  f.Populate();
  Status last = f.TryAppend(f.admin(), RevokeJson(f.admin()));
  CHECK(last.code() == Code::kRefused);
  CHECK(last.message().find("last admin") != std::string::npos);
  CHECK(f.TryAppend(f.admin(), RevokeJson(KeyFor("never registered"))).code() == Code::kRefused);
  Status malformed = f.TryAppend(f.admin(), R"({"type":"keyRevoked","keyId":"ABCD","reason":"r"})");
  CHECK_FALSE(malformed.ok());

  // With a second admin, one may go; then the other is the last.
  const PrivateKey& admin2 = f.RegisterKey("admin-2", "admin");
  f.Append(admin2, RevokeJson(f.admin(), "handover"));
  CHECK(f.TryAppend(f.admin(), UnitJson("U50")).code() == Code::kRefused);
  f.Append(admin2, UnitJson("U50"));
  Status now_last = f.TryAppend(admin2, RevokeJson(admin2));
  CHECK(now_last.code() == Code::kRefused);
  CHECK(now_last.message().find("last admin") != std::string::npos);
  ExpectVerifies(f.ledger());
}

TEST_CASE("Receipts carry consecutive seqs and the leaf hash of the stored entry bytes",
          "[ledger]") {
  LedgerFixture f;
  f.Populate();
  std::vector<Envelope> batch;
  for (int i = 0; i < 7; ++i) batch.push_back(f.Sign(UnitJson("R" + std::to_string(i)), f.admin()));
  uint64_t base = f.ledger().size();
  auto r = f.Submit(batch);
  REQUIRE(r.ok());
  REQUIRE(r->size() == batch.size());
  for (size_t i = 0; i < r->size(); ++i) {
    const Receipt& receipt = (*r)[i];
    CHECK(receipt.seq == base + i);
    CHECK_FALSE(receipt.duplicate);
    auto bytes = f.ledger().ReadEntryBytes(receipt.seq);
    REQUIRE(bytes.ok());
    CHECK(receipt.leaf_hash == merkle::LeafHash(*bytes));
    auto entry = DecodeEntry(*bytes);
    REQUIRE(entry.ok());
    CHECK(entry->seq == receipt.seq);
    CHECK(entry->envelope.body == batch[i].body);
    CHECK(entry->envelope.signature == batch[i].signature);
    CHECK(EncodeEntry(*entry) == *bytes);  // stored bytes are canonical
  }
  CHECK(f.ledger().ReadEntryBytes(f.ledger().size()).status().code() == Code::kNotFound);
}

TEST_CASE(
    "Inclusion and consistency proofs verify against RootAt and the stored signed checkpoints",
    "[ledger]") {
  LedgerFixture f;
  f.Populate();
  const uint64_t populated = f.ledger().size();
  // Batches of uneven sizes, so checkpoints land at many tree shapes.
  int n = 0;
  for (int size : {1, 2, 3, 5, 8, 1, 4}) {
    std::vector<Envelope> batch;
    for (int i = 0; i < size; ++i)
      batch.push_back(f.Sign(UnitJson("M" + std::to_string(n++)), f.admin()));
    REQUIRE(f.Submit(batch).ok());
  }
  Ledger& ledger = f.ledger();
  const uint64_t total = ledger.size();
  REQUIRE(total > 40);

  std::vector<Hash> leaves;
  for (uint64_t s = 0; s < total; ++s) {
    auto bytes = ledger.ReadEntryBytes(s);
    REQUIRE(bytes.ok());
    leaves.push_back(merkle::LeafHash(*bytes));
  }
  std::vector<Hash> roots(total + 1);
  for (uint64_t size = 1; size <= total; ++size) {
    auto root = ledger.RootAt(size);
    REQUIRE(root.ok());
    roots[size] = *root;
  }
  // Every seq in every tree size.
  for (uint64_t size = 1; size <= total; ++size) {
    for (uint64_t seq = 0; seq < size; ++seq) {
      auto proof = ledger.InclusionProof(seq, size);
      REQUIRE(proof.ok());
      Status st = merkle::VerifyInclusion(seq, size, leaves[seq], *proof, roots[size]);
      INFO("seq " << seq << " size " << size << ": " << st.message());
      REQUIRE(st.ok());
    }
  }
  // A proof does not verify another leaf or another root.
  auto proof = ledger.InclusionProof(3, total);
  REQUIRE(proof.ok());
  CHECK_FALSE(merkle::VerifyInclusion(3, total, leaves[4], *proof, roots[total]).ok());
  CHECK_FALSE(merkle::VerifyInclusion(3, total, leaves[3], *proof, roots[total - 1]).ok());
  CHECK_FALSE(ledger.RootAt(total + 1).ok());
  CHECK_FALSE(ledger.InclusionProof(0, total + 1).ok());

  // The stored checkpoints: one per landed batch, each signed, each at its root.
  auto stored = test::DumpColumn(ledger.store(), Column::kCheckpoints);
  std::vector<note::Checkpoint> checkpoints;
  for (const auto& [key, text] : stored) {
    note::Checkpoint cp = OpenCheckpoint(ledger, text);
    CHECK(cp.size == SeqFromKey(key));
    CHECK(cp.origin == ledger.origin());
    REQUIRE(cp.size <= total);
    CHECK(cp.root == roots[cp.size]);
    checkpoints.push_back(cp);
  }
  // Genesis, Populate's single appends, then the 7 batches.
  CHECK(checkpoints.size() == populated + 7);
  CHECK(checkpoints.back().size == total);
  auto latest = ledger.LatestCheckpoint();
  REQUIRE(latest.ok());
  CHECK(*latest == stored.rbegin()->second);

  for (size_t i = 0; i < checkpoints.size(); ++i) {
    for (size_t j = i; j < checkpoints.size(); ++j) {
      const auto& a = checkpoints[i];
      const auto& b = checkpoints[j];
      auto cproof = ledger.ConsistencyProof(a.size, b.size);
      REQUIRE(cproof.ok());
      Status st = merkle::VerifyConsistency(a.size, b.size, *cproof, a.root, b.root);
      INFO(a.size << " -> " << b.size << ": " << st.message());
      REQUIRE(st.ok());
      if (a.size < b.size) {
        CHECK_FALSE(merkle::VerifyConsistency(a.size, b.size, *cproof, b.root, a.root).ok());
      }
    }
    // Every leaf of the checkpoint's tree is provably in it.
    for (uint64_t seq = 0; seq < checkpoints[i].size; ++seq) {
      auto p = ledger.InclusionProof(seq, checkpoints[i].size);
      REQUIRE(p.ok());
      REQUIRE(
          merkle::VerifyInclusion(seq, checkpoints[i].size, leaves[seq], *p, checkpoints[i].root)
              .ok());
    }
  }
  // Reopened, the tree is the same.
  f.Reopen(Store::Mode::kReadOnly);
  auto root = f.ledger().RootAt(total);
  REQUIRE(root.ok());
  CHECK(*root == roots[total]);
}

TEST_CASE("recordedAt comes from the injected clock and never goes backwards", "[ledger]") {
  LedgerFixture f;
  auto recorded = [&](uint64_t seq) {
    auto e = f.ledger().ReadEntry(seq);
    REQUIRE(e.ok());
    return e->recorded_at_us;
  };
  CHECK(recorded(0) == test::kStartTime);

  const int64_t t1 = test::kStartTime + 3'600'000'000;  // an hour later
  f.clock().Set(t1);
  Receipt a = f.Append(f.admin(), UnitJson("U1"));
  CHECK(recorded(a.seq) == t1);

  // A batch shares one time.
  f.clock().Set(t1 + 5);
  auto batch = f.Submit({f.Sign(UnitJson("U2"), f.admin()), f.Sign(UnitJson("U3"), f.admin())});
  REQUIRE(batch.ok());
  CHECK(recorded((*batch)[0].seq) == t1 + 5);
  CHECK(recorded((*batch)[1].seq) == t1 + 5);

  // The clock goes back a day: the log does not.
  f.clock().Set(t1 - 86'400'000'000);
  Receipt b = f.Append(f.admin(), UnitJson("U4"));
  CHECK(recorded(b.seq) == t1 + 5);

  // Nor after a reopen, which must learn the last time from the log.
  f.Reopen();
  Receipt c = f.Append(f.admin(), UnitJson("U5"));
  CHECK(recorded(c.seq) == t1 + 5);

  f.clock().Set(t1 + 1'000'000);
  Receipt d = f.Append(f.admin(), UnitJson("U6"));
  CHECK(recorded(d.seq) == t1 + 1'000'000);

  int64_t last = INT64_MIN;
  for (uint64_t s = 0; s < f.ledger().size(); ++s) {
    CHECK(recorded(s) >= last);
    last = recorded(s);
  }
  CHECK(FormatTimestamp(test::kStartTime) == "2019-05-01T00:00:00.000000Z");
  ExpectVerifies(f.ledger());
}

TEST_CASE("A populated ledger verifies, VerifyOptions::from counts only the later signatures",
          "[ledger]") {
  LedgerFixture f;
  f.Populate();
  auto full = VerifyLedger(f.ledger(), {});
  REQUIRE(full.ok());
  CHECK(full->ok());
  CHECK(full->signatures_checked == f.ledger().size());
  auto root = f.ledger().RootAt(f.ledger().size());
  REQUIRE(root.ok());
  CHECK(full->root == *root);
  VerifyOptions options;
  options.from = 10;
  auto partial = VerifyLedger(f.ledger(), options);
  REQUIRE(partial.ok());
  CHECK(partial->ok());
  CHECK(partial->signatures_checked == f.ledger().size() - 10);
}

}  // namespace
}  // namespace probity
