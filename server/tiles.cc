#include "server/tiles.h"

#include <vector>

#include "ledger/store.h"

namespace probity::server {
namespace {

Status BadPath(std::string_view path) {
  return Status::Invalid("'" + std::string(path.substr(0, 100)) +
                         "' is not a tlog-tiles path: tile/<L>/<N>[.p/<W>] or "
                         "tile/entries/<N>[.p/<W>], <N> as x001/x234/067");
}

// The whole number `text` (1 to `max_digits` digits, no sign), or nullopt.
std::optional<uint64_t> Digits(std::string_view text, size_t max_digits) {
  if (text.empty() || text.size() > max_digits ||
      text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  uint64_t n = 0;
  for (char c : text) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

// How many hashes (or entries) the tile's level holds in a tree of `size` leaves from
// the tile's start, capped at a full tile.
uint64_t Available(const TilePath& tile, uint64_t size) {
  if (tile.level >= 8) return 0;  // 2^64 leaves: never
  uint64_t at_level = size >> (8u * tile.level);
  uint64_t start = tile.index * kTileWidth;
  if (tile.index > (UINT64_MAX / kTileWidth) || at_level <= start) return 0;
  return std::min<uint64_t>(at_level - start, kTileWidth);
}

Status Beyond(const TilePath& tile, uint64_t size) {
  return Status::NotFound(FormatTilePath(tile) + " is beyond the log's " + std::to_string(size) +
                          " entries");
}

}  // namespace

std::string FormatTilePath(const TilePath& tile) {
  std::vector<std::string> groups;
  uint64_t n = tile.index;
  do {
    std::string g = std::to_string(n % 1000);
    groups.insert(groups.begin(), std::string(3 - g.size(), '0') + g);
    n /= 1000;
  } while (n > 0);
  std::string out = tile.entries ? "tile/entries" : "tile/" + std::to_string(tile.level);
  for (size_t i = 0; i < groups.size(); ++i)
    out += (i + 1 < groups.size() ? "/x" : "/") + groups[i];
  if (tile.width != kTileWidth) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<TilePath> ParseTilePath(std::string_view path) {
  if (path.size() > 80 || !path.starts_with("tile/")) return BadPath(path);
  std::vector<std::string_view> parts;
  for (size_t at = 0; at <= path.size();) {
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(at, end - at));
    at = end + 1;
  }
  if (parts.size() < 3) return BadPath(path);
  TilePath tile;
  size_t next = 2;
  if (parts[1] == "entries") {
    tile.entries = true;
  } else {
    auto level = Digits(parts[1], 2);
    if (!level || *level > 63) return BadPath(path);
    tile.level = static_cast<uint8_t>(*level);
  }
  std::vector<std::string_view> groups(parts.begin() + next, parts.end());
  if (groups.size() >= 2 && groups[groups.size() - 2].ends_with(".p")) {
    auto width = Digits(groups.back(), 3);
    if (!width || *width == 0 || *width >= kTileWidth) return BadPath(path);
    tile.width = static_cast<uint32_t>(*width);
    groups.pop_back();
    groups.back().remove_suffix(2);
  }
  if (groups.empty() || groups.size() > 7) return BadPath(path);
  uint64_t n = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    std::string_view g = groups[i];
    bool last = i + 1 == groups.size();
    if (!last) {
      if (!g.starts_with("x")) return BadPath(path);
      g.remove_prefix(1);
    }
    auto v = Digits(g, 3);
    if (!v || g.size() != 3 || n > (UINT64_MAX - *v) / 1000) return BadPath(path);
    n = n * 1000 + *v;
  }
  tile.index = n;
  // One spelling only: what FormatTilePath writes (no spare "x000/" groups).
  if (FormatTilePath(tile) != path) return BadPath(path);
  return tile;
}

Result<std::string> HashTile(const LedgerView& view, const TilePath& tile) {
  if (tile.entries) return Status::Invalid("an entry bundle is not a hash tile");
  if (Available(tile, view.size()) < tile.width) return Beyond(tile, view.size());
  std::string out;
  out.reserve(tile.width * 32);
  uint32_t level = 8u * tile.level;
  for (uint32_t i = 0; i < tile.width; ++i) {
    uint64_t index = tile.index * kTileWidth + i;
    auto node = view.Get(Column::kNodes, NodeKey(level, index));
    if (!node.ok()) return node.status();
    if (!node->has_value() || (*node)->size() != 32) {
      return Status::Corrupt("tree node (level " + std::to_string(level) + ", index " +
                             std::to_string(index) + ") is missing");
    }
    out += **node;
  }
  return out;
}

Result<std::string> EntryBundle(const LedgerView& view, const TilePath& tile) {
  if (!tile.entries) return Status::Invalid("a hash tile is not an entry bundle");
  if (Available(tile, view.size()) < tile.width) return Beyond(tile, view.size());
  std::string out;
  for (uint32_t i = 0; i < tile.width; ++i) {
    uint64_t seq = tile.index * kTileWidth + i;
    auto bytes = view.ReadEntryBytes(seq);
    if (!bytes.ok()) return bytes.status();
    if (bytes->size() > 0xffff) {
      return Status::Refused("entry " + std::to_string(seq) + " is " +
                             std::to_string(bytes->size()) +
                             " bytes, more than a tlog-tiles bundle carries (65,535); read "
                             "it from /v1/entries/" +
                             std::to_string(seq));
    }
    out.push_back(static_cast<char>(bytes->size() >> 8));
    out.push_back(static_cast<char>(bytes->size() & 0xff));
    out.append(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }
  return out;
}

}  // namespace probity::server
