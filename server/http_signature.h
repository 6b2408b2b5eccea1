// HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530) for the
// server's signed requests (docs/interface.md, "The server"): strict parsing of
// the Signature-Input, Signature and Content-Digest fields (RFC 8941 structured
// fields), the signature base (RFC 9421 section 2.5), Ed25519 verification, the
// server's policy, and the client side that signs a request. No HTTP library:
// the caller describes the request as an HttpRequestView.
//
// Layers, each usable alone (the RFC's own examples use key ids such as
// "test-key-ed25519" that the policy refuses, so they are tested one layer down):
//   ParseSignatureInput / ParseSignatureField   the two fields, RFC 9421 syntax only
//   BuildSignatureBase / VerifySignatureBase    RFC 9421 section 2.5 and Ed25519
//   CheckSignaturePolicy / CheckContentDigest   this server's rules, RFC 9530
//   VerifyRequestSignature / SignRequest        all of the above, for server and client
//
// Every failure is a Status, never an exception: Invalid for a malformed or
// incomplete request, Refused for a well-formed one that is not accepted (the
// server answers 401 to both). Messages say what is wrong and where, and quote
// at most a short, printable excerpt of the request.
// Pure functions over values; thread-safe. The FieldLookup and KeyLookup
// callbacks are called on the calling thread only and must not throw.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/status.h"

