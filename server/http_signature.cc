#include "server/http_signature.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>

namespace probity::httpsig {

namespace {

// ---------------------------------------------------------------------------
// Characters and short excerpts of hostile text.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlpha(char c) { return IsLcAlpha(c) || (c >= 'A' && c <= 'Z'); }

// RFC 9110 tchar.
bool IsTchar(char c) {
  return IsAlpha(c) || IsDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar); }

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ToLower);
  return out;
}

// At most 64 characters of `s` for a message, non-printable bytes as '?'.
std::string Excerpt(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out;
  for (char c : s.substr(0, kMax)) out.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  if (s.size() > kMax) out += "...";
  return out;
}

std::string Quoted(std::string_view s) { return "'" + Excerpt(s) + "'"; }

// ---------------------------------------------------------------------------
// RFC 8941 structured fields: the subset of types these three fields use, parsed
// as section 4.2 says, except that duplicate dictionary keys and parameter keys
// are errors. Errors name the byte offset in the (combined) field value.

namespace sf {

enum class Kind { kInteger, kDecimal, kString, kToken, kBytes, kBoolean };

struct Bare {
  Kind kind = Kind::kBoolean;
  int64_t number = 1;  // Integer; Decimal in thousandths; Boolean 0 or 1
  std::string text;    // String or Token
  Bytes bytes;         // Byte Sequence
};

struct Param {
  std::string key;
  Bare value;
};
using Params = std::vector<Param>;

struct Item {
  Bare bare;
  Params params;
};

struct Member {
  std::string key;
  bool is_inner_list = false;
  Item item;               // when !is_inner_list
  std::vector<Item> list;  // when is_inner_list
  Params list_params;      // when is_inner_list
};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kInteger:
      return "an Integer";
    case Kind::kDecimal:
      return "a Decimal";
    case Kind::kString:
      return "a String";
    case Kind::kToken:
      return "a Token";
    case Kind::kBytes:
      return "a Byte Sequence";
    case Kind::kBoolean:
      return "a Boolean";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  // RFC 8941 section 4.2 with "dictionary" as the field type.
  Status Dictionary(std::vector<Member>* out) {
    SkipSp();
    while (!AtEnd()) {
      Member m;
      PROBITY_RETURN_IF_ERROR(Key(&m.key));
      for (const Member& seen : *out)
        if (seen.key == m.key) return Fail("duplicate key " + Quoted(m.key));
      if (Peek() == '=') {
        ++pos_;
        PROBITY_RETURN_IF_ERROR(ItemOrInnerList(&m));
      } else {
        PROBITY_RETURN_IF_ERROR(Parameters(&m.item.params));  // Boolean true
      }
      if (out->size() == kMaxMembers)
        return Fail("more than " + std::to_string(kMaxMembers) + " members");
      out->push_back(std::move(m));
      SkipOws();
      if (AtEnd()) break;
      if (Peek() != ',') return Fail("expected ',' between members");
      ++pos_;
      SkipOws();
      if (AtEnd()) return Fail("trailing ','");
    }
    return Status::Ok();
  }

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return AtEnd() ? '\0' : in_[pos_]; }
  void SkipSp() {
    while (Peek() == ' ') ++pos_;
  }
  void SkipOws() {
    while (Peek() == ' ' || Peek() == '\t') ++pos_;
  }
  Status Fail(const std::string& what) const {
    return Status::Invalid(what + " at offset " + std::to_string(pos_));
  }

  Status ItemOrInnerList(Member* m) {
    if (Peek() != '(') return Item(&m->item);
    m->is_inner_list = true;
    ++pos_;
    for (;;) {
      SkipSp();
      if (AtEnd()) return Fail("unterminated inner list");
      if (Peek() == ')') {
        ++pos_;
        return Parameters(&m->list_params);
      }
      if (m->list.size() == kMaxComponents)
        return Fail("more than " + std::to_string(kMaxComponents) + " items in an inner list");
      m->list.emplace_back();
      PROBITY_RETURN_IF_ERROR(Item(&m->list.back()));
      if (AtEnd()) return Fail("unterminated inner list");
      if (Peek() != ' ' && Peek() != ')') return Fail("expected ' ' or ')' in inner list");
    }
  }

  Status Item(sf::Item* item) {
    PROBITY_RETURN_IF_ERROR(BareItem(&item->bare));
    return Parameters(&item->params);
  }

  Status Parameters(Params* out) {
    while (Peek() == ';') {
      ++pos_;
      SkipSp();
      Param p;
      PROBITY_RETURN_IF_ERROR(Key(&p.key));
      if (Peek() == '=') {
        ++pos_;
        PROBITY_RETURN_IF_ERROR(BareItem(&p.value));
      }
      for (const Param& seen : *out)
        if (seen.key == p.key) return Fail("duplicate parameter " + Quoted(p.key));
      if (out->size() == kMaxParameters)
        return Fail("more than " + std::to_string(kMaxParameters) + " parameters");
      out->push_back(std::move(p));
    }
    return Status::Ok();
  }

  Status Key(std::string* out) {
    if (!IsLcAlpha(Peek()) && Peek() != '*') return Fail("expected a key (a-z or '*')");
    size_t start = pos_;
    while (!AtEnd() && (IsLcAlpha(Peek()) || IsDigit(Peek()) ||
                        std::string_view("_-.*").find(Peek()) != std::string_view::npos))
      ++pos_;
    *out = std::string(in_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status BareItem(Bare* out) {
    char c = Peek();
    if (c == '-' || IsDigit(c)) return Number(out);
    if (c == '"') return String(out);
    if (c == ':') return ByteSequence(out);
    if (c == '?') return Boolean(out);
    if (IsAlpha(c) || c == '*') return Token(out);
    return Fail(AtEnd() ? "expected a value, found the end" : "expected a value");
  }

  // RFC 8941 section 4.2.4.
  Status Number(Bare* out) {
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!IsDigit(Peek())) return Fail("expected a digit");
    int64_t int_part = 0, frac = 0;
    size_t int_digits = 0, frac_digits = 0;
    bool decimal = false;
    while (!AtEnd()) {
      char c = Peek();
      if (IsDigit(c) && !decimal) {
        if (++int_digits > 15) return Fail("more than 15 digits in a number");
        int_part = int_part * 10 + (c - '0');
      } else if (IsDigit(c)) {
        if (++frac_digits > 3) return Fail("more than 3 decimal places");
        frac = frac * 10 + (c - '0');
      } else if (c == '.' && !decimal) {
        if (int_digits > 12) return Fail("more than 12 integer digits in a decimal");
        decimal = true;
      } else {
        break;
      }
      ++pos_;
    }
    if (decimal && frac_digits == 0) return Fail("decimal ends in '.'");
    out->kind = decimal ? Kind::kDecimal : Kind::kInteger;
    for (size_t i = frac_digits; decimal && i < 3; ++i) frac *= 10;
    out->number = decimal ? int_part * 1000 + frac : int_part;
    if (negative) out->number = -out->number;
    return Status::Ok();
  }

  Status String(Bare* out) {
    ++pos_;  // '"'
    out->kind = Kind::kString;
    while (!AtEnd()) {
      char c = in_[pos_++];
      if (c == '\\') {
        if (AtEnd() || (Peek() != '"' && Peek() != '\\')) return Fail("bad escape in a string");
        out->text.push_back(in_[pos_++]);
      } else if (c == '"') {
        return Status::Ok();
      } else if (c < 0x20 || c > 0x7e) {
        --pos_;
        return Fail("control or non-ASCII character in a string");
      } else {
        out->text.push_back(c);
      }
    }
    return Fail("unterminated string");
  }

  Status Token(Bare* out) {
    size_t start = pos_;
    ++pos_;
    while (!AtEnd() && (IsTchar(Peek()) || Peek() == ':' || Peek() == '/')) ++pos_;
    out->kind = Kind::kToken;
    out->text = std::string(in_.substr(start, pos_ - start));
    return Status::Ok();
  }

  Status ByteSequence(Bare* out) {
    size_t start = ++pos_;  // after ':'
    size_t end = in_.find(':', start);
    if (end == std::string_view::npos) return Fail("unterminated byte sequence");
    std::string_view b64 = in_.substr(start, end - start);
    Result<Bytes> bytes = Base64Decode(b64);
    if (!bytes.ok())
      return Fail("byte sequence is not padded base64 (" + bytes.status().message() + ")");
    pos_ = end + 1;
    out->kind = Kind::kBytes;
    out->bytes = std::move(bytes).value();
    return Status::Ok();
  }

  Status Boolean(Bare* out) {
    ++pos_;  // '?'
    if (Peek() != '0' && Peek() != '1') return Fail("expected ?0 or ?1");
    out->kind = Kind::kBoolean;
    out->number = in_[pos_++] == '1';
    return Status::Ok();
  }

  std::string_view in_;
  size_t pos_ = 0;
};

