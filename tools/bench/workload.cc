#include "tools/bench/workload.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "ledger/event.h"
#include "projections/dates.h"

namespace probity::bench {
namespace {

constexpr uint64_t kStaffPerUnit = 4000;
constexpr int kCities = 39;
constexpr int kGroupsPerCity = 8;  // 312 groups
constexpr int kYears = 2;
constexpr int kRoundsPerYear = 24;

PrivateKey KeyNamed(const std::string& name) {
  auto key = PrivateKey::FromSeed(Sha256(AsBytes("probity bench " + name)));
  return std::move(*key);  // FromSeed fails only on a seed that is not 32 bytes
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out + "\"";
}

// One event to sign: its JSON and who signs it.
struct Planned {
  std::string signer;
  std::string json;
};

// Produces the run in order, a chunk at a time.
class Run {
 public:
  explicit Run(uint64_t events) {
    Shape shape = ShapeOf(events);
    persons_ = shape.persons;
    units_ = shape.units;
    start_ = *ParseDay("2019-05-06");
  }

  // Appends up to `max` events to `out`; false when the run is over.
  bool Next(size_t max, std::vector<Planned>& out) {
    while (out.size() < max) {
      if (!Step(out)) return !out.empty();
    }
    return true;
  }

  std::map<std::string, PrivateKey>& keys() { return keys_; }

 private:
  std::string Id() { return "bench-" + std::to_string(++ids_); }
  std::string Unit(uint64_t u) const { return "U" + std::to_string(u + 1); }
  std::string Person(uint64_t p) const { return "P" + std::to_string(p + 1); }
  std::string City(int c) const { return std::to_string(11 + c) + "0100"; }
  std::string Group(uint64_t g) const {
    return "G" + City(static_cast<int>(g / kGroupsPerCity)) + "-" +
           std::to_string(g % kGroupsPerCity);
  }
  std::string Dispatcher(uint64_t u) const { return "dispatcher-" + Unit(u); }
  uint64_t UnitOf(uint64_t p) const { return p % units_; }
  // Person p's assignment of year y: its first day.
  Day From(uint64_t p, int y) const {
    return start_ + y * 364 + static_cast<Day>(p % kRoundsPerYear) * 15;
  }

  void Key(std::vector<Planned>& out, const std::string& name, const std::string& role,
           const std::string& extra) {
    auto key = KeyNamed(name);
    out.push_back({"admin", "{\"type\":\"keyRegistered\",\"id\":" + Quote(Id()) +
                                ",\"publicKey\":" + Quote(key.Public().ToPem()) + ",\"holder\":" +
                                Quote(name) + ",\"role\":\"" + role + "\"" + extra + "}"});
    keys_.emplace(name, std::move(key));
  }

