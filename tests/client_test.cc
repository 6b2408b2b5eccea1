// probity --server (tools/client.h, docs/client.md): the real binary against a real server
// on loopback, signing each request with a key file as docs/api.md says. What it prints
// must be what the local command prints on the same store, its exit status what the CLI
// gives for the same failure, and a submission stays all or nothing. The server's clock
// is the real one, since the binary signs with the real time.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "ledger/entry.h"
#include "ledger/merkle.h"
#include "tests/server_fixture.h"

namespace probity {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace ptest;

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

// The probity binary with the fixture's keys written as PEM files (unencrypted, and one
// encrypted to show --passphrase-file works the same way).
class Cli {
 public:
  explicit Cli(const ProgramLedger& f) : f_(f) {}

  std::string Key(const std::string& name) {
    std::string path = dir_.File(name + ".pem");
    if (!written_.count(name)) {
      REQUIRE(WritePrivateKeyFile(path, f_.key(name), std::nullopt).ok());
      written_.insert(name);
    }
    return path;
  }
  std::string File(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
    return dir_.File(name);
  }
  std::string Path(const std::string& name) const { return dir_.File(name); }

  // `probity WORDS`, stdout and stderr apart; PROBITY_SERVER and PROBITY_DATA unset
  // unless `env` sets them.
  Ran Run(const std::string& words, const std::string& env = "") {
    std::string err = dir_.File("stderr");
    auto r = test::RunCommand("{ env -u PROBITY_SERVER -u PROBITY_DATA " + env + " " +
                              PROBITY_BINARY + " " + words + " 2>" + err + "; }");
    return {r.exit_code, r.output, Slurp(err)};
  }
  // The same command on the local store.
  Ran Local(const std::string& words) { return Run("--data " + f_.dir() + " " + words); }
  Ran Remote(const Served& s, const std::string& words, const std::string& signer = "") {
    return Run("--server " + s.url() + " " + words +
               (signer.empty() ? "" : " --key " + Key(signer)));
  }
  // `remote` succeeded and printed what `local_words` print on the local store, on
  // stdout and stderr alike.
  void CheckAsLocal(const Ran& remote, const std::string& local_words) {
    Ran local = Local(local_words);
    INFO("remote stderr: " << remote.err << "local stderr: " << local.err);
    CHECK(remote.exit_code == 0);
    CHECK(local.exit_code == 0);
    CHECK(!remote.out.empty());
    CHECK(remote.out == local.out);
    CHECK(remote.err == local.err);
  }

