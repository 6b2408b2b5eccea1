// The embedded RocksDB store under a data directory: its column families, the
// single-writer lock, and the typed keys of docs/formats.md ("Store layout").
// Exists so that nothing else names a column family or encodes a key.
// A Store is safe for concurrent reads; writes are serialized by the caller (Ledger).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/merkle.h"
#include "ledger/state.h"
#include "ledger/status.h"

namespace probity {

// v2: events signed under format v2 (origin-bound, ids required, sealed fields), the
// "sealed" column family, no "checkpoint" meta record. v3: v2 and the "access" column
// family (the access log, ledger/access_log.h). A v2 store is upgraded to v3 when opened
// for writing (the new column family starts empty); opened read-only, its access log
// reads as empty. v1 stores are refused.
inline constexpr char kStoreFormat[] = "probity-store-v3";
inline constexpr char kStoreFormatV2[] = "probity-store-v2";

enum class Column {
  kMeta = 0,
  kEntries,
  kNodes,
  kIds,
  kSubjects,
  kState,
  kCheckpoints,
  kSealed,
  kAccess
};

// Column "default" (meta): these keys only (docs/formats.md, "Store layout").
inline constexpr char kMetaFormat[] = "format";                 // kStoreFormat
inline constexpr char kMetaOrigin[] = "origin";                 // the log's origin
inline constexpr char kMetaVkey[] = "checkpoint-vkey";          // C2SP vkey of the checkpoint key
inline constexpr char kMetaSize[] = "size";                     // decimal entry count
inline constexpr char kMetaProjections[] = "projections";       // "<rules version> <applied>"
inline constexpr char kMetaCheckpointKey[] = "checkpoint-key";  // path, when kept outside
inline constexpr char kMetaCheckpointPassphrase[] = "checkpoint-key-passphrase-file";  // path
// The stored size record as a number: decimal digits only, at most 15 of them.
std::optional<uint64_t> ParseStoredSize(std::string_view text);

// Key encodings. Integers are big-endian so that RocksDB's byte order is numeric order.
std::string SeqKey(uint64_t seq);
uint64_t SeqFromKey(std::string_view key);  // key must be 8 bytes
std::string NodeKey(uint32_t level, uint64_t index);
// Column "subjects": "person/ID" or "unit/ID", 0x00, SeqKey(seq) -> "".
std::string SubjectKey(std::string_view subject, uint64_t seq);
// Column "sealed": SeqKey(seq) || field name -> salt[32] || value.
std::string SealedKey(uint64_t seq, std::string_view field);

// Column "subjects" prefixes: every seq of a subject ("person/ID", "unit/ID").
std::string SubjectPrefix(std::string_view subject);
std::string SubjectOfPerson(const std::string& person);  // "person/" + ID
std::string SubjectOfUnit(const std::string& unit);      // "unit/" + ID

// Column "state" (docs/formats.md, "State"). Written only by Ledger::Commit, through the
// authority (signer keys and registry) and the program's fold (projection records).
// The authority's records:
std::string KeyRecordKey(const Hash& key_id);  // "key/" hex(id) -> KeyRecord
inline constexpr char kKeyRecordPrefix[] = "key/";
std::string ErasureKey(uint64_t seq);                        // "erasure/" decimal seq -> ""
inline constexpr char kActiveAdminsKey[] = "active-admins";  // decimal count
// The projections' records (projections/records.h encodes their values):
std::string PersonKey(const std::string& id);  // "p/"
std::string UnitKey(const std::string& id);    // "u/"
std::string CityKey(const std::string& code);  // "c/"
inline constexpr char kCityPrefix[] = "c/";
std::string GroupKey(const std::string& id);       // "g/"
std::string AssignmentKey(const std::string& id);  // "a/"
std::string EvaluationKey(const std::string& id);  // "e/"
std::string CalendarKey(int year);                 // "h/" YYYY: the holiday schedules (R5)
// "t/" SeqKey(seq): what the event at seq touched, so a retraction can find it.
std::string TouchKey(uint64_t seq);
// "w/t/" SeqKey(seq): the seq of the retraction that withdrew `seq` (decimal text).
std::string WithdrawnKey(uint64_t seq);
// "year/<YYYY>/<p|u>/<id>": the persons and units with marks in a year (eligibility).
std::string YearIndexKey(int year, bool person, const std::string& id);
std::string YearIndexPrefix(int year, bool person);
// "served/<YYYY>/<id>": the persons with an assignment made for a day of that year (a
// withdrawn one too), whose leave a change of that year's holiday schedule may touch (R5).
std::string ServedKey(int year, const std::string& person);
std::string ServedPrefix(int year);
// "up/<unit>" 0x00 SeqKey(seq) -> person id: the persons registered to a unit, in the order
// registered (seq: the registration). Beside the unit's record, so that the record does
// not grow with the unit's staff.
std::string UnitPersonKey(const std::string& unit, uint64_t seq);
std::string UnitPersonPrefix(const std::string& unit);
// "ga/<group>" 0x00 SeqKey(seq) -> assignment id: the assignments made to a group, in the
// order made (seq: the assignmentMade).
std::string GroupAssignmentKey(const std::string& group, uint64_t seq);
std::string GroupAssignmentPrefix(const std::string& group);
// "gd/<group>" 0x00 day[4] SeqKey(seq) -> assignment id: the same assignments by their
// first day (days since 1970-01-01 plus 2^31, big-endian), so that a roster for a date
// reads only those that start in the window before it (records::Group::longest).
std::string GroupDayKey(const std::string& group, int32_t first_day, uint64_t seq);
std::string GroupDayPrefix(const std::string& group);
// The first key of `group` whose day is `first_day` or later.
std::string GroupDayStart(const std::string& group, int32_t first_day);
// The first day of a GroupDayKey (which must be one).
int32_t GroupDayOf(std::string_view key, const std::string& group);

// Column "access" (the access log, docs/formats.md "The access log"):
std::string AccessEntryKey(uint64_t seq);                   // "e/" SeqKey -> AccessEntry
std::string AccessNodeKey(uint32_t level, uint64_t index);  // "n/" NodeKey -> hash
// "s/" subject 0x00 SeqKey(seq) -> "": the access entries about a subject ("person/ID").
std::string AccessSubjectKey(std::string_view subject, uint64_t seq);
std::string AccessSubjectPrefix(std::string_view subject);
// "c/" SeqKey(size) -> that checkpoint with the witness cosignatures stored for it (cosign).
std::string AccessCosignedKey(uint64_t size);
inline constexpr char kAccessSize[] = "size";              // decimal entry count
inline constexpr char kAccessCheckpoint[] = "checkpoint";  // the latest signed checkpoint

class Store {
 public:
  enum class Mode { kReadOnly, kReadWrite };

