// The program's test world: a ledger with the program's rules (projections/program.h)
// in a temporary directory, deterministic keys, an injected clock, JSON builders for
// every event type, and helpers that sign as a named key, submit, and check that a
// refusal leaves no trace. Header-only; each test uses one fixture from one thread.
#pragma once

#include <catch2/catch.hpp>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "projections/program.h"
#include "projections/reports.h"
#include "tests/testing.h"

namespace probity::ptest {

using test::DumpColumn;
using test::DumpStore;
using test::FixedClock;
using test::KeyFor;
using test::KeyRegisteredJson;
using test::TempDir;

// One rules instance for every ledger of the suite: ProgramRules is stateless.
inline const ProgramRules& TheRules() {
  static const ProgramRules rules;
  return rules;
}

// Microseconds since the epoch of an RFC 3339 UTC instant "YYYY-MM-DDTHH:MM:SSZ".
inline int64_t Utc(const std::string& text) {
  auto day = ParseDay(text.substr(0, 10));
  REQUIRE(day.has_value());
  int h = std::stoi(text.substr(11, 2)), m = std::stoi(text.substr(14, 2)),
      s = std::stoi(text.substr(17, 2));
  return (static_cast<int64_t>(*day) * 86400 + h * 3600 + m * 60 + s) * 1000000;
}

// One event as a JSON object, built field by field:
//   Ev("assignmentMade").S("assignment", "A1").S("person", "P1")...
class Ev {
 public:
  explicit Ev(const std::string& type) : json_("{\"type\":" + JsonQuote(type)) {}
  Ev& S(const std::string& key, const std::string& value) { return Raw(key, JsonQuote(value)); }
  Ev& N(const std::string& key, int64_t value) { return Raw(key, std::to_string(value)); }
  Ev& B(const std::string& key, bool value) { return Raw(key, value ? "true" : "false"); }
  Ev& Raw(const std::string& key, const std::string& json) {
    json_ += "," + JsonQuote(key) + ":" + json;
    return *this;
  }
  std::string str() const { return json_ + "}"; }
  operator std::string() const { return str(); }  // NOLINT: builders read as strings

