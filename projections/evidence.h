// Evidence packs (docs/formats.md §12): a person's record as of a point, with each
// entry's exact bytes and inclusion proof, the registrations (and revocations) of every
// key that signed one of them down to the genesis entry, and one checkpoint signed by
// the ledger, so that someone without the store can check it all. BuildEvidence gathers
// it from one view; server/evidence_page.h renders it as a page. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/authority.h"
#include "ledger/note.h"
#include "ledger/witness.h"
#include "projections/reports.h"

namespace probity {

struct EvidenceOptions {
  AsOf as_of;
  // The stored checkpoint to prove against (one is signed per submit); unset: the latest.
  // Without an as-of, the record is then the ledger as that checkpoint saw it.
  std::optional<uint64_t> size;
  bool include_sensitive = false;  // sealed values and salts (HR's)
  // Witnesses that must each have cosigned the checkpoint.
  std::vector<witness::CosignerKey> witnesses;
};

struct EvidenceKey {
  Hash key_id{};
  KeyInfo info;                       // as registered (registered_seq) and revoked, if in the pack
  std::optional<Hash> registered_by;  // the key that signed the registration (none at genesis)
};

// Why an entry is in a pack (docs/formats.md §12, "as").
enum class EvidenceRole { kRecord, kKey, kRevocation };
const char* EvidenceRoleName(EvidenceRole role);  // "record", "key", "revocation"

struct EvidencePack {
  std::string json;  // the JSON document of docs/formats.md §12
  PersonRecordReport record;
  AsOf as_of;
  note::Checkpoint checkpoint;
  size_t cosignature_lines = 0;              // lines on the checkpoint beyond the ledger's own
  std::vector<std::string> witnesses;        // the vkeys checked
  std::map<uint64_t, EvidenceRole> entries;  // seq -> why it is in the pack
  std::vector<EvidenceKey> keys;             // by registration seq
  std::string vkey;
  std::map<uint64_t, std::vector<std::string>> sealed_fields;  // seq -> its sealed fields' names
};

// The pack for `person`. Invalid for an as-of beyond the checkpoint, NotFound for an
// unknown person or a size with no stored checkpoint, Refused when a witness given has
// not cosigned that checkpoint; the store's failures otherwise.
Result<EvidencePack> BuildEvidence(const LedgerView& view, const std::string& person,
                                   const EvidenceOptions& options);

}  // namespace probity
