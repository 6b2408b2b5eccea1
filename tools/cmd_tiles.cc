// tiles export: the log as a static C2SP tlog-tiles tree in a directory, the bytes
// `probity serve` answers for GET /checkpoint and GET /tile/..., so that any static host
// or object store can mirror and serve it read-only (docs/operator.md, docs/scale.md).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "ledger/files.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/view.h"
#include "server/tiles.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

namespace fs = std::filesystem;
using server::TilePath;

// A failure while writing DIR: what to print, and the exit status.
struct ExportError {
  int code;
  std::string message;
};

std::string ErrnoText(const std::string& what, const std::string& path, int err) {
  return what + " '" + path + "': " + std::strerror(err);
}

// The whole of `path`, or nullopt when there is no such file.
std::optional<std::string> ReadIfPresent(const std::string& path, ExportError* error) {
  files::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno != ENOENT) *error = {kExitRefused, ErrnoText("cannot read", path, errno)};
    return std::nullopt;
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = {kExitRefused, ErrnoText("cannot read", path, errno)};
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
// so that a reader sees the old file or the whole new one, never a part. Mode 0644 (less
// the umask): the export is for serving. Tiles are not synced one by one (`sync` false):
// the export syncs the file system once before it writes the checkpoint that needs them.
bool WriteAtomically(const std::string& path, std::string_view bytes, bool sync,
                     ExportError* error) {
  fs::path p(path);
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) {
    *error = {kExitRefused,
              "cannot create the directory '" + p.parent_path().string() + "': " + ec.message()};
    return false;
  }
  const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp")).string();
  files::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    *error = {kExitRefused, ErrnoText("cannot create", tmp, errno)};
    return false;
  }
  Status st = files::WriteAll(fd.get(), bytes);
  if (st.ok() && sync && ::fsync(fd.get()) != 0) st = Status::IoError(std::strerror(errno));
  if (!st.ok() || fd.Close() != 0) {
    *error = {kExitRefused, "cannot write '" + tmp + "': " +
                                (st.ok() ? std::string(std::strerror(errno)) : st.message())};
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = {kExitRefused, ErrnoText("cannot rename '" + tmp + "' to", path, errno)};
    ::unlink(tmp.c_str());
    return false;
  }
  if (sync) {
    Status synced = files::SyncDir(p.parent_path().string());
    if (!synced.ok()) {
      *error = {kExitRefused, synced.message()};
      return false;
    }
  }
  return true;
}

// Every tile the tree of `size` leaves has: at each level the full tiles and, at the right
// edge, the partial one (c2sp.org/tlog-tiles: floor(size / 256^L) mod 256 hashes wide), up
// to the level whose tile holds fewer than 256 hashes.
std::vector<TilePath> HashTilesOf(uint64_t size) {
  std::vector<TilePath> out;
  for (uint8_t level = 0; level < 8 && (size >> (8u * level)) > 0; ++level) {
    uint64_t hashes = size >> (8u * level);
    for (uint64_t i = 0; i < hashes / server::kTileWidth; ++i)
      out.push_back({false, level, i, server::kTileWidth});
    if (hashes % server::kTileWidth != 0)
      out.push_back({false, level, hashes / server::kTileWidth,
                     static_cast<uint32_t>(hashes % server::kTileWidth)});
  }
  return out;
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Refuses a bundle whose entries do not hash to the level-0 tile beside it: the export
// never publishes tiles that disagree with each other (the store is damaged: run verify).
Status CheckBundle(const TilePath& tile, std::string_view bundle, std::string_view hashes) {
  size_t at = 0;
  for (uint32_t i = 0; i < tile.width; ++i) {
    uint64_t seq = tile.index * server::kTileWidth + i;
    if (at + 2 > bundle.size()) break;
    size_t n = (static_cast<uint8_t>(bundle[at]) << 8) | static_cast<uint8_t>(bundle[at + 1]);
    if (at + 2 + n > bundle.size()) break;
    Hash leaf = merkle::LeafHash(AsBytes(bundle.substr(at + 2, n)));
    if (!ConstantTimeEqual(leaf, AsBytes(hashes.substr(32 * i, 32))))
      return Status::Corrupt("entry " + std::to_string(seq) +
                             " does not hash to its leaf in the tree: the store is damaged "
                             "(run 'probity verify'); nothing more was exported");
    at += 2 + n;
  }
  if (at != bundle.size()) return Status::Corrupt(server::FormatTilePath(tile) + " is malformed");
  return Status::Ok();
}

struct Counts {
  uint64_t written = 0, written_bytes = 0, unchanged = 0, removed = 0;
};

// Puts `bytes` at DIR/`name` unless it is there already. A tile never changes, so other
// bytes under the same name mean DIR holds another log's tiles, or was altered: refused.
bool Place(const std::string& dir, const std::string& name, std::string_view bytes, Counts* counts,
           ExportError* error) {
  const std::string path = dir + "/" + name;
  auto present = ReadIfPresent(path, error);
  if (!error->message.empty()) return false;
  if (present) {
    if (*present == bytes) {
      ++counts->unchanged;
      return true;
    }
    *error = {kExitRefused,
              "'" + path + "' is there with other bytes than this log's " + name +
                  ": a tile never changes, so this directory holds another log's tiles or was "
                  "altered (nothing was replaced; export into an empty directory, or remove '" +
                  path + "')"};
    return false;
  }
  if (!WriteAtomically(path, bytes, false, error)) return false;
  ++counts->written;
  counts->written_bytes += bytes.size();
  return true;
}

// Removes the partial versions of a tile that is now full (tlog-tiles lets a log delete
// them once the full tile is there; a reader holding an older checkpoint falls back to
// the full tile). Partials of a tile still partial stay: readers of the checkpoints
// exported earlier may still fetch them.
void RemoveSuperseded(const std::string& dir, const TilePath& full, Counts* counts) {
  fs::path partials = fs::path(dir) / (server::FormatTilePath(full) + ".p");
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(partials, ec))) return;
  for (const auto& f : fs::directory_iterator(partials, ec)) {
    if (f.is_regular_file(ec) && f.path().filename().string()[0] != '.') ++counts->removed;
  }
  fs::remove_all(partials, ec);
}