Status ParseDictionary(std::string_view value, std::vector<Member>* out) {
  if (value.size() > kMaxFieldBytes)
    return Status::Invalid("longer than " + std::to_string(kMaxFieldBytes) + " bytes");
  return Parser(value).Dictionary(out);
}

// RFC 8941 section 4.1: strict serialization.
std::string SerializeBare(const Bare& b) {
  switch (b.kind) {
    case Kind::kInteger:
      return std::to_string(b.number);
    case Kind::kDecimal: {
      int64_t abs = b.number < 0 ? -b.number : b.number;
      std::string frac = std::to_string(1000 + abs % 1000).substr(1);
      while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
      return (b.number < 0 ? "-" : "") + std::to_string(abs / 1000) + "." + frac;
    }
    case Kind::kString: {
      std::string out = "\"";
      for (char c : b.text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      return out + "\"";
    }
    case Kind::kToken:
      return b.text;
    case Kind::kBytes:
      return ":" + Base64Encode(b.bytes) + ":";
    case Kind::kBoolean:
      return b.number ? "?1" : "?0";
  }
  return "";
}

std::string SerializeParams(const Params& params) {
  std::string out;
  for (const Param& p : params) {
    out += ";" + p.key;
    if (!(p.value.kind == Kind::kBoolean && p.value.number == 1))
      out += "=" + SerializeBare(p.value);
  }
  return out;
}

std::string SerializeInnerList(const std::vector<Item>& items, const Params& params) {
  std::string out = "(";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += " ";
    out += SerializeBare(items[i].bare) + SerializeParams(items[i].params);
  }
  return out + ")" + SerializeParams(params);
}

