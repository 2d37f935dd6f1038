#include "wix/backinstock/webhooks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <charconv>

#include <nlohmann/json.hpp>

#include "codec.h"
#include "encoding.h"
#include "untrusted_json.h"

namespace wix::backinstock::webhooks {

using nlohmann::json;
using Reason = WebhookError::Reason;

WebhookError::WebhookError(Reason reason, const std::string& message)
    : Error("webhook rejected: " + message), reason_(reason) {}

struct Verifier::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

EVP_PKEY* read_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

// PEM blocks in `text` ("-----BEGIN ..."): a key text must hold exactly one.
std::size_t pem_blocks(std::string_view text) {
  std::size_t n = 0;
  for (auto at = text.find("-----BEGIN"); at != std::string_view::npos;
       at = text.find("-----BEGIN", at + 1)) {
    ++n;
  }
  return n;
}

void check_one_block(std::string_view pem) {
  if (std::size_t n = pem_blocks(pem); n > 1) {
    throw WebhookError(WebhookError::Reason::kInvalidKey,
                       "the key text holds " + std::to_string(n) +
                           " PEM blocks; give exactly one, the app's public key");
  }
}

EVP_PKEY* read_key(std::string_view text) {
  if (text.find("-----BEGIN") != std::string_view::npos) {
    check_one_block(text);
    return read_pem(text);
  }
  // Base64-wrapped: a PEM block, or the DER of one.
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  std::string decoded;
  if (compact.empty() || !internal::base64url_decode(compact, decoded)) return nullptr;
  if (decoded.find("-----BEGIN") != std::string::npos) {
    check_one_block(decoded);
    return read_pem(decoded);
  }
  const auto* der = reinterpret_cast<const unsigned char*>(decoded.data());
  return d2i_PUBKEY(nullptr, &der, static_cast<long>(decoded.size()));
}

[[noreturn]] void malformed(const std::string& what) {
  throw WebhookError(Reason::kMalformed, what);
}

// Only the canonical spelling (RFC 7515: base64url, no padding, zero unused bits) is accepted, so
// one signature has exactly one valid token.
std::string decode_part(std::string_view part, const char* name) {
  std::string out;
  if (part.empty() || !internal::base64url_decode_canonical(part, out)) {
    malformed(std::string("the JWS ") + name + " is not canonical base64url");
  }
  return out;
}

json parse_object(std::string_view text, const std::string& where) {
  internal::UntrustedJson parsed = internal::parse_untrusted(text);
  if (!parsed.ok()) malformed(where + " is " + parsed.problem);
  if (!parsed.value.is_object()) malformed(where + " is not a JSON object");
  return std::move(parsed.value);
}

// A member that may arrive as an object or as a string holding JSON.
json nested_object(const json& parent, const char* key, const std::string& where, bool required) {
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    if (required) malformed(where + " is missing");
    return json::object();
  }
  if (it->is_object()) return *it;
  if (it->is_string()) return parse_object(it->get<std::string>(), where);
  malformed(where + " is neither an object nor a JSON string");
}

std::string text(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> int64_of(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    malformed(std::string(key) + " is beyond the int64 range");
  }
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) malformed(std::string(key) + " is not an integer");
  const std::string s = it->get<std::string>();
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    malformed(std::string(key) + " is not an int64 string");
  }
  return value;
}

}  // namespace

Verifier::Verifier(std::string_view public_key) {
  auto key = std::make_shared<Key>();
  key->pkey = read_key(public_key);
  if (key->pkey == nullptr)
    throw WebhookError(Reason::kInvalidKey, "the public key cannot be read");
  if (EVP_PKEY_base_id(key->pkey) != EVP_PKEY_RSA) {
    throw WebhookError(Reason::kInvalidKey, "the public key is not an RSA key");
  }
  // A weak key makes the signature worthless: under 2048 bits it can be factored, and with an
  // exponent of 1 a token verifies without any private key.
  if (int bits = EVP_PKEY_get_bits(key->pkey); bits < kMinKeyBits) {
    throw WebhookError(Reason::kInvalidKey, "the RSA key has " + std::to_string(bits) +
                                                " bits; at least " + std::to_string(kMinKeyBits) +
                                                " are required");
  }
  BIGNUM* exponent = nullptr;
  if (EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, &exponent) != 1) {
    throw WebhookError(Reason::kInvalidKey, "the RSA key's public exponent cannot be read");
  }
  const bool usable = BN_is_odd(exponent) == 1 && BN_num_bits(exponent) >= 17;  // >= 65537
  BN_free(exponent);
  if (!usable) {
    throw WebhookError(Reason::kInvalidKey,
                       "the RSA key's public exponent is weak; an odd exponent of at least "
                       "65537 is required");
  }
  key_ = std::move(key);
}

Event Verifier::verify(std::string_view body) const {
  return verify(body, std::chrono::system_clock::now());
}

