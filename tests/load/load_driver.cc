// probity-load: a load test of `probity serve` (issue 9). C clients (default 32) submit
// signed events over loopback HTTP to the real binary for D seconds; the server is
// SIGKILLed K times at seeded moments (restarted after each kill but the last, when the
// clients resubmit what went unanswered), then the store is checked: `probity verify`
// passes, seqs 0..N-1 are all there, no seq is in two fresh receipts, and every receipt
// names a stored entry with its leaf hash and its event. Before that, the first server
// dies right after its first durable commit, before sending any receipt of it: every
// event of that commit must come back as a duplicate receipt when resubmitted. Prints figures; exit
// 1 names the first property violated, exit 2 a usage error.
//
//   probity-load [--clients C] [--seconds D] [--kills K] [--per-request B] [--seed S]
//                [--probity PATH] [--keep]
//
// PROBITY_LOAD_SECONDS overrides --seconds. Each client is an HR key of its own; each
// request carries B personRegistered events for new persons, with ids load-C-N. One
// keep-alive connection a client, plain blocking sockets; a request that fails (reset,
// refused, 503) is sent again with the same envelopes, newly signed, as docs/api.md
// says, so its receipts may come back "duplicate". The kill moments come from --seed;
// the timing of requests is the machine's.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/entry.h"
#include "ledger/json.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "projections/program.h"
#include "server/http_signature.h"
#include "tools/bench/loopback.h"

extern char** environ;

namespace probity::load {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr char kOrigin[] = "load.probity.local/run";

struct Options {
  unsigned clients = 32;
  double seconds = 60;
  unsigned kills = 1;
  unsigned per_request = 1;
  uint64_t seed = 1;
  std::string probity;  // the binary; default: beside this one
  bool keep = false;    // keep the work directory
};

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

// The key whose seed is SHA-256("probity-load " + name): the same every run.
PrivateKey KeyNamed(const std::string& name) {
  auto key = PrivateKey::FromSeed(Sha256(AsBytes("probity-load " + name)));
  if (!key.ok()) std::abort();  // a 32-byte seed always makes a key
  return std::move(*key);
}

std::string ClientKeyName(unsigned c) { return "hr-" + std::to_string(c); }

// A fresh store in `dir`: genesis (the admin key), unit U1 and one HR key a client, in
// one batch. Returns the store's size.
Result<uint64_t> MakeStore(const std::string& dir, unsigned clients, const Rules& rules) {
  Ledger::Options options;
  options.rules = &rules;
  auto ledger = Ledger::Init(dir, KeyNamed("admin"), kOrigin, {}, options);
  if (!ledger.ok()) return ledger.status().WithContext("init");
  EventCodec codec;
  std::vector<std::string> lines = {
      R"({"type":"unitRegistered","id":"setup-U1","unit":"U1","name":"Load unit",)"
      R"("kind":"ministryDepartment"})"};
  for (unsigned c = 0; c < clients; ++c) {
    lines.push_back(R"({"type":"keyRegistered","id":"setup-)" + ClientKeyName(c) +
                    R"(","publicKey":)" + JsonQuote(KeyNamed(ClientKeyName(c)).Public().ToPem()) +
                    R"(,"holder":"load client )" + std::to_string(c) + R"(","role":"hr"})");
  }
  std::vector<Envelope> batch;
  PrivateKey admin = KeyNamed("admin");
  for (const auto& line : lines) {
    auto body = codec.Parse(line);
    if (!body.ok()) return body.status().WithContext("setup event");
    batch.push_back(SignEnvelope(*body, kOrigin, admin));
  }
  SubmitError error;
  auto receipts = (*ledger)->Submit(batch, &error);
  if (!receipts.ok()) return error.status.WithContext("setup batch");
  return (*ledger)->size();
}

using bench::Connection;
using bench::Reply;
using bench::ServerProcess;

struct Ack {
  std::string id;
  uint64_t seq = 0;
  Hash leaf{};
  bool duplicate = false;
};

