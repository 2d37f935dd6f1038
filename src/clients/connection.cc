// The defaults of `Connection` and `AsyncConnection`: an API method a connection does not override
// throws `UnimplementedError` (a future holding it, for `AsyncConnection`), so adding a method to
// the API breaks no connection written before it. The SDK's own connections override every one.

#include <exception>
#include <future>
#include <string>
#include <utility>

#include "call.h"
#include "wix/backinstock/async_connection.h"
#include "wix/backinstock/connection.h"

namespace wix::backinstock {

namespace {

template <typename Result>
std::future<Result> unimplemented(const char* method) {
  std::promise<Result> promise;
  promise.set_exception(std::make_exception_ptr(UnimplementedError(method)));
  return promise.get_future();
}

}  // namespace

// Connection ---------------------------------------------------------------------------------

void Connection::report_items_back_in_stock(const ReportItemsBackInStockRequest& /*request*/,
                                            const CallOptions& /*options*/) {
  throw UnimplementedError("report_items_back_in_stock");
}

NotificationRequest Connection::create_back_in_stock_notification_request(
    const NewNotificationRequest& /*request*/, const ItemDetails& /*item_details*/,
    const CallOptions& /*options*/) {
  throw UnimplementedError("create_back_in_stock_notification_request");
}

NotificationRequest Connection::get_back_in_stock_notification_request(
    const std::string& /*id*/, const CallOptions& /*options*/) {
  throw UnimplementedError("get_back_in_stock_notification_request");
}

void Connection::delete_back_in_stock_notification_request(const std::string& /*id*/,
                                                           const CallOptions& /*options*/) {
  throw UnimplementedError("delete_back_in_stock_notification_request");
}

NotificationRequest Connection::mark_as_notification_sent(const std::string& /*id*/,
                                                          const CallOptions& /*options*/) {
  throw UnimplementedError("mark_as_notification_sent");
}

QueryPage Connection::query_back_in_stock_notification_requests(const Query& /*query*/,
                                                                const CallOptions& /*options*/) {
  throw UnimplementedError("query_back_in_stock_notification_requests");
}

std::vector<CatalogReferenceCount>
Connection::get_back_in_stock_notification_requests_count_by_catalog_references(
    const std::vector<CatalogReference>& /*catalog_references*/, const CallOptions& /*options*/) {
  throw UnimplementedError("get_back_in_stock_notification_requests_count_by_catalog_references");
}

Settings Connection::get_settings(const CallOptions& /*options*/) {
  throw UnimplementedError("get_settings");
}

Settings Connection::start_collecting_requests(const std::string& /*app_id*/,
                                               const CallOptions& /*options*/) {
  throw UnimplementedError("start_collecting_requests");
}

Settings Connection::stop_collecting_requests(const std::string& /*app_id*/,
                                              const CallOptions& /*options*/) {
  throw UnimplementedError("stop_collecting_requests");
}

// AsyncConnection ----------------------------------------------------------------------------

std::future<void> AsyncConnection::report_items_back_in_stock(
    const ReportItemsBackInStockRequest& /*request*/, const CallOptions& /*options*/) {
  return unimplemented<void>("report_items_back_in_stock");
}

std::future<NotificationRequest> AsyncConnection::create_back_in_stock_notification_request(
    const NewNotificationRequest& /*request*/, const ItemDetails& /*item_details*/,
    const CallOptions& /*options*/) {
  return unimplemented<NotificationRequest>("create_back_in_stock_notification_request");
}

std::future<NotificationRequest> AsyncConnection::get_back_in_stock_notification_request(
    const std::string& /*id*/, const CallOptions& /*options*/) {
  return unimplemented<NotificationRequest>("get_back_in_stock_notification_request");
}

std::future<void> AsyncConnection::delete_back_in_stock_notification_request(
    const std::string& /*id*/, const CallOptions& /*options*/) {
  return unimplemented<void>("delete_back_in_stock_notification_request");
}

std::future<NotificationRequest> AsyncConnection::mark_as_notification_sent(
    const std::string& /*id*/, const CallOptions& /*options*/) {
  return unimplemented<NotificationRequest>("mark_as_notification_sent");
}

std::future<QueryPage> AsyncConnection::query_back_in_stock_notification_requests(
    const Query& /*query*/, const CallOptions& /*options*/) {
  return unimplemented<QueryPage>("query_back_in_stock_notification_requests");
}

std::future<std::vector<CatalogReferenceCount>>
AsyncConnection::get_back_in_stock_notification_requests_count_by_catalog_references(
    const std::vector<CatalogReference>& /*catalog_references*/, const CallOptions& /*options*/) {
  return unimplemented<std::vector<CatalogReferenceCount>>(
      "get_back_in_stock_notification_requests_count_by_catalog_references");
}

std::future<Settings> AsyncConnection::get_settings(const CallOptions& /*options*/) {
  return unimplemented<Settings>("get_settings");
}

std::future<Settings> AsyncConnection::start_collecting_requests(const std::string& /*app_id*/,
                                                                 const CallOptions& /*options*/) {
  return unimplemented<Settings>("start_collecting_requests");
}

std::future<Settings> AsyncConnection::stop_collecting_requests(const std::string& /*app_id*/,
                                                                const CallOptions& /*options*/) {
  return unimplemented<Settings>("stop_collecting_requests");
}

namespace {

// One Report through `report_items_back_in_stock`, waited for: its result.
BatchResult report_and_wait(AsyncConnection& connection,
                            const ReportItemsBackInStockRequest& request,
                            const CallOptions& options) {
  BatchResult result;
  try {
    connection.report_items_back_in_stock(request, options).get();
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

}  // namespace

std::vector<BatchResult> AsyncConnection::report_items_back_in_stock_batch(
    const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options) {
  std::vector<BatchResult> results;
  results.reserve(requests.size());
  for (const auto& request : requests) results.push_back(report_and_wait(*this, request, options));
  return results;
}

// The parameters are taken by value as the virtual declares them (the SDK's connection keeps them).
// NOLINTBEGIN(performance-unnecessary-value-param)
std::size_t AsyncConnection::report_items_back_in_stock_stream(
    std::function<std::optional<ReportItemsBackInStockRequest>()> next,
    std::function<void(std::size_t, const BatchResult&)> on_result, const CallOptions& options) {
  // NOLINTEND(performance-unnecessary-value-param)
  if (!next) throw ValidationError("next", "must be set");
  std::size_t fed = 0;
  while (auto request = next()) {
    BatchResult result = report_and_wait(*this, *request, options);
    if (on_result) on_result(fed, result);
    ++fed;
  }
  return fed;
}

void AsyncConnection::report_items_back_in_stock_then(
    const ReportItemsBackInStockRequest& request, std::function<void(const BatchResult&)> on_done,
    const CallOptions& options) {
  std::exception_ptr error = report_and_wait(*this, request, options).error;
  const auto done = std::move(on_done);  // the callback is this call's to keep
  internal::call_back(done, std::move(error));
}

void AsyncConnection::cancel() {}

std::size_t AsyncConnection::pending() const { return 0; }

}  // namespace wix::backinstock
