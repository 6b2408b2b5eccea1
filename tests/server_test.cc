// probity serve over real sockets on loopback (server/serve.h): signed requests (RFC 9421)
// name a principal, each role reads what program-rules.md allows (403 beyond, 401 for
// unsigned, stale, replayed, badly signed or revoked), documents equal the command line's,
// and concurrent submissions share synced writes, each all or nothing on its own.
// Real store, keys, signatures and TCP; nothing mocked.
#include <catch2/catch.hpp>
#include <cstring>
#include <future>
#include <map>
#include <string>
#include <thread>

#include "ledger/access_log.h"
#include "ledger/entry.h"
#include "ledger/verify.h"
#include "projections/evidence.h"
#include "projections/report_codec.h"
#include "projections/reports.h"
#include "server/evidence_page.h"
#include "server/http_signature.h"
#include "server/serve.h"
#include "server/service.h"
#include "server/tiles.h"
#include "tests/server_fixture.h"

namespace probity::server {
namespace {

using Catch::Matchers::Contains;
using namespace ptest;

constexpr int64_t kNow = 1700000000;  // the server's clock and the signers'

// A server whose clock stands at kNow, when every request here is signed.
ServedOptions AtNow(std::string public_origin = "") {
  return {.now = [] { return kNow; }, .public_origin = std::move(public_origin), .tls_dir = {}};
}

TEST_CASE("serve: the checkpoint and proofs are public, everything else needs a signature",
          "[server]") {
  ProgramLedger f;
  Served s(f, AtNow());
  Reply cp = s.Get("/checkpoint", "");
  CHECK(cp.status == 200);
  CHECK(cp.body.rfind(f.ledger().origin() + "\n" + std::to_string(f.ledger().size()) + "\n", 0) ==
        0);
  Reply proof = s.Get("/v1/proofs/inclusion?seq=3", "");
  CHECK(proof.status == 200);
  CHECK_THAT(proof.body, Contains("\"index\":3"));
  Reply unsigned_read = s.Get("/v1/roster?date=2019-05-15", "");
  CHECK(unsigned_read.status == 401);
  CHECK_THAT(unsigned_read.body, Contains("{\"error\":"));
  CHECK(s.Get("/nowhere", "").status == 404);
}

TEST_CASE(
    "serve: a reviewer reads a record exactly as the command line prints it, the same "
    "signature used again, a stale one, another key's or a revoked key's is 401",
    "[server]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  f.RegisterKey("reviewer-2", "reviewer");
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  Served s(f, AtNow());
  std::string request = s.Request("GET", "/v1/persons/P1/record", "reviewer");
  Reply r = Exchange(s.port(), request);
  REQUIRE(r.status == 200);
  auto report = ReplayRecord(f.ledger().View(), "P1", AsOf{}, false);
  REQUIRE(report.ok());
  CHECK(r.body == RecordJson(*report, AsOf{}));
  // The same signed request again: a replay.
  Reply replay = Exchange(s.port(), request);
  CHECK(replay.status == 401);
  CHECK_THAT(replay.body, Contains("replay"));
  // Relabelled, or with a parameter added to the Signature member: the same signature.
  std::string relabelled = request;
  for (size_t at; (at = relabelled.find("sig1=")) != std::string::npos;)
    relabelled.replace(at, 5, "x=");
  CHECK(Exchange(s.port(), relabelled).status == 401);
  std::string with_parameter = request;
  with_parameter.insert(with_parameter.find("==:", with_parameter.find("Signature: ")) + 3, ";a");
  CHECK(Exchange(s.port(), with_parameter).status == 401);
  // Signed six minutes ago.
  CHECK(s.Send("GET", "/v1/persons/P1/record", "reviewer", "", kNow - 360).status == 401);
  // A tampered target: signed for P1, sent for P2.
  std::string tampered = request;
  tampered.replace(tampered.find("/v1/persons/P1"), 14, "/v1/persons/P2");
  CHECK(Exchange(s.port(), tampered).status == 401);
  // A revoked key is refused from its revocation on.
  f.Ok("admin", test::RevokeJson(f.key("reviewer-2")));
  Reply revoked = s.Get("/v1/persons/P1/record", "reviewer-2");
  CHECK(revoked.status == 401);
  CHECK_THAT(revoked.body, Contains("revoked"));
}

TEST_CASE("serve: a malformed target or query is 400 naming what is wrong, before any work",
          "[server]") {
  ProgramLedger f;
  Served s(f, AtNow());
  struct Case {
    std::string target, says;
  };
  const std::vector<Case> cases = {
      {"/v1/persons?q=%zz", "%-escape"},
      {"/v1/persons?q=%4", "%-escape"},
      {"/v1/persons?q=%00", "%-escape"},
      {"/v1/persons?q=a&q=b", "repeated"},
      {"/v1/persons?q=" + std::string(101, 'x'), "at most 100"},
      {"/v1/units?q=" + std::string(101, 'x'), "at most 100"},
      {"/v1/persons/P%zz/record", "%-escape"},
      {"/v1/roster?date=2019-02-30", "YYYY-MM-DD"},
      {"/v1/eligibility/19", "four digits"},
      {"/v1/persons/P1/record?asOfSeq=99999999999999999999", "whole number"},
      {"/v1/proofs/inclusion?seq=x", "whole numbers"},
  };
  for (const auto& c : cases) {
    Reply r = s.Get(c.target, "hr");
    INFO(c.target << " -> " << r.status << " " << r.body);
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Contains(c.says));
  }
}

TEST_CASE("serve: with --public-origin, a request signed for another origin is 401", "[server]") {
  ProgramLedger f;
  Served s(f, AtNow("https://probity.example"));
  Reply r = s.Get("/v1/roster?date=2019-05-15", "hr");  // signed for http://127.0.0.1:PORT
  CHECK(r.status == 401);
  CHECK_THAT(r.body, Contains("this server is https://probity.example"));
  CHECK(s.Get("/checkpoint", "").status == 200);  // public reads need no origin
}

TEST_CASE("serve: each role is refused (403) what program-rules.md does not let it read",
          "[server]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  Served s(f, AtNow());
  struct Case {
    std::string signer, target;
    int status;
  };
  const std::vector<Case> cases = {
      {"reviewer", "/v1/eligibility/2019", 200},
      {"reviewer", "/v1/persons/P1/leave", 403},
      {"hr", "/v1/persons/P1/leave", 200},
      {"dispatcher-U1", "/v1/persons/P1/record", 200},
      {"dispatcher-U1", "/v1/persons/P3/record", 403},  // P3 is U2's
      {"dispatcher-U1", "/v1/eligibility/2019", 403},
      {"leader-P1", "/v1/persons/P1/record", 200},
      {"leader-P1", "/v1/persons/P2/record", 403},
      {"party", "/v1/roster?date=2019-05-15", 200},
      {"party", "/v1/persons/P1/record", 403},
      {"guarantor-U1", "/v1/explanations", 200},
      {"guarantor-U1", "/v1/roster?date=2019-05-15", 403},
      {"auditor", "/v1/persons/P1/record", 403},
      {"enforcement", "/v1/persons?q=P", 200},
  };
  for (const auto& c : cases) {
    Reply r = s.Get(c.target, c.signer);
    INFO(c.signer << " GET " << c.target << " -> " << r.status << " " << r.body);
    CHECK(r.status == c.status);
    if (c.status == 403) CHECK_THAT(r.body, Contains("may not read"));
  }
}

TEST_CASE(
    "serve: /v1/log names the checkpoint key, /v1/whoami the principal, /v1/entries/SEQ is "
    "show --json with the signer's key (sealed values for HR only), eligibility CSV is the "
    "command line's bytes",
    "[server]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  uint64_t restriction = f.Ok("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-05-20"));
  Served s(f, AtNow());
  std::string log = s.Read("/v1/log", "");
  CHECK_THAT(log,
             Contains("\"checkpointVkey\":" + JsonQuote(f.ledger().checkpoint_verifier().Vkey())));
  CHECK_THAT(log, Contains("\"origin\":" + JsonQuote(f.ledger().origin())));

  std::string who = s.Read("/v1/whoami", "dispatcher-U1");
  CHECK_THAT(who, Contains("\"role\":\"dispatcher\""));
  CHECK_THAT(who, Contains("\"unit\":\"U1\""));
  CHECK(s.Get("/v1/whoami", "").status == 401);

  const std::string target = "/v1/entries/" + std::to_string(restriction);
  std::string auditor = s.Read(target, "auditor");
  auto expected = EntryJson(f.ledger().View(), restriction, false);
  REQUIRE(expected.ok());
  CHECK(auditor == *expected);
  CHECK_THAT(auditor,
             Contains("\"publicKey\":\"" + Base64Encode(f.key("hr").Public().raw()) + "\""));
  CHECK_THAT(auditor, Contains("\"signer\":{\"role\":\"hr\""));
  CHECK_THAT(auditor, !Contains("health"));  // the sealed reason stays sealed
  CHECK_THAT(s.Read(target, "hr"), Contains("\"value\":\"health\""));
  CHECK(s.Get(target, "dispatcher-U1").status == 403);
  CHECK(s.Get("/v1/entries/999999", "auditor").status == 404);
  CHECK(s.Get("/v1/entries/x1", "auditor").status == 400);

  std::string csv = s.Read("/v1/eligibility/2019?format=csv", "hr");
  auto report = Eligibility(f.ledger().View(), 2019, false);
  REQUIRE(report.ok());
  CHECK(csv == EligibilityCsv(*report));
  CHECK(csv.rfind("\xEF\xBB\xBFperson,name,unit,category,", 0) == 0);
  CHECK(s.Get("/v1/eligibility/2019?format=xml", "hr").status == 400);
}

// How many times `needle` occurs in `text`.
size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_CASE(
    "serve: an evidence pack through the server is the command line's pack, as an attachment, "
    "recorded as a read of the person's file, R1-reduced readers and sealed values beyond HR "
    "are 403",
    "[server][evidence]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  f.Ok("dispatcher-U1", AssignJ("A1", "P1", "G1", "2019-05-10", "2019-05-24"));
  uint64_t restriction = f.Ok("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-05-20"));
  Served s(f, AtNow());

