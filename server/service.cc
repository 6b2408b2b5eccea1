#include "server/service.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/indexes.h"
#include "ledger/json.h"
#include "ledger/merkle.h"
#include "ledger/request_target.h"
#include "ledger/store.h"
#include "projections/dates.h"
#include "projections/evidence.h"
#include "projections/report_codec.h"
#include "projections/reports.h"
#include "server/evidence_page.h"
#include "server/http_signature.h"
#include "server/tiles.h"
#include "server/web_assets.h"

namespace probity::server {
namespace {

using Target = RequestTarget;

std::optional<uint64_t> Number(const std::map<std::string, std::string>& query,
                               const std::string& key) {
  auto it = query.find(key);
  if (it == query.end() || it->second.empty() || it->second.size() > 19 ||
      it->second.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(it->second);
}

// The point a record is read as of: ?asOf=DATE or ?asOfSeq=SEQ (not both); the 400 to
// send when either is malformed.
std::optional<http::Response> AsOfQuery(const std::map<std::string, std::string>& query,
                                        AsOf* as_of);

http::Response Json(std::string body, int status = 200) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.fields.push_back({"Cache-Control", "no-store"});
  return r;
}

// The HTTP status of a Status from the core.
int HttpStatus(const Status& st) {
  switch (st.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
      return 400;
    case Code::kRefused:
      return 422;
    case Code::kNotFound:
      return 404;
    case Code::kUnavailable:
      return 503;
    case Code::kCorrupt:
    case Code::kIoError:
      return 500;
  }
  return 500;
}

std::string HexList(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i)
    out += (i ? ",\"" : "\"") + HexEncode(hashes[i]) + "\"";
  return out + "]";
}

// ?old=&new=: a consistency proof of a log of `log_size` (the main log or the access log),
// as `probity prove consistency --json` prints it, checked before it is sent.
http::Response ConsistencyProof(
    const Service& service, const Target& t, uint64_t log_size, const std::string& log_name,
    const std::function<Result<std::vector<Hash>>(uint64_t, uint64_t)>& prove,
    const std::function<Result<Hash>(uint64_t)>& root_at) {
  auto old_size = Number(t.query, "old");
  auto new_size = Number(t.query, "new");
  if (!old_size || !new_size) return Service::Error(400, "old and new must be whole numbers");
  if (*new_size > log_size || *old_size == 0 || *old_size > *new_size) {
    return Service::Error(404, "old must be from 1 to new, and new at most " + log_name +
                                   "'s size " + std::to_string(log_size));
  }
  auto proof = prove(*old_size, *new_size);
  if (!proof.ok()) return service.Failure(proof.status());
  auto old_root = root_at(*old_size);
  auto new_root = root_at(*new_size);
  if (!old_root.ok()) return service.Failure(old_root.status());
  if (!new_root.ok()) return service.Failure(new_root.status());
  Status st = merkle::VerifyConsistency(*old_size, *new_size, *proof, *old_root, *new_root);
  if (!st.ok()) return Service::Error(500, "the store's tree is damaged: " + st.message());
  return Json("{\"oldSize\":" + std::to_string(*old_size) + ",\"newSize\":" +
              std::to_string(*new_size) + ",\"hashes\":" + HexList(*proof) + ",\"oldRoot\":\"" +
              HexEncode(*old_root) + "\",\"newRoot\":\"" + HexEncode(*new_root) + "\"}");
}

// GET /v1/proofs/inclusion?seq=&size= and /v1/proofs/consistency?old=&new=, as
// `probity prove --json` prints them; never a proof that does not check.
http::Response Proof(const Service& service, const LedgerView& view, const std::string& kind,
                     const Target& t) {
  uint64_t log_size = view.size();
  if (kind == "inclusion") {
    auto seq = Number(t.query, "seq");
    auto size = t.query.count("size") ? Number(t.query, "size") : std::optional(log_size);
    if (!seq || !size) return Service::Error(400, "seq and size must be whole numbers");
    if (*size > log_size || *seq >= *size) {
      return Service::Error(404, "seq " + std::to_string(*seq) + " is not in a tree of size " +
                                     std::to_string(*size) + " (the log holds " +
                                     std::to_string(log_size) + ")");
    }
    auto entry = view.ReadEntryBytes(*seq);
    if (!entry.ok()) return service.Failure(entry.status());
    Hash leaf = merkle::LeafHash(*entry);
    auto proof = view.InclusionProof(*seq, *size);
    if (!proof.ok()) return service.Failure(proof.status());
    auto root = view.RootAt(*size);
    if (!root.ok()) return service.Failure(root.status());
    Status st = merkle::VerifyInclusion(*seq, *size, leaf, *proof, *root);
    if (!st.ok()) return Service::Error(500, "the store's tree is damaged: " + st.message());
    return Json("{\"index\":" + std::to_string(*seq) + ",\"treeSize\":" + std::to_string(*size) +
                ",\"leafHash\":\"" + HexEncode(leaf) + "\",\"hashes\":" + HexList(*proof) +
                ",\"root\":\"" + HexEncode(*root) + "\"}");
  }
  if (kind == "consistency") {
    return ConsistencyProof(
        service, t, log_size, "the log",
        [&](uint64_t a, uint64_t b) { return view.ConsistencyProof(a, b); },
        [&](uint64_t n) { return view.RootAt(n); });
  }
  return Service::Error(404, "no proof '" + kind + "': inclusion or consistency");
}

// GET /v1/persons[?q=TEXT]: persons whose id or name contains TEXT (ASCII case folded;
// without it, every person), within the grant's scope; at most 50, by id, with "more" when
// more match: the document `probity persons --json` prints.
http::Response Persons(const Service& service, const LedgerView& view, const Grant& grant,
                       const std::string& q) {
  auto found = FindPersons(view, q, 50, {grant.only_unit, grant.only_person});
  if (!found.ok()) return service.Failure(found.status());
  return Json(PersonsJson(*found));
}

std::optional<http::Response> AsOfQuery(const std::map<std::string, std::string>& query,
                                        AsOf* as_of) {
  if (query.count("asOf") && query.count("asOfSeq"))
    return Service::Error(400, "give asOf or asOfSeq, not both");
  if (auto d = query.find("asOf"); d != query.end()) {
    if (!ParseDay(d->second)) return Service::Error(400, "asOf must be a date YYYY-MM-DD");
    as_of->date = d->second;
  }
  if (query.count("asOfSeq")) {
    as_of->seq = Number(query, "asOfSeq");
    if (!as_of->seq) return Service::Error(400, "asOfSeq must be a whole number");
  }
  return std::nullopt;
}

}  // namespace

