#include "ledger/store.h"

#include <fcntl.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

namespace probity {
namespace {

// Column family names, in Column order. Never renamed: they are on disk.
const std::vector<std::string> kColumnNames = {
    "default", "entries", "nodes", "ids", "subjects", "state", "checkpoints", "sealed", "access"};
// A v2 store's: all but "access".
const std::vector<std::string> kColumnNamesV2(kColumnNames.begin(), kColumnNames.end() - 1);

class ColumnState final : public StateReader {
 public:
  ColumnState(const Store& store) : store_(store) {}
  Result<std::optional<std::string>> Get(std::string_view key) const override {
    return store_.Get(Column::kState, key);
  }
  Result<std::map<std::string, std::string>> Scan(std::string_view prefix) const override {
    return store_.Scan(Column::kState, prefix);
  }

 private:
  const Store& store_;
};

std::string DbPath(const std::string& dir) { return dir + "/db"; }

// Takes DIR/writer.lock with flock(2): released by the kernel when the process dies,
// so a crash never leaves the store locked.
Result<int> TakeWriterLock(const std::string& dir) {
  std::string path = dir + "/writer.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return Status::Unavailable("store is locked by process " + pid);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return Status::IoError("cannot write " + path);
  }
  return fd;
}

}  // namespace

std::optional<uint64_t> ParseStoredSize(std::string_view text) {
  if (text.empty() || text.size() > 15 ||
      text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  uint64_t n = 0;
  for (char c : text) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

std::string SeqKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) key[i] = static_cast<char>(seq & 0xff);
  return key;
}

uint64_t SeqFromKey(std::string_view key) {
  uint64_t seq = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) seq = seq << 8 | static_cast<uint8_t>(key[i]);
  return seq;
}

std::string NodeKey(uint32_t level, uint64_t index) {
  return std::string(1, static_cast<char>(level)) + SeqKey(index);
}

std::string SubjectKey(std::string_view subject, uint64_t seq) {
  return std::string(subject) + '\0' + SeqKey(seq);
}

std::string SealedKey(uint64_t seq, std::string_view field) {
  return SeqKey(seq) + std::string(field);
}

std::string SubjectPrefix(std::string_view subject) { return std::string(subject) + '\0'; }
std::string SubjectOfPerson(const std::string& person) { return "person/" + person; }
std::string SubjectOfUnit(const std::string& unit) { return "unit/" + unit; }

std::string AccessEntryKey(uint64_t seq) { return "e/" + SeqKey(seq); }
std::string AccessNodeKey(uint32_t level, uint64_t index) { return "n/" + NodeKey(level, index); }
std::string AccessCosignedKey(uint64_t size) { return "c/" + SeqKey(size); }
std::string AccessSubjectKey(std::string_view subject, uint64_t seq) {
  return AccessSubjectPrefix(subject) + SeqKey(seq);
}
std::string AccessSubjectPrefix(std::string_view subject) {
  return "s/" + std::string(subject) + '\0';
}

std::string KeyRecordKey(const Hash& key_id) { return kKeyRecordPrefix + HexEncode(key_id); }
std::string ErasureKey(uint64_t seq) { return "erasure/" + std::to_string(seq); }

std::string PersonKey(const std::string& id) { return "p/" + id; }
std::string UnitKey(const std::string& id) { return "u/" + id; }
std::string CityKey(const std::string& code) { return kCityPrefix + code; }
std::string GroupKey(const std::string& id) { return "g/" + id; }
std::string AssignmentKey(const std::string& id) { return "a/" + id; }
std::string EvaluationKey(const std::string& id) { return "e/" + id; }
std::string CalendarKey(int year) { return "h/" + std::to_string(year); }
std::string TouchKey(uint64_t seq) { return "t/" + SeqKey(seq); }
std::string WithdrawnKey(uint64_t seq) { return "w/" + TouchKey(seq); }
std::string YearIndexPrefix(int year, bool person) {
  return "year/" + std::to_string(year) + (person ? "/p/" : "/u/");
}
std::string YearIndexKey(int year, bool person, const std::string& id) {
  return YearIndexPrefix(year, person) + id;
}
std::string ServedPrefix(int year) { return "served/" + std::to_string(year) + "/"; }
std::string ServedKey(int year, const std::string& person) { return ServedPrefix(year) + person; }
std::string UnitPersonPrefix(const std::string& unit) {
  return "up/" + unit + std::string(1, '\0');
}
std::string UnitPersonKey(const std::string& unit, uint64_t seq) {
  return UnitPersonPrefix(unit) + SeqKey(seq);
}
std::string GroupAssignmentPrefix(const std::string& group) {
  return "ga/" + group + std::string(1, '\0');
}
std::string GroupAssignmentKey(const std::string& group, uint64_t seq) {
  return GroupAssignmentPrefix(group) + SeqKey(seq);
}
std::string GroupDayPrefix(const std::string& group) {
  return "gd/" + group + std::string(1, '\0');
}
std::string GroupDayStart(const std::string& group, int32_t first_day) {
  uint32_t biased = static_cast<uint32_t>(first_day) ^ 0x80000000u;  // numeric = byte order
  std::string out = GroupDayPrefix(group);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((biased >> shift) & 0xff);
  return out;
}
std::string GroupDayKey(const std::string& group, int32_t first_day, uint64_t seq) {
  return GroupDayStart(group, first_day) + SeqKey(seq);
}
int32_t GroupDayOf(std::string_view key, const std::string& group) {
  size_t at = 3 + group.size() + 1;
  uint32_t biased = 0;
  for (size_t i = 0; i < 4; ++i) biased = biased << 8 | static_cast<uint8_t>(key[at + i]);
  return static_cast<int32_t>(biased ^ 0x80000000u);
}

