// Faults become errors (issue 7): a failed sync or a full disk, injected through the
// file system RocksDB writes with (passed in, no singleton), refuses the write with a clear
// error, refuses every later write until the ledger is reopened, never aborts, and loses
// nothing that was acknowledged.
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>

#include "ledger/verify.h"
#include "tests/testing.h"

namespace probity {
namespace {

using test::LedgerFixture;

enum class Fault { kNone, kSync, kNoSpace };

// A file system whose writable files fail as told: every sync, or every append as a full
// disk would.
class FaultyFs final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyFs(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}
  static const char* kClassName() { return "FaultyFs"; }
  const char* Name() const override { return kClassName(); }
  void Set(Fault f) { fault_ = f; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), &fault_);
    return s;
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, const std::atomic<Fault>* fault)
        : FSWritableFileOwnerWrapper(std::move(f)), fault_(fault) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (*fault_ == Fault::kNoSpace)
        return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (*fault_ == Fault::kNoSpace)
        return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (*fault_ == Fault::kSync) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (*fault_ == Fault::kSync) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

   private:
    const std::atomic<Fault>* fault_;
  };

  std::atomic<Fault> fault_{Fault::kNone};
};

std::string Unit(int i) {
  return "{\"type\":\"unitRegistered\",\"unit\":\"F" + std::to_string(i) +
         "\",\"name\":\"Unit\",\"kind\":\"ministryDepartment\"}";
}

void ExpectRefusedUntilReopen(Fault fault, const char* words) {
  auto fs = std::make_shared<FaultyFs>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  LedgerFixture f;
  f.Close();
  auto options = f.Options();
  options.env = env.get();
  auto opened = Ledger::Open(f.dir(), Store::Mode::kReadWrite, options);
  REQUIRE(opened.ok());
  auto& ledger = **opened;
  SubmitError error;
  auto first = ledger.Submit({f.Sign(Unit(1), f.admin())}, &error);
  REQUIRE(first.ok());
  uint64_t acknowledged = ledger.size();

  fs->Set(fault);
  auto failed = ledger.Submit({f.Sign(Unit(2), f.admin())}, &error);
  REQUIRE_FALSE(failed.ok());
  INFO(failed.status().message());
  CHECK(failed.status().code() == Code::kIoError);
  CHECK_THAT(failed.status().message(), Catch::Contains(words));

  // The fault is gone, but this ledger refuses until it is reopened.
  fs->Set(Fault::kNone);
  auto after = ledger.Submit({f.Sign(Unit(3), f.admin())}, &error);
  REQUIRE_FALSE(after.ok());
  CHECK_THAT(after.status().message(), Catch::Contains("reopen"));
  opened->reset();

  // Reopened on the real file system: everything acknowledged is there and verifies.
  f.Reopen();
  CHECK(f.ledger().size() >= acknowledged);
  auto entry = f.ledger().ReadEntry(acknowledged - 1);
  REQUIRE(entry.ok());
  auto report = VerifyLedger(f.ledger(), {});
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok());
  f.Append(f.admin(), Unit(4));
}

TEST_CASE(
    "A failed sync refuses the write, and every write after it until reopened, nothing "
    "acknowledged is lost",
    "[fault]") {
  ExpectRefusedUntilReopen(Fault::kSync, "store write failed");
}

TEST_CASE(
    "A full disk refuses the write, and every write after it until reopened, nothing acknowledged "
    "is lost",
    "[fault]") {
  ExpectRefusedUntilReopen(Fault::kNoSpace, "store write failed");
}

}  // namespace
}  // namespace probity
