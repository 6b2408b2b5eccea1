// probity-bench: what probity does per second, each figure beside this machine's own limit
// measured in the same run. Prints a table, or with --json one JSON object. Asserts nothing
// about speed (tests run every subcommand small, as a smoke check).
//
//   probity-bench append  --events N [--batch B] [--dir D] [--peer postgres] [--json]
//                         [--server [--clients C] [--per-request P]]
//   probity-bench verify  --dir D [--json]
//   probity-bench rebuild --dir D [--json]
//   probity-bench prove   --dir D [--samples K] [--json]
//   probity-bench read    --dir D [--samples K] [--json]
//
// `append` writes the workload (tools/bench/workload.h: valid program events for many
// persons, signed by keys of their roles; signing is not timed) to D/events.bin, then
// appends it through Ledger::Submit into a new store D/store in batches of B, each batch
// one synced write; the other subcommands measure that store, so one fill serves them all.
// Without --dir, append works in a temporary directory and removes it.
//
// The limits, measured in every run: Ed25519 verifications per second with OpenSSL and
// with libsodium (the ledger's), on one thread and on every core (the verify limit is the
// faster on every core); fdatasync per second; a raw RocksDB scan of the store's entries.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "projections/program.h"
#include "projections/reports.h"
#include "server/http_signature.h"
#include "tools/bench/loopback.h"
#include "tools/bench/workload.h"

namespace probity {
namespace {

namespace fs = std::filesystem;
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
  fs::remove(path);
  return rate;
}

// Percentile `q` (0..1) of `samples`, which it sorts.
double Percentile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size()))) - 1;
  return samples[std::min(i, samples.size() - 1)];
}

uint64_t PeakRssBytes() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// The figures of one run, in order, for the table and the JSON object.
class Figures {
 public:
  void Add(const std::string& name, double value, const std::string& unit = "",
           const std::string& note = "") {
    rows_.push_back({name, value, unit, note});
  }
  void Print(bool json, const std::string& command) const {
    if (json) {
      std::printf("{\"command\":\"%s\"", command.c_str());
      for (const auto& r : rows_) {
        if (std::floor(r.value) == r.value && std::fabs(r.value) < 1e15)
          std::printf(",\"%s\":%.0f", r.name.c_str(), r.value);
        else
          std::printf(",\"%s\":%.6g", r.name.c_str(), r.value);
      }
      std::printf("}\n");
      return;
    }
    for (const auto& r : rows_) {
      char value[64];
      if (std::fabs(r.value) >= 100 || std::floor(r.value) == r.value)
        std::snprintf(value, sizeof(value), "%.0f", r.value);
      else
        std::snprintf(value, sizeof(value), "%.3g", r.value);
      std::printf("  %-24s %14s %-10s %s\n", r.name.c_str(), value, r.unit.c_str(), r.note.c_str());
    }
  }

 private:
  struct Row {
    std::string name;
    double value;
    std::string unit, note;
  };
  std::vector<Row> rows_;
};

struct Args {
  std::string command;
  uint64_t events = 20000;
  size_t batch = 1000;
  bool server = false;
  unsigned clients = 32;
  unsigned per_request = 1;  // persons a request
  size_t samples = 0;
  std::string dir;
  std::string peer;
  bool json = false;
};

