#pragma once

/// @file emulator_records.h
/// What a test reads back from the emulator as values: the outbox (Reports received, e-mails the
/// service would have sent), the notification requests stored, and the requests received.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wix::backinstock::emulator {

/// A Report Items Back In Stock the emulator accepted.
struct ReportRecord {
  std::string app_id;           ///< of its catalog reference; empty when it named request IDs
  std::string catalog_item_id;  ///< of its catalog reference; empty when it named request IDs
  std::vector<std::string> request_ids;  ///< the request IDs it named, if any
  /// The e-mail template's parameters: `item.name`, `item.price`, `item.image.url` (when given)
  /// and the extra automation parameters; values that are not strings as JSON text.
  std::map<std::string, std::string> template_parameters;
  /// The requests it notified (each became one `NotificationRecord`, unless undeliverable).
  std::vector<std::string> notified_request_ids;
};

/// An e-mail the service would have sent to a customer.
struct NotificationRecord {
  std::string request_id;                                  ///< the notification request it answered
  std::string email;                                       ///< where it went
  std::map<std::string, std::string> template_parameters;  ///< as in its Report
};

/// Everything the emulator would have e-mailed, in the order it happened.
struct Outbox {
  std::vector<ReportRecord> reports;              ///< every Report accepted
  std::vector<NotificationRecord> notifications;  ///< every e-mail they caused
};

/// A notification request as the emulator stores it.
struct StoredRequest {
  std::string id;            ///< its ID
  std::string email;         ///< the customer's address
  std::string contact_id;    ///< the contact it was filed under
  std::string status;        ///< `UNKNOWN_STATUS`, `NOTIFICATION_SENT`, `NOTIFICATION_FAILED`, ...
  std::string created_date;  ///< ISO 8601, UTC
  std::string app_id;        ///< of its catalog reference
  std::string catalog_item_id;        ///< of its catalog reference
  std::string item_url;               ///< empty when not given
  std::optional<bool> auto_notified;  ///< absent until a Report or Mark As Sent touched it
};

/// One request the emulator received, as its request log has it (`EmulatorOptions::keep_log`).
struct LoggedRequest {
  std::string method;      ///< as received
  std::string target;      ///< as received (up to 200 bytes)
  int status = 0;          ///< of its answer
  std::string code;        ///< the application error code of an error answer; empty otherwise
  std::string request_id;  ///< the `x-wix-request-id` it answered with
};

}  // namespace wix::backinstock::emulator
