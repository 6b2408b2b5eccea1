#include "ledger/event.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "ledger/json.h"

namespace probity {
namespace {

// Ids of the `optional` and `sealed` annotations in schemas/event.capnp.
constexpr uint64_t kOptionalAnnotationId = 0xd1f4f2a8e3c6b701ull;
constexpr uint64_t kSealedAnnotationId = 0xe7a3c1f25b8d4e09ull;
// The largest 64-bit value accepted in JSON: a double carries it exactly and the
// codec prints it in plain digits (from 10^15 on it would print an exponent).
constexpr double kMaxExactInteger = 999999999999999.0;
// Field names that hold dates; each must be a real calendar date.
const std::set<std::string, std::less<>> kDateFields = {"date",  "from",     "to",
                                                        "until", "holidays", "workdays"};

// Hostile input bounds when reading stored or submitted bytes.
capnp::ReaderOptions BoundedReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1 << 20;  // 8 MiB
  options.nestingLimit = 16;
  return options;
}

// Free text (names, summaries, reasons) may hold tab and newline; every other Text field
// is an identifier or a code, refused with any control, bidirectional or zero-width
// character so that two different ids can never print alike.
const std::set<std::string, std::less<>> kFreeTextFields = {
    "name", "summary", "reason", "holder", "task", "note", "period", "publicKey", "principal"};

bool HasAnnotation(capnp::StructSchema::Field field, uint64_t id) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

std::string SealedType(capnp::StructSchema::Field field) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == kSealedAnnotationId) return a.getValue().getText();
  }
  return "";
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// How a JSON object becomes an Event: `input` is an event a user wrote for `sign`
// (sealed fields take clear values, committed under fresh salts); otherwise it is the
// JSON form of a signed body (sealed fields are {"commitment": hex}).
struct BuildContext {
  bool input = false;
  const RandomFn* random = nullptr;
  std::vector<SealedValue>* sealed = nullptr;
};

// Why `text` may not be the value of a field called `name` (the end of a sentence that
// begins "field 'PATH' "), or nothing when it may.
std::optional<std::string> TextProblem(std::string_view text, std::string_view name) {
  if (text.empty()) return "is empty";
  bool free_text = kFreeTextFields.count(name) > 0;
  if (!json::IsCleanText(text, free_text)) {
    return "is not valid UTF-8 text (control characters" +
           (free_text ? std::string(" other than tab and newline") : std::string()) +
           " are refused)";
  }
  if (!free_text && json::HasInvisibleOrBidi(text)) {
    return "holds a bidirectional-control or zero-width character";
  }
  if (kDateFields.count(name) && !IsCalendarDate(text)) {
    return "is not a calendar date YYYY-MM-DD: '" + std::string(text) + "'";
  }
  return std::nullopt;
}

Status CheckText(std::string_view text, std::string_view name, const std::string& path) {
  auto problem = TextProblem(text, name);
  if (problem) return Status::Invalid("field '" + path + "' " + *problem);
  return Status::Ok();
}