// What one client did and saw; written by its thread only, read after the join.
struct ClientLog {
  std::vector<std::string> sent_ids;      // every event id ever sent
  std::vector<std::vector<Ack>> answers;  // the receipts of each 200 answer, in order
  std::vector<double> latency_ms;         // of answers to a request's first attempt
  uint64_t resubmitted = 0, answered_503 = 0;
  std::string fatal;  // an answer no correct server gives
};

struct Shared {
  std::atomic<uint16_t> port{0};  // 0 while the server is down
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::atomic<int> in_flight{0};  // requests written and not yet answered
};

// The receipts of {"receipts":[{"seq","leafHash","duplicate"}...]} for `ids`, in order.
Result<std::vector<Ack>> ParseReceipts(const std::string& body,
                                       const std::vector<std::string>& ids) {
  json::Parser parser;
  auto doc = parser.Parse(body);
  if (!doc.ok()) return doc.status();
  json::Array list;
  if ((*doc)["receipts"].get(list) != simdjson::SUCCESS) return Status::Invalid("no 'receipts'");
  std::vector<Ack> out;
  for (auto e : list) {
    Ack a;
    std::string_view leaf;
    if (out.size() >= ids.size() || e["seq"].get(a.seq) != simdjson::SUCCESS ||
        e["leafHash"].get(leaf) != simdjson::SUCCESS ||
        e["duplicate"].get(a.duplicate) != simdjson::SUCCESS)
      return Status::Invalid("a receipt too many, or one without seq, leafHash or duplicate");
    auto hash = HexDecode(leaf);
    if (!hash.ok() || hash->size() != a.leaf.size()) return Status::Invalid("a bad leafHash");
    std::copy(hash->begin(), hash->end(), a.leaf.begin());
    a.id = ids[out.size()];
    out.push_back(std::move(a));
  }
  if (out.size() != ids.size()) return Status::Invalid("fewer receipts than envelopes");
  return out;
}

// The body of a client's next request: `per_request` new persons, one envelope a line.
std::string NextBody(unsigned client, uint64_t& next, unsigned per_request, const PrivateKey& key,
                     const EventCodec& codec, std::vector<std::string>& ids) {
  std::string body;
  ids.clear();
  for (unsigned i = 0; i < per_request; ++i, ++next) {
    std::string n = std::to_string(client) + "-" + std::to_string(next);
    ids.push_back("load-" + n);
    auto event =
        codec.Parse(R"({"type":"personRegistered","id":")" + ids.back() + R"(","person":"L)" + n +
                    R"(","name":"Load person )" + n + R"(","unit":"U1","category":"contract"})");
    if (!event.ok()) std::abort();  // our own JSON: a bug here
    body += EnvelopeToJson(SignEnvelope(*event, kOrigin, key), codec) + "\n";
  }
  return body;
}