// Progress on stderr, when stderr is a terminal or the run is long.
std::function<void(uint64_t, uint64_t)> Progress(const std::string& what) {
  auto last = std::make_shared<Clock::time_point>(Clock::now());
  return [what, last](uint64_t done, uint64_t total) {
    if (Seconds(*last) < 2.0 && done != total) return;
    *last = Clock::now();
    std::fprintf(stderr, "probity-bench: %s %llu of %llu\n", what.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
  };
}

// The machine's Ed25519 limits.
void MeasureVerifyLimit(Figures& out, double* limit) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto key = bench::AdminKey();
  Bytes message(200, 0x5a);
  Bytes sig = key.Sign(message);
  const PublicKey& pub = key.Public();
  // A limit is a ceiling, and a shared machine only ever pulls a trial below it: the
  // best of three half-second trials, taken in turn so no library gets the quiet second.
  double ossl1 = 0, osslN = 0, sodium1 = 0, sodiumN = 0;
  for (int trial = 0; trial < 3; ++trial) {
    auto ossl = [&]() { (void)ed25519::VerifyOpenSsl(pub, message, sig); };
    auto sodium = [&]() { (void)pub.Verify(message, sig); };
    ossl1 = std::max(ossl1, Rate(1, 0.5, ossl));
    osslN = std::max(osslN, Rate(cores, 0.5, ossl));
    sodium1 = std::max(sodium1, Rate(1, 0.5, sodium));
    sodiumN = std::max(sodiumN, Rate(cores, 0.5, sodium));
  }
  *limit = std::max(sodiumN, osslN);
  out.Add("cores", cores);
  out.Add("opensslVerifyPerSecond1", ossl1, "/s", "Ed25519, OpenSSL 3, one thread");
  out.Add("opensslVerifyPerSecond", osslN, "/s", "on every core");
  out.Add("sodiumVerifyPerSecond1", sodium1, "/s", "libsodium with the ledger's rule, one thread");
  out.Add("sodiumVerifyPerSecond", sodiumN, "/s", "on every core");
  out.Add("verifyLimitPerSecond", *limit, "/s", "the faster on every core: the limit");
}

// A raw RocksDB scan of the entries: every key and value read, nothing decoded.
struct Scan {
  uint64_t entries = 0, bytes = 0;
  double seconds = 0;
};
Scan RawScan(const Ledger& ledger) {
  Scan s;
  auto start = Clock::now();
  auto it = ledger.store().NewIterator(Column::kEntries);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++s.entries;
    s.bytes += it->value().size();
  }
  s.seconds = Seconds(start);
  return s;
}

void StoreFigures(Figures& out, const Ledger& ledger, const std::string& store_dir, Scan* scan) {
  *scan = RawScan(ledger);
  double entries = static_cast<double>(scan->entries);
  out.Add("entries", entries);
  out.Add("entryBytes", entries ? static_cast<double>(scan->bytes) / entries : 0, "B",
          "mean canonical entry");
  out.Add("bytesPerEvent", entries ? static_cast<double>(DirBytes(store_dir + "/db")) / entries : 0,
          "B", "the store's files on disk, per entry");
  out.Add("rawScanPerSecond", scan->seconds > 0 ? entries / scan->seconds : 0, "/s",
          "RocksDB scan of the entries, nothing decoded");
}

const ProgramRules& Rules() {
  static const ProgramRules rules;
  return rules;
}

Result<std::unique_ptr<Ledger>> OpenStore(const Args& args, Store::Mode mode) {
  Ledger::Options options;
  options.rules = &Rules();
  return Ledger::Open(args.dir + "/store", mode, options);
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "probity-bench: %s\n", what.c_str());
  return 1;
}

// The start of every command on a filled store: the limits, the store, its figures.
struct Run {
  Figures out;
  double limit = 0;
  std::unique_ptr<Ledger> ledger;
  Scan scan;
};
std::optional<Run> Begin(const Args& args, Store::Mode mode) {
  Run run;
  MeasureVerifyLimit(run.out, &run.limit);
  auto ledger = OpenStore(args, mode);
  if (!ledger.ok()) {
    Fail(ledger.status().message());
    return std::nullopt;
  }
  run.ledger = std::move(*ledger);
  StoreFigures(run.out, *run.ledger, args.dir + "/store", &run.scan);
  return run;
}

// The PostgreSQL peer (tools/bench/peer_postgres) over the same events file; its JSON.
std::optional<std::string> RunPeer(const std::string& events, size_t batch) {
  fs::path self = fs::read_symlink("/proc/self/exe");
  fs::path script = self.parent_path().parent_path() / "tools/bench/peer_postgres";
  if (!fs::exists(script)) script = self.parent_path() / "peer_postgres";
  std::string command = "'" + script.string() + "' --events '" + events + "' --batch " +
                        std::to_string(batch) + " --driver '" +
                        (self.parent_path() / "probity-peer-postgres").string() + "' --json";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  if (::pclose(pipe) != 0) return std::nullopt;
  return out;
}

