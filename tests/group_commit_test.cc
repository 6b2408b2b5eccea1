// Group commit (Ledger::SubmitGroup, what the server's POST /v1/events rests on): several
// requests in one synced write, each all or nothing on its own, judged by the program's
// rules in the order given. Real store, real signatures (tests/program_fixture.h).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/program_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

struct Group {
  std::vector<std::vector<Envelope>> requests;
  std::vector<SubmitError> errors;
  std::vector<Result<std::vector<Receipt>>> Submit(Ledger& ledger) {
    std::vector<const std::vector<Envelope>*> group;
    for (const auto& r : requests) group.push_back(&r);
    return ledger.SubmitGroup(group, &errors);
  }
};

TEST_CASE(
    "SubmitGroup: each request is all or nothing on its own, later requests see earlier kept "
    "ones, and the kept ones land in one write with one checkpoint",
    "[ledger][group]") {
  ProgramLedger f;
  uint64_t size = f.ledger().size();
  Group g;
  // 0: registers P9 and P10.  1: P11, then a person of an unknown unit (refused whole).
  // 2: registers P12 with a tampered signature (refused whole).  3: trains P9 (needs 0).
  // 4: trains P11 (registered only by the refused request 1: refused).
  g.requests = {
      {f.Sign("hr", PersonJ("P9", "U1")), f.Sign("hr", PersonJ("P10", "U2"))},
      {f.Sign("hr", PersonJ("P11", "U1")), f.Sign("hr", PersonJ("P13", "U404"))},
      {f.Sign("hr", PersonJ("P12", "U1"))},
      {f.Sign("dispatcher-U1", TrainingJ("P9", "business", "2019-05-01"))},
      {f.Sign("dispatcher-U1", TrainingJ("P11", "business", "2019-05-01"))},
  };
  g.requests[2][0].signature[0] ^= 1;
  auto results = g.Submit(f.ledger());
  REQUIRE(results.size() == 5);
  REQUIRE(results[0].ok());
  CHECK((*results[0])[0].seq == size);
  CHECK((*results[0])[1].seq == size + 1);
  REQUIRE_FALSE(results[1].ok());
  CHECK(g.errors[1].index == 1);
  CHECK_THAT(g.errors[1].status.message(), Contains("U404"));
  REQUIRE_FALSE(results[2].ok());
  CHECK(g.errors[2].index == 0);
  CHECK_THAT(g.errors[2].status.message(), Contains("signature does not verify"));
  REQUIRE(results[3].ok());
  CHECK((*results[3])[0].seq == size + 2);  // no gap where the refused ones were
  REQUIRE_FALSE(results[4].ok());
  CHECK_THAT(g.errors[4].status.message(), Contains("P11"));
  // One write: the size grew by three, with one checkpoint for the whole group.
  CHECK(f.ledger().size() == size + 3);
  CHECK(f.ledger().CheckpointAt(size + 3).ok());
  CHECK_FALSE(f.ledger().CheckpointAt(size + 2).ok());
  // The refused requests left nothing behind: P11 is registered afresh.
  f.Ok("hr", PersonJ("P11", "U1"));
  f.RequireRebuildIdentical();
  f.RequireVerifies();
}

TEST_CASE(
    "SubmitGroup: a request kept before a bad early-checked signature was found is re-judged "
    "without it, and the others with it gone",
    "[ledger][group]") {
  ProgramLedger f;
  uint64_t size = f.ledger().size();
  Group g;
  // Request 0 registers P9 with a bad signature by a known key (checked early, on other
  // threads); request 1 trains P9 and must be refused once request 0 is out.
  g.requests = {{f.Sign("hr", PersonJ("P9", "U1"))},
                {f.Sign("dispatcher-U1", TrainingJ("P9", "business", "2019-05-01"))},
                {f.Sign("hr", PersonJ("P10", "U1"))}};
  g.requests[0][0].signature[5] ^= 0x20;
  auto results = g.Submit(f.ledger());
  REQUIRE_FALSE(results[0].ok());
  CHECK_THAT(g.errors[0].status.message(), Contains("signature does not verify"));
  REQUIRE_FALSE(results[1].ok());
  CHECK_THAT(g.errors[1].status.message(), Contains("P9"));
  REQUIRE(results[2].ok());
  CHECK((*results[2])[0].seq == size);
  CHECK(f.ledger().size() == size + 1);
  f.RequireVerifies();
}

TEST_CASE("SubmitGroup: duplicates across requests get the first one's receipt",
          "[ledger][group]") {
  ProgramLedger f;
  uint64_t size = f.ledger().size();
  Envelope p9 = f.Sign("hr", PersonJ("P9", "U1"));
  Group g;
  g.requests = {{p9}, {p9}};
  auto results = g.Submit(f.ledger());
  REQUIRE(results[0].ok());
  REQUIRE(results[1].ok());
  CHECK((*results[1])[0].duplicate);
  CHECK((*results[1])[0].seq == size);
  CHECK((*results[1])[0].leaf_hash == (*results[0])[0].leaf_hash);
  CHECK(f.ledger().size() == size + 1);
  // Nothing new at all: nothing written, no checkpoint.
  auto again = g.Submit(f.ledger());
  REQUIRE(again[0].ok());
  CHECK((*again[0])[0].duplicate);
  CHECK(f.ledger().size() == size + 1);
}

}  // namespace
}  // namespace probity
