#include "ledger/note.h"

#include <algorithm>
#include <cstdio>

namespace probity::note {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr uint8_t kAlgEd25519 = 0x01;

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

// Decodes the UTF-8 sequence starting at s[i] and stores its length in *len.
// Returns the code point, or -1 for an invalid sequence (truncated, overlong,
// surrogate, above U+10FFFF), as Go's utf8.DecodeRune would refuse.
int32_t DecodeRune(std::string_view s, size_t i, size_t* len) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  size_t n;
  int32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return -1;
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = n;
  return cp;
}

// Go's unicode.IsSpace: the White_Space property.
bool IsUnicodeSpace(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

// Invalid unless `s` is UTF-8 without control characters other than "\n".
Status CheckChars(std::string_view s, const char* what) {
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    int32_t cp = DecodeRune(s, i, &len);
    if (cp < 0) {
      return Status::Invalid(std::string(what) + " is not valid UTF-8 at byte " +
                             std::to_string(i));
    }
    if (cp < 0x20 && cp != '\n') {
      return Status::Invalid(std::string(what) + " has control character 0x" +
                             HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(&s[i]), 1)) +
                             " at byte " + std::to_string(i));
    }
    i += len;
  }
  return Status::Ok();
}

uint32_t BigEndian32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    size_t len = 0;
    int32_t cp = DecodeRune(name, i, &len);
    if (cp < 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += len;
  }
  return true;
}

uint32_t KeyIdFor(std::string_view name, const PublicKey& key) {
  static constexpr uint8_t kSep[] = {'\n', kAlgEd25519};
  Hash h = Sha256({AsBytes(name), ByteSpan(kSep), ByteSpan(key.raw())});
  return BigEndian32(h.data());
}

Result<VkeyParts> ParseVkey(std::string_view vkey, uint8_t type, const char* type_name,
                            uint32_t (*key_id_of)(std::string_view, const PublicKey&),
                            const std::string& what) {
  size_t p1 = vkey.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Status::Invalid(what + " is not name+keyid+key");
  std::string_view name = vkey.substr(0, p1);
  std::string_view hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  std::string_view b64 = vkey.substr(p2 + 1);
  if (!IsValidKeyName(name)) {
    return Status::Invalid(what + " has an invalid key name (empty, or with '+' or a space)");
  }
  Result<Bytes> id = HexDecode(hex);
  if (hex.size() != 8 || !id.ok())
    return Status::Invalid(what + " key id is not 8 lower-case hex digits");
  Result<Bytes> key_bytes = Base64Decode(b64);
  if (!key_bytes.ok() || key_bytes->empty()) return Status::Invalid(what + " key is not base64");
  if ((*key_bytes)[0] != type) {
    return Status::Invalid(what + " algorithm 0x" + HexEncode(ByteSpan(key_bytes->data(), 1)) +
                           " is not " + type_name);
  }
  if (key_bytes->size() != 1 + kEd25519KeySize) {
    return Status::Invalid(what + " Ed25519 key is " + std::to_string(key_bytes->size() - 1) +
                           " bytes, not 32");
  }
  Result<PublicKey> key = PublicKey::FromRaw(ByteSpan(*key_bytes).subspan(1));
  if (!key.ok()) return key.status().WithContext(what);
  uint32_t key_id = BigEndian32(id->data());
  if (key_id_of(name, *key) != key_id) {
    return Status::Invalid(what + " key id " + std::string(hex) +
                           " does not match its key and name");
  }
  return VkeyParts{std::string(name), key_id, std::move(key).value()};
}

std::string FormatVkey(const std::string& name, uint32_t key_id, uint8_t type,
                       const PublicKey& key) {
  Bytes type_key = {type};
  type_key.insert(type_key.end(), key.raw().begin(), key.raw().end());
  return name + "+" + Hex8(key_id) + "+" + Base64Encode(type_key);
}

Result<Verifier> Verifier::FromVkey(std::string_view vkey) {
  auto parts = ParseVkey(vkey, kAlgEd25519, "Ed25519 (0x01)", KeyIdFor, "vkey");
  if (!parts.ok()) return parts.status();
  return Verifier{std::move(parts->name), parts->key_id, std::move(parts->key)};
}

std::string Verifier::Vkey() const { return FormatVkey(name, key_id, kAlgEd25519, key); }

