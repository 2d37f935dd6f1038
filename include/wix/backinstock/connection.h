#pragma once

/// @file connection.h
/// `Connection`: the seam between `Client` and the wire, and `make_connection`, the SDK's HTTP
/// implementation of it.

#include <memory>
#include <string>
#include <vector>

#include "wix/backinstock/client_options.h"
#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/model.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {

/// The seam between `Client` and the wire: one virtual per API method, with the `Client` method's
/// signature. The SDK's implementation speaks HTTP (`make_connection`); tests substitute a mock
/// (`MockConnection`, mocks.h); a decorator (logging, a circuit breaker, a cache) wraps another
/// connection and overrides what it needs. `Client` forwards each call unchanged.
///
/// Every method has a default that throws `UnimplementedError` and sends nothing: a connection
/// written against this release keeps compiling when a later release adds an API method (it
/// throws `UnimplementedError` for the new method until it overrides it). A decorator should
/// override every method it forwards.
/// Thread safety: implementations must allow concurrent calls.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Report Items Back In Stock.
  virtual void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                          const CallOptions& options);
  /// Create Back In Stock Notification Request.
  virtual NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options);
  /// Get Back In Stock Notification Request.
  virtual NotificationRequest get_back_in_stock_notification_request(const std::string& id,
                                                                     const CallOptions& options);
  /// Delete Back In Stock Notification Request.
  virtual void delete_back_in_stock_notification_request(const std::string& id,
                                                         const CallOptions& options);
  /// Mark As Notification Sent.
  virtual NotificationRequest mark_as_notification_sent(const std::string& id,
                                                        const CallOptions& options);
  /// Query Back In Stock Notification Requests (one page).
  virtual QueryPage query_back_in_stock_notification_requests(const Query& query,
                                                              const CallOptions& options);
  /// Get Back In Stock Notification Requests Count By Catalog References, for every reference
  /// (the SDK's connection sends them in batches).
  virtual std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options);
  /// Get Settings (a PUT on the wire).
  virtual Settings get_settings(const CallOptions& options);
  /// Start Collecting Requests.
  virtual Settings start_collecting_requests(const std::string& app_id, const CallOptions& options);
  /// Stop Collecting Requests.
  virtual Settings stop_collecting_requests(const std::string& app_id, const CallOptions& options);
};

/// Builds the SDK's HTTP connection. Throws `ValidationError` for bad options (`base_url`,
/// `credentials`).
std::shared_ptr<Connection> make_connection(ClientOptions options);

}  // namespace wix::backinstock
