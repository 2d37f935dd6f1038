// A user's decorators written against this release: a `Connection` that times the Report and
// forwards the Get, and an `AsyncConnection` that forwards the Report. check_new_method.sh compiles
// this against the headers with one more API method added to both interfaces: it must still
// compile, since every method has a default.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "wix/backinstock/async_connection.h"
#include "wix/backinstock/client.h"

namespace bis = wix::backinstock;

class TimedConnection : public bis::Connection {
 public:
  explicit TimedConnection(std::shared_ptr<bis::Connection> inner) : inner_(std::move(inner)) {}
  void report_items_back_in_stock(const bis::ReportItemsBackInStockRequest& request,
                                  const bis::CallOptions& options) override {
    const auto start = std::chrono::steady_clock::now();
    inner_->report_items_back_in_stock(request, options);
    last_ = std::chrono::steady_clock::now() - start;
  }
  bis::NotificationRequest get_back_in_stock_notification_request(
      const std::string& id, const bis::CallOptions& options) override {
    return inner_->get_back_in_stock_notification_request(id, options);
  }

 private:
  std::shared_ptr<bis::Connection> inner_;
  std::chrono::steady_clock::duration last_{};
};

class ForwardingAsync : public bis::AsyncConnection {
 public:
  explicit ForwardingAsync(std::shared_ptr<bis::AsyncConnection> inner)
      : inner_(std::move(inner)) {}
  std::future<void> report_items_back_in_stock(const bis::ReportItemsBackInStockRequest& request,
                                               const bis::CallOptions& options) override {
    return inner_->report_items_back_in_stock(request, options);
  }

 private:
  std::shared_ptr<bis::AsyncConnection> inner_;
};

int main() {
  // Made as users make them: an abstract class (a pure method left) would not compile here.
  auto timed = std::make_shared<TimedConnection>(bis::make_connection({}));
  auto forwarding = std::make_shared<ForwardingAsync>(nullptr);
  return timed && forwarding ? 0 : 1;
}
