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
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wix/backinstock/errors.h"
#include "wix/backinstock/model.h"

namespace wix::backinstock::webhooks {

inline constexpr char kCreatedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_created";
inline constexpr char kUpdatedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_updated";
inline constexpr char kDeletedEventType[] =
    "wix.ecom.v1.back_in_stock_notification_request_deleted";

/// A webhook body was rejected. `reason()` says why; the message never quotes the token.
class WebhookError : public Error {
 public:
  enum class Reason {
    kInvalidKey,            ///< the public key could not be read
    kMalformed,             ///< not a JWS, or bad base64 / JSON at some nesting level
    kUnsupportedAlgorithm,  ///< `alg` is not RS256 (`none`, HS256, ...)
    kBadSignature,          ///< the signature does not verify with the key
    kExpired,               ///< `exp` is in the past
    kUnknownEventType,      ///< verified, but not a Back-in-Stock notification request event
  };
  WebhookError(Reason reason, const std::string& message);
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

enum class EventType { kCreated, kUpdated, kDeleted };

/// Who caused the event (`identity`).
struct Identity {
  std::string identity_type;  ///< UNKNOWN, ANONYMOUS_VISITOR, MEMBER, WIX_USER or APP
  std::string anonymous_visitor_id;
  std::string member_id;
  std::string wix_user_id;
  std::string app_id;
};

struct AccountInfo {
  std::string account_id;
  std::string parent_account_id;
  std::string site_id;
};

struct EventMetadata {
  std::string event_type;  ///< e.g. `wix.ecom.v1.back_in_stock_notification_request_created`
  std::string event_id;    ///< deduplicate on this
  std::string entity_id;   ///< the notification request ID
  std::string entity_fqdn;
  std::string slug;         ///< created / updated / deleted
  std::string instance_id;  ///< the app instance (site)
  std::optional<Timestamp> event_time;
  /// Monotonic per entity: order events by it.
  std::optional<std::int64_t> entity_event_sequence;
  std::optional<bool> triggered_by_anonymize_request;
  std::string originated_from;
  Identity identity;
  AccountInfo account_info;
};

/// A verified event.
struct Event {
  EventType type = EventType::kCreated;
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
  /// `public_key`: a PEM SPKI block (`-----BEGIN PUBLIC KEY-----`), or the same base64-wrapped
  /// (as the app dashboard may show it). Throws `WebhookError(kInvalidKey)`.
  explicit Verifier(std::string_view public_key);

  /// Verifies and decodes `body` (the raw request body, not re-serialised). Throws `WebhookError`.
  Event verify(std::string_view body) const;
  /// Same, with `exp` checked against `now`.
  Event verify(std::string_view body, std::chrono::system_clock::time_point now) const;

 private:
  struct Key;
  std::shared_ptr<const Key> key_;
};

}  // namespace wix::backinstock::webhooks
