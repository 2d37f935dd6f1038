// Retry policy, backoff, Retry-After, deadlines and the attempt log, with injected sleeper and
// clock: nothing here waits for real.

#include <gtest/gtest.h>

#include <ctime>
#include <mutex>
#include <thread>

#include "hostile_server.h"
#include "mock_server.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::CannedResponse;
using test_support::MockServer;

constexpr char kKey[] = "IST.retry-test-secret-key-55aa";

// A clock that only moves when the client sleeps (or when a test moves it).
struct FakeTime {
  std::mutex mutex;
  std::chrono::steady_clock::time_point now{};
  std::vector<milliseconds> sleeps;
};

// Sends through libcurl and keeps the timeout each attempt was given.
struct RecordingTransport : Transport {
  std::shared_ptr<Transport> inner = std::make_shared<CurlTransport>();
  std::vector<milliseconds> timeouts;
  HttpResponse send(const HttpRequest& r) override {
    timeouts.push_back(r.timeout);
    return inner->send(r);
  }
};

class RetryTest : public ::testing::Test {
 protected:
  ClientOptions options() {
    ClientOptions o;
    o.base_url = server_.url();
    o.credentials = ApiKeyCredentials::for_site(kKey, "site");
    return o;
  }
  // A client whose waits move the fake clock instead of sleeping.
  Client make(ClientOptions o) {
    testing::ClientSeams seams;
    seams.sleeper = [t = time_](milliseconds d) {
      std::lock_guard<std::mutex> guard(t->mutex);
      t->sleeps.push_back(d);
      t->now += d;
    };
    seams.clock = [t = time_] {
      std::lock_guard<std::mutex> guard(t->mutex);
      return t->now;
    };
    seams.random = random_;
    return testing::make_client(std::move(o), std::move(seams));
  }
  void respond(int status, int times, const HttpHeaders& extra = {}) {
    for (int i = 0; i < times; ++i) {
      CannedResponse r;
      r.status = status;
      r.body = "{}";
      for (const auto& [k, v] : extra) r.headers.emplace(k, v);
      server_.respond(r);
    }
  }
  static ReportItemsBackInStockRequest report() {
    return ReportItemsBackInStockRequest(std::vector<std::string>{"r1"}, ItemDetails("A", "1"));
  }
  MockServer server_;
  std::shared_ptr<FakeTime> time_ = std::make_shared<FakeTime>();
  std::function<double()> random_ = [] { return 0.5; };
};

TEST_F(RetryTest, IdempotentCallsBackOffExponentiallyWithFullJitter) {
  respond(503, 3);
  Client client = make(options());
  EXPECT_NO_THROW(client.get_settings());
  EXPECT_EQ(server_.requests().size(), 4u);
  // random = 0.5 of 250, 500, 1000 ms.
  EXPECT_EQ(time_->sleeps,
            (std::vector<milliseconds>{milliseconds(125), milliseconds(250), milliseconds(500)}));
}

TEST_F(RetryTest, DelaysAreCappedAndDrawnFromTheWholeRange) {
  auto o = options();
  o.retry.max_attempts = 6;
  o.retry.max_delay = milliseconds(600);
  double draws[] = {0.0, 0.999, 0.999, 0.999, 0.5};
  int i = 0;
  random_ = [&] { return draws[i++]; };
  respond(500, 5);
  make(o).get_settings();
  EXPECT_EQ(time_->sleeps,
            (std::vector<milliseconds>{milliseconds(0), milliseconds(499), milliseconds(599),
                                       milliseconds(599), milliseconds(300)}));
}

TEST_F(RetryTest, RetryAfterSecondsIsHonoured) {
  respond(429, 1, {{"Retry-After", "7"}});
  make(options()).get_settings();
  EXPECT_EQ(time_->sleeps, std::vector<milliseconds>{milliseconds(7000)});
}

