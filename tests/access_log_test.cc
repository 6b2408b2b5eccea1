// The access log (ledger/access_log.h) against the one who holds the files: an altered,
// removed, forged or unindexed read is reported by verify; a v2 store is read with an
// empty access log and upgraded to v3 when opened for writing. Real RocksDB, real keys.
#include "ledger/access_log.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include "ledger/verify.h"
#include "ledger/witness.h"
#include "tests/program_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

constexpr int64_t kCreated = 1700000000;               // when the reads' requests were signed
constexpr int64_t kReadAt = (kCreated + 2) * 1000000;  // and when the server recorded them

// A request for `target` signed by `key`, as the server would record it (an RFC 9421
// signature base over "@method" and "@target-uri").
AccessRecord SignedRead(const PrivateKey& key, const std::string& target, uint64_t log_size,
                        std::vector<std::string> subjects) {
  static int nonce = 0;  // each request a new signature, as the server requires
  AccessRecord r;
  r.key_id = key.Public().KeyId();
  r.log_size = log_size;
  r.what = "record";
  r.subjects = std::move(subjects);
  r.target = target;
  r.signature_base =
      "\"@method\": GET\n\"@target-uri\": https://probity.test" + target +
      "\n\"@signature-params\": (\"@method\" \"@target-uri\");created=" + std::to_string(kCreated) +
      ";"
      "keyid=\"" +
      HexEncode(r.key_id) + "\";alg=\"ed25519\";nonce=\"" + std::to_string(++nonce) + "\"";
  r.signature = key.Sign(AsBytes(r.signature_base));
  return r;
}

// A ledger whose access log holds three reads (P1 twice, P2 once), closed.
struct AccessFixture {
  ProgramLedger f;
  AccessFixture() {
    AccessLog* log = f.ledger().access_log();
    REQUIRE(log != nullptr);
    uint64_t size = f.ledger().size();
    for (auto [signer, person] : {std::pair{"hr", "P1"}, {"enforcement", "P2"}, {"hr", "P1"}}) {
      auto seq =
          log->Record(SignedRead(f.key(signer), std::string("/v1/persons/") + person + "/record",
                                 size, {AccessSubjectOfPerson(person)}),
                      kReadAt);
      REQUIRE(seq.ok());
    }
    f.Close();
  }
  // Verifies the closed store read-only: the problem, empty when it checks out.
  std::string Verify() {
    Ledger::Options options;
    options.rules = &TheRules();
    auto ledger = Ledger::Open(f.dir(), Store::Mode::kReadOnly, options);
    REQUIRE(ledger.ok());
    VerifyOptions v;
    v.rules = &TheRules();
    v.threads = 1;
    auto report = VerifyLedger(**ledger, v);
    REQUIRE(report.ok());
    if (report->ok()) CHECK(report->access_entries == 3);
    return report->problem;
  }
};

TEST_CASE("access log: the reads recorded verify, and are listed per person, oldest first",
          "[access]") {
  AccessFixture a;
  CHECK(a.Verify().empty());
  Ledger::Options options;
  options.rules = &TheRules();
  auto ledger = Ledger::Open(a.f.dir(), Store::Mode::kReadOnly, options);
  REQUIRE(ledger.ok());
  auto p1 = AccessesAbout((*ledger)->View(), AccessSubjectOfPerson("P1"), 10);
  REQUIRE(p1.ok());
  REQUIRE(p1->size() == 2);
  CHECK((*p1)[0].seq == 0);
  CHECK((*p1)[1].seq == 2);
  auto newest = AccessesAbout((*ledger)->View(), AccessSubjectOfPerson("P1"), 1);
  REQUIRE(newest.ok());
  REQUIRE(newest->size() == 1);
  CHECK((*newest)[0].seq == 2);
}

TEST_CASE("access log: a changed byte in a read is reported at its seq", "[access]") {
  AccessFixture a;
  {
    test::RawDb db(a.f.dir());
    std::string entry = db.Get(Column::kAccess, AccessEntryKey(1));
    entry[entry.size() / 2] ^= 0x01;
    db.Put(Column::kAccess, AccessEntryKey(1), entry);
  }
  CHECK_THAT(a.Verify(), Contains("access log seq 1"));
}

TEST_CASE("access log: a removed read is reported, even with the size record lowered", "[access]") {
  AccessFixture a;
  {
    test::RawDb db(a.f.dir());
    db.Delete(Column::kAccess, AccessEntryKey(2));
    db.Delete(Column::kAccess, AccessSubjectKey(AccessSubjectOfPerson("P1"), 2));
    db.Put(Column::kAccess, kAccessSize, "2");
  }
  // The checkpoint signed three reads; the stored tree still holds the third leaf's nodes.
  CHECK_THAT(a.Verify(), Contains("access log"));
}

