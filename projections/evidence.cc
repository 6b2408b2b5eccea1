// BuildEvidence: see evidence.h; the format is docs/formats.md §12.
#include "projections/evidence.h"

#include <algorithm>
#include <set>

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

}  // namespace

const char* EvidenceRoleName(EvidenceRole role) {
  switch (role) {
    case EvidenceRole::kRecord:
      return "record";
    case EvidenceRole::kKey:
      return "key";
    case EvidenceRole::kRevocation:
      return "revocation";
  }
  return "record";
}

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
  // The record as that checkpoint saw it (with --as-of DATE too: nothing after its size).
  AsOf replay = pack.as_of;
  if (size < view.size()) replay.seq = std::min(replay.seq.value_or(size - 1), size - 1);
  auto record = ReplayRecord(view, person, replay, options.include_sensitive);
  if (!record.ok()) return record.status();
  pack.record = std::move(*record);

  auto note = size == view.size() ? view.LatestCheckpoint() : view.CheckpointAt(size);
  if (!note.ok()) return note.status();
  auto opened = note::Open(*note, {view.checkpoint_verifier()});
  if (!opened.ok())
    return opened.status().WithContext("the checkpoint at size " + std::to_string(size));
  auto checkpoint = note::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) return checkpoint.status();
  pack.checkpoint = *checkpoint;
  pack.vkey = view.checkpoint_verifier().Vkey();
  size_t lines = note::SignatureLineCount(*note);
  pack.cosignature_lines = lines > 1 ? lines - 1 : 0;  // the ledger's own line first
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

  // The record, then every signer's registration (and revocation) down to the genesis:
  // each entry read once, each signer looked up once.
  struct Read {
    Bytes bytes;
    Entry entry;
  };
  std::map<uint64_t, Read> read;
  std::set<Hash> signers;
  std::vector<uint64_t> work;
  for (const auto& l : pack.record.lines) {
    pack.entries[l.seq] = EvidenceRole::kRecord;
    work.push_back(l.seq);
  }
  while (!work.empty()) {
    uint64_t seq = work.back();
    work.pop_back();
    auto bytes = view.ReadEntryBytes(seq);
    if (!bytes.ok()) return bytes.status();
    auto entry = DecodeEntry(*bytes);
    if (!entry.ok())
      return Status::Corrupt("seq " + std::to_string(seq) + ": " + entry.status().message());
    Hash key_id = entry->envelope.key_id;
    read.emplace(seq, Read{std::move(*bytes), std::move(*entry)});
    if (!signers.insert(key_id).second) continue;
    auto info = LookUpKey(view.state(), key_id);
    if (!info.ok()) return info.status();
    if (!info->has_value()) {
      return Status::Corrupt("seq " + std::to_string(seq) + " is signed by key " +
                             HexEncode(key_id) + ", which the registry does not hold");
    }
    EvidenceKey key{key_id, **info, std::nullopt};
    if (key.info.revoked_seq && *key.info.revoked_seq >= size) key.info.revoked_seq.reset();
    pack.keys.push_back(key);
    auto add = [&](uint64_t s, EvidenceRole role) {
      if (pack.entries.emplace(s, role).second) work.push_back(s);
    };
    add(key.info.registered_seq, EvidenceRole::kKey);
    if (key.info.revoked_seq) add(*key.info.revoked_seq, EvidenceRole::kRevocation);
  }
  for (auto& key : pack.keys) {
    if (key.info.registered_seq != 0)
      key.registered_by = read.at(key.info.registered_seq).entry.envelope.key_id;
  }
  std::sort(pack.keys.begin(), pack.keys.end(), [](const EvidenceKey& a, const EvidenceKey& b) {
    return a.info.registered_seq < b.info.registered_seq;
  });
  std::map<uint64_t, const std::string*> shown;  // the record's lines already hold their JSON
  for (const auto& l : pack.record.lines) shown[l.seq] = &l.event_json;

  std::string out = "{\"format\":\"probity-evidence/v1\",\"origin\":" + JsonQuote(view.origin()) +
                    ",\"vkey\":" + JsonQuote(pack.vkey) + ",\"person\":" + JsonQuote(person) +
                    ",\"asOf\":" + AsOfJson(pack.as_of) + ",\"checkpoint\":" + JsonQuote(*note) +
                    ",\"witnesses\":[";
  for (size_t i = 0; i < pack.witnesses.size(); ++i)
    out += (i ? "," : "") + JsonQuote(pack.witnesses[i]);
  out += "],\"entries\":[";
  bool first = true;
  for (const auto& [seq, role] : pack.entries) {
    const Read& r = read.at(seq);
    auto proof = view.InclusionProof(seq, size);
    if (!proof.ok()) return proof.status();
    auto event_view = EventView::FromCanonical(r.entry.envelope.body);
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
    out += (first ? "" : ",") + std::string("{\"seq\":") + std::to_string(seq) + ",\"as\":\"" +
           EvidenceRoleName(role) + "\",\"entry\":\"" + Base64Encode(r.bytes) + "\",\"proof\":[";
    for (size_t i = 0; i < proof->size(); ++i)
      out += (i ? ",\"" : "\"") + HexEncode((*proof)[i]) + "\"";
    auto line = shown.find(seq);
    out += "],\"event\":" + (line != shown.end() ? *line->second
                                                 : view.codec().ToDisplayJson(
                                                       event, options.include_sensitive, values));
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
