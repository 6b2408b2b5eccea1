// libFuzzer target: one event line as a user or a signer writes it (EventCodec::Parse
// and ::Prepare, ledger/event.h). Besides ASan and UBSan it checks a property: every
// body the codec accepts is a canonical Event that passes CheckBody, and its JSON form
// parses back to exactly the same bytes. A violation traps (a crash libFuzzer saves).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ledger/event.h"
#include "ledger/sealed.h"

namespace {

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

// The property every accepted body must have.
void CheckAccepted(const probity::EventCodec& codec, const probity::Bytes& body) {
  auto view = probity::EventView::FromCanonical(body);
  Require(view.ok());
  Require(codec.CheckBody(*view).ok());
  auto json = codec.ToJson(body);
  Require(json.ok());
  auto again = codec.Parse(*json);
  Require(again.ok() && *again == body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* codec = new probity::EventCodec();  // immutable; lives for the run
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = codec->Parse(text);
  if (parsed.ok()) CheckAccepted(*codec, *parsed);
  auto prepared = codec->Prepare(text, probity::SeededRandom("fuzz"));
  if (prepared.ok()) CheckAccepted(*codec, prepared->body);
  return 0;
}