// A number field of a flat JSON object (the peer's), or nullopt.
std::optional<double> JsonNumber(const std::string& json, const std::string& name) {
  auto at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(json.c_str() + at + name.size() + 3, nullptr);
}

// The events of the file from the first person on, a person at a time (a person's events
// depend on each other, never on another person's, so clients may send persons in any
// order). Thread-safe.
class PersonFeed {
 public:
  explicit PersonFeed(bench::EventReader reader) : reader_(std::move(reader)) {}
  // The set-up before the first person (keys, units, cities, groups).
  Result<std::vector<Envelope>> SetUp() { return Until(true); }
  // The next `persons` persons' events; empty at the end.
  Result<std::vector<Envelope>> Next(unsigned persons) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Envelope> out;
    for (unsigned i = 0; i < persons; ++i) {
      auto more = Until(false);
      if (!more.ok()) return more.status();
      if (more->empty()) break;
      for (auto& e : *more) out.push_back(std::move(e));
    }
    return out;
  }

 private:
  static bool IsPerson(const Envelope& e) {
    auto view = EventView::FromCanonical(e.body);
    return view.ok() && view->reader().isPersonRegistered();
  }
  // Events up to the next personRegistered (set-up), or one person's.
  Result<std::vector<Envelope>> Until(bool setup) {
    std::vector<Envelope> out;
    if (ahead_) out.push_back(std::move(*ahead_));
    ahead_.reset();
    for (;;) {
      auto next = reader_.Next();
      if (!next.ok()) return next.status();
      if (!next->has_value()) return out;
      if (IsPerson(**next) && (setup || !out.empty())) {
        ahead_ = std::move(**next);
        return out;
      }
      out.push_back(std::move(**next));
    }
  }

  std::mutex mu_;
  bench::EventReader reader_;
  std::optional<Envelope> ahead_;
};

// append --server: the set-up in process, then every person through `probity serve` on
// loopback, from C clients on keep-alive connections, each request one signed POST
// /v1/events of whole persons, timed from sending to its durable receipts.
int AppendThroughServer(const Args& args, Figures& out, double limit,
                        const std::string& events_path, const std::string& store_dir) {
  auto reader = bench::EventReader::Open(events_path);
  if (!reader.ok()) return Fail(reader.status().message());
  PersonFeed feed(std::move(*reader));
  {
    Ledger::Options options;
    options.rules = &Rules();
    auto ledger = Ledger::Init(store_dir, bench::AdminKey(), bench::kOrigin, {}, options);
    if (!ledger.ok()) return Fail(ledger.status().message());
    auto setup = feed.SetUp();
    if (!setup.ok()) return Fail(setup.status().message());
    SubmitError error;
    auto receipts = (*ledger)->Submit(*setup, &error);
    if (!receipts.ok()) return Fail("set-up refused: " + error.status.message());
  }
  fs::path probity = fs::read_symlink("/proc/self/exe").parent_path() / "probity";
  bench::ServerProcess server(probity.string(), store_dir, args.dir + "/serve.log");
  Status started = server.Start();
  if (!started.ok()) return Fail(started.message());
  const uint16_t port = server.port();
  const PrivateKey principal = bench::WorkloadKey("hr");  // any registered key may submit
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string failure;
  std::vector<double> latencies;
  std::atomic<uint64_t> sent{0};
  std::atomic<unsigned> finished{0};
  auto client = [&]() {
    struct Done {
      std::atomic<unsigned>& n;
      ~Done() { ++n; }
    } done{finished};
    EventCodec codec;
    bench::Connection conn;
    std::vector<double> mine;
    while (!failed) {
      auto events = feed.Next(args.per_request);
      std::string problem;
      if (!events.ok()) problem = events.status().message();
      if (problem.empty() && events->empty()) break;
      std::string body;
      if (problem.empty()) {
        for (const auto& e : *events) body += EnvelopeToJson(e, codec) + "\n";
      }
      std::string authority = "127.0.0.1:" + std::to_string(port);
      auto h = httpsig::SignRequest("POST", "http://" + authority + "/v1/events", body, principal,
                                    ::time(nullptr));
      if (problem.empty() && !h.ok()) problem = h.status().message();
      if (problem.empty() && !conn.OpenTo(port)) problem = "cannot connect to probity serve";
      std::optional<bench::Reply> reply;
      auto start = Clock::now();
      if (problem.empty()) {
        reply = conn.Exchange(
            "POST /v1/events HTTP/1.1\r\nHost: " + authority +
            "\r\nContent-Type: application/jsonl\r\nSignature-Input: " + h->signature_input +
            "\r\nSignature: " + h->signature + "\r\nContent-Digest: " + h->content_digest +
            "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
        if (!reply)
          problem = "no answer from probity serve";
        else if (reply->status != 200)
          problem = "probity serve answered " + std::to_string(reply->status) + ": " +
                    reply->body.substr(0, 300);
      }
      if (!problem.empty()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) failure = problem;
        return;
      }
      mine.push_back(Seconds(start) * 1000);
      sent += events->size();
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  };
  auto wall = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned c = 0; c < args.clients; ++c) pool.emplace_back(client);
  auto progress = Progress("appended through the server");
  while (finished < args.clients) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    progress(sent.load(), args.events);
  }
  for (auto& t : pool) t.join();
  double wall_s = Seconds(wall);
  Status stopped = server.Stop();
  if (failed) return Fail(failure);
  if (!stopped.ok()) return Fail(stopped.message());
  double rate = static_cast<double>(sent.load()) / wall_s;
  out.Add("clients", args.clients, "", "concurrent HTTP clients on loopback");
  out.Add("personsPerRequest", args.per_request, "", "a request: whole persons, ~9 events each");
  out.Add("eventsPerSecond", rate, "/s", "through probity serve (group commit)");
  out.Add("ratioToLimit", rate / limit, "", "of the verify limit");
  out.Add("p50Ms", Percentile(latencies, 0.5), "ms", "a request, sent to durable receipts");
  out.Add("p99Ms", Percentile(latencies, 0.99), "ms");
  return 0;
}