 private:
  const ProgramLedger& f_;
  test::TempDir dir_{"probity-client"};
  std::set<std::string> written_;
};

// A store with something to show in every report.
void Fill(ProgramLedger& f) {
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-02", "2019-05-16", "leader"));
  f.Ok("dispatcher-U1", AssignJ("A2", "P2", "G1", "2019-05-02", "2019-05-16"));
  f.Ok("dispatcher-U2", AssignJ("A3", "P3", "G3", "2019-05-02", "2019-05-16"));
  f.Ok("dispatcher-U1", EndJ("A1", "2019-05-16"));
  f.Ok("hr", LeaveJ("P1", 1, "compensatory", "2019-06-03"));
  f.Ok("enforcement", CommendJ(PersonSubject("P1"), "2019-06-01", f.Eval(PersonSubject("P1"))));
  f.Ok("enforcement", CriticiseJ(PersonSubject("P3"), "2019-06-01", f.Eval(PersonSubject("P3"))));
  f.Ok("enforcement", TargetJ("130100", 2019, "annual", false, "2019-12-20"));
  f.Ok("hr", RestrictionJ("P2", "health", "2019-07-01"));
}

TEST_CASE(
    "client: record, roster, eligibility, leave, explanations, show, checkpoint and prove "
    "through a server print what the local command prints, JSON and human alike",
    "[client]") {
  ProgramLedger f;
  Fill(f);
  f.RegisterKey("reviewer", "reviewer");
  Served s(f);
  Cli cli(f);
  struct Case {
    std::string words, signer, local;  // local: the local command's words, if not `words`
  };
  const std::vector<Case> cases = {
      {"record P1 --json", "reviewer", ""},
      {"record P1", "reviewer", ""},
      {"record P1 --as-of 2019-05-10 --json", "hr", ""},
      {"record P1 --as-of-seq 40", "hr", ""},
      // HR is shown the sealed reason (R1) by the server, as --include-sensitive locally.
      {"record P2 --json", "hr", "record P2 --json --include-sensitive"},
      {"record P2", "hr", "record P2 --include-sensitive"},
      {"roster --date 2019-05-10 --json", "hr", ""},
      {"roster --date 2019-05-10", "hr", ""},
      {"roster --date 2019-05-10 --city 110000", "reviewer", ""},
      {"eligibility 2019 --json", "hr", ""},
      {"eligibility 2019", "hr", ""},
      {"eligibility 2019 --format csv", "hr", ""},
      {"eligibility 2019 --units --format json", "hr", ""},
      {"leave P1 --json", "hr", ""},
      {"leave P1", "dispatcher-U1", ""},
      {"explanations --json", "hr", ""},
      {"explanations --year 2019", "guarantor-U1", ""},
      {"checkpoint", "", ""},
      {"prove inclusion 3 --size 20 --json", "", ""},
      {"prove consistency 7 30 --json", "", ""},
  };
  for (const auto& c : cases) {
    INFO("probity " << c.words << " as " << c.signer);
    // stderr: eligibility's checkpoint line, else nothing.
    cli.CheckAsLocal(cli.Remote(s, c.words, c.signer), c.local.empty() ? c.words : c.local);
  }
  // The person's id as a path segment and the city as a query value are percent-encoded.
  f.Ok("hr", PersonJ("甲-1 x/y", "U1", "contract", "周 杰"));
  cli.CheckAsLocal(cli.Remote(s, "record '甲-1 x/y' --json", "hr"), "record '甲-1 x/y' --json");
  Ran no_city = cli.Remote(s, "roster --date 2019-05-10 --city '北京 &x=1' --json", "hr");
  CHECK(no_city.exit_code ==
        cli.Local("roster --date 2019-05-10 --city '北京 &x=1' --json").exit_code);
}

TEST_CASE(
    "client: a group's task (groupFormed's optional task) is in the roster, so the human "
    "roster through a server prints it as the local command does, and a group without one "
    "has no task key",
    "[client]") {
  ProgramLedger f;
  Fill(f);
  const std::string task = "秸秆禁烧 \"专项\"\t督察";
  f.Ok("admin", Ev("groupFormed")
                    .S("group", "G9")
                    .S("city", "130100")
                    .S("kind", "special")
                    .S("leadUnit", "U1")
                    .S("date", "2019-05-01")
                    .S("task", task));
  f.Ok("dispatcher-U1", AssignJ("A9", "P5", "G9", "2019-05-02", "2019-05-16", "leader"));
  Served s(f);
  Cli cli(f);
  Ran human = cli.Remote(s, "roster --date 2019-05-10", "hr");
  cli.CheckAsLocal(human, "roster --date 2019-05-10");
  CHECK_THAT(human.out, Contains("  G9  special, lead unit U1 大气环境司, task: " + task + "\n"));
  CHECK_THAT(human.out, Contains("  G1  central, lead unit U1 大气环境司\n"));
  Ran json = cli.Remote(s, "roster --date 2019-05-10 --json", "hr");
  cli.CheckAsLocal(json, "roster --date 2019-05-10 --json");
  CHECK_THAT(json.out, Contains("\"recallDue\":false}],\"task\":" + JsonQuote(task) + "}"));
  CHECK(json.out.find("\"task\":") == json.out.rfind("\"task\":"));  // G9's only
}

TEST_CASE(
    "client: submit and append print the local command's receipts, the same envelopes "
    "again are duplicates, and a refused line is the server's 422 words, exit 1, nothing "
    "appended",
    "[client]") {
  ProgramLedger f;
  Served s(f);
  Cli cli(f);
  std::string events = cli.File("events.jsonl", UnitJ("U7", "新单位") + "\n" + UnitJ("U8") + "\n");
  // Signing through a server needs the origin named: an unverified answer could have
  // one sign for another ledger.
  Ran unnamed = cli.Remote(s, "sign " + events, "admin");
  CHECK(unnamed.exit_code == 2);
  CHECK_THAT(unnamed.err, Contains("pass --origin NAME"));
  const std::string origin = " --origin " + f.ledger().origin();
  Ran signed_out = cli.Remote(s, "sign" + origin + " " + events, "admin");
  REQUIRE(signed_out.exit_code == 0);
  std::string envelopes = cli.File("signed.jsonl", signed_out.out);
  uint64_t before = f.size();
  Ran first = cli.Remote(s, "submit " + envelopes, "hr");  // any registered key may carry them
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  REQUIRE(f.size() == before + 2);
  std::string expected;
  for (uint64_t seq = before; seq < before + 2; ++seq) {
    auto bytes = f.ledger().View().ReadEntryBytes(seq);
    REQUIRE(bytes.ok());
    expected +=
        "seq " + std::to_string(seq) + " leaf " + HexEncode(merkle::LeafHash(*bytes)) + "\n";
  }
  CHECK(first.out == expected);
  Ran again = cli.Remote(s, "submit --json " + envelopes, "hr");
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("{\"seq\":" + std::to_string(before) + ",\"leafHash\":"));
  CHECK_THAT(again.out, Contains("\"duplicate\":true}\n"));
  CHECK(f.size() == before + 2);

