// C2SP tlog-tiles (https://c2sp.org/tlog-tiles) over a ledger view: the hash tiles and
// entry bundles that let standard tooling (Go's golang.org/x/mod/sumdb/tlog, Tessera's
// clients) follow, mirror and verify the log, and any static host serve copies of it.
//
//   tile/<L>/<N>[.p/<W>]        W (1..255; 256 when no .p) consecutive hashes at tree level
//                               8L from index 256N: each the root of a perfect subtree of
//                               2^(8L) leaves, 32 bytes each, concatenated
//   tile/entries/<N>[.p/<W>]    entries 256N .. 256N+W-1, each as a big-endian uint16
//                               length and the exact entry bytes (docs/formats.md §4)
//
// <N> is written in groups of three decimal digits, all but the last prefixed with "x"
// (1234067 is x001/x234/067). A tile's content never changes: a partial tile of width W
// is the first W hashes of the full tile it grows into. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "ledger/view.h"

namespace probity::server {

inline constexpr uint32_t kTileWidth = 256;  // tlog-tiles' fixed tile height 8

struct TilePath {
  bool entries = false;  // an entry bundle (level 0), else a hash tile
  uint8_t level = 0;     // 0..63
  uint64_t index = 0;
  uint32_t width = kTileWidth;  // 1..256
  friend bool operator==(const TilePath&, const TilePath&) = default;
};

// "tile/..." without a leading '/'. Invalid unless `path` is exactly what FormatTilePath
// writes (no leading zeros beyond the three digits, no "x" on the last group, W 1..255).
Result<TilePath> ParseTilePath(std::string_view path);
std::string FormatTilePath(const TilePath& tile);

// The tile's bytes, as of `view`; NotFound when the tree holds fewer than its hashes or
// entries.
Result<std::string> HashTile(const LedgerView& view, const TilePath& tile);
Result<std::string> EntryBundle(const LedgerView& view, const TilePath& tile);

}  // namespace probity::server
