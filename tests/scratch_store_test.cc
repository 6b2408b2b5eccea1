// ScratchStore (ledger/store.h): the on-disk fold behind verify and rebuild must read
// exactly as an in-memory map would, whether a record is still in memory, spilled to disk,
// or overwritten or deleted after its spill. Checked against std::map as the independent
// model over random operations (fixed seeds), at budgets from "spill every write" to
// "never spill"; and its directory is gone when it is.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "ledger/store.h"
#include "tests/testing.h"

namespace probity {
namespace {

using Space = ScratchStore::Space;

TEST_CASE("ScratchStore reads as a map through spills, overwrites and deletions, per space",
          "[scratch]") {
  test::TempDir tmp("probity-scratch-test");
  for (size_t budget : {size_t{1}, size_t{700}, size_t{1} << 30}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      auto made = ScratchStore::Create(tmp.path(), budget);
      REQUIRE(made.ok());
      ScratchStore& scratch = **made;
      std::mt19937 rng(seed);
      // Two spaces with overlapping keys: neither may see the other's records.
      std::map<std::string, std::string> model[2];
      const Space spaces[2] = {Space::kState, Space::kIds};
      auto key = [&]() { return "k/" + std::to_string(rng() % 64); };
      for (int step = 0; step < 2000; ++step) {
        int s = static_cast<int>(rng() % 2);
        std::string k = key();
        switch (rng() % 4) {
          case 0:
          case 1: {
            std::string v = "v" + std::to_string(rng());
            REQUIRE(scratch.Put(spaces[s], k, v).ok());
            model[s][k] = v;
            break;
          }
          case 2:
            REQUIRE(scratch.Delete(spaces[s], k).ok());
            model[s].erase(k);
            break;
          default: {
            auto got = scratch.Get(spaces[s], k);
            REQUIRE(got.ok());
            auto want = model[s].count(k) ? std::optional<std::string>(model[s][k]) : std::nullopt;
            INFO("budget " << budget << " seed " << seed << " step " << step << " key " << k);
            REQUIRE(*got == want);
            // A prefix scan merges what is in memory with what is on disk.
            std::string prefix = k.substr(0, 3);
            auto scan = scratch.Scan(spaces[s], prefix);
            REQUIRE(scan.ok());
            std::map<std::string, std::string> want_scan;
            for (const auto& [mk, mv] : model[s])
              if (mk.compare(0, prefix.size(), prefix) == 0) want_scan[mk] = mv;
            REQUIRE(*scan == want_scan);
          }
        }
      }
      // The state space read as a StateReader is the kState space.
      auto as_state = static_cast<const StateReader&>(scratch).Scan("");
      REQUIRE(as_state.ok());
      CHECK(*as_state == model[0]);
      // Records: each space in key order, nothing of the other.
      for (int s = 0; s < 2; ++s) {
        auto cursor = scratch.Records(spaces[s]);
        REQUIRE(cursor.ok());
        std::map<std::string, std::string> seen;
        std::string last;
        for (; cursor->Valid(); cursor->Next()) {
          std::string k(cursor->key());
          CHECK((seen.empty() || last < k));
          last = k;
          seen[k] = std::string(cursor->value());
        }
        REQUIRE(cursor->status().ok());
        CHECK(seen == model[s]);
      }
    }
  }
}

TEST_CASE("ScratchStore removes its directory when it goes, and names an unwritable parent",
          "[scratch]") {
  test::TempDir tmp("probity-scratch-test");
  std::string dir;
  {
    auto made = ScratchStore::Create(tmp.path(), 1);
    REQUIRE(made.ok());
    dir = (*made)->dir();
    REQUIRE((*made)->Put(Space::kSubjects, "person/P1", "").ok());
    CHECK(std::filesystem::exists(dir));
  }
  CHECK_FALSE(std::filesystem::exists(dir));
  auto refused = ScratchStore::Create(tmp.path() + "/no/such/dir");
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Matchers::Contains("TMPDIR"));
}

}  // namespace
}  // namespace probity
