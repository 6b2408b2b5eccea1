#include "ledger/event.h"

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

namespace probity {
namespace {

// Ids of the `optional` and `sealed` annotations in schemas/event.capnp.
constexpr uint64_t kOptionalAnnotationId = 0xd1f4f2a8e3c6b701ull;
constexpr uint64_t kSealedAnnotationId = 0xe7a3c1f25b8d4e09ull;
// The largest 64-bit value accepted in JSON: a double carries it exactly and the
// codec prints it in plain digits (from 10^15 on it would print an exponent).
constexpr double kMaxExactInteger = 999999999999999.0;
// Field names that hold dates; each must be a real calendar date.
const std::set<std::string> kDateFields = {"date", "from", "to", "until", "holidays", "workdays"};

// Hostile input bounds when reading stored or submitted bytes.
capnp::ReaderOptions BoundedReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1 << 20;  // 8 MiB
  options.nestingLimit = 16;
  return options;
}

bool IsOptional(capnp::StructSchema::Field field) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == kOptionalAnnotationId) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string Describe(capnp::JsonValue::Which which) {
  switch (which) {
    case capnp::JsonValue::NULL_: return "null";
    case capnp::JsonValue::BOOLEAN: return "a boolean";
    case capnp::JsonValue::NUMBER: return "a number";
    case capnp::JsonValue::STRING: return "a string";
    case capnp::JsonValue::ARRAY: return "an array";
    case capnp::JsonValue::OBJECT: return "an object";
    case capnp::JsonValue::CALL: return "a call";
  }
  return "an unknown value";
}

Status CheckStruct(capnp::StructSchema schema, capnp::JsonValue::Reader value,
                   const std::string& path);

// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF) without
// NUL or other C0 controls but tab and newline, so every text prints safely.
bool IsCleanUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n') return false;
      if (c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// Checks that `value` is a JSON value that the codec will decode into `type`
// exactly, without rounding, defaulting or guessing.
Status CheckValue(capnp::Type type, capnp::JsonValue::Reader value, const std::string& name,
                  const std::string& path) {
  auto wrong = [&](const char* expected) {
    return Status::Invalid("field '" + path + "' must be " + expected + ", not " +
                           Describe(value.which()));
  };
  switch (type.which()) {
    case capnp::schema::Type::TEXT: {
      if (!value.isString()) return wrong("a string");
      auto text = value.getString();
      if (text.size() == 0) return Status::Invalid("field '" + path + "' is empty");
      if (!IsCleanUtf8(std::string_view(text.begin(), text.size()))) {
        return Status::Invalid("field '" + path +
                               "' is not valid UTF-8 text (control characters other than tab and newline are refused)");
      }
      if (kDateFields.count(name) && !IsCalendarDate(text.cStr())) {
        return Status::Invalid("field '" + path + "' is not a calendar date YYYY-MM-DD: '" +
                               std::string(text.cStr()) + "'");
      }
      return Status::Ok();
    }
    case capnp::schema::Type::BOOL:
      return value.isBoolean() ? Status::Ok() : wrong("true or false");
    case capnp::schema::Type::UINT16:
    case capnp::schema::Type::UINT32:
    case capnp::schema::Type::UINT64: {
      if (!value.isNumber()) return wrong("a whole number");
      double n = value.getNumber();
      double max = type.which() == capnp::schema::Type::UINT16   ? 65535.0
                   : type.which() == capnp::schema::Type::UINT32 ? 4294967295.0
                                                                 : kMaxExactInteger;
      if (!(n >= 0 && n <= max) || std::floor(n) != n) {
        return Status::Invalid("field '" + path + "' must be a whole number from 0 to " +
                               std::to_string(static_cast<uint64_t>(max)));
      }
      return Status::Ok();
    }
    case capnp::schema::Type::ENUM: {
      if (!value.isString()) return wrong("a string");
      auto schema = type.asEnum();
      std::vector<std::string> names;
      for (auto e : schema.getEnumerants()) {
        names.push_back(e.getProto().getName());
        if (names.back() == value.getString().cStr()) return Status::Ok();
      }
      return Status::Invalid("field '" + path + "': '" + std::string(value.getString().cStr()) +
                             "' is not one of " + Join(names));
    }
    case capnp::schema::Type::LIST: {
      if (!value.isArray()) return wrong("an array");
      auto element = type.asList().getElementType();
      uint32_t i = 0;
      for (auto item : value.getArray()) {
        PROBITY_RETURN_IF_ERROR(
            CheckValue(element, item, name, path + "[" + std::to_string(i++) + "]"));
      }
      return Status::Ok();
    }
    case capnp::schema::Type::DATA: {
      // Data fields are annotated $Json.hex: lower-case hex digits, two a byte.
      if (!value.isString()) return wrong("a string of hex digits");
      std::string_view text(value.getString().begin(), value.getString().size());
      bool hex = text.size() % 2 == 0 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
      if (!hex) return Status::Invalid("field '" + path + "' must be lower-case hex digits, two a byte");
      return Status::Ok();
    }
    case capnp::schema::Type::STRUCT:
      return CheckStruct(type.asStruct(), value, path);
    default:
      // schemas/event.capnp uses no other types; a new one must be handled here.
      return Status::Invalid("field '" + path + "' has a type this codec does not handle");
  }
}

using FieldVec = std::vector<capnp::StructSchema::Field>;

template <typename List>
FieldVec FieldsOf(List list) {
  FieldVec out;
  for (auto f : list) out.push_back(f);
  return out;
}

// Checks an object's keys against `fields`: no unknown or repeated key, no null, every
// required non-union field present, each value of the right type. `allowed_extra` names
// keys the caller has checked already (the discriminator).
Status CheckObject(capnp::JsonValue::Reader value, const std::string& path,
                   const std::set<std::string>& allowed_extra, const FieldVec& fields) {
  std::string prefix = path.empty() ? "" : path + ".";
  std::set<std::string> seen;
  for (auto field : value.getObject()) {
    std::string key = field.getName();
    if (!seen.insert(key).second) return Status::Invalid("field '" + prefix + key + "' appears twice");
    if (allowed_extra.count(key)) continue;
    const capnp::StructSchema::Field* match = nullptr;
    for (const auto& f : fields) {
      if (key == f.getProto().getName().cStr()) match = &f;
    }
    if (match == nullptr) {
      std::vector<std::string> names;
      for (const auto& f : fields) names.push_back(f.getProto().getName());
      return Status::Invalid("unknown field '" + prefix + key + "'; expected " +
                             (names.empty() ? std::string("no fields") : Join(names)));
    }
    if (field.getValue().isNull()) {
      return Status::Invalid("field '" + prefix + key + "' is null; omit an optional field instead");
    }
    PROBITY_RETURN_IF_ERROR(CheckValue(match->getType(), field.getValue(), key, prefix + key));
  }
  for (const auto& f : fields) {
    std::string name = f.getProto().getName();
    bool in_union = f.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
    if (!in_union && !IsOptional(f) && !seen.count(name)) {
      return Status::Invalid("missing required field '" + prefix + name + "'");
    }
  }
  return Status::Ok();
}

Status CheckStruct(capnp::StructSchema schema, capnp::JsonValue::Reader value,
                   const std::string& path) {
  if (!value.isObject()) {
    return Status::Invalid("field '" + path + "' must be an object, not " + Describe(value.which()));
  }
  PROBITY_RETURN_IF_ERROR(CheckObject(value, path, {}, FieldsOf(schema.getFields())));
  if (schema == capnp::Schema::from<schema::Sealed>()) {
    for (auto field : value.getObject()) {
      if (field.getValue().getString().size() != 2 * sizeof(Hash)) {
        return Status::Invalid("field '" + path + ".commitment' must be 64 hex digits (SHA-256)");
      }
    }
  }
  if (schema.getUnionFields().size() > 0) {
    int present = 0;
    std::vector<std::string> names;
    for (auto f : schema.getUnionFields()) {
      names.push_back(f.getProto().getName());
      for (auto field : value.getObject()) {
        if (field.getName() == f.getProto().getName()) ++present;
      }
    }
    if (present != 1) {
      return Status::Invalid("field '" + path + "' must have exactly one of " + Join(names));
    }
  }
  return Status::Ok();
}

// Encodes the seq of a retraction as a JSON number (the codec would write a string).
class SeqHandler final : public capnp::JsonCodec::Handler<uint64_t> {
 public:
  void encode(const capnp::JsonCodec&, uint64_t input,
              capnp::JsonValue::Builder output) const override {
    output.setNumber(static_cast<double>(input));
  }
  uint64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override {
    // CheckValue has already proved this is a whole number in range.
    return static_cast<uint64_t>(input.getNumber());
  }
};

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

bool IsCalendarDate(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  int y = std::stoi(std::string(t.substr(0, 4)));
  int m = std::stoi(std::string(t.substr(5, 2)));
  int d = std::stoi(std::string(t.substr(8, 2)));
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool IsValidEventId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string EventTypeName(schema::Event::Which which) {
  auto schema = capnp::Schema::from<schema::Event>();
  for (auto f : schema.getUnionFields()) {
    if (f.getProto().getDiscriminantValue() == static_cast<uint16_t>(which)) {
      return f.getProto().getName();
    }
  }
  return "unknown";
}

ByteSpan EventView::bytes() const {
  auto b = words_.asBytes();
  return ByteSpan(b.begin(), b.size());
}

Result<EventView> EventView::FromCanonical(ByteSpan bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Invalid("event body is not a whole number of 8-byte words");
  }
  EventView view;
  view.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(view.words_.begin(), bytes.data(), bytes.size());
  view.segments_ = std::make_unique<kj::ArrayPtr<const capnp::word>>(view.words_.asPtr());
  auto err = kj::runCatchingExceptions([&]() {
    view.message_ = std::make_unique<capnp::SegmentArrayMessageReader>(
        kj::arrayPtr(view.segments_.get(), 1), BoundedReaderOptions());
    if (!view.message_->isCanonical()) KJ_FAIL_REQUIRE("not canonical");
    view.root_ = view.message_->getRoot<schema::Event>();
  });
  if (err != nullptr) return Status::Invalid("event body is not a canonical Cap'n Proto Event");
  if (view.root_.which() == schema::Event::INVALID) {
    return Status::Invalid("event body has no event type");
  }
  return view;
}

struct EventCodec::Impl {
  capnp::JsonCodec codec;
  SeqHandler seq_handler;
};

EventCodec::EventCodec() : impl_(std::make_unique<Impl>()) {
  impl_->codec.handleByAnnotation<schema::Event>();
  auto retraction = capnp::Schema::from<schema::Retraction>();
  impl_->codec.addFieldHandler(retraction.getFieldByName("target"), impl_->seq_handler);
  auto erasure = capnp::Schema::from<schema::Erasure>();
  impl_->codec.addFieldHandler(erasure.getFieldByName("target"), impl_->seq_handler);
}

EventCodec::~EventCodec() = default;

Status EventCodec::ParseRaw(std::string_view json, capnp::JsonValue::Builder out) const {
  auto err = kj::runCatchingExceptions(
      [&]() { impl_->codec.decodeRaw(kj::ArrayPtr<const char>(json.data(), json.size()), out); });
  KJ_IF_MAYBE(e, err) {
    (void)e;
    return Status::Invalid("not valid JSON");
  }
  return Status::Ok();
}

std::string EventCodec::EncodeRaw(capnp::JsonValue::Reader value) const {
  return impl_->codec.encodeRaw(value).cStr();
}

Result<Bytes> EventCodec::Parse(std::string_view json) const {
  capnp::MallocMessageBuilder message;
  auto raw = message.initRoot<capnp::JsonValue>();
  PROBITY_RETURN_IF_ERROR(ParseRaw(json, raw));
  return Parse(raw.asReader());
}

Result<Bytes> EventCodec::Parse(capnp::JsonValue::Reader value) const {
  if (!value.isObject()) return Status::Invalid("an event must be a JSON object");
  auto event_schema = capnp::Schema::from<schema::Event>();
  kj::Maybe<capnp::JsonValue::Reader> type;
  for (auto field : value.getObject()) {
    if (field.getName() == "type") type = field.getValue();
  }
  capnp::JsonValue::Reader type_value;
  KJ_IF_MAYBE(t, type) { type_value = *t; }
  else return Status::Invalid("missing required field 'type'");
  if (!type_value.isString()) return Status::Invalid("field 'type' must be a string");
  std::string type_name = type_value.getString();
  capnp::StructSchema::Field member;
  bool found = false;
  std::vector<std::string> names;
  for (auto f : event_schema.getUnionFields()) {
    std::string n = f.getProto().getName();
    if (n == "invalid") continue;
    names.push_back(n);
    if (n == type_name) {
      member = f;
      found = true;
    }
  }
  if (!found) {
    return Status::Invalid("unknown event type '" + type_name + "'; expected one of " + Join(names));
  }
  // Keys allowed: `type`, the event's own non-union fields (`id`), the member's fields.
  FieldVec fields = FieldsOf(event_schema.getNonUnionFields());
  for (auto f : member.getType().asStruct().getFields()) fields.push_back(f);
  PROBITY_RETURN_IF_ERROR(CheckObject(value, "", {"type"}, fields).WithContext(type_name));
  for (auto field : value.getObject()) {
    if (field.getName() == "id" && !IsValidEventId(field.getValue().getString().cStr())) {
      return Status::Invalid(type_name + ": field 'id' must be 1 to 64 of A-Z a-z 0-9 . _ : -");
    }
  }

  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  auto err = kj::runCatchingExceptions([&]() { impl_->codec.decode(value, root); });
  KJ_IF_MAYBE(e, err) {
    // The checks above should make this unreachable; report rather than crash.
    return Status::Invalid(type_name + ": " + std::string(e->getDescription().cStr()));
  }
  if (static_cast<uint16_t>(root.which()) != member.getProto().getDiscriminantValue()) {
    return Status::Invalid("event type did not decode as '" + type_name + "'");
  }
  auto canonical = capnp::canonicalize(root.asReader());
  auto bytes = canonical.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<PreparedEvent> EventCodec::Prepare(std::string_view json, const RandomFn& random) const {
  capnp::MallocMessageBuilder message;
  auto raw = message.initRoot<capnp::JsonValue>();
  PROBITY_RETURN_IF_ERROR(ParseRaw(json, raw));
  auto in = raw.asReader();
  if (!in.isObject()) return Status::Invalid("an event must be a JSON object");
  // The sealed fields of this event's type, by name and clear-value type.
  std::map<std::string, std::string> sealed_types;
  std::string type_name;
  for (auto field : in.getObject()) {
    if (field.getName() == "type" && field.getValue().isString()) type_name = field.getValue().getString().cStr();
  }
  auto event_schema = capnp::Schema::from<schema::Event>();
  KJ_IF_MAYBE(member, event_schema.findFieldByName(type_name)) {
    if (member->getType().isStruct()) {
      for (auto f : member->getType().asStruct().getFields()) {
        for (auto a : f.getProto().getAnnotations()) {
          if (a.getId() == kSealedAnnotationId) sealed_types[f.getProto().getName()] = a.getValue().getText();
        }
      }
    }
  }
  bool has_id = false;
  for (auto field : in.getObject()) has_id |= field.getName() == "id";
  capnp::MallocMessageBuilder out_message;
  auto out = out_message.initRoot<capnp::JsonValue>();
  auto fields = out.initObject(in.getObject().size() + (has_id ? 0 : 1));
  PreparedEvent prepared;
  unsigned i = 0;
  if (!has_id) {
    uint8_t id[16];
    random(id, sizeof(id));
    fields[i].setName("id");
    fields[i++].initValue().setString("ev-" + HexEncode(ByteSpan(id, sizeof(id))));
  }
  for (auto field : in.getObject()) {
    std::string name = field.getName();
    fields[i].setName(name);
    auto it = sealed_types.find(name);
    if (it == sealed_types.end()) {
      fields[i++].setValue(field.getValue());
      continue;
    }
    if (!field.getValue().isString()) {
      return Status::Invalid(type_name + ": field '" + name + "' is sealed: give its value (a string); " +
                             "signing commits to it");
    }
    SealedValue sv;
    sv.field = name;
    sv.value = field.getValue().getString().cStr();
    PROBITY_RETURN_IF_ERROR(CheckSealedText(name, it->second, sv.value).WithContext(type_name));
    random(sv.salt.data(), sv.salt.size());
    auto commitment = fields[i++].initValue().initObject(1);
    commitment[0].setName("commitment");
    commitment[0].initValue().setString(HexEncode(SealCommitment(sv.salt, sv.value)));
    prepared.sealed.push_back(std::move(sv));
  }
  auto body = Parse(out.asReader());
  if (!body.ok()) return body.status();
  prepared.body = std::move(*body);
  return prepared;
}

Status EventCodec::CheckBody(const EventView& body) const {
  ByteSpan canonical = body.bytes();
  std::string json;
  auto err = kj::runCatchingExceptions([&]() { json = ToJson(body.reader()); });
  if (err != nullptr) return Status::Invalid("event body holds values outside the schema");
  auto again = Parse(json);
  if (!again.ok()) return again.status().WithContext("event body");
  if (!std::equal(again->begin(), again->end(), canonical.begin(), canonical.end())) {
    return Status::Invalid("event body carries bytes outside the schema (it does not re-encode to itself)");
  }
  return Status::Ok();
}

std::string EventCodec::ToJson(schema::Event::Reader event) const {
  return impl_->codec.encode(event).cStr();
}

std::string EventCodec::ToDisplayJson(schema::Event::Reader event, bool include_sensitive,
                                      const std::vector<SealedValue>& sealed) const {
  auto sealed_fields = SealedFieldsOf(event);
  if (sealed_fields.empty()) return ToJson(event);
  capnp::MallocMessageBuilder message;
  auto raw = message.initRoot<capnp::JsonValue>();
  if (!ParseRaw(ToJson(event), raw).ok()) return "{}";  // our own output always parses
  for (auto field : raw.getObject()) {
    for (const auto& sf : sealed_fields) {
      if (std::string(field.getName().cStr()) != sf.name) continue;
      std::string shown = "withheld (sensitive)";
      if (include_sensitive) {
        shown = "erased";
        for (const auto& v : sealed) {
          if (v.field == sf.name) shown = v.value;
        }
      }
      field.getValue().setString(shown);
    }
  }
  return EncodeRaw(raw.asReader());
}

Result<std::string> EventCodec::ToJson(ByteSpan canonical) const {
  auto view = EventView::FromCanonical(canonical);
  if (!view.ok()) return view.status();
  return ToJson(view->reader());
}

}  // namespace probity
