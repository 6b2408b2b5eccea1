// Tests for server/http_signature.h: RFC 9421 HTTP Message Signatures and RFC
// 9530 Content-Digest. The RFCs' own examples (tests/vectors/rfc9421), the
// server's policy, hostile structured fields, and an independent Node.js
// implementation (tests/tools/httpsig_node.js) signing for our verifier and
// verifying what we sign.
#include "server/http_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing.h"

namespace probity::httpsig {
namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

constexpr int64_t kNow = 1'700'000'000;

// ---------------------------------------------------------------------------
// Helpers.

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// A file of tests/vectors/rfc9421; for the one-line files, without the final "\n".
std::string Vector(const std::string& name) {
  std::string text = ReadAll(std::string(PROBITY_VECTORS_DIR) + "/rfc9421/" + name);
  if (name.find("-signature-input") != std::string::npos ||
      (name.find("-signature.") != std::string::npos) || name == "test-shared-secret.txt") {
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    text.pop_back();
  }
  return text;
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

Bytes MustBase64(std::string_view b64) {
  Result<Bytes> b = Base64Decode(b64);
  REQUIRE(b.ok());
  return *b;
}

// A fresh directory under the system temp dir, removed with everything in it.
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("probity-httpsig-test") {}
};

// An HTTP/1.1 request as printed in the RFC: request line, fields, empty line,
// content. LF line ends.
struct ParsedMessage {
  std::string method, request_target;
  FieldList fields;
  std::string body;
};

ParsedMessage ParseMessage(const std::string& text) {
  ParsedMessage m;
  size_t head_end = text.find("\n\n");
  REQUIRE(head_end != std::string::npos);
  m.body = text.substr(head_end + 2);
  std::istringstream lines(text.substr(0, head_end));
  std::string line;
  REQUIRE(std::getline(lines, line));
  std::istringstream request_line(line);
  request_line >> m.method >> m.request_target;
  while (std::getline(lines, line)) {
    size_t colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    m.fields.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return m;
}

std::string FieldOf(const FieldList& fields, const std::string& lower_name) {
  std::vector<std::string> v = LookupIn(fields)(lower_name);
  REQUIRE(v.size() == 1);
  return v[0];
}

// The RFC's test-request. The RFC does not say which scheme it came over;
// https is assumed (no B.2 example covers @scheme or @target-uri).
struct RfcRequest {
  ParsedMessage message = ParseMessage(Vector("test-request.http"));
  HttpRequestView View() const {
    HttpRequestView v;
    v.method = message.method;
    v.target_uri = "https://" + FieldOf(message.fields, "host").substr(1) + message.request_target;
    v.fields = LookupIn(message.fields);
    v.body = message.body;
    return v;
  }
};

SignatureInput OnlyInput(std::string_view field_value) {
  Result<std::vector<SignatureInput>> inputs = ParseSignatureInput(field_value);
  INFO(inputs.status().message());
  REQUIRE(inputs.ok());
  REQUIRE(inputs->size() == 1);
  return (*inputs)[0];
}

Bytes OnlySignature(std::string_view field_value) {
  Result<std::vector<SignatureValue>> values = ParseSignatureField(field_value);
  INFO(values.status().message());
  REQUIRE(values.ok());
  REQUIRE(values->size() == 1);
  return (*values)[0].signature;
}

PublicKey MustPublicPem(const std::string& pem) {
  Result<PublicKey> k = PublicKey::FromPem(pem);
  REQUIRE(k.ok());
  return *k;
}

PrivateKey MustGenerate() {
  Result<PrivateKey> k = PrivateKey::Generate();
  REQUIRE(k.ok());
  return std::move(k).value();
}

// RSASSA-PSS SHA-512 with a 64-byte salt (RFC 9421 section 3.3.1), by OpenSSL.
bool RsaPssSha512Verifies(const std::string& spki_pem, std::string_view message, const Bytes& sig) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(spki_pem.data(), static_cast<int>(spki_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  REQUIRE(pkey != nullptr);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha512(), nullptr, pkey.get()) == 1);
  REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
  REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 64) == 1);
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

Bytes HmacSha256(const Bytes& key, std::string_view message) {
  Bytes out(32);
  size_t len = 0;
  REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                    reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                    out.data(), out.size(), &len) != nullptr);
  REQUIRE(len == 32);
  return out;
}

// A client of the server: a key, a request, and helpers to sign it in any way.
struct Client {
  PrivateKey key = MustGenerate();
  std::string keyid = HexEncode(key.Public().KeyId());
  std::string method = "POST";
  std::string target_uri = "https://ledger.example:8443/v1/events?dry=1";
  std::string body = "{\"seq\":1}\n";
  FieldList fields = {{"Host", "ledger.example:8443"}, {"Content-Type", "application/json"}};

  HttpRequestView View() const {
    HttpRequestView v;
    v.method = method;
    v.target_uri = target_uri;
    v.fields = LookupIn(fields);
    v.body = body;
    return v;
  }
  void Set(const std::string& name, const std::string& value) {
    std::erase_if(fields, [&](const auto& f) { return f.first == name; });
    fields.emplace_back(name, value);
  }
  // Signs with SignRequest and adds its three fields.
  void SignNormally(int64_t now = kNow) {
    Result<SignedRequestHeaders> h = SignRequest(method, target_uri, body, key, now);
    REQUIRE(h.ok());
    Set("Signature-Input", h->signature_input);
    Set("Signature", h->signature);
    if (!h->content_digest.empty()) Set("Content-Digest", h->content_digest);
  }
  // Signs whatever `input_value` ("label=(...);params") says, validly, adding
  // Content-Digest for the body first. For policy tests: the signature is good.
  void SignAs(const std::string& input_value) {
    if (!body.empty()) Set("Content-Digest", ContentDigestFor(body));
    SignatureInput in = OnlyInput(input_value);
    Result<std::string> base = BuildSignatureBase(View(), in);
    INFO(base.status().message());
    REQUIRE(base.ok());
    Set("Signature-Input", input_value);
    Set("Signature", in.label + "=:" + Base64Encode(key.Sign(AsBytes(*base))) + ":");
  }
  std::string Params(int64_t created) const {
    return ";created=" + std::to_string(created) + ";keyid=\"" + keyid + "\";alg=\"ed25519\"";
  }
  KeyLookup Lookup() const {
    PublicKey pub = key.Public();
    std::string id = keyid;
    return [pub, id](std::string_view k) -> std::optional<PublicKey> {
      if (k == id) return pub;
      return std::nullopt;
    };
  }
  Result<VerifiedSignature> Verify(int64_t now = kNow) const {
    return VerifyRequestSignature(View(), now, Lookup());
  }
};

