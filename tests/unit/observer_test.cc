// What an observer is told names the API method of each call: every method of `Client`, and each
// part of a Count split in several requests, under its own name.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wix/backinstock/client.h"
#include "wix/backinstock/observer.h"

namespace wix::backinstock {
namespace {

// Refuses every request: each call ends after one attempt, with no answer.
class RefusingTransport : public Transport {
 public:
  HttpResponse send(const HttpRequest& /*request*/) override {
    throw TransportError(TransportError::Kind::kConnect, false, "refused");
  }
};

class Recorder : public Observer {
 public:
  void on_attempt(const AttemptEvent& event) override {
    std::lock_guard<std::mutex> guard(mutex);
    attempts.emplace_back(event.api_method);
  }
  void on_call(const CallEvent& event) override {
    std::lock_guard<std::mutex> guard(mutex);
    calls.emplace_back(event.api_method);
  }
  std::mutex mutex;
  std::vector<std::string> attempts, calls;
};

// A client whose every call is refused after one attempt, observed by `recorder`.
Client refusing_client(const std::shared_ptr<Recorder>& recorder) {
  ClientOptions options;
  options.base_url = "http://127.0.0.1:1";
  options.credentials = ApiKeyCredentials::for_site("key", "site");
  options.transport = std::make_shared<RefusingTransport>();
  options.observer = recorder;
  options.retry.max_attempts = 1;
  return Client(options);
}

CatalogReference item(int i) { return CatalogReference("item-" + std::to_string(i), "app"); }

TEST(ObserverTest, EveryCallAndAttemptNamesItsApiMethod) {
  auto recorder = std::make_shared<Recorder>();
  Client client = refusing_client(recorder);
  auto refused = [](auto&& call) { EXPECT_THROW(call(), TransportError); };
  refused([&] {
    client.report_items_back_in_stock(
        ReportItemsBackInStockRequest(item(1), ItemDetails("Orchid", "29.99")));
  });
  refused([&] {
    client.create_back_in_stock_notification_request(
        NewNotificationRequest(item(1), "ann@example.com"), ItemDetails("Orchid", "29.99"));
  });
  refused([&] { client.get_back_in_stock_notification_request("r-1"); });
  refused([&] { client.delete_back_in_stock_notification_request("r-1"); });
  refused([&] { client.mark_as_notification_sent("r-1"); });
  refused([&] { client.query_back_in_stock_notification_requests(); });
  refused([&] {
    client.get_back_in_stock_notification_requests_count_by_catalog_references({item(1), item(2)});
  });
  refused([&] { client.get_settings(); });
  refused([&] { client.start_collecting_requests(); });
  refused([&] { client.stop_collecting_requests(); });
  const std::vector<std::string> expected{
      "report_items_back_in_stock",
      "create_back_in_stock_notification_request",
      "get_back_in_stock_notification_request",
      "delete_back_in_stock_notification_request",
      "mark_as_notification_sent",
      "query_back_in_stock_notification_requests",
      "get_back_in_stock_notification_requests_count_by_catalog_references",
      "get_settings",
      "start_collecting_requests",
      "stop_collecting_requests"};
  EXPECT_EQ(recorder->calls, expected);
  EXPECT_EQ(recorder->attempts, expected);
}

TEST(ObserverTest, EachPartOfASplitCountIsACountCall) {
  auto recorder = std::make_shared<Recorder>();
  Client client = refusing_client(recorder);
  std::vector<CatalogReference> references;
  for (int i = 0; i < 150; ++i) references.push_back(item(i));  // two parts of at most 100
  EXPECT_THROW(
      client.get_back_in_stock_notification_requests_count_by_catalog_references(references),
      TransportError);
  ASSERT_FALSE(recorder->calls.empty());
  for (const auto& name : recorder->calls) {
    EXPECT_EQ(name, "get_back_in_stock_notification_requests_count_by_catalog_references");
  }
}

}  // namespace
}  // namespace wix::backinstock
