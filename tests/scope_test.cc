// Who may read what through the server (program-rules.md, "Who may read what"), decided
// by server/scope.h from the signer's registered key and the program's records. Real
// store and keys (tests/program_fixture.h); the HTTP layer is tested over sockets elsewhere.
#include "server/scope.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "ledger/crypto.h"
#include "tests/program_fixture.h"

namespace probity::server {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

Principal Of(ProgramLedger& f, const std::string& name) {
  auto view = f.ledger().View();
  auto p = PrincipalOf(view.state(), f.key(name).Public().KeyId());
  INFO(name << ": " << (p.ok() ? std::string("ok") : p.status().message()));
  REQUIRE(p.ok());
  return *p;
}

bool Allows(ProgramLedger& f, const std::string& name, Reading r,
            const std::optional<std::string>& person = std::nullopt) {
  auto view = f.ledger().View();
  auto g = MayRead(Of(f, name), r, view.state(), person);
  if (!g.ok()) {
    CHECK(g.status().code() == Code::kRefused);
    CHECK_THAT(g.status().message(), Contains("may not read"));
  }
  return g.ok();
}

TEST_CASE("Read scopes: each role reads exactly what program-rules.md lists", "[scope]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  const std::vector<Reading> all = {
      Reading::kEntry,     Reading::kEntryBundles, Reading::kRecord, Reading::kPersons,
      Reading::kRoster,    Reading::kEligibility,  Reading::kLeave,  Reading::kExplanations,
      Reading::kAccessLog, Reading::kSealed,       Reading::kUnits,  Reading::kKeys};
  // The table, row by row (P1 is U1's: a person the dispatcher of U1 and leader P1 may read).
  struct Row {
    std::string key;
    std::set<Reading> reads;
  };
  const std::vector<Row> table = {
      // HR: everything, but entry bundles (interface.md: auditor and admin only).
      {"hr",
       {Reading::kEntry, Reading::kRecord, Reading::kPersons, Reading::kRoster,
        Reading::kEligibility, Reading::kLeave, Reading::kExplanations, Reading::kAccessLog,
        Reading::kSealed, Reading::kUnits, Reading::kKeys}},
      {"reviewer",
       {Reading::kEntry, Reading::kRecord, Reading::kPersons, Reading::kRoster,
        Reading::kEligibility, Reading::kUnits, Reading::kKeys}},
      {"enforcement",
       {Reading::kRecord, Reading::kPersons, Reading::kRoster, Reading::kEligibility,
        Reading::kUnits, Reading::kKeys}},
      {"admin",
       {Reading::kEntry, Reading::kEntryBundles, Reading::kRecord, Reading::kPersons,
        Reading::kRoster, Reading::kEligibility, Reading::kUnits, Reading::kKeys}},
      // Units (the program's organisation) any registered key; the key registry (it names
      // every key's holder) hr, reviewer, enforcement, admin and auditor.
      {"dispatcher-U1", {Reading::kRecord, Reading::kPersons, Reading::kLeave, Reading::kUnits}},
      {"leader-P1", {Reading::kRecord, Reading::kPersons, Reading::kRoster, Reading::kUnits}},
      {"party", {Reading::kRoster, Reading::kUnits}},
      {"guarantor-U1", {Reading::kExplanations, Reading::kUnits}},
      {"auditor", {Reading::kEntry, Reading::kEntryBundles, Reading::kUnits, Reading::kKeys}},
  };
  for (const auto& row : table) {
    for (Reading r : all) {
      INFO(row.key << " reading " << static_cast<int>(r));
      CHECK(Allows(f, row.key, r, std::string("P1")) == (row.reads.count(r) == 1));
    }
  }
}

TEST_CASE(
    "Read scopes: sealed values only for HR, a dispatcher sees its own unit's persons with R1 "
    "reduced to yes/no, a leader its own record",
    "[scope]") {
  ProgramLedger f;
  auto view = f.ledger().View();
  auto hr = MayRead(Of(f, "hr"), Reading::kRecord, view.state(), std::string("P1"));
  REQUIRE(hr.ok());
  CHECK(hr->sealed);
  CHECK(hr->restriction_detail);
  CHECK(hr->only_unit.empty());
  auto d1 = MayRead(Of(f, "dispatcher-U1"), Reading::kRecord, view.state(), std::string("P1"));
  REQUIRE(d1.ok());
  CHECK_FALSE(d1->sealed);
  CHECK_FALSE(d1->restriction_detail);
  CHECK(d1->only_unit == "U1");
  // P3 is U2's: U1's dispatcher is refused, naming the person and its own unit.
  auto d1p3 = MayRead(Of(f, "dispatcher-U1"), Reading::kLeave, view.state(), std::string("P3"));
  REQUIRE_FALSE(d1p3.ok());
  CHECK_THAT(d1p3.status().message(), Contains("P3"));
  // A person who does not exist is refused alike: no probing for ids.
  CHECK_FALSE(
      MayRead(Of(f, "dispatcher-U1"), Reading::kRecord, view.state(), std::string("P404")).ok());
  CHECK(MayRead(Of(f, "leader-P1"), Reading::kRecord, view.state(), std::string("P1")).ok());
  CHECK_FALSE(MayRead(Of(f, "leader-P1"), Reading::kRecord, view.state(), std::string("P2")).ok());
  auto leader_roster = MayRead(Of(f, "leader-P1"), Reading::kRoster, view.state());
  REQUIRE(leader_roster.ok());
  CHECK(leader_roster->only_person == "P1");
}

TEST_CASE(
    "Read scopes: a revoked or unknown key is no principal, a withdrawn unit moves its "
    "dispatcher's persons out of reach",
    "[scope]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  uint64_t revoked = f.Ok("admin", test::RevokeJson(f.key("reviewer")));
  auto view = f.ledger().View();
  auto p = PrincipalOf(view.state(), f.key("reviewer").Public().KeyId());
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Contains("revoked at seq " + std::to_string(revoked)));
  auto unknown = PrincipalOf(view.state(), test::KeyFor("stranger").Public().KeyId());
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Contains("not registered"));
}

TEST_CASE("Read scopes: a scoped role whose key names no scope reads nothing (fails closed)",
          "[scope]") {
  ProgramLedger f;
  auto view = f.ledger().View();
  for (auto role :
       {schema::Role::DISPATCHER, schema::Role::GUARANTOR, schema::Role::GROUP_LEADER}) {
    Principal p{role, std::string(64, 'a'), "nobody", "", ""};
    for (Reading r : {Reading::kPersons, Reading::kRoster, Reading::kExplanations}) {
      auto g = MayRead(p, r, view.state());
      INFO(static_cast<int>(role) << " " << static_cast<int>(r));
      CHECK_FALSE(g.ok());
    }
  }
}

}  // namespace
}  // namespace probity::server