  // append: sign and submit in one step, through the server.
  Ran appended =
      cli.Remote(s, "append" + origin + " " + cli.File("one.jsonl", UnitJ("U9") + "\n"), "admin");
  CHECK(appended.exit_code == 0);
  CHECK_THAT(appended.out, StartsWith("seq " + std::to_string(before + 2) + " leaf "));
  CHECK(f.size() == before + 3);

  // A dispatcher may not register units: line 3 (after a blank line) is refused with the
  // input's line number, and the good line 1 is not appended either.
  std::string mixed = cli.File(
      "mixed.jsonl", EnvelopeToJson(f.Sign("admin", UnitJ("U10")), f.codec()) + "\n\n" +
                         EnvelopeToJson(f.Sign("dispatcher-U1", UnitJ("U11")), f.codec()) + "\n");
  Ran refused = cli.Remote(s, "submit " + mixed, "dispatcher-U1");
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, StartsWith("probity submit: line 3: refused: "));
  CHECK_THAT(refused.err, Contains("nothing was appended"));
  CHECK(refused.out.empty());
  CHECK(f.size() == before + 3);
}

TEST_CASE(
    "client: a refusal is the server's words with the CLI's exit status: 401 an unknown "
    "key, 403 a role reading beyond its scope, 404 no such person, all 1, and a server that is "
    "down is 3",
    "[client]") {
  ProgramLedger f;
  Served s(f);
  Cli cli(f);
  // A key the ledger never registered.
  REQUIRE(WritePrivateKeyFile(cli.Path("stranger.pem"), KeyFor("stranger"), std::nullopt).ok());
  Ran stranger = cli.Run("--server " + s.url() + " roster --date 2019-05-10 --key " +
                         cli.Path("stranger.pem"));
  CHECK(stranger.exit_code == 1);
  CHECK_THAT(stranger.err,
             StartsWith("probity roster: key " + HexEncode(KeyFor("stranger").Public().KeyId()) +
                        " is not registered"));
  CHECK(stranger.out.empty());
  // R13: the year-end list is HR's, not a dispatcher's.
  Ran dispatcher = cli.Remote(s, "eligibility 2019", "dispatcher-U1");
  CHECK(dispatcher.exit_code == 1);
  CHECK_THAT(dispatcher.err, StartsWith("probity eligibility: "));
  CHECK(dispatcher.out.empty());
  // A dispatcher reads its own unit's persons only.
  Ran other_unit = cli.Remote(s, "record P3", "dispatcher-U1");
  CHECK(other_unit.exit_code == 1);
  CHECK_THAT(other_unit.err, Contains("P3"));
  Ran missing = cli.Remote(s, "record P404 --json", "hr");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == cli.Local("record P404 --json").err);
  // An encrypted key works with --passphrase-file, as for signing events.
  std::string pass = cli.File("pass", "correct horse\n");
  std::filesystem::permissions(
      pass, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace);
  REQUIRE(WritePrivateKeyFile(cli.Path("hr-locked.pem"), f.key("hr"), "correct horse").ok());
  Ran locked =
      cli.Run("--server " + s.url() + " leave P1 --json --key " + cli.Path("hr-locked.pem"));
  CHECK(locked.exit_code == 1);
  CHECK_THAT(locked.err, Contains("--passphrase-file"));
  Ran unlocked = cli.Run("--server " + s.url() + " leave P1 --json --key " +
                         cli.Path("hr-locked.pem") + " --passphrase-file " + pass);
  cli.CheckAsLocal(unlocked, "leave P1 --json");

  std::string url = s.url();
  s.Stop();
  Ran down = cli.Run("--server " + url + " leave P1 --key " + cli.Key("hr"));
  CHECK(down.exit_code == 3);
  CHECK(down.err == "probity leave: cannot reach " + url + ": connection refused\n");
  Ran down_submit = cli.Run("--server " + url + " append --origin " + f.ledger().origin() + " " +
                            cli.File("u.jsonl", UnitJ("U9")) + " --key " + cli.Key("admin"));
  CHECK(down_submit.exit_code == 3);
}