// The existing DIR/checkpoint, if any, must be this log's, no larger than the store's
// and a prefix of it: a mirror never goes back nor forks.
std::optional<ExportError> CheckPrevious(const std::string& dir, const LedgerView& view) {
  ExportError error{0, ""};
  auto previous = ReadIfPresent(dir + "/checkpoint", &error);
  if (!error.message.empty()) return error;
  if (!previous) return std::nullopt;
  auto opened = note::Open(*previous, {view.checkpoint_verifier()});
  auto cp =
      opened.ok() ? note::ParseCheckpoint(opened->text) : Result<note::Checkpoint>(opened.status());
  if (!cp.ok() || cp->origin != view.origin())
    return ExportError{kExitRefused,
                       "'" + dir +
                           "/checkpoint' is not a checkpoint of this log signed by "
                           "its key (" +
                           (cp.ok() ? "origin " + cp->origin : cp.status().message()) +
                           "): the directory holds another log's export"};
  if (cp->size > view.size())
    return ExportError{kExitRefused, "'" + dir + "/checkpoint' is of size " +
                                         std::to_string(cp->size) + ", the store holds only " +
                                         std::to_string(view.size()) +
                                         " entries: a mirror never goes back (is the store a "
                                         "rolled-back copy?)"};
  auto root = view.RootAt(cp->size);
  if (!root.ok()) return ExportError{ExitFor(root.status()), root.status().message()};
  if (!ConstantTimeEqual(*root, cp->root))
    return ExportError{kExitRefused, "'" + dir + "/checkpoint' (size " + std::to_string(cp->size) +
                                         ") has root " + HexEncode(cp->root) +
                                         ", the store's tree at that size " + HexEncode(*root) +
                                         ": the log was rewritten since (a fork); nothing was "
                                         "exported"};
  return std::nullopt;
}

}  // namespace

