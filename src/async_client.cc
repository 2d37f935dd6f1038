#include "wix/backinstock/async_client.h"

#include "async_engine.h"
#include "wire_calls.h"

namespace wix::backinstock {

namespace {

namespace calls = internal::calls;

// The SDK's asynchronous connection: each method's wire call, submitted to the engine.
class CurlAsyncConnection final : public AsyncConnection {
 public:
  CurlAsyncConnection(ClientOptions options, AsyncOptions async)
      : engine_(std::move(options), async) {}

  // One override per row of api_methods.h.
#define WIX_BACKINSTOCK_ASYNC_METHOD(Result, name, parameters, arguments) \
  std::future<Result> name parameters override {                          \
    return engine_.submit<Result>(calls::name arguments, options);        \
  }
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_ASYNC_METHOD)
#undef WIX_BACKINSTOCK_ASYNC_METHOD

  std::vector<BatchResult> report_items_back_in_stock_batch(
      const std::vector<ReportItemsBackInStockRequest>& requests,
      const CallOptions& options) override {
    return engine_.run_batch(requests, options);
  }

  void cancel() override { engine_.cancel(); }

  std::size_t pending() const override { return engine_.pending.load(); }

 private:
  internal::Engine engine_;
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

// One forward per row of api_methods.h.
#define WIX_BACKINSTOCK_ASYNC_CLIENT_METHOD(Result, name, parameters, arguments) \
  std::future<Result> AsyncClient::name parameters { return connection_->name arguments; }
WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_ASYNC_CLIENT_METHOD)
#undef WIX_BACKINSTOCK_ASYNC_CLIENT_METHOD

std::vector<BatchResult> AsyncClient::report_items_back_in_stock_batch(
    const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options) {
  return connection_->report_items_back_in_stock_batch(requests, options);
}

void AsyncClient::cancel() { connection_->cancel(); }

std::size_t AsyncClient::pending() const { return connection_->pending(); }

}  // namespace wix::backinstock