TEST_CASE(
    "client: --server refuses what needs the store, --include-sensitive and a missing "
    "--key, show and prove print JSON only, and $PROBITY_SERVER stands in for --server unless "
    "--data is given",
    "[client]") {
  ProgramLedger f;
  Served s(f);
  Cli cli(f);
  for (const std::string words :
       {"init --admin-key a.pem", "verify", "rebuild", "log", "demo", "unevaluated 2019",
        "erase 3 --key k.pem --reason x", "cosign", "witness latest --state w", "serve"}) {
    INFO(words);
    Ran r = cli.Run("--server " + s.url() + " " + words);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("works on a local store only, not through a server"));
  }
  Ran sensitive = cli.Remote(s, "record P1 --include-sensitive", "hr");
  CHECK(sensitive.exit_code == 2);
  CHECK_THAT(sensitive.err, Contains("whatever the request asks"));
  Ran keyless = cli.Remote(s, "record P1", "");
  CHECK(keyless.exit_code == 2);
  CHECK_THAT(keyless.err, Contains("--key KEY.pem is required with --server"));
  CHECK(cli.Remote(s, "show 3", "auditor").exit_code == 2);
  CHECK_THAT(cli.Remote(s, "prove inclusion 3", "").err, Contains("add --json"));
  CHECK(cli.Remote(s, "checkpoint --vkey", "").exit_code == 2);
  CHECK(cli.Run("--server ftp://x record P1").exit_code == 2);
  CHECK(cli.Run("--server http://h/path record P1").exit_code == 2);
  CHECK(cli.Run("--server " + s.url() + " --data d record P1").exit_code == 2);
  CHECK(cli.Run("--server-ca c.pem --data d record P1").exit_code == 2);

  std::string env = "PROBITY_SERVER=" + s.url();
  Ran via_env = cli.Run("leave P1 --json --key " + cli.Key("hr"), env);
  cli.CheckAsLocal(via_env, "leave P1 --json");
  // --data names a local store: $PROBITY_SERVER is left alone.
  Ran local = cli.Run("--data " + f.dir() + " leave P1 --json", env);
  CHECK(local.exit_code == 0);
  CHECK(local.out == via_env.out);
  // keygen touches no store; it runs with a server named too.
  CHECK(cli.Run("keygen " + cli.Path("new.pem") + " --quiet", env).exit_code == 0);
}

TEST_CASE(
    "client: https:// with --server-ca trusts a self-signed server, and without it the "
    "certificate is refused (exit 3)",
    "[client]") {
  test::TempDir tls("probity-client-tls");
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout " +
      tls.File("key.pem") + " -out " + tls.File("cert.pem") + " >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  ProgramLedger f;
  Served s(f, {.now = {}, .public_origin = "", .tls_dir = tls.path()});
  Cli cli(f);
  // KJ's TLS checks the certificate against a host name, never an IP address.
  std::string url = "https://localhost:" + std::to_string(s.port());
  std::string base = "--server " + url;
  Ran trusted = cli.Run(base + " --server-ca " + tls.File("cert.pem") + " leave P1 --json --key " +
                        cli.Key("hr"));
  cli.CheckAsLocal(trusted, "leave P1 --json");
  Ran untrusted = cli.Run(base + " leave P1 --json --key " + cli.Key("hr"));
  INFO(untrusted.err);
  CHECK(untrusted.exit_code == 3);
  CHECK_THAT(untrusted.err, StartsWith("probity leave: cannot reach " + url + ": "));
}

