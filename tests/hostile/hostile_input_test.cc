// Hostile values from servers and callers: look-alike loopback hosts, header injection through a
// token, dot segments in IDs, cycling cursors, absurd Retry-After values, integers out of range.

#include <gtest/gtest.h>

#include <mutex>

#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

TEST(LoopbackTest, PlainHttpIsRefusedForHostsThatOnlyLookLikeLoopback) {
  for (const char* url :
       {"http://127.attacker.test", "http://127.0.0.1.attacker.test",
        "http://127.0.0.1@attacker.test", "http://localhost.attacker.test",
        "http://[::1].attacker.test", "http://127.1", "http://0x7f.0.0.1", "http://127.0.0.256"}) {
    EXPECT_THROW(Client{test_support::one_attempt_options(url)}, ValidationError) << url;
  }
  for (const char* url :
       {"http://127.0.0.1", "http://127.0.0.1:8080", "http://127.9.8.7/", "http://localhost:1",
        "http://LOCALHOST", "http://[::1]:8080", "http://user@127.0.0.1:8080"}) {
    EXPECT_NO_THROW(Client{test_support::one_attempt_options(url)}) << url;
  }
}

// A base URL is scheme, host, port and an optional path prefix: a query, a fragment or path
// parameters would send the calls to another path of the server (a fragment drops the API path).
TEST(BaseUrlTest, AQueryFragmentOrPathParametersAreRefused) {
  HostileServer server(
      [](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, "{}"); });
  for (const char* tail : {"?x=1", "/?x=1", "#frag", "/gw#frag", "/gw;p=1", ";p=1", "/a?", "/a#"}) {
    const std::string url = server.url() + tail;
    try {
      Client client{test_support::one_attempt_options(url)};
      ADD_FAILURE() << url << " was accepted";
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), "base_url") << url;
    }
    OAuthOptions oauth;
    oauth.base_url = url;
    EXPECT_THROW(OAuthClientCredentials("app", "secret", "inst", oauth), ValidationError) << url;
  }
  EXPECT_EQ(server.requests().size(), 0u);
  EXPECT_NO_THROW(Client{test_support::one_attempt_options(server.url() + "/gateway/v2")});
}

TEST(HeaderInjectionTest, TokenWithCrLfFromTheTokenEndpointNeverBecomesAHeader) {
  HostileServer server([](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") {
      return HostileServer::reply(fd, 200,
                                  R"({"access_token":"tok\r\nX-Injected: yes","expires_in":3600})");
    }
    return HostileServer::reply(fd, 200, "{}");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  auto options = test_support::one_attempt_options(server.url());
  options.credentials = std::make_shared<OAuthClientCredentials>("app", "secret", "inst", oauth);
  Client client(options);
  EXPECT_THROW(client.get_settings(), TransportError);
  for (const auto& r : server.requests()) {
    EXPECT_TRUE(r.header("X-Injected").empty()) << r.head;
  }
  EXPECT_EQ(server.count(kRequestsPath), 0u);
}

TEST(DotSegmentTest, DotIdsStayOneEncodedSegmentOnTheWire) {
  HostileServer server([](int fd, const WireRequest& r) {
    if (r.method == "DELETE") return HostileServer::reply(fd, 200, "{}");
    // The request asked about, as a service answers.
    const bool two_dots = r.target.find("%2E%2E") != std::string::npos;
    return HostileServer::reply(
        fd, 200, two_dots ? R"({"request":{"id":".."}})" : R"({"request":{"id":"."}})");
  });
  Client client(test_support::one_attempt_options(server.url()));
  const std::string base = kRequestsPath;
  client.get_back_in_stock_notification_request("..");
  client.get_back_in_stock_notification_request(".");
  client.mark_as_notification_sent("..");
  client.delete_back_in_stock_notification_request(".");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].target, base + "/%2E%2E?id=%2E%2E");
  EXPECT_EQ(requests[1].target, base + "/%2E?id=%2E");
  EXPECT_EQ(requests[2].target, base + "/%2E%2E/mark-as-notification-sent");
  EXPECT_EQ(requests[2].method, "PUT");
  EXPECT_EQ(requests[3].target, base + "/%2E?id=%2E");
  EXPECT_EQ(requests[3].method, "DELETE");
}