Service::Service(const Ledger& ledger, Options options)
    : ledger_(ledger), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
}

http::Response Service::Error(int status, const std::string& text) {
  http::Response r;
  r.status = status;
  r.body = "{\"error\":" + JsonQuote(text) + "}";
  r.fields.push_back({"Cache-Control", "no-store"});
  return r;
}

http::Response Service::Failure(const Status& st) const {
  int status = HttpStatus(st);
  if (status < 500) return Error(status, st.message());
  if (options_.on_error) options_.on_error(st.message());
  return Error(status, status == 503 ? "the store is unavailable; try again later"
                                     : "internal error; the server's log has the details");
}

Result<Principal> Service::Authenticate(const http::Request& request, const LedgerView& view,
                                        http::Response* error, AccessRecord* proof) {
  if (!options_.public_origin.empty() &&
      request.scheme + "://" + request.authority != options_.public_origin) {
    *error = Error(401, "this server is " + options_.public_origin + ", not " + request.scheme +
                            "://" + request.authority + "; sign requests for it");
    return Status::Refused("another origin");
  }
  httpsig::HttpRequestView sig{request.method,
                               request.scheme + "://" + request.authority + request.target,
                               httpsig::LookupIn(request.fields), request.body};
  int64_t now = options_.now();
  auto lookup = [&](std::string_view keyid) -> std::optional<PublicKey> {
    auto raw = HexDecode(keyid);
    if (!raw.ok() || raw->size() != 32) return std::nullopt;
    Hash id;
    std::copy(raw->begin(), raw->end(), id.begin());
    auto key = LookUpKey(view.state(), id);
    if (!key.ok() || !key->has_value() || (*key)->revoked_seq) return std::nullopt;
    auto pub = PublicKey::FromRaw((*key)->public_key);
    if (!pub.ok()) return std::nullopt;
    return *pub;
  };
  auto verified = httpsig::VerifyRequestSignature(sig, now, lookup);
  if (!verified.ok()) {
    *error = Error(401, verified.status().message());
    return verified.status();
  }
  {
    // A signature is good once: a replay within its freshness window is refused. The
    // key is the signature itself (64 bytes), not the header text, so a relabelled or
    // re-parameterised copy is the same signature.
    std::string joined;
    for (const auto& line : sig.fields("signature")) joined += (joined.empty() ? "" : ", ") + line;
    auto values = httpsig::ParseSignatureField(joined);
    std::string key;
    if (values.ok()) {
      for (const auto& v : *values) {
        if (v.label == verified->label) key = HexEncode(v.signature);
      }
    }
    std::lock_guard<std::mutex> lock(seen_mu_);
    int64_t expired = now - 2 * httpsig::kMaxClockSkewSeconds;
    while (!seen_by_time_.empty() && seen_by_time_.begin()->first < expired) {
      seen_.erase(seen_by_time_.begin()->second);
      seen_by_time_.erase(seen_by_time_.begin());
    }
    if (key.empty() || seen_.count(key)) {
      *error = Error(401, "this request's signature was used before (a replay); sign each request");
      return Status::Refused("replayed signature");
    }
    if (seen_.size() >= options_.max_remembered) {
      *error = Error(503, "too many signed requests in the last ten minutes; try again later");
      return Status::Unavailable("replay cache full");
    }
    seen_.emplace(key, verified->created);
    seen_by_time_.emplace(verified->created, key);
  }
  auto principal = PrincipalOf(view.state(), verified->key.KeyId());
  if (!principal.ok()) *error = Error(401, principal.status().message());
  if (principal.ok() && proof) {
    proof->key_id = verified->key.KeyId();
    proof->log_size = view.size();
    proof->target = request.target;
    proof->signature_base = std::move(verified->base);
    proof->signature = std::move(verified->signature);
  }
  return principal;
}

