#include "wix/backinstock/async_client.h"

#include "async_answers.h"
#include "async_engine.h"
#include "wire_calls.h"

namespace wix::backinstock {

namespace {

namespace wire_calls = internal::wire_calls;

// The SDK's asynchronous connection: each method's wire call, submitted to the engine.
class CurlAsyncConnection final : public AsyncConnection {
 public:
  CurlAsyncConnection(ClientOptions options, AsyncOptions async)
      : engine_(internal::Engine::launch(std::move(options), async)) {}
  // From a callback on the engine's loop (the last reference let go there), the loop ends after
  // that callback, cancelling what is unfinished.
  ~CurlAsyncConnection() override { engine_->shutdown(); }
  CurlAsyncConnection(const CurlAsyncConnection&) = delete;
  CurlAsyncConnection& operator=(const CurlAsyncConnection&) = delete;

  // Each API method: its wire call (wire_calls.h), submitted to the engine, its future settled
  // by the method's decoding (async_answers.h).
  std::future<void> report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                               const CallOptions& options) override {
    return submit<void>(wire_calls::report_items_back_in_stock(request, options), options);
  }
  std::future<NotificationRequest> create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options) override {
    return submit<NotificationRequest>(
        wire_calls::create_back_in_stock_notification_request(request, item_details, options),
        options);
  }
  std::future<NotificationRequest> get_back_in_stock_notification_request(
      const std::string& id, const CallOptions& options) override {
    return submit<NotificationRequest>(
        wire_calls::get_back_in_stock_notification_request(id, options), options);
  }
  std::future<void> delete_back_in_stock_notification_request(const std::string& id,
                                                              const CallOptions& options) override {
    return submit<void>(wire_calls::delete_back_in_stock_notification_request(id, options),
                        options);
  }
  std::future<NotificationRequest> mark_as_notification_sent(const std::string& id,
                                                             const CallOptions& options) override {
    return submit<NotificationRequest>(wire_calls::mark_as_notification_sent(id, options), options);
  }
  std::future<QueryPage> query_back_in_stock_notification_requests(
      const Query& query, const CallOptions& options) override {
    return submit<QueryPage>(wire_calls::query_back_in_stock_notification_requests(query, options),
                             options);
  }
  std::future<std::vector<CatalogReferenceCount>>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references,
      const CallOptions& options) override {
    return submit_parts(
        wire_calls::get_back_in_stock_notification_requests_count_by_catalog_references(
            catalog_references, options),
        options);
  }
  std::future<Settings> get_settings(const CallOptions& options) override {
    return submit<Settings>(wire_calls::get_settings(options), options);
  }
  std::future<Settings> start_collecting_requests(const std::string& app_id,
                                                  const CallOptions& options) override {
    return submit<Settings>(wire_calls::start_collecting_requests(app_id, options), options);
  }
  std::future<Settings> stop_collecting_requests(const std::string& app_id,
                                                 const CallOptions& options) override {
    return submit<Settings>(wire_calls::stop_collecting_requests(app_id, options), options);
  }

  std::vector<BatchResult> report_items_back_in_stock_batch(
      const std::vector<ReportItemsBackInStockRequest>& requests,
      const CallOptions& options) override {
    std::vector<BatchResult> results(requests.size());
    auto feed = std::make_shared<internal::Engine::Feed>();
    feed->options = options;
    feed->next = [&requests, &options, i = std::size_t{0}]() mutable {
      std::optional<internal::WireCall> wire;
      if (i < requests.size())
        wire = wire_calls::report_items_back_in_stock(requests[i++], options);
      return wire;
    };
    feed->on_result = [&results](std::size_t index, BatchResult&& result) {
      results[index] = std::move(result);
    };
    // Items never started (the client was cancelled first) are cancelled too.
    for (std::size_t i = engine_->run_feed(feed); i < results.size(); ++i) {
      results[i].error = internal::Engine::cancelled(false);
    }
    return results;
  }

  std::size_t report_items_back_in_stock_stream(
      std::function<std::optional<ReportItemsBackInStockRequest>()> next,
      std::function<void(std::size_t, const BatchResult&)> on_result,
      const CallOptions& options) override {
    if (!next) throw ValidationError("next", "must be set");
    auto feed = std::make_shared<internal::Engine::Feed>();
    feed->options = options;
    // Each request the caller hands out becomes its wire call at once, and is not kept.
    feed->next = [next = std::move(next), options]() {
      std::optional<internal::WireCall> wire;
      if (auto request = next()) wire = wire_calls::report_items_back_in_stock(*request, options);
      return wire;
    };
    feed->on_result = [on_result = std::move(on_result)](std::size_t index, BatchResult&& r) {
      if (on_result) on_result(index, r);
    };
    return engine_->run_feed(feed);
  }

  void report_items_back_in_stock_then(const ReportItemsBackInStockRequest& request,
                                       std::function<void(const BatchResult&)> on_done,
                                       const CallOptions& options) override {
    engine_->submit_then(wire_calls::report_items_back_in_stock(request, options),
                         std::move(on_done), options);
  }

  void cancel() override { engine_->cancel(); }

  std::size_t pending() const override { return engine_->pending(); }

 private:
  template <typename Result>
  std::future<Result> submit(internal::WireCall wire, const CallOptions& options) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    std::string expected_id = std::move(wire.expected_id);  // for the answer, not the request
    engine_->submit(std::move(wire), options,
                    internal::settle<Result>(std::move(promise), std::move(expected_id)));
    return future;
  }

  // Count's parts run concurrently, each answer matched to its references, merged in order.
  std::future<std::vector<CatalogReferenceCount>> submit_parts(internal::SplitCall call,
                                                               const CallOptions& options) {
    auto merge = internal::CountMerge::make(call.parts.size());
    for (std::size_t i = 0; i < call.parts.size(); ++i) {
      engine_->submit(std::move(call.parts[i]), options, merge->part(i, std::move(call.asked[i])));
    }
    return merge->future();
  }

  std::shared_ptr<internal::Engine> engine_;
};

}  // namespace

std::shared_ptr<AsyncConnection> make_async_connection(ClientOptions options, AsyncOptions async) {
  return std::make_shared<CurlAsyncConnection>(std::move(options), async);
}

AsyncClient::AsyncClient(ClientOptions options, AsyncOptions async)
    : connection_(make_async_connection(std::move(options), async)) {}

AsyncClient::AsyncClient(std::shared_ptr<AsyncConnection> connection)
    : connection_(std::move(connection)) {
  if (!connection_) throw ValidationError("connection", "must not be null");
}

AsyncClient::~AsyncClient() = default;

std::vector<BatchResult> AsyncClient::report_items_back_in_stock_batch(
    const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options) {
  return connection_->report_items_back_in_stock_batch(requests, options);
}

std::size_t AsyncClient::report_items_back_in_stock_stream(
    std::function<std::optional<ReportItemsBackInStockRequest>()> next,
    std::function<void(std::size_t, const BatchResult&)> on_result, const CallOptions& options) {
  return connection_->report_items_back_in_stock_stream(std::move(next), std::move(on_result),
                                                        options);
}

void AsyncClient::report_items_back_in_stock_then(const ReportItemsBackInStockRequest& request,
                                                  std::function<void(const BatchResult&)> on_done,
                                                  const CallOptions& options) {
  connection_->report_items_back_in_stock_then(request, std::move(on_done), options);
}

void AsyncClient::cancel() { connection_->cancel(); }

std::size_t AsyncClient::pending() const { return connection_->pending(); }

}  // namespace wix::backinstock
