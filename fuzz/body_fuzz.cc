// libFuzzer target: a signed body's bytes, as verify and every append read them
// (EventView::FromCanonical, then EventCodec::CheckBody). Besides ASan and UBSan it
// checks a property against an independent implementation: CheckBody, which reads the
// body by the schema, accepts exactly the bodies the JSON round trip accepts
// (CheckBodyByJson, the definition). A body one accepts and the other refuses traps.
// Seeds: fuzz/corpus/body_fuzz/real-*.bin, the bodies of fuzz/corpus/event_fuzz's
// events as 'probity sign' writes them.
#include <cstddef>
#include <cstdint>

#include "ledger/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* codec = new probity::EventCodec();  // immutable; lives for the run
  auto view = probity::EventView::FromCanonical(probity::ByteSpan(data, size));
  if (!view.ok()) return 0;
  bool fast = codec->CheckBody(*view).ok();
  bool reference = codec->CheckBodyByJson(*view).ok();
  if (fast != reference) __builtin_trap();
  return 0;
}
