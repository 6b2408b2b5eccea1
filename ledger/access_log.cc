#include "ledger/access_log.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "ledger/authority.h"
#include "ledger/entry.h"
#include "ledger/request_target.h"
#include "schemas/access.capnp.h"

namespace probity {
namespace {

capnp::Data::Reader AsData(ByteSpan bytes) {
  return capnp::Data::Reader(bytes.data(), bytes.size());
}

// The checkpoint note's signed text for a tree.
std::string CheckpointText(const std::string& origin, uint64_t size, const Hash& root) {
  return note::FormatCheckpoint(note::Checkpoint{AccessLogOrigin(origin), size, root, {}});
}

// The value of the line `"name": ...` of an RFC 9421 signature base, or nullopt.
std::optional<std::string_view> BaseLine(std::string_view base, std::string_view name) {
  std::string prefix = "\"" + std::string(name) + "\": ";
  size_t at = 0;
  while (at <= base.size()) {
    size_t end = base.find('\n', at);
    if (end == std::string_view::npos) end = base.size();
    std::string_view line = base.substr(at, end - at);
    if (line.starts_with(prefix)) return line.substr(prefix.size());
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string AccessLogOrigin(std::string_view origin) { return std::string(origin) + "/access"; }

std::optional<AccessedRead> ReadOfTarget(std::string_view target) {
  auto t = ParseRequestTarget(target);
  if (!t.ok()) return std::nullopt;
  const auto& p = t->path;
  auto digits = [](const std::string& s, size_t most) {
    return !s.empty() && s.size() <= most && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (p.size() == 4 && p[0] == "v1" && p[1] == "persons" &&
      (p[3] == "record" || p[3] == "leave" || p[3] == "evidence"))
    return AccessedRead{p[3], {AccessSubjectOfPerson(p[2])}};
  if (p.size() == 3 && p[0] == "v1" && p[1] == "eligibility") {
    auto units = t->query.find("units");
    bool of_units = units != t->query.end() && units->second == "1";
    return AccessedRead{"eligibility", {"eligibility/" + p[2] + (of_units ? "/units" : "")}};
  }
  if (p.size() == 3 && p[0] == "v1" && p[1] == "entries" && digits(p[2], 19))
    return AccessedRead{"entry", {"entry/" + p[2]}};
  if (p.size() >= 3 && p[0] == "tile" && p[1] == "entries") {
    std::string_view path = target.substr(1, target.find('?') - 1);
    return AccessedRead{"bundle", {std::string(path)}};
  }
  return std::nullopt;
}
std::string AccessSubjectOfPerson(const std::string& person) { return "person/" + person; }

Bytes EncodeAccessEntry(const AccessEntry& entry) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::AccessEntry>();
  const AccessRecord& r = entry.record;
  root.setSeq(entry.seq);
  root.setRecordedAt(entry.recorded_at_us);
  root.setKeyId(AsData(r.key_id));
  root.setLogSize(r.log_size);
  root.setWhat(r.what);
  auto subjects = root.initSubjects(static_cast<unsigned>(r.subjects.size()));
  for (size_t i = 0; i < r.subjects.size(); ++i)
    subjects.set(static_cast<unsigned>(i), r.subjects[i]);
  root.setTarget(r.target);
  root.setSignatureBase(AsData(AsBytes(r.signature_base)));
  root.setSignature(AsData(r.signature));
  auto words = capnp::canonicalize(root.asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<AccessEntry> DecodeAccessEntry(ByteSpan bytes) {
  AccessEntry entry;
  PROBITY_RETURN_IF_ERROR(ReadCanonicalRecord(
      bytes, "access entry", "AccessEntry",
      [&](capnp::MessageReader& message) -> std::string {
        auto root = message.getRoot<schema::AccessEntry>();
        entry.seq = root.getSeq();
        entry.recorded_at_us = root.getRecordedAt();
        AccessRecord& r = entry.record;
        auto key_id = root.getKeyId();
        if (key_id.size() != r.key_id.size() || root.getSignature().size() != 64)
          return "access entry has a key id or signature of the wrong length";
        std::memcpy(r.key_id.data(), key_id.begin(), key_id.size());
        r.log_size = root.getLogSize();
        r.what = root.getWhat();
        for (auto s : root.getSubjects()) r.subjects.emplace_back(s);
        r.target = root.getTarget();
        auto base = root.getSignatureBase();
        r.signature_base.assign(reinterpret_cast<const char*>(base.begin()), base.size());
        auto sig = root.getSignature();
        r.signature.assign(sig.begin(), sig.end());
        return "";
      },
      [&] { return EncodeAccessEntry(entry); }));
  return entry;
}

Result<std::unique_ptr<AccessLog>> AccessLog::Open(Store& store, const LedgerView& view,
                                                   const PrivateKey& checkpoint_key,
                                                   std::string origin) {
  std::unique_ptr<AccessLog> log(new AccessLog());
  log->store_ = &store;
  log->key_ = &checkpoint_key;
  log->origin_ = std::move(origin);
  auto size = AccessLogSize(view);
  if (!size.ok()) return size.status();
  StoredNodes nodes = view.AccessNodes();
  auto frontier = merkle::Frontier::Load(nodes, *size);
  auto damaged = [](const std::string& what) {
    return Status::Unavailable("access log damaged: " + what +
                               " (run 'probity verify' to see what differs)");
  };
  if (!frontier.ok()) return damaged(frontier.status().message());
  log->frontier_ = *frontier;
  auto cp = AccessLogCheckpoint(view);
  if (!cp.ok()) return cp.status();
  if (*size > 0) {
    std::string expected = CheckpointText(log->origin_, *size, frontier->Root());
    if (!cp->has_value() || !(*cp)->starts_with(expected + "\n"))
      return damaged("the latest checkpoint does not sign the stored tree of " +
                     std::to_string(*size) + " entries");
    auto last = view.Get(Column::kAccess, AccessEntryKey(*size - 1));
    if (!last.ok()) return last.status();
    if (!last->has_value()) return damaged("the last entry is missing");
    auto entry = DecodeAccessEntry(AsBytes(**last));
    if (!entry.ok()) return damaged(entry.status().message());
    log->last_us_ = entry->recorded_at_us;
  }
  return log;
}

uint64_t AccessLog::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return frontier_.size();
}

Result<uint64_t> AccessLog::Record(const AccessRecord& record, int64_t now_us) {
  std::lock_guard<std::mutex> lock(mu_);
  AccessEntry entry;
  entry.seq = frontier_.size();
  entry.recorded_at_us = std::max(now_us, last_us_);
  entry.record = record;
  Bytes bytes = EncodeAccessEntry(entry);
  merkle::Frontier next = frontier_;
  auto nodes = next.Append(merkle::LeafHash(bytes));
  auto note = note::Sign(CheckpointText(origin_, next.size(), next.Root()), origin_, *key_);
  if (!note.ok()) return note.status();
  rocksdb::WriteBatch wb;
  auto* cf = store_->handle(Column::kAccess);
  wb.Put(cf, AccessEntryKey(entry.seq),
         rocksdb::Slice(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  for (const auto& n : nodes) {
    wb.Put(cf, AccessNodeKey(n.level, n.index),
           rocksdb::Slice(reinterpret_cast<const char*>(n.hash.data()), n.hash.size()));
  }
  for (const auto& s : std::set<std::string>(record.subjects.begin(), record.subjects.end()))
    wb.Put(cf, AccessSubjectKey(s, entry.seq), "");
  wb.Put(cf, kAccessSize, std::to_string(next.size()));
  wb.Put(cf, kAccessCheckpoint, *note);
  PROBITY_RETURN_IF_ERROR(store_->Write(wb));
  frontier_ = next;
  last_us_ = entry.recorded_at_us;
  return entry.seq;
}

Result<uint64_t> AccessLogSize(const LedgerView& view) {
  auto v = view.Get(Column::kAccess, kAccessSize);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return uint64_t{0};
  auto n = ParseStoredSize(**v);
  if (!n) return Status::Corrupt("the access log's size record is not a number");
  return *n;
}

Result<std::optional<std::string>> AccessLogCheckpoint(const LedgerView& view) {
  auto size = AccessLogSize(view);
  if (!size.ok()) return size.status();
  auto cosigned = view.Get(Column::kAccess, AccessCosignedKey(*size));
  if (!cosigned.ok()) return cosigned.status();
  if (cosigned->has_value()) return cosigned;
  return view.Get(Column::kAccess, kAccessCheckpoint);
}

Result<Hash> AccessRootAt(const LedgerView& view, uint64_t size) {
  auto stored = AccessLogSize(view);
  if (!stored.ok()) return stored.status();
  if (size > *stored)
    return Status::Invalid("the access log holds " + std::to_string(*stored) + " reads, not " +
                           std::to_string(size));
  StoredNodes nodes = view.AccessNodes();
  return merkle::RootAt(nodes, size);
}

Result<std::vector<Hash>> AccessConsistencyProof(const LedgerView& view, uint64_t old_size,
                                                 uint64_t new_size) {
  auto size = AccessLogSize(view);
  if (!size.ok()) return size.status();
  if (old_size > new_size || new_size > *size)
    return Status::Invalid("a consistency proof needs 0 <= old <= new <= the access log's size " +
                           std::to_string(*size));
  if (old_size == 0 || old_size == new_size) return std::vector<Hash>();
  StoredNodes nodes = view.AccessNodes();
  return merkle::ConsistencyProof(nodes, old_size, new_size);
}

Result<size_t> AccessLog::AddCosignatures(const LedgerView& view, const note::Verifier& verifier,
                                          std::string_view cosigned) {
  std::lock_guard<std::mutex> lock(mu_);
  auto opened = note::Open(cosigned, {verifier});
  if (!opened.ok()) return opened.status().WithContext("cosigned checkpoint");
  auto cp = note::ParseCheckpoint(opened->text);
  if (!cp.ok()) return cp.status().WithContext("cosigned checkpoint");
  if (cp->origin != AccessLogOrigin(origin_))
    return Status::Refused("the checkpoint is of origin '" + cp->origin +
                           "', not this access log's");
  uint64_t size = frontier_.size();
  if (cp->size == 0 || cp->size > size)
    return Status::NotFound("the access log holds " + std::to_string(size) +
                            " reads; it has no checkpoint at size " + std::to_string(cp->size));
  StoredNodes nodes = view.AccessNodes();
  auto root = merkle::RootAt(nodes, cp->size);
  if (!root.ok()) return root.status();
  if (opened->text != CheckpointText(origin_, cp->size, *root))
    return Status::Refused("the checkpoint does not sign this access log's root at size " +
                           std::to_string(cp->size) + " (a fork)");
  auto stored = view.Get(Column::kAccess, AccessCosignedKey(cp->size));
  if (!stored.ok()) return stored.status();
  // The first time, from the text alone: every line but the ledger's own (Open found it)
  // is new; each line is kept once either way.
  bool first = !stored->has_value();
  size_t added = 0;
  auto updated = note::MergeSignatures(first ? opened->text + "\n" : **stored, cosigned, &added);
  if (!updated.ok()) return updated.status();
  if (first) --added;
  if (added == 0) return added;
  rocksdb::WriteBatch wb;
  wb.Put(store_->handle(Column::kAccess), AccessCosignedKey(cp->size), *updated);
  PROBITY_RETURN_IF_ERROR(store_->Write(wb));
  return added;
}

Result<std::vector<AccessEntry>> AccessesAbout(const LedgerView& view, std::string_view subject,
                                               size_t limit) {
  std::string prefix = AccessSubjectPrefix(subject);
  std::vector<uint64_t> seqs;
  auto it = view.NewIterator(Column::kAccess);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8)
      return Status::Corrupt("access log subject index record of the wrong length");
    seqs.push_back(SeqFromKey(std::string_view(it->key().data() + prefix.size(), 8)));
  }
  if (!it->status().ok()) return Status::IoError("store read failed: " + it->status().ToString());
  if (seqs.size() > limit) seqs.erase(seqs.begin(), seqs.end() - static_cast<ptrdiff_t>(limit));
  std::vector<AccessEntry> out;
  for (uint64_t seq : seqs) {
    auto bytes = view.Get(Column::kAccess, AccessEntryKey(seq));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value())
      return Status::Corrupt("access log entry " + std::to_string(seq) + " is missing");
    auto entry = DecodeAccessEntry(AsBytes(**bytes));
    if (!entry.ok())
      return Status::Corrupt("access log entry " + std::to_string(seq) + ": " +
                             entry.status().message());
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<AccessLogCheck> VerifyAccessLog(const LedgerView& view, const note::Verifier& verifier,
                                       const std::vector<SavedAccessCheckpoint>& saved,
                                       const std::function<void(uint64_t, uint64_t)>& progress) {
  const std::string& origin = view.origin();
  const StateReader& registry = view.state();
  uint64_t main_size = view.size();
  auto size = AccessLogSize(view);
  if (!size.ok()) return size.status();
  auto at = [](uint64_t seq) { return "access log seq " + std::to_string(seq) + ": "; };
  merkle::Frontier frontier;
  std::map<uint64_t, Hash> roots;  // at the saved checkpoints' sizes
  for (const auto& s : saved) {
    if (s.checkpoint.size == 0) roots[0] = frontier.Root();
  }
  auto it = view.NewIterator(Column::kAccess);
  // The cosigned checkpoints (cosign): their sizes, to check each against the root there.
  std::map<uint64_t, std::string> cosigned;
  for (it->Seek("c/"); it->Valid() && it->key().starts_with("c/"); it->Next()) {
    if (it->key().size() != 10)
      return Status::Corrupt(
          "the access log holds a cosigned checkpoint record of the wrong length");
    cosigned[SeqFromKey(std::string_view(it->key().data() + 2, 8))] = it->value().ToString();
  }
  if (!it->status().ok()) return Status::IoError("store read failed: " + it->status().ToString());
  auto want_root = [&saved, &cosigned](uint64_t size) {
    for (const auto& s : saved) {
      if (s.checkpoint.size == size) return true;
    }
    return cosigned.contains(size);
  };
  std::set<std::string> index;       // the subject index records the entries imply
  std::set<std::string> signatures;  // each reader's signature once
  int64_t last_us = 0;
  it->Seek("e/");
  for (uint64_t seq = 0; seq < *size; ++seq, it->Next()) {
    if (!it->Valid() || it->key().ToString() != AccessEntryKey(seq)) {
      if (!it->status().ok())
        return Status::IoError("store read failed: " + it->status().ToString());
      return Status::Corrupt(at(seq) + "the entry is missing (the size record says " +
                             std::to_string(*size) + ")");
    }
    Bytes bytes(it->value().data(), it->value().data() + it->value().size());
    auto entry = DecodeAccessEntry(bytes);
    if (!entry.ok()) return Status::Corrupt(at(seq) + entry.status().message());
    if (entry->seq != seq)
      return Status::Corrupt(at(seq) + "the entry says it is seq " + std::to_string(entry->seq));
    if (entry->recorded_at_us < last_us)
      return Status::Corrupt(at(seq) + "recorded before the entry ahead of it");
    last_us = entry->recorded_at_us;
    const AccessRecord& r = entry->record;
    if (r.log_size > main_size)
      return Status::Corrupt(at(seq) + "answered from a main log of " + std::to_string(r.log_size) +
                             " entries, beyond its " + std::to_string(main_size));
    auto key = LookUpKey(registry, r.key_id);
    if (!key.ok()) return key.status();
    if (!key->has_value())
      return Status::Corrupt(at(seq) + "key " + HexEncode(r.key_id) + " is not registered");
    const KeyInfo& info = **key;
    if (info.registered_seq >= r.log_size || (info.revoked_seq && *info.revoked_seq < r.log_size))
      return Status::Corrupt(at(seq) + "key " + HexEncode(r.key_id) +
                             " was not in force at main log size " + std::to_string(r.log_size));
    auto pub = PublicKey::FromRaw(info.public_key);
    if (!pub.ok()) return pub.status();
    if (!pub->Verify(AsBytes(r.signature_base), r.signature))
      return Status::Corrupt(at(seq) + "the reader's request signature does not verify");
    // The signed request is the one recorded: a GET of its target, by this key.
    auto uri = BaseLine(r.signature_base, "@target-uri");
    auto params = BaseLine(r.signature_base, "@signature-params");
    auto method = BaseLine(r.signature_base, "@method");
    if (!method || *method != "GET")
      return Status::Corrupt(at(seq) + "the signed request is not a GET");
    // Signed within five minutes of the read, as the server requires, and used once.
    std::optional<int64_t> created;
    if (params) {
      size_t c = params->find(";created=");
      if (c != std::string_view::npos) {
        std::string_view digits = params->substr(c + 9);
        digits = digits.substr(0, digits.find_first_not_of("0123456789"));
        if (!digits.empty() && digits.size() <= 15) created = std::stoll(std::string(digits));
      }
    }
    int64_t at_seconds = entry->recorded_at_us / 1000000;
    if (!created || *created > at_seconds + 300 || *created < at_seconds - 300)
      return Status::Corrupt(at(seq) +
                             "the signed request was not created within five minutes of the read");
    if (!signatures.insert(std::string(r.signature.begin(), r.signature.end())).second)
      return Status::Corrupt(at(seq) +
                             "the reader's signature is stored twice (one request, one read)");
    // What was read is what the signed target asks for.
    auto read = ReadOfTarget(r.target);
    bool same_read = read && read->what == r.what && r.subjects.size() >= read->subjects.size() &&
                     std::equal(read->subjects.begin(), read->subjects.end(), r.subjects.begin());
    if (same_read && r.subjects.size() > read->subjects.size()) {
      // An entry's persons and units: each must file that entry in the main log's index.
      same_read = read->what == "entry";
      uint64_t entry_seq = same_read ? std::stoull(read->subjects[0].substr(6)) : 0;
      for (size_t i = read->subjects.size(); same_read && i < r.subjects.size(); ++i) {
        auto filed = view.Get(Column::kSubjects, SubjectKey(r.subjects[i], entry_seq));
        if (!filed.ok()) return filed.status();
        same_read = filed->has_value();
      }
    }
    if (!same_read)
      return Status::Corrupt(at(seq) + "the read recorded ('" + r.what + "' of " +
                             (r.subjects.empty() ? std::string("nothing") : r.subjects[0]) +
                             ") is not what the signed request for " + r.target + " reads");
    bool same_request = false;
    if (uri && params &&
        params->find("keyid=\"" + HexEncode(r.key_id) + "\"") != std::string_view::npos) {
      size_t scheme = uri->find("://");
      size_t path = scheme == std::string_view::npos ? scheme : uri->find('/', scheme + 3);
      same_request = path != std::string_view::npos && uri->substr(path) == r.target;
    }
    if (!same_request)
      return Status::Corrupt(at(seq) + "the signed request is not for " + r.target + " by key " +
                             HexEncode(r.key_id));
    for (const auto& s : r.subjects) index.insert(AccessSubjectKey(s, seq));
    // Every stored node is the one these entries make (not only the right edge's).
    for (const auto& node : frontier.Append(merkle::LeafHash(bytes))) {
      auto stored = view.Get(Column::kAccess, AccessNodeKey(node.level, node.index));
      if (!stored.ok()) return stored.status();
      if (!stored->has_value() || **stored != std::string(node.hash.begin(), node.hash.end()))
        return Status::Corrupt(at(seq) + "the stored tree node (level " +
                               std::to_string(node.level) + ", index " +
                               std::to_string(node.index) + ") is not the hash of its entries");
    }
    if (want_root(frontier.size())) roots[frontier.size()] = frontier.Root();
    if (progress && (seq + 1) % 4096 == 0) progress(seq + 1, *size);
  }
  if (it->Valid() && it->key().starts_with("e/"))
    return Status::Corrupt(at(SeqFromKey(std::string_view(it->key().data() + 2, 8))) +
                           "an entry is stored past the size record (" + std::to_string(*size) +
                           ")");
  // The stored nodes are the tree of these entries.
  StoredNodes nodes = view.AccessNodes();
  auto stored_root = merkle::RootAt(nodes, *size);
  if (!stored_root.ok()) return Status::Corrupt(stored_root.status().message());
  if (*stored_root != frontier.Root())
    return Status::Corrupt("the access log's stored tree does not match its entries");
  // No node beyond the tree.
  for (it->Seek("n/"); it->Valid() && it->key().starts_with("n/"); it->Next()) {
    auto k = it->key();
    uint32_t level = k.size() == 11 ? static_cast<uint8_t>(k[2]) : 64;
    uint64_t index = k.size() == 11 ? SeqFromKey(std::string_view(k.data() + 3, 8)) : 0;
    if (level >= 64 || index >= (*size >> level))
      return Status::Corrupt("the access log holds a tree node outside its tree (added)");
  }
  // The subject index: exactly the records the entries imply.
  std::set<std::string> stored_index;
  for (it->Seek("s/"); it->Valid() && it->key().starts_with("s/"); it->Next())
    stored_index.insert(it->key().ToString());
  if (stored_index != index)
    return Status::Corrupt("the access log's subject index does not match its entries");
  // Nothing else is kept in the column family: entries, nodes, index, size, checkpoint.
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (!k.starts_with("e/") && !k.starts_with("n/") && !k.starts_with("s/") &&
        !k.starts_with("c/") && k != kAccessSize && k != kAccessCheckpoint)
      return Status::Corrupt("the access log holds a record '" + std::string(k.substr(0, 40)) +
                             "' that is none of its own (added)");
  }
  // The checkpoints kept earlier: each a prefix of this log.
  for (const auto& s : saved) {
    if (s.checkpoint.size > *size) {
      return Status::Corrupt("access log rollback: it holds " + std::to_string(*size) +
                             " reads, but a checkpoint saved earlier (" + s.source + ") covers " +
                             std::to_string(s.checkpoint.size) + " (reads were removed)");
    }
    if (roots[s.checkpoint.size] != s.checkpoint.root) {
      return Status::Corrupt("access log fork: its root at size " +
                             std::to_string(s.checkpoint.size) +
                             " is not the root of the checkpoint saved earlier (" + s.source +
                             "): reads were altered, reordered or removed");
    }
  }
  // Each cosigned checkpoint signs this log's root at its size.
  AccessLogCheck check;
  check.size = *size;
  for (const auto& [at_size, note_text] : cosigned) {
    std::string where = "the access log's cosigned checkpoint at size " + std::to_string(at_size);
    if (at_size == 0 || at_size > *size)
      return Status::Corrupt(where + " is beyond its " + std::to_string(*size) + " reads");
    auto opened = note::Open(note_text, {verifier});
    if (!opened.ok()) return Status::Corrupt(where + ": " + opened.status().message());
    if (opened->text != CheckpointText(origin, at_size, roots[at_size]))
      return Status::Corrupt("access log fork: " + where +
                             " does not sign the root of its reads at that size");
    check.cosigned = note_text;
    check.cosigned_size = at_size;
  }
  auto cp = view.Get(Column::kAccess, kAccessCheckpoint);
  if (!cp.ok()) return cp.status();
  if (*size == 0) {
    if (cp->has_value()) return Status::Corrupt("an empty access log has a checkpoint");
    return check;
  }
  if (!cp->has_value()) return Status::Corrupt("the access log has no checkpoint");
  auto opened = note::Open(**cp, {verifier});
  if (!opened.ok())
    return Status::Corrupt("the access log's checkpoint: " + opened.status().message());
  if (opened->text != CheckpointText(origin, *size, frontier.Root()))
    return Status::Corrupt("the access log's checkpoint does not sign its " +
                           std::to_string(*size) + " entries");
  check.checkpoint = check.cosigned_size == *size ? check.cosigned : **cp;
  if (progress) progress(*size, *size);
  return check;
}

}  // namespace probity