std::optional<http::Response> Service::Remember(AccessRecord proof, const LedgerView& view,
                                                std::vector<std::string> more_subjects) {
  AccessLog* log = ledger_.access_log();
  if (log == nullptr) return Failure(Status::Unavailable("the access log is not open for writing"));
  // What was read, derived from the signed target exactly as verify derives it.
  auto read = ReadOfTarget(proof.target);
  if (!read) return Failure(Status::Corrupt("no access-log reading of " + proof.target));
  proof.log_size = view.size();
  proof.what = std::move(read->what);
  proof.subjects = std::move(read->subjects);
  for (auto& s : more_subjects) proof.subjects.push_back(std::move(s));
  auto seq = log->Record(proof, options_.now() * int64_t{1000000});
  if (!seq.ok()) {
    // Fail closed: the read is not served unrecorded.
    if (options_.on_error) options_.on_error("access log: " + seq.status().message());
    return Error(503, "the read could not be recorded in the access log; try again later");
  }
  return std::nullopt;
}

bool Service::IsSubmission(const http::Request& request) {
  return request.method == "POST" && request.target == "/v1/events";
}

http::Response Service::Read(const http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD")
    return Error(405, "only GET, HEAD and POST /v1/events are served");
  auto target = ParseRequestTarget(request.target);
  if (!target.ok()) return Error(400, target.status().message());
  const auto& path = target->path;
  LedgerView view = ledger_.View();
  // Public: the checkpoint and proofs.
  if (path == std::vector<std::string>{"checkpoint"}) {
    auto cp = view.LatestCheckpoint();
    if (!cp.ok()) return Failure(cp.status());
    http::Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = *cp;
    r.fields.push_back({"Cache-Control", "no-store"});
    return r;
  }
  if (path.size() == 3 && path[0] == "v1" && path[1] == "proofs")
    return Proof(*this, view, path[2], *target);
  // C2SP tlog-tiles: hash tiles for anyone; entry bundles (personal data) signed, below.
  std::string_view tile_path =
      std::string_view(request.target).substr(1, request.target.find('?') - 1);
  std::optional<TilePath> tile;
  if (!path.empty() && path[0] == "tile") {
    auto parsed = ParseTilePath(tile_path);
    if (!parsed.ok()) return Error(404, parsed.status().message());
    tile = *parsed;
    if (!tile->entries) {
      auto bytes = HashTile(view, *tile);
      if (!bytes.ok()) return Failure(bytes.status());
      http::Response r;
      r.content_type = "application/octet-stream";
      r.body = std::move(*bytes);
      // A tile of a given width never changes.
      r.fields.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
      return r;
    }
  }
  if (path == std::vector<std::string>{"v1", "access-log", "checkpoint"}) {
    // The access log's checkpoint is public, as the main log's is: anyone may keep it and
    // later ask for a consistent successor, so a removed read shows.
    auto cp = AccessLogCheckpoint(view);
    if (!cp.ok()) return Failure(cp.status());
    if (!cp->has_value()) return Error(404, "the access log is empty: nothing was read yet");
    http::Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = **cp;
    r.fields.push_back({"Cache-Control", "no-store"});
    return r;
  }
  if (path == std::vector<std::string>{"v1", "access-log", "proofs", "consistency"}) {
    // Public too: hashes only, so a kept access checkpoint can be carried forward.
    auto size = AccessLogSize(view);
    if (!size.ok()) return Failure(size.status());
    return ConsistencyProof(
        *this, *target, *size, "the access log",
        [&](uint64_t a, uint64_t b) { return AccessConsistencyProof(view, a, b); },
        [&](uint64_t n) { return AccessRootAt(view, n); });
  }
  if (path == std::vector<std::string>{"v1", "log"}) {
    // What a client pins: the log's origin and the key its checkpoints are signed with.
    return Json("{\"origin\":" + JsonQuote(view.origin()) +
                ",\"checkpointVkey\":" + JsonQuote(ledger_.checkpoint_verifier().Vkey()) +
                ",\"size\":" + std::to_string(view.size()) + "}");
  }
  // The web interface (web/assets/, compiled in): public files; the page signs its own
  // requests with the key the user opens in it.
  if (const WebAsset* asset = FindWebAsset(request.target.substr(0, request.target.find('?'))))
    return WebAssetResponse(*asset);
  if (path.empty() || (path[0] != "v1" && !tile))
    return Error(404, "no such path: " + request.target);

  // Everything else is signed, and read within the signer's scope.
  http::Response denied;
  AccessRecord proof;
  auto principal = Authenticate(request, view, &denied, &proof);
  if (!principal.ok()) return denied;
  // Answers `response` once the read is in the access log (or the 503 if it cannot be).
  auto recorded = [&](http::Response response, std::vector<std::string> more_subjects = {}) {
    // The access log records GETs (verify requires the signed method to be GET); a HEAD
    // of a recorded read would tell its size unrecorded.
    if (request.method != "GET")
      return Error(405, "read " + request.target + " with GET: every read of it is recorded");
    auto refused = Remember(proof, view, std::move(more_subjects));
    return refused ? *refused : response;
  };
  auto grant = [&](Reading r, std::optional<std::string> person = std::nullopt) -> Result<Grant> {
    return MayRead(*principal, r, view.state(), person);
  };
  auto forbidden = [this](const Status& st) {
    return st.code() == Code::kRefused ? Error(403, st.message()) : Failure(st);
  };
  const auto& q = target->query;

  // /v1/whoami: the principal the request's key names, so a client knows what to offer.
  if (path == std::vector<std::string>{"v1", "whoami"}) {
    const Principal& p = *principal;
    return Json("{\"keyId\":" + JsonQuote(p.key_id) + ",\"role\":" + JsonQuote(RoleName(p.role)) +
                ",\"holder\":" + JsonQuote(p.holder) + ",\"unit\":" + JsonQuote(p.unit) +
                ",\"person\":" + JsonQuote(p.person) + "}");
  }
  if (tile) {
    auto g = grant(Reading::kEntryBundles);
    if (!g.ok()) return forbidden(g.status());
    auto bytes = EntryBundle(view, *tile);
    if (!bytes.ok()) return Failure(bytes.status());
    http::Response r = Json(std::move(*bytes));
    r.content_type = "application/octet-stream";
    return recorded(std::move(r));
  }
  // /v1/access-log?person=ID: who read that person's record, leave or sealed values.
  if (path.size() == 2 && path[1] == "access-log") {
    auto g = grant(Reading::kAccessLog);
    if (!g.ok()) return forbidden(g.status());
    auto person = q.find("person");
    if (person == q.end() || person->second.empty() || person->second.size() > 100)
      return Error(400, "person must name a person's id");
    constexpr size_t kMaxAccesses = 1000;
    auto accesses = AccessesAbout(view, AccessSubjectOfPerson(person->second), kMaxAccesses);
    if (!accesses.ok()) return Failure(accesses.status());
    auto size = AccessLogSize(view);
    if (!size.ok()) return Failure(size.status());
    std::string out = "{\"person\":" + JsonQuote(person->second) + ",\"accesses\":[";
    for (size_t i = 0; i < accesses->size(); ++i) {
      const AccessEntry& a = (*accesses)[i];
      auto key = LookUpKey(view.state(), a.record.key_id);
      if (!key.ok()) return Failure(key.status());
      std::string role = *key ? RoleName((*key)->role) : "", holder = *key ? (*key)->holder : "";
      out += std::string(i ? "," : "") + "{\"seq\":" + std::to_string(a.seq) +
             ",\"at\":" + JsonQuote(FormatTimestamp(a.recorded_at_us)) +
             ",\"reader\":{\"keyId\":\"" + HexEncode(a.record.key_id) +
             "\",\"role\":" + JsonQuote(role) + ",\"holder\":" + JsonQuote(holder) +
             "},\"what\":" + JsonQuote(a.record.what) +
             ",\"target\":" + JsonQuote(a.record.target) +
             ",\"logSize\":" + std::to_string(a.record.log_size) + "}";
    }
    return Json(out + "],\"accessLogSize\":" + std::to_string(*size) + "}");
  }
  // /v1/entries/SEQ: one entry as stored, as `probity show SEQ --json` prints it.
  if (path.size() == 3 && path[1] == "entries") {
    auto g = grant(Reading::kEntry);
    if (!g.ok()) return forbidden(g.status());
    auto seq = path[2].size() <= 19 && !path[2].empty() &&
                       path[2].find_first_not_of("0123456789") == std::string::npos
                   ? std::optional<uint64_t>(std::stoull(path[2]))
                   : std::nullopt;
    if (!seq) return Error(400, "the seq must be a whole number");
    Entry entry;
    auto json = EntryJson(view, *seq, g->sealed, nullptr, &entry);
    if (!json.ok()) return Failure(json.status());
    // Every entry read is recorded (it is a part of someone's file), under the persons and
    // units the main log's subject index files it for.
    auto event = EventView::FromCanonical(entry.envelope.body);
    if (!event.ok()) return Failure(event.status());
    std::vector<std::string> subjects;
    if (const Rules* rules = ledger_.rules()) {
      for (auto& s : rules->Subjects(view.state(), event->reader())) {
        auto filed = view.Get(Column::kSubjects, SubjectKey(s, *seq));
        if (!filed.ok()) return Failure(filed.status());
        if (filed->has_value()) subjects.push_back(std::move(s));
      }
    }
    return recorded(Json(std::move(*json)), std::move(subjects));
  }
  // /v1/persons?q=, /v1/persons/ID/record, /v1/persons/ID/leave
  if (path.size() == 2 && path[1] == "persons") {
    auto g = grant(Reading::kPersons);
    if (!g.ok()) return forbidden(g.status());
    std::string text = q.count("q") ? q.at("q") : "";
    if (text.size() > 100)
      return Error(400, "q must be at most 100 characters of an id or a name (none: everyone)");
    return Persons(*this, view, *g, text);
  }
  if (path.size() == 4 && path[1] == "persons" && path[3] == "record") {
    auto g = grant(Reading::kRecord, path[2]);
    if (!g.ok()) return forbidden(g.status());
    AsOf as_of;
    if (auto bad = AsOfQuery(q, &as_of)) return *bad;
    auto report = ReplayRecord(view, path[2], as_of, g->sealed);
    if (!report.ok()) return Failure(report.status());
    if (!g->restriction_detail) {
      // R1 reduced for a dispatcher: the restriction events are not shown, nor the
      // retractions and erasures of them (their reasons may say why).
      std::set<uint64_t> r1;
      for (const auto& l : report->lines) {
        if (l.type == "restrictionRecorded" || l.type == "restrictionLifted") r1.insert(l.seq);
      }
      std::set<uint64_t> hidden = r1;
      for (const auto& l : report->lines) {
        if (l.type != "retraction" && l.type != "erasure") continue;
        auto entry = view.ReadEntry(l.seq);
        if (!entry.ok()) return Failure(entry.status());
        auto event = EventView::FromCanonical(entry->envelope.body);
        if (!event.ok()) return Failure(event.status());
        if (auto target = CorrectionTarget(event->reader()); target && r1.count(*target))
          hidden.insert(l.seq);
      }
      std::erase_if(report->lines, [&](const RecordLine& l) { return hidden.count(l.seq) > 0; });
      // Of R1, only whether a restriction is in force (program-rules.md's read table).
      auto restricted =
          RestrictedAsOf(view, path[2], as_of, CstDayOf(options_.now() * int64_t{1000000}));
      if (!restricted.ok()) return Failure(restricted.status());
      report->restricted = *restricted;
    }
    return recorded(Json(RecordJson(*report, as_of)));
  }
  // /v1/persons/ID/evidence: the pack `probity evidence ID -o FILE` writes (formats.md §12).
  if (path.size() == 4 && path[1] == "persons" && path[3] == "evidence") {
    auto g = grant(Reading::kRecord, path[2]);
    if (!g.ok()) return forbidden(g.status());
    if (!g->restriction_detail) {
      // A pack holds whole entries, R1's among them: a key that reads the record without
      // R1's details (a dispatcher) reads the record, not a pack of it.
      return Error(403, RoleKey(principal->role) +
                            " reads this person's record without R1's details, so not an "
                            "evidence pack of it (whole entries); ask HR or a reviewer");
    }
    EvidenceOptions options;
    if (auto bad = AsOfQuery(q, &options.as_of)) return *bad;
    if (q.count("sealed")) {
      if (q.at("sealed") != "1") return Error(400, "sealed must be 1 or absent");
      if (!g->sealed) {
        return Error(403, RoleKey(principal->role) +
                              " may not read sealed values; only HR may (program-rules.md, "
                              "who may read what)");
      }
      options.include_sensitive = true;
    }
    std::string format = q.count("format") ? q.at("format") : "html";
    if (format != "html" && format != "json") return Error(400, "format must be html or json");
    Lang lang = Lang::kZh;
    if (q.count("lang")) {
      auto parsed = ParseLang(q.at("lang"));
      if (!parsed) return Error(400, "lang must be zh or en");
      lang = *parsed;
    }
    auto pack = BuildEvidence(view, path[2], options);
    if (!pack.ok()) return Failure(pack.status());
    http::Response r;
    if (format == "json") {
      r = Json(pack->json + "\n");
    } else {
      auto page = EvidencePage(*pack, lang);
      if (!page.ok()) return Failure(page.status());
      r = Json(std::move(*page));
      r.content_type = "text/html; charset=utf-8";
    }
    // The file name keeps the id's safe characters only: it is a header field's text.
    std::string name = path[2];
    std::erase_if(name, [](char c) {
      return !std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_';
    });
    r.fields.push_back(
        {"Content-Disposition", "attachment; filename=\"evidence-" + name + "." + format + "\""});
    return recorded(std::move(r));
  }
  if (path.size() == 4 && path[1] == "persons" && path[3] == "leave") {
    auto g = grant(Reading::kLeave, path[2]);
    if (!g.ok()) return forbidden(g.status());
    auto report = LeaveBalance(view, path[2]);
    if (!report.ok()) return Failure(report.status());
    return recorded(Json(LeaveJson(*report)));
  }
  // /v1/roster?date=&city=
  if (path.size() == 2 && path[1] == "roster") {
    auto g = grant(Reading::kRoster);
    if (!g.ok()) return forbidden(g.status());
    auto date = q.find("date");
    if (date == q.end() || !ParseDay(date->second)) return Error(400, "date must be YYYY-MM-DD");
    std::optional<std::string> city;
    if (auto c = q.find("city"); c != q.end()) city = c->second;
    auto report = Roster(view, date->second, city);
    if (!report.ok()) return Failure(report.status());
    if (!g->only_person.empty()) {
      // A group leader sees the groups it serves in that day, and nothing else.
      for (auto& c : report->cities) {
        std::erase_if(c.groups, [&](const RosterGroup& grp) {
          bool in = grp.leader && grp.leader->person == g->only_person;
          for (const auto& m : grp.members) in |= m.person == g->only_person;
          return !in;
        });
      }
      std::erase_if(report->cities, [](const RosterCity& c) { return c.groups.empty(); });
    }
    return Json(RosterJson(*report));
  }
  // /v1/eligibility/YEAR[?units=1]
  if (path.size() == 3 && path[1] == "eligibility") {
    auto g = grant(Reading::kEligibility);
    if (!g.ok()) return forbidden(g.status());
    auto year = path[2].size() == 4 && path[2].find_first_not_of("0123456789") == std::string::npos
                    ? std::optional<int>(std::stoi(path[2]))
                    : std::nullopt;
    if (!year) return Error(400, "the year must be four digits");
    bool units = q.count("units") && q.at("units") == "1";
    std::string format = q.count("format") ? q.at("format") : "json";
    if (format != "json" && format != "csv") return Error(400, "format must be json or csv");
    auto report = Eligibility(view, *year, units);
    if (!report.ok()) return Failure(report.status());
    // The list's own formats name no checkpoint: the tree it was computed at rides along.
    const http::FieldList::value_type basis = {
        "Probity-Checkpoint",
        std::to_string(report->basis.tree_size) + " " + HexEncode(report->basis.root)};
    if (format == "csv") {
      http::Response r = Json(EligibilityCsv(*report));
      r.content_type = "text/csv; charset=utf-8";
      r.fields.push_back({"Content-Disposition", "attachment; filename=\"eligibility-" + path[2] +
                                                     (units ? "-units" : "") + ".csv\""});
      r.fields.push_back(basis);
      return recorded(std::move(r));
    }
    http::Response r = Json(EligibilityJson(*report));
    r.fields.push_back(basis);
    return recorded(std::move(r));
  }
  // /v1/explanations[?year=]
  if (path.size() == 2 && path[1] == "explanations") {
    auto g = grant(Reading::kExplanations);
    if (!g.ok()) return forbidden(g.status());
    std::optional<int> year;
    if (q.count("year")) {
      auto y = Number(q, "year");
      if (!y || *y > 9999) return Error(400, "year must be a whole number");
      year = static_cast<int>(*y);
    }
    auto report = OpenExplanations(view, year);
    if (!report.ok()) return Failure(report.status());
    if (!g->only_unit.empty()) {
      std::erase_if(report->open,
                    [&](const OpenExplanation& o) { return o.guarantor != g->only_unit; });
    }
    return Json(ExplanationsJson(*report));
  }
  // /v1/units[?q=TEXT]: as `probity units [TEXT] --json`. Not personal data, and not in
  // the access log (scope.cc says why).
  if (path.size() == 2 && path[1] == "units") {
    auto g = grant(Reading::kUnits);
    if (!g.ok()) return forbidden(g.status());
    std::string text = q.count("q") ? q.at("q") : "";
    if (text.size() > 100)
      return Error(400, "q must be at most 100 characters of an id or a name (none: every unit)");
    auto report = FindUnits(view, text);
    if (!report.ok()) return Failure(report.status());
    return Json(UnitsJson(*report));
  }
  // /v1/keys: as `probity keys --json`, the key registry (who may read it: scope.cc).
  if (path.size() == 2 && path[1] == "keys") {
    auto g = grant(Reading::kKeys);
    if (!g.ok()) return forbidden(g.status());
    auto report = ListKeys(view);
    if (!report.ok()) return Failure(report.status());
    return Json(KeysJson(*report));
  }
  return Error(404, "no such path: " + request.target);
}