  Reply json = s.Get("/v1/persons/P1/evidence?format=json&asOfSeq=" + std::to_string(restriction),
                     "reviewer");
  REQUIRE(json.status == 200);
  EvidenceOptions options;
  options.as_of.seq = restriction;
  auto pack = BuildEvidence(f.ledger().View(), "P1", options);
  REQUIRE(pack.ok());
  CHECK(json.body == pack->json + "\n");
  CHECK_THAT(json.head, Contains("Content-Disposition: attachment; filename=\"evidence-P1.json\""));
  // Sealed values stay out unless HR asks for them.
  CHECK_THAT(json.body, !Contains("\"sealed\":"));
  Reply page = s.Get("/v1/persons/P1/evidence?lang=en", "reviewer");
  REQUIRE(page.status == 200);
  auto latest = BuildEvidence(f.ledger().View(), "P1", EvidenceOptions{});
  REQUIRE(latest.ok());
  auto html = EvidencePage(*latest, Lang::kEn);
  REQUIRE(html.ok());
  CHECK_THAT(page.head, Contains("Content-Type: text/html"));
  CHECK(page.body == *html);

  Reply sealed = s.Get("/v1/persons/P1/evidence?format=json&sealed=1", "hr");
  REQUIRE(sealed.status == 200);
  options = {};
  options.include_sensitive = true;
  auto with_sealed = BuildEvidence(f.ledger().View(), "P1", options);
  REQUIRE(with_sealed.ok());
  CHECK(sealed.body == with_sealed->json + "\n");
  CHECK_THAT(sealed.body, Contains("\"sealed\":"));

