// Integrity of a format v2 store as a whole: every kind of stored record changed behind
// the program's back (with plain RocksDB, test::RawDb) is named by VerifyLedger; a damaged
// store refuses writes and is never written over; sealed values stay out of everything
// signed and hashed and can be erased; envelopes are bound to one ledger and stored once;
// an auditor's saved checkpoints catch rollbacks and forks; witnesses' cosignatures count
// in verify; the checkpoint key may live outside the store. Real RocksDB in temporary
// directories, real signatures.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "ledger/witness.h"
#include "projections/program.h"
#include "tests/testing.h"

namespace probity {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using test::DumpStore;
using test::KeyFor;
using test::LedgerFixture;
using test::RawDb;
using test::RevokeJson;
using test::TempDir;

const Rules& TheRules() {
  static const ProgramRules rules;
  return rules;
}

// ---- the pristine store -------------------------------------------------------------------------

// Seqs of the events the pristine store adds after LedgerFixture::Populate().
struct World {
  uint64_t restriction_p1 = 0;   // hr: P1, health (sealed)
  uint64_t restriction_p2 = 0;   // hr: P2, pregnancy (sealed)
  uint64_t evaluation_p3 = 0;    // enforcement: E1 about P3
  uint64_t criticism_p3 = 0;     // enforcement: criticism of P3 citing E1
  uint64_t evaluation_p1 = 0;    // enforcement: E2 about P1
  uint64_t commendation_p1 = 0;  // enforcement: commendation of P1 citing E2
  uint64_t training_p2 = 0;      // dispatcher-U1: P2's training
  uint64_t size = 0;
};

std::string RestrictionJson(const std::string& person, const std::string& reason,
                            const std::string& from = "2019-06-01") {
  return R"({"type":"restrictionRecorded","person":")" + person + R"(","reason":")" + reason +
         R"(","from":")" + from + R"("})";
}
std::string EvaluationJson(const std::string& id, const std::string& person) {
  return R"({"type":"evaluationRecorded","evaluation":")" + id + R"(","subject":{"person":")" +
         person +
         R"("},"period":"2019","grade":"good","summary":"s","date":"2019-06-10","distributedTo":["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"]})";
}
std::string CriticismJson(const std::string& person, const std::string& evaluation) {
  return R"({"type":"criticismIssued","subject":{"person":")" + person +
         R"("},"ground":"poorPerformance","reason":"late reports","date":"2019-06-12","evaluation":")" +
         evaluation + R"("})";
}
std::string CommendationJson(const std::string& person, const std::string& evaluation) {
  return R"({"type":"commendationIssued","subject":{"person":")" + person +
         R"("},"reason":"thorough work","date":"2019-06-12","evaluation":")" + evaluation + R"("})";
}
std::string ErasureJson(uint64_t target, const std::string& reason = "retention period over") {
  return R"({"type":"erasure","target":)" + std::to_string(target) + R"(,"reason":")" + reason +
         R"("})";
}
std::string UnitJson(const std::string& unit) {
  return R"({"type":"unitRegistered","unit":")" + unit + R"(","name":"Unit )" + unit +
         R"(","kind":"dispatchedAgency"})";
}

// LedgerFixture::Populate() under the program's rules, then the events of World, built once
// per process and closed; each test works on its own copy of the directory.
class Pristine {
 public:
  static const Pristine& Get() {
    static const Pristine pristine;
    return pristine;
  }
  std::string dir() const { return f_.dir(); }
  const World& world() const { return world_; }

 private:
  Pristine() {
    f_.Populate();
    world_.restriction_p1 = f_.Append(f_.key("hr"), RestrictionJson("P1", "health")).seq;
    world_.restriction_p2 = f_.Append(f_.key("hr"), RestrictionJson("P2", "pregnancy")).seq;
    world_.evaluation_p3 = f_.Append(f_.key("enforcement"), EvaluationJson("E1", "P3")).seq;
    world_.criticism_p3 = f_.Append(f_.key("enforcement"), CriticismJson("P3", "E1")).seq;
    world_.evaluation_p1 = f_.Append(f_.key("enforcement"), EvaluationJson("E2", "P1")).seq;
    world_.commendation_p1 = f_.Append(f_.key("enforcement"), CommendationJson("P1", "E2")).seq;
    world_.training_p2 = f_.Append(f_.key("dispatcher-U1"), LedgerFixture::TrainingJson("P2")).seq;
    world_.size = f_.ledger().size();
    f_.Close();
  }
  LedgerFixture f_{test::kTestOrigin, &TheRules()};
  World world_;
};

Ledger::Options RulesOptions(const test::FixedClock& clock) {
  Ledger::Options o;
  o.clock = clock.clock();
  o.rules = &TheRules();
  o.verify_threads = 2;
  return o;
}

Result<std::unique_ptr<Ledger>> OpenStore(const std::string& dir, Store::Mode mode) {
  static const test::FixedClock clock;
  return Ledger::Open(dir, mode, RulesOptions(clock));
}

std::unique_ptr<Ledger> MustOpen(const std::string& dir, Store::Mode mode) {
  auto ledger = OpenStore(dir, mode);
  INFO(dir << ": " << (ledger.ok() ? std::string("ok") : ledger.status().message()));
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

// Full verification under the program's rules (plus `options`).
VerifyReport VerifyLedgerOf(const Ledger& ledger, VerifyOptions options = {}) {
  options.rules = &TheRules();
  options.threads = 2;
  auto report = VerifyLedger(ledger, options);
  INFO((report.ok() ? std::string() : report.status().message()));
  REQUIRE(report.ok());
  return *report;
}

// Opens the closed store in `dir` read-only and verifies it.
VerifyReport VerifyDir(const std::string& dir, VerifyOptions options = {}) {
  auto ledger = MustOpen(dir, Store::Mode::kReadOnly);
  return VerifyLedgerOf(*ledger, std::move(options));
}

void ExpectProblem(const VerifyReport& report, const std::vector<std::string>& fragments) {
  INFO("problem: " << report.problem);
  CHECK_FALSE(report.ok());
  for (const auto& f : fragments) CHECK_THAT(report.problem, Contains(f));
}

// Every record of the closed store in `dir`, read through the program.
std::vector<std::map<std::string, std::string>> DumpDir(const std::string& dir) {
  auto ledger = MustOpen(dir, Store::Mode::kReadOnly);
  return DumpStore(ledger->store());
}

// Signs and submits one event to `ledger` (its origin); the status.
Status TrySubmit(Ledger& ledger, const PrivateKey& key, const std::string& json) {
  SubmitError error;
  auto r = ledger.Submit({test::SignJson(ledger.codec(), json, key, ledger.origin())}, &error);
  return r.ok() ? Status::Ok() : r.status();
}

uint64_t MustSubmit(Ledger& ledger, const PrivateKey& key, const std::string& json) {
  SubmitError error;
  auto r = ledger.Submit({test::SignJson(ledger.codec(), json, key, ledger.origin())}, &error);
  INFO(json << " -> " << (r.ok() ? std::string("ok") : r.status().message()));
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  return (*r)[0].seq;
}

// A copy of the pristine store in a directory of its own.
class Copy {
 public:
  Copy() {
    // Every tamper test starts from a store that verifies clean.
    static const bool clean = [] {
      VerifyReport r = VerifyDir(Pristine::Get().dir());
      INFO("pristine: " << r.problem);
      REQUIRE(r.ok());
      return true;
    }();
    (void)clean;
    fs::copy(Pristine::Get().dir(), dir(), fs::copy_options::recursive);
  }
  std::string dir() const { return tmp_.File("data"); }
  std::string File(const std::string& name) const { return tmp_.File(name); }
  const World& world() const { return Pristine::Get().world(); }

 private:
  TempDir tmp_{"probity-integrity-test"};
};

// The event id of entry `seq`, read behind the program's back.
std::string IdAt(RawDb& db, uint64_t seq) {
  Entry e = db.GetEntry(seq);
  auto view = EventView::FromCanonical(e.envelope.body);
  REQUIRE(view.ok());
  return view->reader().getId();
}

TEST_CASE("The pristine store verifies clean, every derived record compared, sealed values present",
          "[integrity]") {
  Copy c;
  const World& w = c.world();
  VerifyReport r = VerifyDir(c.dir());
  INFO(r.problem);
  REQUIRE(r.ok());
  CHECK(r.size == w.size);
  CHECK(r.checkpoint_size == w.size);
  CHECK(r.signatures_checked == w.size);
  CHECK(r.checkpoints_checked == w.size);  // one per submit, each single here
  CHECK(r.derived_checked > 3 * w.size);
  auto ledger = MustOpen(c.dir(), Store::Mode::kReadOnly);
  auto latest = ledger->LatestCheckpoint();
  REQUIRE(latest.ok());
  CHECK(r.checkpoint == *latest);
  for (uint64_t seq : {w.restriction_p1, w.restriction_p2}) {
    auto sealed = ledger->ReadSealed(seq);
    REQUIRE(sealed.ok());
    CHECK(sealed->size() == 1);
  }
  CHECK(test::DumpColumn(ledger->store(), Column::kSealed).size() == 2);
  CHECK(ledger->CheckProjections().ok());
}

// ---- a tamper test for every stored record kind
// --------------------------------------------------

TEST_CASE(
    "Meta 'size' is checked: set from N to N-7 it is named by verify, the writer refuses the store "
    "as "
    "damaged, and no entry is written over",
    "[integrity]") {
  Copy c;
  const uint64_t n = c.world().size;
  {
    RawDb db(c.dir());
    REQUIRE(db.Get(Column::kMeta, "size") == std::to_string(n));
    db.Put(Column::kMeta, "size", std::to_string(n - 7));
  }
  ExpectProblem(VerifyDir(c.dir()), {"meta", "'size'", std::to_string(n - 7), std::to_string(n)});
  auto before = DumpDir(c.dir());
  {
    auto writer = OpenStore(c.dir(), Store::Mode::kReadWrite);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == Code::kUnavailable);
    CHECK_THAT(writer.status().message(), Contains("store damaged"));
    CHECK_THAT(writer.status().message(), Contains(std::to_string(n - 7)));
  }
  // An append is attempted the only way there is (open for writing, submit): nothing changes.
  CHECK(DumpDir(c.dir()) == before);
  {
    RawDb db(c.dir());
    CHECK(db.Keys(Column::kEntries).size() == n);
    CHECK(db.GetEntry(n - 7).seq == n - 7);  // entry n-7 is still the one appended there
  }
}

