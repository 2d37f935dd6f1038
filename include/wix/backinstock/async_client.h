#pragma once

/// @file async_client.h
/// `AsyncClient`: every API method without blocking, on one libcurl multi handle driven by one
/// background thread (not a thread per call). Results are `std::future`s. At most
/// `AsyncOptions::max_in_flight` requests are on the wire at once; the rest wait in order.
/// Connections are kept and reused. Retries, deadlines and the rule that Report and Create are
/// never repeated once they may have reached the server apply to each request exactly as in
/// `Client` (see retry.h); backoff waits are timers, not sleeping threads.
///
///     bis::AsyncClient async(options);
///     auto done = async.report_items_back_in_stock(request);   // returns at once
///     done.get();                                              // throws the typed error, if any
///
///     auto results = async.report_items_back_in_stock_batch(requests);  // one result per item
///
/// Thread safety: all members may be called from any thread. Destroying the client (or `cancel()`)
/// fails every unfinished future with `TransportError` of kind `kCancelled` (when the client was
/// built from options, or holds the last reference to its connection).
/// libcurl settings come from `ClientOptions::curl`, or from `ClientOptions::transport` when that
/// is a `CurlTransport`; any other transport is refused (`ValidationError`), since the client
/// drives libcurl itself.

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wix/backinstock/async_connection.h"  // IWYU pragma: export
#include "wix/backinstock/async_options.h"
#include "wix/backinstock/batch_result.h"  // IWYU pragma: export
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {

/// Every API method without blocking; see the file comment.
class AsyncClient {
 public:
  /// Throws `ValidationError` for unusable options.
  explicit AsyncClient(ClientOptions options, AsyncOptions async = {});
  /// Uses the given connection, e.g. a `MockAsyncConnection` in tests. Throws `ValidationError`
  /// when it is null.
  explicit AsyncClient(std::shared_ptr<AsyncConnection> connection);
  /// Fails what is unfinished with `TransportError(kCancelled)` when this client holds the last
  /// reference to its connection. It may be destroyed inside one of its own callbacks (one that
  /// held the last reference): the loop then ends after that callback, failing what is
  /// unfinished the same way. Inside a callback, a batch or stream of the same client throws
  /// `ValidationError` (`thread`) instead of waiting for itself forever; waiting there for one of
  /// its futures never returns (a `std::future` cannot tell), so don't.
  ~AsyncClient();
  /// Not copyable, unlike `Client`: destroying an `AsyncClient` ends its unfinished requests, and
  /// with copies whether it does would depend on whether another copy is still alive somewhere.
  /// Share one (by reference or in a `std::shared_ptr`), or build several on one connection made
  /// with `make_async_connection`: the work then ends with the last of them.
  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  /// Report Items Back In Stock (never retried once it may have reached the server).
  std::future<void> report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                               const CallOptions& options = {}) {
    return connection_->report_items_back_in_stock(request, options);
  }
  /// Create Back In Stock Notification Request.
  std::future<NotificationRequest> create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options = {}) {
    return connection_->create_back_in_stock_notification_request(request, item_details, options);
  }
  /// Get Back In Stock Notification Request.
  std::future<NotificationRequest> get_back_in_stock_notification_request(
      const std::string& id, const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_request(id, options);
  }
  /// Delete Back In Stock Notification Request.
  std::future<void> delete_back_in_stock_notification_request(const std::string& id,
                                                              const CallOptions& options = {}) {
    return connection_->delete_back_in_stock_notification_request(id, options);
  }
  /// Mark As Notification Sent.
  std::future<NotificationRequest> mark_as_notification_sent(const std::string& id,
                                                             const CallOptions& options = {}) {
    return connection_->mark_as_notification_sent(id, options);
  }
  /// Query Back In Stock Notification Requests (one page).
  std::future<QueryPage> query_back_in_stock_notification_requests(
      const Query& query = {}, const CallOptions& options = {}) {
    return connection_->query_back_in_stock_notification_requests(query, options);
  }
  /// Counts per reference, in input order, batched like `Client`'s (at most 100 references per
  /// call, URLs under about 8 KiB); the batches run concurrently and the future holds the merged
  /// result, or the first batch's error. An empty list gives an empty result without a call.
  std::future<std::vector<CatalogReferenceCount>>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_requests_count_by_catalog_references(
        catalog_references, options);
  }
  /// Get Settings.
  std::future<Settings> get_settings(const CallOptions& options = {}) {
    return connection_->get_settings(options);
  }
  /// Start Collecting Requests.
  std::future<Settings> start_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                                  const CallOptions& options = {}) {
    return connection_->start_collecting_requests(app_id, options);
  }
  /// Stop Collecting Requests.
  std::future<Settings> stop_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                                 const CallOptions& options = {}) {
    return connection_->stop_collecting_requests(app_id, options);
  }

  /// Reports every item, `max_in_flight` at a time, and waits for all of them. One result per
  /// request, in input order; a failing item does not stop the others.
  std::vector<BatchResult> report_items_back_in_stock_batch(
      const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options = {});

  /// Reports every request `next` yields until it returns `std::nullopt`, `max_in_flight` at a
  /// time, and waits for all of them: a stock sync of any size in memory bounded by
  /// `max_in_flight`, not by the number of items (neither the requests nor their results are
  /// kept). `on_result(index, result)` gets the outcome of the `index`-th request (0-based, in
  /// the order `next` yielded them), in completion order; it may be null. Both are called one
  /// at a time, never concurrently: `next` on the calling thread for the first items, then on
  /// the client's loop thread, like `on_result`; neither may block. Returns the number of
  /// requests taken from `next`. An exception from `next` or `on_result` stops the feed; it is
  /// rethrown here once the requests in flight have finished.
  ///
  ///     std::size_t failed = 0;
  ///     async.report_items_back_in_stock_stream(
  ///         [&]() -> std::optional<bis::ReportItemsBackInStockRequest> { return feed.next(); },
  ///         [&](std::size_t, const bis::BatchResult& r) { failed += r.ok() ? 0 : 1; });
  std::size_t report_items_back_in_stock_stream(
      std::function<std::optional<ReportItemsBackInStockRequest>()> next,
      std::function<void(std::size_t, const BatchResult&)> on_result = nullptr,
      const CallOptions& options = {});

  /// Reports `request` like `report_items_back_in_stock`, but without a future: `on_done` gets
  /// the result (`BatchResult::error` holds the typed error, if any) exactly once, on the
  /// client's loop thread, or on the calling thread before this returns when the request cannot
  /// be built (invalid options, credentials that never block and fail). Submitting never waits
  /// for a token: credentials that fetch one are applied on a thread of the client's own.
  /// `on_done` must not block; an exception it throws is discarded. Cancelling or destroying the
  /// client calls it with `TransportError(kCancelled)`. For many independent reports at high
  /// rates: no promise, no future, no thread woken to wait for one (see the README on which form
  /// to pick).
  ///
  ///     async.report_items_back_in_stock_then(request, [&](const bis::BatchResult& r) {
  ///       if (!r.ok()) failures.fetch_add(1);
  ///     });
  void report_items_back_in_stock_then(const ReportItemsBackInStockRequest& request,
                                       std::function<void(const BatchResult&)> on_done,
                                       const CallOptions& options = {});

  /// Fails every queued or running request with `TransportError(kCancelled)`. Requests already on
  /// the wire may still have reached the server.
  void cancel();
  /// Requests submitted and not yet finished.
  std::size_t pending() const;

 private:
  std::shared_ptr<AsyncConnection> connection_;
};

}  // namespace wix::backinstock