TEST_CASE("access log: a record added beside the reads is reported", "[access]") {
  AccessFixture a;
  {
    test::RawDb db(a.f.dir());
    db.Put(Column::kAccess, "x/planted", "anything");
  }
  CHECK_THAT(a.Verify(), Contains("that is none of its own (added)"));
}

TEST_CASE("access log: a read taken out of the index HR searches is reported", "[access]") {
  AccessFixture a;
  {
    test::RawDb db(a.f.dir());
    db.Delete(Column::kAccess, AccessSubjectKey(AccessSubjectOfPerson("P1"), 0));
  }
  CHECK_THAT(a.Verify(), Contains("subject index"));
}

TEST_CASE(
    "access log: a read made up by the operator, with the tree and checkpoint re-signed to "
    "match, fails on the reader's signature",
    "[access]") {
  ProgramLedger f;
  AccessLog* log = f.ledger().access_log();
  REQUIRE(log != nullptr);
  // The operator holds the checkpoint key, not the reviewer's: a read "by HR" signed by
  // another key is appended through the writer itself, so tree and checkpoint agree.
  AccessRecord forged = SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                                   {AccessSubjectOfPerson("P1")});
  forged.signature = f.key("enforcement").Sign(AsBytes(forged.signature_base));
  REQUIRE(log->Record(forged, kReadAt).ok());
  VerifyOptions v;
  v.rules = &TheRules();
  v.threads = 1;
  auto report = VerifyLedger(f.ledger(), v);
  REQUIRE(report.ok());
  CHECK_THAT(report->problem, Contains("access log seq 0"));
  CHECK_THAT(report->problem, Contains("signature does not verify"));
}

TEST_CASE("access log: a signed request for another target than the one recorded is reported",
          "[access]") {
  ProgramLedger f;
  AccessRecord moved = SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                                  {AccessSubjectOfPerson("P2")});
  moved.target = "/v1/persons/P2/record";  // the signature is for P1's
  REQUIRE(f.ledger().access_log()->Record(moved, kReadAt).ok());
  VerifyOptions v;
  v.rules = &TheRules();
  v.threads = 1;
  auto report = VerifyLedger(f.ledger(), v);
  REQUIRE(report.ok());
  CHECK_THAT(report->problem, Contains("is not for /v1/persons/P2/record"));
}

// Appends `read` through the writer (as an operator holding the checkpoint key could,
// so tree and checkpoint agree) and verifies: the problem reported.
std::string RecordAndVerify(ProgramLedger& f, const AccessRecord& read, int64_t at = kReadAt) {
  REQUIRE(f.ledger().access_log()->Record(read, at).ok());
  VerifyOptions v;
  v.rules = &TheRules();
  v.threads = 1;
  auto report = VerifyLedger(f.ledger(), v);
  REQUIRE(report.ok());
  return report->problem;
}

TEST_CASE(
    "access log: a real signature of another request, stored as a read of someone's file, "
    "is reported (what was read is derived from the signed target)",
    "[access]") {
  ProgramLedger f;
  AccessRecord r = SignedRead(f.key("enforcement"), "/v1/whoami", f.ledger().size(),
                              {AccessSubjectOfPerson("P2")});
  CHECK_THAT(RecordAndVerify(f, r), Contains("is not what the signed request for /v1/whoami"));
}

TEST_CASE("access log: the record of one person's file cannot name another subject", "[access]") {
  ProgramLedger f;
  AccessRecord r = SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                              {AccessSubjectOfPerson("P2")});
  CHECK_THAT(RecordAndVerify(f, r), Contains("is not what the signed request"));
  ProgramLedger g;
  AccessRecord leave = SignedRead(g.key("hr"), "/v1/persons/P1/record", g.ledger().size(),
                                  {AccessSubjectOfPerson("P1")});
  leave.what = "leave";
  CHECK_THAT(RecordAndVerify(g, leave), Contains("is not what the signed request"));
}

TEST_CASE("access log: one signed request stored as two reads is reported", "[access]") {
  ProgramLedger f;
  AccessRecord r = SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                              {AccessSubjectOfPerson("P1")});
  REQUIRE(f.ledger().access_log()->Record(r, kReadAt).ok());
  CHECK_THAT(RecordAndVerify(f, r), Contains("stored twice"));
}