 private:
  std::string json_;
};

// Subjects: {"person": ID} or {"unit": ID}.
inline std::string PersonSubject(const std::string& id) {
  return "{\"person\":" + JsonQuote(id) + "}";
}
inline std::string UnitSubject(const std::string& id) { return "{\"unit\":" + JsonQuote(id) + "}"; }

// Checks that a refusal's message names each of `words` (a rule id, an id, a reason).
inline void Mentions(const std::string& message, std::initializer_list<std::string> words) {
  for (const auto& w : words) CHECK_THAT(message, Catch::Matchers::Contains(w));
}

// ---- one builder per event type, with the defaults the tests rarely vary ----
// A provincialDepartment gets `province` (R16): the given one, else "13" (河北).
inline std::string UnitJ(const std::string& unit, const std::string& name = "",
                         const std::string& kind = "ministryDepartment",
                         const std::string& province = "") {
  Ev e("unitRegistered");
  e.S("unit", unit).S("name", name.empty() ? "Unit " + unit : name).S("kind", kind);
  if (!province.empty() || kind == "provincialDepartment")
    e.S("province", province.empty() ? "13" : province);
  return e;
}
inline std::string PersonJ(const std::string& person, const std::string& unit,
                           const std::string& category = "civilServant",
                           const std::string& name = "") {
  return Ev("personRegistered")
      .S("person", person)
      .S("name", name.empty() ? "Person " + person : name)
      .S("unit", unit)
      .S("category", category);
}
inline std::string CityJ(const std::string& city, const std::string& guarantor,
                         const std::string& name = "City",
                         const std::string& region = "jingjinji") {
  return Ev("cityRegistered")
      .S("city", city)
      .S("name", name)
      .S("region", region)
      .S("guarantor", guarantor);
}
inline std::string GroupJ(const std::string& group, const std::string& city,
                          const std::string& kind, const std::string& lead_unit,
                          const std::string& date) {
  return Ev("groupFormed")
      .S("group", group)
      .S("city", city)
      .S("kind", kind)
      .S("leadUnit", lead_unit)
      .S("date", date);
}
inline std::string DisbandJ(const std::string& group, const std::string& date) {
  return Ev("groupDisbanded").S("group", group).S("date", date);
}
inline std::string BranchJ(const std::string& city, const std::string& lead_unit,
                           const std::string& secretary, const std::string& date) {
  return Ev("partyBranchFormed")
      .S("city", city)
      .S("leadUnit", lead_unit)
      .S("secretary", secretary)
      .S("date", date);
}
inline std::string TrainingJ(const std::string& person, const std::string& course,
                             const std::string& date, const std::string& mode = "video") {
  return Ev("trainingCompleted")
      .S("person", person)
      .S("course", course)
      .S("mode", mode)
      .S("date", date);
}
inline std::string RestrictionJ(const std::string& person, const std::string& reason,
                                const std::string& from, const std::string& until = "") {
  Ev e("restrictionRecorded");
  e.S("person", person).S("reason", reason).S("from", from);
  if (!until.empty()) e.S("until", until);
  return e;
}
inline std::string LiftJ(const std::string& person, const std::string& date) {
  return Ev("restrictionLifted").S("person", person).S("date", date);
}
inline std::string AssignJ(const std::string& id, const std::string& person,
                           const std::string& group, const std::string& from, const std::string& to,
                           const std::string& position = "member") {
  return Ev("assignmentMade")
      .S("assignment", id)
      .S("person", person)
      .S("group", group)
      .S("from", from)
      .S("to", to)
      .S("position", position);
}
inline std::string EndJ(const std::string& id, const std::string& date,
                        const std::string& reason = "completed") {
  return Ev("assignmentEnded").S("assignment", id).S("date", date).S("reason", reason);
}
inline std::string LeaveJ(const std::string& person, int days, const std::string& kind,
                          const std::string& from) {
  return Ev("leaveGranted").S("person", person).N("days", days).S("kind", kind).S("from", from);
}
inline std::string ReportJ(const std::string& group, const std::string& date,
                           const std::string& kind = "workReport") {
  return Ev("reportFiled")
      .S("group", group)
      .S("date", date)
      .S("kind", kind)
      .S("summary", "weekly report");
}
inline std::string EvaluationJ(const std::string& id, const std::string& subject,
                               const std::string& date, const std::string& grade = "outstanding") {
  return Ev("evaluationRecorded")
      .S("evaluation", id)
      .Raw("subject", subject)
      .S("period", "2019 round 1")
      .S("grade", grade)
      .S("summary", "evaluated")
      .S("date", date)
      .Raw("distributedTo",
           "[\"ministryLeaders\",\"hrDepartment\",\"partyCommittee\",\"sendingUnit\"]");
}
// v2: a commendation or criticism cites its evaluation (R11, R12); without one the codec
// refuses the JSON. ProgramLedger::Eval records one to cite.
inline std::string CommendJ(const std::string& subject, const std::string& date,
                            const std::string& evaluation = "") {
  Ev e("commendationIssued");
  e.Raw("subject", subject).S("reason", "outstanding work").S("date", date);
  if (!evaluation.empty()) e.S("evaluation", evaluation);
  return e;
}
inline std::string CriticiseJ(const std::string& subject, const std::string& date,
                              const std::string& evaluation = "",
                              const std::string& ground = "poorPerformance") {
  Ev e("criticismIssued");
  e.Raw("subject", subject).S("ground", ground).S("reason", "poor work").S("date", date);
  if (!evaluation.empty()) e.S("evaluation", evaluation);
  return e;
}
inline std::string TargetJ(const std::string& city, int year, const std::string& scope, bool met,
                           const std::string& date) {
  return Ev("targetAssessed")
      .S("city", city)
      .N("year", year)
      .S("scope", scope)
      .B("met", met)
      .S("date", date);
}
// v2: an explanation names the guarantor unit's principal (R17).
inline std::string PrincipalJ(const std::string& unit, const std::string& name,
                              const std::string& date) {
  return Ev("principalNamed").S("unit", unit).S("name", name).S("date", date);
}
inline std::string ExplainJ(const std::string& city, int year, const std::string& scope,
                            const std::string& unit, const std::string& date,
                            const std::string& principal = "the principal") {
  return Ev("explanationSubmitted")
      .S("city", city)
      .N("year", year)
      .S("scope", scope)
      .S("unit", unit)
      .S("date", date)
      .S("summary", "the reasons, and what we will do")
      .S("principal", principal);
}
inline std::string RetractJ(uint64_t target, const std::string& reason = "entered in error") {
  return Ev("retraction").N("target", static_cast<int64_t>(target)).S("reason", reason);
}

// The derived column families, which Rebuild must reproduce byte for byte.
struct Derived {
  std::map<std::string, std::string> state, subjects, ids;
  bool operator==(const Derived& o) const {
    return state == o.state && subjects == o.subjects && ids == o.ids;
  }
};
inline Derived DumpDerived(const Store& store) {
  return {DumpColumn(store, Column::kState), DumpColumn(store, Column::kSubjects),
          DumpColumn(store, Column::kIds)};
}

// Printable form of a key or value for failure messages.
inline std::string Printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

// The first difference between two dumps of one column family, or "".
inline std::string FirstDifference(const std::map<std::string, std::string>& a,
                                   const std::map<std::string, std::string>& b) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) return "only before: " + Printable(k);
    if (it->second != v) return "differs at " + Printable(k);
  }
  for (const auto& [k, v] : b) {
    if (!a.count(k)) return "only after: " + Printable(k);
  }
  return "";
}