// A client: submits until told to stop; a request that gets no answer or a 503 is sent
// again with the same body (newly signed, in a later second so that the signature is not
// a replay) until it is answered.
void RunClient(unsigned client, const Options& options, const PrivateKey& key,
               const EventCodec& codec, Shared& shared, ClientLog& log) {
  Connection conn;
  uint64_t next = 0;
  std::string body;
  std::vector<std::string> ids;
  bool first_attempt = true;
  int64_t last_created = 0;
  while (!shared.stop.load()) {
    if (body.empty()) {
      body = NextBody(client, next, options.per_request, key, codec, ids);
      log.sent_ids.insert(log.sent_ids.end(), ids.begin(), ids.end());
      first_attempt = true;
    }
    uint16_t port = shared.port.load();
    int64_t now = ::time(nullptr);
    if (port == 0 || (!first_attempt && now == last_created) || !conn.OpenTo(port)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    std::string authority = "127.0.0.1:" + std::to_string(port);
    auto h = httpsig::SignRequest("POST", "http://" + authority + "/v1/events", body, key, now);
    if (!h.ok()) std::abort();  // a fixed, valid method and URI
    std::string request =
        "POST /v1/events HTTP/1.1\r\nHost: " + authority +
        "\r\nContent-Type: application/jsonl\r\nSignature-Input: " + h->signature_input +
        "\r\nSignature: " + h->signature + "\r\nContent-Digest: " + h->content_digest +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    last_created = now;
    auto start = Steady::now();
    ++shared.in_flight;
    auto reply = conn.Exchange(request);
    --shared.in_flight;
    if (!reply || reply->status == 503) {
      if (reply) ++log.answered_503;
      ++log.resubmitted;
      first_attempt = false;
      continue;
    }
    auto acks = reply->status == 200 ? ParseReceipts(reply->body, ids)
                                     : Result<std::vector<Ack>>(Status::Invalid("status"));
    if (!acks.ok()) {
      log.fatal = "client " + std::to_string(client) + " got " + std::to_string(reply->status) +
                  " (" + acks.status().message() + "): " + reply->body.substr(0, 300);
      shared.failed = true;
      return;
    }
    if (first_attempt) log.latency_ms.push_back(Since(start) * 1000);
    log.answers.push_back(std::move(*acks));
    body.clear();
  }
}

// ---- the checks ----

struct StoreFacts {
  uint64_t size = 0, fresh = 0, duplicates = 0, landed_unacknowledged = 0;
  uint64_t commit_kill_events = 0;  // committed when the server died, receipts unsent
  double verify_s = 0, check_s = 0;
};

// Runs `probity --data DIR verify`; Ok when it exits 0.
Status RunVerify(const Options& options, const std::string& data_dir, const std::string& out) {
  std::string command =
      "'" + options.probity + "' --data '" + data_dir + "' verify >'" + out + "' 2>&1";
  int rc = std::system(command.c_str());
  if (rc == 0) return Status::Ok();
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return Status::Corrupt("probity verify failed (status " + std::to_string(rc) + "): " + text);
}

// The properties `probity verify` does not know of, on the store as the last kill left it:
// the log against the receipts the clients were given.
Status CheckStore(const std::string& data_dir, uint64_t setup_size, uint64_t commit_kill_size,
                  const std::vector<ClientLog>& logs, const Rules& rules, StoreFacts& facts) {
  Ledger::Options lo;
  lo.rules = &rules;
  auto ledger = Ledger::Open(data_dir, Store::Mode::kReadOnly, lo);
  if (!ledger.ok()) return ledger.status().WithContext("opening the store read-only");
  LedgerView view = (*ledger)->View();
  const uint64_t n = view.size();
  facts.size = n;
  // No gap: every seq below the size holds an entry that says so, and none above.
  std::vector<Hash> leaf(n);
  std::vector<std::string> id_at(n);
  std::map<std::string, uint64_t> seq_of;
  for (uint64_t seq = 0; seq < n; ++seq) {
    auto bytes = view.ReadEntryBytes(seq);
    if (!bytes.ok()) return Status::Corrupt("gap: seq " + std::to_string(seq) + " missing");
    auto entry = DecodeEntry(*bytes);
    if (!entry.ok() || entry->seq != seq)
      return Status::Corrupt("gap: the entry at seq " + std::to_string(seq) + " is another");
    auto event = EventView::FromCanonical(entry->envelope.body);
    if (!event.ok()) return event.status().WithContext("seq " + std::to_string(seq));
    leaf[seq] = merkle::LeafHash(*bytes);
    id_at[seq] = event->reader().getId().cStr();
    if (!seq_of.emplace(id_at[seq], seq).second)
      return Status::Corrupt("id " + id_at[seq] + " stored twice");
  }
  if (view.ReadEntryBytes(n).ok())
    return Status::Corrupt("an entry beyond the size " + std::to_string(n));
  // Receipts: each names its event's entry and leaf hash; no seq in two fresh ones.
  std::set<uint64_t> fresh_seqs;
  std::set<std::string> acknowledged, acknowledged_as_duplicate, sent;
  for (const auto& log : logs) {
    sent.insert(log.sent_ids.begin(), log.sent_ids.end());
    for (const auto& answer : log.answers) {
      for (size_t i = 0; i < answer.size(); ++i) {
        const Ack& a = answer[i];
        std::string what = "receipt of " + a.id + " (seq " + std::to_string(a.seq) + ")";
        if (a.seq >= n)
          return Status::Corrupt(what + ": beyond the log's size " + std::to_string(n));
        if (id_at[a.seq] != a.id) return Status::Corrupt(what + ": the seq holds " + id_at[a.seq]);
        if (leaf[a.seq] != a.leaf) return Status::Corrupt(what + ": another leaf hash is stored");
        if (a.duplicate) {
          ++facts.duplicates;
          acknowledged_as_duplicate.insert(a.id);
        } else {
          ++facts.fresh;
          if (!fresh_seqs.insert(a.seq).second)
            return Status::Corrupt(what + ": the seq is in two fresh receipts");
          if (i > 0 && !answer[i - 1].duplicate && answer[i - 1].seq + 1 != a.seq)
            return Status::Corrupt(what + ": one request's events are not consecutive");
        }
        acknowledged.insert(a.id);
      }
    }
  }
  // The commit whose receipts were never sent (the server died right after it): each of
  // its events was answered when resubmitted, as a duplicate of its stored seq.
  if (commit_kill_size <= setup_size)
    return Status::Corrupt("the server died after its first commit, yet nothing was committed");
  if (n < commit_kill_size)
    return Status::Corrupt("the log holds " + std::to_string(n) + " entries, fewer than the " +
                           std::to_string(commit_kill_size) + " committed before the first kill");
  for (uint64_t seq = setup_size; seq < commit_kill_size; ++seq) {
    if (!acknowledged_as_duplicate.count(id_at[seq]))
      return Status::Corrupt("seq " + std::to_string(seq) + " (" + id_at[seq] +
                             "), committed just before the server died, was never "
                             "acknowledged as a duplicate when resubmitted");
  }
  facts.commit_kill_events = commit_kill_size - setup_size;
  // Every entry after the setup is an event a client sent.
  for (uint64_t seq = setup_size; seq < n; ++seq) {
    if (!sent.count(id_at[seq]))
      return Status::Corrupt("seq " + std::to_string(seq) + " holds " + id_at[seq] +
                             ", which no client sent");
    if (!acknowledged.count(id_at[seq])) ++facts.landed_unacknowledged;
  }
  return Status::Ok();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::string LoadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

struct Timeline {
  double load_s = 0, down_s = 0;
  std::vector<int> in_flight_at_kill;
  uint64_t commit_kill_size = 0;  // the log's size when the first commit killed the server
};

// Starts the server, runs the clients, kills (and restarts) the server on schedule.
Status RunLoad(const Options& options, const std::string& data_dir, const std::string& log_path,
               std::vector<ClientLog>& logs, Timeline& timeline) {
  std::vector<PrivateKey> keys;
  for (unsigned c = 0; c < options.clients; ++c) keys.push_back(KeyNamed(ClientKeyName(c)));
  EventCodec codec;
  Shared shared;
  ServerProcess server(options.probity, data_dir, log_path);
  // The first server dies right after its first durable commit, before any receipt of it:
  // the requests in that commit are answered only when resubmitted, as duplicates.
  PROBITY_RETURN_IF_ERROR(server.Start(/*kill_after_commit=*/true));
  shared.port = server.port();
  std::vector<std::thread> threads;
  auto start = Steady::now();
  for (unsigned c = 0; c < options.clients; ++c) {
    threads.emplace_back(RunClient, c, std::cref(options), std::cref(keys[c]), std::cref(codec),
                         std::ref(shared), std::ref(logs[c]));
  }
  while (!server.Exited() && Since(start) < 30)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  Status status;
  if (!server.Exited()) {
    status = Status::Unavailable("the server did not die after its first commit");
  } else {
    shared.port = 0;
    {
      static const ProgramRules rules;
      Ledger::Options lo;
      lo.rules = &rules;
      auto ledger = Ledger::Open(data_dir, Store::Mode::kReadOnly, lo);
      if (!ledger.ok()) return ledger.status().WithContext("the store after the commit kill");
      timeline.commit_kill_size = (*ledger)->size();
    }
    status = server.Start();
    if (status.ok()) shared.port = server.port();
  }
  // Kill k (1..K) at a seeded moment in the second half of the k-th K-th of the run.
  std::mt19937_64 random(options.seed);
  std::uniform_real_distribution<double> half(0.5, 1.0);
  auto wait_until = [&](double t) {
    while (Since(start) < t && !shared.failed)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  };
  const double slice = options.seconds / std::max(1u, options.kills);
  for (unsigned k = 0; k < options.kills && !shared.failed && status.ok(); ++k) {
    wait_until(slice * (k + half(random)));
    timeline.in_flight_at_kill.push_back(shared.in_flight.load());
    server.Kill();
    shared.port = 0;
    if (k + 1 == options.kills) break;
    auto down = Steady::now();
    status = server.Start();
    timeline.down_s += Since(down);
    if (!status.ok()) break;
    shared.port = server.port();
  }
  if (options.kills == 0 && status.ok()) wait_until(options.seconds);
  timeline.load_s = Since(start);
  shared.stop = true;
  for (auto& t : threads) t.join();
  for (const auto& log : logs) {
    if (!log.fatal.empty()) return Status::Corrupt("an unexpected answer: " + log.fatal);
  }
  PROBITY_RETURN_IF_ERROR(status.WithContext("restarting the server"));
  return options.kills == 0 ? server.Stop().WithContext("stopping the server") : Status::Ok();
}

void PrintSummary(const Options& options, const Timeline& t, const std::vector<ClientLog>& logs,
                  const StoreFacts& facts, uint64_t setup_size) {
  std::vector<double> latency;
  uint64_t answers = 0, resubmitted = 0, answered_503 = 0;
  for (const auto& log : logs) {
    latency.insert(latency.end(), log.latency_ms.begin(), log.latency_ms.end());
    answers += log.answers.size();
    resubmitted += log.resubmitted;
    answered_503 += log.answered_503;
  }
  std::string in_flight;
  for (int n : t.in_flight_at_kill)
    in_flight += (in_flight.empty() ? "" : ", ") + std::to_string(n);
  std::printf(
      "probity-load: %u cores, %u clients, %u event(s) a request, %.0f s asked, %u kill(s), "
      "seed %llu\n",
      std::max(1u, std::thread::hardware_concurrency()), options.clients, options.per_request,
      options.seconds, options.kills, static_cast<unsigned long long>(options.seed));
  std::printf("  load ran                 %8.1f s (server down %.2f s for restarts)\n", t.load_s,
              t.down_s);
  std::printf("  requests answered 200    %8llu (resubmitted %llu, of them 503: %llu)\n",
              static_cast<unsigned long long>(answers),
              static_cast<unsigned long long>(resubmitted),
              static_cast<unsigned long long>(answered_503));
  std::printf("  receipts                 %8llu fresh, %llu duplicate\n",
              static_cast<unsigned long long>(facts.fresh),
              static_cast<unsigned long long>(facts.duplicates));
  std::printf("  acknowledged events/s    %8.0f\n", static_cast<double>(facts.fresh) / t.load_s);
  std::printf("  latency p50/p99/max      %8.1f / %.1f / %.1f ms (%zu first attempts)\n",
              Percentile(latency, 0.5), Percentile(latency, 0.99), Percentile(latency, 1.0),
              latency.size());
  std::printf("  in flight at each kill   %8s\n", in_flight.empty() ? "-" : in_flight.c_str());
  std::printf(
      "  killed after a commit    %8llu event(s) stored, receipts unsent; each answered "
      "as a duplicate on resubmission\n",
      static_cast<unsigned long long>(facts.commit_kill_events));
  std::printf("  landed, receipt lost     %8llu (in flight at the last kill)\n",
              static_cast<unsigned long long>(facts.landed_unacknowledged));
  std::printf("  store                    %8llu entries (%llu setup)\n",
              static_cast<unsigned long long>(facts.size),
              static_cast<unsigned long long>(setup_size));
  std::printf("  probity verify, checks   %8.1f s, %.1f s\n", facts.verify_s, facts.check_s);
}

int Run(const Options& options) {
  std::printf("probity-load: load average before: %s\n", LoadAverage().c_str());
  std::fflush(stdout);
  static const ProgramRules rules;
  fs::path work = fs::temp_directory_path() / ("probity-load-" + std::to_string(::getpid()));
  fs::create_directories(work);
  std::string data_dir = (work / "store").string(), log_path = (work / "serve.log").string();
  // On failure: the property, the seed, the server's last words; the work directory goes
  // unless --keep.
  auto fail = [&](const std::string& what, const Status& st) {
    std::ifstream f(log_path);
    std::string line;
    std::vector<std::string> tail;
    while (std::getline(f, line)) {
      tail.push_back(line);
      if (tail.size() > 20) tail.erase(tail.begin());
    }
    std::cerr << "--- the server's log, last lines:\n";
    for (const auto& l : tail) std::cerr << l << "\n";
    std::cerr << "FAIL [load]: " << what << ": " << st.message() << " (seed " << options.seed
              << (options.keep ? "; work directory " + work.string() + " kept" : "") << ")\n";
    if (!options.keep) fs::remove_all(work);
    return 1;
  };
  auto setup_size = MakeStore(data_dir, options.clients, rules);
  if (!setup_size.ok()) return fail("making the store", setup_size.status());
  std::vector<ClientLog> logs(options.clients);
  Timeline timeline;
  Status st = RunLoad(options, data_dir, log_path, logs, timeline);
  if (!st.ok()) return fail("the load", st);
  StoreFacts facts;
  auto phase = Steady::now();
  st = RunVerify(options, data_dir, (work / "verify.txt").string());
  if (!st.ok()) return fail("verify passes", st);
  facts.verify_s = Since(phase);
  phase = Steady::now();
  st = CheckStore(data_dir, *setup_size, timeline.commit_kill_size, logs, rules, facts);
  if (!st.ok()) return fail("the store after the kill", st);
  facts.check_s = Since(phase);
  PrintSummary(options, timeline, logs, facts, *setup_size);
  if (facts.fresh == 0) return fail("load", Status::Corrupt("no event was acknowledged"));
  std::printf(
      "  checks: `probity verify` passes; seqs 0..%llu contiguous; ids unique;"
      " no seq in two fresh receipts; every receipt stored with its leaf hash and event;"
      " every entry sent by a client; the commit whose receipts died with the server"
      " acknowledged on resubmission: ok\n",
      static_cast<unsigned long long>(facts.size) - 1);
  if (!options.keep) fs::remove_all(work);
  return 0;
}

}  // namespace
}  // namespace probity::load