void CheckFails(const Result<VerifiedSignature>& r, Code code, const std::string& words) {
  INFO("message: " << r.status().message());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == code);
  CHECK_THAT(r.status().message(), Contains(words));
}

// ---------------------------------------------------------------------------
// The RFCs' own examples.

TEST_CASE(
    "RFC 9421 B.2.6: the signature base is the RFC's byte for byte and its ed25519 "
    "signature verifies",
    "[http-signature]") {
  RfcRequest rfc;
  SignatureInput input = OnlyInput(Vector("b26-signature-input.txt"));
  CHECK(input.label == "sig-b26");
  CHECK(input.created == 1618884473);
  CHECK(input.keyid == "test-key-ed25519");
  CHECK_FALSE(input.alg.has_value());

  Result<std::string> base = BuildSignatureBase(rfc.View(), input);
  REQUIRE(base.ok());
  CHECK(*base == Vector("b26-signature-base.txt"));

  PublicKey pub = MustPublicPem(Vector("test-key-ed25519.pub.pem"));
  Bytes sig = OnlySignature(Vector("b26-signature.txt"));
  CHECK(VerifySignatureBase(*base, sig, pub).ok());

  // Ed25519 is deterministic: the RFC's private key re-makes the RFC's bytes.
  Result<PrivateKey> priv = PrivateKey::FromPem(Vector("test-key-ed25519.pem"), std::nullopt);
  REQUIRE(priv.ok());
  CHECK(priv->Public() == pub);
  CHECK(priv->Sign(AsBytes(*base)) == sig);

  std::string changed = *base;
  changed[changed.find("POST")] = 'G';
  CHECK(VerifySignatureBase(changed, sig, pub).code() == Code::kRefused);
  sig[10] ^= 1;
  CHECK(VerifySignatureBase(*base, sig, pub).code() == Code::kRefused);
}

TEST_CASE(
    "RFC 9421 B.2.1, B.2.3, B.2.5: the signature bases are the RFC's byte for byte and "
    "the RFC's RSA-PSS and HMAC signatures check over them",
    "[http-signature]") {
  RfcRequest rfc;
  for (const char* name : {"b21", "b23", "b25"}) {
    INFO(name);
    SignatureInput input = OnlyInput(Vector(std::string(name) + "-signature-input.txt"));
    Result<std::string> base = BuildSignatureBase(rfc.View(), input);
    INFO(base.status().message());
    REQUIRE(base.ok());
    CHECK(*base == Vector(std::string(name) + "-signature-base.txt"));
    Bytes sig = OnlySignature(Vector(std::string(name) + "-signature.txt"));
    if (std::string(name) == "b25") {
      CHECK(HmacSha256(MustBase64(Vector("test-shared-secret.txt")), *base) == sig);
    } else {
      CHECK(RsaPssSha512Verifies(Vector("test-key-rsa-pss.pub.pem"), *base, sig));
    }
  }
  SignatureInput b21 = OnlyInput(Vector("b21-signature-input.txt"));
  CHECK(b21.components.empty());
  CHECK(b21.nonce == "b3k2pp5k7z-50gnwp.yemd");
}

TEST_CASE("RFC 9421 B.2.2: @query-param (a component parameter) is refused as unsupported",
          "[http-signature]") {
  Result<std::vector<SignatureInput>> r = ParseSignatureInput(Vector("b22-signature-input.txt"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalid);
  CHECK_THAT(r.status().message(),
             Contains("@query-param") && Contains(";name") && Contains("not supported"));
}

TEST_CASE("RFC 9421 sections 2.1 and 2.2: component values of fields and derived components",
          "[http-signature]") {
  HttpRequestView req;
  req.method = "POST";
  req.target_uri = "https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman";
  // Section 2.1's example fields (obs-fold is the HTTP parser's business).
  req.fields = LookupIn({{"Host", "www.example.com"},
                         {"X-OWS-Header", "   Leading and trailing whitespace.   "},
                         {"Cache-Control", "max-age=60"},
                         {"Cache-Control", "   must-revalidate"},
                         {"Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"},
                         {"X-Empty-Header", " "}});
  auto value = [&](const char* c) {
    Result<std::string> v = ComponentValue(req, c);
    INFO(c << ": " << v.status().message());
    REQUIRE(v.ok());
    return *v;
  };
  CHECK(value("x-ows-header") == "Leading and trailing whitespace.");
  CHECK(value("cache-control") == "max-age=60, must-revalidate");
  CHECK(value("example-dict") == "a=1,    b=2;x=1;y=2,   c=(a   b   c)");
  CHECK(value("x-empty-header").empty());
  CHECK(value("@method") == "POST");
  CHECK(value("@target-uri") == req.target_uri);
  CHECK(value("@authority") == "www.example.com");
  CHECK(value("@scheme") == "https");
  CHECK(value("@path") == "/path");
  CHECK(value("@query") == "?param=value&foo=bar&baz=bat%2Dman");
  CHECK(value("@request-target") == "/path?param=value&foo=bar&baz=bat%2Dman");

  req.target_uri = "https://www.example.com/path?queryString";
  CHECK(value("@query") == "?queryString");
  req.target_uri = "http://www.example.com/path";
  CHECK(value("@query") == "?");
  CHECK(value("@request-target") == "/path");
  CHECK(value("@scheme") == "http");

  // Normalization (RFC 9110 section 4.2.3): lower case, no default port.
  struct Case {
    const char* uri;
    const char* authority;
    const char* scheme;
    const char* path;
  };
  for (const Case& c : {Case{"HTTPS://WWW.Example.COM:443/A", "www.example.com", "https", "/A"},
                        Case{"http://example.com:80", "example.com", "http", "/"},
                        Case{"http://example.com:443/", "example.com:443", "http", "/"},
                        Case{"https://example.com:8443?x", "example.com:8443", "https", "/"},
                        Case{"https://example.com:/p", "example.com", "https", "/p"},
                        Case{"https://[::1]:8443/p", "[::1]:8443", "https", "/p"},
                        Case{"https://[::1]/p", "[::1]", "https", "/p"}}) {
    INFO(c.uri);
    req.target_uri = c.uri;
    CHECK(value("@authority") == c.authority);
    CHECK(value("@scheme") == c.scheme);
    CHECK(value("@path") == c.path);
  }
  req.target_uri = "https://example.com?x";
  CHECK(value("@request-target") == "/?x");
}

TEST_CASE(
    "Component values: unknown, response-only, unsupported and absent components are "
    "errors, as are malformed methods, URIs and field values",
    "[http-signature]") {
  HttpRequestView req;
  req.method = "POST";
  req.target_uri = "https://example.com/p";
  req.fields = LookupIn({{"X-Nl", "a\nb"},
                         {"X-Cr", "a\rb"},
                         {"X-Nul", std::string("a\0b", 3)},
                         {"X-Latin", "caf\xc3\xa9"},
                         {"X-Tab", "a\tb"}});
  auto fails = [&](const char* component, const char* words) {
    Result<std::string> v = ComponentValue(req, component);
    INFO(component << ": " << v.status().message());
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == Code::kInvalid);
    CHECK_THAT(v.status().message(), Contains(words));
  };
  fails("@status", "responses");
  fails("@query-param", "not supported");
  fails("@foo", "unknown derived component");
  fails("date", "not in the request");
  fails("Date", "lower-case");
  fails("x-nl", "control");
  fails("x-cr", "control");
  fails("x-nul", "control");
  fails("x-latin", "non-ASCII");
  CHECK(ComponentValue(req, "x-tab").ok());

  for (const char* bad :
       {"", "example.com/p", "https:/example.com", "https://", "https:///p",
        "https://u@example.com/", "https://example.com/p#f", "https://example.com/a b",
        "1http://example.com/", "ht_tp://e.com/", "https://example.com/\xc3\xa9"}) {
    INFO("target URI: " << bad);
    req.target_uri = bad;
    fails("@path", "target URI");
  }
  req.target_uri = "https://example.com/p";
  for (const char* bad : {"", "PO ST", "GET\r", "G(T"}) {
    req.method = bad;
    fails("@method", "method");
  }
}