  // One step of the run: a phase's next event, or the next phase.
  bool Step(std::vector<Planned>& out) {
    switch (phase_) {
      case 0:  // keys, units, cities, groups
        keys_.emplace("admin", AdminKey());
        Key(out, "hr", "hr", "");
        Key(out, "enforcement", "enforcement", "");
        for (uint64_t u = 0; u < units_; ++u) {
          out.push_back({"admin", "{\"type\":\"unitRegistered\",\"id\":" + Quote(Id()) +
                                      ",\"unit\":" + Quote(Unit(u)) +
                                      ",\"name\":" + Quote("派出单位 " + Unit(u)) +
                                      ",\"kind\":\"affiliatedInstitution\"}"});
          Key(out, Dispatcher(u), "dispatcher", ",\"unit\":" + Quote(Unit(u)));
        }
        for (int c = 0; c < kCities; ++c) {
          out.push_back({"admin", "{\"type\":\"cityRegistered\",\"id\":" + Quote(Id()) +
                                      ",\"city\":" + Quote(City(c)) +
                                      ",\"name\":" + Quote("城市 " + City(c)) +
                                      ",\"region\":\"jingjinji\",\"guarantor\":" +
                                      Quote(Unit(static_cast<uint64_t>(c) % units_)) + "}"});
        }
        for (uint64_t g = 0; g < kCities * kGroupsPerCity; ++g) {
          out.push_back(
              {"admin",
               "{\"type\":\"groupFormed\",\"id\":" + Quote(Id()) + ",\"group\":" + Quote(Group(g)) +
                   ",\"city\":" + Quote(City(static_cast<int>(g / kGroupsPerCity))) +
                   ",\"kind\":\"" + (g % kGroupsPerCity == 0 ? "central" : "ordinary") +
                   "\",\"leadUnit\":" +
                   Quote(
                       Unit(g % kGroupsPerCity == 0 ? (g / kGroupsPerCity) % units_ : g % units_)) +
                   ",\"date\":\"2019-05-01\"}"});
        }
        phase_ = 1;
        return true;
      case 1: {  // each person: registered and trained, then two years of assignments
        if (next_ >= persons_) return false;
        uint64_t p = next_++;
        uint64_t u = UnitOf(p);
        out.push_back({"hr", "{\"type\":\"personRegistered\",\"id\":" + Quote(Id()) +
                                 ",\"person\":" + Quote(Person(p)) + ",\"name\":" +
                                 Quote("人员 " + Person(p)) + ",\"unit\":" + Quote(Unit(u)) +
                                 ",\"category\":\"civilServant\"}"});
        for (const char* course : {"business", "integrity"}) {
          out.push_back({Dispatcher(u), "{\"type\":\"trainingCompleted\",\"id\":" + Quote(Id()) +
                                            ",\"person\":" + Quote(Person(p)) + ",\"course\":\"" +
                                            course +
                                            "\",\"mode\":\"tiered\",\"date\":\"2019-04-20\"}"});
        }
        for (int y = 0; y < kYears; ++y) {
          std::string a = "A" + std::to_string(p + 1) + "-" + std::to_string(y + 1);
          Day from = From(p, y);
          std::string to = FormatDay(from + 14);
          uint64_t g = (p * 7 + static_cast<uint64_t>(y) * 13) % (kCities * kGroupsPerCity);
          out.push_back({Dispatcher(u), "{\"type\":\"assignmentMade\",\"id\":" + Quote(Id()) +
                                            ",\"assignment\":" + Quote(a) + ",\"person\":" +
                                            Quote(Person(p)) + ",\"group\":" + Quote(Group(g)) +
                                            ",\"from\":" + Quote(FormatDay(from)) +
                                            ",\"to\":" + Quote(to) + ",\"position\":\"member\"}"});
          out.push_back({Dispatcher(u), "{\"type\":\"assignmentEnded\",\"id\":" + Quote(Id()) +
                                            ",\"assignment\":" + Quote(a) + ",\"date\":" +
                                            Quote(to) + ",\"reason\":\"completed\"}"});
          out.push_back(
              {"enforcement", "{\"type\":\"evaluationRecorded\",\"id\":" + Quote(Id()) +
                                  ",\"evaluation\":" + Quote("EV-" + a) +
                                  ",\"subject\":{\"person\":" + Quote(Person(p)) +
                                  "},\"period\":" + Quote(std::to_string(YearOf(from)) + " round") +
                                  ",\"grade\":\"" + (p % 5 == 0 ? "outstanding" : "good") +
                                  "\",\"summary\":\"督察期间表现良好\",\"date\":" + Quote(to) +
                                  ",\"distributedTo\":[\"ministryLeaders\",\"hrDepartment\","
                                  "\"partyCommittee\",\"sendingUnit\"]}"});
          // The year-end lists' marks (R11, R12), citing that evaluation: a commendation for
          // one outstanding person in ten, a criticism for one good person in fifty.
          uint64_t mark = (p / 5) + static_cast<uint64_t>(y);
          if (p % 5 == 0 && mark % 2 == 0) {
            out.push_back({"enforcement", "{\"type\":\"commendationIssued\",\"id\":" + Quote(Id()) +
                                              ",\"subject\":{\"person\":" + Quote(Person(p)) +
                                              "},\"reason\":\"工作绩效突出\"," +
                                              "\"date\":" + Quote(to) +
                                              ",\"evaluation\":" + Quote("EV-" + a) + "}"});
          } else if (p % 5 != 0 && p % 50 == 7 + static_cast<uint64_t>(y)) {
            out.push_back({"enforcement", "{\"type\":\"criticismIssued\",\"id\":" + Quote(Id()) +
                                              ",\"subject\":{\"person\":" + Quote(Person(p)) +
                                              "},\"ground\":\"poorPerformance\"," +
                                              "\"reason\":\"工作绩效较差\",\"date\":" + Quote(to) +
                                              ",\"evaluation\":" + Quote("EV-" + a) + "}"});
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  uint64_t persons_ = 0, units_ = 0, next_ = 0, ids_ = 0;
  int phase_ = 0;
  Day start_ = 0;
  std::map<std::string, PrivateKey> keys_;
};

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

PrivateKey AdminKey() { return KeyNamed("admin"); }
PrivateKey WorkloadKey(const std::string& name) { return KeyNamed(name); }

Shape ShapeOf(uint64_t events) {
  Shape s;
  // Set-up: two keys, per unit its registration and its dispatcher's key, the cities and
  // the groups; then 462 events for every 50 persons (nine each, and 12 marks).
  uint64_t fixed = 2 + kCities + kCities * kGroupsPerCity;
  uint64_t per_unit = kStaffPerUnit * 462 / 50 + 2;
  s.units = events > fixed ? std::max<uint64_t>(1, (events - fixed + per_unit - 1) / per_unit) : 1;
  uint64_t setup = fixed + 2 * s.units;
  s.persons = std::max<uint64_t>(1, events > setup ? (events - setup) * 50 / 462 : 1);
  return s;
}

Result<uint64_t> WriteEvents(const std::string& path, uint64_t events, unsigned threads,
                             const std::function<void(uint64_t)>& progress) {
  std::string tmp = path + ".partial";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!f) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  if (std::fwrite(kEventsMagic, 1, 8, f.get()) != 8) return Status::IoError("cannot write " + tmp);
  Run run(events);
  std::vector<Planned> chunk;
  std::vector<std::string> records;
  uint64_t written = 0;
  threads = std::max(1u, threads);
  std::vector<std::unique_ptr<EventCodec>> codecs;
  for (unsigned t = 0; t < threads; ++t) codecs.push_back(std::make_unique<EventCodec>());
  bool more = true;
  while (more) {
    chunk.clear();
    more = run.Next(8192, chunk);
    records.assign(chunk.size(), std::string());
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::string failure;
    auto work = [&](unsigned t) {
      for (size_t i = next++; i < chunk.size(); i = next++) {
        auto body = codecs[t]->Parse(chunk[i].json);
        if (!body.ok()) {
          if (!failed.exchange(true)) failure = body.status().message() + " in " + chunk[i].json;
          return;
        }
        const PrivateKey& key = run.keys().at(chunk[i].signer);
        Bytes message = SignedMessage(kOrigin, *body);
        Bytes sig = key.Sign(message);
        std::string& r = records[i];
        PutU32(r, static_cast<uint32_t>(message.size()));
        r.append(AsChars(message));
        r.append(reinterpret_cast<const char*>(key.Public().raw().data()), 32);
        r.append(AsChars(sig));
      }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& t : pool) t.join();
    if (failed) return Status::Invalid("the workload made an event the codec refuses: " + failure);
    for (const auto& r : records) {
      if (std::fwrite(r.data(), 1, r.size(), f.get()) != r.size())
        return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    }
    written += chunk.size();
    if (progress) progress(written);
  }
  if (std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0)
    return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  f.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IoError("cannot rename " + tmp + ": " + std::strerror(errno));
  return written;
}

Result<EventReader> EventReader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
  char magic[8];
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, kEventsMagic, 8) != 0) {
    std::fclose(f);
    return Status::Invalid(path + " is not a probity-bench events file");
  }
  return EventReader(f);
}

EventReader::EventReader(EventReader&& other) noexcept : f_(other.f_), read_(other.read_) {
  other.f_ = nullptr;
}

EventReader::~EventReader() {
  if (f_) std::fclose(f_);
}

Result<std::optional<Envelope>> EventReader::Next() {
  uint8_t len[4];
  size_t got = std::fread(len, 1, 4, f_);
  if (got == 0) return std::optional<Envelope>();
  if (got != 4) return Status::Invalid("events file: a record is cut short");
  uint32_t n = static_cast<uint32_t>(len[0]) | static_cast<uint32_t>(len[1]) << 8 |
               static_cast<uint32_t>(len[2]) << 16 | static_cast<uint32_t>(len[3]) << 24;
  if (n > (1u << 20)) return Status::Invalid("events file: a record longer than 1 MiB");
  Bytes record(n + 96);
  if (std::fread(record.data(), 1, record.size(), f_) != record.size())
    return Status::Invalid("events file: a record is cut short");
  std::string prefix = std::string(kEventSignaturePrefix) + kOrigin + "\n";
  if (n < prefix.size() || std::memcmp(record.data(), prefix.data(), prefix.size()) != 0)
    return Status::Invalid("events file: a record not signed for " + std::string(kOrigin));
  Envelope env;
  env.body.assign(record.begin() + static_cast<long>(prefix.size()), record.begin() + n);
  env.key_id = Sha256(ByteSpan(record.data() + n, 32));
  std::copy(record.begin() + n + 32, record.end(), env.signature.begin());
  ++read_;
  return std::optional<Envelope>(std::move(env));
}

}  // namespace probity::bench