int main(int argc, char** argv) {
  probity::load::Options options;
  auto usage = [] {
    std::cerr << "usage: probity-load [--clients C] [--seconds D] [--kills K] [--per-request B] "
                 "[--seed S] [--probity PATH] [--keep]\n";
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keep") {
      options.keep = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    bool number =
        !v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == std::string::npos;
    if (a == "--probity") {
      options.probity = v;
    } else if (!number) {
      return usage();
    } else if (a == "--clients") {
      options.clients = std::max(1u, static_cast<unsigned>(std::stoul(v)));
    } else if (a == "--seconds") {
      options.seconds = std::max(1.0, std::stod(v));
    } else if (a == "--kills") {
      options.kills = static_cast<unsigned>(std::stoul(v));
    } else if (a == "--per-request") {
      options.per_request = std::max(1u, static_cast<unsigned>(std::stoul(v)));
    } else if (a == "--seed") {
      options.seed = std::stoull(v);
    } else {
      return usage();
    }
  }
#if defined(__SANITIZE_ADDRESS__)
  // tools/sanitize runs every test again with ASan, where everything (verify too) runs
  // several times slower: a third of the time there.
  options.seconds = std::min(options.seconds, 20.0);
#endif
  if (const char* s = std::getenv("PROBITY_LOAD_SECONDS"); s && std::atof(s) >= 1)
    options.seconds = std::atof(s);
  if (options.probity.empty()) {
    std::error_code ec;
    options.probity =
        (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "probity").string();
  }
  options.probity = std::filesystem::absolute(options.probity).string();
  if (::access(options.probity.c_str(), X_OK) != 0) {
    std::cerr << "probity-load: no probity binary at " << options.probity << " (--probity)\n";
    return 2;
  }
  ::unsetenv("PROBITY_TEST_KILL_AFTER_COMMIT");
  return probity::load::Run(options);
}