TEST_CASE("Meta 'size' deleted: the store does not open, naming the size record", "[integrity]") {
  Copy c;
  {
    RawDb db(c.dir());
    db.Delete(Column::kMeta, "size");
  }
  for (auto mode : {Store::Mode::kReadOnly, Store::Mode::kReadWrite}) {
    auto ledger = OpenStore(c.dir(), mode);
    REQUIRE_FALSE(ledger.ok());
    CHECK_THAT(ledger.status().message(), Contains("'size'"));
  }
}

TEST_CASE(
    "Meta 'size' set beyond the log: writes refuse the damaged store, verify names the size record",
    "[integrity]") {
  // The tree has no frontier at the recorded size. A writer refuses to open; a reader opens
  // with the damage noted, so that verify can name the record that differs.
  Copy c;
  {
    RawDb db(c.dir());
    db.Put(Column::kMeta, "size", std::to_string(c.world().size + 3));
  }
  auto writer = OpenStore(c.dir(), Store::Mode::kReadWrite);
  REQUIRE_FALSE(writer.ok());
  CHECK_THAT(writer.status().message(), Contains("store damaged"));
  auto reader = OpenStore(c.dir(), Store::Mode::kReadOnly);
  REQUIRE(reader.ok());
  CHECK_THAT((*reader)->damage().message(), Contains("store damaged"));
  ExpectProblem(VerifyLedgerOf(**reader, {}), {"meta", "'size'"});
}

TEST_CASE("Meta 'projections' is checked: an edited or deleted record is named by verify as meta",
          "[integrity]") {
  Copy c;
  const uint64_t n = c.world().size;
  std::string want = "program-rules-v5 " + std::to_string(n);
  SECTION("edited") {
    {
      RawDb db(c.dir());
      REQUIRE(db.Get(Column::kMeta, "projections") == want);
      db.Put(Column::kMeta, "projections", "program-rules-v5 " + std::to_string(n + 1));
    }
    ExpectProblem(VerifyDir(c.dir()), {"meta", "'projections'", "altered"});
  }
  SECTION("deleted") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kMeta, "projections");
    }
    ExpectProblem(VerifyDir(c.dir()), {"meta", "'projections'", "deleted"});
  }
}

TEST_CASE(
    "Meta 'origin' is checked: an edited origin no longer matches the checkpoints or the "
    "signatures",
    "[integrity]") {
  Copy c;
  {
    RawDb db(c.dir());
    REQUIRE(db.Get(Column::kMeta, "origin") == test::kTestOrigin);
    db.Put(Column::kMeta, "origin", "probity.test/elsewhere");
  }
  ExpectProblem(VerifyDir(c.dir()), {"origin", "probity.test/elsewhere"});
  SECTION("and the writer refuses the store") {
    auto writer = OpenStore(c.dir(), Store::Mode::kReadWrite);
    REQUIRE_FALSE(writer.ok());
  }
  SECTION("deleted: the store does not open, naming the origin record") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kMeta, "origin");
    }
    auto reader = OpenStore(c.dir(), Store::Mode::kReadOnly);
    REQUIRE_FALSE(reader.ok());
    CHECK_THAT(reader.status().message(), Contains("'origin'"));
  }
}

TEST_CASE("Meta holds nothing unknown: an added meta key is named by verify", "[integrity]") {
  Copy c;
  {
    RawDb db(c.dir());
    db.Put(Column::kMeta, "trusted-signers", "everyone");
  }
  ExpectProblem(VerifyDir(c.dir()), {"meta", "'trusted-signers'", "added"});
}

TEST_CASE(
    "The ids index is checked: a deleted id, one pointing elsewhere, or an added one is named as "
    "the "
    "ids index",
    "[integrity]") {
  Copy c;
  const World& w = c.world();
  std::string id;
  {
    RawDb db(c.dir());
    id = IdAt(db, w.criticism_p3);
    REQUIRE(db.Get(Column::kIds, id) == SeqKey(w.criticism_p3));
  }
  SECTION("deleted") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kIds, id);
    }
    ExpectProblem(VerifyDir(c.dir()), {"ids index", id, "deleted"});
  }
  SECTION("pointing to another entry") {
    {
      RawDb db(c.dir());
      db.Put(Column::kIds, id, SeqKey(w.commendation_p1));
    }
    ExpectProblem(VerifyDir(c.dir()), {"ids index", id, "altered"});
  }
  SECTION("added") {
    {
      RawDb db(c.dir());
      db.Put(Column::kIds, "ev-planted", SeqKey(w.criticism_p3));
    }
    ExpectProblem(VerifyDir(c.dir()), {"ids index", "ev-planted", "added"});
  }
}

