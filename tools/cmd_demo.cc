// demo: a fresh store loaded with a deterministic run of the program (tools/demo_plan.h),
// every event signed by a key of the right role and appended through Ledger::Submit,
// so the demo passes the same checks as real use; then a short tour of what it holds.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "ledger/verify.h"
#include "ledger/witness.h"
#include "projections/reports.h"
#include "tools/commands.h"
#include "tools/demo_plan.h"
#include "tools/record_view.h"
#include "tools/terminal.h"

namespace probity::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kDemoMarker[] = ".probity-demo";
constexpr char kOrigin[] = "demo.probity.local/blue-sky-2019";
constexpr size_t kMaxBatch = 4000;  // events per Submit
constexpr int kWindowDays = 7;      // a Submit holds at most a week of business days

// Keys derived from fixed seeds, public ones, so two demo runs build byte-identical logs
// and sign byte-identical checkpoints: the signers' keys, the witness's and the ledger's
// checkpoint key ("checkpoint", which Ledger::Init makes from its seed).
Hash DemoSeed(const std::string& name) { return Sha256(AsBytes("probity demo key: " + name)); }

PrivateKey DemoKey(const std::string& name) {
  auto key = PrivateKey::FromSeed(DemoSeed(name));
  if (!key.ok()) std::abort();  // a 32-byte seed always makes a key
  return std::move(*key);
}

// 18:00 China Standard Time on `day`, in microseconds since the epoch.
int64_t EveningOf(Day day) { return (static_cast<int64_t>(day) * 86400 + 10 * 3600) * 1000000; }

// A clock the demo sets to each batch's business days; it ticks one second per reading.
struct DemoClock {
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(EveningOf(*ParseDay("2019-04-14")));
  Clock clock() const {
    auto t = now;
    return [t]() { return *t += 1000000; };
  }
  void Set(int64_t micros) { *now = std::max(*now, micros); }
};

std::string KeyEvent(const PrivateKey& key, const demo::KeySpec& spec) {
  std::string scope;
  if (!spec.unit.empty()) scope += ",\"unit\":" + JsonQuote(spec.unit);
  if (!spec.person.empty()) scope += ",\"person\":" + JsonQuote(spec.person);
  return "{\"type\":\"keyRegistered\",\"publicKey\":" + JsonQuote(key.Public().ToPem()) +
         ",\"holder\":" + JsonQuote(spec.holder) + ",\"role\":\"" + spec.role + "\"" + scope + "}";
}

Status Prepare(const std::string& dir) {
  std::error_code exists_ec;
  if (fs::exists(dir + "/db", exists_ec)) {
    if (!fs::exists(dir + "/" + kDemoMarker, exists_ec)) {
      return Status::Refused("a store that is not a demo store is at " + dir +
                             "; pass --data with a new directory");
    }
    std::error_code ec;
    for (const char* name : {"db", "demo-keys", "demo-witness", "demo-trust", "checkpoint-key.pem",
                             "writer.lock", kDemoMarker}) {
      fs::remove_all(dir + "/" + name, ec);
      if (ec) return Status::IoError("cannot remove the earlier demo's " + dir + "/" + name);
    }
  }
  std::error_code ec;
  fs::create_directories(dir + "/demo-keys", ec);
  if (ec) return Status::IoError("cannot create " + dir + "/demo-keys: " + ec.message());
  std::ofstream(dir + "/" + kDemoMarker) << "this directory holds a probity demo store\n";
  return Status::Ok();
}

// Parses and signs events [begin, end) of the plan over a few threads.
Result<std::vector<Envelope>> SignBatch(const EventCodec& codec,
                                        const std::vector<demo::Planned>& events, size_t begin,
                                        size_t end, const std::vector<PrivateKey>& keys) {
  std::vector<Envelope> batch(end - begin);
  std::vector<Status> errors(batch.size());
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  auto work = [&](unsigned t) {
    for (size_t i = t; i < batch.size(); i += threads) {
      // Ids and salts drawn from the event's place in the plan: the same every run.
      auto prepared = codec.Prepare(events[begin + i].json,
                                    SeededRandom("probity-demo/" + std::to_string(begin + i)));
      if (!prepared.ok()) {
        errors[i] = prepared.status();
        continue;
      }
      batch[i] = SignEnvelope(prepared->body, kOrigin, keys[events[begin + i].signer]);
      batch[i].sealed = std::move(prepared->sealed);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].ok()) return errors[i].WithContext("demo event " + events[begin + i].json);
  }
  return batch;
}