  // Opens DIR/db. kReadWrite takes DIR/writer.lock first: another writer gets
  // Status::Unavailable("store is locked by process N"). A missing store is
  // Status::Unavailable naming DIR; a store of another format is Status::Corrupt.
  // `env` (not owned; null: the default) carries the file system: tests pass one that
  // injects failed syncs and full disks.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, Mode mode,
                                             rocksdb::Env* env = nullptr);
  // Creates a new, empty store at DIR/db (DIR must exist and have no db).
  static Result<std::unique_ptr<Store>> Create(const std::string& dir);
  ~Store();

  // A consistent point-in-time of every column family; released when the last copy goes.
  using Snapshot = std::shared_ptr<const rocksdb::Snapshot>;
  Snapshot GetSnapshot() const;

  // Reads see `snapshot` when given, else the latest committed state.
  Result<std::optional<std::string>> Get(Column column, std::string_view key,
                                         const rocksdb::Snapshot* snapshot = nullptr) const;
  // Every record of `column` whose key starts with `prefix`, as of `snapshot` (or latest).
  Result<std::map<std::string, std::string>> Scan(
      Column column, std::string_view prefix, const rocksdb::Snapshot* snapshot = nullptr) const;
  // Applies `batch` atomically with sync. After a failure the store refuses writes.
  Status Write(rocksdb::WriteBatch& batch);
  // A v2 store opened for writing has its "access" column family (Open made it, empty);
  // this sets its format record to v3, once the caller has checked the store is sound.
  // Nothing for a v3 store.
  Status FinishUpgrade();
  // Makes deleted records of `column` physically gone: flushes every column family (so no
  // write-ahead log still holds them) and compacts `column` to its bottom level (so no
  // table file does). Used after an erasure.
  Status Purge(Column column);
  // Null only for Column::kAccess of a v2 store opened read-only (it has none yet); Get,
  // Scan and NewIterator then read it as empty.
  rocksdb::ColumnFamilyHandle* handle(Column column) const;
  std::unique_ptr<rocksdb::Iterator> NewIterator(Column column,
                                                 const rocksdb::Snapshot* snapshot = nullptr) const;
  bool read_only() const { return read_only_; }
  const std::string& dir() const { return dir_; }

