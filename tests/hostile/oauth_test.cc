// Token endpoints that are slow, failing or absurd: the call's deadline bounds the fetch and the
// wait, one failed fetch answers everyone who waited for it, lifetimes cannot overflow, and a token
// fetch never stalls the asynchronous client's event loop.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <thread>

#include "credentials_cause.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

const char* const kToken = R"({"access_token":"fresh-token","expires_in":3600})";

ClientOptions oauth_client(const std::string& url, milliseconds deadline) {
  OAuthOptions oauth;
  oauth.base_url = url;
  ClientOptions options;
  options.base_url = url;
  options.credentials = std::make_shared<OAuthClientCredentials>("app", "secret", "inst", oauth);
  options.retry = RetryPolicy::no_retry();
  options.retry.deadline = deadline;
  return options;
}

TEST(OAuthDeadlineTest, ASlowTokenEndpointCannotOutliveTheCallsDeadline) {
  HostileServer server([](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") std::this_thread::sleep_for(milliseconds(1500));
    return HostileServer::reply(fd, 200, r.target == "/oauth2/token" ? kToken : "{}");
  });
  Client client(oauth_client(server.url(), milliseconds(300)));
  try {
    test_support::token_failure([&] { client.get_settings(); });
    FAIL() << "the call waited for the token past its deadline";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kTimeout) << e.what();
  }
  EXPECT_EQ(server.count(kRequestsPath), 0u);
}

TEST(OAuthDeadlineTest, AThreadWaitingForAnotherThreadsFetchGivesUpAtItsDeadline) {
  HostileServer server([](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") std::this_thread::sleep_for(milliseconds(1500));
    return HostileServer::reply(fd, 200, r.target == "/oauth2/token" ? kToken : "{}");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  auto credentials = std::make_shared<OAuthClientCredentials>("app", "secret", "inst", oauth);
  auto slow = std::async(std::launch::async, [&] { return credentials->access_token(); });
  while (server.count("/oauth2/token") == 0) std::this_thread::sleep_for(milliseconds(1));
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = credentials;
  options.retry = RetryPolicy::no_retry();
  options.retry.deadline = milliseconds(200);
  Client client(options);
  try {
    test_support::token_failure([&] { client.get_settings(); });
    FAIL() << "the waiting call outlived its deadline";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kTimeout) << e.what();
  }
  EXPECT_EQ(slow.get(), "fresh-token");
  EXPECT_EQ(credentials->token_requests(), 1u);
}

// A fetch started by a call with a short deadline, and waited for by a call with a long one: the
// fetch that ended only because its starter's deadline ran out is not the long call's answer.
TEST(OAuthDeadlineTest, OneCallersDeadlineNeverFailsAnotherCallersWait) {
  HostileServer server([](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") std::this_thread::sleep_for(milliseconds(1500));
    return HostileServer::reply(fd, 200, r.target == "/oauth2/token" ? kToken : "{}");
  });
  auto options = oauth_client(server.url(), milliseconds(500));
  Client short_call(options);
  auto first = std::async(std::launch::async, [&] {
    try {
      short_call.get_settings();
      return std::string("succeeded");
    } catch (const CredentialsError& e) {
      return std::string(e.what());
    }
  });
  while (server.count("/oauth2/token") == 0) std::this_thread::sleep_for(milliseconds(1));
  CallOptions patient;
  patient.deadline = std::chrono::seconds(20);
  EXPECT_NO_THROW(short_call.get_settings(patient)) << "failed by the other call's deadline";
  EXPECT_NE(first.get(), "succeeded") << "the short call keeps its own limit";
  EXPECT_EQ(server.count("/back-in-stock-service"), 1u);
}

// One attempt per call, with OAuth credentials whose expiry clock reads `hours` (moved by the
// test; it must outlive the client).
ClientOptions oauth_client_on_a_clock(const std::string& url, std::atomic<std::int64_t>& hours) {
  OAuthOptions oauth;
  oauth.base_url = url;
  auto credentials = std::make_shared<OAuthClientCredentials>("app", "secret", "inst", oauth);
  wix::backinstock::testing::set_token_clock(*credentials, [&hours] {
    return std::chrono::steady_clock::time_point{} + std::chrono::hours(hours.load());
  });
  ClientOptions options;
  options.base_url = url;
  options.credentials = credentials;
  options.retry = RetryPolicy::no_retry();
  return options;
}

// A call still out with token 1 when another call renews to token 2: the server's answer to the
// first, echoing token 1, shows it nowhere (redaction covers what the attempt carried, not only
// the credentials' current secrets).
TEST(OAuthRedactionTest, TheTokenAnAttemptCarriedIsRedactedAfterARenewal) {
  const std::string first = "first-access-token-0123456789";
  const std::string second = "second-access-token-9876543210";
  std::atomic<int> tokens{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") {
      const std::string& token = tokens++ == 0 ? first : second;
      return HostileServer::reply(fd, 200,
                                  R"({"access_token":")" + token + R"(","expires_in":3600})");
    }
    const std::string carried = r.header("Authorization");
    if (carried == first) std::this_thread::sleep_for(milliseconds(600));
    return HostileServer::reply(fd, 500, R"({"message":"rejected )" + carried + R"("})",
                                {"x-wix-request-id: id-" + carried});
  });
  std::atomic<std::int64_t> hours{0};
  ClientOptions options = oauth_client_on_a_clock(server.url(), hours);
  std::mutex mutex;
  std::string logged;
  options.logger = [&](const AttemptRecord& r) {
    std::lock_guard<std::mutex> guard(mutex);
    logged += std::string(r.error) + " " + std::string(r.request_id) + "\n";
  };
  Client client(options);
  auto out = std::async(std::launch::async, [&] {
    try {
      client.get_settings();
    } catch (const ServerError& e) {
      return std::string(e.what()) + e.raw_body() + e.message() + e.request_id();
    }
    return std::string("no error");
  });
  while (server.count("/back-in-stock-service") == 0) std::this_thread::sleep_for(milliseconds(1));
  hours = 2;  // the first token expired: the next call renews
  EXPECT_THROW(client.get_settings(), ServerError);
  ASSERT_EQ(tokens.load(), 2);
  const std::string seen = out.get();
  EXPECT_EQ(seen.find(first), std::string::npos) << seen;
  EXPECT_NE(seen.find("[REDACTED]"), std::string::npos) << seen;
  std::lock_guard<std::mutex> guard(mutex);
  EXPECT_EQ(logged.find(first), std::string::npos) << logged;
  EXPECT_EQ(logged.find(second), std::string::npos) << logged;
}