int Append(Args& args) {
  Figures out;
  double limit = 0;
  MeasureVerifyLimit(out, &limit);
  bool temporary = args.dir.empty();
  if (temporary)
    args.dir = fs::temp_directory_path() / ("probity-bench-" + std::to_string(::getpid()));
  fs::create_directories(args.dir);
  std::string store_dir = args.dir + "/store";
  if (fs::exists(store_dir))
    return Fail(store_dir + " exists: append fills a new store (give another --dir, or remove it)");
  out.Add("fsyncPerSecond", FsyncRate(args.dir, 1.0), "/s", "4 KiB write + fdatasync");

  // The workload, signed once and kept: a later run with the same N reuses it.
  std::string events_path = args.dir + "/events.bin";
  std::string shape_path = args.dir + "/events.n";
  std::string have;
  if (std::ifstream in(shape_path); in) std::getline(in, have);
  if (have != std::to_string(args.events) || !fs::exists(events_path)) {
    auto start = Clock::now();
    auto total = args.events;
    auto progress = Progress("signing the workload:");
    auto written = bench::WriteEvents(events_path, args.events,
                                      std::max(1u, std::thread::hardware_concurrency()),
                                      [&](uint64_t n) { progress(n, total); });
    if (!written.ok()) return Fail(written.status().message());
    std::ofstream(shape_path) << args.events << "\n";
    std::fprintf(stderr, "probity-bench: signed %llu events in %.1f s (not timed)\n",
                 static_cast<unsigned long long>(*written), Seconds(start));
  }

  Ledger::Options options;
  options.rules = &Rules();
  if (args.server) {
    if (int failed = AppendThroughServer(args, out, limit, events_path, store_dir)) return failed;
    auto ledger = Ledger::Open(store_dir, Store::Mode::kReadOnly, options);
    if (!ledger.ok()) return Fail(ledger.status().message());
    Scan scan;
    StoreFigures(out, **ledger, store_dir, &scan);
    out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B",
            "this process, not the server");
    ledger->reset();
    if (temporary) fs::remove_all(args.dir);
    out.Print(args.json, "append");
    return 0;
  }
  auto ledger = Ledger::Init(store_dir, bench::AdminKey(), bench::kOrigin, {}, options);
  if (!ledger.ok()) return Fail(ledger.status().message());
  auto reader = bench::EventReader::Open(events_path);
  if (!reader.ok()) return Fail(reader.status().message());
  std::vector<double> latencies;
  double submitting = 0;
  uint64_t appended = 0;
  auto wall = Clock::now();
  auto progress = Progress("appended");
  for (;;) {
    std::vector<Envelope> batch;
    while (batch.size() < args.batch) {
      auto next = reader->Next();
      if (!next.ok()) return Fail(next.status().message());
      if (!next->has_value()) break;
      batch.push_back(std::move(**next));
    }
    if (batch.empty()) break;
    SubmitError error;
    auto start = Clock::now();
    auto receipts = (*ledger)->Submit(batch, &error);
    double s = Seconds(start);
    if (!receipts.ok()) {
      return Fail("event " + std::to_string(appended + error.index + 1) +
                  " refused: " + error.status.message());
    }
    submitting += s;
    latencies.push_back(s * 1000);
    appended += batch.size();
    progress(appended, args.events);
  }
  double wall_s = Seconds(wall);
  double rate = static_cast<double>(appended) / submitting;
  out.Add("batch", static_cast<double>(args.batch), "events", "each batch one synced write");
  out.Add("eventsPerSecond", rate, "/s", "through Ledger::Submit (time inside Submit)");
  out.Add("ratioToLimit", rate / limit, "", "of the verify limit");
  out.Add("wallEventsPerSecond", static_cast<double>(appended) / wall_s, "/s",
          "with reading the events file");
  out.Add("p50Ms", Percentile(latencies, 0.5), "ms", "a batch, submitted to durable receipt");
  out.Add("p99Ms", Percentile(latencies, 0.99), "ms");
  Scan scan;
  StoreFigures(out, **ledger, store_dir, &scan);
  if (args.peer == "postgres") {
    auto peer = RunPeer(events_path, args.batch);
    if (!peer) return Fail("the PostgreSQL peer failed (tools/bench/peer_postgres)");
    double best = JsonNumber(*peer, "bestEventsPerSecond").value_or(0);
    out.Add("peerEventsPerSecond", best, "/s", "PostgreSQL 15, hash-chained table, best setup");
    out.Add("ratioToPeer", best > 0 ? rate / best : 0);
    out.Add("peerVerifyPerSecond", JsonNumber(*peer, "verifyEventsPerSecond").value_or(0), "/s");
    out.Add("peerBytesPerEvent", JsonNumber(*peer, "bytesPerEvent").value_or(0), "B");
  }
  out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B");
  ledger->reset();
  if (temporary) fs::remove_all(args.dir);
  out.Print(args.json, "append");
  return 0;
}