namespace {

// A file the writer beside us deleted between our reading of CURRENT or the manifest and
// our opening of the file it names (a flush, compaction or manifest roll finished): a
// reader's open that fails so is retried.
bool RacedWithWriter(const rocksdb::Status& s) {
  return !s.ok() && (s.IsIOError() || s.IsCorruption() || s.IsPathNotFound()) &&
         (s.ToString().find("No such file") != std::string::npos ||
          s.ToString().find("Can't access") != std::string::npos ||
          s.ToString().find("not found") != std::string::npos);
}

// Runs `open` until it succeeds or fails other than by that race (at most ~2.5 s).
template <typename F>
rocksdb::Status RetryRaces(F&& open) {
  rocksdb::Status s;
  for (int attempt = 0;; ++attempt) {
    s = open();
    if (!RacedWithWriter(s) || attempt >= 50) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + attempt * 2));
  }
}

// A reader's block cache before the table files' size is added (Store::OpenDb).
constexpr size_t kReaderCacheBase = 16 << 20;

// A store whose column families are not this format's: name its format if it has one.
Status OtherFormat(const std::string& dir, const std::vector<std::string>& families) {
  std::string format = "unknown";
  std::vector<rocksdb::ColumnFamilyDescriptor> columns;
  for (const auto& name : families) columns.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions options;
  if (rocksdb::DB::OpenForReadOnly(options, DbPath(dir), columns, &handles, &raw).ok()) {
    std::string value;
    if (raw->Get(rocksdb::ReadOptions(), handles[0], kMetaFormat, &value).ok()) format = value;
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  if (format == "probity-store-v1") {
    return Status::Corrupt(
        "store at " + dir + " has format probity-store-v1, which this probity no longer " +
        "reads: v1 signatures do not bind the ledger's origin and v1 events may lack ids " +
        "(docs/formats.md, \"Versions\"); keep it with the probity that wrote it, or " +
        "re-sign its events into a new store");
  }
  return Status::Corrupt("store at " + dir + " has format '" + format + "'; this probity reads " +
                         kStoreFormat);
}

}  // namespace