  struct Case {
    std::string signer, target;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"reviewer", "/v1/persons/P1/evidence?sealed=1", 403, "only HR"},
      {"dispatcher-U1", "/v1/persons/P1/evidence", 403, "without R1"},
      {"leader-P1", "/v1/persons/P1/evidence?format=json", 200, ""},
      {"leader-P1", "/v1/persons/P2/evidence", 403, "may not read"},
      {"auditor", "/v1/persons/P1/evidence", 403, "may not read"},
      {"reviewer", "/v1/persons/P1/evidence?format=pdf", 400, "html or json"},
      {"reviewer", "/v1/persons/P1/evidence?asOf=2019-05-01&asOfSeq=3", 400, "not both"},
      {"reviewer", "/v1/persons/P1/evidence?lang=fr", 400, "zh or en"},
      {"reviewer", "/v1/persons/NOBODY/evidence", 404, "NOBODY"},
      {"", "/v1/persons/P1/evidence", 401, ""},
  };
  for (const auto& c : cases) {
    Reply r = s.Get(c.target, c.signer);
    INFO(c.signer << " GET " << c.target << " -> " << r.status << " " << r.body);
    CHECK(r.status == c.status);
    if (!c.says.empty()) CHECK_THAT(r.body, Contains(c.says));
  }
  // The reviewer's two packs, HR's and the group leader's are P1's file: in the access log.
  std::string log = s.Read("/v1/access-log?person=P1", "hr");
  CHECK(Occurrences(log, "\"what\":\"evidence\"") == 4);
  VerifyOptions verify;
  verify.rules = &TheRules();
  verify.threads = 1;
  auto report = VerifyLedger(f.ledger(), verify);
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok());
}

