// The seams users mock: `Client` and `AsyncClient` forward every call unchanged to their
// connection, and the mocks and decorators built from api_methods.h cover every method.

#include "wix/backinstock/mocks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "wix/backinstock/api_methods.h"
#include "wix/backinstock/async_client.h"
#include "wix/backinstock/client.h"

namespace wix::backinstock {
namespace {

using ::testing::_;
using ::testing::ElementsAreArray;
using ::testing::Field;
using ::testing::Optional;
using ::testing::Ref;
using ::testing::Return;

// The decorator shown in api_methods.h: a `Connection` that forwards every method, generated from
// the list. It compiles only if the list and `Connection` agree.
#define WIX_TEST_FORWARD(Result, name, parameters, arguments) \
  Result name parameters override {                           \
    ++calls;                                                  \
    return inner->name arguments;                             \
  }
class ForwardingConnection : public Connection {
 public:
  explicit ForwardingConnection(std::shared_ptr<Connection> inner) : inner(std::move(inner)) {}
  WIX_BACKINSTOCK_API_METHODS(WIX_TEST_FORWARD)
  std::shared_ptr<Connection> inner;
  int calls = 0;
};
#undef WIX_TEST_FORWARD

CatalogReference item(int i) { return CatalogReference("item-" + std::to_string(i), "app"); }

NotificationRequest request(const std::string& id) {
  return NotificationRequest{
      id,         item(1),      "ann@example.com", "",           Status::kReceived,
      "RECEIVED", std::nullopt, std::nullopt,      std::nullopt, {}};
}

ItemDetails details() { return ItemDetails("Orchid", "29.99"); }

Settings collecting() {
  Settings settings;
  settings.collection_states.push_back({std::string(kWixStoresAppId), true});
  return settings;
}

TEST(ClientSeamTest, CountReachesTheConnectionAsOneCallWithEveryReference) {
  auto mock = std::make_shared<MockConnection>();
  std::vector<CatalogReference> references;
  for (int i = 0; i < 250; ++i) references.push_back(item(i));
  std::vector<CatalogReferenceCount> answer;
  for (const auto& reference : references) answer.push_back({reference, 1});
  CallOptions options;
  options.deadline = std::chrono::seconds(3);
  EXPECT_CALL(*mock, get_back_in_stock_notification_requests_count_by_catalog_references(
                         ElementsAreArray(references),
                         Field(&CallOptions::deadline, Optional(std::chrono::milliseconds(3000)))))
      .WillOnce(Return(answer));
  Client client(mock);
  EXPECT_EQ(
      client
          .get_back_in_stock_notification_requests_count_by_catalog_references(references, options)
          .size(),
      250u);
}

TEST(ClientSeamTest, EveryMethodOfTheListForwardsThroughADecorator) {
  auto mock = std::make_shared<MockConnection>();
  auto forwarding = std::make_shared<ForwardingConnection>(mock);
  Client client(forwarding);
  const NotificationRequest stored = request("r-1");
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _));
  EXPECT_CALL(*mock, create_back_in_stock_notification_request(_, _, _)).WillOnce(Return(stored));
  EXPECT_CALL(*mock, get_back_in_stock_notification_request("r-1", _)).WillOnce(Return(stored));
  EXPECT_CALL(*mock, delete_back_in_stock_notification_request("r-1", _));
  EXPECT_CALL(*mock, mark_as_notification_sent("r-1", _)).WillOnce(Return(stored));
  EXPECT_CALL(*mock, query_back_in_stock_notification_requests(_, _))
      .WillOnce(Return(QueryPage{{stored}, {}}));
  EXPECT_CALL(*mock, get_back_in_stock_notification_requests_count_by_catalog_references(_, _))
      .WillOnce(Return(std::vector<CatalogReferenceCount>{{item(1), 4}}));
  EXPECT_CALL(*mock, get_settings(_)).WillOnce(Return(collecting()));
  EXPECT_CALL(*mock, start_collecting_requests("app-x", _)).WillOnce(Return(collecting()));
  EXPECT_CALL(*mock, stop_collecting_requests(std::string(kWixStoresAppId), _))
      .WillOnce(Return(Settings{}));