// The JSON value `v` as a value of `type`, passed to `set` (which copies it).
Status Convert(capnp::Type type, json::Element v, const std::string& name, const std::string& path,
               const std::function<void(capnp::DynamicValue::Reader)>& set) {
  auto wrong = [&](const char* expected) {
    return Status::Invalid("field '" + path + "' must be " + expected + ", not " +
                           json::Describe(v));
  };
  switch (type.which()) {
    case capnp::schema::Type::TEXT: {
      std::string_view text;
      if (v.get(text)) return wrong("a string");
      PROBITY_RETURN_IF_ERROR(CheckText(text, name, path));
      set(capnp::Text::Reader(text.data(), text.size()));
      return Status::Ok();
    }
    case capnp::schema::Type::BOOL: {
      bool b;
      if (v.get(b)) return wrong("true or false");
      set(b);
      return Status::Ok();
    }
    case capnp::schema::Type::UINT16:
    case capnp::schema::Type::UINT32:
    case capnp::schema::Type::UINT64: {
      uint64_t max = type.which() == capnp::schema::Type::UINT16 ? 65535
                     : type.which() == capnp::schema::Type::UINT32
                         ? 4294967295ull
                         : static_cast<uint64_t>(kMaxExactInteger);
      if (!v.is_number()) return wrong("a whole number");
      uint64_t n;
      bool integral = v.type() == simdjson::dom::element_type::INT64 ||
                      v.type() == simdjson::dom::element_type::UINT64;
      if (!integral || v.get(n) || n > max) {
        return Status::Invalid("field '" + path + "' must be a whole number from 0 to " +
                               std::to_string(max));
      }
      set(n);
      return Status::Ok();
    }
    case capnp::schema::Type::ENUM: {
      std::string_view text;
      if (v.get(text)) return wrong("a string");
      std::vector<std::string> names;
      for (auto e : type.asEnum().getEnumerants()) {
        names.push_back(e.getProto().getName());
        if (names.back() == text) {
          set(capnp::DynamicEnum(e));
          return Status::Ok();
        }
      }
      return Status::Invalid("field '" + path + "': '" + std::string(text) + "' is not one of " +
                             Join(names));
    }
    case capnp::schema::Type::DATA: {
      // Data fields are annotated $Json.hex: lower-case hex digits, two a byte.
      std::string_view text;
      if (v.get(text)) return wrong("a string of hex digits");
      auto bytes = text.find_first_not_of("0123456789abcdef") == std::string_view::npos
                       ? HexDecode(text)
                       : Result<Bytes>(Status::Invalid(""));
      if (!bytes.ok() || text.size() % 2 != 0) {
        return Status::Invalid("field '" + path + "' must be lower-case hex digits, two a byte");
      }
      set(capnp::Data::Reader(bytes->data(), bytes->size()));
      return Status::Ok();
    }
    default:
      // schemas/event.capnp uses no other scalar types; a new one must be handled here.
      return Status::Invalid("field '" + path + "' has a type this codec does not handle");
  }
}

Status FillStruct(capnp::DynamicStruct::Builder out, json::Element value, const std::string& path,
                  const std::set<std::string>& skip, BuildContext& ctx);

// Sets field `f` of `out` from `v`.
Status FillField(capnp::DynamicStruct::Builder out, capnp::StructSchema::Field f, json::Element v,
                 const std::string& path, BuildContext& ctx) {
  std::string name = f.getProto().getName();
  auto type = f.getType();
  std::string sealed_type = SealedType(f);
  if (!sealed_type.empty() && ctx.input) {
    std::string_view text;
    if (v.get(text)) {
      return Status::Invalid("field '" + path +
                             "' is sealed: give its value (a string); signing commits to it");
    }
    SealedValue sv;
    sv.field = name;
    sv.value = std::string(text);
    PROBITY_RETURN_IF_ERROR(CheckSealedText(path, sealed_type, sv.value));
    (*ctx.random)(sv.salt.data(), sv.salt.size());
    Hash c = SealCommitment(sv.salt, sv.value);
    out.init(f).as<capnp::DynamicStruct>().set("commitment",
                                               capnp::Data::Reader(c.data(), c.size()));
    ctx.sealed->push_back(std::move(sv));
    return Status::Ok();
  }
  if (type.isStruct()) {
    auto child = out.init(f).as<capnp::DynamicStruct>();
    PROBITY_RETURN_IF_ERROR(FillStruct(child, v, path, {}, ctx));
    if (child.getSchema() == capnp::Schema::from<schema::Sealed>() &&
        child.get("commitment").as<capnp::Data>().size() != sizeof(Hash)) {
      return Status::Invalid("field '" + path + ".commitment' must be 64 hex digits (SHA-256)");
    }
    return Status::Ok();
  }
  if (type.isList()) {
    json::Array items;
    if (v.get(items))
      return Status::Invalid("field '" + path + "' must be an array, not " + json::Describe(v));
    auto list = out.init(f, static_cast<unsigned>(items.size())).as<capnp::DynamicList>();
    unsigned i = 0;
    for (auto item : items) {
      unsigned at = i++;
      PROBITY_RETURN_IF_ERROR(Convert(type.asList().getElementType(), item, name,
                                      path + "[" + std::to_string(at) + "]",
                                      [&](capnp::DynamicValue::Reader x) { list.set(at, x); }));
    }
    return Status::Ok();
  }
  return Convert(type, v, name, path, [&](capnp::DynamicValue::Reader x) { out.set(f, x); });
}