TEST_CASE(
    "serve: every read of a record, leave, an eligibility list or a sealed value is in the "
    "access log before it is answered, with the reader's own request signature, HR lists who "
    "read a person's file, verify checks the access log's tree, checkpoint and signatures",
    "[server][access]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  uint64_t restriction = f.Ok("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-05-20"));
  Served s(f, AtNow());
  const std::string entry = "/v1/entries/" + std::to_string(restriction);
  s.Read("/v1/persons/P1/record", "reviewer");
  s.Read("/v1/persons/P1/leave", "dispatcher-U1");
  s.Read(entry, "hr");       // the sealed reason in clear
  s.Read(entry, "auditor");  // sealed value withheld, still P1's file
  s.Read("/v1/eligibility/2019?format=csv", "reviewer");
  s.Read("/v1/persons/P2/record", "reviewer");
  s.Read("/v1/roster?date=2019-05-15", "hr");                              // not a person's file
  REQUIRE(s.Get("/v1/persons/P3/record", "dispatcher-U1").status == 403);  // refused: not read

  std::string log = s.Read("/v1/access-log?person=P1", "hr");
  INFO(log);
  CHECK(Occurrences(log, "\"what\":") == 4);
  size_t record = log.find("\"what\":\"record\",\"target\":\"/v1/persons/P1/record\"");
  size_t leave = log.find("\"what\":\"leave\"");
  size_t sealed = log.find("\"what\":\"entry\",\"target\":\"" + entry + "\"");
  REQUIRE(record != std::string::npos);
  REQUIRE(leave != std::string::npos);
  REQUIRE(sealed != std::string::npos);
  CHECK((record < leave && leave < sealed));  // oldest first
  CHECK_THAT(log, Contains("\"role\":\"reviewer\""));
  CHECK_THAT(log, Contains("\"role\":\"dispatcher\""));
  CHECK_THAT(log, Contains("\"keyId\":\"" + HexEncode(f.key("hr").Public().KeyId()) + "\""));
  CHECK(s.Get("/v1/access-log?person=P1", "reviewer").status == 403);  // HR's question only
  // A HEAD of a recorded read is refused: only GETs are recorded (and verified).
  CHECK(s.Send("HEAD", "/v1/persons/P1/record", "reviewer", "", kNow - 2).status == 405);
  CHECK(s.Get("/v1/access-log", "hr").status == 400);
  CHECK_THAT(s.Read("/v1/access-log?person=P3", "hr"), Contains("\"accesses\":[]"));

  LedgerView view = f.ledger().View();
  auto size = AccessLogSize(view);
  REQUIRE(size.ok());
  CHECK(*size == 6);  // P1 record, P1 leave, the entry twice, the list, P2 record
  auto lists = AccessesAbout(view, "eligibility/2019", 10);
  REQUIRE(lists.ok());
  REQUIRE(lists->size() == 1);
  CHECK((*lists)[0].record.key_id == f.key("reviewer").Public().KeyId());
  CHECK((*lists)[0].record.target == "/v1/eligibility/2019?format=csv");
  CHECK((*lists)[0].record.log_size == f.ledger().size());
  CHECK(f.key("reviewer")
            .Public()
            .Verify(AsBytes((*lists)[0].record.signature_base), (*lists)[0].record.signature));

  std::string cp = s.Read("/v1/access-log/checkpoint", "");
  CHECK(cp.rfind(f.ledger().origin() + "/access\n6\n", 0) == 0);
  auto opened = note::Open(cp, {f.ledger().checkpoint_verifier()});
  CHECK(opened.ok());

  VerifyOptions options;
  options.rules = &TheRules();
  options.threads = 1;
  auto report = VerifyLedger(f.ledger(), options);
  REQUIRE(report.ok());
  INFO(report->problem);
  CHECK(report->ok());
  CHECK(report->access_entries == 6);
}

