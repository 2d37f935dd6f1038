// Token requests are requests of the client that needs the token: they go through its transport
// (its CA file, proxy and timeouts) unless the credentials were given one of their own, they reach
// its logger, redacted, and a token endpoint that just failed is not asked again by every call
// that follows: calls wait out a short backoff when their deadline allows, or fail at once with
// the failure they would have waited for.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "credentials_cause.h"
#include "hostile_client.h"
#include "hostile_server.h"
#include "tls_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::HostileServer;
using test_support::Then;
using test_support::TlsServer;
using test_support::WireRequest;

constexpr char kAppId[] = "app-1";
constexpr char kSecret[] = "the-app-secret-0123456789";
constexpr char kInstance[] = "instance-1";
constexpr char kTokenAnswer[] = R"({"access_token":"token-from-the-endpoint","expires_in":3600})";

ReportItemsBackInStockRequest a_report() {
  return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

ClientOptions oauth_client(const std::string& url, OAuthOptions oauth = {}) {
  oauth.base_url = url;
  ClientOptions options;
  options.base_url = url;
  options.credentials =
      std::make_shared<OAuthClientCredentials>(kAppId, kSecret, kInstance, std::move(oauth));
  options.retry = RetryPolicy::no_retry();
  return options;
}

// The token endpoint and the API on one TLS server whose certificate only the client's CA file
// vouches for: the token request succeeds only through the client's transport settings.
TEST(TokenRequestsTest, GoThroughTheClientsTransportSettings) {
  TlsServer server(test_support::AfterAnswer::kNothing, kTokenAnswer);
  ClientOptions options = oauth_client(server.url());
  options.curl.ca_file = server.ca_file();
  Client client(options);
  ASSERT_NO_THROW(client.report_items_back_in_stock(a_report()));
  auto targets = server.targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0], "/oauth2/token");
}

TEST(TokenRequestsTest, AsyncClientsGoThroughItsTransportSettings) {
  TlsServer server(test_support::AfterAnswer::kNothing, kTokenAnswer);
  ClientOptions options = oauth_client(server.url());
  options.curl.ca_file = server.ca_file();
  AsyncClient client(options);
  ASSERT_NO_THROW(client.report_items_back_in_stock(a_report()).get());
  auto targets = server.targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0], "/oauth2/token");
}

// A logger that keeps copies of what it was given.
struct Logged {
  std::string method, path, request_id, error;
  int status = 0;
};
struct Log {
  std::mutex mutex;
  std::vector<Logged> records;
  std::function<void(const AttemptRecord&)> logger() {
    return [this](const AttemptRecord& r) {
      std::lock_guard<std::mutex> guard(mutex);
      records.push_back({std::string(r.method), std::string(r.path), std::string(r.request_id),
                         std::string(r.error), r.status});
    };
  }
};

TEST(TokenRequestsTest, ReachTheLoggerRedacted) {
  // The token endpoint fails once, echoing the secret in its request ID, then answers.
  std::atomic<int> token_requests{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token" && token_requests++ == 0) {
      return HostileServer::reply(fd, 503, R"({"message":"busy"})",
                                  {std::string("x-wix-request-id: echo-") + kSecret});
    }
    if (r.target == "/oauth2/token") return HostileServer::reply(fd, 200, kTokenAnswer);
    return HostileServer::reply(fd, 200, "{}");
  });
  OAuthOptions oauth;
  oauth.failure_backoff = milliseconds(0);
  ClientOptions options = oauth_client(server.url(), oauth);
  Log log;
  options.logger = log.logger();
  Client client(options);
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), CredentialsError);
  ASSERT_NO_THROW(client.report_items_back_in_stock(a_report()));
  std::lock_guard<std::mutex> guard(log.mutex);
  ASSERT_EQ(log.records.size(), 3u);
  EXPECT_EQ(log.records[0].method, "POST");
  EXPECT_EQ(log.records[0].path, "/oauth2/token");
  EXPECT_EQ(log.records[0].status, 503);
  EXPECT_EQ(log.records[0].request_id.find(kSecret), std::string::npos);
  EXPECT_EQ(log.records[0].request_id.rfind("echo-", 0), 0u);
  EXPECT_EQ(log.records[1].path, "/oauth2/token");
  EXPECT_EQ(log.records[1].status, 200);
  EXPECT_EQ(log.records[2].status, 200);
  EXPECT_NE(log.records[2].path.find("report-items-back-in-stock"), std::string::npos);
}

