// C2SP tlog-tiles paths (server/tiles.h): the one spelling FormatTilePath writes is the
// only one ParseTilePath accepts, checked against the spec's own examples and bounds.
#include "server/tiles.h"

#include <catch2/catch.hpp>

namespace probity::server {
namespace {

TEST_CASE("tlog-tiles paths: the spec's examples parse to their tiles and format back", "[tiles]") {
  struct Case {
    std::string path;
    TilePath tile;
  };
  const std::vector<Case> cases = {
      {"tile/0/000", {false, 0, 0, 256}},
      {"tile/0/001.p/5", {false, 0, 1, 5}},
      {"tile/3/x001/x234/067.p/1", {false, 3, 1234067, 1}},
      {"tile/3/x001/x234/067", {false, 3, 1234067, 256}},
      {"tile/1/999", {false, 1, 999, 256}},
      {"tile/2/x001/000", {false, 2, 1000, 256}},
      {"tile/entries/000.p/255", {true, 0, 0, 255}},
      {"tile/entries/x123/456", {true, 0, 123456, 256}},
      {"tile/63/x018/x446/x744/x073/x709/x551/615", {false, 63, UINT64_MAX, 256}},
  };
  for (const auto& c : cases) {
    INFO(c.path);
    auto parsed = ParseTilePath(c.path);
    REQUIRE(parsed.ok());
    CHECK(*parsed == c.tile);
    CHECK(FormatTilePath(c.tile) == c.path);
  }
}

TEST_CASE("tlog-tiles paths: any other spelling is refused, naming the form", "[tiles]") {
  for (const std::string& bad : std::vector<std::string>{
           "tile/0/0",                                       // three digits per group
           "tile/0/0000",                                    //
           "tile/0/x000/001",                                // a spare leading group
           "tile/0/x001",                                    // "x" on the last group
           "tile/0/001/x002",                                //
           "tile/0/001.p/256",                               // a full tile has no .p
           "tile/0/001.p/0",                                 // nor an empty one
           "tile/0/001.p/05",                                // W in decimal, no zeros
           "tile/0/001.p",                                   //
           "tile/64/000",                                    // levels 0..63
           "tile/00/000",                                    //
           "tile/-1/000",                                    //
           "tile/entries",                                   //
           "tile/0/",                                        //
           "tile//000",                                      //
           "tiles/0/000",                                    //
           "/tile/0/000",                                    // without the leading '/'
           "tile/0/x018/x446/x744/x073/x709/x551/616",       // past 2^64 - 1
           "tile/0/x001/x001/x001/x001/x001/x001/x001/001",  // eight groups
           "tile/data/000",                                  // static-ct's name, not ours
           "tile/8/0a1",                                     //
           std::string("tile/0/\0001", 8),                   //
       }) {
    INFO(bad);
    auto parsed = ParseTilePath(bad);
    CHECK(!parsed.ok());
    if (!parsed.ok()) CHECK(parsed.status().code() == Code::kInvalid);
  }
}

}  // namespace
}  // namespace probity::server
