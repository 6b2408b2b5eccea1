// Shared fixtures for the ledger's tests: a temporary directory that removes itself,
// deterministic keys, an injected clock, and a ledger populated with the admin, units,
// persons and one key per role, with helpers to sign JSON lines and submit them.
// Header-only; each test file uses it from one thread.
#pragma once

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "ledger/store.h"

namespace probity::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "probity-test") {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            (tag + "-" + std::to_string(rd()) + "-" + std::to_string(rd()));
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

inline Envelope SignJson(const EventCodec& codec, std::string_view json, const PrivateKey& key) {
  return SignEnvelope(BodyOf(codec, json), key);
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

// Every record of one column family, in key order.
inline std::map<std::string, std::string> DumpColumn(const Store& store, Column column) {
  std::map<std::string, std::string> out;
  auto it = store.NewIterator(column);
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[it->key().ToString()] = it->value().ToString();
  REQUIRE(it->status().ok());
  return out;
}

// Every record of every column family: equal snapshots mean nothing was written.
inline std::vector<std::map<std::string, std::string>> DumpStore(const Store& store) {
  std::vector<std::map<std::string, std::string>> out;
  for (Column c : {Column::kMeta, Column::kEntries, Column::kNodes, Column::kIds, Column::kSubjects,
                   Column::kState, Column::kCheckpoints}) {
    out.push_back(DumpColumn(store, c));
  }
  return out;
}

// A ledger in a temporary directory with an injected clock, and the keys of its world.
//
// Populate() registers, in this order: units U1, U2, U3 (hr's own unit); keys "hr",
// "enforcement", "party", "auditor", "dispatcher-U1" (unit U1), "dispatcher-U2" (unit U2);
// persons P1, P2 (U1) and P3 (U2); cities 130100 (guarantor U1) and 110000 (guarantor U2);
// keys "guarantor-U1", "guarantor-U2"; group GRP1 in 130100; key "leader-P1"
// (groupLeader, person P1).
class LedgerFixture {
 public:
  explicit LedgerFixture(std::string origin = "probity.test/ledger")
      : admin_(KeyFor("admin")), origin_(std::move(origin)) {
    auto ledger = Ledger::Init(dir(), admin_, origin_, Options());
    INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  Ledger::Options Options() const {
    Ledger::Options o;
    o.clock = clock_.clock();
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
    return SignJson(codec_, json, key);
  }

  Result<std::vector<Receipt>> Submit(const std::vector<Envelope>& batch, SubmitError* error = nullptr) {
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
    RegisterKey("party", "partyCommittee");
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
  static std::string TrainingJson(const std::string& person, const std::string& course = "business") {
    return "{\"type\":\"trainingCompleted\",\"person\":\"" + person + "\",\"course\":\"" + course +
           "\",\"mode\":\"video\",\"date\":\"2019-05-02\"}";
  }
  static std::string AssignmentJson(const std::string& id, const std::string& person) {
    return "{\"type\":\"assignmentMade\",\"assignment\":\"" + id + "\",\"person\":\"" + person +
           "\",\"group\":\"GRP1\",\"from\":\"2019-05-15\",\"to\":\"2019-05-29\",\"position\":\"member\"}";
  }
  static std::string RetractionJson(uint64_t target) {
    return "{\"type\":\"retraction\",\"target\":" + std::to_string(target) + ",\"reason\":\"mistake\"}";
  }

 private:
  TempDir tmp_{"probity-ledger-test"};
  FixedClock clock_;
  EventCodec codec_;
  PrivateKey admin_;
  std::string origin_;
  std::map<std::string, PrivateKey> keys_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace probity::test