int Verify(const Args& args) {
  auto run = Begin(args, Store::Mode::kReadOnly);
  if (!run) return 1;
  auto& [out, limit, ledger, scan] = *run;
  VerifyOptions options;
  options.rules = &Rules();
  options.progress = Progress("verified");
  auto start = Clock::now();
  auto report = VerifyLedger(*ledger, options);
  double s = Seconds(start);
  if (!report.ok()) return Fail(report.status().message());
  if (!report->ok()) return Fail("verify failed: " + report->problem);
  double rate = static_cast<double>(report->size) / s;
  out.Add("seconds", s, "s");
  out.Add("eventsPerSecond", rate, "/s", "verify: every signature, authority, rule and record");
  out.Add("ratioToLimit", rate / limit, "", "of the verify limit");
  out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B");
  out.Print(args.json, "verify");
  return 0;
}

int Rebuild(const Args& args) {
  auto run = Begin(args, Store::Mode::kReadWrite);
  if (!run) return 1;
  auto& [out, limit, ledger, scan] = *run;
  double scan_rate = scan.seconds > 0 ? static_cast<double>(scan.entries) / scan.seconds : 0;
  auto start = Clock::now();
  Status st = ledger->Rebuild(Progress("rebuilt"));
  double s = Seconds(start);
  if (!st.ok()) return Fail(st.message());
  double rate = static_cast<double>(ledger->size()) / s;
  out.Add("seconds", s, "s");
  out.Add("eventsPerSecond", rate, "/s", "rebuild: every projection and index folded again");
  out.Add("ratioToLimit", scan_rate > 0 ? rate / scan_rate : 0, "", "of the raw scan");
  out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B");
  out.Print(args.json, "rebuild");
  return 0;
}