TEST_CASE(
    "The subjects index is checked: a deleted key, one pointing another person to a criticism, or "
    "an "
    "altered value is named as the subjects index",
    "[integrity]") {
  Copy c;
  const World& w = c.world();
  const std::string key = SubjectKey("person/P3", w.criticism_p3);
  {
    RawDb db(c.dir());
    REQUIRE(db.Find(Column::kSubjects, key).has_value());
  }
  SECTION("deleted: P3's criticism gone from P3's record") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kSubjects, key);
    }
    ExpectProblem(VerifyDir(c.dir()), {"subjects index", "person/P3", "deleted"});
  }
  SECTION("added: P1 pointed to P3's criticism") {
    {
      RawDb db(c.dir());
      db.Put(Column::kSubjects, SubjectKey("person/P1", w.criticism_p3), "");
    }
    ExpectProblem(VerifyDir(c.dir()), {"subjects index", "person/P1", "added"});
  }
  SECTION("a value where the index keeps none") {
    {
      RawDb db(c.dir());
      db.Put(Column::kSubjects, key, "x");
    }
    ExpectProblem(VerifyDir(c.dir()), {"subjects index", "person/P3", "altered"});
  }
}

TEST_CASE("The projections (state) are checked: an edited, deleted or added record is named",
          "[integrity]") {
  Copy c;
  const std::string person = "p/P3";  // P3's projection, with the criticism
  {
    RawDb db(c.dir());
    REQUIRE(db.Find(Column::kState, person).has_value());
  }
  SECTION("edited") {
    {
      RawDb db(c.dir());
      db.Put(Column::kState, person, db.Get(Column::kState, person) + "x");
    }
    ExpectProblem(VerifyDir(c.dir()), {"state (key registry and projections)", person, "altered"});
  }
  SECTION("deleted") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kState, person);
    }
    ExpectProblem(VerifyDir(c.dir()), {"state (key registry and projections)", person, "deleted"});
  }
  SECTION("added") {
    {
      RawDb db(c.dir());
      db.Put(Column::kState, "p/P99", db.Get(Column::kState, person));
    }
    ExpectProblem(VerifyDir(c.dir()), {"state (key registry and projections)", "p/P99", "added"});
  }
  SECTION("an authority record (a key's registration) edited") {
    std::string key_record;
    {
      RawDb db(c.dir());
      for (const auto& k : db.Keys(Column::kState)) {
        if (k.rfind("key/", 0) == 0) key_record = k;
      }
      REQUIRE_FALSE(key_record.empty());
      db.Put(Column::kState, key_record, db.Get(Column::kState, key_record) + "x");
    }
    ExpectProblem(VerifyDir(c.dir()), {"state (key registry and projections)", "altered"});
  }
}

// Without the program's rules the state column still holds the key registry (keys, roles,
// revocations, the count of admins) that Submit trusts; verify compares it too.
TEST_CASE(
    "The state is checked also for a ledger without rules: a forged key-registry record is named",
    "[integrity]") {
  LedgerFixture f;  // no rules; Populate registers one admin key
  f.Populate();
  f.Close();
  {
    // Claim a second admin, so that revoking the only one looks allowed.
    RawDb db(f.dir());
    REQUIRE(db.Get(Column::kState, kActiveAdminsKey) == "1");
    db.Put(Column::kState, kActiveAdminsKey, "2");
  }
  {
    auto ledger = MustOpen(f.dir(), Store::Mode::kReadOnly);
    auto report = VerifyLedger(*ledger, {});
    REQUIRE(report.ok());
    INFO("problem: " << report->problem);
    CHECK_FALSE(report->ok());
    CHECK_THAT(report->problem, Contains(kActiveAdminsKey));
  }
  // What the forged record allows: the writer accepts an event the log's authority forbids,
  // and only then does verify notice (at that entry).
  f.Reopen();
  Receipt r = f.Append(f.admin(), RevokeJson(f.admin()));
  auto after = VerifyLedger(f.ledger(), {});
  REQUIRE(after.ok());
  CHECK(after->bad_seq == r.seq);
  CHECK_THAT(after->problem, Contains("last admin"));
}

TEST_CASE("Sealed values are checked: an edited, deleted or added value is named as a sealed value",
          "[integrity]") {
  Copy c;
  const World& w = c.world();
  const std::string key = SealedKey(w.restriction_p1, "reason");
  std::string stored;
  {
    RawDb db(c.dir());
    stored = db.Get(Column::kSealed, key);
    REQUIRE(stored.size() == kSaltSize + std::string("health").size());
    REQUIRE(stored.substr(kSaltSize) == "health");
  }
  SECTION("edited: another reason, same salt") {
    {
      RawDb db(c.dir());
      db.Put(Column::kSealed, key, stored.substr(0, kSaltSize) + "pregnancy");
    }
    VerifyReport r = VerifyDir(c.dir());
    ExpectProblem(r, {"sealed value", "seq " + std::to_string(w.restriction_p1)});
    CHECK(r.bad_seq == w.restriction_p1);
  }
  SECTION("edited: the same reason, another salt") {
    {
      RawDb db(c.dir());
      std::string bent = stored;
      bent[3] = static_cast<char>(bent[3] ^ 0x01);
      db.Put(Column::kSealed, key, bent);
    }
    ExpectProblem(VerifyDir(c.dir()), {"sealed value", "seq " + std::to_string(w.restriction_p1)});
  }
  SECTION("edited: a value that is no reason at all") {
    {
      RawDb db(c.dir());
      db.Put(Column::kSealed, key, stored.substr(0, kSaltSize) + "gossip");
    }
    ExpectProblem(VerifyDir(c.dir()), {"sealed value"});
  }
  SECTION("deleted, though no erasure deleted it") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kSealed, key);
    }
    ExpectProblem(VerifyDir(c.dir()), {"sealed value", "deleted"});
  }
  SECTION("added for an entry that has no sealed field") {
    {
      RawDb db(c.dir());
      db.Put(Column::kSealed, SealedKey(w.criticism_p3, "reason"), stored);
    }
    ExpectProblem(VerifyDir(c.dir()), {"sealed value", "added"});
  }
}

TEST_CASE(
    "Tree nodes are checked: an edited or deleted node is named, and so is a node outside the tree",
    "[integrity]") {
  Copy c;
  const uint64_t n = c.world().size;
  SECTION("edited leaf") {
    {
      RawDb db(c.dir());
      std::string h = db.Get(Column::kNodes, NodeKey(0, 5));
      h[0] = static_cast<char>(h[0] ^ 1);
      db.Put(Column::kNodes, NodeKey(0, 5), h);
    }
    VerifyReport r = VerifyDir(c.dir());
    ExpectProblem(r, {"tree node", "level 0, index 5"});
    CHECK(r.bad_seq == 5u);
  }
  SECTION("deleted interior node") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kNodes, NodeKey(2, 1));  // leaves 4..7
    }
    VerifyReport r = VerifyDir(c.dir());
    ExpectProblem(r, {"tree node", "level 2, index 1"});
    CHECK(r.bad_seq == 7u);
  }
  SECTION("added leaf beyond the log") {
    {
      RawDb db(c.dir());
      db.Put(Column::kNodes, NodeKey(0, n + 3), std::string(32, 'x'));
    }
    ExpectProblem(VerifyDir(c.dir()), {"tree node", "added"});
  }
  SECTION("added interior node no complete subtree has") {
    {
      RawDb db(c.dir());
      db.Put(Column::kNodes, NodeKey(20, 0), std::string(32, 'x'));
    }
    ExpectProblem(VerifyDir(c.dir()), {"tree node", "added"});
  }
  SECTION("a key that is no node key at all") {
    {
      RawDb db(c.dir());
      db.Put(Column::kNodes, "junk", std::string(32, 'x'));
    }
    ExpectProblem(VerifyDir(c.dir()), {"tree node", "added"});
  }
}

