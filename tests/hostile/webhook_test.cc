// Webhook tokens that are validly signed but hostile, or spelled in ways a strict verifier refuses:
// `nbf` ahead, unknown critical headers, non-canonical base64url, huge `exp`, sequence overflow.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>

#include "webhook_signer.h"
#include "wix/backinstock/webhooks.h"

namespace wix::backinstock::webhooks {
namespace {

using Reason = WebhookError::Reason;
using nlohmann::json;

const emulator::WebhookSigner& signer() {
  static const auto kSigner = emulator::WebhookSigner::generate();
  return kSigner;
}

const char* const kHeader = R"({"alg":"RS256","typ":"JWT"})";

// Claims of a created event; `domain_extra` is spliced into the domain event.
json claims(const std::string& domain_extra = "") {
  std::string domain = R"({"id":"e1","entityId":"r1")" + domain_extra +
                       R"(,"createdEvent":{"entity":{"id":"r1","email":"a@example.com"}}})";
  json envelope = {
      {"instanceId", "i1"}, {"eventType", kCreatedEventType}, {"identity", "{}"}, {"data", domain}};
  return {{"data", envelope.dump()}, {"iat", 1700000000}};
}

Reason rejection(const std::string& token) {
  Verifier verifier(signer().public_key_pem());
  try {
    verifier.verify(token);
  } catch (const WebhookError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "accepted";
  return Reason::kInvalidKey;
}

// The PEM of an RSA public key with modulus `n` (big-endian bytes of a generated key's) and
// public exponent `e`.
std::string rsa_public_pem(const BIGNUM* n, unsigned long e) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> exponent(BN_new(), BN_free);
  BN_set_word(exponent.get(), e);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build.get());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx.get());
  EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

// The modulus of a freshly generated RSA key of `bits`.
std::unique_ptr<BIGNUM, decltype(&BN_free)> modulus(unsigned int bits) {
  EVP_PKEY* key = EVP_RSA_gen(bits);
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_free(key);
  return {n, BN_free};
}

Reason refusal(const std::string& key_text) {
  try {
    Verifier verifier(key_text);
  } catch (const WebhookError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "accepted";
  return Reason::kMalformed;
}

// A key with which a token can be forged without any private key (exponent 1), or that can be
// factored (512 bits), is refused when the verifier is built, saying why.
TEST(HostileWebhookKeyTest, WeakRsaKeysAreRefusedAtConstruction) {
  const auto n2048 = modulus(2048);
  EXPECT_NO_THROW(Verifier(rsa_public_pem(n2048.get(), 65537)));
  for (unsigned long e : {1UL, 3UL, 17UL, 65538UL}) {
    SCOPED_TRACE(e);
    EXPECT_EQ(refusal(rsa_public_pem(n2048.get(), e)), Reason::kInvalidKey);
    try {
      Verifier v(rsa_public_pem(n2048.get(), e));
    } catch (const WebhookError& error) {
      EXPECT_NE(std::string(error.what()).find("exponent"), std::string::npos) << error.what();
    }
  }
  for (unsigned int bits : {512U, 1024U}) {
    SCOPED_TRACE(bits);
    const auto n = modulus(bits);
    EXPECT_EQ(refusal(rsa_public_pem(n.get(), 65537)), Reason::kInvalidKey);
    try {
      Verifier v(rsa_public_pem(n.get(), 65537));
    } catch (const WebhookError& error) {
      EXPECT_NE(std::string(error.what()).find("2048"), std::string::npos) << error.what();
    }
  }
}

// A key text holding several PEM key blocks is refused: taking the first silently would make the
// app's real webhooks fail verification later, far from the cause.
TEST(HostileWebhookKeyTest, AKeyTextWithSeveralPemBlocksIsRefused) {
  const auto a = modulus(2048);
  const auto b = modulus(2048);
  const std::string two = rsa_public_pem(a.get(), 65537) + rsa_public_pem(b.get(), 65537);
  EXPECT_EQ(refusal(two), Reason::kInvalidKey);
  try {
    Verifier v(two);
  } catch (const WebhookError& error) {
    EXPECT_NE(std::string(error.what()).find("2 PEM blocks"), std::string::npos) << error.what();
  }
  EXPECT_NO_THROW(Verifier(rsa_public_pem(a.get(), 65537)));
}

TEST(HostileWebhookTest, ATokenNotYetValidIsRejected) {
  json c = claims();
  c["nbf"] = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             3600;
  EXPECT_EQ(rejection(signer().sign(kHeader, c.dump())), Reason::kNotYetValid);
  c["nbf"] = 1000;  // long past: fine
  EXPECT_NO_THROW(Verifier(signer().public_key_pem()).verify(signer().sign(kHeader, c.dump())));
}

TEST(HostileWebhookTest, AnUnknownCriticalHeaderIsRejected) {
  EXPECT_EQ(rejection(signer().sign(R"({"alg":"RS256","crit":["x-wix-future"],"x-wix-future":1})",
                                    claims().dump())),
            Reason::kMalformed);
}

TEST(HostileWebhookTest, OnlyTheCanonicalBase64UrlSpellingOfASignatureIsAccepted) {
  std::string token = signer().sign(kHeader, claims().dump());
  Verifier verifier(signer().public_key_pem());
  ASSERT_NO_THROW(verifier.verify(token));
  auto dot = token.rfind('.');
  std::string head = token.substr(0, dot + 1);
  std::string signature = token.substr(dot + 1);
  // A 256-byte signature is 342 base64url characters with 4 unused bits in the last one.
  ASSERT_EQ(signature.size() % 4, 2u);
  std::set<std::string> spellings;
  spellings.insert(signature + "==");  // padded
  std::string standard = signature;
  for (auto& ch : standard) {
    if (ch == '-') ch = '+';
    if (ch == '_') ch = '/';
  }
  if (standard != signature) spellings.insert(standard);  // standard alphabet
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto last = kAlphabet.find(signature.back());
  for (std::size_t low = 1; low < 16; ++low) {  // the same bytes with non-zero unused bits
    std::string variant = signature;
    variant.back() = kAlphabet[(last & ~std::size_t{15}) | low];
    spellings.insert(variant);
  }
  for (const auto& s : spellings) {
    EXPECT_THROW(verifier.verify(head + s), WebhookError) << s.substr(s.size() - 4);
  }
}

TEST(HostileWebhookTest, AnExpiryFarAheadIsNotAnOverflow) {
  for (double exp : {9.3e9, 1e12, 1e19, 1e300}) {
    json c = claims();
    c["exp"] = exp;
    EXPECT_NO_THROW(Verifier(signer().public_key_pem()).verify(signer().sign(kHeader, c.dump())))
        << exp;
  }
  json c = claims();
  c["exp"] = -1e300;
  EXPECT_EQ(rejection(signer().sign(kHeader, c.dump())), Reason::kExpired);
}

TEST(HostileWebhookTest, ASequenceBeyondInt64IsMalformedNotWrapped) {
  for (const char* sequence : {"9223372036854775808", "\"9223372036854775808\"",
                               "18446744073709551615", "-9223372036854775809", "1.5"}) {
    EXPECT_EQ(rejection(signer().sign(
                  kHeader, claims(std::string(R"(,"entityEventSequence":)") + sequence).dump())),
              Reason::kMalformed)
        << sequence;
  }
  auto event = Verifier(signer().public_key_pem())
                   .verify(signer().sign(
                       kHeader, claims(R"(,"entityEventSequence":9223372036854775807)").dump()));
  EXPECT_EQ(event.metadata.entity_event_sequence, INT64_MAX);
}

}  // namespace
}  // namespace wix::backinstock::webhooks
