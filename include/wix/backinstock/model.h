#pragma once

/// @file model.h
/// Requests and resources of the Back In Stock Notification Requests and Settings services.
///
/// Request types enforce the documented rules in their constructors and throw `ValidationError`
/// naming the wire field, so an invalid request object cannot exist. Their members are read
/// through accessors. Resource types returned by the service (`NotificationRequest`, `Settings`,
/// ...) are plain structs: the server is the judge of what they contain.
///
/// Thread safety: all types here are values; distinct objects may be used from different threads,
/// and const access to one object from many threads is safe. Copies are deep (strings and
/// vectors), except `JsonObject`, which is shared.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/json_object.h"

namespace wix::backinstock {

/// Catalog app IDs documented by Wix. Back-in-stock supports Wix Stores only.
inline constexpr char kWixStoresAppId[] = "215238eb-22a5-4c36-9e7b-e7c08025e04e";
/// Wix Bookings catalog app ID.
inline constexpr char kWixBookingsAppId[] = "13d21c63-b5ec-5912-8397-c3a5ddb27a97";
/// Wix Restaurants catalog app ID.
inline constexpr char kWixRestaurantsAppId[] = "9a5d83fd-8570-482e-81ab-cfa88942ee60";

/// The item a customer wants: a catalog item of a catalog app, optionally narrowed by `options`
/// (for Wix Stores typically `{"variantId": "<GUID>"}`).
class CatalogReference {
 public:
  /// Throws `ValidationError` for `catalogReference.catalogItemId` (empty or over 36 characters),
  /// `catalogReference.appId` (empty), or text that is not valid UTF-8 or holds a NUL.
  CatalogReference(std::string catalog_item_id, std::string app_id, JsonObject options = {});

  /// Item ID inside the catalog (1 to 36 characters).
  const std::string& catalog_item_id() const noexcept { return catalog_item_id_; }
  /// Catalog app ID (`kWixStoresAppId` for Wix Stores).
  const std::string& app_id() const noexcept { return app_id_; }
  /// `{}` when the reference carries no options.
  const JsonObject& options() const noexcept { return options_; }

  /// Structural equality (options compared as JSON values, not text).
  friend bool operator==(const CatalogReference& a, const CatalogReference& b) noexcept;
  /// Negation of `==`.
  friend bool operator!=(const CatalogReference& a, const CatalogReference& b) noexcept {
    return !(a == b);
  }

 private:
  friend struct internal::ModelAccess;
  struct Unchecked {};
  CatalogReference(Unchecked, std::string catalog_item_id, std::string app_id, JsonObject options);
  std::string catalog_item_id_;
  std::string app_id_;
  JsonObject options_;
};

/// An item image for the notification template (`item.image.url`).
class Image {
 public:
  /// `url` must be an absolute `http(s)://` URL with a host, or a Wix media URI
  /// (`wix:image://v1/...`); otherwise `ValidationError` for `itemDetails.image.url`.
  explicit Image(std::string url, std::optional<std::string> alt_text = std::nullopt,
                 std::optional<std::string> id = std::nullopt);

  /// Absolute http(s) URL or `wix:image://` URI.
  const std::string& url() const noexcept { return url_; }
  /// Alt text, when given.
  const std::optional<std::string>& alt_text() const noexcept { return alt_text_; }
  /// Wix Media image ID, when known.
  const std::optional<std::string>& id() const noexcept { return id_; }

 private:
  std::string url_;
  std::optional<std::string> alt_text_;
  std::optional<std::string> id_;
};

/// What the notification says about the item (`item.name`, `item.price`, `item.image.url`).
class ItemDetails {
 public:
  /// `name` must be non-empty; `price` a non-negative decimal string such as `"29.99"`.
  /// Throws `ValidationError` for `itemDetails.name` / `itemDetails.price` otherwise.
  ItemDetails(std::string name, std::string price, std::optional<Image> image = std::nullopt);

  /// Item name (`item.name` in the template).
  const std::string& name() const noexcept { return name_; }
  /// Price as a decimal string (`item.price`).
  const std::string& price() const noexcept { return price_; }
  /// Image, when given.
  const std::optional<Image>& image() const noexcept { return image_; }

 private:
  std::string name_;
  std::string price_;
  std::optional<Image> image_;
};

/// Extra automation template variables, name to value.
using TemplateParameters = std::map<std::string, std::string>;

/// Report Items Back In Stock: notify every request of one catalog item, or exactly the given
/// requests. The two targets are separate constructors, so a request with both cannot be built.
class ReportItemsBackInStockRequest {
 public:
  /// Notify every customer waiting for `catalog_reference`.
  ReportItemsBackInStockRequest(CatalogReference catalog_reference, ItemDetails item_details,
                                TemplateParameters extra_parameters = {});
  /// Notify exactly these requests. Throws `ValidationError` for `requestIds` when the list is
  /// empty or holds an empty ID.
  ReportItemsBackInStockRequest(std::vector<std::string> request_ids, ItemDetails item_details,
                                TemplateParameters extra_parameters = {});

  /// For callers whose target comes from configuration: exactly one of `catalog_reference` and
  /// `request_ids` (non-empty) must be given, else `ValidationError` for
  /// `catalogReference/requestIds`.
  static ReportItemsBackInStockRequest from_target(
      std::optional<CatalogReference> catalog_reference, std::vector<std::string> request_ids,
      ItemDetails item_details, TemplateParameters extra_parameters = {});

