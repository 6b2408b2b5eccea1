// probity-bench: appends measured against this machine's own Ed25519 limit, in one run.
// Prints figures; asserts nothing about speed (tests run it only as a smoke check).
//
//   probity-bench [--events N] [--batch B] [--dir DIR]
//
// 1. The machine's limits: Ed25519 signatures made and verified per second, on one
//    thread and on every core, and synced RocksDB-sized writes (fsync) per second.
// 2. The ledger: N events, pre-signed, submitted in batches of B to a fresh store in
//    DIR (a temporary directory by default); events per second end to end, where each
//    append verifies its signature, checks authority and rules, and syncs its batch.
// 3. verify over the same store, events per second.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "projections/program.h"

namespace probity {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Runs `op` on `threads` threads for about `budget` seconds; returns operations per second.
template <typename Op>
double Rate(unsigned threads, double budget, Op op) {
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&]() {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        op();
        ++n;
      }
      done += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(budget));
  stop = true;
  for (auto& t : pool) t.join();
  return static_cast<double>(done.load()) / Seconds(start);
}

double FsyncRate(const std::string& dir, double budget) {
  std::string path = dir + "/fsync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  char block[4096] = {0};
  uint64_t n = 0;
  auto start = Clock::now();
  while (Seconds(start) < budget) {
    if (::write(fd, block, sizeof(block)) < 0 || ::fdatasync(fd) != 0) break;
    ++n;
  }
  double rate = static_cast<double>(n) / Seconds(start);
  ::close(fd);
  std::filesystem::remove(path);
  return rate;
}

int Run(uint64_t events, size_t batch, std::string dir) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto key = PrivateKey::FromSeed(Sha256(AsBytes("probity bench admin")));
  if (!key.ok()) return 1;
  Bytes message(200, 0x5a);
  Bytes sig = key->Sign(message);
  const PublicKey& pub = key->Public();

  std::printf("machine: %u cores\n", cores);
  double sign1 = Rate(1, 1.0, [&]() { (void)key->Sign(message); });
  // Both libraries, as each would verify alone, and the ledger's own Verify (libsodium after
  // its byte rule); the limit is the faster on all cores.
  double ossl1 = Rate(1, 1.0, [&]() { (void)ed25519::VerifyOpenSsl(pub, message, sig); });
  double osslN = Rate(cores, 1.0, [&]() { (void)ed25519::VerifyOpenSsl(pub, message, sig); });
  double verify1 = Rate(1, 1.0, [&]() { (void)pub.Verify(message, sig); });
  double verifyN = Rate(cores, 1.0, [&]() { (void)pub.Verify(message, sig); });
  std::printf("  Ed25519 sign:    %10.0f /s on 1 thread\n", sign1);
  std::printf("  verify, OpenSSL: %10.0f /s on 1 thread, %10.0f /s on %u threads\n", ossl1, osslN,
              cores);
  const double limit = std::max(verifyN, osslN);
  std::printf(
      "  verify, ledger:  %10.0f /s on 1 thread, %10.0f /s on %u threads (libsodium, "
      "%.2fx OpenSSL)\n",
      verify1, verifyN, cores, verifyN / osslN);
  std::printf("  the verify limit: %9.0f /s (the faster on all cores)\n", limit);

  bool temporary = dir.empty();
  if (temporary)
    dir = std::filesystem::temp_directory_path() / ("probity-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  double fsyncs = FsyncRate(dir, 1.0);
  std::printf("  fdatasync:       %10.0f /s (4 KiB writes in %s)\n", fsyncs, dir.c_str());

  static const ProgramRules rules;
  Ledger::Options options;
  options.rules = &rules;
  const std::string origin = "bench.probity.local/run";
  auto ledger = Ledger::Init(dir + "/store", *key, origin, {}, options);
  if (!ledger.ok()) {
    std::cerr << "probity-bench: " << ledger.status().message() << "\n";
    return 1;
  }
  // Pre-signed events (signing happens at the offices, not in the ledger).
  EventCodec codec;
  std::vector<Envelope> envelopes;
  envelopes.reserve(events);
  for (uint64_t i = 0; i < events; ++i) {
    auto body = codec.Parse(R"({"type":"unitRegistered","id":"bench-)" + std::to_string(i) +
                            R"(","unit":"B)" + std::to_string(i) +
                            R"(","name":"bench unit","kind":"affiliatedInstitution"})");
    if (!body.ok()) return 1;
    envelopes.push_back(SignEnvelope(*body, origin, *key));
  }
  auto start = Clock::now();
  for (uint64_t i = 0; i < events; i += batch) {
    std::vector<Envelope> chunk(
        envelopes.begin() + static_cast<long>(i),
        envelopes.begin() + static_cast<long>(std::min<uint64_t>(events, i + batch)));
    SubmitError error;
    auto receipts = (*ledger)->Submit(chunk, &error);
    if (!receipts.ok()) {
      std::cerr << "probity-bench: " << error.status.message() << "\n";
      return 1;
    }
  }
  double append_s = Seconds(start);
  double append_rate = static_cast<double>(events) / append_s;
  std::printf("ledger: %llu events in batches of %zu\n", static_cast<unsigned long long>(events),
              batch);
  std::printf(
      "  append:          %10.0f events/s (%.2f s), %.0f%% of the verify limit, %.0f batches/s\n",
      append_rate, append_s, 100.0 * append_rate / limit, append_rate / static_cast<double>(batch));
  VerifyOptions verify;
  verify.rules = &rules;
  start = Clock::now();
  auto report = VerifyLedger(**ledger, verify);
  double verify_s = Seconds(start);
  if (!report.ok() || !report->ok()) {
    std::cerr << "probity-bench: verify failed\n";
    return 1;
  }
  std::printf("  verify:          %10.0f entries/s (%.2f s), %.0f%% of the verify limit\n",
              static_cast<double>(report->size) / verify_s, verify_s,
              100.0 * static_cast<double>(report->size) / verify_s / limit);
  ledger->reset();
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace probity

int main(int argc, char** argv) {
  uint64_t events = 20000;
  size_t batch = 1000;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "probity-bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&](const char* name) -> uint64_t {
      std::string v = value();
      if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << "probity-bench: " << name << " needs a whole number, not '" << v << "'\n";
        std::exit(2);
      }
      return std::stoull(v);
    };
    if (a == "--events")
      events = number("--events");
    else if (a == "--batch")
      batch = std::max<size_t>(1, number("--batch"));
    else if (a == "--dir")
      dir = value();
    else {
      std::cerr << "usage: probity-bench [--events N] [--batch B] [--dir DIR]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  return probity::Run(events, batch, dir);
}
