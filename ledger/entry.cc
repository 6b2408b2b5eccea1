#include "ledger/entry.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <ctime>
#include <optional>

#include "ledger/crypto.h"
#include "ledger/json.h"

namespace probity {
namespace {

capnp::Data::Reader AsData(ByteSpan b) { return capnp::Data::Reader(b.data(), b.size()); }

// "sealed": [{"field": name, "salt": hex64, "value": text}, ...], strictly.
Result<std::vector<SealedValue>> SealedValuesFromJson(json::Element v) {
  json::Array items;
  if (v.get(items)) return Status::Invalid("field 'sealed' must be an array");
  std::vector<SealedValue> out;
  for (auto item : items) {
    std::string where = "field 'sealed[" + std::to_string(out.size()) + "]";
    json::Object object;
    if (item.get(object)) return Status::Invalid(where + "' must be an object");
    std::optional<std::string> field, salt, value;
    for (auto f : object) {
      std::string name(f.key);
      std::optional<std::string>* slot = name == "field"   ? &field
                                         : name == "salt"  ? &salt
                                         : name == "value" ? &value
                                                           : nullptr;
      if (slot == nullptr)
        return Status::Invalid(where + "." + name + "' is unknown; expected field, salt, value");
      std::string_view text;
      if (f.value.get(text)) return Status::Invalid(where + "." + name + "' must be a string");
      *slot = std::string(text);
    }
    if (!field || !salt || !value) return Status::Invalid(where + "' needs field, salt and value");
    if (!json::IsCleanText(*value, false) || !json::IsCleanText(*field, false)) {
      return Status::Invalid(where + "' holds control characters");
    }
    SealedValue sv;
    sv.field = *field;
    sv.value = *value;
    auto bytes = HexDecode(*salt);
    if (!bytes.ok() || bytes->size() != sv.salt.size()) {
      return Status::Invalid(where + ".salt' must be 64 lower-case hex digits");
    }
    std::copy(bytes->begin(), bytes->end(), sv.salt.begin());
    for (const auto& earlier : out) {
      if (earlier.field == sv.field)
        return Status::Invalid(where + "' repeats field '" + sv.field + "'");
    }
    out.push_back(std::move(sv));
  }
  return out;
}

}  // namespace

Bytes SignedMessage(std::string_view origin, ByteSpan body) {
  Bytes out(kEventSignaturePrefix.size() + origin.size() + 1 + body.size());
  uint8_t* p = out.data();
  std::memcpy(p, kEventSignaturePrefix.data(), kEventSignaturePrefix.size());
  p += kEventSignaturePrefix.size();
  if (!origin.empty()) std::memcpy(p, origin.data(), origin.size());
  p += origin.size();
  *p++ = '\n';
  if (!body.empty()) std::memcpy(p, body.data(), body.size());
  return out;
}

Envelope SignEnvelope(ByteSpan canonical_body, std::string_view origin, const PrivateKey& key) {
  Envelope env;
  env.body.assign(canonical_body.begin(), canonical_body.end());
  env.key_id = key.Public().KeyId();
  Bytes sig = key.Sign(SignedMessage(origin, canonical_body));
  std::copy(sig.begin(), sig.end(), env.signature.begin());
  return env;
}

bool VerifyEnvelope(const Envelope& envelope, std::string_view origin, const PublicKey& key) {
  return ConstantTimeEqual(key.KeyId(), envelope.key_id) &&
         key.Verify(SignedMessage(origin, envelope.body), envelope.signature);
}

Bytes EncodeEntry(const Entry& entry) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Entry>();
  root.setSeq(entry.seq);
  root.setRecordedAt(entry.recorded_at_us);
  auto env = root.initEnvelope();
  env.setBody(AsData(entry.envelope.body));
  env.setKeyId(AsData(entry.envelope.key_id));
  env.setSignature(AsData(entry.envelope.signature));
  auto words = capnp::canonicalize(root.asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Status ReadCanonicalRecord(ByteSpan bytes, std::string_view what, std::string_view type,
                           const std::function<std::string(capnp::MessageReader&)>& read,
                           const std::function<Bytes()>& encode_again) {
  std::string name(what);
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return Status::Corrupt(name + " is not a whole number of 8-byte words");
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  std::string problem;
  auto err = kj::runCatchingExceptions([&]() {
    kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1 << 20;
    options.nestingLimit = 8;
    capnp::SegmentArrayMessageReader message(kj::arrayPtr(segments, 1), options);
    problem = message.isCanonical() ? read(message) : name + " is not in canonical form";
  });
  if (err != nullptr)
    return Status::Corrupt(name + " does not decode as a Cap'n Proto " + std::string(type));
  if (!problem.empty()) return Status::Corrupt(problem);
  // Found by fuzzing (fuzz/findings/entry_fuzz): only the bytes the encoder writes are a record.
  Bytes again = encode_again();
  if (again.size() != bytes.size() || !std::equal(again.begin(), again.end(), bytes.begin()))
    return Status::Corrupt(name +
                           " carries bytes outside the schema (it does not re-encode to itself)");
  return Status::Ok();
}

Result<Entry> DecodeEntry(ByteSpan bytes) {
  Entry entry;
  PROBITY_RETURN_IF_ERROR(ReadCanonicalRecord(
      bytes, "entry", "Entry",
      [&](capnp::MessageReader& message) -> std::string {
        auto root = message.getRoot<schema::Entry>();
        entry.seq = root.getSeq();
        entry.recorded_at_us = root.getRecordedAt();
        auto env = root.getEnvelope();
        auto body = env.getBody();
        auto key_id = env.getKeyId();
        auto sig = env.getSignature();
        if (key_id.size() != entry.envelope.key_id.size() ||
            sig.size() != entry.envelope.signature.size())
          return "entry has a key id or signature of the wrong length";
        entry.envelope.body.assign(body.begin(), body.end());
        std::memcpy(entry.envelope.key_id.data(), key_id.begin(), key_id.size());
        std::memcpy(entry.envelope.signature.data(), sig.begin(), sig.size());
        return "";
      },
      [&] { return EncodeEntry(entry); }));
  return entry;
}

std::string EnvelopeToJson(const Envelope& envelope, const EventCodec& codec) {
  auto event = codec.ToJson(envelope.body);
  std::string out = "{\"keyId\":\"" + HexEncode(envelope.key_id) + "\",\"signature\":\"" +
                    Base64Encode(envelope.signature) + "\",\"body\":\"" +
                    Base64Encode(envelope.body) + "\"";
  if (event.ok()) out += ",\"event\":" + *event;
  if (!envelope.sealed.empty()) {
    out += ",\"sealed\":[";
    for (size_t i = 0; i < envelope.sealed.size(); ++i) {
      const auto& v = envelope.sealed[i];
      out += std::string(i ? "," : "") + "{\"field\":" + JsonQuote(v.field) + ",\"salt\":\"" +
             HexEncode(ByteSpan(v.salt.data(), v.salt.size())) +
             "\",\"value\":" + JsonQuote(v.value) + "}";
    }
    out += "]";
  }
  return out + "}";
}

Result<Envelope> EnvelopeFromJson(std::string_view line, const EventCodec& codec) {
  thread_local json::Parser parser;
  auto parsed = parser.Parse(line);
  if (!parsed.ok()) return parsed.status();
  json::Object object;
  if (parsed->get(object)) return Status::Invalid("an envelope must be a JSON object");
  std::optional<std::string> key_id, signature, body;
  std::optional<json::Element> event, sealed;
  for (auto field : object) {
    std::string name(field.key);
    auto text = [&](std::optional<std::string>& slot) -> Status {
      std::string_view v;
      if (field.value.get(v)) return Status::Invalid("field '" + name + "' must be a string");
      slot = std::string(v);
      return Status::Ok();
    };
    if (name == "keyId")
      PROBITY_RETURN_IF_ERROR(text(key_id));
    else if (name == "signature")
      PROBITY_RETURN_IF_ERROR(text(signature));
    else if (name == "body")
      PROBITY_RETURN_IF_ERROR(text(body));
    else if (name == "event")
      event = field.value;
    else if (name == "sealed")
      sealed = field.value;
    else {
      return Status::Invalid("unknown field '" + name +
                             "' in an envelope; expected keyId, signature, body, event, sealed");
    }
  }
  if (!key_id)
    return Status::Invalid(
        "missing required field 'keyId' (is this an unsigned event? use 'probity sign' or "
        "'append')");
  if (!signature) return Status::Invalid("missing required field 'signature'");
  if (!body) return Status::Invalid("missing required field 'body'");
  Envelope env;
  auto id = HexDecode(*key_id);
  if (!id.ok() || id->size() != 32)
    return Status::Invalid("field 'keyId' must be 64 lower-case hex digits");
  std::copy(id->begin(), id->end(), env.key_id.begin());
  auto sig = Base64Decode(*signature);
  if (!sig.ok() || sig->size() != 64)
    return Status::Invalid("field 'signature' must be 64 bytes in base64");
  std::copy(sig->begin(), sig->end(), env.signature.begin());
  auto b = Base64Decode(*body);
  if (!b.ok()) return Status::Invalid("field 'body' is not base64");
  auto view = EventView::FromCanonical(*b);
  if (!view.ok()) return view.status().WithContext("field 'body'");
  env.body = std::move(*b);
  if (event) {
    auto parsed_event = codec.Parse(*event);
    if (!parsed_event.ok()) return parsed_event.status().WithContext("field 'event'");
    if (*parsed_event != env.body)
      return Status::Invalid("field 'event' does not match the signed 'body'");
  }
  if (sealed) {
    auto values = SealedValuesFromJson(*sealed);
    if (!values.ok()) return values.status();
    env.sealed = std::move(*values);
  }
  return env;
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

}  // namespace probity
