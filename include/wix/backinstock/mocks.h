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

#include "wix/backinstock/api_methods.h"
#include "wix/backinstock/async_client.h"
#include "wix/backinstock/client.h"

/// The mock of one API method of `Connection` (expanded per row of api_methods.h; undefined at the
/// end of this header).
#define WIX_BACKINSTOCK_MOCK_METHOD(Result, name, parameters, arguments) \
  MOCK_METHOD(Result, name, parameters, (override));
/// The mock of one API method of `AsyncConnection` (undefined at the end of this header).
#define WIX_BACKINSTOCK_MOCK_ASYNC_METHOD(Result, name, parameters, arguments) \
  MOCK_METHOD(std::future<Result>, name, parameters, (override));

namespace wix::backinstock {

/// A `Connection` whose every method (api_methods.h) is a gmock mock with the method's name and
/// parameters.
class MockConnection : public Connection {
 public:
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_MOCK_METHOD)
};

/// An `AsyncConnection` whose every method is a gmock mock; the API methods return futures (see
/// `ready_future` and `failed_future`).
class MockAsyncConnection : public AsyncConnection {
 public:
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_MOCK_ASYNC_METHOD)
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

#undef WIX_BACKINSTOCK_MOCK_METHOD
#undef WIX_BACKINSTOCK_MOCK_ASYNC_METHOD