TEST_CASE("serve: a read that cannot be recorded in the access log is not answered (503)",
          "[server][access]") {
  ProgramLedger f;
  f.Close();
  // Read-only: the access log cannot be written, so no record may be read.
  Ledger::Options ledger_options;
  ledger_options.rules = &TheRules();
  auto ledger = Ledger::Open(f.dir(), Store::Mode::kReadOnly, ledger_options);
  REQUIRE(ledger.ok());
  Service::Options options;
  options.now = [] { return kNow; };
  std::vector<std::string> logged;
  options.on_error = [&logged](std::string_view what) { logged.emplace_back(what); };
  Service service(**ledger, options);
  auto sign = [&](const std::string& target) {
    http::Request q;
    q.method = "GET";
    q.target = target;
    q.scheme = "http";
    q.authority = "probity.test";
    auto h = httpsig::SignRequest("GET", "http://probity.test" + target, "", f.key("hr"), kNow);
    REQUIRE(h.ok());
    q.fields = {{"Signature-Input", h->signature_input}, {"Signature", h->signature}};
    return q;
  };
  http::Response record = service.Read(sign("/v1/persons/P1/record"));
  CHECK(record.status == 503);
  CHECK_THAT(record.body, !Contains("P1"));
  CHECK(service.Read(sign("/v1/eligibility/2019")).status == 503);
  REQUIRE(logged.size() == 2);
  CHECK_THAT(logged[0], Contains("access log"));
  http::Response roster = service.Read(sign("/v1/roster?date=2019-05-15"));
  INFO(roster.body);
  CHECK(roster.status == 200);  // not a person's file: not recorded
}

// MTH of the perfect subtree of 2^height leaves at `index`, from the public hash tiles
// only (as tlog clients read them): the level floor(height/8) tile holds the 2^(height%8)
// hashes it folds.
Hash SubtreeFromTiles(const Served& s, uint32_t height, uint64_t index,
                      std::map<std::string, std::string>& fetched) {
  uint32_t level = height / 8, within = height % 8;
  uint64_t first = index << within;  // at the tile's level
  uint64_t tile = first / kTileWidth;
  std::string path = FormatTilePath({false, static_cast<uint8_t>(level), tile, kTileWidth});
  if (!fetched.count(path)) {
    Reply r = s.Get("/" + path, "");
    if (r.status == 404) {
      // The last tile of a level is partial: ask for the widest one there is.
      for (uint32_t w = kTileWidth - 1; w >= 1 && r.status == 404; --w) {
        r = s.Get("/" + FormatTilePath({false, static_cast<uint8_t>(level), tile, w}), "");
      }
    }
    REQUIRE(r.status == 200);
    fetched[path] = r.body;
  }
  const std::string& bytes = fetched[path];
  std::vector<Hash> layer;
  for (uint64_t i = first % kTileWidth; i < first % kTileWidth + (uint64_t{1} << within); ++i) {
    REQUIRE(bytes.size() >= (i + 1) * 32);
    Hash h;
    std::memcpy(h.data(), bytes.data() + i * 32, 32);
    layer.push_back(h);
  }
  while (layer.size() > 1) {
    std::vector<Hash> up;
    for (size_t i = 0; i < layer.size(); i += 2)
      up.push_back(merkle::NodeHash(layer[i], layer[i + 1]));
    layer = up;
  }
  return layer[0];
}

