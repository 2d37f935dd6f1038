#pragma once

/// @file webhooks.h
/// Verification and decoding of Back-in-Stock webhooks. Wix POSTs a compact JWS (RS256) as the
/// whole request body; its `data` claim holds an envelope whose `data` and `identity` are JSON
/// again, as strings. `Verifier::verify` checks the signature with the app's public key, checks
/// `exp`, unwraps every level and returns a typed `Event`.
///
///     wix::backinstock::webhooks::Verifier verifier(public_key_pem);
///     auto event = verifier.verify(request_body);   // throws WebhookError
///
/// Answer Wix with 200 promptly (within 1250 ms) and process afterwards; deduplicate on
/// `metadata.event_id`, order per entity by `metadata.entity_event_sequence`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/model.h"

namespace wix::backinstock::webhooks {

/// `eventType` of created requests.
inline constexpr char kCreatedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_created";
/// `eventType` of updated requests.
inline constexpr char kUpdatedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_updated";
/// `eventType` of deleted requests.
inline constexpr char kDeletedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_deleted";

/// A webhook body was rejected. `reason()` says why; the message never quotes the token.
class WebhookError : public Error {
 public:
  /// Why a body was rejected.
  enum class Reason {
    kInvalidKey,            ///< the public key could not be read
    kMalformed,             ///< not a JWS, or bad base64 / JSON at some nesting level
    kUnsupportedAlgorithm,  ///< `alg` is not RS256 (`none`, HS256, ...)
    kBadSignature,          ///< the signature does not verify with the key
    kExpired,               ///< `exp` is in the past
    kNotYetValid,           ///< `nbf` is in the future
    kUnknownEventType,      ///< verified, but not a Back-in-Stock notification request event
  };
  /// An error for `reason`; `message` never quotes the token.
  WebhookError(Reason reason, const std::string& message);
  /// Why the body was rejected.
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

/// Which event a webhook carries.
enum class EventType { kCreated, kUpdated, kDeleted };

/// Who caused the event (`identity`).
struct Identity {
  std::string identity_type;  ///< UNKNOWN, ANONYMOUS_VISITOR, MEMBER, WIX_USER or APP
  /// Set for ANONYMOUS_VISITOR.
  std::string anonymous_visitor_id;
  /// Set for MEMBER.
  std::string member_id;
  /// Set for WIX_USER.
  std::string wix_user_id;
  /// Set for APP.
  std::string app_id;
};

/// The Wix account of the site (`accountInfo`).
struct AccountInfo {
  /// Account ID.
  std::string account_id;
  /// Parent account ID, when any.
  std::string parent_account_id;
  /// Site ID, when any.
  std::string site_id;
};

/// Header fields of the event and its envelope.
struct EventMetadata {
  std::string event_type;  ///< e.g. `wix.ecom.v1.back_in_stock_notification_request_created`
  std::string event_id;    ///< deduplicate on this
  std::string entity_id;   ///< the notification request ID
  /// `wix.ecom.v1.back_in_stock_notification_request`.
  std::string entity_fqdn;
  std::string slug;         ///< created / updated / deleted
  std::string instance_id;  ///< the app instance (site)
  /// When the event happened; absent when the text is not a date `Timestamp` can hold.
  std::optional<Timestamp> event_time;
  /// The wire value of `eventTime` (empty when absent).
  std::string event_time_text;
  /// Monotonic per entity: order events by it.
  std::optional<std::int64_t> entity_event_sequence;
  /// Set when caused by a GDPR anonymisation.
  std::optional<bool> triggered_by_anonymize_request;
  /// Originating action, if any.
  std::string originated_from;
  /// Who caused the event.
  Identity identity;
  /// The account of the site.
  AccountInfo account_info;
};

/// A verified event.
struct Event {
  /// Created, updated or deleted.
  EventType type = EventType::kCreated;
  /// Event header fields.
  EventMetadata metadata;
  /// created: the new request; updated: the current request; deleted: the deleted request when
  /// Wix sent it (often absent).
  std::optional<NotificationRequest> entity;
  /// updated only: `modifiedFields` as compact JSON text (`{}` when absent).
  std::string modified_fields = "{}";
};

/// Verifies webhook bodies with one public key.
/// Thread safety: `verify` may be called concurrently. Copy: cheap (the key is shared).
class Verifier {
 public:
  /// Bodies larger than this are refused as malformed before any decoding.
  static constexpr std::size_t kMaxBodyBytes = std::size_t{1} << 20;
  /// The smallest RSA key accepted, in bits.
  static constexpr int kMinKeyBits = 2048;

  /// `public_key`: one PEM SPKI block (`-----BEGIN PUBLIC KEY-----`), or the same base64-wrapped
  /// (as the app dashboard may show it). Throws `WebhookError(kInvalidKey)` for a text that is
  /// not one RSA public key, and for a weak key: under `kMinKeyBits` bits, or a public exponent
  /// that is even or under 65537 (with an exponent of 1 any token would verify).
  explicit Verifier(std::string_view public_key);

  /// Verifies and decodes `body` (the raw request body, not re-serialised). Throws `WebhookError`.
  Event verify(std::string_view body) const;
  /// Same, with `exp` and `nbf` checked against `now`.
  Event verify(std::string_view body, std::chrono::system_clock::time_point now) const;

 private:
  struct Key;
  std::shared_ptr<const Key> key_;
};

}  // namespace wix::backinstock::webhooks
