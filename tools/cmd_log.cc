// keygen, init, sign, submit, append, log, show: writing to and reading the log.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <random>
#include <variant>

#include "ledger/authority.h"
#include "ledger/json.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "projections/report_codec.h"
#include "projections/reports.h"
#include "tools/client.h"
#include "tools/commands.h"
#include "tools/terminal.h"

namespace probity::cli {
namespace {

std::string PubPathFor(const std::string& pem_path) {
  const std::string ext = ".pem";
  if (pem_path.size() > ext.size() &&
      pem_path.compare(pem_path.size() - ext.size(), ext.size(), ext) == 0) {
    return pem_path.substr(0, pem_path.size() - ext.size()) + ".pub";
  }
  return pem_path + ".pub";
}

// Signs each line; on the first bad line, reports it and returns nullopt.
// Each event gets a fresh id if it has none, and its sealed fields fresh salts.
std::optional<std::vector<Envelope>> SignLines(const Args& args, const std::vector<Line>& lines,
                                               const PrivateKey& key, const std::string& origin,
                                               const EventCodec& codec, int* exit_code) {
  std::vector<Envelope> out;
  out.reserve(lines.size());
  RandomFn random = SystemRandom();
  // Progress on a terminal (interface.md: long work shows it), for a large file only.
  auto progress = lines.size() >= 1000 ? ProgressReporter(args.command + ": signed") : nullptr;
  for (const auto& line : lines) {
    if (progress && (out.size() % 512 == 0)) progress(out.size(), lines.size());
    auto prepared = codec.Prepare(line.text, random);
    if (!prepared.ok()) {
      *exit_code =
          Fail(args, kExitRefused,
               "line " + std::to_string(line.number) + ": refused: " + prepared.status().message());
      return std::nullopt;
    }
    out.push_back(SignEnvelope(prepared->body, origin, key));
    out.back().sealed = std::move(prepared->sealed);
  }
  if (progress) progress(out.size(), lines.size());
  return out;
}

// The origin an envelope is signed for: --origin, else the store's at --data. With
// --server, --origin is required: a signature binds one ledger, and an origin taken from
// the server's unverified answer could have you sign events another ledger would accept
// (a staging copy's, or a man in the middle's). On failure, the exit status already
// reported.
std::variant<std::string, int> SigningOrigin(const Args& args) {
  if (auto o = args.Option("origin")) return *o;
  if (args.remote()) {
    return Fail(args, kExitUsage,
                "with --server, pass --origin NAME: the ledger your events are for, as your "
                "auditor publishes it (the first line of 'probity --server URL checkpoint' "
                "names the server's; check it before you sign for it)");
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) {
    return FailStatus(
        args, Status::Unavailable(
                  "a signature covers the ledger's origin: pass --origin NAME (from the ledger's " +
                  std::string("'probity checkpoint'), or --data DIR of its store (") +
                  ledger.status().message() + ")"));
  }
  return (*ledger)->origin();
}

void PrintReceipts(const Args& args, const std::vector<Receipt>& receipts) {
  bool json = args.Has("json");
  for (const auto& r : receipts) {
    if (json) {
      std::cout << "{\"seq\":" << r.seq << ",\"leafHash\":\"" << HexEncode(r.leaf_hash)
                << "\",\"duplicate\":" << (r.duplicate ? "true" : "false") << "}\n";
    } else {
      std::cout << "seq " << r.seq << " leaf " << HexEncode(r.leaf_hash)
                << (r.duplicate ? " (already stored)" : "") << "\n";
    }
  }
}

// The receipts of a server's answer {"receipts":[{"seq","leafHash","duplicate"}...]}.
Result<std::vector<Receipt>> ReceiptsFromJson(const std::string& body, size_t expected) {
  auto bad = [](const std::string& why) {
    return Status::Unavailable("the server's receipts do not parse (" + why +
                               "); resubmit the same envelopes to learn their seqs");
  };
  json::Parser parser;
  auto doc = parser.Parse(body);
  if (!doc.ok()) return bad(doc.status().message());
  json::Array list;
  if ((*doc)["receipts"].get(list) != simdjson::SUCCESS) return bad("no list 'receipts'");
  std::vector<Receipt> out;
  for (auto e : list) {
    Receipt r;
    std::string_view leaf;
    if (e["seq"].get(r.seq) != simdjson::SUCCESS || e["leafHash"].get(leaf) != simdjson::SUCCESS ||
        e["duplicate"].get(r.duplicate) != simdjson::SUCCESS)
      return bad("a receipt lacks seq, leafHash or duplicate");
    auto hash = HexDecode(leaf);
    if (!hash.ok() || hash->size() != r.leaf_hash.size())
      return bad("a leafHash is not 64 hex digits");
    std::copy(hash->begin(), hash->end(), r.leaf_hash.begin());
    out.push_back(r);
  }
  if (out.size() != expected) {
    return bad(std::to_string(out.size()) + " receipts for " + std::to_string(expected) +
               " envelopes");
  }
  return out;
}

// POST /v1/events with the envelopes, one a line. Each stays on its input line number
// (blank lines kept) so that the server's "line N" names the input's line N. Never split:
// a submission is all or nothing, so input beyond one request is refused here.
int SubmitRemote(const Args& args, const std::vector<Envelope>& envelopes,
                 const std::vector<Line>& lines, const EventCodec& codec) {
  if (envelopes.size() > kMaxRemoteEnvelopes) {
    return Fail(args, kExitRefused,
                std::to_string(envelopes.size()) + " envelopes: a server takes at most " +
                    std::to_string(kMaxRemoteEnvelopes) +
                    " in one submission (all or nothing); split the input into files of fewer "
                    "and submit each; nothing was appended");
  }
  std::string body;
  size_t line = 0;
  for (size_t i = 0; i < envelopes.size(); ++i) {
    for (; line + 1 < lines[i].number; ++line) body += '\n';
    body += EnvelopeToJson(envelopes[i], codec) + "\n";
    ++line;
  }
  if (body.size() > kMaxRemoteBodyBytes) {
    return Fail(args, kExitRefused,
                "the envelopes take " + std::to_string(body.size()) +
                    " bytes: a server takes at most " + std::to_string(kMaxRemoteBodyBytes >> 20) +
                    " MiB in one submission (all or nothing); split the input and submit each "
                    "part; nothing was appended");
  }
  auto opened = Remote::Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto answer =
      std::get<std::unique_ptr<Remote>>(opened)->Post("/v1/events", body, "application/jsonl");
  if (auto* code = std::get_if<int>(&answer)) return *code;
  auto receipts = ReceiptsFromJson(std::get<std::string>(answer), envelopes.size());
  if (!receipts.ok()) return FailStatus(args, receipts.status());
  PrintReceipts(args, *receipts);
  return kExitOk;
}

// show SEQ --json through GET /v1/entries/SEQ; exit 1 when the entry's signature does
// not verify, as the local command does.
// What a server says of entry `seq` (GET /v1/entries/SEQ), checked here without trusting
// it: the entry bytes hold that seq, hash to the leaf given, were signed (over the origin)
// by the key whose SHA-256 is the key id inside them, and are in the tree of the latest
// checkpoint, which the pinned key (--vkey) signed. Returns "" or what does not check out.
std::string CheckEntryHere(Remote& remote, std::string_view text, uint64_t seq,
                           const std::optional<note::Verifier>& pinned, std::string* checked) {
  json::Parser parser;
  auto doc = parser.Parse(text);
  if (!doc.ok() || !doc->is_object()) return "the answer is not a JSON object";
  auto field = [&](const char* name) {
    std::string_view v;
    return (*doc)[name].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  auto bytes = Base64Decode(field("entry"));
  if (!bytes.ok()) return "'entry' is not base64";
  auto entry = DecodeEntry(*bytes);
  if (!entry.ok()) return "'entry': " + entry.status().message();
  if (entry->seq != seq) return "the entry is seq " + std::to_string(entry->seq);
  Hash leaf = merkle::LeafHash(*bytes);
  if (field("leafHash") != HexEncode(leaf)) return "'leafHash' is not the hash of 'entry'";
  auto raw_key = Base64Decode(field("publicKey"));
  if (!raw_key.ok()) return "'publicKey' is missing or not base64";
  auto key = PublicKey::FromRaw(*raw_key);
  if (!key.ok()) return "'publicKey': " + key.status().message();
  if (key->KeyId() != entry->envelope.key_id)
    return "'publicKey' is not the key whose id the entry names";
  std::string origin = field("origin");
  if (!VerifyEnvelope(entry->envelope, origin, *key))
    return "the signature does not verify over the entry's body and origin '" + origin + "'";
  // Every field shown that the entry determines is the one it determines.
  int64_t shown_seq = -1;
  if ((*doc)["seq"].get(shown_seq) != simdjson::SUCCESS || shown_seq < 0 ||
      static_cast<uint64_t>(shown_seq) != seq)
    return "'seq' is not " + std::to_string(seq);
  if (field("recordedAt") != FormatTimestamp(entry->recorded_at_us))
    return "'recordedAt' is not the time inside the entry";
  if (field("keyId") != HexEncode(entry->envelope.key_id) ||
      field("signature") != Base64Encode(entry->envelope.signature) ||
      field("signed") != Base64Encode(SignedMessage(origin, entry->envelope.body)))
    return "'keyId', 'signature' or 'signed' is not what the entry holds";
  auto event = EventView::FromCanonical(entry->envelope.body);
  if (!event.ok()) return "the entry's body: " + event.status().message();
  // Sealed values (HR's view): each must hash to the commitment the signed body holds.
  std::vector<SealedValue> values;
  json::Array sealed;
  bool with_sealed = (*doc)["sealed"].get(sealed) == simdjson::SUCCESS;
  auto fields = SealedFieldsOf(event->reader());
  if (with_sealed) {
    for (auto item : sealed) {
      std::string_view name, salt_hex, value;
      bool erased = false;
      if (item["field"].get(name) != simdjson::SUCCESS) return "a 'sealed' item names no field";
      if (item["erased"].get(erased) == simdjson::SUCCESS && erased) continue;
      auto salt = item["salt"].get(salt_hex) == simdjson::SUCCESS
                      ? HexDecode(salt_hex)
                      : Result<Bytes>(Status::Invalid("no salt"));
      if (!salt.ok() || salt->size() != kSaltSize || item["value"].get(value) != simdjson::SUCCESS)
        return "the sealed value of '" + std::string(name) + "' has no salt or value";
      SealedValue v;
      v.field = name;
      std::copy(salt->begin(), salt->end(), v.salt.begin());
      v.value = value;
      auto f = std::find_if(fields.begin(), fields.end(),
                            [&](const SealedField& x) { return x.name == v.field; });
      if (f == fields.end()) return "'" + v.field + "' is not a sealed field of this event";
      Status st = CheckSealedValue(*f, v);
      if (!st.ok()) return "the sealed value shown: " + st.message();
      values.push_back(std::move(v));
    }
  }
  // The event as shown: what the signed body (and the checked sealed values) render to,
  // compared as JSON documents.
  static const EventCodec codec;
  json::Element shown_event;
  if ((*doc)["event"].get(shown_event) != simdjson::SUCCESS) return "the answer has no 'event'";
  std::string shown_text = simdjson::minify(shown_event);
  json::Parser expected_parser;
  auto expected = expected_parser.Parse(codec.ToDisplayJson(event->reader(), with_sealed, values));
  if (!expected.ok() || simdjson::minify(*expected) != shown_text)
    return "'event' is not what the signed body says";
  // The checkpoint: signed by the pinned key, else by the one the server names (/v1/log).
  std::optional<note::Verifier> verifier = pinned;
  if (!verifier) {
    auto log = remote.Get("/v1/log", false);
    if (std::holds_alternative<int>(log)) return "GET /v1/log failed";
    json::Parser log_parser;  // its elements live as long as it does
    auto log_doc = log_parser.Parse(std::get<std::string>(log));
    std::string_view vkey;
    if (!log_doc.ok() || (*log_doc)["checkpointVkey"].get(vkey) != simdjson::SUCCESS)
      return "GET /v1/log names no checkpointVkey";
    auto v = note::Verifier::FromVkey(vkey);
    if (!v.ok()) return "the server's vkey: " + v.status().message();
    verifier = *v;
  }
  auto note_text = remote.Get("/checkpoint", false);
  if (std::holds_alternative<int>(note_text)) return "GET /checkpoint failed";
  auto opened = note::Open(std::get<std::string>(note_text), {*verifier});
  if (!opened.ok()) return "the checkpoint: " + opened.status().message();
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return "the checkpoint: " + cp.status().message();
  if (cp->origin != origin || cp->origin != verifier->name)
    return "the checkpoint is of '" + cp->origin + "', the entry of '" + origin +
           "', the key of '" + verifier->name + "'";
  if (seq >= cp->size)
    return "seq " + std::to_string(seq) + " is beyond the checkpoint's " + std::to_string(cp->size);
  auto proof_text = remote.Get(
      "/v1/proofs/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(cp->size),
      false);
  if (std::holds_alternative<int>(proof_text)) return "GET /v1/proofs/inclusion failed";
  json::Parser proof_parser;
  auto proof_doc = proof_parser.Parse(std::get<std::string>(proof_text));
  json::Array hashes;
  if (!proof_doc.ok() || (*proof_doc)["hashes"].get(hashes) != simdjson::SUCCESS)
    return "the inclusion proof has no 'hashes'";
  std::vector<Hash> proof;
  for (auto h : hashes) {
    std::string_view hex;
    auto b = h.get(hex) == simdjson::SUCCESS ? HexDecode(hex) : Result<Bytes>(Status::Invalid(""));
    if (!b.ok() || b->size() != 32) return "the inclusion proof holds a hash that is not 32 bytes";
    proof.emplace_back();
    std::copy(b->begin(), b->end(), proof.back().begin());
  }
  Status included = merkle::VerifyInclusion(seq, cp->size, leaf, proof, cp->root);
  if (!included.ok()) return "the inclusion proof: " + included.message();
  *checked = "checked here: the entry, its event" +
             std::string(with_sealed ? " and sealed values" : "") + ", the signature by key " +
             HexEncode(entry->envelope.key_id).substr(0, 16) +
             "…, and the leaf in the checkpoint at size " + std::to_string(cp->size) +
             " signed by " + verifier->Vkey() +
             (pinned ? "" : " (the server's own word for its key: pin it with --vkey)") +
             "; the signer's role and holder and any withdrawal are the server's word";
  return "";
}

int RemoteShow(const Args& args, uint64_t seq) {
  if (args.Has("include-sensitive")) return SensitiveIsRemote(args);
  if (!args.Has("json")) {
    return Fail(args, kExitUsage, "with --server, show prints the entry as JSON only: add --json");
  }
  std::optional<note::Verifier> pinned;
  if (auto v = args.Option("vkey")) {
    auto text = ValueOrFile(*v);
    if (!text.ok()) return Fail(args, kExitUsage, "--vkey: " + text.status().message());
    auto verifier = note::Verifier::FromVkey(*text);
    if (!verifier.ok()) return Fail(args, kExitUsage, "--vkey: " + verifier.status().message());
    pinned = *verifier;
  }
  auto opened = Remote::Open(args, true);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  Remote& remote = *std::get<std::unique_ptr<Remote>>(opened);
  auto body = remote.Get("/v1/entries/" + std::to_string(seq));
  if (auto* code = std::get_if<int>(&body)) return *code;
  const std::string& text = std::get<std::string>(body);
  // The server's own "verified" is not taken: the entry is checked here, and printed only
  // once it is.
  std::string checked;
  std::string problem = CheckEntryHere(remote, text, seq, pinned, &checked);
  if (!problem.empty())
    return Fail(args, kExitRefused, "the server's entry does not check out: " + problem);
  std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
  std::cerr << checked << "\n";
  return kExitOk;
}

int SubmitEnvelopes(const Args& args, const std::vector<Envelope>& envelopes,
                    const std::vector<Line>& lines, const EventCodec& codec) {
  if (args.remote()) return SubmitRemote(args, envelopes, lines, codec);
  auto ledger = OpenLedger(args, Store::Mode::kReadWrite);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  SubmitError error;
  auto receipts = (*ledger)->Submit(envelopes, &error);
  if (!receipts.ok()) {
    if (error.index < lines.size()) {
      return Fail(args, ExitFor(error.status),
                  "line " + std::to_string(lines[error.index].number) +
                      ": refused: " + error.status.message() + "; nothing was appended");
    }
    return Fail(args, ExitFor(error.status), error.status.message() + "; nothing was appended");
  }
  PrintReceipts(args, *receipts);
  return kExitOk;
}

// "type field=value ..." from the event's JSON, for one-line listings.
std::string Summary(const EventCodec& codec, schema::Event::Reader event, bool include_sensitive,
                    const std::vector<SealedValue>& sealed) {
  std::string json = codec.ToDisplayJson(event, include_sensitive, sealed);
  capnp::MallocMessageBuilder message;
  auto raw = message.initRoot<capnp::JsonValue>();
  if (!codec.ParseRaw(json, raw).ok()) return json;
  std::string out;
  for (auto f : raw.asReader().getObject()) {
    std::string name = f.getName();
    if (name == "type" || name == "publicKey" || name == "id") continue;
    auto v = f.getValue();
    std::string value = v.isString() ? std::string(v.getString().cStr()) : codec.EncodeRaw(v);
    value = Clip(value, 60);
    out += (out.empty() ? "" : " ") + name + "=" + value;
  }
  return out;
}

}  // namespace

int Keygen(const Args& args) {
  const std::string& out = args.positional[0];
  std::optional<std::string> passphrase;
  if (auto f = args.Option("passphrase-file")) {
    auto p = ReadPassphraseFile(*f);
    if (!p.ok()) return FailStatus(args, p.status());
    passphrase = *p;
  }
  auto key = PrivateKey::Generate();
  if (!key.ok()) return FailStatus(args, key.status());
  std::string pub_path = PubPathFor(out);
  struct stat st;
  for (const std::string& path : {out, pub_path}) {
    if (::lstat(path.c_str(), &st) == 0)
      return Fail(args, kExitRefused, path + " already exists; not overwriting it");
  }
  Status s = WritePrivateKeyFile(out, *key, passphrase);
  if (!s.ok()) return FailStatus(args, s);
  s = WritePublicKeyFile(pub_path, key->Public());
  if (!s.ok()) return FailStatus(args, s);
  std::cout << HexEncode(key->Public().KeyId()) << "\n";
  if (!args.Has("quiet")) {
    std::cerr << "wrote " << out << " (private, mode 0600" << (passphrase ? ", encrypted" : "")
              << ") and " << pub_path << "\n";
  }
  return kExitOk;
}

int Init(const Args& args) {
  if (!args.Option("admin-key")) return Fail(args, kExitUsage, "--admin-key ADMIN.pem is required");
  auto admin = LoadSigningKey(args, "admin-key");
  if (!admin.ok()) return FailStatus(args, admin.status());
  std::string origin;
  if (auto o = args.Option("origin")) {
    origin = *o;
  } else {
    std::random_device rd;
    uint8_t id[6];
    for (auto& b : id) b = static_cast<uint8_t>(rd());
    origin = "probity.local/" + HexEncode(id);
  }
  Ledger::Options options;
  options.clock = SystemClock();
  options.rules = &ProgramRulesInstance();
  options.log = OperationalLog();
  Ledger::CheckpointKeySource key_source;
  if (auto k = args.Option("checkpoint-key")) key_source.path = *k;
  key_source.passphrase_file = args.Option("checkpoint-passphrase-file");
  if (key_source.passphrase_file && key_source.path.empty()) {
    return Fail(args, kExitUsage, "--checkpoint-passphrase-file goes with --checkpoint-key FILE");
  }
  auto ledger = Ledger::Init(args.data_dir, *admin, origin, key_source, std::move(options));
  if (!ledger.ok()) {
    auto st = ledger.status();
    return Fail(
        args,
        st.code() == Code::kRefused || st.code() == Code::kInvalid ? kExitRefused : kExitStore,
        st.message());
  }
  std::cout << "initialised " << args.data_dir << "\n"
            << "origin: " << (*ledger)->origin() << "\n"
            << "admin key: " << HexEncode(admin->Public().KeyId()) << "\n"
            << "checkpoint vkey: " << (*ledger)->checkpoint_verifier().Vkey() << "\n"
            << "checkpoint key: "
            << (key_source.path.empty()
                    ? args.data_dir + "/checkpoint-key.pem (inside the store; see docs/operator.md)"
                    : std::filesystem::absolute(key_source.path).string() + " (outside the store)")
            << "\n";
  return kExitOk;
}

namespace {

struct SignedInput {
  std::vector<Line> lines;
  std::vector<Envelope> envelopes;
};

// `lines` signed with --key; on failure, the exit status already reported.
std::variant<std::vector<Envelope>, int> SignWithKey(const Args& args,
                                                     const std::vector<Line>& lines,
                                                     const EventCodec& codec) {
  if (!args.Option("key")) return Fail(args, kExitUsage, "--key KEY.pem is required");
  auto key = LoadSigningKey(args);
  if (!key.ok()) return FailStatus(args, key.status());
  auto origin = SigningOrigin(args);
  if (auto* code = std::get_if<int>(&origin)) return *code;
  int code = kExitOk;
  auto envelopes = SignLines(args, lines, *key, std::get<std::string>(origin), codec, &code);
  if (!envelopes) return code;
  return std::move(*envelopes);
}

// The input lines (the file named, else stdin), signed with --key.
std::variant<SignedInput, int> ReadAndSign(const Args& args, const EventCodec& codec) {
  if (!args.Option("key")) return Fail(args, kExitUsage, "--key KEY.pem is required");
  auto lines =
      ReadLines(args.positional.empty() ? std::nullopt : std::optional(args.positional[0]));
  if (!lines.ok()) return FailStatus(args, lines.status());
  auto envelopes = SignWithKey(args, *lines, codec);
  if (auto* code = std::get_if<int>(&envelopes)) return *code;
  return SignedInput{std::move(*lines), std::get<std::vector<Envelope>>(std::move(envelopes))};
}

}  // namespace

int Sign(const Args& args) {
  EventCodec codec;
  auto input = ReadAndSign(args, codec);
  if (auto* code = std::get_if<int>(&input)) return *code;
  for (const auto& env : std::get<SignedInput>(input).envelopes)
    std::cout << EnvelopeToJson(env, codec) << "\n";
  return kExitOk;
}

int Submit(const Args& args) {
  auto lines =
      ReadLines(args.positional.empty() ? std::nullopt : std::optional(args.positional[0]));
  if (!lines.ok()) return FailStatus(args, lines.status());
  EventCodec codec;
  std::vector<Envelope> envelopes;
  for (const auto& line : *lines) {
    auto env = EnvelopeFromJson(line.text, codec);
    if (!env.ok()) {
      return Fail(args, kExitRefused,
                  "line " + std::to_string(line.number) + ": refused: " + env.status().message() +
                      "; nothing was appended");
    }
    envelopes.push_back(std::move(*env));
  }
  if (envelopes.empty()) return Fail(args, kExitRefused, "no envelopes to submit");
  return SubmitEnvelopes(args, envelopes, *lines, codec);
}

int Append(const Args& args) {
  EventCodec codec;
  auto input = ReadAndSign(args, codec);
  if (auto* code = std::get_if<int>(&input)) return *code;
  auto& signed_input = std::get<SignedInput>(input);
  if (signed_input.envelopes.empty()) return Fail(args, kExitRefused, "no events to append");
  return SubmitEnvelopes(args, signed_input.envelopes, signed_input.lines, codec);
}

int AppendLines(const Args& args, const std::vector<Line>& lines) {
  EventCodec codec;
  auto envelopes = SignWithKey(args, lines, codec);
  if (auto* code = std::get_if<int>(&envelopes)) return *code;
  const auto& signed_lines = std::get<std::vector<Envelope>>(envelopes);
  if (signed_lines.empty()) return Fail(args, kExitRefused, "no events to append");
  return SubmitEnvelopes(args, signed_lines, lines, codec);
}

int Log(const Args& args) {
  uint64_t from = 0, limit = UINT64_MAX;
  if (auto f = args.Option("from")) {
    auto v = ParseUint(*f);
    if (!v) return Fail(args, kExitUsage, "--from must be a seq (a whole number)");
    from = *v;
  }
  if (auto l = args.Option("limit")) {
    auto v = ParseUint(*l);
    if (!v) return Fail(args, kExitUsage, "--limit must be a whole number");
    limit = *v;
  }
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const auto& codec = (*ledger)->codec();
  const LedgerView snapshot = (*ledger)->View();
  uint64_t size = snapshot.size();
  const size_t width = args.Has("wide") ? 0 : OutputColumns();  // tools/terminal.h
  for (uint64_t seq = from; seq < size && seq - from < limit; ++seq) {
    auto entry = snapshot.ReadEntry(seq);
    if (!entry.ok()) return FailStatus(args, entry.status());
    auto view = EventView::FromCanonical(entry->envelope.body);
    if (!view.ok())
      return Fail(args, kExitStore, "seq " + std::to_string(seq) + ": " + view.status().message());
    auto event = view->reader();
    std::vector<SealedValue> sealed;
    if (args.Has("include-sensitive")) {
      auto values = snapshot.ReadSealed(seq);
      if (!values.ok()) return FailStatus(args, values.status());
      sealed = std::move(*values);
    }
    if (args.Has("json")) {
      std::cout << "{\"seq\":" << seq
                << ",\"recordedAt\":" << JsonQuote(FormatTimestamp(entry->recorded_at_us))
                << ",\"keyId\":\"" << HexEncode(entry->envelope.key_id) << "\",\"event\":"
                << codec.ToDisplayJson(event, args.Has("include-sensitive"), sealed) << "}\n";
    } else {
      auto signer = LookUpKey(snapshot.state(), entry->envelope.key_id);
      std::string who = HexEncode(entry->envelope.key_id).substr(0, 12);
      if (signer.ok() && signer->has_value()) who += "(" + RoleName((*signer)->role) + ")";
      for (const auto& line :
           Wrap(std::to_string(seq) + "  " + FormatTimestamp(entry->recorded_at_us) + "  " +
                    EventTypeName(event.which()) + "  " + who + "  " +
                    Summary(codec, event, args.Has("include-sensitive"), sealed),
                width, 0, 4))
        std::cout << line << "\n";
    }
  }
  return kExitOk;
}

int Show(const Args& args) {
  auto seq = ParseUint(args.positional[0]);
  if (!seq) return Fail(args, kExitUsage, "SEQ must be a whole number");
  if (args.remote()) return RemoteShow(args, *seq);
  if (args.Option("vkey"))
    return Fail(args, kExitUsage, "--vkey goes with --server (a local show reads the store)");
  auto ledger = OpenLedger(args, Store::Mode::kReadOnly);
  if (!ledger.ok()) return FailStatus(args, ledger.status());
  const LedgerView snapshot = (*ledger)->View();
  if (*seq >= snapshot.size()) {
    return Fail(args, kExitRefused,
                "no entry at seq " + std::to_string(*seq) + "; the log holds " +
                    std::to_string(snapshot.size()) + " entries");
  }
  auto bytes = snapshot.ReadEntryBytes(*seq);
  if (!bytes.ok()) return FailStatus(args, bytes.status());
  auto entry = DecodeEntry(*bytes);
  if (!entry.ok())
    return Fail(args, kExitStore, "seq " + std::to_string(*seq) + ": " + entry.status().message());
  auto view = EventView::FromCanonical(entry->envelope.body);
  if (!view.ok())
    return Fail(args, kExitStore, "seq " + std::to_string(*seq) + ": " + view.status().message());
  auto event = view->reader();
  // The signer's key: the registry's, or for the genesis entry the key it registers.
  std::optional<PublicKey> key;
  std::string holder, role;
  auto info = LookUpKey(snapshot.state(), entry->envelope.key_id);
  if (info.ok() && info->has_value()) {
    auto pub = PublicKey::FromRaw((*info)->public_key);
    if (pub.ok()) key = *pub;
    holder = (*info)->holder;
    role = RoleName((*info)->role);
  }
  bool verifies = key && VerifyEnvelope(entry->envelope, (*ledger)->origin(), *key);
  std::vector<SealedValue> sealed;
  if (args.Has("include-sensitive")) {
    auto values = snapshot.ReadSealed(*seq);
    if (!values.ok()) return FailStatus(args, values.status());
    sealed = std::move(*values);
  }
  auto withdrawal = WithdrawalOf(snapshot, *seq);
  if (!withdrawal.ok()) return FailStatus(args, withdrawal.status());
  Bytes signed_message = SignedMessage((*ledger)->origin(), entry->envelope.body);
  Hash leaf = merkle::LeafHash(*bytes);
  const auto& codec = (*ledger)->codec();
  if (args.Has("json")) {
    auto json = EntryJson(snapshot, *seq, args.Has("include-sensitive"));
    if (!json.ok()) return FailStatus(args, json.status());
    std::cout << *json << "\n";
  } else {
    std::cout << "seq:         " << *seq << "\n"
              << "recorded at: " << FormatTimestamp(entry->recorded_at_us) << "\n"
              << "type:        " << EventTypeName(event.which()) << "\n"
              << "signer:      " << HexEncode(entry->envelope.key_id)
              << (holder.empty() ? "" : " (" + holder + ", " + role + ")") << "\n"
              << "signature:   " << Base64Encode(entry->envelope.signature) << "\n"
              << "verifies:    " << (verifies ? "yes" : "NO") << "\n"
              << "leaf hash:   " << HexEncode(leaf) << "\n"
              << (*withdrawal ? "WITHDRAWN:   by seq " + std::to_string((*withdrawal)->by) + ": " +
                                    (*withdrawal)->reason + " (R15)\n"
                              : std::string())
              << "event:       "
              << codec.ToDisplayJson(event, args.Has("include-sensitive"), sealed) << "\n";
    if (event.isKeyRegistered()) {
      // The key id a registration gives its key: what entries it signs carry as keyId.
      auto registered =
          PublicKey::FromPem(std::string(event.getKeyRegistered().getPublicKey().cStr()));
      if (registered.ok())
        std::cout << "registers:   key id " << HexEncode(registered->KeyId()) << "\n";
    }
  }
  return verifies ? kExitOk : kExitRefused;
}

// checkpoint and prove through a server (the local commands are in cmd_audit.cc).
int RemoteCheckpoint(const Args& args) {
  if (!args.flags.empty() || !args.options.empty()) {
    return Fail(args, kExitUsage,
                "with --server, checkpoint prints the latest checkpoint note only; --vkey, "
                "--json, --size and --witness-request need a local store (--data DIR)");
  }
  auto opened = Remote::Open(args, false);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto note = std::get<std::unique_ptr<Remote>>(opened)->Get("/checkpoint", false);
  if (auto* code = std::get_if<int>(&note)) return *code;
  std::cout << std::get<std::string>(note);
  return kExitOk;
}

int RemoteProve(const Args& args) {
  const std::string& kind = args.positional[0];
  if (!args.Has("json")) {
    return Fail(args, kExitUsage, "with --server, prove prints the proof as JSON only: add --json");
  }
  std::string target;
  if (kind == "inclusion") {
    if (args.positional.size() != 2)
      return Fail(args, kExitUsage, "usage: probity prove inclusion SEQ [--size N]");
    auto seq = ParseUint(args.positional[1]);
    if (!seq) return Fail(args, kExitUsage, "SEQ must be a whole number");
    target = "/v1/proofs/inclusion?seq=" + std::to_string(*seq);
    if (auto s = args.Option("size")) {
      auto size = ParseUint(*s);
      if (!size) return Fail(args, kExitUsage, "--size must be a whole number");
      target += "&size=" + std::to_string(*size);
    }
  } else if (kind == "consistency") {
    if (args.positional.size() != 3 || args.Option("size"))
      return Fail(args, kExitUsage, "usage: probity prove consistency OLD NEW");
    auto old_size = ParseUint(args.positional[1]);
    auto new_size = ParseUint(args.positional[2]);
    if (!old_size || !new_size) return Fail(args, kExitUsage, "OLD and NEW must be whole numbers");
    target = "/v1/proofs/consistency?old=" + std::to_string(*old_size) +
             "&new=" + std::to_string(*new_size);
  } else {
    return Fail(args, kExitUsage,
                "prove what? 'inclusion SEQ [--size N]' or 'consistency OLD NEW'");
  }
  auto opened = Remote::Open(args, false);
  if (auto* code = std::get_if<int>(&opened)) return *code;
  auto body = std::get<std::unique_ptr<Remote>>(opened)->Get(target, false);
  if (auto* code = std::get_if<int>(&body)) return *code;
  std::cout << std::get<std::string>(body) << "\n";
  return kExitOk;
}

}  // namespace probity::cli