TEST_CASE(
    "serve: C2SP tlog-tiles: the public hash tiles fold to the checkpoint's root, the entry "
    "bundles (auditor and admin only) hold the exact entries whose leaf hashes tile 0 lists",
    "[server][tiles]") {
  ProgramLedger f;
  std::vector<std::pair<std::string, std::string>> batch;
  for (int i = 0; f.ledger().size() + batch.size() < 600; ++i) {
    batch.push_back({"hr", PersonJ("T" + std::to_string(i), "U1")});
    if (batch.size() == 100) {
      REQUIRE(f.Batch(batch).ok());
      batch.clear();
    }
  }
  if (!batch.empty()) REQUIRE(f.Batch(batch).ok());
  const uint64_t size = f.ledger().size();
  REQUIRE(size == 600);
  Served s(f, AtNow());

  // The root from tiles alone: the right edge's perfect subtrees, folded from the right.
  std::map<std::string, std::string> fetched;
  std::vector<Hash> edge;
  uint64_t start = 0;
  for (int bit = 63; bit >= 0; --bit) {
    if (!(size >> bit & 1)) continue;
    edge.push_back(SubtreeFromTiles(s, static_cast<uint32_t>(bit), start >> bit, fetched));
    start += uint64_t{1} << bit;
  }
  Hash root = edge.back();
  for (size_t i = edge.size() - 1; i-- > 0;) root = merkle::NodeHash(edge[i], root);
  CHECK(root == f.ledger().View().root());
  // 600 = 512 + 64 + 16 + 8: one subtree from level 1, three from the partial tile 0/002.
  CHECK(fetched.size() == 2);
  CHECK(fetched.count("tile/1/000"));
  CHECK(fetched.count("tile/0/002"));
  fetched["tile/0/000"] = s.Read("/tile/0/000", "");
  REQUIRE(fetched["tile/0/000"].size() == 256 * 32);
  CHECK(s.Get("/tile/1/000.p/2", "").body.size() == 64);
  CHECK(s.Get("/tile/1/000.p/3", "").status == 404);  // beyond the tree
  CHECK(s.Get("/tile/0/002.p/88", "").status == 200);
  CHECK(s.Get("/tile/0/002.p/89", "").status == 404);
  CHECK(s.Get("/tile/0/003.p/1", "").status == 404);
  CHECK(s.Get("/tile/0/x000/001", "").status == 404);  // not the one spelling
  // A partial tile is a prefix of the full one it grows into.
  CHECK(s.Get("/tile/0/000.p/7", "").body == fetched["tile/0/000"].substr(0, 7 * 32));

  // Entry bundles: big-endian uint16 length, then the exact entry bytes.
  std::string bundle = s.Read("/tile/entries/002.p/88", "auditor");
  size_t at = 0;
  for (uint64_t seq = 512; seq < 600; ++seq) {
    REQUIRE(at + 2 <= bundle.size());
    size_t length = static_cast<uint8_t>(bundle[at]) << 8 | static_cast<uint8_t>(bundle[at + 1]);
    at += 2;
    REQUIRE(at + length <= bundle.size());
    auto stored = f.ledger().View().ReadEntryBytes(seq);
    REQUIRE(stored.ok());
    std::string entry = bundle.substr(at, length);
    CHECK(entry == std::string(stored->begin(), stored->end()));
    at += length;
  }
  CHECK(at == bundle.size());
  std::string first = s.Read("/tile/entries/000", "admin");
  size_t length0 = static_cast<uint8_t>(first[0]) << 8 | static_cast<uint8_t>(first[1]);
  CHECK(HexEncode(merkle::LeafHash(AsBytes(first.substr(2, length0)))) ==
        HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(fetched["tile/0/000"].data()), 32)));
  CHECK(s.Get("/tile/entries/000", "").status == 401);
  CHECK(s.Get("/tile/entries/000", "dispatcher-U1").status == 403);
  CHECK(s.Get("/tile/entries/000", "enforcement").status == 403);
  CHECK(s.Get("/tile/entries/000", "hr").status == 403);
  CHECK(s.Get("/tile/entries/003.p/1", "auditor").status == 404);
}

