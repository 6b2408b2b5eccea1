// libFuzzer target: the text formats a witness or an auditor receives: checkpoint notes
// (note::ParseCheckpoint, note::Open), add-checkpoint requests and cosigned notes
// (witness::ParseWitnessRequest, witness::VerifyCosignatures), and vkeys (ledger/note.h,
// ledger/witness.h). The known keys are fixed: fuzz/make_corpus signs the seed notes
// with the same seeds, so mutants reach signature checking.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/note.h"
#include "ledger/witness.h"

namespace {

// Ed25519 seed bytes first, first + 1, ... first + 31 (fuzz/make_corpus: 0x01.., 0x21..).
probity::PublicKey FixedKey(uint8_t first) {
  uint8_t seed[32];
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(first + i);
  auto key = probity::PrivateKey::FromSeed(probity::ByteSpan(seed, sizeof(seed)));
  if (!key.ok()) __builtin_trap();
  return key->Public();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace probity;
  // The log's checkpoint key (its name is the origin) and one witness, as in the corpus.
  static const auto* log_key = new std::vector<note::Verifier>{
      {"x.test", note::KeyIdFor("x.test", FixedKey(0x01)), FixedKey(0x01)}};
  static const auto* witnesses = new std::vector<witness::CosignerKey>{
      *witness::CosignerKey::For("witness.test", FixedKey(0x21))};
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto checkpoint = note::ParseCheckpoint(text);
  if (checkpoint.ok()) {
    // Strict inverse: what it accepts, FormatCheckpoint writes back byte for byte.
    if (note::FormatCheckpoint(*checkpoint) != text) __builtin_trap();
  }
  (void)note::Open(text, *log_key);
  auto request = witness::ParseWitnessRequest(text);
  if (request.ok() && witness::FormatWitnessRequest(*request) != text) __builtin_trap();
  (void)witness::VerifyCosignatures(text, *witnesses);
  auto vkey = note::Verifier::FromVkey(text);
  if (vkey.ok() && vkey->Vkey() != text) __builtin_trap();
  auto cosigner = witness::CosignerKey::FromVkey(text);
  if (cosigner.ok() && cosigner->Vkey() != text) __builtin_trap();
  return 0;
}