Result<std::string> Sign(std::string_view text, std::string_view name, const PrivateKey& key) {
  if (text.empty() || text.back() != '\n') {
    return Status::Invalid("note text must end in a newline");
  }
  PROBITY_RETURN_IF_ERROR(CheckChars(text, "note text"));
  if (!IsValidKeyName(name)) {
    return Status::Invalid("key name '" + std::string(name) + "' is empty or has '+' or a space");
  }
  uint32_t id = KeyIdFor(name, key.Public());
  Bytes payload = {static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
                   static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
  Bytes sig = key.Sign(AsBytes(text));
  payload.insert(payload.end(), sig.begin(), sig.end());
  std::string out(text);
  out += "\n";
  out += kSigPrefix;
  out += name;
  out += " ";
  out += Base64Encode(payload);
  out += "\n";
  return out;
}

Result<Opened> Open(std::string_view note, const std::vector<Verifier>& verifiers) {
  PROBITY_RETURN_IF_ERROR(CheckChars(note, "note"));
  // The text ends at the last blank line: it may itself hold blank lines.
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::Invalid("note has no blank line before its signatures");
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Status::Invalid("note has no signature lines");
  if (sigs.back() != '\n') return Status::Invalid("note does not end in a newline");

  Opened opened{std::string(text), {}};
  size_t count = 0;
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (++count > kMaxSignatures) {
      return Status::Invalid("note has more than " + std::to_string(kMaxSignatures) +
                             " signatures");
    }
    const std::string where = "signature line " + std::to_string(count);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Status::Invalid(where + " does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return Status::Invalid(where + " has no space between key name and signature");
    }
    std::string_view name = line.substr(0, space);
    if (!IsValidKeyName(name)) return Status::Invalid(where + " has an invalid key name");
    Result<Bytes> sig = Base64Decode(line.substr(space + 1));
    if (!sig.ok() || sig->size() < 5) {
      return Status::Invalid(where + " is not base64 of a key id and a signature");
    }
    uint32_t key_id = BigEndian32(sig->data());

    const Verifier* known = nullptr;
    for (const Verifier& v : verifiers) {
      if (v.name != name || v.key_id != key_id) continue;
      if (known != nullptr && !(known->key == v.key)) {
        return Status::Invalid("two known keys share name '" + v.name + "' and key id " +
                               Hex8(key_id));
      }
      known = &v;
    }
    if (known == nullptr) continue;  // unknown key: the spec says ignore it
    if (!known->key.Verify(AsBytes(text), ByteSpan(*sig).subspan(4))) {
      return Status::Corrupt(where + ": signature by '" + known->name + "' (key id " +
                             Hex8(key_id) + ") does not verify");
    }
    if (std::find(opened.signed_by.begin(), opened.signed_by.end(), name) ==
        opened.signed_by.end()) {
      opened.signed_by.emplace_back(name);
    }
  }
  if (opened.signed_by.empty()) return Status::Corrupt("no signature by a known key");
  return opened;
}

Result<std::string> MergeSignatures(std::string_view stored, std::string_view more, size_t* added) {
  // A note is its text, one empty line, then signature lines each ending in "\n".
  auto split = [](std::string_view note) {
    size_t blank = note.rfind("\n\n");
    std::pair<std::string_view, std::vector<std::string_view>> out;
    if (blank == std::string_view::npos) return out;
    out.first = note.substr(0, blank + 1);
    std::string_view rest = note.substr(blank + 2);
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      out.second.push_back(rest.substr(0, nl + 1));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
    return out;
  };
  auto [text, have] = split(stored);
  auto [other_text, lines] = split(more);
  if (text.empty() || text != other_text)
    return Status::Refused("the two notes sign different texts");
  std::string merged(stored);
  size_t count = 0;
  for (auto line : lines) {
    if (std::find(have.begin(), have.end(), line) != have.end()) continue;
    if (have.size() >= kMaxSignatures)
      return Status::Refused("the note carries too many signatures");
    merged += line;
    have.push_back(line);
    ++count;
  }
  if (merged.size() > kMaxCosignedNoteBytes)
    return Status::Refused("the cosigned note would exceed " +
                           std::to_string(kMaxCosignedNoteBytes) + " bytes");
  if (added) *added = count;
  return merged;
}

std::string FormatCheckpoint(const Checkpoint& c) {
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(c.root) + "\n";
  for (const std::string& e : c.extensions) out += e + "\n";
  return out;
}

Result<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty()) return Status::Invalid("is empty");
  if (s.size() > 1 && s[0] == '0') return Status::Invalid("has a leading zero");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Invalid("is not a decimal number");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return Status::Invalid("does not fit in 64 bits");
    v = v * 10 + d;
  }
  return v;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  PROBITY_RETURN_IF_ERROR(CheckChars(text, "checkpoint"));
  if (text.empty() || text.back() != '\n') {
    return Status::Invalid("checkpoint does not end in a newline");
  }
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() < 3) {
    return Status::Invalid("checkpoint has " + std::to_string(lines.size()) +
                           " lines; it needs origin, tree size and root hash");
  }
  Checkpoint c;
  if (lines[0].empty()) return Status::Invalid("checkpoint line 1 (origin) is empty");
  c.origin = std::string(lines[0]);
  Result<uint64_t> size = ParseDecimal(lines[1]);
  if (!size.ok()) {
    return Status::Invalid("checkpoint line 2 (tree size) " + size.status().message());
  }
  c.size = *size;
  Result<Bytes> root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != c.root.size()) {
    return Status::Invalid("checkpoint line 3 (root hash) is not base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return Status::Invalid("checkpoint line " + std::to_string(i + 1) + " (extension) is empty");
    }
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

size_t SignatureLineCount(std::string_view note) {
  size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos) return 0;
  return static_cast<size_t>(
      std::count(note.begin() + static_cast<long>(blank) + 2, note.end(), '\n'));
}

}  // namespace probity::note
