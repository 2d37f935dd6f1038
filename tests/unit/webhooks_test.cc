// Webhook verification: the fixtures decode; forged, expired and malformed bodies are rejected.

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "webhook_signer.h"
#include "wix/backinstock/webhooks.h"

namespace wix::backinstock::webhooks {
namespace {

using emulator::base64url;
using emulator::WebhookSigner;
using nlohmann::json;
using test_support::read_fixture;
using Reason = WebhookError::Reason;

Verifier fixture_verifier() { return Verifier(read_fixture("webhook/test-only.public-key.pem")); }

Reason rejection(const Verifier& v, const std::string& body,
                 std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  try {
    v.verify(body, now);
  } catch (const WebhookError& e) {
    EXPECT_EQ(std::string(e.what()).find(body.substr(0, 40)), std::string::npos)
        << "message quotes the token";
    return e.reason();
  }
  ADD_FAILURE() << "accepted";
  return Reason::kInvalidKey;
}

TEST(WebhooksTest, CreatedFixtureDecodes) {
  auto event = fixture_verifier().verify(read_fixture("webhook/created.jwt"));
  EXPECT_EQ(event.type, EventType::kCreated);
  const auto& m = event.metadata;
  EXPECT_EQ(m.event_type, kCreatedEventType);
  EXPECT_EQ(m.event_id, "e1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8");
  EXPECT_EQ(m.entity_id, "6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f");
  EXPECT_EQ(m.instance_id, "b4c3d2e1-f0a9-4887-9766-554433221100");
  EXPECT_EQ(m.slug, "created");
  EXPECT_EQ(m.entity_event_sequence, 1);
  ASSERT_TRUE(m.event_time.has_value());
  EXPECT_EQ(format_timestamp(*m.event_time), "2024-03-14T09:26:53.812Z");
  EXPECT_EQ(m.identity.identity_type, "ANONYMOUS_VISITOR");
  EXPECT_EQ(m.identity.anonymous_visitor_id, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9");
  EXPECT_EQ(m.account_info.account_id, "c0ffee00-1234-4abc-8def-0123456789ab");
  EXPECT_EQ(m.account_info.site_id, "0d1c2b3a-4958-4a6b-8c7d-e9f0a1b2c3d4");
  EXPECT_EQ(m.triggered_by_anonymize_request, false);
  ASSERT_TRUE(event.entity.has_value());
  EXPECT_EQ(event.entity->email, "jane.doe@example.com");
  EXPECT_EQ(event.entity->status, Status::kReceived);
  EXPECT_EQ(event.entity->catalog_reference.options(),
            JsonObject({{"variantId", "00000000-0000-0000-0000-000000000000"}}));
}

TEST(WebhooksTest, UpdatedAndDeletedFixturesDecode) {
  auto updated = fixture_verifier().verify(read_fixture("webhook/updated.jwt"));
  EXPECT_EQ(updated.type, EventType::kUpdated);
  EXPECT_EQ(updated.metadata.entity_event_sequence, 2);
  EXPECT_EQ(updated.metadata.identity.identity_type, "APP");
  EXPECT_EQ(updated.metadata.identity.app_id, "8f1e2d3c-4b5a-4697-8a7b-6c5d4e3f2a1b");
  ASSERT_TRUE(updated.entity.has_value());
  EXPECT_EQ(updated.entity->status, Status::kNotificationSent);
  EXPECT_EQ(updated.entity->auto_notified, true);

  auto deleted = fixture_verifier().verify(read_fixture("webhook/deleted.jwt"));
  EXPECT_EQ(deleted.type, EventType::kDeleted);
  EXPECT_EQ(deleted.metadata.entity_id, "6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f");
  EXPECT_EQ(deleted.metadata.entity_event_sequence, 3);
  EXPECT_FALSE(deleted.entity.has_value());  // deletedEvent is {}
}

TEST(WebhooksTest, BadSignatureIsRejected) {
  EXPECT_EQ(rejection(fixture_verifier(), read_fixture("webhook/created.bad-signature.jwt")),
            Reason::kBadSignature);
  // A token signed by another key.
  auto other = WebhookSigner::generate();
  auto body = other.sign_event(kCreatedEventType, "i", read_fixture("webhook/created.data.json"),
                               "{}", 0, 0);
  EXPECT_EQ(rejection(fixture_verifier(), body), Reason::kBadSignature);
  // A payload swapped under a valid signature.
  auto jwt = read_fixture("webhook/created.jwt");
  auto updated = read_fixture("webhook/updated.jwt");
  auto spliced = jwt.substr(0, jwt.find('.')) +
                 updated.substr(updated.find('.'), updated.rfind('.') - updated.find('.')) +
                 jwt.substr(jwt.rfind('.'));
  EXPECT_EQ(rejection(fixture_verifier(), spliced), Reason::kBadSignature);
}

TEST(WebhooksTest, ForgedAlgorithmsAreRejected) {
  std::string payload = R"({"data":"{}","iat":1})";
  // alg none, with and without a signature part.
  std::string none = base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(payload) + ".";
  EXPECT_EQ(rejection(fixture_verifier(), none), Reason::kUnsupportedAlgorithm);
  // HS256 keyed with the public key text (the classic confusion attack).
  std::string key = read_fixture("webhook/test-only.public-key.pem");
  std::string input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  std::string hs256 = input + "." + base64url(std::string(reinterpret_cast<char*>(mac), mac_len));
  EXPECT_EQ(rejection(fixture_verifier(), hs256), Reason::kUnsupportedAlgorithm);
  for (const char* alg :
       {R"({"alg":"RS512"})", R"({"alg":"rs256"})", R"({"typ":"JWT"})", R"({"alg":null})"}) {
    EXPECT_EQ(rejection(fixture_verifier(), base64url(alg) + "." + base64url(payload) + ".c2ln"),
              Reason::kUnsupportedAlgorithm)
        << alg;
  }
}

TEST(WebhooksTest, ExpiredTokensAreRejected) {
  auto signer = WebhookSigner::generate();
  Verifier verifier(signer.public_key_pem());
  auto body = signer.sign_event(kCreatedEventType, "i", read_fixture("webhook/created.data.json"),
                                "{}", 1000, 2000);
  auto at = [](long long s) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(s));
  };
  EXPECT_NO_THROW(verifier.verify(body, at(1999)));
  EXPECT_EQ(rejection(verifier, body, at(2000)), Reason::kExpired);
  EXPECT_EQ(rejection(verifier, body), Reason::kExpired);
}

TEST(WebhooksTest, MalformedNestingIsRejectedAtEveryLevel) {
  auto signer = WebhookSigner::generate();
  Verifier verifier(signer.public_key_pem());
  auto signed_claims = [&](const std::string& claims) {
    return signer.sign(R"({"alg":"RS256"})", claims);
  };
  std::string domain = read_fixture("webhook/created.data.json");
  auto envelope = [&](const json& data) {
    return json{
        {"instanceId", "i"}, {"eventType", kCreatedEventType}, {"identity", "{}"}, {"data", data}}
        .dump();
  };
  for (const std::string& body :
       {std::string("not a token"), std::string("a.b"), std::string("a.b.c.d"),
        std::string("!!.!!.!!"), base64url("not json") + "." + base64url("{}") + ".x",
        signed_claims("not json"), signed_claims("[]"), signed_claims(R"({"iat":1})"),
        signed_claims(R"({"data":"not json"})"), signed_claims(R"({"data":5})"),
        signed_claims(json{{"data", envelope("not json")}}.dump()),
        signed_claims(json{{"data", envelope(json::array())}}.dump()),
        signed_claims(json{{"data", envelope(R"({"createdEvent":{"entity":"not json"}})")}}.dump()),
        signed_claims(json{{"data", envelope(R"({"createdEvent":{}})")}}.dump()),
        signed_claims(json{
            {"data", envelope(R"({"entityEventSequence":"12x","createdEvent":{"entity":{}}})")}}
                          .dump()),
        signed_claims(R"({"data":"{}","exp":"tomorrow"})")}) {
    EXPECT_EQ(rejection(verifier, body), Reason::kMalformed) << body.substr(0, 80);
  }
  // Entities may arrive as objects or as JSON strings.
  auto as_object = signed_claims(json{{"data", envelope(domain)}}.dump());
  EXPECT_EQ(verifier.verify(as_object).entity->email, "jane.doe@example.com");
}

TEST(WebhooksTest, DatesTheClockCannotHoldAreKeptAsTextNeverMisread) {
  auto signer = WebhookSigner::generate();
  Verifier verifier(signer.public_key_pem());
  json domain = json::parse(read_fixture("webhook/created.data.json"));
  domain["eventTime"] = "9999-12-31T23:59:59.000Z";
  json entity = domain["createdEvent"]["entity"].is_string()
                    ? json::parse(domain["createdEvent"]["entity"].get<std::string>())
                    : domain["createdEvent"]["entity"];
  entity["createdDate"] = "0001-01-01T00:00:00.000Z";
  domain["createdEvent"]["entity"] = entity;
  auto body = signer.sign_event(kCreatedEventType, "i", domain.dump(), "{}", 0, 0);
  auto event = verifier.verify(body);
  EXPECT_FALSE(event.metadata.event_time.has_value())
      << format_timestamp(*event.metadata.event_time);
  EXPECT_EQ(event.metadata.event_time_text, "9999-12-31T23:59:59.000Z");
  ASSERT_TRUE(event.entity.has_value());
  EXPECT_FALSE(event.entity->created_date.has_value())
      << format_timestamp(*event.entity->created_date);
  EXPECT_EQ(event.entity->created_date_text, "0001-01-01T00:00:00.000Z");
}

TEST(WebhooksTest, UnknownEventTypesAreReportedAsSuch) {
  auto signer = WebhookSigner::generate();
  Verifier verifier(signer.public_key_pem());
  auto body = signer.sign_event("wix.stores.v1.product_created", "i", "{}", "{}", 0, 0);
  EXPECT_EQ(rejection(verifier, body), Reason::kUnknownEventType);
}

TEST(WebhooksTest, KeysArePemOrBase64WrappedPem) {
  std::string pem = read_fixture("webhook/test-only.public-key.pem");
  std::string wrapped;
  {
    static constexpr char kStd[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned acc = 0;
    int bits = 0;
    for (unsigned char c : pem) {
      acc = (acc << 8) | c;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        wrapped.push_back(kStd[(acc >> bits) & 63]);
      }
    }
    if (bits > 0) wrapped.push_back(kStd[(acc << (6 - bits)) & 63]);
    while (wrapped.size() % 4) wrapped.push_back('=');
  }
  Verifier from_wrapped(wrapped);
  EXPECT_EQ(from_wrapped.verify(read_fixture("webhook/created.jwt")).type, EventType::kCreated);
  for (const char* bad :
       {"", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}) {
    try {
      Verifier v{bad};
      ADD_FAILURE() << bad;
    } catch (const WebhookError& e) {
      EXPECT_EQ(e.reason(), Reason::kInvalidKey);
    }
  }
}

}  // namespace
}  // namespace wix::backinstock::webhooks