// Appends the whole plan, a week of business days (at most kMaxBatch events) per Submit,
// with the clock set to the evening of the last day in the batch. The next batch is
// signed while the ledger checks and writes this one.
Status AppendPlan(Ledger& ledger, DemoClock& clock, const demo::Plan& plan,
                  const std::vector<PrivateKey>& keys) {
  const auto& events = plan.events;
  std::vector<std::pair<size_t, size_t>> batches;
  Day base = events.empty() ? 0 : events.front().day;
  for (size_t begin = 0; begin < events.size();) {
    size_t end = begin + 1;
    Day window = (events[begin].day - base) / kWindowDays;
    while (end < events.size() && end - begin < kMaxBatch &&
           (events[end].day - base) / kWindowDays == window)
      ++end;
    batches.push_back({begin, end});
    begin = end;
  }
  auto sign = [&](size_t i) {
    return SignBatch(ledger.codec(), events, batches[i].first, batches[i].second, keys);
  };
  auto progress = ProgressReporter("demo: appending events");
  std::future<Result<std::vector<Envelope>>> next;
  if (!batches.empty()) next = std::async(std::launch::async, sign, 0);
  for (size_t i = 0; i < batches.size(); ++i) {
    auto batch = next.get();
    if (i + 1 < batches.size()) next = std::async(std::launch::async, sign, i + 1);
    if (!batch.ok()) return batch.status();
    auto [begin, end] = batches[i];
    clock.Set(EveningOf(events[end - 1].day));
    SubmitError error;
    auto receipts = ledger.Submit(*batch, &error);
    if (!receipts.ok())
      return error.status.WithContext("demo event " + events[begin + error.index].json);
    if (progress) progress(end, events.size());
  }
  return Status::Ok();
}

std::string Thousands(uint64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string TypeOf(const std::string& json) {
  constexpr std::string_view kPrefix = "{\"type\":\"";
  size_t end = json.find('"', kPrefix.size());
  return json.substr(kPrefix.size(), end - kPrefix.size());
}

uint64_t DiskBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : fs::recursive_directory_iterator(path, ec)) {
    if (f.is_regular_file(ec)) total += f.file_size(ec);
  }
  return total;
}