Bare StringValue(std::string s) {
  Bare b;
  b.kind = Kind::kString;
  b.text = std::move(s);
  return b;
}

Bare IntegerValue(int64_t n) {
  Bare b;
  b.kind = Kind::kInteger;
  b.number = n;
  return b;
}

}  // namespace sf

// ---------------------------------------------------------------------------
// Field values and the target URI.

// A field's lines, each trimmed of SP and HTAB, joined with ", " (RFC 9421
// section 2.1). nullopt when the request has no such field.
std::optional<std::string> CombinedField(const HttpRequestView& request, std::string_view name) {
  if (!request.fields) return std::nullopt;
  std::vector<std::string> lines = request.fields(name);
  if (lines.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view v = lines[i];
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (i > 0) out += ", ";
    out += v;
  }
  return out;
}

// The value of a covered field may hold printable ASCII and HTAB only: a CR or
// LF would forge base lines, and the base must be ASCII (RFC 9421 section 2.5).
Status CheckFieldValue(std::string_view name, std::string_view value) {
  for (char c : value) {
    if (c != '\t' && (c < 0x20 || c > 0x7e))
      return Status::Invalid("field " + Quoted(name) + " has a control or non-ASCII character");
  }
  return Status::Ok();
}

struct TargetUri {
  std::string_view scheme, authority, path, query;
  bool has_query = false;
};

