#pragma once

/// @file async_connection.h
/// `AsyncConnection`: the seam between `AsyncClient` and the wire, and `make_async_connection`,
/// the SDK's libcurl implementation of it.

#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wix/backinstock/async_options.h"
#include "wix/backinstock/batch_result.h"  // IWYU pragma: export
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/model.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {

/// The seam between `AsyncClient` and the wire, as `Connection` is for `Client`: one virtual per
/// API method with the `AsyncClient` method's signature, plus the batch, the stream, `cancel` and
/// `pending`. The SDK's implementation drives libcurl (`make_async_connection`); tests substitute
/// `MockAsyncConnection` (mocks.h). `AsyncClient` forwards each call unchanged.
///
/// Every method has a default, so that a connection written against this release keeps compiling
/// when a later release adds an API method: an API method's default returns a future that holds
/// `UnimplementedError` (nothing is sent); the batch, stream and callback defaults report each
/// item through `report_items_back_in_stock` and wait for it on the calling thread; `cancel`
/// does nothing and `pending` is 0.
/// Thread safety: implementations must allow concurrent calls from any thread.
class AsyncConnection {
 public:
  virtual ~AsyncConnection() = default;
  /// Report Items Back In Stock.
  virtual std::future<void> report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                                       const CallOptions& options);
  /// Create Back In Stock Notification Request.
  virtual std::future<NotificationRequest> create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options);
  /// Get Back In Stock Notification Request.
  virtual std::future<NotificationRequest> get_back_in_stock_notification_request(
      const std::string& id, const CallOptions& options);
  /// Delete Back In Stock Notification Request.
  virtual std::future<void> delete_back_in_stock_notification_request(const std::string& id,
                                                                      const CallOptions& options);
  /// Mark As Notification Sent.
  virtual std::future<NotificationRequest> mark_as_notification_sent(const std::string& id,
                                                                     const CallOptions& options);
  /// Query Back In Stock Notification Requests (one page).
  virtual std::future<QueryPage> query_back_in_stock_notification_requests(
      const Query& query, const CallOptions& options);
  /// Counts for every reference (the SDK's connection sends them in batches).
  virtual std::future<std::vector<CatalogReferenceCount>>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options);
  /// Get Settings.
  virtual std::future<Settings> get_settings(const CallOptions& options);
  /// Start Collecting Requests.
  virtual std::future<Settings> start_collecting_requests(const std::string& app_id,
                                                          const CallOptions& options);
  /// Stop Collecting Requests.
  virtual std::future<Settings> stop_collecting_requests(const std::string& app_id,
                                                         const CallOptions& options);
  /// Reports every item and waits for all of them; one result per request, in input order.
  virtual std::vector<BatchResult> report_items_back_in_stock_batch(
      const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options);
  /// Reports every request `next` yields and waits for all of them; see `AsyncClient`.
  virtual std::size_t report_items_back_in_stock_stream(
      std::function<std::optional<ReportItemsBackInStockRequest>()> next,
      std::function<void(std::size_t, const BatchResult&)> on_result, const CallOptions& options);
  /// Reports one item and calls `on_done` with its result instead of fulfilling a future; see
  /// `AsyncClient`. This default waits for `report_items_back_in_stock(request, options)` on the
  /// calling thread and then calls `on_done` (enough for mocks); the SDK's connection returns at
  /// once and calls back from its loop.
  virtual void report_items_back_in_stock_then(const ReportItemsBackInStockRequest& request,
                                               std::function<void(const BatchResult&)> on_done,
                                               const CallOptions& options);
  /// Fails every queued or running request with `TransportError(kCancelled)`.
  virtual void cancel();
  /// Requests submitted and not yet finished.
  virtual std::size_t pending() const;
};

/// Builds the SDK's libcurl connection (one multi handle, one loop thread). Destroying it fails
/// every unfinished future with `TransportError(kCancelled)`. Throws `ValidationError` for
/// unusable options.
std::shared_ptr<AsyncConnection> make_async_connection(ClientOptions options,
                                                       AsyncOptions async = {});

}  // namespace wix::backinstock