TEST_CASE(
    "access log: a signed request that is not a GET, or was signed more than five minutes "
    "from the read, is reported",
    "[access]") {
  ProgramLedger f;
  AccessRecord r = SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                              {AccessSubjectOfPerson("P1")});
  r.signature_base.replace(0, std::string("\"@method\": GET").size(), "\"@method\": PUT");
  r.signature = f.key("hr").Sign(AsBytes(r.signature_base));
  CHECK_THAT(RecordAndVerify(f, r), Contains("not a GET"));
  ProgramLedger g;
  AccessRecord old = SignedRead(g.key("hr"), "/v1/persons/P1/record", g.ledger().size(),
                                {AccessSubjectOfPerson("P1")});
  CHECK_THAT(RecordAndVerify(g, old, (kCreated + 301) * 1000000), Contains("five minutes"));
}

TEST_CASE(
    "access log: reads removed or altered after an auditor kept its checkpoint are reported "
    "as a rollback or a fork, even when the operator re-signs",
    "[access]") {
  AccessFixture a;
  std::string kept;
  {
    auto ledger = Ledger::Open(a.f.dir(), Store::Mode::kReadOnly, {});
    REQUIRE(ledger.ok());
    auto cp = AccessLogCheckpoint((*ledger)->View());
    REQUIRE(cp.ok());
    REQUIRE(cp->has_value());
    kept = **cp;
  }
  auto verify_since = [&]() {
    Ledger::Options options;
    options.rules = &TheRules();
    auto ledger = Ledger::Open(a.f.dir(), Store::Mode::kReadOnly, options);
    REQUIRE(ledger.ok());
    VerifyOptions v;
    v.rules = &TheRules();
    v.threads = 1;
    v.since.push_back({"kept.note", kept});
    auto report = VerifyLedger(**ledger, v);
    REQUIRE(report.ok());
    return report->problem;
  };
  CHECK(verify_since().empty());
  // The whole access log wiped: the store then reads as if nobody had read anything.
  {
    test::RawDb db(a.f.dir());
    for (const auto& key : db.Keys(Column::kAccess)) db.Delete(Column::kAccess, key);
  }
  CHECK_THAT(verify_since(), Contains("access log rollback"));
}

TEST_CASE("access log: an altered interior tree node is reported", "[access]") {
  AccessFixture a;
  {
    test::RawDb db(a.f.dir());
    // Leaf 0's hash: with three leaves, only the node (1, 0) over it is on the right edge.
    std::string leaf = db.Get(Column::kAccess, AccessNodeKey(0, 0));
    leaf[0] ^= 1;
    db.Put(Column::kAccess, AccessNodeKey(0, 0), leaf);
  }
  CHECK_THAT(a.Verify(), Contains("stored tree node (level 0, index 0)"));
}

TEST_CASE(
    "store format: a v2 store (no access column family) is read with an empty access log "
    "and upgraded to v3 by its first open for writing",
    "[access][format]") {
  ProgramLedger f;
  f.Close();
  {
    // Make it a v2 store: drop "access", write the v2 format record.
    rocksdb::DBOptions options;
    std::vector<rocksdb::ColumnFamilyDescriptor> columns;
    for (const auto& name : test::ColumnNames())
      columns.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, f.dir() + "/db", columns, &handles, &db).ok());
    REQUIRE(db->DropColumnFamily(handles.back()).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[0], kMetaFormat, kStoreFormatV2).ok());
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    REQUIRE(db->Close().ok());
    delete db;
    std::vector<std::string> families;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, f.dir() + "/db", &families).ok());
    REQUIRE(families.size() == test::ColumnNames().size() - 1);
  }
  Ledger::Options options;
  options.rules = &TheRules();
  {
    auto reader = Ledger::Open(f.dir(), Store::Mode::kReadOnly, options);
    INFO((reader.ok() ? std::string() : reader.status().message()));
    REQUIRE(reader.ok());
    auto size = AccessLogSize((*reader)->View());
    REQUIRE(size.ok());
    CHECK(*size == 0);
    VerifyOptions v;
    v.rules = &TheRules();
    auto report = VerifyLedger(**reader, v);
    REQUIRE(report.ok());
    INFO(report->problem);
    CHECK(report->ok());
  }
  f.Reopen();  // for writing: the upgrade
  auto format = f.ledger().store().Get(Column::kMeta, kMetaFormat);
  REQUIRE(format.ok());
  CHECK(format->value_or("") == kStoreFormat);
  REQUIRE(f.ledger().access_log() != nullptr);
  REQUIRE(f.ledger()
              .access_log()
              ->Record(SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                                  {AccessSubjectOfPerson("P1")}),
                       kReadAt)
              .ok());
  f.RequireVerifies();
}