TEST_CASE("Checkpoints are checked: an edited, deleted or added checkpoint is named",
          "[integrity]") {
  Copy c;
  const uint64_t n = c.world().size;
  SECTION("the latest edited (its root line)") {
    {
      RawDb db(c.dir());
      std::string note = db.Get(Column::kCheckpoints, SeqKey(n));
      auto second_nl = note.find('\n', note.find('\n') + 1);
      note.replace(second_nl + 1, 44, Base64Encode(Sha256(AsBytes("another root"))));
      db.Put(Column::kCheckpoints, SeqKey(n), note);
    }
    ExpectProblem(VerifyDir(c.dir()), {"checkpoint at size " + std::to_string(n)});
  }
  SECTION("an older one edited") {
    {
      RawDb db(c.dir());
      std::string note = db.Get(Column::kCheckpoints, SeqKey(5));
      note[note.size() - 3] = note[note.size() - 3] == 'A' ? 'B' : 'A';  // its signature
      db.Put(Column::kCheckpoints, SeqKey(5), note);
    }
    ExpectProblem(VerifyDir(c.dir()), {"checkpoint at size 5"});
  }
  SECTION("an older one signed anew over the root of another history") {
    auto key = LoadPrivateKeyFile(c.dir() + "/checkpoint-key.pem", std::nullopt);
    REQUIRE(key.ok());
    {
      RawDb db(c.dir());
      note::Checkpoint cp{test::kTestOrigin, 5, Sha256(AsBytes("another history")), {}};
      auto signed_note = note::Sign(note::FormatCheckpoint(cp), test::kTestOrigin, *key);
      REQUIRE(signed_note.ok());
      db.Put(Column::kCheckpoints, SeqKey(5), *signed_note);
    }
    VerifyReport r = VerifyDir(c.dir());
    ExpectProblem(r, {"checkpoint at size 5", "does not match the entries"});
    CHECK(r.bad_seq == 4u);
  }
  SECTION("the latest deleted: the entries beyond the one left are named, and the writer refuses") {
    {
      RawDb db(c.dir());
      db.Delete(Column::kCheckpoints, SeqKey(n));
    }
    VerifyReport r = VerifyDir(c.dir());
    ExpectProblem(r, {"beyond the latest checkpoint"});
    CHECK(r.bad_seq == n - 1);
    auto writer = OpenStore(c.dir(), Store::Mode::kReadWrite);
    REQUIRE_FALSE(writer.ok());
    CHECK_THAT(writer.status().message(), Contains("store damaged"));
  }
  SECTION("added at a size the log does not have") {
    {
      RawDb db(c.dir());
      db.Put(Column::kCheckpoints, SeqKey(n + 1), db.Get(Column::kCheckpoints, SeqKey(n)));
    }
    ExpectProblem(VerifyDir(c.dir()), {"checkpoint at size " + std::to_string(n + 1)});
  }
  SECTION("a key that is not a size") {
    {
      RawDb db(c.dir());
      db.Put(Column::kCheckpoints, "latest", db.Get(Column::kCheckpoints, SeqKey(n)));
    }
    ExpectProblem(VerifyDir(c.dir()), {"checkpoint"});
  }
}

TEST_CASE(
    "An append never writes over a stored record: a checkpoint planted past the log stops the "
    "write",
    "[integrity]") {
  // Signed with the store's own key, so the writer's open-time check (the latest checkpoint
  // at the log's size) passes; only Commit's no-overwrite check stands in the way.
  Copy c;
  const uint64_t n = c.world().size;
  auto key = LoadPrivateKeyFile(c.dir() + "/checkpoint-key.pem", std::nullopt);
  REQUIRE(key.ok());
  std::string planted;
  {
    RawDb db(c.dir());
    note::Checkpoint cp{test::kTestOrigin, n + 1, Sha256(AsBytes("a future that never was")), {}};
    auto signed_note = note::Sign(note::FormatCheckpoint(cp), test::kTestOrigin, *key);
    REQUIRE(signed_note.ok());
    planted = *signed_note;
    db.Put(Column::kCheckpoints, SeqKey(n + 1), planted);
  }
  auto writer = MustOpen(c.dir(), Store::Mode::kReadWrite);
  auto before = DumpStore(writer->store());
  Status st = TrySubmit(*writer, KeyFor("admin"), UnitJson("U9"));
  INFO(st.message());
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kUnavailable);
  CHECK_THAT(st.message(), Contains("store damaged"));
  CHECK_THAT(st.message(), Contains(std::to_string(n + 1)));
  CHECK(DumpStore(writer->store()) == before);
  CHECK(writer->size() == n);
  auto still = writer->CheckpointAt(n + 1);
  REQUIRE(still.ok());
  CHECK(*still == planted);
  writer.reset();
  // Verify, trusting the checkpoint (it is validly signed), names the entry it lacks.
  VerifyReport r = VerifyDir(c.dir());
  ExpectProblem(r, {"checkpoint covers " + std::to_string(n + 1), "missing"});
  CHECK(r.bad_seq == n);
}

// ---- sealed fields
// ---------------------------------------------------------------------------------

// A ledger with the program's rules, populated, for the sealed-field and replay tests.
struct Live {
  Live() { f.Populate(); }
  LedgerFixture f{test::kTestOrigin, &TheRules()};

  // `batch` must be refused, leaving every record as it was; the refusal.
  Status Refuse(const std::vector<Envelope>& batch) {
    auto before = DumpStore(f.ledger().store());
    uint64_t size = f.ledger().size();
    auto r = f.Submit(batch);
    INFO((r.ok() ? std::string("accepted") : r.status().message()));
    CHECK_FALSE(r.ok());
    CHECK(f.ledger().size() == size);
    CHECK(DumpStore(f.ledger().store()) == before);
    return r.ok() ? Status::Ok() : r.status();
  }
  Status Refuse(const PrivateKey& key, const std::string& json) {
    return Refuse({f.Sign(json, key)});
  }
};

