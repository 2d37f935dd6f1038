// "Never twice": a pooled keep-alive connection is reused for a call that may e-mail customers; the
// server reads the whole request and closes the connection without a response byte (what a load
// balancer or a restarting server does). Counted on the server: the body of such a call arrives
// once, never twice, on `Client`, on `AsyncClient` futures and in a batch. Idempotent calls may be
// sent again and succeed.

#include <gtest/gtest.h>

#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using testing::HostileServer;
using testing::Then;
using testing::WireRequest;

const std::string kReportPath = std::string(kRequestsPath) + "/report-items-back-in-stock";
const std::string kSettingsPath = std::string(kRequestsPath) + "/settings";

// The first request of every connection is answered; any later one is read, then the connection
// is closed without a byte: a reused connection dies after the server read the request.
Then close_reused(int fd, const WireRequest& request) {
  if (request.index == 1) return HostileServer::reply(fd, 200, "{}");
  return Then::kClose;
}

ClientOptions options_for(const HostileServer& server) {
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = ApiKeyCredentials::for_site("hostile-test-key", "site-1");
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(2);
  options.request_timeout = std::chrono::seconds(5);
  return options;
}

ReportItemsBackInStockRequest a_report() {
  return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

void expect_may_have_reached(const std::exception_ptr& error) {
  ASSERT_TRUE(error) << "the call succeeded, so the body was sent again";
  try {
    std::rethrow_exception(error);
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.may_have_reached_server()) << e.what();
    EXPECT_EQ(e.attempts(), 1) << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected error: " << e.what();
  }
}

TEST(NeverTwiceTest, ClientReportOnAReusedConnectionThatDiesIsNotResent) {
  HostileServer server(close_reused);
  Client client(options_for(server));
  client.get_settings();  // opens the connection the report will reuse
  std::exception_ptr error;
  try {
    client.report_items_back_in_stock(a_report());
  } catch (...) {
    error = std::current_exception();
  }
  expect_may_have_reached(error);
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
}

TEST(NeverTwiceTest, ClientCreateOnAReusedConnectionThatDiesIsNotResent) {
  HostileServer server([](int fd, const WireRequest& request) {
    if (request.index == 1) return HostileServer::reply(fd, 200, "{}");
    return Then::kClose;
  });
  Client client(options_for(server));
  client.get_settings();
  std::exception_ptr error;
  try {
    client.create_back_in_stock_notification_request(
        NewNotificationRequest(CatalogReference("orchid", kWixStoresAppId), "ann@example.com"),
        ItemDetails("White Orchid", "29.99"));
  } catch (...) {
    error = std::current_exception();
  }
  expect_may_have_reached(error);
  EXPECT_EQ(server.count(std::string(kRequestsPath), "POST"), 1u);
}

TEST(NeverTwiceTest, IdempotentCallOnAReusedConnectionThatDiesIsSentAgain) {
  HostileServer server(close_reused);
  Client client(options_for(server));
  client.get_settings();
  EXPECT_NO_THROW(client.get_settings());
  EXPECT_EQ(server.count(kSettingsPath, "PUT"), 3u);  // the second call went twice, and succeeded
}

TEST(NeverTwiceTest, AsyncReportOnAReusedConnectionThatDiesIsNotResent) {
  HostileServer server(close_reused);
  AsyncOptions async;
  async.max_in_flight = 1;  // one connection, so the report reuses it
  AsyncClient client(options_for(server), async);
  client.get_settings().get();
  std::exception_ptr error;
  try {
    client.report_items_back_in_stock(a_report()).get();
  } catch (...) {
    error = std::current_exception();
  }
  expect_may_have_reached(error);
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
}

TEST(NeverTwiceTest, BatchReportsOnReusedConnectionsThatDieAreNotResent) {
  HostileServer server(close_reused);
  AsyncOptions async;
  async.max_in_flight = 2;
  AsyncClient client(options_for(server), async);
  std::vector<ReportItemsBackInStockRequest> reports(6, a_report());
  auto results = client.report_items_back_in_stock_batch(reports);
  // Every report was sent exactly once, whatever happened to its connection.
  EXPECT_EQ(server.count(kReportPath, "POST"), reports.size());
  std::size_t failed = 0;
  for (const auto& r : results) {
    if (!r.ok()) {
      ++failed;
      expect_may_have_reached(r.error);
    }
  }
  EXPECT_GT(failed, 0u);  // the reused connections did die
}

}  // namespace
}  // namespace wix::backinstock
