#include "wix/backinstock/async_client.h"

#include "async_engine.h"
#include "calls.h"
#include "codec.h"

namespace wix::backinstock {

namespace {
namespace calls = internal::calls;
}  // namespace

AsyncClient::AsyncClient(ClientOptions options, AsyncOptions async)
    : engine_(std::make_unique<Engine>(std::move(options), async)) {}

AsyncClient::~AsyncClient() = default;

std::future<void> AsyncClient::report_items_back_in_stock(
    const ReportItemsBackInStockRequest& request, const CallOptions& options) {
  return engine_->submit<void>(calls::report(request), options, nullptr);
}

std::future<NotificationRequest> AsyncClient::create_back_in_stock_notification_request(
    const NewNotificationRequest& request, const ItemDetails& item_details,
    const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::create(request, item_details), options,
                                              internal::decode_request_response);
}

std::future<NotificationRequest> AsyncClient::get_back_in_stock_notification_request(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::get(id), options,
                                              internal::decode_request_response);
}

std::future<void> AsyncClient::delete_back_in_stock_notification_request(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<void>(calls::remove(id), options, nullptr);
}

std::future<NotificationRequest> AsyncClient::mark_as_notification_sent(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::mark_sent(id), options,
                                              internal::decode_request_response);
}

std::future<QueryPage> AsyncClient::query_back_in_stock_notification_requests(
    const Query& query, const CallOptions& options) {
  return engine_->submit<QueryPage>(calls::query(query), options, internal::decode_query_response);
}

std::future<std::vector<CatalogReferenceCount>>
AsyncClient::get_back_in_stock_notification_requests_count_by_catalog_references(
    const std::vector<CatalogReference>& catalog_references, const CallOptions& options) {
  return engine_->submit_count(catalog_references, options);
}

std::future<Settings> AsyncClient::get_settings(const CallOptions& options) {
  return engine_->submit<Settings>(calls::get_settings(), options,
                                   internal::decode_settings_response);
}

std::future<Settings> AsyncClient::start_collecting_requests(const std::string& app_id,
                                                             const CallOptions& options) {
  return engine_->submit<Settings>(calls::start_collecting(app_id), options,
                                   internal::decode_settings_response);
}

std::future<Settings> AsyncClient::stop_collecting_requests(const std::string& app_id,
                                                            const CallOptions& options) {
  return engine_->submit<Settings>(calls::stop_collecting(app_id), options,
                                   internal::decode_settings_response);
}

std::vector<BatchResult> AsyncClient::report_items_back_in_stock_batch(
    const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options) {
  return engine_->run_batch(requests, options);
}

void AsyncClient::cancel() { engine_->cancel(); }

std::size_t AsyncClient::pending() const { return engine_->pending.load(); }

}  // namespace wix::backinstock