// scheme "://" authority [path-abempty] ["?" query]; visible ASCII only, no
// userinfo, no fragment.
Result<TargetUri> ParseTargetUri(std::string_view uri) {
  auto bad = [&](const std::string& why) {
    return Status::Invalid("target URI " + Quoted(uri) + " " + why);
  };
  for (char c : uri)
    if (c <= 0x20 || c > 0x7e) return bad("has a space, control or non-ASCII character");
  if (uri.find('#') != std::string_view::npos) return bad("has a fragment");
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos || sep == 0 || !IsAlpha(uri[0])) return bad("has no scheme");
  TargetUri t;
  t.scheme = uri.substr(0, sep);
  for (char c : t.scheme)
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.')
      return bad("has a bad scheme");
  std::string_view rest = uri.substr(sep + 3);
  size_t auth_end = rest.find_first_of("/?");
  t.authority = rest.substr(0, auth_end);
  if (t.authority.empty()) return bad("has no authority");
  if (t.authority.find('@') != std::string_view::npos) return bad("has userinfo");
  rest = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
  size_t q = rest.find('?');
  t.path = rest.substr(0, q);
  if (q != std::string_view::npos) {
    t.has_query = true;
    t.query = rest.substr(q + 1);
  }
  return t;
}

// RFC 9110 section 4.2.3: lower-case host, no default port (nor an empty one).
std::string NormalizedAuthority(const TargetUri& t) {
  std::string scheme = Lower(t.scheme), authority = Lower(t.authority);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    std::string_view port = std::string_view(authority).substr(colon + 1);
    if (port.empty() || (scheme == "https" && port == "443") || (scheme == "http" && port == "80"))
      authority.resize(colon);
  }
  return authority;
}

bool IsDerived(std::string_view name) { return !name.empty() && name.front() == '@'; }

