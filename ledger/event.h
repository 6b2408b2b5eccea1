// Events: the JSON a user writes, checked strictly against schemas/event.capnp,
// and the canonical Cap'n Proto bytes that are signed and stored. Exists because
// Cap'n Proto's JSON codec alone accepts unknown keys, unknown types and missing
// fields. EventCodec is immutable after construction and safe to share across threads.
#pragma once

#include <capnp/compat/json.capnp.h>
#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <kj/array.h>

#include <memory>
#include <string>
#include <string_view>

#include "ledger/bytes.h"
#include "ledger/json.h"
#include "ledger/sealed.h"
#include "ledger/status.h"
#include "schemas/event.capnp.h"

namespace probity {

// The largest canonical event body signed or stored (64 KiB). Events are short records;
// the bound keeps every body far inside the reader's traversal limit.
inline constexpr size_t kMaxEventBytes = size_t{64} << 10;

// Owns one event's canonical bytes (word-aligned) and reads them.
class EventView {
 public:
  // Refuses bytes that are not one canonical Event message, or whose type is `invalid`.
  static Result<EventView> FromCanonical(ByteSpan bytes);

  schema::Event::Reader reader() const { return root_; }
  ByteSpan bytes() const;

 private:
  EventView() = default;
  // The reader points into the message, which points into segments_ and words_:
  // all three live on the heap so that moving the view moves no byte they refer to.
  kj::Array<capnp::word> words_;
  std::unique_ptr<kj::ArrayPtr<const capnp::word>> segments_;
  std::unique_ptr<capnp::MessageReader> message_;
  schema::Event::Reader root_;
};

// The event's type name as it appears in JSON ("assignmentMade").
std::string EventTypeName(schema::Event::Which which);

// The JSON name of a schema enum's value, e.g. "poorOrganisation" for Ground; "unknown"
// for a value the schema does not name (a stored int from a later schema).
template <typename T>
std::string EnumName(T value) {
  for (auto e : capnp::Schema::from<T>().getEnumerants()) {
    if (e.getOrdinal() == static_cast<uint16_t>(value)) return e.getProto().getName();
  }
  return "unknown";
}

// `text` as a JSON string literal, quotes included, with every control character escaped.
std::string JsonQuote(std::string_view text);

// True when `text` is a real calendar date written YYYY-MM-DD.
bool IsCalendarDate(std::string_view text);

// True when `id` is a valid event id: 1 to 64 of A-Z a-z 0-9 . _ : -
bool IsValidEventId(std::string_view id);

// An event ready to sign: its canonical body and the clear values of its sealed fields.
struct PreparedEvent {
  Bytes body;
  std::vector<SealedValue> sealed;
};

class EventCodec {
 public:
  EventCodec();
  ~EventCodec();
  EventCodec(const EventCodec&) = delete;
  EventCodec& operator=(const EventCodec&) = delete;

  // One event object as JSON text -> its canonical bytes. Refuses malformed JSON,
  // an unknown or missing `type`, unknown or duplicate keys, missing required fields,
  // wrong value types, unknown enum names, empty required text and impossible dates;
  // the message names the field.
  Result<Bytes> Parse(std::string_view json) const;
  // The same for an already parsed JSON value (an envelope's `event`).
  Result<Bytes> Parse(json::Element value) const;

  // An event as a user writes it -> the body `sign` signs. Differs from Parse in two
  // ways: an event without an `id` gets a fresh one ("ev-" and 32 random hex digits),
  // and each sealed field takes its clear value (e.g. "reason":"health"), which is
  // replaced by its commitment under a fresh random salt and returned beside the body.
  Result<PreparedEvent> Prepare(std::string_view json, const RandomFn& random) const;

  // Refuses a body that is canonical but carries anything the schema does not: extra
  // data or pointer words, an unknown type or enum value, a field the JSON form would
  // not carry, a value the JSON form would refuse. A body passes only if it is what its
  // own JSON form parses to. Reads the body by the schema (no JSON text is made).
  Status CheckBody(const EventView& body) const;
  // The same decision by the definition itself: the body is written as JSON and parsed
  // back. Slower; the reference CheckBody is tested against (fuzz/body_fuzz.cc).
  Status CheckBodyByJson(const EventView& body) const;

  // Canonical bytes -> one line of JSON (no trailing newline).
  Result<std::string> ToJson(ByteSpan canonical) const;
  std::string ToJson(schema::Event::Reader event) const;
  // The JSON shown to people: the same, except that each sealed field (a dispatch
  // restriction's reason, R1) shows its clear value from `sealed` when
  // `include_sensitive`, "erased" when its value is not there, and otherwise reads
  // "withheld (sensitive)".
  std::string ToDisplayJson(schema::Event::Reader event, bool include_sensitive,
                            const std::vector<SealedValue>& sealed = {}) const;

  // Cap'n Proto's raw JSON, only for re-shaping JSON this codec wrote itself (display);
  // never for input: its decoder is not trusted (Debian's 0.9.2 mis-decodes \uXXXX).
  Status ParseRaw(std::string_view json, capnp::JsonValue::Builder out) const;
  std::string EncodeRaw(capnp::JsonValue::Reader value) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace probity