// ---- witnessing the access log -------------------------------------------------------

// A witness (C2SP tlog-witness) following the access log of `f`'s ledger in its own state.
struct AccessWitness {
  test::TempDir dir;
  PrivateKey key = test::KeyFor("witness.test");
  witness::CosignerKey cosigner = *witness::CosignerKey::For("witness.test", key.Public());
  explicit AccessWitness(Ledger& ledger) {
    REQUIRE(witness::InitWitness(dir.path() + "/w", "witness.test", ledger.checkpoint_verifier(),
                                 AccessLogOrigin(ledger.origin()))
                .ok());
    // The same witness follows the main log too (its own state), which verify --witness
    // requires first.
    const std::string main = dir.path() + "/main";
    REQUIRE(witness::InitWitness(main, "witness.test", ledger.checkpoint_verifier()).ok());
    auto latest = ledger.LatestCheckpoint();
    REQUIRE(latest.ok());
    auto cosigned =
        witness::AddCheckpoint(main, key, witness::FormatWitnessRequest({0, {}, *latest}),
                               static_cast<uint64_t>(kCreated));
    REQUIRE(cosigned.ok());
    REQUIRE(ledger.AddCosignatures(cosigned->note).ok());
  }
  // What `probity checkpoint --access --witness-request --old OLD` sends, and the answer.
  Result<witness::Cosigned> Ask(const LedgerView& view, uint64_t old_size) {
    witness::WitnessRequest request;
    request.old_size = old_size;
    auto size = AccessLogSize(view);
    REQUIRE(size.ok());
    auto proof = AccessConsistencyProof(view, old_size, *size);
    if (proof.ok()) request.proof = *proof;  // none for a size the log no longer has
    auto latest = AccessLogCheckpoint(view);
    REQUIRE(latest.ok());
    REQUIRE(latest->has_value());
    request.note = **latest;
    return witness::AddCheckpoint(dir.path() + "/w", key, witness::FormatWitnessRequest(request),
                                  static_cast<uint64_t>(kCreated));
  }
  Result<VerifyReport> Verify(const std::string& store_dir, const std::vector<std::string>& since) {
    Ledger::Options options;
    options.rules = &TheRules();
    auto ledger = Ledger::Open(store_dir, Store::Mode::kReadOnly, options);
    REQUIRE(ledger.ok());
    VerifyOptions v;
    v.rules = &TheRules();
    v.threads = 1;
    v.witnesses = {cosigner};
    for (const auto& note : since) v.since.push_back({"the witness's latest", note});
    return VerifyLedger(**ledger, v);
  }
};

void RecordReads(ProgramLedger& f, int count) {
  for (int i = 0; i < count; ++i) {
    REQUIRE(f.ledger()
                .access_log()
                ->Record(SignedRead(f.key("hr"), "/v1/persons/P1/record", f.ledger().size(),
                                    {AccessSubjectOfPerson("P1")}),
                         kReadAt)
                .ok());
  }
}

TEST_CASE(
    "access log witnessing: a witness cosigns consistent access checkpoints, cosign stores "
    "them, and verify --witness checks the newest",
    "[access][witness]") {
  AccessFixture a;
  a.f.Reopen();
  AccessWitness w(a.f.ledger());
  auto first = w.Ask(a.f.ledger().View(), 0);
  INFO((first.ok() ? std::string() : first.status().message()));
  REQUIRE(first.ok());
  auto added = a.f.ledger().AddCosignatures(first->note);
  REQUIRE(added.ok());
  CHECK(*added == 1);
  CHECK(*a.f.ledger().AddCosignatures(first->note) == 0);  // stored once
  // Reads go on; the witness is asked again from the size it cosigned.
  RecordReads(a.f, 2);
  auto second = w.Ask(a.f.ledger().View(), 3);
  INFO((second.ok() ? std::string() : second.status().message()));
  REQUIRE(second.ok());
  REQUIRE(a.f.ledger().AddCosignatures(second->note).ok());
  RecordReads(a.f, 1);  // one read the witness has not seen yet
  auto latest = AccessLogCheckpoint(a.f.ledger().View());
  a.f.Close();
  auto report = w.Verify(a.f.dir(), {});
  REQUIRE(report.ok());
  INFO(report->problem);
  REQUIRE(report->ok());
  CHECK(report->access_entries == 6);
  CHECK(report->access_cosigned_size == 5);
  REQUIRE(report->access_cosigned_by.size() == 1);
  CHECK(report->access_cosigned_by[0].name == "witness.test");
  // The witness's own latest, kept by an auditor, checks out against the log.
  auto kept = witness::LatestNote(w.dir.path() + "/w");
  REQUIRE(kept.ok());
  auto again = w.Verify(a.f.dir(), {*kept});
  REQUIRE(again.ok());
  CHECK(again->problem.empty());
}