// A server that lies: it answers each target with the text it was given, signed or not.
class Liar {
 public:
  explicit Liar(std::map<std::string, std::string> answers) : answers_(std::move(answers)) {
    http::Options o;
    o.listen = "127.0.0.1:0";
    auto started = http::Server::Start(o, [this](http::Request r) -> kj::Promise<http::Response> {
      http::Response response;
      auto a = answers_.find(r.target);
      if (a == answers_.end()) {
        response.status = 404;
        response.body = "{\"error\":\"no such path\"}";
      } else {
        response.body = a->second;
      }
      return response;
    });
    REQUIRE(started.ok());
    server_ = std::move(*started);
    runner_ = std::thread([this] { (void)server_->Run(false); });
  }
  ~Liar() {
    server_->Stop();
    runner_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

 private:
  const std::map<std::string, std::string> answers_;
  std::unique_ptr<http::Server> server_;
  std::thread runner_;
};

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE(
    "client: show through a server checks the entry here, not on the server's word: its "
    "bytes, leaf, key id, signature and inclusion under the pinned key, and a forged, swapped or "
    "altered entry and another checkpoint key are refused (exit 1)",
    "[client]") {
  ProgramLedger f;
  Fill(f);
  Served s(f);
  Cli cli(f);
  const std::string vkey = f.ledger().checkpoint_verifier().Vkey();
  Ran honest = cli.Remote(s, "show 5 --json --vkey " + vkey, "auditor");
  INFO(honest.err);
  CHECK(honest.exit_code == 0);
  CHECK(honest.out == cli.Local("show 5 --json").out);
  CHECK_THAT(honest.err, StartsWith("checked here: the entry, its event, the signature by key "));
  CHECK_THAT(honest.err, Contains("in the checkpoint at size " + std::to_string(f.ledger().size()) +
                                  " signed by " + vkey + "; "));
  // Every entry checks out, for HR too, whose view carries the sealed values (R1).
  for (uint64_t seq = 0; seq < f.ledger().size(); ++seq) {
    INFO("seq " << seq);
    Ran hr = cli.Remote(s, "show " + std::to_string(seq) + " --json --vkey " + vkey, "hr");
    CHECK(hr.exit_code == 0);
    CHECK_THAT(hr.err, StartsWith("checked here: "));
    CHECK(hr.out == cli.Local("show " + std::to_string(seq) + " --json --include-sensitive").out);
  }
  // Without --vkey the key the server names is used, and the output says so.
  Ran unpinned = cli.Remote(s, "show 5 --json", "auditor");
  CHECK(unpinned.exit_code == 0);
  CHECK_THAT(unpinned.err, Contains("the server's own word for its key: pin it with --vkey"));
  // A pinned key that is not the log's: its checkpoint does not open.
  const PrivateKey other_key = KeyFor("other");
  const std::string other =
      note::Verifier{f.ledger().origin(), note::KeyIdFor(f.ledger().origin(), other_key.Public()),
                     other_key.Public()}
          .Vkey();
  Ran wrong_key = cli.Remote(s, "show 5 --json --vkey " + other, "auditor");
  CHECK(wrong_key.exit_code == 1);
  CHECK_THAT(wrong_key.err,
             StartsWith("probity show: the server's entry does not check out: the checkpoint"));
  CHECK(cli.Local("show 5 --json --vkey " + vkey).exit_code == 2);

  // The honest answers, to be altered one at a time.
  const std::string size = std::to_string(f.ledger().size());
  const std::string entry5 = Slurp(cli.File("e5", honest.out));
  std::map<std::string, std::string> answers = {
      {"/v1/entries/5", entry5},
      {"/v1/entries/6", cli.Remote(s, "show 6 --json --vkey " + vkey, "auditor").out},
      {"/checkpoint", cli.Remote(s, "checkpoint", "").out},
      {"/v1/log", "{\"checkpointVkey\":\"" + vkey + "\"}"},
      {"/v1/proofs/inclusion?seq=5&size=" + size,
       cli.Remote(s, "prove inclusion 5 --size " + size + " --json", "").out}};
  auto lied = [&](const std::string& target, const std::string& body) {
    auto told = answers;
    told[target] = body;
    Liar liar(told);
    return cli.Run("--server " + liar.url() + " show 5 --json --vkey " + vkey + " --key " +
                   cli.Key("auditor"));
  };
  {
    Liar truthful(answers);  // the same answers, served by the liar, check out
    CHECK(cli.Run("--server " + truthful.url() + " show 5 --json --vkey " + vkey + " --key " +
                  cli.Key("auditor"))
              .exit_code == 0);
  }
  // Fields beside the entry bytes: the event shown, and the time.
  Ran altered_event = lied("/v1/entries/5", Replaced(entry5, "\"event\":{", "\"event\":{\"x\":1,"));
  CHECK(altered_event.exit_code == 1);
  CHECK(altered_event.out.empty());  // nothing unchecked is printed
  CHECK_THAT(altered_event.err, Contains("'event' is not what the signed body says"));
  size_t at = entry5.find("\"recordedAt\":\"") + 14;
  std::string moved = entry5;
  moved[at + 3] = moved[at + 3] == '9' ? '8' : '9';  // another year
  Ran altered_time = lied("/v1/entries/5", moved);
  CHECK(altered_time.exit_code == 1);
  CHECK_THAT(altered_time.err, Contains("'recordedAt' is not the time inside the entry"));

  Ran swapped = lied("/v1/entries/5", answers["/v1/entries/6"]);
  CHECK(swapped.exit_code == 1);
  CHECK_THAT(swapped.err, Contains("the entry is seq 6"));

  auto entry = DecodeEntry(
      *Base64Decode(entry5.substr(entry5.find("\"entry\":\"") + 9,
                                  entry5.find("\",\"leafHash") - entry5.find("\"entry\":\"") - 9)));
  REQUIRE(entry.ok());
  Bytes original = EncodeEntry(*entry);
  std::string leaf = HexEncode(merkle::LeafHash(original));
  Ran bad_leaf = lied("/v1/entries/5", Replaced(entry5, leaf, std::string(64, '0')));
  CHECK(bad_leaf.exit_code == 1);
  CHECK_THAT(bad_leaf.err, Contains("'leafHash' is not the hash of 'entry'"));

  // The server forges entry 5: the same event, signed with a key of its own.
  const PrivateKey forger = KeyFor("forger");
  Entry forged = *entry;
  forged.envelope = SignEnvelope(entry->envelope.body, f.ledger().origin(), forger);
  Bytes forged_bytes = EncodeEntry(forged);
  std::string forged_json = Replaced(entry5, Base64Encode(original), Base64Encode(forged_bytes));
  forged_json = Replaced(forged_json, leaf, HexEncode(merkle::LeafHash(forged_bytes)));
  size_t key_at = forged_json.find("\"publicKey\":\"") + 13;
  forged_json.replace(key_at, forged_json.find('"', key_at) - key_at,
                      Base64Encode(forger.Public().raw()));
  forged_json =
      Replaced(forged_json, HexEncode(entry->envelope.key_id), HexEncode(forged.envelope.key_id));
  forged_json = Replaced(forged_json, Base64Encode(entry->envelope.signature),
                         Base64Encode(forged.envelope.signature));
  Ran forged_run = lied("/v1/entries/5", forged_json);
  CHECK(forged_run.exit_code == 1);
  CHECK_THAT(forged_run.err, Contains("the inclusion proof"));
  // ... or names the honest signer's public key beside the forged signature.
  Ran mismatched =
      lied("/v1/entries/5",
           Replaced(Replaced(entry5, Base64Encode(original), Base64Encode(forged_bytes)), leaf,
                    HexEncode(merkle::LeafHash(forged_bytes))));
  CHECK(mismatched.exit_code == 1);
  CHECK_THAT(mismatched.err, Contains("'publicKey' is not the key whose id the entry names"));
}

TEST_CASE(
    "client: an eligibility answer that names no tree (no Probity-Checkpoint field) is "
    "refused with exit 3, printing nothing",
    "[client]") {
  ProgramLedger f;
  Fill(f);
  Served s(f);
  Cli cli(f);
  Ran honest = cli.Remote(s, "eligibility 2019 --json", "hr");
  REQUIRE(honest.exit_code == 0);
  // The same list from a server that leaves out the field.
  Liar liar({{"/v1/eligibility/2019", honest.out}});
  Ran bare = cli.Run("--server " + liar.url() + " eligibility 2019 --json --key " + cli.Key("hr"));
  CHECK(bare.exit_code == 3);
  CHECK(bare.out.empty());
  CHECK_THAT(bare.err, Contains("names no checkpoint (Probity-Checkpoint: <size> <root>)"));
}

}  // namespace
}  // namespace probity