// True when `needle` occurs in `haystack` (binary-safe).
bool Holds(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST_CASE(
    "Sealed: a restriction's reason is in nothing signed or hashed, only beside the log, and "
    "ReadSealed "
    "returns it",
    "[integrity]") {
  Live l;
  uint64_t health = l.f.Append(l.f.key("hr"), RestrictionJson("P1", "health")).seq;
  uint64_t pregnancy = l.f.Append(l.f.key("hr"), RestrictionJson("P2", "pregnancy")).seq;
  l.f.Append(l.f.admin(), UnitJson("U9"));
  Ledger& ledger = l.f.ledger();
  const uint64_t n = ledger.size();
  for (auto [seq, reason] :
       {std::pair<uint64_t, std::string>{health, "health"}, {pregnancy, "pregnancy"}}) {
    INFO(reason);
    auto bytes = ledger.ReadEntryBytes(seq);
    REQUIRE(bytes.ok());
    CHECK_FALSE(Holds(AsChars(*bytes), reason));
    auto entry = ledger.ReadEntry(seq);
    REQUIRE(entry.ok());
    CHECK(entry->envelope.sealed.empty());
    CHECK_FALSE(Holds(EnvelopeToJson(entry->envelope, ledger.codec()), reason));
    // Every proof that involves the entry.
    for (uint64_t size = seq + 1; size <= n; ++size) {
      auto proof = ledger.InclusionProof(seq, size);
      REQUIRE(proof.ok());
      for (const Hash& h : *proof) CHECK_FALSE(Holds(AsChars(h), reason));
      for (uint64_t old = 1; old <= size; ++old) {
        auto cproof = ledger.ConsistencyProof(old, size);
        REQUIRE(cproof.ok());
        for (const Hash& h : *cproof) CHECK_FALSE(Holds(AsChars(h), reason));
      }
    }
    // Every record of every column but "sealed": keys, values, checkpoints, indexes, state.
    auto store = DumpStore(ledger.store());
    for (size_t column = 0; column < store.size(); ++column) {
      if (static_cast<Column>(column) == Column::kSealed) continue;
      for (const auto& [k, v] : store[column]) {
        INFO("column " << test::ColumnNames()[column]);
        CHECK_FALSE(Holds(k, reason));
        CHECK_FALSE(Holds(v, reason));
      }
    }
    // Beside the log: the clear value, and its salt matches the signed commitment.
    auto sealed = ledger.ReadSealed(seq);
    REQUIRE(sealed.ok());
    REQUIRE(sealed->size() == 1);
    CHECK((*sealed)[0].field == "reason");
    CHECK((*sealed)[0].value == reason);
    auto view = EventView::FromCanonical(entry->envelope.body);
    REQUIRE(view.ok());
    auto fields = SealedFieldsOf(view->reader());
    REQUIRE(fields.size() == 1);
    CHECK(CheckSealedValue(fields[0], (*sealed)[0]).ok());
    CHECK_THAT(ledger.codec().ToDisplayJson(view->reader(), true, *sealed),
               Contains("\"" + reason + "\""));
    CHECK_FALSE(Holds(ledger.codec().ToDisplayJson(view->reader(), false, *sealed), reason));
  }
  auto none = ledger.ReadSealed(n - 1);  // the unit
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(VerifyLedgerOf(ledger).ok());
}

TEST_CASE(
    "Sealed: an erasure by hr deletes the value, every signature, proof and checkpoint still "
    "verifies",
    "[integrity]") {
  Live l;
  Ledger& ledger = l.f.ledger();
  uint64_t target = l.f.Append(l.f.key("hr"), RestrictionJson("P1", "health")).seq;
  auto leaf_before = ledger.ReadEntryBytes(target);
  REQUIRE(leaf_before.ok());
  auto checkpoint_before = ledger.LatestCheckpoint();
  REQUIRE(checkpoint_before.ok());
  const uint64_t size_before = ledger.size();

  uint64_t erasure = l.f.Append(l.f.key("hr"), ErasureJson(target)).seq;
  auto sealed = ledger.ReadSealed(target);
  REQUIRE(sealed.ok());
  CHECK(sealed->empty());
  CHECK(test::DumpColumn(ledger.store(), Column::kSealed).empty());
  // The value is gone from every record of the store.
  for (const auto& column : DumpStore(ledger.store())) {
    for (const auto& [k, v] : column) CHECK_FALSE(Holds(v, "health"));
  }
  // The entry is untouched: same bytes, its inclusion provable in the checkpoint of before and now.
  auto leaf_after = ledger.ReadEntryBytes(target);
  REQUIRE(leaf_after.ok());
  CHECK(*leaf_after == *leaf_before);
  auto root_before = ledger.RootAt(size_before);
  REQUIRE(root_before.ok());
  auto proof = ledger.InclusionProof(target, ledger.size());
  auto root_now = ledger.RootAt(ledger.size());
  REQUIRE(proof.ok());
  REQUIRE(root_now.ok());
  CHECK(merkle::VerifyInclusion(target, ledger.size(), merkle::LeafHash(*leaf_after), *proof,
                                *root_now)
            .ok());
  auto consistency = ledger.ConsistencyProof(size_before, ledger.size());
  REQUIRE(consistency.ok());
  CHECK(merkle::VerifyConsistency(size_before, ledger.size(), *consistency, *root_before, *root_now)
            .ok());
  // Shown as erased; the erasure is on P1's record (filed under its target's subjects).
  auto view = EventView::FromCanonical(ledger.ReadEntry(target)->envelope.body);
  REQUIRE(view.ok());
  CHECK_THAT(ledger.codec().ToDisplayJson(view->reader(), true, *sealed),
             Contains("\"reason\":\"erased\""));
  CHECK(
      test::DumpColumn(ledger.store(), Column::kSubjects).count(SubjectKey("person/P1", erasure)) ==
      1);

  VerifyReport r = VerifyLedgerOf(ledger);
  INFO(r.problem);
  CHECK(r.ok());
  CHECK(r.signatures_checked == ledger.size());
  CHECK(r.checkpoints_checked == ledger.size());
  l.f.Reopen();
  CHECK(VerifyLedgerOf(l.f.ledger()).ok());
}

TEST_CASE("Sealed: the admin may erase too, a dispatcher (or any other role) may not",
          "[integrity]") {
  Live l;
  uint64_t target = l.f.Append(l.f.key("hr"), RestrictionJson("P1", "health")).seq;
  for (const char* who :
       {"dispatcher-U1", "enforcement", "auditor", "party", "guarantor-U1", "leader-P1"}) {
    INFO(who);
    Status st = l.Refuse(l.f.key(who), ErasureJson(target));
    CHECK(st.code() == Code::kRefused);
    CHECK_THAT(st.message(), Contains("may not append"));
  }
  auto sealed = l.f.ledger().ReadSealed(target);
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == 1);
  l.f.Append(l.f.admin(), ErasureJson(target));
  CHECK(l.f.ledger().ReadSealed(target)->empty());
  CHECK(VerifyLedgerOf(l.f.ledger()).ok());
}

TEST_CASE(
    "Sealed: erasing twice, erasing what has no sealed field or is not in the log, and retracting "
    "an "
    "erasure are refused",
    "[integrity]") {
  Live l;
  uint64_t target = l.f.Append(l.f.key("hr"), RestrictionJson("P1", "health")).seq;
  uint64_t erasure = l.f.Append(l.f.key("hr"), ErasureJson(target)).seq;
  Status twice = l.Refuse(l.f.key("hr"), ErasureJson(target, "again"));
  CHECK(twice.code() == Code::kRefused);
  CHECK_THAT(twice.message(), Contains("already erased"));
  Status plain = l.Refuse(l.f.key("hr"), ErasureJson(1));  // a unit registration
  CHECK_THAT(plain.message(), Contains("no sealed field"));
  Status of_erasure = l.Refuse(l.f.key("hr"), ErasureJson(erasure));
  CHECK_FALSE(of_erasure.ok());
  Status beyond = l.Refuse(l.f.key("hr"), ErasureJson(l.f.ledger().size() + 5));
  CHECK_THAT(beyond.message(), Contains("not in the log"));
  Status retract = l.Refuse(l.f.admin(), LedgerFixture::RetractionJson(erasure));
  CHECK(retract.code() == Code::kRefused);
  CHECK_THAT(retract.message(), Contains("cannot be retracted"));
  // In one batch: an erasure, then its retraction.
  uint64_t second = l.f.Append(l.f.key("hr"), RestrictionJson("P2", "pregnancy")).seq;
  uint64_t next = l.f.ledger().size();
  Status in_batch = l.Refuse({l.f.Sign(ErasureJson(second), l.f.key("hr")),
                              l.f.Sign(LedgerFixture::RetractionJson(next), l.f.admin())});
  CHECK_THAT(in_batch.message(), Contains("cannot be retracted"));
  CHECK(VerifyLedgerOf(l.f.ledger()).ok());
}

TEST_CASE("Sealed: a restriction and its erasure in one batch land with nothing kept",
          "[integrity]") {
  Live l;
  uint64_t next = l.f.ledger().size();
  auto r = l.f.Submit({l.f.Sign(RestrictionJson("P1", "health"), l.f.key("hr")),
                       l.f.Sign(ErasureJson(next), l.f.key("hr"))});
  INFO((r.ok() ? std::string() : r.status().message()));
  REQUIRE(r.ok());
  CHECK(l.f.ledger().ReadSealed(next)->empty());
  CHECK(test::DumpColumn(l.f.ledger().store(), Column::kSealed).empty());
  CHECK(VerifyLedgerOf(l.f.ledger()).ok());
}

TEST_CASE(
    "Sealed: resubmitting an erased restriction's envelope is a duplicate and does not bring the "
    "value back",
    "[integrity]") {
  Live l;
  Envelope env = l.f.Sign(RestrictionJson("P1", "health"), l.f.key("hr"));
  auto first = l.f.Submit({env});
  REQUIRE(first.ok());
  uint64_t target = (*first)[0].seq;
  l.f.Append(l.f.key("hr"), ErasureJson(target));
  auto again = l.f.Submit({env});
  REQUIRE(again.ok());
  CHECK((*again)[0].duplicate);
  CHECK((*again)[0].seq == target);
  CHECK((*again)[0].leaf_hash == (*first)[0].leaf_hash);
  CHECK(l.f.ledger().ReadSealed(target)->empty());
  CHECK(VerifyLedgerOf(l.f.ledger()).ok());
}

