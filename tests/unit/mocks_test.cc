// The seams users mock: `Client` and `AsyncClient` forward every call unchanged to their
// connection, the mocks cover every method, a decorator overrides what it needs, and what a
// connection does not override fails with `UnimplementedError`, nothing sent.

#include "wix/backinstock/mocks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "api_method_list.h"

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

// A user's decorator: a `Connection` that forwards every method to another one, written out as a
// user writes it. Were a method of `Connection` missing here, the `override`s would still compile
// (the defaults) and the test below would fail with `UnimplementedError`.
class ForwardingConnection : public Connection {
 public:
  explicit ForwardingConnection(std::shared_ptr<Connection> inner) : inner(std::move(inner)) {}
  void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                  const CallOptions& options) override {
    ++calls;
    inner->report_items_back_in_stock(request, options);
  }
  NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options) override {
    ++calls;
    return inner->create_back_in_stock_notification_request(request, item_details, options);
  }
  NotificationRequest get_back_in_stock_notification_request(const std::string& id,
                                                             const CallOptions& options) override {
    ++calls;
    return inner->get_back_in_stock_notification_request(id, options);
  }
  void delete_back_in_stock_notification_request(const std::string& id,
                                                 const CallOptions& options) override {
    ++calls;
    inner->delete_back_in_stock_notification_request(id, options);
  }
  NotificationRequest mark_as_notification_sent(const std::string& id,
                                                const CallOptions& options) override {
    ++calls;
    return inner->mark_as_notification_sent(id, options);
  }
  QueryPage query_back_in_stock_notification_requests(const Query& query,
                                                      const CallOptions& options) override {
    ++calls;
    return inner->query_back_in_stock_notification_requests(query, options);
  }
  std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references,
      const CallOptions& options) override {
    ++calls;
    return inner->get_back_in_stock_notification_requests_count_by_catalog_references(
        catalog_references, options);
  }
  Settings get_settings(const CallOptions& options) override {
    ++calls;
    return inner->get_settings(options);
  }
  Settings start_collecting_requests(const std::string& app_id,
                                     const CallOptions& options) override {
    ++calls;
    return inner->start_collecting_requests(app_id, options);
  }
  Settings stop_collecting_requests(const std::string& app_id,
                                    const CallOptions& options) override {
    ++calls;
    return inner->stop_collecting_requests(app_id, options);
  }
  std::shared_ptr<Connection> inner;
  int calls = 0;
};

// The mocks declare every API method themselves (a method they left to `Connection`'s default
// would throw instead of being mockable): checked for each method of the list. (The parameter
// list is a type's, it cannot be parenthesised.)
// NOLINTBEGIN(bugprone-macro-parentheses)
#define WIX_TEST_MOCKED(Result, name, parameters)                                            \
  static_assert(                                                                             \
      std::is_same_v<decltype(&MockConnection::name), Result(MockConnection::*) parameters>, \
      "MockConnection does not mock " #name);                                                \
  static_assert(std::is_same_v<decltype(&MockAsyncConnection::name),                         \
                               std::future<Result>(MockAsyncConnection::*) parameters>,      \
                "MockAsyncConnection does not mock " #name);
WIX_TEST_API_METHODS(WIX_TEST_MOCKED)
#undef WIX_TEST_MOCKED
// NOLINTEND(bugprone-macro-parentheses)

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

TEST(ClientSeamTest, EveryMethodForwardsThroughADecorator) {
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

// A decorator written for one method only (a user's "log every Report"): it compiles, what it
// overrides works, and what it does not fails with `UnimplementedError` naming the method.
class ReportOnlyConnection : public Connection {
 public:
  explicit ReportOnlyConnection(std::shared_ptr<Connection> inner) : inner_(std::move(inner)) {}
  void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                  const CallOptions& options) override {
    inner_->report_items_back_in_stock(request, options);
  }

 private:
  std::shared_ptr<Connection> inner_;
};

TEST(ConnectionDefaultsTest, AMethodADecoratorDoesNotOverrideThrowsUnimplementedNamingIt) {
  auto mock = std::make_shared<MockConnection>();
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);
  EXPECT_CALL(*mock, get_settings(_)).Times(0);
  Client client(std::make_shared<ReportOnlyConnection>(mock));
  client.report_items_back_in_stock(ReportItemsBackInStockRequest(item(1), details()));
  try {
    client.get_settings();
    FAIL() << "no UnimplementedError";
  } catch (const UnimplementedError& e) {
    EXPECT_EQ(e.method(), "get_settings");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("get_settings"));
  }
  EXPECT_THROW(
      client.get_back_in_stock_notification_requests_count_by_catalog_references({item(1)}),
      UnimplementedError);
}

// An asynchronous connection that implements only the single Report: the API methods it leaves
// out give futures holding `UnimplementedError`; batches, streams and callbacks go through its
// Report, one item after another.
class ReportOnlyAsyncConnection : public AsyncConnection {
 public:
  std::future<void> report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                               const CallOptions& /*options*/) override {
    reported.push_back(request.catalog_reference()->catalog_item_id());
    if (reported.size() == 2) {
      return failed_future<void>(std::make_exception_ptr(
          TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
    }
    return ready_future();
  }
  std::vector<std::string> reported;
};

TEST(ConnectionDefaultsTest, AnAsyncConnectionsDefaultsFailTheFutureOrGoThroughItsReport) {
  auto connection = std::make_shared<ReportOnlyAsyncConnection>();
  AsyncClient client(connection);
  auto settings = client.get_settings();
  EXPECT_THROW(settings.get(), UnimplementedError);
  auto results =
      client.report_items_back_in_stock_batch({ReportItemsBackInStockRequest(item(1), details()),
                                               ReportItemsBackInStockRequest(item(2), details()),
                                               ReportItemsBackInStockRequest(item(3), details())});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_THROW(results[1].rethrow(), TransportError);
  EXPECT_TRUE(results[2].ok());
  int next = 3, streamed_ok = 0;
  EXPECT_EQ(client.report_items_back_in_stock_stream(
                [&]() -> std::optional<ReportItemsBackInStockRequest> {
                  if (next == 5) return std::nullopt;
                  return ReportItemsBackInStockRequest(item(++next), details());
                },
                [&](std::size_t, const BatchResult& r) { streamed_ok += r.ok() ? 1 : 0; }),
            2u);
  EXPECT_EQ(streamed_ok, 2);
  EXPECT_EQ(connection->reported,
            (std::vector<std::string>{"item-1", "item-2", "item-3", "item-4", "item-5"}));
  EXPECT_EQ(client.pending(), 0u);
  client.cancel();  // the default does nothing
}

}  // namespace
}  // namespace wix::backinstock
