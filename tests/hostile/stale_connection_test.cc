// A kept-alive connection that is no longer clean: the peer wrote bytes nobody asked for (a second,
// unsolicited answer), or closed or reset it while it sat in the pool. Such a connection is never
// reused: each call gets its own answer, on `Client` and on `AsyncClient`. And errors say what was
// sent: a request that left the process is never reported as one that did not.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

const std::string kSettingsPath = std::string(kRequestsPath) + "/settings";
const std::string kReportPath = std::string(kRequestsPath) + "/report-items-back-in-stock";

const char kStaleBody[] = R"({"request":{"id":"stale-answer","email":"stale@example.com"}})";
const char kOwnBody[] = R"({"request":{"id":"own-answer","email":"own@example.com"}})";

ReportItemsBackInStockRequest a_report() {
  return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

// Settings are answered, then 100 ms later a second, unsolicited 200 follows on the same
// connection. A GET of a request is answered with its own body; a Report with a 500.
Then unsolicited_second_answer(int fd, const WireRequest& request) {
  if (request.target.rfind(kSettingsPath, 0) == 0) {
    HostileServer::reply(fd, 200, R"({"collectionEnabled":[]})");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return HostileServer::reply(fd, 200, kStaleBody);
  }
  if (request.method == "GET") return HostileServer::reply(fd, 200, kOwnBody);
  return HostileServer::reply(fd, 500, R"({"message":"internal"})");
}

// The second answer has arrived and sits unread in the pooled connection.
void let_the_stale_answer_arrive() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

TEST(StaleConnectionTest, ClientNeverTakesAnUnsolicitedAnswerForItsOwn) {
  HostileServer server(unsolicited_second_answer);
  Client client(test_support::one_attempt_options(server.url()));
  client.get_settings();
  let_the_stale_answer_arrive();
  auto request = client.get_back_in_stock_notification_request("own-answer");
  EXPECT_EQ(request.id, "own-answer");
}

TEST(StaleConnectionTest, ClientReportAnsweredWithAnErrorIsNotASuccess) {
  HostileServer server(unsolicited_second_answer);
  Client client(test_support::one_attempt_options(server.url()));
  client.get_settings();
  let_the_stale_answer_arrive();
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), ServerError);
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
}

TEST(StaleConnectionTest, AsyncClientNeverTakesAnUnsolicitedAnswerForItsOwn) {
  HostileServer server(unsolicited_second_answer);
  AsyncClient client(test_support::one_attempt_options(server.url()));
  client.get_settings().get();
  let_the_stale_answer_arrive();
  auto request = client.get_back_in_stock_notification_request("own-answer").get();
  EXPECT_EQ(request.id, "own-answer");
}

TEST(StaleConnectionTest, AsyncClientReportAnsweredWithAnErrorIsNotASuccess) {
  HostileServer server(unsolicited_second_answer);
  AsyncClient client(test_support::one_attempt_options(server.url()));
  client.get_settings().get();
  let_the_stale_answer_arrive();
  EXPECT_THROW(client.report_items_back_in_stock(a_report()).get(), ServerError);
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
}

// Every GET of a request answered with its own id.
Then own_answer(int fd, const WireRequest& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string id = path.substr(path.rfind('/') + 1);
  return HostileServer::reply(fd, 200,
                              R"({"request":{"id":")" + id + R"(","email":"own@example.com"}})");
}

// `count` GETs at once (the client keeps `max_in_flight` of them on the wire); every answer must
// be the call's own.
void expect_own_answers(AsyncClient& client, int count, const std::string& prefix) {
  std::vector<std::future<NotificationRequest>> calls;
  calls.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    calls.push_back(client.get_back_in_stock_notification_request(prefix + std::to_string(i)));
  }
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(calls[static_cast<std::size_t>(i)].get().id, prefix + std::to_string(i));
  }
}

// With many calls in flight, libcurl hands a connection that one transfer has just given back to
// the next transfer within the same pass of its loop, before the client has seen the first one
// end. Such a connection is still one exchange at a time (HTTP/1.1), and must still be looked at
// before each request: here every kept-alive connection then receives an unsolicited answer
// while it idles, and not one later call may take it for its own.
TEST(StaleConnectionTest, AsyncClientLooksAtEveryKeptAliveConnectionUnderLoad) {
  HostileServer server(own_answer);
  AsyncOptions async;
  async.max_in_flight = 16;
  AsyncClient client(test_support::one_attempt_options(server.url()), async);
  expect_own_answers(client, 3000, "load-");
  EXPECT_GT(server.write_to_open_connections(HostileServer::response(200, kStaleBody)), 0u);
  let_the_stale_answer_arrive();
  expect_own_answers(client, 64, "after-");
}