// A field name as a component name must be a lower-case token.
bool IsLowerCaseFieldName(std::string_view name) {
  return IsToken(name) &&
         std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Result<std::string> DerivedValue(const HttpRequestView& request, std::string_view name) {
  if (name == "@method") {
    if (!IsToken(request.method))
      return Status::Invalid("method " + Quoted(request.method) + " is not an HTTP token");
    return request.method;
  }
  if (name == "@query-param")
    return Status::Invalid(
        "\"@query-param\" is not supported; cover \"@query\" or \"@target-uri\"");
  if (name == "@status") return Status::Invalid("\"@status\" is for responses, not requests");
  constexpr std::array<std::string_view, 6> kUriDerived = {
      "@target-uri", "@authority", "@scheme", "@path", "@query", "@request-target"};
  if (std::find(kUriDerived.begin(), kUriDerived.end(), name) == kUriDerived.end())
    return Status::Invalid("unknown derived component \"" + Excerpt(name) + "\"");
  Result<TargetUri> t = ParseTargetUri(request.target_uri);
  if (!t.ok()) return t.status();
  std::string path = t->path.empty() ? "/" : std::string(t->path);
  std::string query = "?" + std::string(t->query);
  if (name == "@target-uri") return request.target_uri;
  if (name == "@authority") return NormalizedAuthority(*t);
  if (name == "@scheme") return Lower(t->scheme);
  if (name == "@path") return path;
  if (name == "@query") return query;
  return t->has_query ? path + query : path;  // @request-target, origin form
}

// ---------------------------------------------------------------------------
// Signature-Input members.

Status CheckComponentName(std::string_view name) {
  if (name == "@signature-params")
    return Status::Invalid("\"@signature-params\" may not be a covered component");
  if (IsDerived(name) ? !IsLowerCaseFieldName(name.substr(1)) : !IsLowerCaseFieldName(name))
    return Status::Invalid("component \"" + Excerpt(name) +
                           "\" is neither a derived component nor a lower-case field name");
  return Status::Ok();
}

Status ReadComponents(const std::vector<sf::Item>& items, SignatureInput* out) {
  for (const sf::Item& item : items) {
    if (item.bare.kind != sf::Kind::kString)
      return Status::Invalid("a covered component is " + std::string(sf::KindName(item.bare.kind)) +
                             ", not a String");
    const std::string& name = item.bare.text;
    if (!item.params.empty())
      return Status::Invalid("component \"" + Excerpt(name) + "\" has the parameter ;" +
                             Excerpt(item.params.front().key) +
                             "; component parameters are not supported");
    PROBITY_RETURN_IF_ERROR(CheckComponentName(name));
    if (std::find(out->components.begin(), out->components.end(), name) != out->components.end())
      return Status::Invalid("component \"" + Excerpt(name) + "\" is listed twice");
    out->components.push_back(name);
  }
  return Status::Ok();
}

Status ReadSignatureParams(const sf::Params& params, SignatureInput* out) {
  for (const sf::Param& p : params) {
    const sf::Bare& v = p.value;
    if (p.key == "created" || p.key == "expires") {
      if (v.kind != sf::Kind::kInteger || v.number < 0)
        return Status::Invalid("parameter " + p.key + " is not a non-negative Integer");
      (p.key == "created" ? out->created : out->expires) = v.number;
      continue;
    }
    std::optional<std::string>* field = p.key == "keyid"   ? &out->keyid
                                        : p.key == "alg"   ? &out->alg
                                        : p.key == "nonce" ? &out->nonce
                                        : p.key == "tag"   ? &out->tag
                                                           : nullptr;
    if (field == nullptr) return Status::Invalid("unknown signature parameter " + Quoted(p.key));
    if (v.kind != sf::Kind::kString)
      return Status::Invalid("parameter " + p.key + " is " + sf::KindName(v.kind) +
                             ", not a String");
    *field = v.text;
  }
  return Status::Ok();
}

Result<SignatureInput> ReadSignatureInput(const sf::Member& m) {
  SignatureInput out;
  out.label = m.key;
  Status st = Status::Ok();
  if (!m.is_inner_list) {
    st = Status::Invalid("is not an inner list of covered components");
  } else {
    st = ReadComponents(m.list, &out);
    if (st.ok()) st = ReadSignatureParams(m.list_params, &out);
  }
  if (!st.ok()) return st.WithContext("signature " + Quoted(m.key));
  out.signature_params = sf::SerializeInnerList(m.list, m.list_params);
  return out;
}

// "@signature-params" value of a signature this module makes.
std::string SignatureParamsValue(const std::vector<std::string>& components, int64_t created,
                                 const std::string& keyid,
                                 const std::optional<std::string>& nonce) {
  std::vector<sf::Item> items;
  for (const std::string& c : components) items.push_back(sf::Item{sf::StringValue(c), {}});
  sf::Params params = {{"created", sf::IntegerValue(created)},
                       {"keyid", sf::StringValue(keyid)},
                       {"alg", sf::StringValue(std::string(kAlgorithm))}};
  if (nonce) params.push_back({"nonce", sf::StringValue(*nonce)});
  return sf::SerializeInnerList(items, params);
}

// ---------------------------------------------------------------------------
// Digests.

Bytes Sha512(std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Bytes out(64);
  unsigned int len = 0;
  // Fails only on allocation failure or a broken OpenSSL: our bug, not input.
  static EVP_MD* const kSha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  bool ok = ctx && kSha512 && EVP_DigestInit_ex(ctx.get(), kSha512, nullptr) == 1 &&
            EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == out.size();
  if (!ok) std::abort();
  return out;
}

Status CheckOneDigest(const std::string& alg, const Bytes& got, ByteSpan want) {
  if (got.size() != want.size())
    return Status::Invalid("Content-Digest " + alg + " is " + std::to_string(got.size()) +
                           " bytes, not " + std::to_string(want.size()));
  if (!ConstantTimeEqual(got, want))
    return Status::Refused("Content-Digest " + alg + " does not match the body");
  return Status::Ok();
}

bool IsKeyIdHex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(),
                                       [](char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); });
}