int Prove(const Args& args) {
  auto run = Begin(args, Store::Mode::kReadOnly);
  if (!run) return 1;
  auto& [out, limit, ledger, scan] = *run;
  uint64_t size = ledger->size();
  std::mt19937_64 rng(42);
  size_t k = args.samples ? args.samples : 2000;
  std::vector<double> inclusion, consistency;
  for (size_t i = 0; i < k; ++i) {
    uint64_t seq = rng() % size;
    auto start = Clock::now();
    auto proof = ledger->InclusionProof(seq, size);
    inclusion.push_back(Seconds(start) * 1e6);
    if (!proof.ok()) return Fail(proof.status().message());
    uint64_t old = 1 + rng() % size;
    start = Clock::now();
    auto cons = ledger->ConsistencyProof(old, size);
    consistency.push_back(Seconds(start) * 1e6);
    if (!cons.ok()) return Fail(cons.status().message());
  }
  out.Add("samples", static_cast<double>(k));
  out.Add("inclusionP50Us", Percentile(inclusion, 0.5), "us", "an inclusion proof, random seq");
  out.Add("inclusionP99Us", Percentile(inclusion, 0.99), "us");
  out.Add("p50Us", Percentile(consistency, 0.5), "us", "a consistency proof, random old size");
  out.Add("p99Us", Percentile(consistency, 0.99), "us");
  out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B");
  out.Print(args.json, "prove");
  return 0;
}

// Milliseconds `command` took to run, or a negative number when it failed.
double RunTimed(const std::string& command) {
  auto start = Clock::now();
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  double ms = Seconds(start) * 1000;
  return status == 0 ? ms : -1;
}

int Read(const Args& args) {
  auto run = Begin(args, Store::Mode::kReadOnly);
  if (!run) return 1;
  auto& [out, limit, ledger, scan] = *run;
  std::string have;
  if (std::ifstream in(args.dir + "/events.n"); in) std::getline(in, have);
  if (have.empty()) return Fail(args.dir + "/events.n is missing: fill the store with append");
  auto shape = bench::ShapeOf(std::stoull(have));
  std::mt19937_64 rng(7);
  size_t k = args.samples ? args.samples : 200;
  std::vector<double> record, eligibility, roster, cold;
  auto view = ledger->View();
  for (size_t i = 0; i < k; ++i) {
    std::string person = "P" + std::to_string(1 + rng() % shape.persons);
    auto start = Clock::now();
    auto r = ReplayRecord(view, person, AsOf{}, false);
    record.push_back(Seconds(start) * 1000);
    if (!r.ok()) return Fail("record " + person + ": " + r.status().message());
  }
  for (size_t i = 0; i < std::max<size_t>(3, k / 40); ++i) {
    auto start = Clock::now();
    auto e = Eligibility(view, 2019 + static_cast<int>(i % 2), false);
    eligibility.push_back(Seconds(start) * 1000);
    if (!e.ok()) return Fail("eligibility: " + e.status().message());
    start = Clock::now();
    auto r = Roster(view, i % 2 ? "2019-09-10" : "2020-06-01", std::nullopt);
    roster.push_back(Seconds(start) * 1000);
    if (!r.ok()) return Fail("roster: " + r.status().message());
  }
  fs::path probity = fs::read_symlink("/proc/self/exe").parent_path() / "probity";
  for (size_t i = 0; i < std::max<size_t>(5, k / 10); ++i) {
    double ms = RunTimed("'" + probity.string() + "' --data '" + args.dir + "/store' checkpoint");
    if (ms < 0) return Fail("'probity checkpoint' failed on " + args.dir + "/store");
    cold.push_back(ms);
  }
  out.Add("recordP50Ms", Percentile(record, 0.5), "ms", "a person's record replayed");
  out.Add("recordP99Ms", Percentile(record, 0.99), "ms");
  out.Add("eligibilityP50Ms", Percentile(eligibility, 0.5), "ms", "eligibility for a year");
  out.Add("eligibilityP99Ms", Percentile(eligibility, 0.99), "ms");
  out.Add("rosterP50Ms", Percentile(roster, 0.5), "ms", "the roster of every city on a date");
  out.Add("rosterP99Ms", Percentile(roster, 0.99), "ms");
  out.Add("coldCheckpointP50Ms", Percentile(cold, 0.5), "ms", "a 'probity checkpoint' process");
  out.Add("coldCheckpointP99Ms", Percentile(cold, 0.99), "ms");
  out.Add("peakRssBytes", static_cast<double>(PeakRssBytes()), "B");
  out.Print(args.json, "read");
  return 0;
}