namespace probity::httpsig {

// Policy (docs/interface.md): Ed25519 only, `created` within five minutes of
// the server's clock in either direction.
inline constexpr std::string_view kAlgorithm = "ed25519";
inline constexpr int64_t kMaxClockSkewSeconds = 300;
// The label SignRequest gives its signature.
inline constexpr std::string_view kSignatureLabel = "sig1";

// Bounds on hostile input, far above what a real client sends.
inline constexpr size_t kMaxFieldBytes =
    4096;                                 // a combined Signature-Input, Signature or Content-Digest
inline constexpr size_t kMaxMembers = 8;  // labels, or digest algorithms, in one field
inline constexpr size_t kMaxComponents = 32;  // covered components of one signature
inline constexpr size_t kMaxParameters = 16;  // parameters on one item or inner list
inline constexpr size_t kMaxSignatureBaseBytes = 65536;

// The values of every field line called `lower_name` (a lower-case field name),
// in the order received; empty if there is none. Values may carry surrounding
// spaces or tabs (they are trimmed); obs-fold must already be gone.
using FieldLookup = std::function<std::vector<std::string>(std::string_view lower_name)>;

// A request as the signature sees it.
struct HttpRequestView {
  std::string method;  // as received, case-sensitive ("POST")
  // The absolute target URI: scheme "://" authority [path] ["?" query], no
  // fragment; the server builds it from its scheme, the Host header and the
  // origin-form request target ("https://example.com/v1/events?x=1").
  std::string target_uri;
  FieldLookup fields;     // may be empty: no fields
  std::string_view body;  // the content as received (transfer coding removed)
};

// (name, value) pairs, as an HTTP library or a test holds them.
using FieldList = std::vector<std::pair<std::string, std::string>>;
// A FieldLookup over a copy of `fields`, matching names case-insensitively.
FieldLookup LookupIn(FieldList fields);

// One signature's metadata: a member of Signature-Input, syntax-checked
// against RFC 9421 and RFC 8941 but not yet against this server's policy.
struct SignatureInput {
  std::string label;
  // Covered component names, in order: derived ("@method") or lower-case field
  // names ("content-digest"). Component parameters (;sf ;key ;bs ;req ;tr
  // ;name) are not supported and refused when parsing.
  std::vector<std::string> components;
  std::optional<int64_t> created, expires;
  std::optional<std::string> keyid, alg, nonce, tag;
  // The "@signature-params" value: the member's inner list and parameters in
  // RFC 8941 strict serialization, in the order received.
  std::string signature_params;
};

// Parses a Signature-Input value (field lines joined with ", "): an RFC 8941
// Dictionary whose members are inner lists of Strings with the parameters
// created and expires (non-negative Integers) and keyid, alg, nonce and tag
// (Strings). Invalid for any syntax error, a value over kMaxFieldBytes or over
// the member, component or parameter bounds, a duplicate label or parameter (RFC
// 8941 would let the last one win; here that is an error), an unknown
// parameter, a component that is not a String, has parameters, is
// "@signature-params", is listed twice, or is neither "@name" nor a lower-case
// field name.
Result<std::vector<SignatureInput>> ParseSignatureInput(std::string_view field_value);

struct SignatureValue {
  std::string label;
  Bytes signature;
};
// Parses a Signature value: a Dictionary of Byte Sequences (":base64:", padded
// canonical base64), with the same bounds and duplicate rule.
Result<std::vector<SignatureValue>> ParseSignatureField(std::string_view field_value);

// The component value of one covered component (RFC 9421 section 2): @method,
// @target-uri, @authority (lower-cased, default port dropped), @scheme
// (lower-cased), @path ("/" when empty), @query ("?" when absent) and
// @request-target (origin form), or a field's lines, each trimmed of spaces and
// tabs, joined with ", ". Invalid for @query-param (not supported), @status
// (responses only), other unknown derived names, a malformed method or target
// URI, a field that is absent, or a value with control or non-ASCII characters.
Result<std::string> ComponentValue(const HttpRequestView& request, std::string_view component);

// The signature base of RFC 9421 section 2.5: one line `"name": value` per
// covered component, then `"@signature-params": ` + input.signature_params,
// with no final newline. Fails as ComponentValue does, or when the base would
// exceed kMaxSignatureBaseBytes.
Result<std::string> BuildSignatureBase(const HttpRequestView& request, const SignatureInput& input);

// Ok if `signature` is a valid Ed25519 signature of `base` by `key`; Refused
// otherwise (including a signature that is not 64 bytes).
Status VerifySignatureBase(std::string_view base, ByteSpan signature, const PublicKey& key);

// RFC 9530: the Content-Digest value for `body`, "sha-256=:<base64>:".
std::string ContentDigestFor(std::string_view body);

// Checks a Content-Digest value (field lines joined with ", ") against `body`:
// it must hold a sha-256 Byte Sequence of 32 bytes equal to SHA-256(body); a
// sha-512 digest, if present too, must be 64 bytes equal to SHA-512(body);
// other algorithms are ignored. Invalid for malformed values, Refused for a
// digest that does not match or for no sha-256 digest at all.
Status CheckContentDigest(std::string_view field_value, std::string_view body);

// This server's policy for one signature: alg, if present, is "ed25519"; keyid
// is present and 64 lower-case hex digits (a key id, docs/formats.md); created
// is present and within kMaxClockSkewSeconds of `now_unix_seconds` either way;
// expires, if present, is not before created and not past; the components
// include "@method" and "@target-uri", and "content-digest" when `body` is not
// empty. Invalid for a missing or malformed keyid or created, Refused otherwise.
Status CheckSignaturePolicy(const SignatureInput& input, std::string_view body,
                            int64_t now_unix_seconds);

// The key registered, and not revoked, under a key id (64 lower-case hex
// digits), or nullopt.
using KeyLookup = std::function<std::optional<PublicKey>(std::string_view keyid_hex)>;

struct VerifiedSignature {
  std::string label;
  std::string keyid;  // 64 lower-case hex digits; equals HexEncode(key.KeyId())
  PublicKey key;
  int64_t created;
  std::optional<int64_t> expires;
  std::vector<std::string> components;
  std::string base;  // the signature base that verified (RFC 9421 section 2.5)
  Bytes signature;   // the Ed25519 signature of `base`
};

// Verifies a signed request, as the server does before anything else: reads
// Signature-Input and Signature (Invalid when either is missing), requires
// exactly one signature with the same label in both fields (Invalid when a
// label is in one field only, Refused when there are several), applies
// CheckSignaturePolicy, looks the key up (Refused when unknown), rebuilds the
// base, verifies the Ed25519 signature (Refused when it does not verify) and,
// when content-digest is covered, checks it against the body with
// CheckContentDigest.
Result<VerifiedSignature> VerifyRequestSignature(const HttpRequestView& request,
                                                 int64_t now_unix_seconds,
                                                 const KeyLookup& lookup_key);

// The header values a client adds to a request it signs.
struct SignedRequestHeaders {
  std::string signature_input;  // Signature-Input
  std::string signature;        // Signature
  std::string content_digest;   // Content-Digest; empty (send no header) when the body is empty
};

// Signs a request as this server requires, under the label "sig1": covers
// "@method", "@target-uri" and, when `body` is not empty, "content-digest"
// (sha-256, computed here); parameters created=now, keyid=<hex key id>,
// alg="ed25519" and, when given, nonce (Ed25519 is deterministic: without a nonce the
// same request signed twice in one second is the same signature, which the server
// refuses as a replay). Invalid if the method is not an HTTP token or the target URI
// is malformed.
Result<SignedRequestHeaders> SignRequest(std::string_view method, std::string_view target_uri,
                                         std::string_view body, const PrivateKey& key,
                                         int64_t now_unix_seconds,
                                         const std::optional<std::string>& nonce = std::nullopt);

}  // namespace probity::httpsig