TEST_CASE("RFC 9530: the sample digests of {\"hello\": \"world\"} (with and without LF) check",
          "[http-signature]") {
  const std::string hello = "{\"hello\": \"world\"}";
  // Appendix D, "Sample Digest Values".
  const std::string d_sha256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
  const std::string d_sha512 =
      "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==";
  // Appendix B.1: the same object followed by LF.
  const std::string b1_sha256 = "RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=";
  const std::string b1_sha512 =
      "YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==";

  CHECK(ContentDigestFor(hello) == "sha-256=:" + d_sha256 + ":");
  CHECK(ContentDigestFor(hello + "\n") == "sha-256=:" + b1_sha256 + ":");
  CHECK(CheckContentDigest("sha-256=:" + d_sha256 + ":", hello).ok());
  CHECK(CheckContentDigest("sha-256=:" + d_sha256 + ":, sha-512=:" + d_sha512 + ":", hello).ok());
  CHECK(CheckContentDigest("sha-512=:" + b1_sha512 + ":,sha-256=:" + b1_sha256 + ":", hello + "\n")
            .ok());
  // RFC 9421's test-request carries only sha-512: well-formed, but this server wants sha-256.
  RfcRequest rfc;
  Status only512 =
      CheckContentDigest(FieldOf(rfc.message.fields, "content-digest"), rfc.message.body);
  CHECK(only512.code() == Code::kRefused);
  CHECK_THAT(only512.message(), Contains("no sha-256") && Contains("sha-512"));
}