constexpr char kUsage[] = R"(usage: probity-bench COMMAND [options]

Measures probity on this machine, each figure beside the machine's own limit measured in
the same run (Ed25519 verification with OpenSSL and libsodium, fdatasync, a raw RocksDB
scan). Prints a table, or with --json one JSON object.

commands:
  append    sign the workload once (not timed; kept in DIR/events.bin), then append it
            to a new store DIR/store through Ledger::Submit in batches
  verify    'probity verify' of DIR/store, timed
  rebuild   'probity rebuild' of DIR/store, timed
  prove     inclusion and consistency proofs at random points
  read      a person's record, eligibility for a year, the roster on a date, and a cold
            'probity checkpoint' process

options:
  --events N       append: how many events (default 20000)
  --batch B        append: events per Submit, each one synced write (default 1000)
  --server         append: through 'probity serve' on loopback instead (the set-up in
                   process first), C clients each sending signed requests of P persons
  --clients C      with --server: concurrent clients (default 32)
  --per-request P  with --server: persons a request, about 9 events each (default 1)
  --dir D          where the store is (append: made there; default a temporary
                   directory, removed after)
  --samples K      prove, read: how many samples
  --peer postgres  append: the same events through tools/bench/peer_postgres too
  --json           one JSON object on stdout

A run at national scale, one store for every command:
  probity-bench append --events 10000000 --dir /var/tmp/pb
  probity-bench verify --dir /var/tmp/pb
)";

}  // namespace
}  // namespace probity

int main(int argc, char** argv) {
  using probity::Args;
  Args args;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(probity::kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "probity-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto number = [&]() -> uint64_t {
      std::string v = value();
      if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos) {
        std::fprintf(stderr, "probity-bench: %s needs a whole number, not '%s'\n", a.c_str(),
                     v.c_str());
        std::exit(2);
      }
      return std::stoull(v);
    };
    if (a == "--events")
      args.events = number();
    else if (a == "--batch")
      args.batch = std::max<size_t>(1, number());
    else if (a == "--samples")
      args.samples = number();
    else if (a == "--dir")
      args.dir = value();
    else if (a == "--peer")
      args.peer = value();
    else if (a == "--server")
      args.server = true;
    else if (a == "--clients")
      args.clients = static_cast<unsigned>(std::clamp<uint64_t>(number(), 1, 1024));
    else if (a == "--per-request")
      args.per_request = static_cast<unsigned>(std::clamp<uint64_t>(number(), 1, 1000));
    else if (a == "--json")
      args.json = true;
    else if (a == "--help") {
      std::fputs(probity::kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "probity-bench: unknown option %s (see probity-bench --help)\n",
                   a.c_str());
      return 2;
    }
  }
  if (!args.peer.empty() && args.peer != "postgres") {
    std::fprintf(stderr, "probity-bench: --peer takes 'postgres', not '%s'\n", args.peer.c_str());
    return 2;
  }
  if (args.command == "append") return probity::Append(args);
  if (args.dir.empty()) {
    std::fprintf(stderr, "probity-bench: %s needs --dir D (a store filled by append)\n",
                 args.command.c_str());
    return 2;
  }
  if (args.command == "verify") return probity::Verify(args);
  if (args.command == "rebuild") return probity::Rebuild(args);
  if (args.command == "prove") return probity::Prove(args);
  if (args.command == "read") return probity::Read(args);
  std::fprintf(stderr, "probity-bench: unknown command '%s' (see probity-bench --help)\n",
               args.command.c_str());
  return 2;
}