TEST(PagerTest, StopsOnAnyRepeatedCursor) {
  // Page 1 points at A, A at B, B back at A: a cycle the pager must not walk forever. Each page
  // holds a new request, so only the cursor tells that the walk goes round.
  HostileServer server([](int fd, const WireRequest& r) {
    std::string next = r.index % 2 == 1 ? "A" : "B";
    return HostileServer::reply(fd, 200,
                                R"({"requests":[{"id":"r)" + std::to_string(r.index) +
                                    R"("}],"metadata":{"count":1,"cursors":{"next":")" + next +
                                    R"("}}})");
  });
  Client client(test_support::one_attempt_options(server.url()));
  // The server's answers alternate A, B, A, B... (one keep-alive connection) whatever was sent.
  std::size_t seen = 0;
  EXPECT_THROW(
      {
        for (const auto& r :
             client.query_all_back_in_stock_notification_requests(Query().limit(1))) {
          (void)r;
          if (++seen > 50) break;
        }
      },
      PagingError);
  EXPECT_LE(seen, 3u);
  EXPECT_LE(server.requests().size(), 3u);
}

struct Sleeps {
  std::mutex mutex;
  std::vector<milliseconds> waits;
  std::function<void(milliseconds)> recorder() {
    return [this](milliseconds d) {
      std::lock_guard<std::mutex> guard(mutex);
      waits.push_back(d);
    };
  }
};

class RetryAfterTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RetryAfterTest, NoWaitExceedsThePolicyAndTheCallStopsAtOnce) {
  const std::string value = GetParam();
  HostileServer server([&](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 429, "{}", {"Retry-After: " + value});
  });
  auto options = test_support::one_attempt_options(server.url());
  options.retry = RetryPolicy();
  options.retry.deadline = milliseconds(0);  // no deadline: only the policy's maximum bounds a wait
  Sleeps sleeps;
  testing::ClientSeams seams;
  seams.sleeper = sleeps.recorder();
  Client client = testing::make_client(options, seams);
  try {
    client.get_settings();
    FAIL();
  } catch (const RateLimitedError& e) {
    EXPECT_EQ(e.attempts(), 1) << e.what();
    EXPECT_NE(e.retry_stop_reason().find("Retry-After"), std::string::npos)
        << e.retry_stop_reason();
  }
  EXPECT_TRUE(sleeps.waits.empty());
  EXPECT_EQ(server.requests().size(), 1u);  // not hammered
}

INSTANTIATE_TEST_SUITE_P(Values, RetryAfterTest,
                         ::testing::Values("999999", "86400", "Fri, 31 Dec 9999 23:59:59 GMT",
                                           "Sun, 06 Nov 2994 08:49:37 GMT",
                                           "99999999999999999999999"));

TEST(RetryAfterTest, AWaitBeyondTheDeadlineStopsAtOnceWithThatReason) {
  HostileServer server([](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 503, "{}", {"Retry-After: 10"});
  });
  auto options = test_support::one_attempt_options(server.url());
  options.retry = RetryPolicy();
  options.retry.deadline = milliseconds(5'000);
  Sleeps sleeps;
  testing::ClientSeams seams;
  seams.sleeper = sleeps.recorder();
  Client client = testing::make_client(options, seams);
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_EQ(e.retry_stop_reason(), "deadline exceeded");
  }
  EXPECT_TRUE(sleeps.waits.empty());
}

TEST(IntegerRangeTest, CountsOutsideInt32AreMalformed) {
  for (const char* count : {"4294967297", "-1", "2147483648", "1e3", "1.5"}) {
    HostileServer server([&](int fd, const WireRequest&) {
      return HostileServer::reply(
          fd, 200,
          std::string(
              R"({"countsPerCatalogReference":[{"catalogReference":{"catalogItemId":"c"},"count":)") +
              count + "}]}");
    });
    Client client(test_support::one_attempt_options(server.url()));
    try {
      client.get_back_in_stock_notification_requests_count_by_catalog_references(
          {CatalogReference("c", kWixStoresAppId)});
      ADD_FAILURE() << count << " accepted";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse) << count;
    }
  }
}

TEST(IntegerRangeTest, PageCountOutsideInt32IsMalformed) {
  HostileServer server([](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 200, R"({"requests":[],"metadata":{"count":4294967297}})");
  });
  Client client(test_support::one_attempt_options(server.url()));
  EXPECT_THROW(client.query_back_in_stock_notification_requests(Query()), TransportError);
}

}  // namespace
}  // namespace wix::backinstock