void PrintSummary(const Ledger& ledger, const std::string& dir, const demo::Plan& plan,
                  double seconds) {
  std::map<std::string, uint64_t> by_type;
  for (const auto& e : plan.events) by_type[TypeOf(e.json)]++;
  by_type["keyRegistered"]++;  // the genesis entry
  std::cout
      << "probity demo: the Blue Sky strengthened-supervision program, May 2019 to March 2021\n"
      << "  " << by_type["cityRegistered"] << " cities, " << by_type["groupFormed"] << " groups, "
      << by_type["unitRegistered"] << " sending units, " << Thousands(by_type["personRegistered"])
      << " staff, " << plan.rounds << " rounds of 15 days with same-day hand-over\n"
      << "  " << Thousands(ledger.size()) << " events signed by " << plan.keys.size()
      << " keys of their roles (private keys in " << dir << "/demo-keys/), appended in "
      << std::fixed << std::setprecision(1) << seconds << " s\n"
      << "  every demo key (signers, witness, checkpoint key) is derived from a public seed: "
         "never use a demo store for real records\n";
  std::vector<std::pair<std::string, uint64_t>> counts(by_type.begin(), by_type.end());
  std::stable_sort(counts.begin(), counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::cout << "  by type:";
  for (size_t i = 0; i < counts.size(); ++i) {
    std::cout << (i % 4 == 0 ? "\n    " : ", ") << counts[i].first << " "
              << Thousands(counts[i].second);
  }
  std::cout << "\n\nstore: " << dir << "\n  " << Thousands(ledger.size()) << " entries, "
            << std::setprecision(1) << DiskBytes(dir + "/db") / 1048576.0 << " MiB on disk in "
            << dir << "/db\n";
  auto note = ledger.LatestCheckpoint();
  if (note.ok()) {
    std::cout << "  latest checkpoint (C2SP signed note):\n";
    std::istringstream lines(*note);
    for (std::string line; std::getline(lines, line);) std::cout << "    " << line << "\n";
  }
}

Status PrintRoster(const Ledger& ledger, const demo::Plan& plan) {
  auto report = probity::Roster(ledger, plan.roster_date, plan.roster_city);
  if (!report.ok()) return report.status();
  for (const auto& c : report->cities) {
    size_t people = 0;
    for (const auto& g : c.groups) people += g.members.size();
    std::cout << "\nroster of " << c.city << " " << c.name << " on " << report->date << ": "
              << c.groups.size() << " groups, " << people << " on site; party branch secretary "
              << (c.secretary.empty() ? "none" : c.secretary + " " + c.secretary_name) << "\n";
    for (const auto& g : c.groups) {
      std::cout << "  " << std::left << std::setw(12) << g.group << std::setw(9) << g.kind
                << "lead " << g.lead_unit << " " << g.lead_unit_name
                << (g.task.empty() ? "" : ", " + g.task) << "\n    ";
      if (!g.leader) std::cout << "(no leader on site) ";
      std::vector<RosterMember> members = g.members;
      std::stable_partition(members.begin(), members.end(), [](const RosterMember& m) {
        return m.position == schema::Position::LEADER;
      });
      for (size_t i = 0; i < members.size(); ++i) {
        const auto& m = members[i];
        std::cout << (i ? ", " : "") << (m.position == schema::Position::LEADER ? "leader " : "")
                  << m.person << " " << m.name << " (" << m.unit
                  << (m.to == report->date ? ", hands over today" : "") << ")";
      }
      std::cout << "\n";
    }
  }
  std::cout << std::right;
  return Status::Ok();
}

// The showcase person's record as `probity record` shows it, in English as the rest of
// the tour.
Status PrintRecord(const Ledger& ledger, const std::string& person) {
  auto report = ReplayRecord(ledger, person, AsOf{}, false);
  if (!report.ok()) return report.status();
  std::cout << "\n" << RecordView(*report, AsOf{}, Lang::kEn, OutputColumns());
  return Status::Ok();
}

Status PrintEligibility(const Ledger& ledger, int year) {
  for (bool units : {false, true}) {
    auto report = probity::Eligibility(ledger, year, units);
    if (!report.ok()) return report.status();
    std::map<std::string, uint64_t> outcomes;
    uint64_t review = 0;
    for (const auto& l : report->lines) {
      for (const auto& o : l.outcomes) outcomes[o]++;
      review += l.review_required;
    }
    std::cout << (units ? "  units:   "
                        : "\neligibility " + std::to_string(year) +
                              " (HR's year-end list):\n  persons: ")
              << report->lines.size() << " listed;";
    for (const auto& [name, n] : outcomes) std::cout << " " << name << " " << n << ",";
    std::cout << " review required " << review << (units ? "" : " (commended and criticised: R13)")
              << "\n";
  }
  return Status::Ok();
}

// Sets up a demo witness in DIR/demo-witness (its key in DIR/demo-keys/witness.pem, its
// vkey in DIR/demo-keys/witness.vkey), has it cosign the latest checkpoint and stores the
// cosignature with the checkpoint. Returns the witness's cosigner key.
Result<witness::CosignerKey> WitnessCosign(Ledger& ledger, const std::string& dir,
                                           const DemoClock& clock) {
  PrivateKey key = DemoKey("witness");
  PROBITY_RETURN_IF_ERROR(WritePrivateKeyFile(dir + "/demo-keys/witness.pem", key, std::nullopt));
  std::string state = dir + "/demo-witness";
  PROBITY_RETURN_IF_ERROR(
      witness::InitWitness(state, "witness.demo.probity.local", ledger.checkpoint_verifier()));
  auto vkey = witness::WitnessVkey(state, key);
  if (!vkey.ok()) return vkey.status();
  std::ofstream(dir + "/demo-keys/witness.vkey") << *vkey << "\n";
  auto latest = ledger.LatestCheckpoint();
  if (!latest.ok()) return latest.status();
  std::string request = witness::FormatWitnessRequest({0, {}, *latest});
  auto cosigned =
      witness::AddCheckpoint(state, key, request, static_cast<uint64_t>(clock.clock()() / 1000000));
  if (!cosigned.ok()) return cosigned.status().WithContext("demo witness");
  auto stored = ledger.AddCosignatures(cosigned->note);
  if (!stored.ok()) return stored.status();
  return witness::CosignerKey::FromVkey(*vkey);
}

std::string SelfPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "probity" : self.string();
}