// A ledger with the program's rules, and the keys of its world by name ("admin" is the
// root key). Every refusal checked through Refuse() is also checked to leave the store
// exactly as it was.
//
// Populate() lands, in one batch after genesis:
//   units   U1 大气环境司 (ministryDepartment), U2 华北督察局 (dispatchedAgency),
//           U3 环境规划院 (affiliatedInstitution), U4 河北省生态环境厅 (provincialDepartment)
//   keys    hr, enforcement, party (partyCommittee, U1), party-U2, auditor, dispatcher-U1,
//   dispatcher-U2,
//           dispatcher-U3, guarantor-U1, guarantor-U2, leader-P1 (groupLeader, person P1),
//           leader-P3 (groupLeader, person P3)
//   persons P1 张伟 (U1, civilServant), P2 王芳 (U1, referenceManaged),
//           P3 李娜 (U2, publicInstitution), P4 刘洋 (U2, contract),
//           P5 陈静 (U1, civilServant), P6 赵磊 (U3, contract), P7 孙丽 (U1, civilServant,
//           untrained)
//   training P1-P6 business and integrity on 2019-04-20
//   principals "the principal" of U1-U4 from 2019-01-01 (R17)
//   cities  130100 石家庄市 (guarantor U1), 110000 北京市 (guarantor U2), 610100 西安市 (fenwei,
//   U3) groups  G1 central in 130100 (lead U1), G2 ordinary in 130100 (lead U2),
//           G3 central in 110000 (lead U2), all formed 2019-05-01
class ProgramLedger {
 public:
  static constexpr char kOrigin[] = "probity.test/program";

  explicit ProgramLedger(bool populate = true) {
    keys_.emplace("admin", KeyFor("admin"));
    auto ledger = Ledger::Init(dir(), key("admin"), kOrigin, {}, Options());
    INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    if (populate) Populate();
  }

  Ledger::Options Options() const {
    Ledger::Options o;
    o.clock = clock_.clock();
    o.rules = &TheRules();
    o.verify_threads = 1;
    // Every rebuild here spills its fold to disk at each record, so the scratch store's
    // disk path is what the rebuild tests prove (the CLI tests run the default budget).
    o.memory_budget = 1;
    return o;
  }

  std::string dir() const { return tmp_.File("data"); }
  Ledger& ledger() { return *ledger_; }
  const Ledger& ledger() const { return *ledger_; }
  const EventCodec& codec() const { return codec_; }
  FixedClock& clock() { return clock_; }
  uint64_t size() const { return ledger_->size(); }

  const PrivateKey& key(const std::string& name) const {
    auto it = keys_.find(name);
    INFO("key " << name);
    REQUIRE(it != keys_.end());
    return it->second;
  }