  client.report_items_back_in_stock(ReportItemsBackInStockRequest(item(1), details()));
  EXPECT_EQ(client
                .create_back_in_stock_notification_request(
                    NewNotificationRequest(item(1), "ann@example.com"), details())
                .id,
            "r-1");
  EXPECT_EQ(client.get_back_in_stock_notification_request("r-1").id, "r-1");
  client.delete_back_in_stock_notification_request("r-1");
  EXPECT_EQ(client.mark_as_notification_sent("r-1").id, "r-1");
  EXPECT_EQ(client.query_back_in_stock_notification_requests().requests.size(), 1u);
  EXPECT_EQ(client.get_back_in_stock_notification_requests_count_by_catalog_references({item(1)})[0]
                .count,
            4);
  EXPECT_TRUE(client.get_settings().is_collecting(kWixStoresAppId));
  EXPECT_TRUE(client.start_collecting_requests("app-x").is_collecting(kWixStoresAppId));
  EXPECT_TRUE(client.stop_collecting_requests().collection_states.empty());
  EXPECT_EQ(forwarding->calls, 10);
}

TEST(AsyncClientSeamTest, MethodsForwardToTheConnectionAndKeepItsFutures) {
  auto mock = std::make_shared<MockAsyncConnection>();
  const NotificationRequest stored = request("r-2");
  CallOptions options;
  options.attempt_timeout = std::chrono::milliseconds(250);
  EXPECT_CALL(*mock, get_back_in_stock_notification_request("r-2", Ref(options)))
      .WillOnce([&](const std::string&, const CallOptions&) { return ready_future(stored); });
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).WillOnce([](auto&&...) {
    return failed_future<void>(std::make_exception_ptr(
        TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
  });
  EXPECT_CALL(*mock, delete_back_in_stock_notification_request("r-2", _)).WillOnce([](auto&&...) {
    return ready_future();
  });
  AsyncClient client(mock);
  EXPECT_EQ(client.get_back_in_stock_notification_request("r-2", options).get().id, "r-2");
  auto reported =
      client.report_items_back_in_stock(ReportItemsBackInStockRequest(item(1), details()));
  EXPECT_THROW(reported.get(), TransportError);
  EXPECT_NO_THROW(client.delete_back_in_stock_notification_request("r-2").get());
}

TEST(AsyncClientSeamTest, TheCallbackFormOfAMockIsDrivenByTheReportExpectation) {
  auto mock = std::make_shared<MockAsyncConnection>();
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _))
      .WillOnce([](auto&&...) { return ready_future(); })
      .WillOnce([](auto&&...) {
        return failed_future<void>(std::make_exception_ptr(
            TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
      });
  AsyncClient client(mock);
  std::vector<bool> ok;
  for (int i = 0; i < 2; ++i) {
    client.report_items_back_in_stock_then(ReportItemsBackInStockRequest(item(1), details()),
                                           [&](const BatchResult& r) { ok.push_back(r.ok()); });
  }
  EXPECT_EQ(ok, (std::vector<bool>{true, false}));
}

TEST(AsyncClientSeamTest, BatchCancelAndPendingReachTheConnection) {
  auto mock = std::make_shared<MockAsyncConnection>();
  std::vector<ReportItemsBackInStockRequest> requests{
      ReportItemsBackInStockRequest(item(1), details()),
      ReportItemsBackInStockRequest(item(2), details())};
  std::vector<BatchResult> results(2);
  results[1].error = std::make_exception_ptr(ValidationError("x", "bad"));
  EXPECT_CALL(*mock, report_items_back_in_stock_batch(Ref(requests), _)).WillOnce(Return(results));
  EXPECT_CALL(*mock, pending()).WillOnce(Return(7u));
  EXPECT_CALL(*mock, cancel());
  AsyncClient client(mock);
  auto got = client.report_items_back_in_stock_batch(requests);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].ok());
  EXPECT_THROW(got[1].rethrow(), ValidationError);
  EXPECT_EQ(client.pending(), 7u);
  client.cancel();
}

TEST(AsyncClientSeamTest, ANullConnectionIsRefusedByName) {
  try {
    AsyncClient client(std::shared_ptr<AsyncConnection>{});
    FAIL() << "accepted a null connection";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "connection");
  }
}

}  // namespace
}  // namespace wix::backinstock