TEST_CASE(
    "Sealed: an envelope whose sealed value does not match, is missing, or is for a field that is "
    "not "
    "sealed is refused, the store unchanged",
    "[integrity]") {
  Live l;
  const PrivateKey& hr = l.f.key("hr");
  Envelope good = l.f.Sign(RestrictionJson("P1", "health"), hr);
  REQUIRE(good.sealed.size() == 1);
  SECTION("another value than the one committed to") {
    Envelope bent = good;
    bent.sealed[0].value = "pregnancy";
    Status st = l.Refuse({bent});
    CHECK_THAT(st.message(), Contains("reason"));
    CHECK_THAT(st.message(), Contains("commitment"));
  }
  SECTION("another salt") {
    Envelope bent = good;
    bent.sealed[0].salt[0] ^= 0x80;
    CHECK_THAT(l.Refuse({bent}).message(), Contains("commitment"));
  }
  SECTION("a value that is not a reason") {
    Envelope bent = good;
    bent.sealed[0].value = "gossip";
    CHECK_THAT(l.Refuse({bent}).message(), Contains("reason"));
  }
  SECTION("no value") {
    Envelope bent = good;
    bent.sealed.clear();
    Status st = l.Refuse({bent});
    CHECK_THAT(st.message(), Contains("'reason'"));
    CHECK_THAT(st.message(), Contains("without its value"));
  }
  SECTION("a value for a field that is not sealed, beside the right one") {
    Envelope bent = good;
    bent.sealed.push_back(SealedValue{"person", {}, "P1"});
    CHECK_THAT(l.Refuse({bent}).message(), Contains("not a sealed field"));
  }
  SECTION("a value on an event with no sealed field") {
    Envelope unit = l.f.Sign(UnitJson("U9"), l.f.admin());
    unit.sealed.push_back(good.sealed[0]);
    CHECK_THAT(l.Refuse({unit}).message(), Contains("not a sealed field"));
  }
  SECTION("the bad envelope in the middle of a batch: nothing of it lands") {
    Envelope bent = good;
    bent.sealed.clear();
    SubmitError error;
    auto before = DumpStore(l.f.ledger().store());
    auto r = l.f.ledger().Submit(
        {l.f.Sign(UnitJson("U8"), l.f.admin()), bent, l.f.Sign(UnitJson("U9"), l.f.admin())},
        &error);
    REQUIRE_FALSE(r.ok());
    CHECK(error.index == 1);
    CHECK(DumpStore(l.f.ledger().store()) == before);
  }
  // The good one still lands afterwards.
  auto ok = l.f.Submit({good});
  REQUIRE(ok.ok());
  CHECK(l.f.ledger().ReadSealed((*ok)[0].seq)->size() == 1);
}

// ---- replay
// --------------------------------------------------------------------------------------

TEST_CASE(
    "Replay: an envelope signed for one ledger does not verify in another where the same key is "
    "registered",
    "[integrity]") {
  LedgerFixture a("probity.test/ledger-a");
  LedgerFixture b("probity.test/ledger-b");
  // The same admin key is registered in both (each genesis registers KeyFor("admin")).
  Envelope for_a = a.Sign(UnitJson("U1"), a.admin());
  REQUIRE(a.Submit({for_a}).ok());
  auto before = DumpStore(b.ledger().store());
  SubmitError error;
  auto r = b.ledger().Submit({for_a}, &error);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kRefused);
  CHECK_THAT(r.status().message(), Contains("signature does not verify"));
  CHECK(DumpStore(b.ledger().store()) == before);
  CHECK_FALSE(VerifyEnvelope(for_a, b.origin(), b.admin().Public()));
  CHECK(VerifyEnvelope(for_a, a.origin(), a.admin().Public()));
  // Even the genesis, the same event in both stores, does not cross over.
  auto genesis_a = a.ledger().ReadEntry(0);
  REQUIRE(genesis_a.ok());
  auto genesis_b = b.ledger().ReadEntry(0);
  REQUIRE(genesis_b.ok());
  CHECK(genesis_a->envelope.body == genesis_b->envelope.body);
  CHECK(genesis_a->envelope.signature != genesis_b->envelope.signature);
  auto g = b.ledger().Submit({genesis_a->envelope}, &error);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Contains("signature does not verify"));
  CHECK(DumpStore(b.ledger().store()) == before);
  // The same event signed for b lands there.
  REQUIRE(b.Submit({b.Sign(UnitJson("U1"), b.admin())}).ok());
}

TEST_CASE(
    "Replay: the same envelope twice, also after a crash between commit and receipt, is stored "
    "once with "
    "one receipt",
    "[integrity]") {
  LedgerFixture f;
  f.Populate();
  Envelope env = f.Sign(LedgerFixture::PersonJson("P9", "U1"), f.key("hr"));
  const uint64_t seq = f.ledger().size();
  // The process dies after the batch is durable and before the receipt goes out.
  f.Close();
  {
    Ledger::Options options = f.Options();
    options.after_commit = []() { throw std::runtime_error("killed between commit and receipt"); };
    auto ledger = Ledger::Open(f.dir(), Store::Mode::kReadWrite, options);
    REQUIRE(ledger.ok());
    SubmitError error;
    CHECK_THROWS_WITH((*ledger)->Submit({env}, &error), Contains("killed"));
  }
  f.Reopen();
  REQUIRE(f.ledger().size() == seq + 1);  // it was committed
  auto bytes = f.ledger().ReadEntryBytes(seq);
  REQUIRE(bytes.ok());
  const Hash leaf = merkle::LeafHash(*bytes);
  // The client, never having seen a receipt, submits again: the first receipt.
  auto retry = f.Submit({env});
  REQUIRE(retry.ok());
  REQUIRE(retry->size() == 1);
  CHECK((*retry)[0].duplicate);
  CHECK((*retry)[0].seq == seq);
  CHECK((*retry)[0].leaf_hash == leaf);
  auto again = f.Submit({env});
  REQUIRE(again.ok());
  CHECK((*again)[0].seq == seq);
  CHECK((*again)[0].leaf_hash == leaf);
  CHECK(f.ledger().size() == seq + 1);
  int copies = 0;
  for (uint64_t s = 0; s < f.ledger().size(); ++s)
    copies += f.ledger().ReadEntry(s)->envelope.body == env.body;
  CHECK(copies == 1);
  auto report = VerifyLedger(f.ledger(), {});
  REQUIRE(report.ok());
  CHECK(report->ok());
}

TEST_CASE("Replay: an event without an id is refused at submit, the store unchanged",
          "[integrity]") {
  LedgerFixture f;
  f.Populate();
  // Built with Parse, not Prepare: no id is added.
  Bytes body = test::BodyOf(f.codec(), UnitJson("U9"));
  auto view = EventView::FromCanonical(body);
  REQUIRE(view.ok());
  REQUIRE_FALSE(view->reader().hasId());
  auto before = DumpStore(f.ledger().store());
  SubmitError error;
  auto r = f.ledger().Submit({SignEnvelope(body, f.origin(), f.admin())}, &error);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalid);
  CHECK_THAT(r.status().message(), Contains("'id'"));
  CHECK(DumpStore(f.ledger().store()) == before);
}

// ---- the auditor's saved checkpoints
// ---------------------------------------------------------------

// A checkpoint note the auditor kept, for VerifyOptions::since.
VerifyOptions::Saved Saved(const std::string& source, const std::string& note) {
  return {source, note};
}

// Appends `events` unit registrations to the closed store in `dir` (a prefix names them).
void AppendUnits(const std::string& dir, const std::string& prefix, int events) {
  auto ledger = MustOpen(dir, Store::Mode::kReadWrite);
  for (int i = 0; i < events; ++i)
    MustSubmit(*ledger, KeyFor("admin"), UnitJson(prefix + std::to_string(i)));
}

