#include "wix/backinstock/async_client.h"

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

  // One override per row of api_methods.h.
#define WIX_BACKINSTOCK_ASYNC_METHOD(Result, name, parameters, arguments) \
  std::future<Result> name parameters override {                          \
    return engine_->submit<Result>(wire_calls::name arguments, options);  \
  }
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_ASYNC_METHOD)
#undef WIX_BACKINSTOCK_ASYNC_METHOD

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

void AsyncConnection::report_items_back_in_stock_then(
    const ReportItemsBackInStockRequest& request, std::function<void(const BatchResult&)> on_done,
    const CallOptions& options) {
  std::exception_ptr error;
  try {
    report_items_back_in_stock(request, options).get();
  } catch (...) {
    error = std::current_exception();
  }
  const auto done = std::move(on_done);  // the callback is this call's to keep
  internal::call_back(done, std::move(error));
}

void AsyncClient::report_items_back_in_stock_then(const ReportItemsBackInStockRequest& request,
                                                  std::function<void(const BatchResult&)> on_done,
                                                  const CallOptions& options) {
  connection_->report_items_back_in_stock_then(request, std::move(on_done), options);
}

void AsyncClient::cancel() { connection_->cancel(); }

std::size_t AsyncClient::pending() const { return connection_->pending(); }

}  // namespace wix::backinstock