TEST_F(RetryTest, RetryAfterHttpDateIsHonoured) {
  std::time_t at = std::time(nullptr) + 30;
  std::tm tm{};
  gmtime_r(&at, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  respond(503, 1, {{"Retry-After", date}});
  make(options()).get_settings();
  ASSERT_EQ(time_->sleeps.size(), 1u);
  EXPECT_GT(time_->sleeps[0], milliseconds(25'000));
  EXPECT_LE(time_->sleeps[0], milliseconds(30'000));
}

TEST_F(RetryTest, MalformedRetryAfterIsIgnored) {
  respond(429, 1, {{"Retry-After", "whenever you like"}});
  EXPECT_NO_THROW(make(options()).get_settings());
  EXPECT_EQ(time_->sleeps, std::vector<milliseconds>{milliseconds(125)});  // plain backoff
}

TEST_F(RetryTest, AttemptsAreBoundedAndTheErrorSaysWhy) {
  server_.set_default(CannedResponse{503, "{}", {}});
  try {
    make(options()).get_settings();
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.attempts(), 4);
    EXPECT_EQ(e.retry_stop_reason(), "attempts exhausted");
    EXPECT_NE(std::string(e.what()).find("4 attempts; attempts exhausted"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(server_.requests().size(), 4u);
}

TEST_F(RetryTest, DeadlineStopsRetriesAndCutsAttemptTimeouts) {
  auto o = options();
  o.retry.max_attempts = 100;
  o.retry.deadline = milliseconds(2000);
  o.attempt_timeout = milliseconds(1500);
  random_ = [] { return 1.0; };
  // Record the timeout of each attempt and let each attempt "take" 300 ms of the fake clock.
  struct Recording : Transport {
    std::shared_ptr<Transport> inner;
    std::shared_ptr<FakeTime> time;
    std::vector<milliseconds> timeouts;
    HttpResponse send(const HttpRequest& r) override {
      timeouts.push_back(r.timeout);
      {
        std::lock_guard<std::mutex> guard(time->mutex);
        time->now += milliseconds(300);
      }
      return inner->send(r);
    }
  };
  auto recording = std::make_shared<Recording>();
  recording->inner = std::make_shared<CurlTransport>();
  recording->time = time_;
  o.transport = recording;
  server_.set_default(CannedResponse{503, "{}", {}});
  try {
    make(o).get_settings();
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.retry_stop_reason(), "deadline exceeded");
  }
  // 0: attempt (300) | wait 250 | attempt (300) | wait 500 | attempt (300) | wait 1000 would pass 2
  // s.
  EXPECT_EQ(recording->timeouts,
            (std::vector<milliseconds>{milliseconds(1500), milliseconds(1450), milliseconds(650)}));
  milliseconds slept{0};
  for (auto d : time_->sleeps) slept += d;
  EXPECT_LE(slept + milliseconds(900), milliseconds(2000));
}

TEST_F(RetryTest, ReportIsNotRetriedOnServerErrorsButIsOn429) {
  Client client = make(options());
  respond(503, 1);
  try {
    client.report_items_back_in_stock(report());
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.attempts(), 1);
    EXPECT_EQ(e.retry_stop_reason(), "not idempotent and the request may have reached the server");
  }
  respond(502, 1);
  EXPECT_THROW(client.report_items_back_in_stock(report()), ServerError);
  respond(429, 2);
  EXPECT_NO_THROW(client.report_items_back_in_stock(report()));
  EXPECT_EQ(server_.requests().size(), 5u);
}

// A retried call sends the same request again: every attempt carries the whole body, in both
// clients (the body is built once per call and handed from attempt to attempt).
TEST_F(RetryTest, EveryAttemptCarriesTheSameBody) {
  auto fast = options();
  fast.retry.initial_delay = milliseconds(1);  // the asynchronous client waits for real
  AsyncClient async(fast);
  Client client = make(options());
  for (const char* which : {"Client", "AsyncClient"}) {
    const std::size_t before = server_.requests().size();
    respond(429, 2);
    if (std::string(which) == "Client") {
      EXPECT_NO_THROW(client.report_items_back_in_stock(report())) << which;
    } else {
      EXPECT_NO_THROW(async.report_items_back_in_stock(report()).get()) << which;
    }
    auto all = server_.requests();
    std::vector<test_support::RecordedRequest> sent(all.begin() + static_cast<long>(before),
                                                    all.end());
    ASSERT_EQ(sent.size(), 3u) << which;
    EXPECT_NE(sent[0].body.find("\"itemDetails\""), std::string::npos) << which;
    for (const auto& request : sent) EXPECT_EQ(request.body, sent[0].body) << which;
  }
}

TEST_F(RetryTest, ReportIsRetriedWhenTheConnectionWasNeverEstablished) {
  auto o = options();
  o.base_url = "http://127.0.0.1:" + std::to_string(test_support::closed_port());
  try {
    make(o).report_items_back_in_stock(report());
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_EQ(e.attempts(), 4);
    EXPECT_EQ(e.retry_stop_reason(), "attempts exhausted");
  }
}

TEST_F(RetryTest, ConnectFailureThenSuccessDeliversTheReportOnce) {
  // The first attempt fails before connecting; the second reaches the server.
  struct FlakyConnect : Transport {
    std::shared_ptr<Transport> inner = std::make_shared<CurlTransport>();
    int calls = 0;
    HttpResponse send(const HttpRequest& r) override {
      if (calls++ == 0)
        throw TransportError(TransportError::Kind::kConnect, false, "connect failed");
      return inner->send(r);
    }
  };
  auto o = options();
  o.transport = std::make_shared<FlakyConnect>();
  make(o).report_items_back_in_stock(report());
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(RetryTest, PerCallPolicyOverridesTheClient) {
  server_.set_default(CannedResponse{503, "{}", {}});
  Client client = make(options());
  CallOptions once;
  once.retry = RetryPolicy::no_retry();
  try {
    client.get_settings(once);
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.attempts(), 1);
  }
  EXPECT_EQ(server_.requests().size(), 1u);
  CallOptions broken;
  broken.retry = RetryPolicy();
  broken.retry->max_attempts = 0;
  EXPECT_THROW(client.get_settings(broken), ValidationError);
}

TEST_F(RetryTest, APerCallDeadlineBoundsTheWholeCall) {
  server_.set_default(CannedResponse{503, "{}", {}});
  auto o = options();
  o.retry.max_attempts = 100;  // the client's policy would go on for its 60 s deadline
  random_ = [] { return 1.0; };
  auto recording = std::make_shared<RecordingTransport>();
  o.transport = recording;
  Client client = make(o);
  CallOptions call;
  call.deadline = milliseconds(1000);
  call.attempt_timeout = milliseconds(5000);
  try {
    client.get_settings(call);
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_EQ(e.retry_stop_reason(), "deadline exceeded");
    EXPECT_EQ(e.attempts(), 3);  // waits 250 and 500 fit in 1 s; 1000 more does not
  }
  ASSERT_FALSE(recording->timeouts.empty());
  EXPECT_EQ(recording->timeouts[0], milliseconds(1000));  // the attempt is cut to the deadline
  milliseconds slept{0};
  for (auto d : time_->sleeps) slept += d;
  EXPECT_LE(slept, milliseconds(1000));

  CallOptions negative;
  negative.deadline = milliseconds(-1);
  EXPECT_THROW(client.get_settings(negative), ValidationError);
  CallOptions bad_timeout;
  bad_timeout.attempt_timeout = milliseconds(-5);
  EXPECT_THROW(client.get_settings(bad_timeout), ValidationError);
}

// An attempt timeout of zero means none: the attempt may take what is left of the deadline, not
// one millisecond.
TEST_F(RetryTest, NoAttemptTimeoutLeavesTheAttemptTheDeadline) {
  auto recording = std::make_shared<RecordingTransport>();
  auto o = options();
  o.transport = recording;
  o.attempt_timeout = milliseconds(0);
  Client client = make(o);
  CallOptions call;
  call.deadline = milliseconds(4000);
  EXPECT_NO_THROW(client.get_settings(call));
  ASSERT_EQ(recording->timeouts.size(), 1u);
  EXPECT_EQ(recording->timeouts[0], milliseconds(4000));
  // The policy's deadline (60 s by default) when the call sets none; no timeout without either.
  EXPECT_NO_THROW(client.get_settings());
  CallOptions unbounded;
  unbounded.deadline = milliseconds(0);
  EXPECT_NO_THROW(client.get_settings(unbounded));
  ASSERT_EQ(recording->timeouts.size(), 3u);
  EXPECT_EQ(recording->timeouts[1], milliseconds(60'000));
  EXPECT_EQ(recording->timeouts[2], milliseconds(0));
}

// Credentials that take longer than the attempt may (a slow token source of the user's own):
// the attempt's time is spent, so its request is not sent; the call fails with a timeout that
// says it never reached the server. Both clients alike.
TEST_F(RetryTest, CredentialsThatSpendTheAttemptLeaveNothingSent) {
  struct Slow : Credentials {
    void apply(HttpHeaders& headers) override {
      std::this_thread::sleep_for(milliseconds(250));
      headers.emplace_back("Authorization", "slow-token");
    }
    std::vector<std::string> secrets() const override { return {"slow-token"}; }
  };
  auto o = options();
  o.credentials = std::make_shared<Slow>();
  o.attempt_timeout = milliseconds(100);
  o.retry = RetryPolicy::no_retry();
  server_.set_default(CannedResponse{200, "{}", {}});
  auto expect_unsent_timeout = [](const std::function<void()>& call, const char* client) {
    try {
      call();
      ADD_FAILURE() << client << ": the call was sent and answered";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kTimeout) << client << ": " << e.what();
      EXPECT_FALSE(e.may_have_reached_server()) << client;
    }
  };
  expect_unsent_timeout([&] { Client(o).get_settings(); }, "Client");
  AsyncClient async(o);
  expect_unsent_timeout([&] { async.get_settings().get(); }, "AsyncClient");
  EXPECT_EQ(server_.requests().size(), 0u);
}

TEST_F(RetryTest, InvalidPoliciesAreRejected) {
  auto o = options();
  o.retry.multiplier = 0.5;
  EXPECT_THROW(make(o), ValidationError);
  o = options();
  o.retry.max_delay = milliseconds(1);
  o.retry.initial_delay = milliseconds(10);
  EXPECT_THROW(make(o), ValidationError);
}

TEST_F(RetryTest, NonRetryableStatusesAreNotRetried) {
  Client client = make(options());
  for (int status : {400, 403, 404, 409, 428}) {
    respond(status, 1);
    try {
      client.get_settings();
    } catch (const ApiError& e) {
      EXPECT_EQ(e.attempts(), 1) << status;
      EXPECT_EQ(e.retry_stop_reason(), "not retryable");
    }
  }
  EXPECT_EQ(server_.requests().size(), 5u);
}

TEST_F(RetryTest, OneRecordPerAttemptAndNoSecretInTheLog) {
  auto o = options();
  std::vector<std::string> lines;
  std::vector<AttemptRecord> records;
  o.logger = [&](const AttemptRecord& r) {
    records.push_back(r);
    lines.push_back(std::string(r.method) + " " + std::string(r.path) + " " +
                    std::to_string(r.status) + " " + std::string(r.request_id) + " " +
                    std::string(r.error));
  };
  CannedResponse echo;
  echo.status = 503;
  echo.body = std::string("{\"message\":\"") + kKey + "\"}";
  echo.headers = {{"x-wix-request-id", "rid-1"}};
  server_.respond(echo);
  make(o).get_settings();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].attempt, 1);
  EXPECT_EQ(records[0].status, 503);
  EXPECT_EQ(records[1].attempt, 2);
  EXPECT_EQ(records[1].status, 200);
  EXPECT_EQ(records[0].method, "PUT");
  for (const auto& line : lines) EXPECT_EQ(line.find(kKey), std::string::npos) << line;
  EXPECT_NE(lines[0].find("rid-1"), std::string::npos);

  // Transport failures are logged too, without the key.
  o.base_url = "http://127.0.0.1:" + std::to_string(test_support::closed_port());
  o.retry = RetryPolicy::no_retry();
  lines.clear();
  EXPECT_THROW(make(o).get_settings(), TransportError);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find(kKey), std::string::npos);
}

TEST_F(RetryTest, A401RefreshesRefreshableCredentialsOnce) {
  struct Refreshable : Credentials {
    int refreshes = 0;
    void apply(HttpHeaders& h) override {
      h.emplace_back("Authorization", "token-" + std::to_string(refreshes));
    }
    bool on_unauthenticated(const HttpHeaders&) override {
      ++refreshes;
      return true;
    }
    std::vector<std::string> secrets() const override { return {}; }
  };
  auto credentials = std::make_shared<Refreshable>();
  auto o = options();
  o.credentials = credentials;
  respond(401, 1);
  Client client = make(o);
  client.get_settings();
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Authorization"), "token-1");
  respond(401, 2);
  EXPECT_THROW(client.get_settings(), UnauthenticatedError);  // refreshed once, then gives up
  EXPECT_EQ(credentials->refreshes, 2);
}

}  // namespace
}  // namespace wix::backinstock