std::string LatestOf(const std::string& dir) {
  auto ledger = MustOpen(dir, Store::Mode::kReadOnly);
  auto cp = ledger->LatestCheckpoint();
  REQUIRE(cp.ok());
  return *cp;
}

// Behind the program's back: entry `k` dropped, later entries renumbered, the tree rebuilt,
// every checkpoint re-signed with the store's own DIR/checkpoint-key.pem, the indexes and
// projections rebuilt; then `extra` more events appended by the program.
void RewriteHistory(const std::string& dir, uint64_t k, int extra) {
  test::EraseEntryAndRenumber(dir, k);
  test::RewriteTreeAndCheckpoints(dir, nullptr, &TheRules());
  if (extra > 0) AppendUnits(dir, "RW", extra);
}

TEST_CASE("Auditor: verify --since passes for checkpoints the log extends, and counts them",
          "[integrity]") {
  Copy c;
  std::string early = LatestOf(c.dir());
  AppendUnits(c.dir(), "S", 3);
  std::string later = LatestOf(c.dir());
  VerifyOptions options;
  options.since = {Saved("early.note", early), Saved("later.note", later)};
  VerifyReport r = VerifyDir(c.dir(), options);
  INFO(r.problem);
  CHECK(r.ok());
  CHECK(r.since_checked == 2);
  CHECK(r.checkpoint == later);
  // A saved checkpoint signed by another key is not this log's.
  PrivateKey other = KeyFor("another checkpoint key");
  auto cp = note::ParseCheckpoint(early.substr(0, early.find("\n\n") + 1));
  REQUIRE(cp.ok());
  auto forged = note::Sign(note::FormatCheckpoint(*cp), test::kTestOrigin, other);
  REQUIRE(forged.ok());
  options.since = {Saved("forged.note", *forged)};
  ExpectProblem(VerifyDir(c.dir(), options), {"saved checkpoint (forged.note)"});
}

TEST_CASE(
    "Auditor: history rewritten with the store's own checkpoint key is self-consistent, but a "
    "saved "
    "checkpoint names the fork",
    "[integrity]") {
  Copy c;
  const World& w = c.world();
  std::string saved = LatestOf(c.dir());
  RewriteHistory(c.dir(), w.commendation_p1, 3);  // one entry gone, three more: longer than before
  VerifyReport plain = VerifyDir(c.dir());
  INFO("plain: " << plain.problem);
  CHECK(plain.ok());
  CHECK(plain.size == w.size + 2);
  VerifyOptions options;
  options.since = {Saved("saved.note", saved)};
  VerifyReport audited = VerifyDir(c.dir(), options);
  ExpectProblem(audited, {"fork", std::to_string(w.size), "saved.note"});
  CHECK(audited.since_checked == 0);
}

TEST_CASE("Auditor: a restored older copy of the store is named a rollback", "[integrity]") {
  Copy c;
  TempDir backup;
  fs::copy(c.dir(), backup.File("data"), fs::copy_options::recursive);
  AppendUnits(c.dir(), "R", 4);
  std::string saved = LatestOf(c.dir());
  fs::remove_all(c.dir());
  fs::copy(backup.File("data"), c.dir(), fs::copy_options::recursive);
  CHECK(VerifyDir(c.dir()).ok());  // on its own, the old copy is a fine log
  VerifyOptions options;
  options.since = {Saved("saved.note", saved)};
  ExpectProblem(VerifyDir(c.dir(), options),
                {"rollback", std::to_string(c.world().size + 4), "saved.note"});
}

TEST_CASE("Auditor: two copies diverged from a common one are a fork to whoever saw the other",
          "[integrity]") {
  Copy a;
  TempDir tmp;
  const std::string b = tmp.File("data");
  fs::copy(a.dir(), b, fs::copy_options::recursive);
  AppendUnits(a.dir(), "A", 3);
  AppendUnits(b, "B", 3);
  std::string seen_in_a = LatestOf(a.dir());
  std::string seen_in_b = LatestOf(b);
  CHECK(VerifyDir(a.dir()).ok());
  CHECK(VerifyDir(b).ok());
  VerifyOptions options;
  options.since = {Saved("a.note", seen_in_a)};
  ExpectProblem(VerifyDir(b, options), {"fork"});
  options.since = {Saved("b.note", seen_in_b)};
  ExpectProblem(VerifyDir(a.dir(), options), {"fork"});
  // The common part is still common.
  auto common = MustOpen(b, Store::Mode::kReadOnly)->CheckpointAt(a.world().size);
  REQUIRE(common.ok());
  options.since = {Saved("common.note", *common)};
  CHECK(VerifyDir(a.dir(), options).ok());
}

TEST_CASE("Auditor: the trust directory keeps one checkpoint per origin and round-trips it",
          "[integrity]") {
  TempDir tmp;
  const std::string dir = tmp.File("trust");
  const std::string origin = "probity.test/ledger one";  // '/' and ' ' do not reach the file name
  auto none = ReadTrustedCheckpoint(dir, origin);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  Copy c;
  std::string first = LatestOf(c.dir());
  REQUIRE(WriteTrustedCheckpoint(dir, origin, first).ok());
  auto back = ReadTrustedCheckpoint(dir, origin);
  REQUIRE(back.ok());
  REQUIRE(back->has_value());
  CHECK(**back == first);
  AppendUnits(c.dir(), "T", 1);
  std::string second = LatestOf(c.dir());
  REQUIRE(WriteTrustedCheckpoint(dir, origin, second).ok());
  CHECK(**ReadTrustedCheckpoint(dir, origin) == second);
  // Another origin has its own; one file each, no temporary left.
  CHECK_FALSE(ReadTrustedCheckpoint(dir, "probity.test/other")->has_value());
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    std::string name = e.path().filename().string();
    CHECK(name.find('/') == std::string::npos);
    CHECK(name.find(' ') == std::string::npos);
    CHECK(name.find(".tmp") == std::string::npos);
  }
  CHECK(files == 1);
  // What was kept is what verify takes as --since.
  VerifyOptions options;
  options.since = {Saved("trust dir", **ReadTrustedCheckpoint(dir, origin))};
  CHECK(VerifyDir(c.dir(), options).ok());
}

// ---- witnesses
// -------------------------------------------------------------------------------------

constexpr char kWitnessName[] = "witness.test/w1";

struct Witness {
  explicit Witness(const Ledger& ledger) : key(KeyFor("witness one")) {
    Status st = witness::InitWitness(dir(), kWitnessName, ledger.checkpoint_verifier());
    INFO(st.message());
    REQUIRE(st.ok());
  }
  std::string dir() const { return tmp.File("witness"); }
  witness::CosignerKey Cosigner() const {
    auto k = witness::CosignerKey::For(kWitnessName, key.Public());
    REQUIRE(k.ok());
    return *k;
  }
  // Asks the witness to cosign `ledger`'s latest checkpoint, from the size it last cosigned.
  Result<witness::Cosigned> Cosign(const Ledger& ledger, uint64_t old_size) {
    witness::WitnessRequest req;
    req.old_size = old_size;
    if (old_size > 0 && old_size < ledger.size()) {
      auto proof = ledger.ConsistencyProof(old_size, ledger.size());
      REQUIRE(proof.ok());
      req.proof = *proof;
    }
    auto latest = ledger.LatestCheckpoint();
    REQUIRE(latest.ok());
    req.note = *latest;
    return witness::AddCheckpoint(dir(), key, witness::FormatWitnessRequest(req), ++now);
  }
  TempDir tmp{"probity-witness"};
  PrivateKey key;
  uint64_t now = 1'700'000'000;
};

VerifyOptions WithWitness(const Witness& w) {
  VerifyOptions options;
  options.witnesses = {w.Cosigner()};
  options.quorum = 1;
  return options;
}

