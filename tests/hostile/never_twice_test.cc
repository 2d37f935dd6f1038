// "Never twice": a pooled keep-alive connection is reused for a call that may e-mail customers; the
// server reads the whole request and closes the connection without a response byte (what a load
// balancer or a restarting server does). Counted on the server: the body of such a call arrives
// once, never twice, on `Client`, on `AsyncClient` futures and in a batch. Idempotent calls may be
// sent again and succeed.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "curl_easy.h"
#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

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
  options.credentials = ApiKeyCredentials::for_site(test_support::kHostileKey, "site-1");
  options.retry.initial_delay = std::chrono::milliseconds(1);
  options.retry.max_delay = std::chrono::milliseconds(2);
  options.attempt_timeout = std::chrono::seconds(5);
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

// Every case runs on each way the transport can hand a body to libcurl (it picks one by the
// libcurl version at run time; both must hold whatever is installed).
class NeverTwiceTest : public ::testing::TestWithParam<internal::BodyMechanism> {
 protected:
  void SetUp() override {
    internal::BodyMechanism mechanism = GetParam();
    internal::force_body_mechanism(&mechanism);
  }
  void TearDown() override { internal::force_body_mechanism(nullptr); }
};

INSTANTIATE_TEST_SUITE_P(Bodies, NeverTwiceTest,
                         ::testing::Values(internal::BodyMechanism::kPostFields,
                                           internal::BodyMechanism::kReadCallback),
                         [](const ::testing::TestParamInfo<internal::BodyMechanism>& info) {
                           return info.param == internal::BodyMechanism::kPostFields
                                      ? std::string("PostFields")
                                      : std::string("ReadCallback");
                         });

TEST(BodyMechanismTest, TheReadCallbackWhereLibcurlDoesNotCountTheRequestBytes) {
  using internal::BodyMechanism;
  // 8.7.0 and 8.7.1 never count CURLINFO_REQUEST_SIZE: a written request looks unwritten there.
  EXPECT_EQ(internal::body_mechanism_for(0x080700), BodyMechanism::kReadCallback);
  EXPECT_EQ(internal::body_mechanism_for(0x080701), BodyMechanism::kReadCallback);
  for (unsigned int version : {0x075000u, 0x075801u, 0x080600u, 0x080800u, 0x080b00u}) {
    EXPECT_EQ(internal::body_mechanism_for(version), BodyMechanism::kPostFields) << version;
  }
}

TEST_P(NeverTwiceTest, ClientReportOnAReusedConnectionThatDiesIsNotResent) {
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

TEST_P(NeverTwiceTest, ClientCreateOnAReusedConnectionThatDiesIsNotResent) {
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

TEST_P(NeverTwiceTest, IdempotentCallOnAReusedConnectionThatDiesIsSentAgain) {
  HostileServer server(close_reused);
  Client client(options_for(server));
  client.get_settings();
  EXPECT_NO_THROW(client.get_settings());
  EXPECT_EQ(server.count(kSettingsPath, "PUT"), 3u);  // the second call went twice, and succeeded
}

TEST_P(NeverTwiceTest, AsyncReportOnAReusedConnectionThatDiesIsNotResent) {
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

TEST_P(NeverTwiceTest, BatchReportsOnReusedConnectionsThatDieAreNotResent) {
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

// A server that misbehaves at random, as under a bad day's load: 429 (refused before processing),
// 500, resets and closes after reading, on fresh and reused connections. Every report carries a
// marker; the server counts, per marker, the bodies that may have been acted on (anything but a
// 429). Never more than one.
class MixedLoad {
 public:
  MixedLoad()
      : server_([this](int fd, const WireRequest& r) {
          auto roll = std::hash<std::string>()(r.body + std::to_string(++served_)) % 10;
          bool refused = roll == 0;
          std::string marker;
          auto body = nlohmann::json::parse(r.body, nullptr, false);
          if (body.is_object() && body.contains("extraAutomationTemplateParameters")) {
            marker = body["extraAutomationTemplateParameters"].value("marker", "");
          }
          {
            std::lock_guard<std::mutex> guard(mutex_);
            if (!refused) ++acted_on_[marker];
          }
          switch (roll) {
            case 0:
              return HostileServer::reply(fd, 429, "{}", {"Retry-After: 0"});
            case 1:
              return HostileServer::reply(fd, 500, "{}");
            case 2:
              return Then::kReset;
            case 3:
              return Then::kClose;
            default:
              return HostileServer::reply(fd, 200, "{}");
          }
        }) {}

  ClientOptions options() const {
    auto o = options_for(server_);
    o.retry.max_attempts = 6;
    return o;
  }

  static ReportItemsBackInStockRequest report(const std::string& marker) {
    return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                         ItemDetails("White Orchid", "29.99"),
                                         {{"marker", marker}});
  }

  // Markers whose body may have been acted on more than once.
  std::vector<std::string> duplicates() const {
    std::lock_guard<std::mutex> guard(mutex_);
    std::vector<std::string> out;
    for (const auto& [marker, count] : acted_on_) {
      if (count > 1) out.push_back(marker + " x" + std::to_string(count));
    }
    return out;
  }

  std::size_t markers() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return acted_on_.size();
  }

 private:
  std::atomic<std::uint64_t> served_{0};
  mutable std::mutex mutex_;
  std::map<std::string, int> acted_on_;
  HostileServer server_;
};

TEST_P(NeverTwiceTest, SixteenThreadsUnderMixedFaultsNeverActTwiceOnAReport) {
  MixedLoad load;
  Client client(load.options());
  constexpr int kThreads = 16;
  constexpr int kCalls = 125;  // 2,000 reports
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        try {
          client.report_items_back_in_stock(
              MixedLoad::report(std::to_string(t) + "-" + std::to_string(i)));
        } catch (const Error&) {
          // Failures are expected; duplicates are not.
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(load.markers(), kThreads * kCalls * 8u / 10u);
  EXPECT_EQ(load.duplicates(), std::vector<std::string>{});
}

TEST_P(NeverTwiceTest, ABatchUnderMixedFaultsNeverActsTwiceOnAReport) {
  MixedLoad load;
  AsyncOptions async;
  async.max_in_flight = 16;
  AsyncClient client(load.options(), async);
  std::vector<ReportItemsBackInStockRequest> reports;
  for (int i = 0; i < 2000; ++i) reports.push_back(MixedLoad::report("b-" + std::to_string(i)));
  auto results = client.report_items_back_in_stock_batch(reports);
  EXPECT_EQ(results.size(), reports.size());
  EXPECT_GT(load.markers(), 1600u);
  EXPECT_EQ(load.duplicates(), std::vector<std::string>{});
}

}  // namespace
}  // namespace wix::backinstock
