// Shared fixtures for the ledger's tests: a temporary directory that removes itself,
// deterministic keys, an injected clock, a ledger populated with the admin, units,
// persons and one key per role, with helpers to sign JSON lines and submit them, and the
// store opened with plain RocksDB for changes made behind the program's back.
// Header-only; each test file uses it from one thread.
#pragma once

#include <capnp/message.h>
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/store.h"

namespace probity::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "probity-test") {
    std::random_device rd;
    path_ =
        fs::temp_directory_path() / (tag + "-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// The key whose Ed25519 seed is SHA-256(name): the same name, the same key, every run.
inline PrivateKey KeyFor(std::string_view name) {
  Hash seed = Sha256(AsBytes(name));
  auto key = PrivateKey::FromSeed(seed);
  REQUIRE(key.ok());
  return std::move(*key);
}

// 2019-05-01T00:00:00Z in microseconds: the program's first month.
inline constexpr int64_t kStartTime = 1556668800LL * 1000000;

// A clock that says what the test tells it to. Copies of clock() share the time.
class FixedClock {
 public:
  explicit FixedClock(int64_t now = kStartTime) : now_(std::make_shared<int64_t>(now)) {}
  Clock clock() const {
    auto now = now_;
    return [now]() { return *now; };
  }
  void Set(int64_t micros) { *now_ = micros; }
  void Advance(int64_t micros) { *now_ += micros; }
  int64_t now() const { return *now_; }

 private:
  std::shared_ptr<int64_t> now_;
};

// The canonical body of one JSON event; the test fails if the codec refuses it.
inline Bytes BodyOf(const EventCodec& codec, std::string_view json) {
  auto body = codec.Parse(json);
  INFO(json << " -> " << (body.ok() ? std::string("ok") : body.status().message()));
  REQUIRE(body.ok());
  return std::move(*body);
}

// The origin of LedgerFixture's ledger unless a test names another.
inline constexpr char kTestOrigin[] = "probity.test/ledger";

// Ids and salts for events signed in tests: deterministic, and different for every call.
inline const RandomFn& TestRandom() {
  static const RandomFn random = SeededRandom("probity-test");
  return random;
}

// Signs an event as `probity sign` does (a fresh id if it has none, sealed fields
// committed with their values beside them) for the ledger of `origin`.
inline Envelope SignJson(const EventCodec& codec, std::string_view json, const PrivateKey& key,
                         std::string_view origin = kTestOrigin) {
  auto prepared = codec.Prepare(json, TestRandom());
  INFO(json << " -> " << (prepared.ok() ? std::string("ok") : prepared.status().message()));
  REQUIRE(prepared.ok());
  Envelope env = SignEnvelope(prepared->body, origin, key);
  env.sealed = std::move(prepared->sealed);
  return env;
}

// A unitRegistered body (kind ministryDepartment) exactly as a MallocMessageBuilder lays
// it out, without canonicalization: a readable Event, but not canonical (the builder keeps
// an all-zero data word that canonical form truncates, and `id` follows the member).
inline Bytes NonCanonicalUnitBody(const std::string& unit) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  auto u = event.initUnitRegistered();
  u.setUnit(unit);
  u.setName("Unit " + unit);
  u.setKind(schema::UnitKind::MINISTRY_DEPARTMENT);
  event.setId("noncanonical-" + unit);
  auto segments = message.getSegmentsForOutput();
  REQUIRE(segments.size() == 1);
  auto bytes = segments[0].asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

// JSON for a keyRegistered event; `extra` is appended verbatim (e.g. `,"unit":"U1"`).
inline std::string KeyRegisteredJson(const PublicKey& key, const std::string& role,
                                     const std::string& holder, const std::string& extra = "") {
  return "{\"type\":\"keyRegistered\",\"publicKey\":" + JsonQuote(key.ToPem()) +
         ",\"holder\":" + JsonQuote(holder) + ",\"role\":\"" + role + "\"" + extra + "}";
}

// What a shell command printed (stdout and stderr together) and its exit code (-1 if
// it did not exit normally).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  int status = ::pclose(pipe);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

// JSON for a keyRevoked event of `key`.
inline std::string RevokeJson(const PrivateKey& key, const std::string& reason = "rotated") {
  return "{\"type\":\"keyRevoked\",\"keyId\":\"" + HexEncode(key.Public().KeyId()) +
         "\",\"reason\":\"" + reason + "\"}";
}

// Every record of one column family, in key order.
inline std::map<std::string, std::string> DumpColumn(const Store& store, Column column) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(column);
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out[it->key().ToString()] = it->value().ToString();
  REQUIRE(it->status().ok());
  return out;
}

// Every record of every column family: equal snapshots mean nothing was written.
inline std::vector<std::map<std::string, std::string>> DumpStore(const Store& store) {
  std::vector<std::map<std::string, std::string>> out;
  for (Column c : {Column::kMeta, Column::kEntries, Column::kNodes, Column::kIds, Column::kSubjects,
                   Column::kState, Column::kCheckpoints, Column::kSealed}) {
    out.push_back(DumpColumn(store, c));
  }
  return out;
}

// ---- the store behind the program's back ----

// The store's column families, in ledger/store.cc's order (Column's values index it).
inline const std::vector<std::string>& ColumnNames() {
  static const std::vector<std::string> names = {
      "default", "entries", "nodes", "ids", "subjects", "state", "checkpoints", "sealed", "access"};
  return names;
}

// The store in DATA_DIR/db opened with plain RocksDB: what someone with the files can do.
// The ledger must be closed (RocksDB locks the store).
class RawDb {
 public:
  explicit RawDb(const std::string& data_dir) {
    rocksdb::DBOptions options;
    std::vector<rocksdb::ColumnFamilyDescriptor> columns;
    for (const auto& name : ColumnNames())
      columns.emplace_back(name, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(options, data_dir + "/db", columns, &handles_, &db);
    INFO(s.ToString());
    REQUIRE(s.ok());
    db_.reset(db);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close().PermitUncheckedError();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The value at `key`; the test fails if there is none.
  std::string Get(Column c, const std::string& key) {
    auto v = Find(c, key);
    INFO("no record at that key");
    REQUIRE(v.has_value());
    return *v;
  }
  std::optional<std::string> Find(Column c, const std::string& key) {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), handle(c), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    REQUIRE(s.ok());
    return value;
  }
  void Put(Column c, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put(rocksdb::WriteOptions(), handle(c), key, value).ok());
  }
  void Delete(Column c, const std::string& key) {
    REQUIRE(db_->Delete(rocksdb::WriteOptions(), handle(c), key).ok());
  }
  std::vector<std::string> Keys(Column c) {
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(c)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    REQUIRE(it->status().ok());
    return keys;
  }
  std::map<std::string, std::string> All(Column c) {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle(c)));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out[it->key().ToString()] = it->value().ToString();
    REQUIRE(it->status().ok());
    return out;
  }
  Entry GetEntry(uint64_t seq) {
    std::string v = Get(Column::kEntries, SeqKey(seq));
    auto e = DecodeEntry(AsBytes(v));
    REQUIRE(e.ok());
    return *e;
  }
  void PutEntry(const Entry& e, uint64_t at) {
    Bytes b = EncodeEntry(e);
    Put(Column::kEntries, SeqKey(at), std::string(AsChars(b)));
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(Column c) { return handles_[static_cast<size_t>(c)]; }
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// What an operator holding the checkpoint key can do to a closed store in DATA_DIR whose
// entries are seqs 0..n-1 (whatever was done to them): every tree node recomputed from the
// entries (nodes beyond the tree deleted), each stored checkpoint up to size n re-signed at
// the recomputed root and one signed at n (later ones dropped), meta "size" set to n, and
// then the indexes and projections rebuilt by the program itself (Ledger::Rebuild with
// `rules`). The result is self-consistent: only the event signatures and checkpoints an
// auditor saved can tell. With `new_key`, the checkpoints are signed by it, the store's
// vkey replaced and DATA_DIR/checkpoint-key.pem replaced by it.
inline void RewriteTreeAndCheckpoints(const std::string& data_dir,
                                      const PrivateKey* new_key = nullptr,
                                      const Rules* rules = nullptr) {
  const std::string key_file = data_dir + "/checkpoint-key.pem";
  auto own_key = LoadPrivateKeyFile(key_file, std::nullopt);
  INFO(key_file << ": " << (own_key.ok() ? std::string("ok") : own_key.status().message()));
  REQUIRE(own_key.ok());
  const PrivateKey& key = new_key ? *new_key : *own_key;
  {
    RawDb db(data_dir);
    std::string origin = db.Get(Column::kMeta, "origin");
    std::map<uint64_t, Hash> roots;
    merkle::Frontier frontier;
    for (const auto& k : db.Keys(Column::kNodes)) db.Delete(Column::kNodes, k);
    const uint64_t n = db.Keys(Column::kEntries).size();  // entries 0..n-1
    for (uint64_t seq = 0; seq < n; ++seq) {
      std::string v = db.Get(Column::kEntries, SeqKey(seq));
      for (const auto& node : frontier.Append(merkle::LeafHash(AsBytes(v)))) {
        db.Put(Column::kNodes, NodeKey(node.level, node.index), std::string(AsChars(node.hash)));
      }
      roots[frontier.size()] = frontier.Root();
    }
    auto sign = [&](uint64_t size) {
      note::Checkpoint cp{origin, size, roots.at(size), {}};
      auto signed_note = note::Sign(note::FormatCheckpoint(cp), origin, key);
      REQUIRE(signed_note.ok());
      return *signed_note;
    };
    for (const auto& k : db.Keys(Column::kCheckpoints)) {
      if (SeqFromKey(k) > n)
        db.Delete(Column::kCheckpoints, k);
      else
        db.Put(Column::kCheckpoints, k, sign(SeqFromKey(k)));
    }
    db.Put(Column::kCheckpoints, SeqKey(n), sign(n));
    db.Put(Column::kMeta, "size", std::to_string(n));
    if (new_key) {
      note::Verifier v{origin, note::KeyIdFor(origin, new_key->Public()), new_key->Public()};
      db.Put(Column::kMeta, "checkpoint-vkey", v.Vkey());
    }
  }
  if (new_key) {
    fs::remove(key_file);
    REQUIRE(WritePrivateKeyFile(key_file, *new_key, std::nullopt).ok());
  }
  Ledger::Options options;
  options.rules = rules;
  options.verify_threads = 1;
  auto ledger = Ledger::Open(data_dir, Store::Mode::kReadWrite, options);
  INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
  REQUIRE(ledger.ok());
  Status rebuilt = (*ledger)->Rebuild(nullptr);
  INFO(rebuilt.message());
  REQUIRE(rebuilt.ok());
}

// Behind the program's back, in a closed store: deletes entry k and moves every later entry
// (and its sealed values) down one seq, each re-encoded with the seq it now sits at. The
// events and their signatures are untouched (a signature covers the body, not the seq).
// RewriteTreeAndCheckpoints then makes the shorter history self-consistent.
inline void EraseEntryAndRenumber(const std::string& data_dir, uint64_t k) {
  RawDb db(data_dir);
  const uint64_t n = db.Keys(Column::kEntries).size();
  REQUIRE(k < n);
  auto sealed = db.All(Column::kSealed);
  for (const auto& [key, value] : sealed) {
    if (SeqFromKey(key.substr(0, 8)) >= k) db.Delete(Column::kSealed, key);
  }
  for (uint64_t seq = k + 1; seq < n; ++seq) {
    Entry e = db.GetEntry(seq);
    e.seq = seq - 1;
    db.PutEntry(e, seq - 1);
  }
  db.Delete(Column::kEntries, SeqKey(n - 1));
  for (const auto& [key, value] : sealed) {
    uint64_t seq = SeqFromKey(key.substr(0, 8));
    if (seq > k) db.Put(Column::kSealed, SeqKey(seq - 1) + key.substr(8), value);
  }
}

// A ledger in a temporary directory with an injected clock, and the keys of its world.
//
// Populate() registers, in this order: units U1, U2, U3 (hr's own unit); keys "hr",
// "enforcement", "party", "auditor", "dispatcher-U1" (unit U1), "dispatcher-U2" (unit U2);
// persons P1, P2 (U1) and P3 (U2); cities 130100 (guarantor U1) and 110000 (guarantor U2);
// keys "guarantor-U1", "guarantor-U2"; group GRP1 in 130100; key "leader-P1"
// (groupLeader, person P1).
//
// Without `rules` the ledger checks authority only; with them (not owned; they must outlive
// the fixture) it also runs and keeps the program's rules and projections.
class LedgerFixture {
 public:
  explicit LedgerFixture(std::string origin = kTestOrigin, const Rules* rules = nullptr)
      : admin_(KeyFor("admin")), origin_(std::move(origin)), rules_(rules) {
    auto ledger = Ledger::Init(dir(), admin_, origin_, {}, Options());
    INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  Ledger::Options Options() const {
    Ledger::Options o;
    o.clock = clock_.clock();
    o.rules = rules_;
    o.verify_threads = 2;
    return o;
  }

  std::string dir() const { return tmp_.File("data"); }
  Ledger& ledger() { return *ledger_; }
  const EventCodec& codec() const { return codec_; }
  FixedClock& clock() { return clock_; }
  const PrivateKey& admin() const { return admin_; }
  const PrivateKey& key(const std::string& name) const {
    auto it = keys_.find(name);
    REQUIRE(it != keys_.end());
    return it->second;
  }

  void Close() { ledger_.reset(); }
  void Reopen(Store::Mode mode = Store::Mode::kReadWrite) {
    ledger_.reset();
    auto ledger = Ledger::Open(dir(), mode, Options());
    INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  Envelope Sign(const std::string& json, const PrivateKey& key) const {
    return SignJson(codec_, json, key, origin_);
  }
  const std::string& origin() const { return origin_; }
  const Rules* rules() const { return rules_; }

  Result<std::vector<Receipt>> Submit(const std::vector<Envelope>& batch,
                                      SubmitError* error = nullptr) {
    SubmitError ignored;
    return ledger_->Submit(batch, error ? error : &ignored);
  }

  // Signs and submits one event; the status of the submission.
  Status TryAppend(const PrivateKey& key, const std::string& json) {
    auto r = Submit({Sign(json, key)});
    return r.ok() ? Status::Ok() : r.status();
  }

  // Signs and submits one event; the test fails unless it lands.
  Receipt Append(const PrivateKey& key, const std::string& json) {
    auto r = Submit({Sign(json, key)});
    INFO(json << " -> " << (r.ok() ? std::string("ok") : r.status().message()));
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    return (*r)[0];
  }

  // Registers the key KeyFor(name) with `role`, signed by the admin.
  const PrivateKey& RegisterKey(const std::string& name, const std::string& role,
                                const std::string& extra = "") {
    PrivateKey k = KeyFor(name);
    Append(admin_, KeyRegisteredJson(k.Public(), role, name, extra));
    return keys_.emplace(name, std::move(k)).first->second;
  }

  void Populate() {
    for (const char* u : {"U1", "U2", "U3"}) {
      Append(admin_, std::string("{\"type\":\"unitRegistered\",\"unit\":\"") + u +
                         "\",\"name\":\"Unit " + u + "\",\"kind\":\"ministryDepartment\"}");
    }
    RegisterKey("hr", "hr");
    RegisterKey("enforcement", "enforcement");
    RegisterKey("party", "partyCommittee", ",\"unit\":\"U1\"");
    RegisterKey("auditor", "auditor");
    RegisterKey("dispatcher-U1", "dispatcher", ",\"unit\":\"U1\"");
    RegisterKey("dispatcher-U2", "dispatcher", ",\"unit\":\"U2\"");
    Append(key("hr"), PersonJson("P1", "U1"));
    Append(key("hr"), PersonJson("P2", "U1"));
    Append(key("hr"), PersonJson("P3", "U2"));
    Append(admin_, CityJson("130100", "U1"));
    Append(admin_, CityJson("110000", "U2"));
    RegisterKey("guarantor-U1", "guarantor", ",\"unit\":\"U1\"");
    RegisterKey("guarantor-U2", "guarantor", ",\"unit\":\"U2\"");
    Append(admin_,
           "{\"type\":\"groupFormed\",\"group\":\"GRP1\",\"city\":\"130100\",\"kind\":\"central\","
           "\"leadUnit\":\"U1\",\"date\":\"2019-05-10\"}");
    RegisterKey("leader-P1", "groupLeader", ",\"person\":\"P1\"");
  }

  static std::string PersonJson(const std::string& person, const std::string& unit) {
    return "{\"type\":\"personRegistered\",\"person\":\"" + person + "\",\"name\":\"Person " +
           person + "\",\"unit\":\"" + unit + "\",\"category\":\"civilServant\"}";
  }
  static std::string CityJson(const std::string& city, const std::string& guarantor) {
    return "{\"type\":\"cityRegistered\",\"city\":\"" + city +
           "\",\"name\":\"City\",\"region\":\"jingjinji\",\"guarantor\":\"" + guarantor + "\"}";
  }
  static std::string TrainingJson(const std::string& person,
                                  const std::string& course = "business") {
    return "{\"type\":\"trainingCompleted\",\"person\":\"" + person + "\",\"course\":\"" + course +
           "\",\"mode\":\"video\",\"date\":\"2019-05-02\"}";
  }
  static std::string AssignmentJson(const std::string& id, const std::string& person) {
    return "{\"type\":\"assignmentMade\",\"assignment\":\"" + id + "\",\"person\":\"" + person +
           "\",\"group\":\"GRP1\",\"from\":\"2019-05-15\",\"to\":\"2019-05-29\",\"position\":"
           "\"member\"}";
  }
  static std::string RetractionJson(uint64_t target) {
    return "{\"type\":\"retraction\",\"target\":" + std::to_string(target) +
           ",\"reason\":\"mistake\"}";
  }

 private:
  TempDir tmp_{"probity-ledger-test"};
  FixedClock clock_;
  EventCodec codec_;
  PrivateKey admin_;
  std::string origin_;
  const Rules* rules_ = nullptr;
  std::map<std::string, PrivateKey> keys_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace probity::test