// A token endpoint's error answer that carries a new refresh token: it is redacted too.
TEST(OAuthRedactionTest, SecretsInATokenEndpointsErrorAnswerAreRedacted) {
  const std::string rotated = "rotated-refresh-token-in-an-error-4242";
  HostileServer server([&](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 503,
                                R"({"message":"try later, or use )" + rotated +
                                    R"(","refresh_token":")" + rotated +
                                    R"(","access_token":"an-access-token-in-an-error-77"})");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  auto credentials = std::make_shared<RefreshTokenCredentials>(
      "app", "app-secret-0123456789", "refresh-one-0123456789", nullptr, oauth);
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = credentials;
  options.retry = RetryPolicy::no_retry();
  try {
    test_support::token_failure([&] { Client(options).get_settings(); });
    FAIL();
  } catch (const ApiError& e) {
    const std::string all = std::string(e.what()) + e.raw_body() + e.message();
    EXPECT_EQ(all.find(rotated), std::string::npos) << all;
    EXPECT_EQ(all.find("an-access-token-in-an-error-77"), std::string::npos) << all;
  }
}

// A gate the token endpoint waits at until the test opens it (or a bound passes).
class Gate {
 public:
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    opened_.wait_for(lock, std::chrono::seconds(20), [&] { return open_; });
  }
  void open() {
    std::lock_guard<std::mutex> guard(mutex_);
    open_ = true;
    opened_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// With a token still to fetch, submitting to AsyncClient returns at once, from any thread, and
// the loop never waits for the fetch: a call already on its way is answered meanwhile, even when
// a callback (on the loop) submitted a call that needs the new token.
TEST(OAuthAsyncTest, SubmittingNeverWaitsForATokenAndNeitherDoesTheLoop) {
  Gate gate;
  std::atomic<int> tokens{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") {
      if (tokens++ > 0) gate.wait();  // the first token at once, the renewal at the gate
      return HostileServer::reply(fd, 200, kToken);
    }
    if (r.method == "GET") std::this_thread::sleep_for(milliseconds(300));
    if (r.method == "POST") std::this_thread::sleep_for(milliseconds(100));
    return HostileServer::reply(fd, 200, r.method == "GET" ? R"({"request":{"id":"a"}})" : "{}");
  });
  std::atomic<std::int64_t> hours{0};
  ClientOptions options = oauth_client_on_a_clock(server.url(), hours);
  AsyncClient client(options);
  client.get_settings().get();  // the first token
  const auto report = ReportItemsBackInStockRequest(CatalogReference("i", kWixStoresAppId),
                                                    ItemDetails("Shoe", "1.00"));
  auto on_its_way = client.get_back_in_stock_notification_request("a");  // answered at 300 ms
  std::promise<void> in_callback;
  client.report_items_back_in_stock_then(report, [&](const BatchResult&) {      // at 100 ms
    client.report_items_back_in_stock_then(report, [](const BatchResult&) {});  // a new token
    in_callback.set_value();
  });
  while (server.count("/back-in-stock-service", "POST") == 0 ||
         server.count("/back-in-stock-service", "GET") == 0) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  hours = 2;  // the token expired: the next call's renewal waits at the gate
  auto submit = std::async(std::launch::async, [&] {
    client.report_items_back_in_stock_then(report, [](const BatchResult&) {});
  });
  EXPECT_EQ(submit.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "submitting waited for the token";
  EXPECT_EQ(on_its_way.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the loop waited for the token";
  gate.open();
  submit.wait();
  in_callback.get_future().wait();
  EXPECT_EQ(on_its_way.get().id, "a");
}

TEST(OAuthSingleFlightTest, OneFailedFetchAnswersEveryoneWhoWaited) {
  HostileServer server([](int fd, const WireRequest&) {
    std::this_thread::sleep_for(milliseconds(300));
    return HostileServer::reply(fd, 503, R"({"message":"token service down"})");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  OAuthClientCredentials credentials("app", "secret", "inst", oauth);
  constexpr int kThreads = 16;
  std::atomic<int> ready{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ++ready;
      while (ready < kThreads) std::this_thread::yield();
      try {
        credentials.access_token();
      } catch (const ServerError&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, kThreads);
  // One fetch (two if a thread was scheduled only after the first one failed), not one each.
  EXPECT_LE(server.requests().size(), 2u);
}

TEST(OAuthLifetimeTest, AnAbsurdExpiresInIsClampedNotOverflowed) {
  for (const char* expires : {"1e12", "9.3e18", "1e308", "18446744073709551615"}) {
    HostileServer server([&](int fd, const WireRequest&) {
      return HostileServer::reply(
          fd, 200, std::string(R"({"access_token":"t","expires_in":)") + expires + "}");
    });
    OAuthOptions oauth;
    oauth.base_url = server.url();
    OAuthClientCredentials credentials("app", "secret", "inst", oauth);
    credentials.access_token();
    credentials.access_token();
    EXPECT_EQ(credentials.token_requests(), 1u) << expires;
  }
}

TEST(AsyncLoopTest, ATokenFetchForARetryNeverStallsOtherTransfers) {
  // The first settings call is answered 503 and retried; the token for its retry blocks until the
  // test releases it. Meanwhile another call must complete: the loop thread is not the one waiting.
  std::atomic<int> settings_calls{0};
  HostileServer server([&](int fd, const WireRequest&) {
    return HostileServer::reply(fd, ++settings_calls == 1 ? 503 : 200, "{}");
  });
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> tokens{0};
  std::promise<void> blocked;
  ClientOptions options;
  options.base_url = server.url();
  options.retry.initial_delay = milliseconds(1);
  options.retry.max_delay = milliseconds(1);
  options.credentials = std::make_shared<TokenProviderCredentials>([&] {
    if (++tokens == 2) {  // the retry of the first call
      blocked.set_value();
      released.wait_for(std::chrono::seconds(20));
    }
    return std::string("provided-token");
  });
  AsyncClient client(options);
  auto first = client.get_settings();
  blocked.get_future().wait();
  auto second = client.get_settings();
  bool completed = second.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  release.set_value();
  EXPECT_TRUE(completed) << "the event loop was blocked by a token fetch";
  EXPECT_NO_THROW(first.get());
  EXPECT_NO_THROW(second.get());
}

}  // namespace
}  // namespace wix::backinstock