  // The "state" column family read as a StateReader.
  const StateReader& state() const { return *state_; }

 private:
  Store() = default;
  static Result<std::unique_ptr<Store>> OpenDb(const std::string& dir, Mode mode, bool create,
                                               rocksdb::Env* env);

  std::string dir_;
  bool read_only_ = true;
  std::atomic<bool> failed_{false};  // the ledger's and the access log's writers share it
  int lock_fd_ = -1;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<StateReader> state_;
};

// A Merkle tree's stored nodes (perfect-subtree hashes) under `prefix` NodeKey(level,
// index) in `column`, as of `snapshot` (or the latest): the log's (kNodes, "") and the
// access log's (kAccess, "n/"). A node missing or not 32 bytes is Corrupt, named by `what`.
class StoredNodes final : public merkle::NodeReader {
 public:
  StoredNodes(const Store& store, Column column, std::string prefix, std::string what,
              const rocksdb::Snapshot* snapshot = nullptr)
      : store_(store),
        column_(column),
        prefix_(std::move(prefix)),
        what_(std::move(what)),
        snapshot_(snapshot) {}
  Result<Hash> Get(uint32_t level, uint64_t index) const override;

 private:
  const Store& store_;
  Column column_;
  std::string prefix_, what_;
  const rocksdb::Snapshot* snapshot_;
};

// Records derived by replaying the log, kept outside the store and on disk, so that
// verify and rebuild hold bounded memory whatever the log's size. A scratch RocksDB in a
// fresh directory under `parent` (removed when the ScratchStore goes), never synced: a
// crash loses nothing but the scratch. Writes gather in memory and spill to disk once
// they pass `budget` bytes. Each Space is a key space of its own. Read as a StateReader,
// it is the kState space. Not thread-safe.
class ScratchStore final : public StateReader {
 public:
  enum class Space : char {
    kState = 's',      // as Column::kState
    kIds = 'i',        // as Column::kIds
    kSubjects = 'j',   // as Column::kSubjects
    kCorrected = 'b',  // SeqKey(seq) -> the subjects an event was filed under, for its corrections
    kSealed = 'l',     // as Column::kSealed's keys -> the sealed field as signed
  };
  static constexpr size_t kDefaultBudget = size_t{64} << 20;
  static Result<std::unique_ptr<ScratchStore>> Create(const std::string& parent,
                                                      size_t budget = kDefaultBudget);
  ~ScratchStore() override;

  Result<std::optional<std::string>> Get(Space space, std::string_view key) const;
  // Every record of `space` whose key starts with `prefix` (keys without the space).
  Result<std::map<std::string, std::string>> Scan(Space space, std::string_view prefix) const;
  Status Put(Space space, std::string_view key, std::string_view value);
  Status Delete(Space space, std::string_view key);
  // The state space, as the fold reads it.
  Result<std::optional<std::string>> Get(std::string_view key) const override {
    return Get(Space::kState, key);
  }
  Result<std::map<std::string, std::string>> Scan(std::string_view prefix) const override {
    return Scan(Space::kState, prefix);
  }
  // Applies a folded event's state changes.
  Status Commit(const StateTxn& txn);

  // Every record of `space` in key order (keys without the space). Spills first; the
  // store must not be written while a cursor is in use.
  class Cursor {
   public:
    explicit Cursor(std::unique_ptr<rocksdb::Iterator> it, char space);
    bool Valid() const;
    std::string_view key() const;  // without the space
    std::string_view value() const;
    void Next() { it_->Next(); }
    Status status() const;

   private:
    std::unique_ptr<rocksdb::Iterator> it_;
    char space_;
  };
  Result<Cursor> Records(Space space);

  const std::string& dir() const { return dir_; }

 private:
  ScratchStore() = default;
  Status Spill();

  std::string dir_;
  size_t budget_ = kDefaultBudget;
  size_t pending_bytes_ = 0;
  std::map<std::string, std::optional<std::string>> pending_;  // space + key; nullopt: deleted
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace probity
