// BuildEvidence: see evidence.h; the format is docs/formats.md §12.
#include "projections/evidence.h"

#include <algorithm>

#include "ledger/entry.h"
#include "ledger/event.h"
#include "ledger/ledger.h"
#include "projections/report_codec.h"

namespace probity {
namespace {

std::string AsOfJson(const AsOf& as_of) {
  if (as_of.date) return "{\"date\":" + JsonQuote(*as_of.date) + "}";
  if (as_of.seq) return "{\"seq\":" + std::to_string(*as_of.seq) + "}";
  return "{}";
}

// The checkpoint note at `size` (the view's own when it is the view's size).
Result<std::string> CheckpointNote(const LedgerView& view, uint64_t size) {
  if (size == view.size()) return view.LatestCheckpoint();
  auto note = view.CheckpointAt(size);
  if (!note.ok() && note.status().code() == Code::kNotFound) {
    return Status::NotFound("no checkpoint was signed at size " + std::to_string(size) +
                            " (one is signed per submit; 'probity log' shows the seqs)");
  }
  return note;
}

}  // namespace

Result<EvidencePack> BuildEvidence(const LedgerView& view, const std::string& person,
                                   const EvidenceOptions& options) {
  EvidencePack pack;
  uint64_t size = options.size.value_or(view.size());
  if (size == 0 || size > view.size()) {
    return Status::Invalid("--size " + std::to_string(size) + " is not a size of this log (1 to " +
                           std::to_string(view.size()) + ")");
  }
  pack.as_of = options.as_of;
  if (!pack.as_of.date && !pack.as_of.seq && size < view.size()) pack.as_of.seq = size - 1;
  if (pack.as_of.seq && *pack.as_of.seq >= size) {
    return Status::Invalid("--as-of-seq " + std::to_string(*pack.as_of.seq) +
                           " is beyond the checkpoint of size " + std::to_string(size));
  }
  auto record = ReplayRecord(view, person, pack.as_of, options.include_sensitive);
  if (!record.ok()) return record.status();
  // With --as-of DATE and an older checkpoint: only what that checkpoint covers.
  std::erase_if(record->lines, [&](const RecordLine& l) { return l.seq >= size; });
  for (auto& l : record->lines) {
    if (l.withdrawn_by && *l.withdrawn_by >= size) {
      l.withdrawn_by.reset();
      l.withdrawn_reason.clear();
    }
  }
  pack.record = std::move(*record);

  auto note = CheckpointNote(view, size);
  if (!note.ok()) return note.status();
  auto opened = note::Open(*note, {view.checkpoint_verifier()});
  if (!opened.ok())
    return opened.status().WithContext("the checkpoint at size " + std::to_string(size));
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  pack.checkpoint = *checkpoint;
  pack.vkey = view.checkpoint_verifier().Vkey();
  size_t lines = std::count(note->begin() + opened->text.size(), note->end(), '\n');
  pack.cosignature_lines = lines > 2 ? lines - 2 : 0;  // the blank line and the ledger's own
  if (!options.witnesses.empty()) {
    auto cosigned = witness::VerifyCosignatures(*note, options.witnesses);
    if (!cosigned.ok()) return cosigned.status();
    for (const auto& w : options.witnesses) {
      bool found = std::any_of(cosigned->begin(), cosigned->end(),
                               [&](const witness::Cosignature& c) { return c.name == w.name; });
      if (!found) {
        return Status::Refused("witness " + w.name + " has not cosigned the checkpoint at size " +
                               std::to_string(size) +
                               " ('probity checkpoint --witness-request' asks it; 'probity "
                               "cosign' stores its answer)");
      }
      pack.witnesses.push_back(w.Vkey());
    }
  }

  // The record, then every signer's registration (and revocation) down to the genesis.
  for (const auto& l : pack.record.lines) pack.entries[l.seq] = "record";
  std::map<uint64_t, Entry> decoded;
  std::map<Hash, size_t> key_index;
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [seq, why] : std::map<uint64_t, std::string>(pack.entries)) {
      if (decoded.count(seq)) continue;
      auto entry = view.ReadEntry(seq);
      if (!entry.ok()) return entry.status();
      const Hash& key_id = entry->envelope.key_id;
      decoded.emplace(seq, std::move(*entry));
      if (key_index.count(key_id)) continue;
      auto info = LookUpKey(view.state(), key_id);
      if (!info.ok()) return info.status();
      if (!info->has_value()) {
        return Status::Corrupt("seq " + std::to_string(seq) + " is signed by key " +
                               HexEncode(key_id) + ", which the registry does not hold");
      }
      EvidenceKey key{key_id, **info, std::nullopt};
      if (key.info.revoked_seq && *key.info.revoked_seq >= size) key.info.revoked_seq.reset();
      key_index.emplace(key_id, pack.keys.size());
      pack.keys.push_back(key);
      for (auto s : {std::optional<uint64_t>(key.info.registered_seq), key.info.revoked_seq}) {
        if (s && !pack.entries.count(*s)) {
          pack.entries[*s] = s == key.info.revoked_seq ? "revocation" : "key";
          grew = true;
        }
      }
    }
  }
  for (auto& key : pack.keys) {
    const Entry& registration = decoded.at(key.info.registered_seq);
    if (key.info.registered_seq != 0) key.registered_by = registration.envelope.key_id;
  }
  std::sort(pack.keys.begin(), pack.keys.end(), [](const EvidenceKey& a, const EvidenceKey& b) {
    return a.info.registered_seq < b.info.registered_seq;
  });

  std::string out = "{\"format\":\"probity-evidence/v1\",\"origin\":" + JsonQuote(view.origin()) +
                    ",\"vkey\":" + JsonQuote(pack.vkey) + ",\"person\":" + JsonQuote(person) +
                    ",\"asOf\":" + AsOfJson(pack.as_of) + ",\"checkpoint\":" + JsonQuote(*note) +
                    ",\"witnesses\":[";
  for (size_t i = 0; i < pack.witnesses.size(); ++i)
    out += (i ? "," : "") + JsonQuote(pack.witnesses[i]);
  out += "],\"entries\":[";
  bool first = true;
  for (const auto& [seq, why] : pack.entries) {
    auto bytes = view.ReadEntryBytes(seq);
    if (!bytes.ok()) return bytes.status();
    auto proof = view.InclusionProof(seq, size);
    if (!proof.ok()) return proof.status();
    auto event_view = EventView::FromCanonical(decoded.at(seq).envelope.body);
    if (!event_view.ok())
      return Status::Corrupt("seq " + std::to_string(seq) + ": " + event_view.status().message());
    auto event = event_view->reader();
    for (const auto& f : SealedFieldsOf(event)) pack.sealed_fields[seq].push_back(f.name);
    std::vector<SealedValue> values;
    if (options.include_sensitive) {
      auto read = view.ReadSealed(seq);
      if (!read.ok()) return read.status();
      values = std::move(*read);
    }
    out += (first ? "" : ",") + std::string("{\"seq\":") + std::to_string(seq) +
           ",\"as\":" + JsonQuote(why) + ",\"entry\":\"" + Base64Encode(*bytes) + "\",\"proof\":[";
    for (size_t i = 0; i < proof->size(); ++i)
      out += (i ? ",\"" : "\"") + HexEncode((*proof)[i]) + "\"";
    out += "],\"event\":" + view.codec().ToDisplayJson(event, options.include_sensitive, values);
    if (options.include_sensitive) {
      std::string disclosures = SealedDisclosuresJson(event, values);
      if (!disclosures.empty()) out += ",\"sealed\":" + disclosures;
    }
    out += "}";
    first = false;
  }
  pack.json = out + "]}";
  return pack;
}

}  // namespace probity