TEST_CASE(
    "serve: a dispatcher's view of a record leaves out R1 and every correction of it, whose "
    "reasons may say why",
    "[server]") {
  ProgramLedger f;
  uint64_t restriction = f.Ok("hr", RestrictionJ("P1", "health", "2019-05-01", "2019-05-20"));
  uint64_t retraction = f.Ok("admin", RetractJ(restriction, "wrong person: P1 is not ill"));
  Served s(f, AtNow());
  std::string hr = s.Read("/v1/persons/P1/record", "hr");
  CHECK_THAT(hr, Contains("\"seq\":" + std::to_string(restriction)));
  CHECK_THAT(hr, Contains("P1 is not ill"));
  std::string d = s.Read("/v1/persons/P1/record", "dispatcher-U1");
  CHECK_THAT(d, !Contains("\"seq\":" + std::to_string(restriction) + ","));
  CHECK_THAT(d, !Contains("\"seq\":" + std::to_string(retraction) + ","));
  CHECK_THAT(d, !Contains("not ill"));
  CHECK_THAT(d, Contains("personRegistered"));
  // The restriction was retracted: of R1 the dispatcher learns only "no".
  CHECK_THAT(d, Contains("\"restricted\":\"no\""));
  CHECK_THAT(hr, !Contains("\"restricted\""));  // HR sees the events themselves
  // As the ledger stood before the retraction, on a day inside the restriction: "yes".
  std::string then =
      s.Read("/v1/persons/P1/record?asOfSeq=" + std::to_string(restriction), "dispatcher-U1");
  CHECK_THAT(then, Contains("\"restricted\":\"no\""));  // today is past 2019-05-20
  uint64_t open_ended = f.Ok("hr", RestrictionJ("P1", "health", "2019-06-01"));
  // (The same request as above, signed a second earlier: a new signature.)
  Reply now = s.Send("GET", "/v1/persons/P1/record", "dispatcher-U1", "", kNow - 1);
  REQUIRE(now.status == 200);
  CHECK_THAT(now.body, Contains("\"restricted\":\"yes\""));
  CHECK_THAT(now.body, !Contains("\"seq\":" + std::to_string(open_ended) + ","));
  CHECK_THAT(s.Read("/v1/persons/P1/record?asOf=2019-05-31", "dispatcher-U1"),
             Contains("\"restricted\":\"no\""));
}

TEST_CASE(
    "serve: concurrent submissions land, each request all or nothing on its own, with "
    "receipts only once durable",
    "[server]") {
  ProgramLedger f;
  Served s(f, AtNow());
  uint64_t size = f.ledger().size();
  EventCodec codec;
  auto line = [&](const std::string& signer, const std::string& json) {
    return EnvelopeToJson(f.Sign(signer, json), codec) + "\n";
  };
  // Eight requests at once: even ones register a person, odd ones name an unknown unit.
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < 8; ++i) {
    std::string body = i % 2 == 0 ? line("hr", PersonJ("PX" + std::to_string(i), "U1"))
                                  : line("hr", PersonJ("PY" + std::to_string(i), "U404"));
    std::string request = s.Request("POST", "/v1/events", "hr", body);
    replies.push_back(
        std::async(std::launch::async, [&s, request] { return Exchange(s.port(), request); }));
  }
  int landed = 0;
  for (int i = 0; i < 8; ++i) {
    Reply r = replies[i].get();
    INFO("request " << i << ": " << r.status << " " << r.body);
    if (i % 2 == 0) {
      CHECK(r.status == 200);
      CHECK_THAT(r.body, Contains("\"receipts\":[{\"seq\":"));
      ++landed;
    } else {
      CHECK(r.status == 422);
      CHECK_THAT(r.body, Contains("line 1: refused"));
      CHECK_THAT(r.body, Contains("U404"));
    }
  }
  CHECK(landed == 4);
  CHECK(f.ledger().size() == size + 4);
  f.RequireVerifies();
  // A body that is not signed envelopes is 400; an unsigned POST 401.
  CHECK(s.Send("POST", "/v1/events", "hr", "not json\n").status == 400);
  CHECK(s.Send("POST", "/v1/events", "", line("hr", PersonJ("PZ", "U1"))).status == 401);
}

