#pragma once

/// @file mocks.h
/// GoogleMock mocks for unit tests of code that uses `Client` (`MockConnection`) or `AsyncClient`
/// (`MockAsyncConnection`), without a network:
///
///     auto mock = std::make_shared<wix::backinstock::MockConnection>();
///     EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);
///     wix::backinstock::Client client(mock);
///     MyRestockService service(client);   // the code under test
///
/// Link `wix::backinstock_mocks` (header-only; brings GoogleMock). Thread safety: as gmock.

#include <gmock/gmock.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wix/backinstock/async_connection.h"
#include "wix/backinstock/connection.h"

namespace wix::backinstock {

/// A `Connection` whose every method is a gmock mock with the method's name and parameters.
class MockConnection : public Connection {
 public:
  /// Mock of `Connection::report_items_back_in_stock`.
  MOCK_METHOD(void, report_items_back_in_stock,
              (const ReportItemsBackInStockRequest& request, const CallOptions& options),
              (override));
  /// Mock of `Connection::create_back_in_stock_notification_request`.
  MOCK_METHOD(NotificationRequest, create_back_in_stock_notification_request,
              (const NewNotificationRequest& request, const ItemDetails& item_details,
               const CallOptions& options),
              (override));
  /// Mock of `Connection::get_back_in_stock_notification_request`.
  MOCK_METHOD(NotificationRequest, get_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::delete_back_in_stock_notification_request`.
  MOCK_METHOD(void, delete_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::mark_as_notification_sent`.
  MOCK_METHOD(NotificationRequest, mark_as_notification_sent,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::query_back_in_stock_notification_requests`.
  MOCK_METHOD(QueryPage, query_back_in_stock_notification_requests,
              (const Query& query, const CallOptions& options), (override));
  /// Mock of `Connection::get_back_in_stock_notification_requests_count_by_catalog_references`.
  MOCK_METHOD(std::vector<CatalogReferenceCount>,
              get_back_in_stock_notification_requests_count_by_catalog_references,
              (const std::vector<CatalogReference>& catalog_references, const CallOptions& options),
              (override));
  /// Mock of `Connection::get_settings`.
  MOCK_METHOD(Settings, get_settings, (const CallOptions& options), (override));
  /// Mock of `Connection::start_collecting_requests`.
  MOCK_METHOD(Settings, start_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
  /// Mock of `Connection::stop_collecting_requests`.
  MOCK_METHOD(Settings, stop_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
};

/// An `AsyncConnection` whose every method is a gmock mock; the API methods return futures (see
/// `ready_future` and `failed_future`).
class MockAsyncConnection : public AsyncConnection {
 public:
  /// Mock of `AsyncConnection::report_items_back_in_stock`.
  MOCK_METHOD(std::future<void>, report_items_back_in_stock,
              (const ReportItemsBackInStockRequest& request, const CallOptions& options),
              (override));
  /// Mock of `AsyncConnection::create_back_in_stock_notification_request`.
  MOCK_METHOD(std::future<NotificationRequest>, create_back_in_stock_notification_request,
              (const NewNotificationRequest& request, const ItemDetails& item_details,
               const CallOptions& options),
              (override));
  /// Mock of `AsyncConnection::get_back_in_stock_notification_request`.
  MOCK_METHOD(std::future<NotificationRequest>, get_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `AsyncConnection::delete_back_in_stock_notification_request`.
  MOCK_METHOD(std::future<void>, delete_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `AsyncConnection::mark_as_notification_sent`.
  MOCK_METHOD(std::future<NotificationRequest>, mark_as_notification_sent,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `AsyncConnection::query_back_in_stock_notification_requests`.
  MOCK_METHOD(std::future<QueryPage>, query_back_in_stock_notification_requests,
              (const Query& query, const CallOptions& options), (override));
  /// Mock of
  /// `AsyncConnection::get_back_in_stock_notification_requests_count_by_catalog_references`.
  MOCK_METHOD(std::future<std::vector<CatalogReferenceCount>>,
              get_back_in_stock_notification_requests_count_by_catalog_references,
              (const std::vector<CatalogReference>& catalog_references, const CallOptions& options),
              (override));
  /// Mock of `AsyncConnection::get_settings`.
  MOCK_METHOD(std::future<Settings>, get_settings, (const CallOptions& options), (override));
  /// Mock of `AsyncConnection::start_collecting_requests`.
  MOCK_METHOD(std::future<Settings>, start_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
  /// Mock of `AsyncConnection::stop_collecting_requests`.
  MOCK_METHOD(std::future<Settings>, stop_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
  /// Mock of `AsyncConnection::report_items_back_in_stock_batch`.
  MOCK_METHOD(std::vector<BatchResult>, report_items_back_in_stock_batch,
              (const std::vector<ReportItemsBackInStockRequest>& requests,
               const CallOptions& options),
              (override));
  /// Mock of `AsyncConnection::report_items_back_in_stock_stream`.
  MOCK_METHOD(std::size_t, report_items_back_in_stock_stream,
              (std::function<std::optional<ReportItemsBackInStockRequest>()>,
               (std::function<void(std::size_t, const BatchResult&)>), const CallOptions&),
              (override));
  // `report_items_back_in_stock_then` is not mocked: its default calls the mocked
  // `report_items_back_in_stock` and hands the future's result to the callback, so one
  // expectation covers both forms.
  /// Mock of `AsyncConnection::cancel`.
  MOCK_METHOD(void, cancel, (), (override));
  /// Mock of `AsyncConnection::pending`.
  MOCK_METHOD(std::size_t, pending, (), (const, override));
};

/// A future that already holds `value`, for `MockAsyncConnection` actions:
/// `.WillOnce([] { return ready_future(settings); })`.
template <typename T>
std::future<T> ready_future(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

/// A `std::future<void>` that is already done.
inline std::future<void> ready_future() {
  std::promise<void> promise;
  promise.set_value();
  return promise.get_future();
}

/// A future that already holds `error` (for example `std::make_exception_ptr(NotFoundError(...))`).
template <typename T>
std::future<T> failed_future(std::exception_ptr error) {
  std::promise<T> promise;
  promise.set_exception(std::move(error));
  return promise.get_future();
}

}  // namespace wix::backinstock