  /// Set when the request targets a catalog item; then `request_ids()` is empty.
  const std::optional<CatalogReference>& catalog_reference() const noexcept {
    return catalog_reference_;
  }
  /// Non-empty when the request targets explicit requests.
  const std::vector<std::string>& request_ids() const noexcept { return request_ids_; }
  /// What the notification says about the item.
  const ItemDetails& item_details() const noexcept { return item_details_; }
  /// Extra automation template variables.
  const TemplateParameters& extra_parameters() const noexcept { return extra_parameters_; }

 private:
  std::optional<CatalogReference> catalog_reference_;
  std::vector<std::string> request_ids_;
  ItemDetails item_details_;
  TemplateParameters extra_parameters_;
};

/// The writable part of a notification request, for Create.
class NewNotificationRequest {
 public:
  /// `email` must look like an address (`local@domain`), `item_url` (product page) must be an
  /// absolute http(s) URL when given. Throws `ValidationError` for `request.email` /
  /// `request.itemUrl`.
  NewNotificationRequest(CatalogReference catalog_reference, std::string email,
                         std::optional<std::string> item_url = std::nullopt);

  /// The item the customer wants.
  const CatalogReference& catalog_reference() const noexcept { return catalog_reference_; }
  /// Address to notify.
  const std::string& email() const noexcept { return email_; }
  /// Product page URL, when given.
  const std::optional<std::string>& item_url() const noexcept { return item_url_; }

 private:
  CatalogReference catalog_reference_;
  std::string email_;
  std::optional<std::string> item_url_;
};

/// Status of a notification request. Values the SDK does not know are `kUnknown`, with the wire
/// text kept in `NotificationRequest::status_text`.
enum class Status {
  kUnspecified,
  kReceived,
  kProcessing,
  kNotificationSent,
  kFailed,
  kUnknown,
};

/// Wire name of a status (`"NOTIFICATION_SENT"`, ...); `"UNKNOWN"` for `kUnknown`.
const char* to_string(Status status) noexcept;
/// Inverse of `to_string`; text the SDK does not know gives `Status::kUnknown`.
Status parse_status(std::string_view text) noexcept;

/// A point in time (UTC on the wire).
using Timestamp = std::chrono::system_clock::time_point;

/// A customer's request to be told when an item is back in stock, as stored by the service.
struct NotificationRequest {
  /// Request ID.
  std::string id;
  /// The item the customer wants.
  CatalogReference catalog_reference;
  /// Address to notify.
  std::string email;
  std::string contact_id;  ///< empty when absent
  /// Status; see `status_text` for the wire value.
  Status status = Status::kUnspecified;
  std::string status_text;  ///< the wire value of `status`
  /// Absent until notified; true when Wix sent it, false after Mark As Notification Sent.
  std::optional<bool> auto_notified;
  /// When the request was created; absent when the answer has none, or holds a date that is not
  /// RFC 3339 or that `Timestamp` cannot hold (see `created_date_text`).
  std::optional<Timestamp> created_date;
  /// Product page URL, when known.
  std::optional<std::string> item_url;
  /// The wire value of `createdDate` (empty when absent), kept whether or not it could be read.
  std::string created_date_text;
};

/// Whether one catalog app collects requests.
struct CollectionState {
  /// Catalog app ID.
  std::string app_id;
  /// Whether requests for it are collected.
  bool collecting_requests = false;
};

/// Back-in-stock settings of the site.
struct Settings {
  /// One entry per catalog app.
  std::vector<CollectionState> collection_states;
  /// True when an entry for `app_id` exists and collects requests.
  bool is_collecting(std::string_view app_id) const noexcept;
};

/// Number of unique requests waiting for one catalog reference.
struct CatalogReferenceCount {
  /// The reference counted (as sent).
  CatalogReference catalog_reference;
  /// Unique requests waiting for it.
  std::int32_t count = 0;
  /// Whether the service's answer counted this reference. False when it left the reference out
  /// (the service documents no promise that every one comes back; one without requests may be
  /// left out): `count` is then 0.
  bool counted = true;
};

/// Paging metadata of a query page (`metadata` on the wire).
struct PagingMetadata {
  std::optional<std::int32_t> count;       ///< items in this page
  std::optional<std::string> next_cursor;  ///< absent on the last page
  /// Cursor of the previous page, when there is one.
  std::optional<std::string> prev_cursor;
  /// Offset paging: where this page starts.
  std::optional<std::int32_t> offset;
  /// Offset paging: every match of the query.
  std::optional<std::int32_t> total;
};

/// One page of Query results.
struct QueryPage {
  /// The requests of this page.
  std::vector<NotificationRequest> requests;
  /// Count and cursors.
  PagingMetadata metadata;
  /// True when another page follows by cursor (offset paging: see `QueryPager`).
  bool has_next() const noexcept { return metadata.next_cursor && !metadata.next_cursor->empty(); }
};

/// RFC 3339 UTC text with milliseconds, e.g. `2024-03-14T09:26:53.589Z`.
std::string format_timestamp(Timestamp t);
/// Parses RFC 3339 (`Z` or `±hh:mm` offset, optional fraction); nullopt when malformed.
/// Null for text that is not RFC 3339, and for a date `Timestamp` cannot hold (system_clock counts
/// nanoseconds in 64 bits: about 1678 to 2261): such a date is never read as another one.
std::optional<Timestamp> parse_timestamp(std::string_view text) noexcept;

}  // namespace wix::backinstock