Store::~Store() {
  if (db_ && !read_only_ && !failed_) {
    // A clean close leaves the write-ahead log empty: the next open (a reader's, above
    // all) then has nothing to replay, and no recovery writes a tiny table per column.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db_->Flush(flush, handles_).PermitUncheckedError();
  }
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close().PermitUncheckedError();
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<Store>> Store::Create(const std::string& dir) {
  std::error_code ec;
  bool exists = std::filesystem::exists(DbPath(dir), ec);
  if (ec) return Status::IoError("cannot read " + dir + ": " + ec.message());
  if (exists) return Status::Refused("a store is already at " + dir);
  return OpenDb(dir, Mode::kReadWrite, true, nullptr);
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, Mode mode, rocksdb::Env* env) {
  std::error_code ec;
  bool exists = std::filesystem::exists(DbPath(dir) + "/CURRENT", ec);
  if (ec) return Status::Unavailable("cannot read the store at " + dir + ": " + ec.message());
  if (!exists) {
    return Status::Unavailable("no store at " + dir + " (run 'probity init' or pass --data DIR)");
  }
  auto store = OpenDb(dir, mode, false, env);
  if (!store.ok()) return store;
  auto format = (*store)->Get(Column::kMeta, kMetaFormat);
  if (!format.ok()) return format.status();
  if (!format->has_value()) return Status::Corrupt("store at " + dir + " has no format record");
  if (**format != kStoreFormat && **format != kStoreFormatV2) {
    return Status::Corrupt("store at " + dir + " has format '" + **format +
                           "'; this probity reads " + kStoreFormat + " (and upgrades " +
                           kStoreFormatV2 + ")");
  }
  return store;
}

Result<std::unique_ptr<Store>> Store::OpenDb(const std::string& dir, Mode mode, bool create,
                                             rocksdb::Env* env) {
  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->read_only_ = mode == Mode::kReadOnly;
  if (!store->read_only_) {
    auto fd = TakeWriterLock(dir);
    if (!fd.ok()) return fd.status();
    store->lock_fd_ = *fd;
  }
  rocksdb::DBOptions options;
  options.create_if_missing = create;
  options.create_missing_column_families = create;
  options.error_if_exists = create;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 2;
  if (env != nullptr) options.env = env;
  // Flushes of all column families commit to the manifest together, so a reader opening
  // mid-flush sees every column at one point (a batch's entries, size and checkpoint).
  options.atomic_flush = true;
  bool v2_families = false;
  if (!create) {
    std::vector<std::string> families;
    // Reads CURRENT and the manifest it names, which a writer may roll meanwhile.
    auto listed = RetryRaces([&] {
      families.clear();
      return rocksdb::DB::ListColumnFamilies(options, DbPath(dir), &families);
    });
    if (!listed.ok())
      return Status::Corrupt("cannot open the store at " + dir + ": " + listed.ToString());
    std::set<std::string> found(families.begin(), families.end());
    if (found == std::set<std::string>(kColumnNamesV2.begin(), kColumnNamesV2.end())) {
      // A v2 store: a writer adds the access log's column family (Open then upgrades
      // the format record); a reader reads it as absent.
      if (store->read_only_) v2_families = true;
      options.create_missing_column_families = true;
    } else if (found != std::set<std::string>(kColumnNames.begin(), kColumnNames.end())) {
      return OtherFormat(dir, families);
    }
  }
  rocksdb::ColumnFamilyOptions column_options;
  std::shared_ptr<rocksdb::Cache> reader_cache;
  if (store->read_only_) {
    // A reader opens every table file at once (below). Opening one then reads its footer
    // and properties only; its index goes to the block cache when a read first needs it.
    // A one-shot command (probity record, checkpoint) so reads a few blocks, not the
    // index of every table in the store (a cold 'probity record' at ten million entries:
    // 74 ms before, 32 ms after; docs/performance.md). Three quarters of the cache is
    // kept for indexes, so data blocks do not push them out: the capacity is set once
    // the store's size is known (below).
    rocksdb::BlockBasedTableOptions table;
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    reader_cache = rocksdb::NewLRUCache(kReaderCacheBase, -1, false, 0.75);
    table.block_cache = reader_cache;
    column_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Threads that open the files: more than the cores only adds thread start-ups.
    options.max_file_opening_threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> columns;
  for (const auto& name : v2_families ? kColumnNamesV2 : kColumnNames) {
    columns.emplace_back(name, column_options);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (store->read_only_) {
    // A reader beside a running writer: the writer may delete a table or log file between
    // our reading the manifest and opening the file (a flush or compaction finished). That
    // race is transient, so the open is retried; once open, every table file is held open
    // (max_open_files = -1), so later deletions cannot reach this reader.
    options.max_open_files = -1;
    s = RetryRaces([&] {
      store->handles_.clear();
      return rocksdb::DB::OpenForReadOnly(options, DbPath(dir), columns, &store->handles_, &raw);
    });
  } else {
    s = rocksdb::DB::Open(options, DbPath(dir), columns, &store->handles_, &raw);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::Unavailable("store at " + dir + " is locked: " + s.ToString());
    }
    return Status::Corrupt("cannot open the store at " + dir + ": " + s.ToString());
  }
  store->db_.reset(raw);
  if (reader_cache) {
    // Indexes take about 1% of the table files (28 MB of 3.2 GB at ten million entries).
    // At 2% of them, the indexes a reader touches stay cached however large the store;
    // a cache too small for them re-read evicted indexes (an eligibility list at ten
    // million entries took 40 times as long with 32 MiB).
    uint64_t table_bytes = 0;
    for (auto* h : store->handles_) {
      uint64_t bytes = 0;
      if (raw->GetIntProperty(h, rocksdb::DB::Properties::kTotalSstFilesSize, &bytes))
        table_bytes += bytes;
    }
    reader_cache->SetCapacity(kReaderCacheBase + table_bytes / 50);
  }
  store->state_ = std::make_unique<ColumnState>(*store);
  return store;
}

rocksdb::ColumnFamilyHandle* Store::handle(Column column) const {
  size_t i = static_cast<size_t>(column);
  return i < handles_.size() ? handles_[i] : nullptr;
}

Store::Snapshot Store::GetSnapshot() const {
  rocksdb::DB* db = db_.get();
  return Snapshot(db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

Result<std::optional<std::string>> Store::Get(Column column, std::string_view key,
                                              const rocksdb::Snapshot* snapshot) const {
  if (handle(column) == nullptr) return std::optional<std::string>();
  std::string value;
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  auto s = db_->Get(options, handle(column), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Status::IoError("store read failed: " + s.ToString());
  return std::optional<std::string>(std::move(value));
}

Result<std::map<std::string, std::string>> Store::Scan(Column column, std::string_view prefix,
                                                       const rocksdb::Snapshot* snapshot) const {
  std::map<std::string, std::string> out;
  auto it = NewIterator(column, snapshot);
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next())
    out.emplace(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return Status::IoError("store read failed: " + it->status().ToString());
  return out;
}

Status Store::Write(rocksdb::WriteBatch& batch) {
  if (read_only_) return Status::Refused("the store is open read-only");
  if (failed_) return Status::IoError("an earlier write failed; reopen the store before writing");
  rocksdb::WriteOptions options;
  options.sync = true;
  auto s = db_->Write(options, &batch);
  if (!s.ok()) {
    failed_ = true;
    return Status::IoError("store write failed: " + s.ToString());
  }
  return Status::Ok();
}

Status Store::FinishUpgrade() {
  if (read_only_) return Status::Refused("the store is open read-only");
  auto format = Get(Column::kMeta, kMetaFormat);
  if (!format.ok()) return format.status();
  if (format->value_or("") != kStoreFormatV2) return Status::Ok();
  rocksdb::WriteBatch upgrade;
  upgrade.Put(handle(Column::kMeta), kMetaFormat, kStoreFormat);
  return Write(upgrade);
}

Status Store::Purge(Column column) {
  if (read_only_) return Status::Refused("the store is open read-only");
  rocksdb::FlushOptions flush;
  flush.wait = true;
  auto s = db_->Flush(flush, handles_);
  if (s.ok()) {
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    s = db_->CompactRange(compact, handle(column), nullptr, nullptr);
  }
  if (!s.ok()) return Status::IoError("purging deleted records failed: " + s.ToString());
  return Status::Ok();
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(Column column,
                                                      const rocksdb::Snapshot* snapshot) const {
  if (handle(column) == nullptr)
    return std::unique_ptr<rocksdb::Iterator>(rocksdb::NewEmptyIterator());
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  // A reader's scans (verify's and rebuild's of every entry above all) would only push
  // the indexes out of its cache: their data blocks are read once.
  options.fill_cache = !read_only_;
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(options, handle(column)));
}

// ---- StoredNodes -------------------------------------------------------------------

Result<Hash> StoredNodes::Get(uint32_t level, uint64_t index) const {
  auto v = store_.Get(column_, prefix_ + NodeKey(level, index), snapshot_);
  if (!v.ok()) return v.status();
  if (!v->has_value() || (*v)->size() != 32) {
    return Status::Corrupt(what_ + " (level " + std::to_string(level) + ", index " +
                           std::to_string(index) + ") is missing");
  }
  Hash h;
  std::copy((*v)->begin(), (*v)->end(), h.begin());
  return h;
}

// ---- ScratchStore ------------------------------------------------------------------

Result<std::unique_ptr<ScratchStore>> ScratchStore::Create(const std::string& parent,
                                                           size_t budget) {
  std::string pattern = parent + "/probity-scratch-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IoError("cannot make a scratch directory in " + parent + ": " +
                           std::strerror(errno) + " (set TMPDIR to a writable directory)");
  }
  std::unique_ptr<ScratchStore> scratch(new ScratchStore());
  scratch->dir_ = pattern;
  scratch->budget_ = budget;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 1;
  options.write_buffer_size = 64 << 20;
  options.max_write_buffer_number = 2;
  options.compression = rocksdb::kNoCompression;
  options.avoid_flush_during_shutdown = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  // Most lookups of a fold are of records not made yet (a new id, a new person).
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Filters and indexes stay in memory beside the cache (about 1.3 bytes a record): in the
  // cache they would be evicted and read again, whole, by nearly every lookup.
  table.cache_index_and_filter_blocks = false;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(options, scratch->dir_ + "/db", &raw);
  if (!s.ok()) return Status::IoError("cannot open a scratch store: " + s.ToString());
  scratch->db_.reset(raw);
  return scratch;
}

ScratchStore::~ScratchStore() {
  db_.reset();
  std::error_code ignored;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
}

namespace {
std::string SpaceKey(ScratchStore::Space space, std::string_view key) {
  std::string out(1, static_cast<char>(space));
  out.append(key);
  return out;
}
}  // namespace

Result<std::optional<std::string>> ScratchStore::Get(Space space, std::string_view key) const {
  std::string k = SpaceKey(space, key);
  if (auto it = pending_.find(k); it != pending_.end()) return it->second;
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), k, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return Status::IoError("scratch read failed: " + s.ToString());
  return std::optional<std::string>(std::move(value));
}

Result<std::map<std::string, std::string>> ScratchStore::Scan(Space space,
                                                              std::string_view prefix) const {
  std::string from = SpaceKey(space, prefix);
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(from); it->Valid() && it->key().starts_with(from); it->Next())
    out.emplace(it->key().ToString().substr(1), it->value().ToString());
  if (!it->status().ok()) return Status::IoError("scratch read failed: " + it->status().ToString());
  for (auto p = pending_.lower_bound(from); p != pending_.end() && HasPrefix(p->first, from); ++p) {
    if (p->second)
      out[p->first.substr(1)] = *p->second;
    else
      out.erase(p->first.substr(1));
  }
  return out;
}

Status ScratchStore::Put(Space space, std::string_view key, std::string_view value) {
  auto [it, fresh] = pending_.insert_or_assign(SpaceKey(space, key), std::string(value));
  // The map's own node costs about as much as a short record.
  pending_bytes_ += it->first.size() + value.size() + 96;
  return pending_bytes_ > budget_ ? Spill() : Status::Ok();
}

Status ScratchStore::Delete(Space space, std::string_view key) {
  auto [it, fresh] = pending_.insert_or_assign(SpaceKey(space, key), std::nullopt);
  pending_bytes_ += it->first.size() + 96;
  return pending_bytes_ > budget_ ? Spill() : Status::Ok();
}

Status ScratchStore::Commit(const StateTxn& txn) {
  for (const auto& [key, value] : txn.pending()) {
    PROBITY_RETURN_IF_ERROR(value ? Put(Space::kState, key, *value) : Delete(Space::kState, key));
  }
  return Status::Ok();
}

Status ScratchStore::Spill() {
  rocksdb::WriteBatch wb;
  for (const auto& [key, value] : pending_) {
    if (value)
      wb.Put(key, *value);
    else
      wb.Delete(key);
  }
  rocksdb::WriteOptions options;
  options.disableWAL = true;  // a scratch: nothing to recover after a crash
  auto s = db_->Write(options, &wb);
  if (!s.ok()) return Status::IoError("scratch write failed: " + s.ToString());
  pending_.clear();
  pending_bytes_ = 0;
  return Status::Ok();
}

ScratchStore::Cursor::Cursor(std::unique_ptr<rocksdb::Iterator> it, char space)
    : it_(std::move(it)), space_(space) {
  it_->Seek(rocksdb::Slice(&space_, 1));
}

bool ScratchStore::Cursor::Valid() const {
  return it_->Valid() && it_->key().size() > 0 && it_->key()[0] == space_;
}

std::string_view ScratchStore::Cursor::key() const {
  return std::string_view(it_->key().data() + 1, it_->key().size() - 1);
}

std::string_view ScratchStore::Cursor::value() const {
  return std::string_view(it_->value().data(), it_->value().size());
}

Status ScratchStore::Cursor::status() const {
  if (!it_->status().ok())
    return Status::IoError("scratch read failed: " + it_->status().ToString());
  return Status::Ok();
}

Result<ScratchStore::Cursor> ScratchStore::Records(Space space) {
  PROBITY_RETURN_IF_ERROR(Spill());
  return Cursor(std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions())),
                static_cast<char>(space));
}

}  // namespace probity