Result<Submission> Service::ParseSubmission(const http::Request& request, http::Response* error) {
  LedgerView view = ledger_.View();
  // A submission's request is signed like any other (by a registered key); the events'
  // own signatures then decide what may be appended.
  auto principal = Authenticate(request, view, error);
  if (!principal.ok()) return principal.status();
  Submission s;
  EventCodec codec;
  size_t line = 0, at = 0;
  const std::string& body = request.body;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    std::string_view text(body.data() + at, end - at);
    at = end + 1;
    ++line;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (s.envelopes.size() == options_.max_envelopes) {
      *error = Error(413, "more than " + std::to_string(options_.max_envelopes) +
                              " envelopes in one request; split it");
      return Status::Invalid("too many envelopes");
    }
    auto env = EnvelopeFromJson(text, codec);
    if (!env.ok()) {
      *error = Error(400, "line " + std::to_string(line) + ": " + env.status().message() +
                              "; nothing was appended");
      return env.status();
    }
    s.envelopes.push_back(std::move(*env));
    s.lines.push_back(line);
  }
  if (s.envelopes.empty()) {
    *error = Error(400,
                   "no envelopes to submit: the body holds signed envelopes, one JSON "
                   "object a line, as 'probity sign' prints them");
    return Status::Invalid("empty submission");
  }
  return s;
}

http::Response Service::Receipts(const Submission& submission,
                                 const Result<std::vector<Receipt>>& result,
                                 const SubmitError& error) const {
  if (!result.ok() && HttpStatus(error.status) >= 500) return Failure(error.status);
  if (!result.ok()) {
    std::string where =
        error.index < submission.lines.size()
            ? "line " + std::to_string(submission.lines[error.index]) + ": refused: "
            : "";
    return Error(HttpStatus(error.status),
                 where + error.status.message() + "; nothing was appended");
  }
  std::string out = "{\"receipts\":[";
  for (size_t i = 0; i < result->size(); ++i) {
    const Receipt& r = (*result)[i];
    out += (i ? "," : "") + std::string("{\"seq\":") + std::to_string(r.seq) + ",\"leafHash\":\"" +
           HexEncode(r.leaf_hash) + "\",\"duplicate\":" + (r.duplicate ? "true" : "false") + "}";
  }
  return Json(out + "]}");
}

}  // namespace probity::server