TEST_CASE(
    "Content-Digest: a wrong digest, wrong lengths, no sha-256 and malformed values are "
    "rejected",
    "[http-signature]") {
  const std::string body = "{\"hello\": \"world\"}";
  const std::string good = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
  const std::string other = ContentDigestFor("something else");
  struct Case {
    std::string value;
    Code code;
    const char* words;
  };
  for (const Case& c : std::vector<Case>{
           {other, Code::kRefused, "does not match the body"},
           {good + ", sha-512=:" + Base64Encode(Bytes(64)) + ":", Code::kRefused,
            "sha-512 does not match"},
           {"sha-256=:" + Base64Encode(Bytes(31)) + ":", Code::kInvalid, "31 bytes, not 32"},
           {"sha-512=:" + Base64Encode(Bytes(64)) + ":", Code::kRefused, "sha-512 does not match"},
           {"md5=:Sd/dVLAcvNLSq16eXua5uQ==:", Code::kRefused, "no sha-256"},
           {"", Code::kRefused, "no sha-256"},
           {"sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", Code::kInvalid,
            "Content-Digest"},
           {"sha-256", Code::kInvalid, "not a Byte Sequence"},
           {"sha-256=(" + good.substr(8) + ")", Code::kInvalid, "not a Byte Sequence"},
           {"SHA-256=" + good.substr(8), Code::kInvalid, "expected a key"},
           {good + ", " + good, Code::kInvalid, "duplicate key"},
           {good + ",", Code::kInvalid, "trailing ','"},
           {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:", Code::kInvalid, "base64"},
       }) {
    INFO("Content-Digest: " << c.value);
    Status st = CheckContentDigest(c.value, body);
    INFO(st.message());
    CHECK(st.code() == c.code);
    CHECK_THAT(st.message(), Contains(c.words));
  }
  CHECK(CheckContentDigest(good + ";x=1, unknown=:AA==:", body).ok());  // ignored extras
  CHECK(CheckContentDigest(ContentDigestFor(""), "").ok());
}

// ---------------------------------------------------------------------------
// Signing and the server's policy.

TEST_CASE(
    "SignRequest then VerifyRequestSignature: the round trip verifies, with label sig1, "
    "the key id, alg ed25519 and created",
    "[http-signature]") {
  Client c;
  c.SignNormally();
  CHECK(FieldOf(c.fields, "signature-input") ==
        "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;keyid=\"" +
            c.keyid + "\";alg=\"ed25519\"");
  CHECK(FieldOf(c.fields, "content-digest") == ContentDigestFor(c.body));
  Result<VerifiedSignature> v = c.Verify();
  INFO(v.status().message());
  REQUIRE(v.ok());
  CHECK(v->label == "sig1");
  CHECK(v->keyid == c.keyid);
  CHECK(v->key == c.key.Public());
  CHECK(v->created == kNow);
  CHECK_FALSE(v->expires.has_value());
  CHECK(v->components == std::vector<std::string>{"@method", "@target-uri", "content-digest"});

  SECTION("an empty body needs no Content-Digest") {
    Client get;
    get.method = "GET";
    get.body.clear();
    get.target_uri = "https://ledger.example/v1/entries/7";
    get.SignNormally();
    CHECK(LookupIn(get.fields)("content-digest").empty());
    Result<VerifiedSignature> g = get.Verify();
    INFO(g.status().message());
    REQUIRE(g.ok());
    CHECK(g->components == std::vector<std::string>{"@method", "@target-uri"});
  }
  SECTION("SignRequest refuses a malformed method or target URI") {
    CHECK(SignRequest("GE T", c.target_uri, "", c.key, kNow).status().code() == Code::kInvalid);
    CHECK(SignRequest("GET", "/v1/entries/7", "", c.key, kNow).status().code() == Code::kInvalid);
  }
}

TEST_CASE(
    "created: missing is Invalid, more than 300 s old or ahead is Refused, 300 s either "
    "way is accepted",
    "[http-signature]") {
  Client c;
  const std::string components = "sig1=(\"@method\" \"@target-uri\" \"content-digest\")";
  c.SignAs(components + ";keyid=\"" + c.keyid + "\";alg=\"ed25519\"");
  CheckFails(c.Verify(), Code::kInvalid, "no created");

  c.SignNormally(kNow - 301);
  CheckFails(c.Verify(), Code::kRefused, "created 301 s ago");
  c.SignNormally(kNow + 301);
  CheckFails(c.Verify(), Code::kRefused, "301 s in the future");
  c.SignNormally(kNow - 100'000'000);
  CheckFails(c.Verify(), Code::kRefused, "s ago");
  for (int64_t created : {kNow - 300, kNow + 300, kNow}) {
    c.SignNormally(created);
    INFO("created " << created);
    CHECK(c.Verify().ok());
  }
  c.SignAs(components + c.Params(999'999'999'999'999));
  CheckFails(c.Verify(), Code::kRefused, "in the future");
}

TEST_CASE("expires: passed is Refused, before created is Invalid, in the future is accepted",
          "[http-signature]") {
  Client c;
  const std::string components = "sig1=(\"@method\" \"@target-uri\" \"content-digest\")";
  c.SignAs(components + c.Params(kNow - 60) + ";expires=" + std::to_string(kNow - 1));
  CheckFails(c.Verify(), Code::kRefused, "expired 1 s ago");
  c.SignAs(components + c.Params(kNow) + ";expires=" + std::to_string(kNow - 10));
  CheckFails(c.Verify(), Code::kInvalid, "expires before it was created");
  c.SignAs(components + c.Params(kNow) + ";expires=" + std::to_string(kNow + 60));
  Result<VerifiedSignature> v = c.Verify();
  REQUIRE(v.ok());
  CHECK(v->expires == kNow + 60);
  c.SignAs(components + c.Params(kNow) + ";expires=" + std::to_string(kNow));
  CHECK(c.Verify().ok());
}

TEST_CASE(
    "Coverage: a signature that leaves out @method, @target-uri, or content-digest when "
    "there is a body is Refused",
    "[http-signature]") {
  Client c;
  struct Case {
    const char* components;
    const char* missing;
  };
  for (const Case& k :
       {Case{"(\"@target-uri\" \"content-digest\")", "\"@method\""},
        Case{"(\"@method\" \"content-digest\")", "\"@target-uri\""},
        Case{"(\"@method\" \"@path\" \"@authority\" \"@query\" \"content-digest\")",
             "\"@target-uri\""},
        Case{"(\"@method\" \"@target-uri\")", "\"content-digest\""}, Case{"()", "\"@method\""}}) {
    INFO(k.components);
    c.SignAs(std::string("sig1=") + k.components + c.Params(kNow));
    CheckFails(c.Verify(), Code::kRefused, std::string("does not cover ") + k.missing);
  }
  // More coverage is fine, in any order.
  c.SignAs(
      "sig1=(\"content-type\" \"content-digest\" \"@authority\" \"@target-uri\" \"@method\" "
      "\"@scheme\" \"@request-target\")" +
      c.Params(kNow) + ";nonce=\"n-1\";tag=\"probity\"");
  Result<VerifiedSignature> v = c.Verify();
  INFO(v.status().message());
  CHECK(v.ok());
  // Covering content-digest with an empty body still checks it.
  c.body.clear();
  c.Set("Content-Digest", ContentDigestFor("x"));
  c.SignAs("sig1=(\"@method\" \"@target-uri\" \"content-digest\")" + c.Params(kNow));
  CheckFails(c.Verify(), Code::kRefused, "does not match the body");
}

TEST_CASE(
    "Tampering after signing: a changed method, target URI, body or covered header is "
    "Refused",
    "[http-signature]") {
  Client c;
  c.SignNormally();
  REQUIRE(c.Verify().ok());
  SECTION("method") {
    c.method = "PUT";
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
  }
  SECTION("method, case only") {
    c.method = "post";
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
  }
  SECTION("target URI: path, query, authority, scheme") {
    for (const char* uri :
         {"https://ledger.example:8443/v1/events?dry=0", "https://ledger.example:8443/v1/events",
          "https://ledger.example:8443/v1/Events?dry=1",
          "https://other.example:8443/v1/events?dry=1",
          "http://ledger.example:8443/v1/events?dry=1"}) {
      INFO(uri);
      c.target_uri = uri;
      CheckFails(c.Verify(), Code::kRefused, "does not verify");
    }
  }
  SECTION("body, Content-Digest left alone") {
    c.body = "{\"seq\":2}\n";
    CheckFails(c.Verify(), Code::kRefused, "Content-Digest sha-256 does not match the body");
  }
  SECTION("body and Content-Digest both replaced") {
    c.body = "{\"seq\":2}\n";
    c.Set("Content-Digest", ContentDigestFor(c.body));
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
  }
  SECTION("body removed") {
    c.body.clear();
    CheckFails(c.Verify(), Code::kRefused, "does not match the body");
  }
  SECTION("a covered header") {
    c.SignAs("sig1=(\"@method\" \"@target-uri\" \"content-digest\" \"content-type\")" +
             c.Params(kNow));
    REQUIRE(c.Verify().ok());
    c.Set("Content-Type", "text/plain");
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
    c.fields.pop_back();
    CheckFails(c.Verify(), Code::kInvalid, "covered field \"content-type\" is not in the request");
  }
  SECTION("the signature's parameters") {
    std::string input = FieldOf(c.fields, "signature-input");
    c.Set("Signature-Input", input + ";nonce=\"x\"");
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
    c.Set("Signature-Input", input.replace(input.find("1700000000"), 10, "1700000001"));
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
  }
  SECTION("the signature bytes") {
    std::string sig = FieldOf(c.fields, "signature");
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    c.Set("Signature", sig);
    CheckFails(c.Verify(), Code::kRefused, "does not verify");
    c.Set("Signature", "sig1=:" + Base64Encode(Bytes(63)) + ":");
    CheckFails(c.Verify(), Code::kRefused, "63 bytes");
  }
}

TEST_CASE(
    "Keys: an unknown key id is Refused, a malformed one Invalid, a foreign alg Refused, "
    "alg may be left out",
    "[http-signature]") {
  Client c;
  const std::string components = "sig1=(\"@method\" \"@target-uri\" \"content-digest\")";
  SECTION("unknown key") {
    Client stranger;
    stranger.SignNormally();
    CheckFails(VerifyRequestSignature(stranger.View(), kNow, c.Lookup()), Code::kRefused,
               "key " + stranger.keyid + " is not registered");
    CheckFails(VerifyRequestSignature(stranger.View(), kNow, KeyLookup()), Code::kRefused,
               "not registered");
  }
  SECTION("a lookup that answers with another key") {
    c.SignNormally();
    Client other;
    PublicKey wrong = other.key.Public();
    CheckFails(VerifyRequestSignature(c.View(), kNow, [&](std::string_view) { return wrong; }),
               Code::kRefused, "another id");
  }
  SECTION("malformed keyid") {
    for (std::string id : {std::string("test-key-ed25519"), Upper(c.keyid), c.keyid.substr(1),
                           c.keyid + "0", std::string()}) {
      INFO("keyid " << id);
      c.SignAs(components + ";created=" + std::to_string(kNow) + ";keyid=\"" + id + "\"");
      CheckFails(c.Verify(), Code::kInvalid, "is not a key id");
    }
    c.SignAs(components + ";created=" + std::to_string(kNow));
    CheckFails(c.Verify(), Code::kInvalid, "no keyid");
  }
  SECTION("alg") {
    for (const char* alg : {"rsa-pss-sha512", "hmac-sha256", "ED25519", "ed448", ""}) {
      INFO("alg " << alg);
      c.SignAs(components + ";created=" + std::to_string(kNow) + ";keyid=\"" + c.keyid +
               "\";alg=\"" + alg + "\"");
      CheckFails(c.Verify(), Code::kRefused, "is not accepted");
    }
    c.SignAs(components + ";created=" + std::to_string(kNow) + ";keyid=\"" + c.keyid + "\"");
    CHECK(c.Verify().ok());
    c.SignAs(components + ";alg=\"ed25519\";keyid=\"" + c.keyid +
             "\";created=" + std::to_string(kNow));
    CHECK(c.Verify().ok());  // parameters in any order
  }
}

TEST_CASE(
    "Signature fields: missing, a label in one field only, and several signatures are "
    "rejected",
    "[http-signature]") {
  Client c;
  c.SignNormally();
  const std::string input = FieldOf(c.fields, "signature-input");
  const std::string sig = FieldOf(c.fields, "signature");
  const std::string params = input.substr(5);  // after "sig1="
  const std::string value = sig.substr(5);

  SECTION("missing fields") {
    FieldList all = c.fields;
    std::erase_if(c.fields, [](const auto& f) { return f.first == "Signature-Input"; });
    CheckFails(c.Verify(), Code::kInvalid, "no Signature-Input header");
    c.fields = all;
    std::erase_if(c.fields, [](const auto& f) { return f.first == "Signature"; });
    CheckFails(c.Verify(), Code::kInvalid, "no Signature header");
    c.fields = all;
    std::erase_if(c.fields, [](const auto& f) { return f.first == "Content-Digest"; });
    CheckFails(c.Verify(), Code::kInvalid,
               "covered field \"content-digest\" is not in the request");
  }
  SECTION("empty fields") {
    c.Set("Signature-Input", "");
    CheckFails(c.Verify(), Code::kInvalid, "holds no signature");
  }
  SECTION("label in one field only") {
    c.Set("Signature", "sig2=" + value);
    CheckFails(c.Verify(), Code::kInvalid, "'sig1' is in Signature-Input but not in Signature");
    c.Set("Signature", sig + ", sig2=" + value);
    CheckFails(c.Verify(), Code::kInvalid, "'sig2' is in Signature but not in Signature-Input");
  }
  SECTION("duplicate labels, in one field line or across two") {
    c.Set("Signature-Input", input + ", " + input);
    CheckFails(c.Verify(), Code::kInvalid, "duplicate key 'sig1'");
    c.Set("Signature-Input", input);
    c.fields.emplace_back("Signature-Input", input);
    CheckFails(c.Verify(), Code::kInvalid, "duplicate key 'sig1'");
    c.Set("Signature-Input", input);
    c.Set("Signature", sig + "," + sig);
    CheckFails(c.Verify(), Code::kInvalid, "duplicate key 'sig1'");
  }
  SECTION("two signatures, even both valid") {
    c.Set("Signature-Input", input + ", proxy=" + params);
    c.Set("Signature", sig + ", proxy=" + value);
    CheckFails(c.Verify(), Code::kRefused, "2 signatures ('sig1', 'proxy'); exactly one");
  }
  SECTION("one signature under another label verifies") {
    c.Set("Signature-Input", "client-7=" + params);
    c.Set("Signature", "client-7=" + value);
    Result<VerifiedSignature> v = c.Verify();
    REQUIRE(v.ok());
    CHECK(v->label == "client-7");
  }
  SECTION("field lines: one dictionary split over two lines parses as one") {
    c.Set("Signature-Input", input);
    c.fields.emplace_back("signature-input", "proxy=" + params);
    c.Set("Signature", "proxy=" + value);
    c.fields.emplace_back("Signature", "  " + sig + "\t");
    CheckFails(c.Verify(), Code::kRefused, "2 signatures");
  }
}

TEST_CASE(
    "Signature-Input with optional whitespace verifies: the base uses the strict "
    "serialization of RFC 8941",
    "[http-signature]") {
  Client c;
  c.SignNormally();
  std::string input = FieldOf(c.fields, "signature-input");
  Result<VerifiedSignature> before = c.Verify();
  REQUIRE(before.ok());
  // Same dictionary, other spelling: spaces inside the inner list, OWS after
  // ',', a space after ';', and an ignored trailing tab.
  std::string spaced =
      "sig1=(  \"@method\"   \"@target-uri\" \"content-digest\" );created=" + std::to_string(kNow) +
      ";  keyid=\"" + c.keyid + "\";alg=\"ed25519\"";
  c.Set("Signature-Input", " " + spaced + " \t");
  SignatureInput parsed = OnlyInput(spaced);
  CHECK(input == "sig1=" + parsed.signature_params);
  Result<VerifiedSignature> after = c.Verify();
  INFO(after.status().message());
  CHECK(after.ok());
}

// Strings no strict parser may accept. Each is rejected with Invalid.
TEST_CASE("Hostile Signature-Input values are Invalid, each with a message naming the fault",
          "[http-signature]") {
  const std::string c = "(\"@method\" \"@target-uri\")";
  struct Case {
    std::string value;
    const char* words;
  };
  std::vector<Case> cases = {
      {"sig1", "not an inner list"},
      {"sig1=\"@method\"", "not an inner list"},
      {"sig1=", "expected a value, found the end"},
      {"sig1=(", "unterminated inner list"},
      {"sig1=(\"@method\"", "unterminated inner list"},
      {"sig1=(\"@method)", "unterminated string"},
      {"sig1=(\"@method\"\"@path\")", "expected ' ' or ')'"},
      {"sig1=(\"@method\"\t\"@path\")", "expected ' ' or ')'"},
      {"sig1=(@method)", "expected a value"},
      {"sig1=((\"@method\"))", "expected a value"},
      {"sig1=" + c + ";created=", "expected a value"},
      {"sig1=" + c + ";created=-1", "not a non-negative Integer"},
      {"sig1=" + c + ";created=1234567890123456", "more than 15 digits"},
      {"sig1=" + c + ";created=1.5", "not a non-negative Integer"},
      {"sig1=" + c + ";created=1.", "decimal ends in '.'"},
      {"sig1=" + c + ";created=1.2345", "more than 3 decimal places"},
      {"sig1=" + c + ";created=-", "expected a digit"},
      {"sig1=" + c + ";created=\"1\"", "not a non-negative Integer"},
      {"sig1=" + c + ";created", "not a non-negative Integer"},
      {"sig1=" + c + ";keyid=abc", "parameter keyid is a Token, not a String"},
      {"sig1=" + c + ";keyid=:YWJj:", "parameter keyid is a Byte Sequence"},
      {"sig1=" + c + ";keyid=?1", "parameter keyid is a Boolean"},
      {"sig1=" + c + ";keyid=\"a\";keyid=\"b\"", "duplicate parameter 'keyid'"},
      {"sig1=" + c + ";foo=1", "unknown signature parameter 'foo'"},
      {"sig1=" + c + ";Created=1", "expected a key"},
      {"sig1=" + c + ";;", "expected a key"},
      {"sig1=" + c + ", sig1=" + c, "duplicate key 'sig1'"},
      {"sig1=" + c + ",", "trailing ','"},
      {"sig1=" + c + " x", "expected ','"},
      {"sig1=" + c + ";created=1 ;keyid=\"a\"", "expected ','"},
      {"SIG1=" + c, "expected a key"},
      {"1sig=" + c, "expected a key"},
      {"\tsig1=" + c, "expected a key"},
      {"sig1 =" + c, "expected ','"},
      {"sig1=(\"@method\" \"@method\")", "listed twice"},
      {"sig1=(\"@signature-params\")", "may not be a covered component"},
      {"sig1=(\"Content-Type\")", "neither a derived component nor a lower-case field name"},
      {"sig1=(\"content type\")", "lower-case field name"},
      {"sig1=(\"\")", "lower-case field name"},
      {"sig1=(\"@\")", "lower-case field name"},
      {"sig1=(\"@method\";req)", "component parameters are not supported"},
      {"sig1=(\"content-digest\";sf)", "component parameters are not supported"},
      {"sig1=(\"x\";key=\"a\")", "component parameters are not supported"},
      {"sig1=(1)", "is an Integer, not a String"},
      {"sig1=(method)", "is a Token, not a String"},
      {"sig1=(\"a\\x\")", "bad escape"},
      {"sig1=(\"a\\", "bad escape"},
      {"sig1=(\"a\x01\")", "control or non-ASCII character in a string"},
      {"sig1=(\"caf\xc3\xa9\")", "control or non-ASCII character in a string"},
      {std::string("sig1=(\"a\0\")", 11), "control or non-ASCII"},
      {"sig1=(\"@method\")\xff", "expected ','"},
  };
  // Bounds: members, components, parameters, length.
  std::string many_members, many_components = "sig1=(", many_params = "sig1=()";
  for (int i = 0; i < 9; ++i) many_members += (i ? ", s" : "s") + std::to_string(i) + "=()";
  for (int i = 0; i < 33; ++i) many_components += (i ? " \"x" : "\"x") + std::to_string(i) + "\"";
  for (int i = 0; i < 17; ++i) many_params += ";p" + std::to_string(i);
  cases.push_back({many_members, "more than 8 members"});
  cases.push_back({many_components + ")", "more than 32 items"});
  cases.push_back({many_params, "more than 16 parameters"});
  cases.push_back(
      {"sig1=" + c + ";nonce=\"" + std::string(5000, 'a') + "\"", "longer than 4096 bytes"});

  for (const Case& k : cases) {
    INFO("Signature-Input: " << k.value);
    Result<std::vector<SignatureInput>> r = ParseSignatureInput(k.value);
    INFO("message: " << r.status().message());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Contains("Signature-Input") && Contains(k.words));
  }
  // At the bounds, accepted.
  std::string eight, thirty_two = "sig1=(", sixteen, seventeen;
  for (int i = 0; i < 8; ++i) eight += (i ? ", s" : "s") + std::to_string(i) + "=()";
  for (int i = 0; i < 32; ++i) thirty_two += (i ? " \"x" : "\"x") + std::to_string(i) + "\"";
  for (int i = 0; i < 16; ++i) sixteen += ";p" + std::to_string(i);
  seventeen = sixteen + ";p16";
  CHECK(ParseSignatureInput(eight).ok());
  CHECK(ParseSignatureInput(thirty_two + ")").ok());
  // Parameters are bounded in every field; Content-Digest ignores unknown ones.
  const std::string digest = ContentDigestFor("x");
  CHECK(CheckContentDigest(digest + sixteen, "x").ok());
  CHECK_THAT(CheckContentDigest(digest + seventeen, "x").message(),
             Contains("more than 16 parameters"));
  CHECK(ParseSignatureInput("").ok());
  CHECK(
      ParseSignatureInput("sig1=();created=0;expires=999999999999999;nonce=\"\\\"\\\\\";tag=\"t\"")
          .ok());
}