// Fills `out` from the JSON object `value`: no unknown key, no null, every required
// non-union field present, exactly one union member, each value of the right type.
// `skip` names keys the caller handles (the discriminator).
Status FillStruct(capnp::DynamicStruct::Builder out, json::Element value, const std::string& path,
                  const std::set<std::string>& skip, BuildContext& ctx) {
  json::Object object;
  if (value.get(object)) {
    return Status::Invalid("field '" + path + "' must be an object, not " + json::Describe(value));
  }
  auto schema = out.getSchema();
  std::string prefix = path.empty() ? "" : path + ".";
  std::set<std::string> seen;
  int union_members = 0;
  for (auto field : object) {
    std::string key(field.key);
    if (skip.count(key)) continue;
    seen.insert(key);
    KJ_IF_MAYBE (f, schema.findFieldByName(key)) {
      if (field.value.is_null()) {
        return Status::Invalid("field '" + prefix + key +
                               "' is null; omit an optional field instead");
      }
      union_members +=
          f->getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
      PROBITY_RETURN_IF_ERROR(FillField(out, *f, field.value, prefix + key, ctx));
    } else {
      std::vector<std::string> names;
      for (auto f : schema.getFields()) names.push_back(f.getProto().getName());
      return Status::Invalid("unknown field '" + prefix + key + "'; expected " +
                             (names.empty() ? std::string("no fields") : Join(names)));
    }
  }
  for (auto f : schema.getNonUnionFields()) {
    std::string name = f.getProto().getName();
    if (!HasAnnotation(f, kOptionalAnnotationId) && !seen.count(name)) {
      return Status::Invalid("missing required field '" + prefix + name + "'");
    }
  }
  if (schema.getUnionFields().size() > 0 && union_members != 1) {
    std::vector<std::string> names;
    for (auto f : schema.getUnionFields()) names.push_back(f.getProto().getName());
    return Status::Invalid("field '" + path + "' must have exactly one of " + Join(names));
  }
  return Status::Ok();
}

// One event object -> its canonical bytes (see EventCodec::Parse and ::Prepare).
Result<Bytes> BuildEvent(json::Element value, BuildContext& ctx) {
  json::Object object;
  if (value.get(object)) return Status::Invalid("an event must be a JSON object");
  std::string_view type_name;
  auto type = object["type"];
  if (type.error()) return Status::Invalid("missing required field 'type'");
  if (type.get(type_name)) return Status::Invalid("field 'type' must be a string");
  auto event_schema = capnp::Schema::from<schema::Event>();
  std::vector<std::string> names;
  std::optional<capnp::StructSchema::Field> member;
  for (auto f : event_schema.getUnionFields()) {
    std::string n = f.getProto().getName();
    if (n == "invalid") continue;
    names.push_back(n);
    if (n == type_name) member = f;
  }
  std::string tn(type_name);
  if (!member)
    return Status::Invalid("unknown event type '" + tn + "'; expected one of " + Join(names));
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(event_schema);
  auto body = root.init(*member).as<capnp::DynamicStruct>();
  // The member's fields sit beside `type` and `id` ($Json.flatten).
  std::set<std::string> skip = {"type", "id"};
  PROBITY_RETURN_IF_ERROR(FillStruct(body, value, "", skip, ctx).WithContext(tn));
  auto id = object["id"];
  if (!id.error()) {
    std::string_view text;
    if (id.get(text))
      return Status::Invalid(tn + ": field 'id' must be a string, not " +
                             json::Describe(id.value()));
    if (!IsValidEventId(text))
      return Status::Invalid(tn + ": field 'id' must be 1 to 64 of A-Z a-z 0-9 . _ : -");
    root.set("id", capnp::Text::Reader(text.data(), text.size()));
  } else if (ctx.input) {
    uint8_t fresh[16];
    (*ctx.random)(fresh, sizeof(fresh));
    root.set("id", capnp::Text::Reader("ev-" + HexEncode(ByteSpan(fresh, sizeof(fresh)))));
  }
  auto canonical = capnp::canonicalize(root.asReader().as<schema::Event>());
  auto bytes = canonical.asBytes();
  if (bytes.size() > kMaxEventBytes) {
    return Status::Invalid(tn + ": the event is " + std::to_string(bytes.size()) +
                           " bytes; the limit is " + std::to_string(kMaxEventBytes) +
                           " (a body that large would not be stored)");
  }
  return Bytes(bytes.begin(), bytes.end());
}

