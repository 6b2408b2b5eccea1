// libFuzzer target: one signed envelope line as `submit` reads it (EnvelopeFromJson,
// ledger/entry.h). An accepted envelope's body must be a canonical Event; anything
// else it refuses with a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/entry.h"
#include "ledger/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* codec = new probity::EventCodec();  // immutable; lives for the run
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto envelope = probity::EnvelopeFromJson(text, *codec);
  if (envelope.ok() && !probity::EventView::FromCanonical(envelope->body).ok()) __builtin_trap();
  return 0;
}