int Tiles(const Args& args) {
  if (args.positional[0] != "export" || args.positional.size() != 2)
    return Fail(args, kExitUsage, "usage: probity tiles export DIR [--entries] (see --help)");
  const std::string dir = args.positional[1];
  const bool entries = args.Has("entries");

  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  // DIR: never inside the store's own directory, which holds the checkpoint key; made if
  // missing (not its parents).
  std::error_code ec;
  auto absolute = [&ec](const std::string& path) {  // without a trailing '/'
    fs::path p = fs::weakly_canonical(path, ec);
    return p.has_filename() ? p : p.parent_path();
  };
  fs::path real_dir = absolute(dir);
  fs::path real_data = ec ? fs::path() : absolute(args.data_dir);
  auto inside = std::mismatch(real_data.begin(), real_data.end(), real_dir.begin(), real_dir.end());
  if (!ec && !real_data.empty() && inside.first == real_data.end())
    return Fail(args, kExitUsage,
                "'" + dir + "' is inside the store's directory '" + args.data_dir +
                    "' (which holds its keys): export into a directory of its own");
  if (!ec && !real_dir.empty() && inside.second == real_dir.end())
    return Fail(args, kExitUsage,
                "the store's directory '" + args.data_dir + "' is inside '" + dir +
                    "': serving it would serve the store and its keys; export into a directory "
                    "of its own");
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Fail(args, kExitRefused, ErrnoText("cannot create the directory", dir, errno));
  // One export at a time into DIR: an exclusive flock(2) on the directory itself.
  files::Fd lock(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (lock.get() < 0)
    return Fail(args, kExitRefused,
                errno == ENOTDIR ? "'" + dir + "' is not a directory"
                                 : ErrnoText("cannot open the directory", dir, errno));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return Fail(args, kExitRefused, ErrnoText("cannot write into the directory", dir, errno));
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0)
    return Fail(args, kExitRefused,
                "another 'probity tiles export' is writing '" + dir + "'; try again when it ends");

  // One snapshot: the checkpoint and every tile are of the same tree while a server
  // appends.
  const LedgerView view = (*ledger)->View();
  const uint64_t size = view.size();
  auto note_text = view.LatestCheckpoint();
  if (!note_text.ok()) return FailStatus(args, note_text.status());
  auto opened = note::Open(*note_text, {view.checkpoint_verifier()});
  auto cp =
      opened.ok() ? note::ParseCheckpoint(opened->text) : Result<note::Checkpoint>(opened.status());
  if (!cp.ok() || cp->size != size || !ConstantTimeEqual(cp->root, view.root()))
    return Fail(args, kExitStore,
                "the stored checkpoint does not sign this tree (" +
                    (cp.ok() ? "size " + std::to_string(cp->size) : cp.status().message()) +
                    "): the store is damaged; run 'probity verify'");
  if (auto refused = CheckPrevious(dir, view)) return Fail(args, refused->code, refused->message);
  // Entry bundles that would no longer be kept up to date: say which export is meant.
  if (!entries && fs::exists(fs::path(dir) / "tile" / "entries", ec))
    return Fail(args, kExitUsage,
                "'" + dir +
                    "/tile/entries' holds entry bundles: export with --entries to keep them "
                    "current, or remove that directory to publish the hash tiles alone");

  const std::vector<TilePath> hash_tiles = HashTilesOf(size);
  uint64_t levels = 0, bundles = 0;
  for (const auto& t : hash_tiles) {
    levels = std::max<uint64_t>(levels, t.level + 1u);
    if (t.level == 0) ++bundles;
  }
  const uint64_t total = hash_tiles.size() + (entries ? bundles : 0);
  auto progress = ProgressReporter("tiles export");
  Counts counts;
  ExportError error{0, ""};
  uint64_t done = 0;
  for (const auto& tile : hash_tiles) {
    auto hashes = server::HashTile(view, tile);
    if (!hashes.ok()) return FailStatus(args, hashes.status());
    if (entries && tile.level == 0) {
      TilePath bundle_path = tile;
      bundle_path.entries = true;
      auto bundle = server::EntryBundle(view, bundle_path);
      if (!bundle.ok())
        return Fail(
            args, ExitFor(bundle.status()),
            bundle.status().message() + (bundle.status().code() == Code::kRefused
                                             ? "; this log cannot be exported with --entries"
                                             : ""));
      Status st = CheckBundle(bundle_path, *bundle, *hashes);
      if (!st.ok()) return FailStatus(args, st);
      if (!Place(dir, server::FormatTilePath(bundle_path), *bundle, &counts, &error))
        return Fail(args, error.code, error.message);
      ++done;
    }
    if (!Place(dir, server::FormatTilePath(tile), *hashes, &counts, &error))
      return Fail(args, error.code, error.message);
    ++done;
    if (progress && (done % 64 == 0 || done == total)) progress(done, total);
  }

  // Every tile the checkpoint needs is durable before the checkpoint names them.
  {
    files::Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() < 0 || ::syncfs(d.get()) != 0)
      return Fail(args, kExitRefused, ErrnoText("cannot sync the file system of", dir, errno));
  }
  bool checkpoint_written = false;
  {
    auto present = ReadIfPresent(dir + "/checkpoint", &error);
    if (!error.message.empty()) return Fail(args, error.code, error.message);
    if (!present || *present != *note_text) {
      if (!WriteAtomically(dir + "/checkpoint", *note_text, true, &error))
        return Fail(args, error.code, error.message);
      checkpoint_written = true;
    }
  }
  // Partial tiles the new checkpoint no longer needs, now that it is published.
  for (const auto& tile : hash_tiles) {
    if (tile.width != server::kTileWidth) continue;
    RemoveSuperseded(dir, tile, &counts);
    if (tile.level == 0) {
      TilePath b = tile;
      b.entries = true;
      RemoveSuperseded(dir, b, &counts);
    }
  }

  std::cout << "exported size " << size << " (root " << HexEncode(view.root()) << ") to " << dir
            << ": " << (hash_tiles.size()) << " hash tiles at " << levels << " level"
            << (levels == 1 ? "" : "s")
            << (entries ? " and " + std::to_string(bundles) + " entry bundles"
                        : ", no entry bundles (--entries adds them)")
            << "; " << counts.written << " written (" << Thousands(counts.written_bytes)
            << " bytes), " << counts.unchanged << " unchanged, " << counts.removed
            << " superseded partial tiles removed; checkpoint "
            << (checkpoint_written ? "written" : "unchanged") << "\n";
  return kExitOk;
}

}  // namespace probity::cli