// CheckBody, driven by the schema. Refuses exactly what the round trip through the JSON
// form refuses (EventCodec::CheckBodyByJson, kept as the reference the tests and
// fuzz/body_fuzz.cc hold this to): it reads each field the JSON form would carry, checks
// its value as Convert and FillStruct check the parsed JSON, and copies it, field by
// field and list element by element as BuildEvent does, into a new message. The body
// passes when that message's canonical bytes are the body's own; so bytes no field
// carries (extra words, an inactive union member's slot, a list in another encoding)
// are refused.
class BodyCheck {
 public:
  Status Event(schema::Event::Reader event, capnp::MessageBuilder& message) {
    capnp::DynamicStruct::Reader in = event;
    auto root = message.initRoot<capnp::DynamicStruct>(in.getSchema());
    KJ_IF_MAYBE (member, in.which()) {
      if (member->getProto().getDiscriminantValue() == 0 || !in.has(*member)) {
        return Status::Invalid("event body has no event type");
      }
      std::string type = member->getProto().getName();
      PROBITY_RETURN_IF_ERROR(Struct(in.get(*member).as<capnp::DynamicStruct>(),
                                     root.init(*member).as<capnp::DynamicStruct>(), "")
                                  .WithContext(type));
      auto id_field = in.getSchema().getFieldByName("id");
      if (in.has(id_field)) {
        capnp::Text::Reader id = in.get(id_field).as<capnp::Text>();
        if (!IsValidEventId(std::string_view(id.cStr(), id.size()))) {
          return Status::Invalid(type + ": field 'id' must be 1 to 64 of A-Z a-z 0-9 . _ : -");
        }
        root.set(id_field, id);
      }
      return Status::Ok();
    }
    return Status::Invalid("event body has an event type this version does not know");
  }

 private:
  static bool IsSeqField(capnp::StructSchema::Field f) {
    static const auto retraction =
        capnp::Schema::from<schema::Retraction>().getFieldByName("target");
    static const auto erasure = capnp::Schema::from<schema::Erasure>().getFieldByName("target");
    return f == retraction || f == erasure;
  }

  Status Struct(capnp::DynamicStruct::Reader in, capnp::DynamicStruct::Builder out,
                const std::string& prefix) {
    auto schema = in.getSchema();
    for (auto f : schema.getNonUnionFields()) {
      if (!in.has(f)) {
        if (HasAnnotation(f, kOptionalAnnotationId)) continue;
        return Status::Invalid("missing required field '" + prefix +
                               std::string(f.getProto().getName().cStr()) + "'");
      }
      PROBITY_RETURN_IF_ERROR(Field(in, out, f, prefix));
    }
    if (schema.getUnionFields().size() == 0) return Status::Ok();
    KJ_IF_MAYBE (member, in.which()) {
      if (!in.has(*member)) {
        return Status::Invalid("field '" + prefix +
                               std::string(member->getProto().getName().cStr()) + "' is null");
      }
      return Field(in, out, *member, prefix);
    }
    return Status::Invalid("field '" +
                           (prefix.empty() ? prefix : prefix.substr(0, prefix.size() - 1)) +
                           "' has a union member this version does not know");
  }

  Status Field(capnp::DynamicStruct::Reader in, capnp::DynamicStruct::Builder out,
               capnp::StructSchema::Field f, const std::string& prefix) {
    auto type = f.getType();
    auto name = f.getProto().getName();
    std::string_view name_view(name.cStr(), name.size());
    auto path = [&]() { return prefix + std::string(name_view); };
    if (type.isStruct()) {
      auto child_in = in.get(f).as<capnp::DynamicStruct>();
      auto child_out = out.init(f).as<capnp::DynamicStruct>();
      PROBITY_RETURN_IF_ERROR(Struct(child_in, child_out, path() + "."));
      if (child_in.getSchema() == capnp::Schema::from<schema::Sealed>() &&
          child_in.get("commitment").as<capnp::Data>().size() != sizeof(Hash)) {
        return Status::Invalid("field '" + path() + ".commitment' must be 64 hex digits (SHA-256)");
      }
      return Status::Ok();
    }
    if (type.isList()) {
      auto items = in.get(f).as<capnp::DynamicList>();
      auto element = type.asList().getElementType();
      auto list = out.init(f, items.size()).as<capnp::DynamicList>();
      for (unsigned i = 0; i < items.size(); ++i) {
        PROBITY_RETURN_IF_ERROR(Scalar(
            element, f, items[i], name_view,
            [&]() { return path() + "[" + std::to_string(i) + "]"; },
            [&](capnp::DynamicValue::Reader x) { list.set(i, x); }));
      }
      return Status::Ok();
    }
    return Scalar(type, f, in.get(f), name_view, path,
                  [&](capnp::DynamicValue::Reader x) { out.set(f, x); });
  }

