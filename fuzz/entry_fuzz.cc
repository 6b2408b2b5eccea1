// libFuzzer target: the bytes of a stored log entry (DecodeEntry, ledger/entry.h), as
// verify and every read take them from the store. An accepted entry must re-encode to
// exactly the input (one entry, one spelling: the Merkle leaf hashes these bytes), and
// its body is then read and checked as verify does. A violation traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "ledger/entry.h"
#include "ledger/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* codec = new probity::EventCodec();  // immutable; lives for the run
  probity::ByteSpan bytes(data, size);
  auto entry = probity::DecodeEntry(bytes);
  if (!entry.ok()) return 0;
  auto view = probity::EventView::FromCanonical(entry->envelope.body);
  if (view.ok()) (void)codec->CheckBody(*view);
  probity::Bytes again = probity::EncodeEntry(*entry);
  if (!std::equal(again.begin(), again.end(), bytes.begin(), bytes.end())) __builtin_trap();
  return 0;
}