bool Covers(const SignatureInput& input, std::string_view component) {
  return std::find(input.components.begin(), input.components.end(), component) !=
         input.components.end();
}

std::string Labels(const std::vector<std::string>& labels) {
  std::string out;
  for (const std::string& l : labels) out += (out.empty() ? "" : ", ") + Quoted(l);
  return out;
}

// The single signature of a request: its input and value, labels matched.
Status PickSignature(const std::vector<SignatureInput>& inputs,
                     const std::vector<SignatureValue>& values, const SignatureInput** input,
                     const SignatureValue** value) {
  if (inputs.empty()) return Status::Invalid("Signature-Input holds no signature");
  std::vector<std::string> labels;
  for (const SignatureInput& in : inputs) {
    labels.push_back(in.label);
    auto it = std::find_if(values.begin(), values.end(),
                           [&](const SignatureValue& v) { return v.label == in.label; });
    if (it == values.end())
      return Status::Invalid("signature " + Quoted(in.label) +
                             " is in Signature-Input but not in Signature");
    *input = &in;
    *value = &*it;
  }
  for (const SignatureValue& v : values) {
    if (std::find(labels.begin(), labels.end(), v.label) == labels.end())
      return Status::Invalid("signature " + Quoted(v.label) +
                             " is in Signature but not in Signature-Input");
  }
  if (inputs.size() > 1)
    return Status::Refused("the request carries " + std::to_string(inputs.size()) +
                           " signatures (" + Labels(labels) + "); exactly one is accepted");
  return Status::Ok();
}

