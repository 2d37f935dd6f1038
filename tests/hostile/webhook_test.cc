// Webhook tokens that are validly signed but hostile, or spelled in ways a strict verifier refuses:
// `nbf` ahead, unknown critical headers, non-canonical base64url, huge `exp`, sequence overflow.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

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