TEST_CASE("Hostile Signature values are Invalid, each with a message naming the fault",
          "[http-signature]") {
  struct Case {
    std::string value;
    const char* words;
  };
  for (const Case& k : std::vector<Case>{
           {"sig1=:YWJ:", "not padded base64"},
           {"sig1=:YWJj", "unterminated byte sequence"},
           {"sig1=:YW=j:", "not padded base64"},
           {"sig1=:YR==:", "non-canonical"},
           {"sig1=:Y Q==:", "not padded base64"},
           {"sig1=:YWJj\n:", "not padded base64"},
           {"sig1=YWJj", "not a Byte Sequence"},
           {"sig1=(:YWJj:)", "not a Byte Sequence"},
           {"sig1=?1", "not a Byte Sequence"},
           {"sig1=\"YWJj\"", "not a Byte Sequence"},
           {"sig1", "not a Byte Sequence"},
           {"sig1=:YQ==:, sig1=:YQ==:", "duplicate key 'sig1'"},
           {"sig1=:YQ==:;", "expected a key"},
           {"sig1=:YQ==::", "expected ','"},
           {"sig1=:" + std::string(5000, 'A') + ":", "longer than 4096 bytes"},
       }) {
    INFO("Signature: " << k.value);
    Result<std::vector<SignatureValue>> r = ParseSignatureField(k.value);
    INFO("message: " << r.status().message());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_THAT(r.status().message(), Contains("Signature") && Contains(k.words));
  }
  Result<std::vector<SignatureValue>> ok = ParseSignatureField("a=:YQ==:;x=1, b=::");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].signature == Bytes{'a'});
  CHECK((*ok)[1].signature.empty());
}