Result<std::string> RequiredField(const HttpRequestView& request, std::string_view name,
                                  std::string_view header) {
  std::optional<std::string> v = CombinedField(request, name);
  if (!v)
    return Status::Invalid("the request is not signed: it has no " + std::string(header) +
                           " header");
  return std::move(*v);
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions.

FieldLookup LookupIn(FieldList fields) {
  return [fields = std::move(fields)](std::string_view lower_name) {
    std::vector<std::string> out;
    for (const auto& [name, value] : fields)
      if (Lower(name) == lower_name) out.push_back(value);
    return out;
  };
}

Result<std::vector<SignatureInput>> ParseSignatureInput(std::string_view field_value) {
  std::vector<sf::Member> members;
  Status st = sf::ParseDictionary(field_value, &members);
  if (!st.ok()) return st.WithContext("Signature-Input");
  std::vector<SignatureInput> out;
  for (const sf::Member& m : members) {
    Result<SignatureInput> in = ReadSignatureInput(m);
    if (!in.ok()) return in.status().WithContext("Signature-Input");
    out.push_back(std::move(in).value());
  }
  return out;
}

Result<std::vector<SignatureValue>> ParseSignatureField(std::string_view field_value) {
  std::vector<sf::Member> members;
  Status st = sf::ParseDictionary(field_value, &members);
  if (!st.ok()) return st.WithContext("Signature");
  std::vector<SignatureValue> out;
  for (sf::Member& m : members) {
    if (m.is_inner_list || m.item.bare.kind != sf::Kind::kBytes)
      return Status::Invalid("Signature: signature " + Quoted(m.key) + " is not a Byte Sequence");
    out.push_back(SignatureValue{m.key, std::move(m.item.bare.bytes)});
  }
  return out;
}

Result<std::string> ComponentValue(const HttpRequestView& request, std::string_view component) {
  if (IsDerived(component)) return DerivedValue(request, component);
  if (!IsLowerCaseFieldName(component))
    return Status::Invalid("component \"" + Excerpt(component) +
                           "\" is not a lower-case field name");
  std::optional<std::string> value = CombinedField(request, component);
  if (!value)
    return Status::Invalid("covered field \"" + std::string(component) +
                           "\" is not in the request");
  PROBITY_RETURN_IF_ERROR(CheckFieldValue(component, *value));
  return std::move(*value);
}

Result<std::string> BuildSignatureBase(const HttpRequestView& request,
                                       const SignatureInput& input) {
  std::string base;
  for (size_t i = 0; i < input.components.size(); ++i) {
    const std::string& name = input.components[i];
    PROBITY_RETURN_IF_ERROR(CheckComponentName(name));
    if (std::find(input.components.begin(), input.components.begin() + i, name) !=
        input.components.begin() + i)
      return Status::Invalid("component \"" + name + "\" is listed twice");
    Result<std::string> value = ComponentValue(request, name);
    if (!value.ok()) return value.status();
    base += "\"" + name + "\": " + *value + "\n";
    if (base.size() > kMaxSignatureBaseBytes) break;
  }
  base += "\"@signature-params\": " + input.signature_params;
  if (base.size() > kMaxSignatureBaseBytes)
    return Status::Invalid("the signature base exceeds " + std::to_string(kMaxSignatureBaseBytes) +
                           " bytes");
  return base;
}

Status VerifySignatureBase(std::string_view base, ByteSpan signature, const PublicKey& key) {
  if (signature.size() != kEd25519SignatureSize)
    return Status::Refused("the signature is " + std::to_string(signature.size()) +
                           " bytes, not a 64-byte Ed25519 signature");
  if (!key.Verify(AsBytes(base), signature))
    return Status::Refused("the Ed25519 signature does not verify");
  return Status::Ok();
}

std::string ContentDigestFor(std::string_view body) {
  return "sha-256=:" + Base64Encode(Sha256(AsBytes(body))) + ":";
}

Status CheckContentDigest(std::string_view field_value, std::string_view body) {
  std::vector<sf::Member> members;
  Status st = sf::ParseDictionary(field_value, &members);
  if (!st.ok()) return st.WithContext("Content-Digest");
  std::vector<std::string> algorithms;
  bool have_sha256 = false;
  for (const sf::Member& m : members) {
    algorithms.push_back(m.key);
    if (m.is_inner_list || m.item.bare.kind != sf::Kind::kBytes)
      return Status::Invalid("Content-Digest " + Quoted(m.key) + " is not a Byte Sequence");
    if (m.key == "sha-256") {
      have_sha256 = true;
      PROBITY_RETURN_IF_ERROR(CheckOneDigest(m.key, m.item.bare.bytes, Sha256(AsBytes(body))));
    } else if (m.key == "sha-512") {
      PROBITY_RETURN_IF_ERROR(CheckOneDigest(m.key, m.item.bare.bytes, Sha512(body)));
    }
  }
  if (!have_sha256)
    return Status::Refused(
        "Content-Digest has no sha-256 digest" +
        (algorithms.empty() ? std::string() : " (only " + Labels(algorithms) + ")") +
        "; sha-256 is required");
  return Status::Ok();
}

Status CheckSignaturePolicy(const SignatureInput& input, std::string_view body, int64_t now) {
  if (input.alg && *input.alg != kAlgorithm)
    return Status::Refused("signature algorithm " + Quoted(*input.alg) +
                           " is not accepted; use \"ed25519\"");
  if (!input.keyid) return Status::Invalid("the signature has no keyid");
  if (!IsKeyIdHex(*input.keyid))
    return Status::Invalid("keyid " + Quoted(*input.keyid) +
                           " is not a key id (64 lower-case hex digits)");
  if (!input.created) return Status::Invalid("the signature has no created time");
  // Both are at most 15 digits (RFC 8941), so the differences cannot overflow
  // for any clock within 10^15 seconds of the epoch.
  int64_t created = *input.created;
  if (created > now && created - now > kMaxClockSkewSeconds)
    return Status::Refused("the signature was created " + std::to_string(created - now) +
                           " s in the future (the limit is " +
                           std::to_string(kMaxClockSkewSeconds) + " s); check the client's clock");
  if (created < now && now - created > kMaxClockSkewSeconds)
    return Status::Refused("the signature was created " + std::to_string(now - created) +
                           " s ago (the limit is " + std::to_string(kMaxClockSkewSeconds) + " s)");
  if (input.expires && *input.expires < created)
    return Status::Invalid("the signature expires before it was created");
  if (input.expires && now > *input.expires)
    return Status::Refused("the signature expired " + std::to_string(now - *input.expires) +
                           " s ago");
  for (std::string_view required : {"@method", "@target-uri"}) {
    if (!Covers(input, required))
      return Status::Refused("the signature does not cover \"" + std::string(required) + "\"");
  }
  if (!body.empty() && !Covers(input, "content-digest"))
    return Status::Refused(
        "the request has a body but the signature does not cover \"content-digest\"");
  return Status::Ok();
}

Result<VerifiedSignature> VerifyRequestSignature(const HttpRequestView& request,
                                                 int64_t now_unix_seconds,
                                                 const KeyLookup& lookup_key) {
  Result<std::string> input_field = RequiredField(request, "signature-input", "Signature-Input");
  if (!input_field.ok()) return input_field.status();
  Result<std::string> sig_field = RequiredField(request, "signature", "Signature");
  if (!sig_field.ok()) return sig_field.status();
  Result<std::vector<SignatureInput>> inputs = ParseSignatureInput(*input_field);
  if (!inputs.ok()) return inputs.status();
  Result<std::vector<SignatureValue>> values = ParseSignatureField(*sig_field);
  if (!values.ok()) return values.status();
  const SignatureInput* input = nullptr;
  const SignatureValue* value = nullptr;
  PROBITY_RETURN_IF_ERROR(PickSignature(*inputs, *values, &input, &value));
  PROBITY_RETURN_IF_ERROR(CheckSignaturePolicy(*input, request.body, now_unix_seconds));

  std::optional<PublicKey> key = lookup_key ? lookup_key(*input->keyid) : std::nullopt;
  if (!key) return Status::Refused("key " + *input->keyid + " is not registered, or is revoked");
  if (HexEncode(key->KeyId()) != *input->keyid)
    return Status::Refused("the key found for key id " + *input->keyid + " has another id");
  Result<std::string> base = BuildSignatureBase(request, *input);
  if (!base.ok()) return base.status();
  PROBITY_RETURN_IF_ERROR(
      VerifySignatureBase(*base, value->signature, *key)
          .WithContext("signature " + Quoted(input->label) + " by key " + *input->keyid));
  if (Covers(*input, "content-digest")) {
    // Present: BuildSignatureBase has read it.
    PROBITY_RETURN_IF_ERROR(
        CheckContentDigest(*CombinedField(request, "content-digest"), request.body));
  }
  return VerifiedSignature{input->label,   *input->keyid,     std::move(*key),  *input->created,
                           input->expires, input->components, std::move(*base), value->signature};
}

Result<SignedRequestHeaders> SignRequest(std::string_view method, std::string_view target_uri,
                                         std::string_view body, const PrivateKey& key,
                                         int64_t now_unix_seconds,
                                         const std::optional<std::string>& nonce) {
  SignedRequestHeaders out;
  if (!body.empty()) out.content_digest = ContentDigestFor(body);
  SignatureInput input;
  input.label = std::string(kSignatureLabel);
  input.components = {"@method", "@target-uri"};
  if (!body.empty()) input.components.push_back("content-digest");
  input.created = now_unix_seconds;
  input.keyid = HexEncode(key.Public().KeyId());
  input.alg = std::string(kAlgorithm);
  input.nonce = nonce;
  input.signature_params =
      SignatureParamsValue(input.components, *input.created, *input.keyid, nonce);

  HttpRequestView view;
  view.method = std::string(method);
  view.target_uri = std::string(target_uri);
  view.fields = LookupIn({{"content-digest", out.content_digest}});
  view.body = body;
  Result<std::string> base = BuildSignatureBase(view, input);
  if (!base.ok()) return base.status();
  out.signature_input = input.label + "=" + input.signature_params;
  out.signature = input.label + "=:" + Base64Encode(key.Sign(AsBytes(*base))) + ":";
  return out;
}

}  // namespace probity::httpsig
