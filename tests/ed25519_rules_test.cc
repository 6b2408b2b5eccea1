// The ledger's Ed25519 rule (ledger/crypto.h, docs/formats.md §3), pinned on public edge
// cases: PublicKey::Verify (libsodium after ed25519::StrictEncoding) gives each case its
// expected verdict, and OpenSSL with the same StrictEncoding gives the same verdict, so no
// signature is valid to one verifier and not to the other. Then the same agreement on
// random keys, messages and single-bit corruptions (an independent implementation as the
// oracle, not a list of examples). Vectors: tests/vectors/ed25519/README.txt.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/json.h"

namespace probity {
namespace {

struct Case {
  std::string name;
  Bytes message, key, signature;
  bool expected = false;  // under the ledger's rule
};

std::string Vectors(const std::string& name) {
  std::ifstream in(std::string(PROBITY_VECTORS_DIR) + "/ed25519/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Bytes Hex(std::string_view text) {
  auto bytes = HexDecode(text);
  REQUIRE(bytes.ok());
  return *bytes;
}

// The three verdicts on one case: the ledger's, libsodium's alone, and OpenSSL's with the
// ledger's byte rule. A key that OpenSSL will not even import is refused by both.
struct Verdicts {
  bool ledger = false, sodium = false, openssl_strict = false;
};
Verdicts Judge(const Case& c) {
  Verdicts v;
  auto key = PublicKey::FromRaw(c.key);
  if (!key.ok()) return v;
  v.ledger = key->Verify(c.message, c.signature);
  v.sodium = ed25519::VerifySodium(*key, c.message, c.signature);
  v.openssl_strict = ed25519::StrictEncoding(c.key, c.signature) &&
                     ed25519::VerifyOpenSsl(*key, c.message, c.signature);
  return v;
}

void CheckAll(const std::vector<Case>& cases) {
  REQUIRE(!cases.empty());
  for (const auto& c : cases) {
    INFO(c.name);
    Verdicts v = Judge(c);
    CHECK(v.ledger == c.expected);
    CHECK(v.sodium == v.ledger);
    CHECK(v.openssl_strict == v.ledger);
  }
}

TEST_CASE(
    "ed25519: the 12 speccheck cases (small-order and mixed-order points, cofactored "
    "equation, S >= L, non-canonical A and R): only case 3 verifies, in both libraries",
    "[ed25519]") {
  json::Parser parser;
  auto doc = parser.Parse(Vectors("speccheck_cases.json"));
  REQUIRE(doc.ok());
  json::Array items;
  REQUIRE(doc->get(items) == simdjson::SUCCESS);
  std::vector<Case> cases;
  for (auto item : items) {
    std::string_view m, k, s;
    REQUIRE(item["message"].get(m) == simdjson::SUCCESS);
    REQUIRE(item["pub_key"].get(k) == simdjson::SUCCESS);
    REQUIRE(item["signature"].get(s) == simdjson::SUCCESS);
    size_t index = cases.size();
    cases.push_back({"speccheck " + std::to_string(index), Hex(m), Hex(k), Hex(s), index == 3});
  }
  CHECK(cases.size() == 12);
  CheckAll(cases);
}

TEST_CASE("ed25519: every Wycheproof case verifies exactly when it is valid, in both libraries",
          "[ed25519]") {
  json::Parser parser;
  auto doc = parser.Parse(Vectors("wycheproof_ed25519_test.json"));
  REQUIRE(doc.ok());
  json::Array groups;
  REQUIRE((*doc)["testGroups"].get(groups) == simdjson::SUCCESS);
  std::vector<Case> cases;
  size_t valid = 0;
  for (auto group : groups) {
    std::string_view pk;
    REQUIRE(group["publicKey"]["pk"].get(pk) == simdjson::SUCCESS);
    json::Array tests;
    REQUIRE(group["tests"].get(tests) == simdjson::SUCCESS);
    for (auto test : tests) {
      int64_t id = 0;
      std::string_view msg, sig, result;
      REQUIRE(test["tcId"].get(id) == simdjson::SUCCESS);
      REQUIRE(test["msg"].get(msg) == simdjson::SUCCESS);
      REQUIRE(test["sig"].get(sig) == simdjson::SUCCESS);
      REQUIRE(test["result"].get(result) == simdjson::SUCCESS);
      REQUIRE((result == "valid" || result == "invalid"));
      valid += result == "valid";
      cases.push_back({"wycheproof tcId " + std::to_string(id), Hex(msg), Hex(pk), Hex(sig),
                       result == "valid"});
    }
  }
  CHECK(cases.size() == 150);
  CHECK(valid == 88);
  CheckAll(cases);
}

TEST_CASE(
    "ed25519: the constructed edge cases (S = L, S + L, small and mixed order, y = p, "
    "negative zero, off the curve) get the strict rule's verdict, in both libraries",
    "[ed25519]") {
  json::Parser parser;
  auto doc = parser.Parse(Vectors("extra_cases.json"));
  REQUIRE(doc.ok());
  json::Array items;
  REQUIRE((*doc)["cases"].get(items) == simdjson::SUCCESS);
  std::vector<Case> cases;
  size_t accepted = 0;
  for (auto item : items) {
    std::string_view name, m, k, s;
    bool strict = false;
    REQUIRE(item["name"].get(name) == simdjson::SUCCESS);
    REQUIRE(item["message"].get(m) == simdjson::SUCCESS);
    REQUIRE(item["pub_key"].get(k) == simdjson::SUCCESS);
    REQUIRE(item["signature"].get(s) == simdjson::SUCCESS);
    REQUIRE(item["expected"]["strict"].get(strict) == simdjson::SUCCESS);
    accepted += strict;
    cases.push_back({std::string(name), Hex(m), Hex(k), Hex(s), strict});
  }
  CHECK(cases.size() == 25);
  CHECK(accepted == 3);  // honest, and the two mixed-order cases the plain equation accepts
  CheckAll(cases);
}

TEST_CASE(
    "ed25519: on random keys and messages, libsodium (the ledger) and OpenSSL agree on every "
    "valid signature and every single-bit corruption of signature, message or key",
    "[ed25519]") {
  std::mt19937_64 random(20261130);
  auto bytes = [&](size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(random());
    return b;
  };
  size_t accepted = 0, refused = 0;
  for (int round = 0; round < 1500; ++round) {
    auto key = PrivateKey::FromSeed(bytes(32));
    REQUIRE(key.ok());
    Bytes message = bytes(random() % 200);
    Bytes signature = key->Sign(message);
    const PublicKey& pub = key->Public();
    REQUIRE(pub.Verify(message, signature));
    REQUIRE(ed25519::VerifyOpenSsl(pub, message, signature));
    ++accepted;
    // One bit flipped in the signature, in the message, or in the key.
    for (int flip = 0; flip < 3; ++flip) {
      Bytes sig = signature, msg = message;
      Bytes raw(pub.raw().begin(), pub.raw().end());
      Bytes& target = flip == 0 ? sig : flip == 1 ? msg : raw;
      if (target.empty()) continue;
      size_t bit = random() % (target.size() * 8);
      target[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      Case c{"round " + std::to_string(round) + " flip " + std::to_string(flip), msg, raw, sig,
             false};
      Verdicts v = Judge(c);
      INFO(c.name);
      CHECK(v.sodium == v.ledger);
      CHECK(v.openssl_strict == v.ledger);
      CHECK_FALSE(v.ledger);  // a flipped bit never leaves a valid signature
      ++refused;
    }
  }
  CHECK(accepted == 1500);
  CHECK(refused >= 4000);
}

}  // namespace
}  // namespace probity