Event Verifier::verify(std::string_view body, std::chrono::system_clock::time_point now) const {
  if (body.size() > kMaxBodyBytes) {
    malformed("the body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  auto first = body.find('.');
  auto second = first == std::string_view::npos ? first : body.find('.', first + 1);
  if (second == std::string_view::npos || body.find('.', second + 1) != std::string_view::npos) {
    malformed("the body is not a compact JWS (header.payload.signature)");
  }
  std::string_view header_part = body.substr(0, first);
  std::string_view payload_part = body.substr(first + 1, second - first - 1);
  std::string_view signature_part = body.substr(second + 1);

  json header = parse_object(decode_part(header_part, "header"), "the JWS header");
  if (text(header, "alg") != "RS256") {
    throw WebhookError(Reason::kUnsupportedAlgorithm, "alg must be RS256");
  }
  // RFC 7515 4.1.11: critical extensions this verifier does not understand make the token invalid.
  if (header.contains("crit")) malformed("the JWS header has critical extensions (crit)");
  std::string signature = decode_part(signature_part, "signature");
  std::string_view signing_input = body.substr(0, second);

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw WebhookError(Reason::kBadSignature, "cannot allocate a digest context");
  bool valid = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey) == 1 &&
               EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                                signature.size(),
                                reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!valid) throw WebhookError(Reason::kBadSignature, "the signature does not verify");

  json claims = parse_object(decode_part(payload_part, "payload"), "the JWT payload");
  // Compared in seconds as doubles: an `exp` centuries ahead must not overflow a nanosecond clock.
  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  if (auto exp = claims.find("exp"); exp != claims.end() && !exp->is_null()) {
    if (!exp->is_number()) malformed("exp is not a number");
    if (now_seconds >= exp->get<double>()) {
      throw WebhookError(Reason::kExpired, "the token has expired");
    }
  }
  if (auto nbf = claims.find("nbf"); nbf != claims.end() && !nbf->is_null()) {
    if (!nbf->is_number()) malformed("nbf is not a number");
    if (now_seconds < nbf->get<double>()) {
      throw WebhookError(Reason::kNotYetValid, "the token is not valid yet (nbf)");
    }
  }
  json envelope = nested_object(claims, "data", "the data claim", true);
  Event event;
  EventMetadata& m = event.metadata;
  m.event_type = text(envelope, "eventType");
  if (m.event_type == kCreatedEventType) {
    event.type = EventType::kCreated;
  } else if (m.event_type == kUpdatedEventType) {
    event.type = EventType::kUpdated;
  } else if (m.event_type == kDeletedEventType) {
    event.type = EventType::kDeleted;
  } else {
    throw WebhookError(Reason::kUnknownEventType,
                       "unknown event type \"" + m.event_type.substr(0, 150) + "\"");
  }
  m.instance_id = text(envelope, "instanceId");
  json identity = nested_object(envelope, "identity", "the identity", false);
  m.identity = {text(identity, "identityType"), text(identity, "anonymousVisitorId"),
                text(identity, "memberId"), text(identity, "wixUserId"), text(identity, "appId")};
  json account = nested_object(envelope, "accountInfo", "accountInfo", false);
  m.account_info = {text(account, "accountId"), text(account, "parentAccountId"),
                    text(account, "siteId")};

  json domain = nested_object(envelope, "data", "the domain event", true);
  m.event_id = text(domain, "id");
  m.entity_id = text(domain, "entityId");
  m.entity_fqdn = text(domain, "entityFqdn");
  m.slug = text(domain, "slug");
  m.originated_from = text(domain, "originatedFrom");
  m.event_time_text = text(domain, "eventTime");
  if (!m.event_time_text.empty()) m.event_time = parse_timestamp(m.event_time_text);
  m.entity_event_sequence = int64_of(domain, "entityEventSequence");
  if (auto it = domain.find("triggeredByAnonymizeRequest");
      it != domain.end() && it->is_boolean()) {
    m.triggered_by_anonymize_request = it->get<bool>();
  }

  try {
    switch (event.type) {
      case EventType::kCreated: {
        json created = nested_object(domain, "createdEvent", "createdEvent", true);
        event.entity = internal::decode_notification_request(
            nested_object(created, "entity", "createdEvent.entity", true));
        break;
      }
      case EventType::kUpdated: {
        json updated = nested_object(domain, "updatedEvent", "updatedEvent", true);
        event.entity = internal::decode_notification_request(
            nested_object(updated, "currentEntity", "updatedEvent.currentEntity", true));
        event.modified_fields =
            nested_object(updated, "modifiedFields", "modifiedFields", false).dump();
        break;
      }
      case EventType::kDeleted: {
        json deleted = nested_object(domain, "deletedEvent", "deletedEvent", false);
        json entity = nested_object(deleted, "deletedEntity", "deletedEvent.deletedEntity", false);
        if (!entity.empty()) event.entity = internal::decode_notification_request(entity);
        break;
      }
    }
  } catch (const internal::MalformedBody& e) {
    malformed(std::string("the entity cannot be read: ") + e.what());
  }
  return event;
}

}  // namespace wix::backinstock::webhooks