TEST_CASE(
    "serve: /v1/units is `units --json` for any registered key, /v1/keys `keys --json` for "
    "hr, reviewer, enforcement, admin and auditor (403 naming who may for the others), "
    "/v1/persons `persons --json` within the key's scope (without q, the first 50 and "
    "\"more\"), none is in the access log, unsigned is 401",
    "[server]") {
  ProgramLedger f;
  f.RegisterKey("reviewer", "reviewer");
  const std::vector<std::string> readers = {"hr", "reviewer", "enforcement", "admin", "auditor"};
  const std::vector<std::string> others = {"dispatcher-U1", "leader-P1", "party", "guarantor-U1"};
  LedgerView view = f.ledger().View();
  auto units = FindUnits(view, "");
  auto u2 = FindUnits(view, "u2");
  auto keys = ListKeys(view);
  REQUIRE(units.ok());
  REQUIRE(u2.ok());
  REQUIRE(keys.ok());
  REQUIRE(u2->units.size() == 1);
  Served s(f, AtNow());

  for (const auto& who : readers) {
    INFO(who);
    CHECK(s.Read("/v1/units", who) == UnitsJson(*units));
    CHECK(s.Read("/v1/keys", who) == KeysJson(*keys));
  }
  for (const auto& who : others) {
    INFO(who);
    CHECK(s.Read("/v1/units", who) == UnitsJson(*units));
    CHECK(s.Read("/v1/units?q=u2", who) == UnitsJson(*u2));
    Reply r = s.Get("/v1/keys", who);
    INFO(r.body);
    CHECK(r.status == 403);
    CHECK_THAT(r.body, Contains("may not read the key registry (only hr, reviewer, enforcement, "
                                "admin and auditor keys read it"));
  }
  // What the documents hold: a provincial department's province, a key's scope and revocation.
  std::string all_units = UnitsJson(*units);
  CHECK_THAT(all_units, Contains("{\"unit\":\"U4\",\"name\":\"河北省生态环境厅\","
                                 "\"kind\":\"provincialDepartment\",\"province\":\"13\"}"));
  CHECK_THAT(all_units, Contains("\"kind\":\"ministryDepartment\"}"));
  std::string registry = KeysJson(*keys);
  CHECK_THAT(registry,
             Contains("\"keyId\":\"" + HexEncode(f.key("dispatcher-U1").Public().KeyId()) +
                      "\",\"holder\":"));
  CHECK_THAT(registry, Contains("\"role\":\"groupLeader\",\"person\":\"P1\""));
  CHECK_THAT(registry, Contains("\"revokedSeq\":null}"));
  CHECK(s.Get("/v1/units", "").status == 401);
  CHECK(s.Get("/v1/keys", "").status == 401);

  // Persons within the key's scope, the command line's document (category included).
  auto everyone = FindPersons(view, "", 50);
  auto of_u1 = FindPersons(view, "", 50, {"U1", ""});
  auto p1 = FindPersons(view, "", 50, {"", "P1"});
  REQUIRE(everyone.ok());
  REQUIRE(of_u1.ok());
  REQUIRE(p1.ok());
  CHECK(s.Read("/v1/persons", "reviewer") == PersonsJson(*everyone));
  CHECK(s.Read("/v1/persons?q=", "hr") == PersonsJson(*everyone));
  CHECK_THAT(PersonsJson(*everyone),
             Contains("{\"person\":\"P1\",\"name\":\"张伟\",\"unit\":\"U1\",\"category\":"
                      "\"civilServant\"}"));
  CHECK(s.Read("/v1/persons", "dispatcher-U1") == PersonsJson(*of_u1));
  CHECK(s.Read("/v1/persons", "leader-P1") == PersonsJson(*p1));
  CHECK(p1->persons.size() == 1);
  CHECK(s.Get("/v1/persons", "party").status == 403);
  CHECK(s.Get("/v1/persons", "").status == 401);

  // Nothing of it is a person's record: the access log is still empty.
  auto size = AccessLogSize(f.ledger().View());
  REQUIRE(size.ok());
  CHECK(*size == 0);

  // Over 50: the first 50 by id, and "more".
  for (int i = 0; i < 50; ++i) f.Ok("hr", PersonJ("Q" + std::to_string(100 + i), "U3"));
  auto first = FindPersons(f.ledger().View(), "", 50);
  REQUIRE(first.ok());
  CHECK(first->persons.size() == 50);
  CHECK(first->more);
  std::string cut = s.Read("/v1/persons", "hr");
  CHECK(cut == PersonsJson(*first));
  CHECK(cut.ends_with("],\"more\":true}"));
}

}  // namespace
}  // namespace probity::server