// The first request of a connection is answered and the connection then reset (or closed) by
// the server while it idles in the pool. The next call, a Report, must go out on a fresh
// connection, once, and succeed with one attempt.
Then betray_idle(int fd, const WireRequest& request, Then how) {
  if (request.index != 1) return HostileServer::reply(fd, 200, "{}");
  HostileServer::reply(
      fd, 200, request.target.rfind(kSettingsPath, 0) == 0 ? R"({"collectionEnabled":[]})" : "{}");
  return how;
}

class IdleBetrayalTest : public ::testing::TestWithParam<Then> {};

TEST_P(IdleBetrayalTest, ClientReportGoesOutOnceOnAFreshConnection) {
  HostileServer server([](int fd, const WireRequest& r) { return betray_idle(fd, r, GetParam()); });
  Client client(test_support::one_attempt_options(server.url()));
  client.get_settings();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NO_THROW(client.report_items_back_in_stock(a_report()));
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
  EXPECT_EQ(server.connections(), 2);
}

TEST_P(IdleBetrayalTest, AsyncClientReportGoesOutOnceOnAFreshConnection) {
  HostileServer server([](int fd, const WireRequest& r) { return betray_idle(fd, r, GetParam()); });
  AsyncClient client(test_support::one_attempt_options(server.url()));
  client.get_settings().get();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_NO_THROW(client.report_items_back_in_stock(a_report()).get());
  EXPECT_EQ(server.count(kReportPath, "POST"), 1u);
  EXPECT_EQ(server.connections(), 2);
}

INSTANTIATE_TEST_SUITE_P(ClosedOrReset, IdleBetrayalTest,
                         ::testing::Values(Then::kClose, Then::kReset),
                         [](const ::testing::TestParamInfo<Then>& info) {
                           return info.param == Then::kClose ? std::string("Closed")
                                                             : std::string("Reset");
                         });

// -- what was sent -------------------------------------------------------------------------------

// An answer without a status line (HTTP/0.9 style): the request was read, so it reached the server.
Then no_status_line(int fd, const WireRequest& /*request*/) {
  HostileServer::write_all(fd, R"({"request":{"id":"x"}})");
  return Then::kClose;
}

void expect_reached(const std::function<void()>& call) {
  try {
    call();
    ADD_FAILURE() << "an answer without a status line was accepted";
  } catch (const TransportError& e) {
    EXPECT_TRUE(e.may_have_reached_server()) << e.what();
    EXPECT_NE(e.kind(), TransportError::Kind::kConnect) << e.what();
  }
}

TEST(WhatWasSentTest, AnAnswerWithoutStatusLineMayHaveReachedTheServerForEveryMethod) {
  HostileServer server(no_status_line);
  Client client(test_support::one_attempt_options(server.url()));
  expect_reached([&] { client.get_back_in_stock_notification_request("x"); });
  expect_reached([&] { client.delete_back_in_stock_notification_request("x"); });
  expect_reached([&] { client.get_settings(); });
  expect_reached([&] { client.report_items_back_in_stock(a_report()); });
  expect_reached([&] { client.query_back_in_stock_notification_requests(Query().limit(5)); });
  EXPECT_EQ(server.requests().size(), 5u);
}

TEST(WhatWasSentTest, AsyncAnAnswerWithoutStatusLineMayHaveReachedTheServer) {
  HostileServer server(no_status_line);
  AsyncClient client(test_support::one_attempt_options(server.url()));
  expect_reached([&] { client.get_back_in_stock_notification_request("x").get(); });
  expect_reached([&] { client.report_items_back_in_stock(a_report()).get(); });
}

TEST(WhatWasSentTest, NothingSentIsStillReportedAsNotReached) {
  // A port nobody listens on: the connection is refused before a byte leaves.
  std::string url;
  {
    HostileServer closed([](int, const WireRequest&) { return Then::kClose; });
    url = closed.url();
  }
  Client client(test_support::one_attempt_options(url));
  try {
    client.report_items_back_in_stock(a_report());
    ADD_FAILURE() << "a refused connection succeeded";
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server()) << e.what();
    EXPECT_EQ(e.kind(), TransportError::Kind::kConnect) << e.what();
  }
}

}  // namespace
}  // namespace wix::backinstock