// Random damage to a valid request's fields: whatever comes out, no crash, no
// exception, and an accepted request is one that still says what was signed.
TEST_CASE(
    "Mutated Signature-Input, Signature and Content-Digest never crash and never verify "
    "a changed signed value",
    "[http-signature]") {
  Client c;
  // A fixed key, so that every run makes the same mutations of the same bytes.
  Result<PrivateKey> fixed = PrivateKey::FromSeed(Bytes(32, 0x42));
  REQUIRE(fixed.ok());
  c.key = std::move(fixed).value();
  c.keyid = HexEncode(c.key.Public().KeyId());
  c.SignNormally();
  const FieldList signed_fields = c.fields;
  const std::string originals[] = {FieldOf(signed_fields, "signature-input"),
                                   FieldOf(signed_fields, "signature"),
                                   FieldOf(signed_fields, "content-digest")};
  const char* names[] = {"Signature-Input", "Signature", "Content-Digest"};
  std::mt19937 rng(9421);
  const std::string alphabet =
      "\"():;=,? \t-*.@abcdefghijklmnopqrstuvwxyz0123456789ABCXYZ+/\\\x01\x7f\xff";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    size_t which = rng() % 3;
    std::string v = originals[which];
    for (int edits = 1 + rng() % 3; edits > 0; --edits) {
      size_t pos = rng() % (v.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (pos < v.size())
            v[pos] = alphabet[rng() % alphabet.size()];
          else
            rng();
          break;
        case 1:
          v.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          if (pos < v.size())
            v.erase(pos, 1 + rng() % 4);
          else
            rng();
          break;
        case 3: {
          size_t from = rng() % (v.size() + 1);
          size_t len = rng() % 8;
          v.insert(pos, v.substr(from, len));
          break;
        }
      }
    }
    c.fields = signed_fields;
    c.Set(names[which], v);
    Result<VerifiedSignature> r = c.Verify();
    if (r.ok()) {
      ++accepted;
      // Only spelling may change: the same key, time and coverage.
      CHECK(r->keyid == c.keyid);
      CHECK(r->created == kNow);
      CHECK(r->components == std::vector<std::string>{"@method", "@target-uri", "content-digest"});
    } else {
      CHECK((r.status().code() == Code::kInvalid || r.status().code() == Code::kRefused));
      CHECK_FALSE(r.status().message().empty());
    }
  }
  CHECK(accepted < 2000);
}