TEST_CASE(
    "Witness: a stored cosignature meets the quorum, a newer checkpoint without one does not, a "
    "rewritten "
    "history is refused by the witness and fails verify",
    "[integrity]") {
  Copy c;
  std::unique_ptr<Ledger> ledger = MustOpen(c.dir(), Store::Mode::kReadWrite);
  Witness w(*ledger);
  // Cosign the latest checkpoint and keep the cosignature with it.
  auto cosigned = w.Cosign(*ledger, 0);
  INFO((cosigned.ok() ? std::string() : cosigned.status().message()));
  REQUIRE(cosigned.ok());
  auto added = ledger->AddCosignatures(cosigned->note);
  REQUIRE(added.ok());
  CHECK(*added == 1);
  CHECK(*ledger->AddCosignatures(cosigned->note) == 0);  // kept once
  CHECK_THAT(*ledger->LatestCheckpoint(), Contains(cosigned->line));
  VerifyReport r = VerifyLedgerOf(*ledger, WithWitness(w));
  INFO(r.problem);
  CHECK(r.ok());
  REQUIRE(r.cosigned_by.size() == 1);
  CHECK(r.cosigned_by[0].name == kWitnessName);
  CHECK(r.cosigned_by[0].timestamp == w.now);
  const uint64_t cosigned_size = ledger->size();

  // Another append: the latest checkpoint carries no cosignature yet.
  MustSubmit(*ledger, KeyFor("admin"), UnitJson("W1"));
  VerifyReport uncosigned = VerifyLedgerOf(*ledger, WithWitness(w));
  ExpectProblem(uncosigned, {"witness", "0 valid cosignature", "1 required"});
  CHECK(uncosigned.cosigned_by.empty());
  CHECK(VerifyLedgerOf(*ledger).ok());  // without witnesses asked for, the log is fine
  // The witness cosigns the extension (with a consistency proof), and the quorum is met again.
  auto next = w.Cosign(*ledger, cosigned_size);
  INFO((next.ok() ? std::string() : next.status().message()));
  REQUIRE(next.ok());
  REQUIRE(ledger->AddCosignatures(next->note).ok());
  CHECK(VerifyLedgerOf(*ledger, WithWitness(w)).ok());
  const uint64_t witnessed = ledger->size();
  ledger.reset();
  // The writer's open-time check reads the cosigned checkpoint fine.
  MustOpen(c.dir(), Store::Mode::kReadWrite).reset();

  // History rewritten with the store's own key, and made longer than what the witness saw.
  RewriteHistory(c.dir(), c.world().commendation_p1, 3);
  ledger = MustOpen(c.dir(), Store::Mode::kReadOnly);
  REQUIRE(ledger->size() > witnessed);
  CHECK(VerifyLedgerOf(*ledger).ok());  // self-consistent
  auto refused = w.Cosign(*ledger, witnessed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kRefused);
  CHECK_THAT(refused.status().message(), Contains("fork"));
  ExpectProblem(VerifyLedgerOf(*ledger, WithWitness(w)), {"witness", "1 required"});
}

TEST_CASE("Witness: a cosignature line altered in the store is named by verify", "[integrity]") {
  Copy c;
  std::unique_ptr<Ledger> ledger = MustOpen(c.dir(), Store::Mode::kReadWrite);
  Witness w(*ledger);
  auto cosigned = w.Cosign(*ledger, 0);
  REQUIRE(cosigned.ok());
  REQUIRE(ledger->AddCosignatures(cosigned->note).ok());
  const uint64_t n = ledger->size();
  ledger.reset();
  {
    RawDb db(c.dir());
    std::string note = db.Get(Column::kCheckpoints, SeqKey(n));
    auto at = note.find(cosigned->line);
    REQUIRE(at != std::string::npos);
    size_t sig = at + cosigned->line.size() - 5;  // inside the base64 of the signature
    note[sig] = note[sig] == 'A' ? 'B' : 'A';
    db.Put(Column::kCheckpoints, SeqKey(n), note);
  }
  ExpectProblem(VerifyDir(c.dir(), WithWitness(w)), {"witness", kWitnessName});
}

// ---- the checkpoint key outside the store
// ----------------------------------------------------------

TEST_CASE(
    "Checkpoint key outside the store: an encrypted key file is used in place, never copied in, "
    "without it "
    "writes fail naming it, reads still work",
    "[integrity]") {
  TempDir keys{"probity-keys"};
  const std::string key_path = keys.File("checkpoint.pem");
  const std::string pass_path = keys.File("passphrase");
  PrivateKey checkpoint_key = KeyFor("external checkpoint key");
  REQUIRE(WritePrivateKeyFile(key_path, checkpoint_key, std::string("correct horse")).ok());
  {
    std::ofstream out(pass_path);
    out << "correct horse\n";
  }
  fs::permissions(pass_path, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  TempDir tmp;
  const std::string dir = tmp.File("data");
  test::FixedClock clock;
  Ledger::Options options = RulesOptions(clock);
  {
    auto ledger =
        Ledger::Init(dir, KeyFor("admin"), test::kTestOrigin, {key_path, pass_path}, options);
    INFO((ledger.ok() ? std::string() : ledger.status().message()));
    REQUIRE(ledger.ok());
    CHECK((*ledger)->checkpoint_verifier().key == checkpoint_key.Public());
    MustSubmit(**ledger, KeyFor("admin"), UnitJson("U1"));
    auto meta = test::DumpColumn((*ledger)->store(), Column::kMeta);
    CHECK(meta["checkpoint-key"] == fs::absolute(key_path).lexically_normal().string());
    CHECK(meta["checkpoint-key-passphrase-file"] ==
          fs::absolute(pass_path).lexically_normal().string());
  }
  // No key in the store's directory, in any form.
  CHECK_FALSE(fs::exists(dir + "/checkpoint-key.pem"));
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(e.path());
    CHECK_FALSE(Holds(content, "PRIVATE KEY"));
  }
  // Reopened for writing, it appends with the external key.
  {
    auto ledger = Ledger::Open(dir, Store::Mode::kReadWrite, options);
    INFO((ledger.ok() ? std::string() : ledger.status().message()));
    REQUIRE(ledger.ok());
    MustSubmit(**ledger, KeyFor("admin"), UnitJson("U2"));
    CHECK(VerifyLedgerOf(**ledger).ok());
  }
  // The key moved away: writing fails naming the path; reading and verifying still work.
  const std::string moved = keys.File("elsewhere.pem");
  fs::rename(key_path, moved);
  {
    auto writer = Ledger::Open(dir, Store::Mode::kReadWrite, options);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.status().code() == Code::kUnavailable);
    CHECK_THAT(writer.status().message(),
               Contains(fs::absolute(key_path).lexically_normal().string()));
    CHECK_THAT(writer.status().message(), Contains("gone"));
    auto reader = Ledger::Open(dir, Store::Mode::kReadOnly, options);
    REQUIRE(reader.ok());
    CHECK((*reader)->size() == 3);
    CHECK((*reader)->ReadEntry(2).ok());
    CHECK(VerifyLedgerOf(**reader).ok());
  }
  // Another key put in its place is not the store's.
  REQUIRE(WritePrivateKeyFile(key_path, KeyFor("impostor"), std::string("correct horse")).ok());
  {
    auto writer = Ledger::Open(dir, Store::Mode::kReadWrite, options);
    REQUIRE_FALSE(writer.ok());
    CHECK_THAT(writer.status().message(), Contains("not the key of this store"));
  }
  // The right key back: writes work again.
  fs::remove(key_path);
  fs::rename(moved, key_path);
  auto writer = Ledger::Open(dir, Store::Mode::kReadWrite, options);
  REQUIRE(writer.ok());
  MustSubmit(**writer, KeyFor("admin"), UnitJson("U3"));
}

}  // namespace
}  // namespace probity