  void Close() { ledger_.reset(); }
  void Reopen() {
    ledger_.reset();
    auto ledger = Ledger::Open(dir(), Store::Mode::kReadWrite, Options());
    INFO((ledger.ok() ? std::string("ok") : ledger.status().message()));
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  Envelope Sign(const std::string& signer, const std::string& json) const {
    return test::SignJson(codec_, json, key(signer), kOrigin);
  }

  // Signs `json` with the key named `signer` and submits it alone: the status.
  Status Try(const std::string& signer, const std::string& json) {
    SubmitError error;
    auto r = ledger_->Submit({Sign(signer, json)}, &error);
    return r.ok() ? Status::Ok() : r.status();
  }

  // The event must land; its seq.
  uint64_t Ok(const std::string& signer, const std::string& json) {
    SubmitError error;
    auto r = ledger_->Submit({Sign(signer, json)}, &error);
    INFO("as " << signer << ": " << json << " -> "
               << (r.ok() ? std::string("ok") : r.status().message()));
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    return (*r)[0].seq;
  }

  // The event must be refused (Status::Refused) and leave every column family as it
  // was; the refusal's message, for checking.
  std::string Refuse(const std::string& signer, const std::string& json) {
    auto before = DumpStore(ledger_->store());
    uint64_t size_before = size();
    Status st = Try(signer, json);
    INFO("as " << signer << ": " << json << " -> "
               << (st.ok() ? std::string("accepted") : st.message()));
    CHECK_FALSE(st.ok());
    CHECK(st.code() == Code::kRefused);
    CHECK(size() == size_before);
    bool untouched = DumpStore(ledger_->store()) == before;
    CHECK(untouched);
    return st.message();
  }

  // Submits a batch of (signer, json): all land or none.
  Result<std::vector<Receipt>> Batch(const std::vector<std::pair<std::string, std::string>>& events,
                                     SubmitError* error = nullptr) {
    std::vector<Envelope> batch;
    for (const auto& [signer, json] : events) batch.push_back(Sign(signer, json));
    SubmitError ignored;
    return ledger_->Submit(batch, error ? error : &ignored);
  }

  // The id of an evaluation of `subject` (PersonSubject/UnitSubject), for a commendation or
  // criticism to cite (v2 requires one, R11, R12): the first call for a subject lands one
  // (by enforcement, dated 2019-05-01, grade outstanding), later calls return the same id.
  std::string Eval(const std::string& subject) {
    if (auto it = evals_.find(subject); it != evals_.end()) return it->second;
    std::string id = "EV" + std::to_string(evals_.size() + 1);
    // Graded good and dated early, so that commendations and criticisms may cite it (R11, R12).
    Ok("enforcement", EvaluationJ(id, subject, "2019-01-01", "good"));
    evals_[subject] = id;
    return id;
  }

  // The JSON registering KeyFor(name) with `role`; remembers the key under `name`.
  std::string KeyJ(const std::string& name, const std::string& role,
                   const std::string& extra = "") {
    if (!keys_.count(name)) keys_.emplace(name, KeyFor(name));
    return KeyRegisteredJson(key(name).Public(), role, name, extra);
  }
  const PrivateKey& RegisterKey(const std::string& name, const std::string& role,
                                const std::string& extra = "") {
    Ok("admin", KeyJ(name, role, extra));
    return key(name);
  }

  void Populate() {
    std::vector<std::pair<std::string, std::string>> b;
    auto add = [&](const std::string& signer, const std::string& json) {
      b.emplace_back(signer, json);
    };
    add("admin", UnitJ("U1", "大气环境司", "ministryDepartment"));
    add("admin", UnitJ("U2", "华北督察局", "dispatchedAgency"));
    add("admin", UnitJ("U3", "环境规划院", "affiliatedInstitution"));
    add("admin", UnitJ("U4", "河北省生态环境厅", "provincialDepartment"));
    add("admin", KeyJ("hr", "hr"));
    add("admin", KeyJ("enforcement", "enforcement"));
    add("admin", KeyJ("party", "partyCommittee", ",\"unit\":\"U1\""));
    add("admin", KeyJ("party-U2", "partyCommittee", ",\"unit\":\"U2\""));
    add("admin", KeyJ("auditor", "auditor"));
    for (const char* u : {"U1", "U2", "U3"}) {
      add("admin", KeyJ(std::string("dispatcher-") + u, "dispatcher",
                        ",\"unit\":\"" + std::string(u) + "\""));
    }
    add("admin", KeyJ("guarantor-U1", "guarantor", ",\"unit\":\"U1\""));
    add("admin", KeyJ("guarantor-U2", "guarantor", ",\"unit\":\"U2\""));
    const std::vector<std::vector<std::string>> persons = {
        {"P1", "U1", "civilServant", "张伟"},      {"P2", "U1", "referenceManaged", "王芳"},
        {"P3", "U2", "publicInstitution", "李娜"}, {"P4", "U2", "contract", "刘洋"},
        {"P5", "U1", "civilServant", "陈静"},      {"P6", "U3", "contract", "赵磊"},
        {"P7", "U1", "civilServant", "孙丽"}};
    for (const auto& p : persons) add("hr", PersonJ(p[0], p[1], p[2], p[3]));
    for (const auto& p : persons) {
      if (p[0] == "P7") continue;
      add("dispatcher-" + p[1], TrainingJ(p[0], "business", "2019-04-20", "centralized"));
      add("dispatcher-" + p[1], TrainingJ(p[0], "integrity", "2019-04-20", "tiered"));
    }
    add("admin", KeyJ("leader-P1", "groupLeader", ",\"person\":\"P1\""));
    add("admin", KeyJ("leader-P3", "groupLeader", ",\"person\":\"P3\""));
    for (const char* u : {"U1", "U2", "U3", "U4"})
      add("hr", PrincipalJ(u, "the principal", "2019-01-01"));
    add("admin", CityJ("130100", "U1", "石家庄市"));
    add("admin", CityJ("110000", "U2", "北京市"));
    add("admin", CityJ("610100", "U3", "西安市", "fenwei"));
    add("admin", GroupJ("G1", "130100", "central", "U1", "2019-05-01"));
    add("admin", GroupJ("G2", "130100", "ordinary", "U2", "2019-05-01"));
    add("admin", GroupJ("G3", "110000", "central", "U2", "2019-05-01"));
    SubmitError error;
    auto r = Batch(b, &error);
    INFO("populate: event " << error.index << ": "
                            << (r.ok() ? std::string("ok") : r.status().message()));
    REQUIRE(r.ok());
  }

  Derived Derive() const { return DumpDerived(ledger_->store()); }

  // Rebuild must reproduce the derived column families byte for byte.
  void RequireRebuildIdentical() {
    Derived before = Derive();
    Status st = ledger_->Rebuild(nullptr);
    INFO(st.message());
    REQUIRE(st.ok());
    Derived after = Derive();
    INFO("state: " << FirstDifference(before.state, after.state));
    INFO("subjects: " << FirstDifference(before.subjects, after.subjects));
    INFO("ids: " << FirstDifference(before.ids, after.ids));
    CHECK(before.state.size() == after.state.size());
    CHECK(before.subjects.size() == after.subjects.size());
    CHECK(before.ids.size() == after.ids.size());
    REQUIRE(before == after);
  }

  // Full verification, rules included, must pass: with the fold in memory, and with it
  // spilled to disk at every record (the scratch store's two paths give one verdict).
  void RequireVerifies() const {
    for (size_t budget : {size_t{0}, size_t{1}}) {
      VerifyOptions options;
      options.rules = &TheRules();
      options.threads = 1;
      options.memory_budget = budget;
      auto report = VerifyLedger(*ledger_, options);
      REQUIRE(report.ok());
      INFO("memory budget " << budget << ", problem: " << report->problem);
      REQUIRE(report->ok());
      CHECK(report->size == ledger_->size());
    }
  }

 private:
  TempDir tmp_{"probity-program-test"};
  FixedClock clock_;
  EventCodec codec_;
  std::map<std::string, PrivateKey> keys_;
  std::map<std::string, std::string> evals_;  // subject -> evaluation id (Eval)
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace probity::ptest