// ---------------------------------------------------------------------------
// An independent implementation: tests/tools/httpsig_node.js, Node's crypto.

using test::CommandResult;
CommandResult Run(const std::string& command) { return test::RunCommand(command); }

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

bool HaveNode() { return std::system("command -v node >/dev/null 2>&1") == 0; }

std::string NodeScript() {
  return ShellQuote(std::string(PROBITY_VECTORS_DIR) + "/../tools/httpsig_node.js");
}

// "Name: value" lines as fields.
FieldList OutputFields(const std::string& output) {
  FieldList out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    size_t colon = line.find(": ");
    REQUIRE(colon != std::string::npos);
    out.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

TEST_CASE("Node's independent signer: its RFC 9421 signatures verify with VerifyRequestSignature",
          "[http-signature]") {
  // tools/run installs nodejs: without it the cross-check would pass by proving nothing.
  REQUIRE(HaveNode());
  TempDir dir;
  Client c;
  Result<std::string> pem = c.key.ToPem(std::nullopt);
  REQUIRE(pem.ok());
  WriteAll(dir.File("key.pem"), *pem);
  WriteAll(dir.File("body"), c.body);

  struct Case {
    std::string components, extra;
  };
  for (const Case& k : std::vector<Case>{
           {"", ""},
           {"@method,@target-uri,content-digest", " --nonce n0nce-1 --tag probity"},
           {"content-type,@authority,@path,@query,@scheme,@request-target,@method,@target-uri,"
            "content-digest",
            ""},
           {"@method,@target-uri,content-digest", " --no-alg"},
       }) {
    INFO("components " << k.components << k.extra);
    std::string command =
        "node " + NodeScript() + " sign --key " + ShellQuote(dir.File("key.pem")) + " --method " +
        c.method + " --uri " + ShellQuote(c.target_uri) + " --created " + std::to_string(kNow - 5) +
        " --body-file " + ShellQuote(dir.File("body")) +
        " --header 'Content-Type: application/json'" +
        (k.components.empty() ? "" : " --components " + ShellQuote(k.components)) + k.extra;
    CommandResult r = Run(command);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    for (const auto& [name, value] : OutputFields(r.output)) c.Set(name, value);
    Result<VerifiedSignature> v = c.Verify();
    INFO(v.status().message());
    REQUIRE(v.ok());
    CHECK(v->keyid == c.keyid);
    CHECK(v->created == kNow - 5);

    // And node's signature breaks like ours when the request changes.
    std::string body = c.body;
    c.body = "{\"seq\":3}\n";
    CheckFails(c.Verify(), Code::kRefused, "does not match the body");
    c.body = body;
  }

  SECTION("an empty GET") {
    std::string command = "node " + NodeScript() + " sign --key " +
                          ShellQuote(dir.File("key.pem")) +
                          " --method GET --uri 'https://ledger.example/v1/persons?q=ann%20lee'" +
                          " --created " + std::to_string(kNow);
    CommandResult r = Run(command);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    c.method = "GET";
    c.target_uri = "https://ledger.example/v1/persons?q=ann%20lee";
    c.body.clear();
    c.fields.clear();
    for (const auto& [name, value] : OutputFields(r.output)) c.Set(name, value);
    CHECK(LookupIn(c.fields)("content-digest").empty());
    Result<VerifiedSignature> v = c.Verify();
    INFO(v.status().message());
    CHECK(v.ok());
  }
}

TEST_CASE(
    "Node's independent verifier accepts the RFC's B.2.6 example and SignRequest's "
    "output, and refuses both once changed",
    "[http-signature]") {
  // tools/run installs nodejs: without it the cross-check would pass by proving nothing.
  REQUIRE(HaveNode());
  TempDir dir;
  auto node_verify = [&](const std::string& pub_pem_path, const std::string& method,
                         const std::string& uri, const FieldList& fields, const std::string& body) {
    WriteAll(dir.File("body"), body);
    std::string command = "node " + NodeScript() + " verify --key " + ShellQuote(pub_pem_path) +
                          " --method " + ShellQuote(method) + " --uri " + ShellQuote(uri) +
                          " --body-file " + ShellQuote(dir.File("body"));
    for (const auto& [name, value] : fields) {
      std::string lower = name;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "signature-input")
        command += " --signature-input " + ShellQuote(value);
      else if (lower == "signature")
        command += " --signature " + ShellQuote(value);
      else
        command += " --header " + ShellQuote(name + ": " + value);
    }
    return Run(command);
  };

  SECTION("RFC 9421 B.2.6, which checks the Node script itself") {
    RfcRequest rfc;
    FieldList fields = rfc.message.fields;
    fields.emplace_back("Signature-Input", Vector("b26-signature-input.txt"));
    fields.emplace_back("Signature", Vector("b26-signature.txt"));
    std::string pub = std::string(PROBITY_VECTORS_DIR) + "/rfc9421/test-key-ed25519.pub.pem";
    HttpRequestView view = rfc.View();
    CommandResult ok = node_verify(pub, view.method, view.target_uri, fields, rfc.message.body);
    INFO(ok.output);
    CHECK(ok.exit_code == 0);
    CHECK(ok.output == "verified\n");
    CommandResult bad = node_verify(pub, "PUT", view.target_uri, fields, rfc.message.body);
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.output, Contains("does not verify"));
  }

  SECTION("SignRequest's headers") {
    Client c;
    WriteAll(dir.File("pub.pem"), c.key.Public().ToPem());
    for (const std::string& body : {std::string("{\"seq\":1}\n"), std::string()}) {
      INFO("body " << body);
      c.body = body;
      c.fields = {{"Host", "ledger.example:8443"}};
      c.SignNormally();
      CommandResult ok = node_verify(dir.File("pub.pem"), c.method, c.target_uri, c.fields, c.body);
      INFO(ok.output);
      CHECK(ok.exit_code == 0);
      CHECK(ok.output == "verified\n");
      CommandResult bad_uri =
          node_verify(dir.File("pub.pem"), c.method, c.target_uri + "&x=1", c.fields, c.body);
      CHECK(bad_uri.exit_code == 1);
      if (!body.empty()) {
        CommandResult bad_body =
            node_verify(dir.File("pub.pem"), c.method, c.target_uri, c.fields, body + " ");
        CHECK(bad_body.exit_code == 1);
        CHECK_THAT(bad_body.output, Contains("content-digest does not match"));
      }
    }
  }
}