  template <typename Path, typename Set>
  Status Scalar(capnp::Type type, capnp::StructSchema::Field f, capnp::DynamicValue::Reader v,
                std::string_view name, const Path& path, const Set& set) {
    switch (type.which()) {
      case capnp::schema::Type::TEXT: {
        auto text = v.as<capnp::Text>();
        std::string_view view(text.cStr(), text.size());
        if (auto problem = TextProblem(view, name)) {
          return Status::Invalid("field '" + path() + "' " + *problem);
        }
        set(text);
        return Status::Ok();
      }
      case capnp::schema::Type::BOOL:
      case capnp::schema::Type::UINT16:
      case capnp::schema::Type::UINT32:
      case capnp::schema::Type::DATA:
        set(v);
        return Status::Ok();
      case capnp::schema::Type::UINT64:
        // The JSON form writes a UInt64 as a number only where SeqHandler encodes it
        // (elsewhere as a string, which Convert refuses), and Convert takes no more
        // than kMaxExactInteger.
        if (!IsSeqField(f) || v.as<uint64_t>() > static_cast<uint64_t>(kMaxExactInteger)) {
          return Status::Invalid("field '" + path() + "' must be a whole number from 0 to " +
                                 std::to_string(static_cast<uint64_t>(kMaxExactInteger)));
        }
        set(v);
        return Status::Ok();
      case capnp::schema::Type::ENUM:
        if (v.as<capnp::DynamicEnum>().getEnumerant() == nullptr) {
          return Status::Invalid("field '" + path() +
                                 "' holds an enum value this version does not know");
        }
        set(v);
        return Status::Ok();
      default:
        return Status::Invalid("field '" + path() + "' has a type this codec does not handle");
    }
  }
};

json::Parser& ThreadParser() {
  thread_local json::Parser parser;
  return parser;
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
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
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
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
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
  if (bytes.size() > kMaxEventBytes) {
    return Status::Invalid("event body is " + std::to_string(bytes.size()) +
                           " bytes; the limit is " + std::to_string(kMaxEventBytes));
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
  KJ_IF_MAYBE (e, err) {
    (void)e;
    return Status::Invalid("not valid JSON");
  }
  return Status::Ok();
}

std::string EventCodec::EncodeRaw(capnp::JsonValue::Reader value) const {
  return impl_->codec.encodeRaw(value).cStr();
}

Result<Bytes> EventCodec::Parse(std::string_view json) const {
  auto value = ThreadParser().Parse(json);
  if (!value.ok()) return value.status();
  return Parse(*value);
}

Result<Bytes> EventCodec::Parse(json::Element value) const {
  BuildContext ctx;
  return BuildEvent(value, ctx);
}

Result<PreparedEvent> EventCodec::Prepare(std::string_view json, const RandomFn& random) const {
  auto value = ThreadParser().Parse(json);
  if (!value.ok()) return value.status();
  PreparedEvent prepared;
  BuildContext ctx{true, &random, &prepared.sealed};
  auto body = BuildEvent(*value, ctx);
  if (!body.ok()) return body.status();
  prepared.body = std::move(*body);
  return prepared;
}

Status EventCodec::CheckBody(const EventView& body) const {
  ByteSpan canonical = body.bytes();
  capnp::MallocMessageBuilder message(
      static_cast<unsigned>(canonical.size() / sizeof(capnp::word)) + 8,
      capnp::AllocationStrategy::FIXED_SIZE);
  Status checked;
  auto err =
      kj::runCatchingExceptions([&]() { checked = BodyCheck().Event(body.reader(), message); });
  if (err != nullptr) return Status::Invalid("event body holds values outside the schema");
  if (!checked.ok()) return checked.WithContext("event body");
  auto again = capnp::canonicalize(message.getRoot<schema::Event>().asReader());
  auto bytes = again.asBytes();
  if (!std::equal(bytes.begin(), bytes.end(), canonical.begin(), canonical.end())) {
    return Status::Invalid(
        "event body carries bytes outside the schema (it does not re-encode to itself)");
  }
  return Status::Ok();
}

Status EventCodec::CheckBodyByJson(const EventView& body) const {
  ByteSpan canonical = body.bytes();
  std::string json;
  auto err = kj::runCatchingExceptions([&]() { json = ToJson(body.reader()); });
  if (err != nullptr) return Status::Invalid("event body holds values outside the schema");
  auto again = Parse(json);
  if (!again.ok()) return again.status().WithContext("event body");
  if (!std::equal(again->begin(), again->end(), canonical.begin(), canonical.end())) {
    return Status::Invalid(
        "event body carries bytes outside the schema (it does not re-encode to itself)");
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
