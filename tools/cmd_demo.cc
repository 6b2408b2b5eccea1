// demo: a fresh store with a deterministic run of events, then a short tour.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ledger/verify.h"
#include "tools/commands.h"

namespace probity::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kDemoMarker[] = ".probity-demo";

// Keys derived from fixed seeds, so two demo runs build byte-identical logs.
PrivateKey DemoKey(const std::string& name) {
  Hash seed = Sha256(AsBytes("probity demo key: " + name));
  auto key = PrivateKey::FromSeed(seed);
  if (!key.ok()) std::abort();  // a 32-byte seed always makes a key
  return std::move(*key);
}

// A clock that starts at a fixed instant and ticks one second per reading.
Clock DemoClock() {
  auto t = std::make_shared<int64_t>(1556640000LL * 1000000);  // 2019-04-30T16:00:00Z
  return [t]() { return *t += 1000000; };
}

class DemoWriter {
 public:
  DemoWriter(Ledger& ledger) : ledger_(ledger) {}
  Status Append(const PrivateKey& key, const std::vector<std::string>& events) {
    std::vector<Envelope> batch;
    for (size_t i = 0; i < events.size(); ++i) {
      auto body = ledger_.codec().Parse(events[i]);
      if (!body.ok()) return body.status().WithContext("demo event " + events[i]);
      batch.push_back(SignEnvelope(*body, key));
    }
    SubmitError error;
    auto receipts = ledger_.Submit(batch, &error);
    if (!receipts.ok()) return error.status.WithContext("demo event " + events[error.index]);
    return Status::Ok();
  }

 private:
  Ledger& ledger_;
};

std::string KeyEvent(const PrivateKey& key, const std::string& holder, const std::string& role,
                     const std::string& scope) {
  return "{\"type\":\"keyRegistered\",\"publicKey\":" + Quote(key.Public().ToPem()) +
         ",\"holder\":" + Quote(holder) + ",\"role\":\"" + role + "\"" + scope + "}";
}

Status Prepare(const std::string& dir) {
  if (fs::exists(dir + "/db")) {
    if (!fs::exists(dir + "/" + kDemoMarker)) {
      return Status::Refused("a store that is not a demo store is at " + dir +
                             "; pass --data with a new directory");
    }
    std::error_code ec;
    for (const char* name : {"db", "demo-keys", "checkpoint-key.pem", "writer.lock", kDemoMarker}) {
      fs::remove_all(dir + "/" + name, ec);
      if (ec) return Status::IoError("cannot remove the earlier demo's " + dir + "/" + name);
    }
  }
  fs::create_directories(dir + "/demo-keys");
  std::ofstream(dir + "/" + kDemoMarker) << "this directory holds a probity demo store\n";
  return Status::Ok();
}

}  // namespace

int Demo(const Args& args) {
  const std::string& dir = args.data_dir;
  Status st = Prepare(dir);
  if (!st.ok()) return FailStatus(args, st);
  PrivateKey admin = DemoKey("admin"), hr = DemoKey("hr"), dispatcher = DemoKey("dispatcher-U001"),
             enforcement = DemoKey("enforcement");
  st = WritePrivateKeyFile(dir + "/demo-keys/admin.pem", admin, std::nullopt);
  if (!st.ok()) return FailStatus(args, st);

  Ledger::Options options;
  options.clock = DemoClock();
  options.rules = &ProgramRulesInstance();
  auto ledger = Ledger::Init(dir, admin, "demo.probity.local/blue-sky-2019", options);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  DemoWriter w(**ledger);
  st = w.Append(admin, {
      R"({"type":"unitRegistered","unit":"U001","name":"大气环境司","kind":"ministryDepartment"})",
      R"({"type":"unitRegistered","unit":"U002","name":"河北省生态环境厅","kind":"provincialDepartment"})",
      R"({"type":"cityRegistered","city":"130100","name":"石家庄市","region":"jingjinji","guarantor":"U001"})",
      KeyEvent(hr, "人事司", "hr", ""),
      KeyEvent(dispatcher, "大气环境司 dispatch office", "dispatcher", R"(,"unit":"U001")"),
      KeyEvent(enforcement, "执法局", "enforcement", ""),
      R"({"type":"groupFormed","group":"G130100-C","city":"130100","kind":"central","leadUnit":"U001","date":"2019-05-01"})",
  });
  if (st.ok()) {
    st = w.Append(hr, {
        R"({"type":"personRegistered","person":"P000001","name":"张伟","unit":"U001","category":"civilServant"})",
        R"({"type":"personRegistered","person":"P000002","name":"王芳","unit":"U001","category":"publicInstitution"})",
    });
  }
  if (st.ok()) {
    st = w.Append(dispatcher, {
        R"({"type":"trainingCompleted","person":"P000001","course":"business","mode":"centralized","date":"2019-04-25"})",
        R"({"type":"trainingCompleted","person":"P000001","course":"integrity","mode":"video","date":"2019-04-26"})",
        R"({"type":"assignmentMade","assignment":"A000001","person":"P000001","group":"G130100-C","from":"2019-05-01","to":"2019-05-15","position":"leader"})",
    });
  }
  if (st.ok()) {
    st = w.Append(enforcement, {
        R"({"type":"commendationIssued","subject":{"person":"P000001"},"reason":"outstanding field work","date":"2019-05-20"})",
    });
  }
  if (!st.ok()) return FailStatus(args, st);
  auto note = (*ledger)->LatestCheckpoint();
  if (!note.ok()) return FailStatus(args, note.status());
  std::cout << "demo store: " << dir << " (" << (*ledger)->size() << " entries)\n\n"
            << "latest checkpoint:\n" << *note << "\n";
  VerifyOptions verify_options;
  verify_options.rules = &ProgramRulesInstance();
  auto report = VerifyLedger(**ledger, verify_options);
  if (!report.ok()) return FailStatus(args, report.status());
  if (!report->ok()) return Fail(args, kExitRefused, "verify FAILED: " + report->problem);
  std::cout << "verify: ok, " << report->size << " entries, " << report->signatures_checked
            << " signatures checked; root matches the checkpoint\n";
  return kExitOk;
}

}  // namespace probity::cli
