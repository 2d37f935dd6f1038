#pragma once

/// @file client.h
/// `Client`: one method per method of the Back In Stock Notification Requests and Back In Stock
/// Settings services.

#include <memory>
#include <string>
#include <vector>

#include "wix/backinstock/client_options.h"
#include "wix/backinstock/connection.h"  // IWYU pragma: export
#include "wix/backinstock/errors.h"      // IWYU pragma: export
#include "wix/backinstock/model.h"
#include "wix/backinstock/paths.h"  // IWYU pragma: export
#include "wix/backinstock/query.h"
#include "wix/backinstock/query_pager.h"  // IWYU pragma: export

namespace wix::backinstock {

/// The Back-in-Stock client.
///
/// Thread safety: a `Client` may be shared by many threads and called concurrently.
/// Copy: cheap (one reference count); copies share the connection and its transport.
/// Errors: every method throws `ApiError` (or a subclass) for a non-200 answer, `TransportError`
/// when no answer arrived, and `ValidationError` for arguments the service would reject.
class Client {
 public:
  /// Throws `ValidationError` when the options are unusable.
  explicit Client(ClientOptions options);
  /// Uses the given connection, e.g. a `MockConnection` in tests.
  explicit Client(std::shared_ptr<Connection> connection);

  /// Sends the back-in-stock notifications: POST .../report-items-back-in-stock.
  /// Not idempotent: every successful call e-mails customers.
  void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                  const CallOptions& options = {}) {
    return connection_->report_items_back_in_stock(request, options);
  }

  /// Creates (or, for the same catalog reference and e-mail, returns) a request.
  NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options = {}) {
    return connection_->create_back_in_stock_notification_request(request, item_details, options);
  }
  /// `NotFoundError` when there is no such request.
  NotificationRequest get_back_in_stock_notification_request(const std::string& id,
                                                             const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_request(id, options);
  }
  /// Deletes a request; `NotFoundError` when there is none.
  void delete_back_in_stock_notification_request(const std::string& id,
                                                 const CallOptions& options = {}) {
    return connection_->delete_back_in_stock_notification_request(id, options);
  }
  /// For notifications sent outside Wix. An unknown ID gives
  /// `BackInStockNotificationRequestNotFoundError` (a 428, not a 404).
  NotificationRequest mark_as_notification_sent(const std::string& id,
                                                const CallOptions& options = {}) {
    return connection_->mark_as_notification_sent(id, options);
  }

  /// One page of results.
  QueryPage query_back_in_stock_notification_requests(const Query& query = {},
                                                      const CallOptions& options = {}) {
    return connection_->query_back_in_stock_notification_requests(query, options);
  }
  /// Every result across pages, fetched lazily while a range-for walks it. Each request is
  /// returned once: a server whose pages do not make progress ends the walk with `PagingError`
  /// (see `PagerOptions`), so a walk always ends.
  QueryPager query_all_back_in_stock_notification_requests(Query query = {},
                                                           CallOptions options = {},
                                                           PagerOptions pager = {});

  /// Counts per reference, in input order. Count carries its references in the URL, so the list
  /// is sent in batches of at most 100 references that also keep the URL under about 8 KiB;
  /// results are merged in input order. An empty list returns an empty result without a call.
  std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_requests_count_by_catalog_references(
        catalog_references, options);
  }

  /// The site's settings: which catalog apps collect requests.
  Settings get_settings(const CallOptions& options = {}) {
    return connection_->get_settings(options);
  }
  /// `NotSupportedAppDefIdError` for an app that is not a supported catalog.
  Settings start_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                     const CallOptions& options = {}) {
    return connection_->start_collecting_requests(app_id, options);
  }
  /// Stops collecting requests for `app_id`.
  Settings stop_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                    const CallOptions& options = {}) {
    return connection_->stop_collecting_requests(app_id, options);
  }

  /// The connection this client calls (shared by its copies).
  const std::shared_ptr<Connection>& connection() const noexcept { return connection_; }

 private:
  std::shared_ptr<Connection> connection_;
};

}  // namespace wix::backinstock