void PrintNext(const std::string& dir, const demo::Plan& plan) {
  std::string p = SelfPath() + " --data " + dir;
  std::cout << "\ntry next:\n"
            << "  " << p << " roster --date " << plan.roster_date << " --city " << plan.roster_city
            << "\n"
            << "  " << p << " record " << plan.showcase_person << " --as-of 2019-12-31\n"
            << "  " << p << " eligibility 2019 --format csv > eligibility-2019.csv\n"
            << "  " << p << " eligibility 2019 --units\n"
            << "  " << p << " leave " << plan.leave_person << "\n"
            << "  " << p << " explanations\n"
            << "  " << p << " unevaluated 2019\n"
            << "  " << p << " verify --trust-dir " << dir << "/demo-trust --witness " << dir
            << "/demo-keys/witness.vkey\n"
            << "  " << p << " show " << plan.commendation_seq << "\n"
            << "  " << p << " prove inclusion " << plan.commendation_seq << " --json\n"
            << "  " << p << " log --from " << plan.commendation_seq << " --limit 10\n";
  if (!plan.restricted_person.empty()) {
    std::cout << "  # the rules at work: this person has a restriction in force, so the "
                 "assignment is refused (R1)\n"
              << "  echo '{\"type\":\"assignmentMade\",\"assignment\":\"A9999999\",\"person\":\""
              << plan.restricted_person << "\",\"group\":\"" << plan.open_group
              << "\",\"from\":\"2021-03-22\",\"to\":\"2021-03-30\",\"position\":\"member\"}' |\n"
              << "    " << p << " append --key " << dir << "/demo-keys/dispatcher-"
              << plan.restricted_unit << ".pem\n";
  }
  std::cout << "  # and one accepted, signed by the Enforcement Bureau's key\n"
            << "  echo '{\"type\":\"commendationIssued\",\"subject\":{\"person\":\""
            << plan.showcase_person
            << "\"},\"reason\":\"示范\",\"date\":\"2021-03-30\",\"evaluation\":\""
            << plan.showcase_evaluation << "\"}' |\n"
            << "    " << p << " append --key " << dir << "/demo-keys/enforcement.pem\n";
  std::cout << "\nthe web interface, for reviewers, HR and auditors:\n"
            << "  " << p << " serve        # then open http://127.0.0.1:8080/\n"
            << "  sign in by opening a key file there: " << dir << "/demo-keys/reviewer.pem "
            << "(reviewer), " << dir << "/demo-keys/hr.pem (HR), " << dir
            << "/demo-keys/auditor.pem (auditor)\n";
}

}  // namespace

int Demo(const Args& args) {
  const std::string& dir = args.data_dir;
  auto started = std::chrono::steady_clock::now();
  Status st = Prepare(dir);
  if (!st.ok()) return FailStatus(args, st);

  demo::Plan plan = demo::BuildPlan();
  std::vector<PrivateKey> keys;
  for (const auto& spec : plan.keys) {
    keys.push_back(DemoKey(spec.name));
    st = WritePrivateKeyFile(dir + "/demo-keys/" + spec.name + ".pem", keys.back(), std::nullopt);
    if (!st.ok()) return FailStatus(args, st);
  }
  for (auto& e : plan.events) {
    if (e.registers_key >= 0) e.json = KeyEvent(keys[e.registers_key], plan.keys[e.registers_key]);
  }

  DemoClock clock;
  Ledger::Options options;
  options.clock = clock.clock();
  options.rules = &ProgramRulesInstance();
  Ledger::CheckpointKeySource checkpoint_key;
  checkpoint_key.demo_seed = DemoSeed("checkpoint");  // not a signer's name: no key shares it
  auto ledger = Ledger::Init(dir, keys[0], kOrigin, checkpoint_key, options);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  st = AppendPlan(**ledger, clock, plan, keys);
  if (!st.ok()) return FailStatus(args, st);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  PrintSummary(**ledger, dir, plan, seconds);
  st = PrintRoster(**ledger, plan);
  if (st.ok()) st = PrintRecord(**ledger, plan.showcase_person);
  if (st.ok()) st = PrintEligibility(**ledger, 2019);
  if (!st.ok()) return FailStatus(args, st);

  // A witness (in real life another party, on another machine) cosigns the latest
  // checkpoint; the auditor's verify then needs its cosignature and keeps the checkpoint.
  auto witness_key = WitnessCosign(**ledger, dir, clock);
  if (!witness_key.ok()) return FailStatus(args, witness_key.status());
  VerifyOptions verify_options;
  verify_options.rules = &ProgramRulesInstance();
  verify_options.progress = ProgressReporter("demo: verifying");
  verify_options.witnesses = {*witness_key};
  verify_options.quorum = 1;
  auto verify_started = std::chrono::steady_clock::now();
  auto report = VerifyLedger(**ledger, verify_options);
  if (!report.ok()) return FailStatus(args, report.status());
  if (!report->ok()) return Fail(args, kExitRefused, "verify FAILED: " + report->problem);
  double verify_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_started).count();
  std::cout << "\nverify: ok, " << Thousands(report->size) << " entries, "
            << Thousands(report->signatures_checked)
            << " signatures and every signer's authority checked, rules replayed; root "
            << HexEncode(report->root) << " matches the checkpoint (" << std::fixed
            << std::setprecision(1) << verify_seconds << " s)\n        every derived record ("
            << Thousands(report->derived_checked)
            << ") matches a fresh fold of the log; the checkpoint is cosigned by witness "
            << report->cosigned_by.front().name << "\n";
  st = WriteTrustedCheckpoint(dir + "/demo-trust", (*ledger)->origin(), report->checkpoint);
  if (!st.ok()) return FailStatus(args, st);
  PrintNext(dir, plan);
  return kExitOk;
}

}  // namespace probity::cli