TEST_CASE("access log witnessing: verify --witness fails while no access checkpoint is cosigned",
          "[access][witness]") {
  AccessFixture a;
  a.f.Reopen();
  AccessWitness w(a.f.ledger());
  a.f.Close();
  auto report = w.Verify(a.f.dir(), {});
  REQUIRE(report.ok());
  CHECK_THAT(report->problem, Contains("the access log (3 reads) has no checkpoint cosigned"));
}

TEST_CASE(
    "access log witnessing: a wiped access log is caught by the witness (it will not cosign) "
    "and by verify --since the witness's latest",
    "[access][witness]") {
  AccessFixture a;
  a.f.Reopen();
  AccessWitness w(a.f.ledger());
  REQUIRE(w.Ask(a.f.ledger().View(), 0).ok());
  a.f.Close();
  {
    // The operator wipes every read, then lets one new read be recorded.
    test::RawDb db(a.f.dir());
    for (const auto& key : db.Keys(Column::kAccess)) db.Delete(Column::kAccess, key);
  }
  a.f.Reopen();
  RecordReads(a.f, 1);
  auto refused = w.Ask(a.f.ledger().View(), 3);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Contains("rollback"));
  auto from_zero = w.Ask(a.f.ledger().View(), 0);
  REQUIRE_FALSE(from_zero.ok());
  CHECK_THAT(from_zero.status().message(), Contains("conflict"));
  a.f.Close();
  auto kept = witness::LatestNote(w.dir.path() + "/w");
  REQUIRE(kept.ok());
  auto report = w.Verify(a.f.dir(), {*kept});
  REQUIRE(report.ok());
  CHECK_THAT(report->problem, Contains("access log rollback"));
}

TEST_CASE(
    "access log witnessing: cosign keeps each line once and refuses a note that would grow "
    "beyond 16 KiB (it is served to anyone and kept by auditors)",
    "[access][witness]") {
  AccessFixture a;
  a.f.Reopen();
  AccessWitness w(a.f.ledger());
  auto cosigned = w.Ask(a.f.ledger().View(), 0);
  REQUIRE(cosigned.ok());
  // The witness's line twice in one note: stored once.
  const std::string twice = cosigned->note + cosigned->note.substr(cosigned->note.rfind("— "));
  auto added = a.f.ledger().AddCosignatures(twice);
  REQUIRE(added.ok());
  CHECK(*added == 1);
  // Well-formed lines by unknown keys, 90 of 200-byte names: over 16 KiB.
  std::string padded = cosigned->note;
  for (int i = 0; i < 90; ++i) {
    padded += "— " + std::string(200, static_cast<char>('a' + i % 26)) + std::to_string(i) + " " +
              Base64Encode(Bytes(68, static_cast<uint8_t>(i))) + "\n";
  }
  auto refused = a.f.ledger().AddCosignatures(padded);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Contains("would exceed 16384 bytes"));
  auto latest = AccessLogCheckpoint(a.f.ledger().View());
  REQUIRE(latest.ok());
  CHECK((*latest)->size() < 1024);  // nothing of the refused note was stored
}

TEST_CASE("access log witnessing: a cosigned checkpoint moved to another size is a fork",
          "[access][witness]") {
  AccessFixture a;
  a.f.Reopen();
  AccessWitness w(a.f.ledger());
  auto cosigned = w.Ask(a.f.ledger().View(), 0);
  REQUIRE(cosigned.ok());
  REQUIRE(a.f.ledger().AddCosignatures(cosigned->note).ok());
  a.f.Close();
  {
    test::RawDb db(a.f.dir());
    db.Put(Column::kAccess, AccessCosignedKey(2), db.Get(Column::kAccess, AccessCosignedKey(3)));
  }
  auto report = w.Verify(a.f.dir(), {});
  REQUIRE(report.ok());
  CHECK_THAT(report->problem, Contains("access log fork"));
  CHECK_THAT(report->problem, Contains("size 2"));
}

}  // namespace
}  // namespace probity