TEST_CASE(
    "SignRequest with a nonce: the same request signed twice in one second gives two "
    "signatures, each verifying, the nonce in the signed parameters",
    "[http-signature]") {
  std::array<uint8_t, 32> seed{7};
  auto made = PrivateKey::FromSeed(seed);
  REQUIRE(made.ok());
  const PrivateKey& key = *made;
  std::string uri = "https://probity.test/v1/persons/P1/record";
  auto a = SignRequest("GET", uri, "", key, 1700000000, "00aa");
  auto b = SignRequest("GET", uri, "", key, 1700000000, "00ab");
  auto plain = SignRequest("GET", uri, "", key, 1700000000);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(plain.ok());
  CHECK(a->signature != b->signature);
  CHECK(a->signature_input == "sig1=(\"@method\" \"@target-uri\");created=1700000000;keyid=\"" +
                                  HexEncode(key.Public().KeyId()) +
                                  "\";alg=\"ed25519\";nonce=\"00aa\"");
  CHECK(plain->signature_input.find("nonce") == std::string::npos);
  for (const auto& h : {*a, *b}) {
    HttpRequestView v;
    v.method = "GET";
    v.target_uri = uri;
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Signature-Input", h.signature_input}, {"Signature", h.signature}};
    v.fields = LookupIn(fields);
    auto verified = VerifyRequestSignature(
        v, 1700000000, [&](std::string_view) { return std::optional<PublicKey>(key.Public()); });
    INFO(verified.status().message());
    CHECK(verified.ok());
  }
}

}  // namespace
}  // namespace probity::httpsig