TEST(TokenRequestsTest, AFailedRequestIsLoggedWithItsError) {
  OAuthOptions oauth;
  oauth.failure_backoff = milliseconds(0);
  // Nothing listens on port 1 of loopback: the connection is refused.
  ClientOptions options = oauth_client("http://127.0.0.1:1", oauth);
  Log log;
  options.logger = log.logger();
  Client client(options);
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), CredentialsError);
  std::lock_guard<std::mutex> guard(log.mutex);
  ASSERT_EQ(log.records.size(), 1u);
  EXPECT_EQ(log.records[0].path, "/oauth2/token");
  EXPECT_EQ(log.records[0].status, 0);
  EXPECT_FALSE(log.records[0].error.empty());
}

// A token endpoint that answers 503 to its first `failures` requests, then tokens.
struct FlakyEndpoint {
  explicit FlakyEndpoint(int failures)
      : server([this, failures](int fd, const WireRequest& r) {
          if (r.target == "/oauth2/token") {
            if (token_requests++ < failures) {
              return HostileServer::reply(fd, 503, R"({"message":"busy"})");
            }
            return HostileServer::reply(fd, 200, kTokenAnswer);
          }
          return HostileServer::reply(fd, 200, "{}");
        }) {}
  std::atomic<int> token_requests{0};
  HostileServer server;
};

TEST(TokenRequestsTest, CallsInsideTheBackoffFailAtOnceWithTheLastFailure) {
  FlakyEndpoint endpoint(1000);
  OAuthOptions oauth;
  oauth.failure_backoff = std::chrono::minutes(1);
  Client client(oauth_client(endpoint.server.url(), oauth));
  for (int i = 0; i < 5; ++i) {
    try {
      test_support::token_failure([&] { client.report_items_back_in_stock(a_report()); });
      ADD_FAILURE() << "call " << i << " succeeded";
    } catch (const ServerError& e) {
      EXPECT_EQ(e.http_status(), 503) << "call " << i;
    }
  }
  EXPECT_EQ(endpoint.token_requests.load(), 1);
}

TEST(TokenRequestsTest, ACallWhoseDeadlineOutlastsTheBackoffWaitsAndAsksAgain) {
  FlakyEndpoint endpoint(1);
  OAuthOptions oauth;
  oauth.failure_backoff = milliseconds(1500);
  Client client(oauth_client(endpoint.server.url(), oauth));
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), CredentialsError);
  EXPECT_EQ(endpoint.token_requests.load(), 1);
  // Its deadline ends before the backoff does: the last failure, at once, nothing asked.
  CallOptions short_call;
  short_call.deadline = milliseconds(300);
  EXPECT_THROW(client.report_items_back_in_stock(a_report(), short_call), CredentialsError);
  EXPECT_EQ(endpoint.token_requests.load(), 1);
  // Time enough: it waits for the end of the backoff, then asks, and the endpoint has recovered.
  CallOptions long_call;
  long_call.deadline = milliseconds(30'000);
  EXPECT_NO_THROW(client.report_items_back_in_stock(a_report(), long_call));
  EXPECT_EQ(endpoint.token_requests.load(), 2);
}

TEST(TokenRequestsTest, BackoffIsValidated) {
  OAuthOptions oauth;
  oauth.failure_backoff = milliseconds(-1);
  EXPECT_THROW(OAuthClientCredentials(kAppId, kSecret, kInstance, oauth), ValidationError);
  oauth.failure_backoff = milliseconds(0);
  oauth.max_failure_backoff = milliseconds(-1);
  EXPECT_THROW(OAuthClientCredentials(kAppId, kSecret, kInstance, oauth), ValidationError);
}

}  // namespace
}  // namespace wix::backinstock
