// Every injected fault against each class of method: idempotent, Report (e-mails customers) and
// Create (creates contacts), on each client: `Client`, `AsyncClient` futures, and (for Report) the
// batch. Asserts the outcome, the requests the emulator received (bodies counted on the server),
// and that no customer is ever notified twice because of the SDK.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>
#include <thread>

#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using Kind = emulator::Fault::Kind;
using std::chrono::milliseconds;

enum class MethodClass { kIdempotent, kReport, kCreate };

const char* name(MethodClass c) {
  switch (c) {
    case MethodClass::kIdempotent:
      return "idempotent";
    case MethodClass::kReport:
      return "report";
    case MethodClass::kCreate:
      return "create";
  }
  return "";
}

enum class ClientKind { kBlocking, kFutures, kBatch };

const char* name(ClientKind k) {
  switch (k) {
    case ClientKind::kBlocking:
      return "Client";
    case ClientKind::kFutures:
      return "Futures";
    case ClientKind::kBatch:
      return "Batch";
  }
  return "";
}

// What a call ends with.
enum class Outcome { kOk, kServerError, kTransportError };

struct Case {
  Kind fault;
  int status;  // for kStatus
  MethodClass method;
  Outcome outcome;
  int attempts;    // as seen by the emulator
  bool processed;  // whether the server-side effect happened (once)
};

constexpr int kWaiting = 3;  // requests waiting for the reported item
constexpr std::size_t kResponseCap = std::size_t{64} << 10;

struct Param {
  Case c;
  ClientKind client;
};

class FaultMatrixTest : public test_support::EmulatorFixture,
                        public ::testing::WithParamInterface<Param> {
 protected:
  void SetUp() override {
    ClientOptions client_options = this->client_options();
    client_options.attempt_timeout = milliseconds(400);
    // Oversized answers are cut at a small cap: reading up to it takes no time even on a loaded
    // machine, so the oversized cases never depend on the attempt timeout.
    client_options.curl.max_response_bytes = kResponseCap;
    client_options.retry.initial_delay = milliseconds(1);
    client_options.retry.max_delay = milliseconds(5);
    client_options.retry.deadline = milliseconds(20'000);
    testing::ClientSeams seams;
    seams.sleeper = [this](milliseconds d) {
      std::lock_guard<std::mutex> guard(mutex_);
      sleeps_.push_back(d);  // recorded, not waited
    };
    client_ = std::make_unique<Client>(testing::make_client(client_options, seams));
    if (GetParam().client != ClientKind::kBlocking) {
      async_ = std::make_unique<AsyncClient>(client_options);
      async_->get_settings().get();  // a pooled connection for "close after read" to betray
    }
    client_->get_settings();  // the same for the blocking client (idempotent, so retried)
    // The waiting customers are created with a patient client: a loaded machine must not make
    // the setup fail on the matrix's short attempt timeout.
    ClientOptions setup_options = client_options;
    setup_options.attempt_timeout = milliseconds(10'000);
    Client setup(setup_options);
    for (int i = 0; i < kWaiting; ++i) {
      setup.create_back_in_stock_notification_request(
          NewNotificationRequest(item_, "customer" + std::to_string(i) + "@example.com"), details_);
    }
  }

  std::string path_of(MethodClass c) const {
    switch (c) {
      case MethodClass::kIdempotent:
        return "/settings";
      case MethodClass::kReport:
        return "/report-items-back-in-stock";
      case MethodClass::kCreate:
        return "/back-in-stock-notification-requests";
    }
    return "";
  }

  void call(MethodClass c) {
    if (GetParam().client == ClientKind::kFutures) {
      switch (c) {
        case MethodClass::kIdempotent:
          async_->get_settings().get();
          break;
        case MethodClass::kReport:
          async_->report_items_back_in_stock(ReportItemsBackInStockRequest(item_, details_)).get();
          break;
        case MethodClass::kCreate:
          async_
              ->create_back_in_stock_notification_request(
                  NewNotificationRequest(item_, "newcomer@example.com"), details_)
              .get();
          break;
      }
      return;
    }
    if (GetParam().client == ClientKind::kBatch) {
      auto results = async_->report_items_back_in_stock_batch(
          {ReportItemsBackInStockRequest(item_, details_)});
      results.at(0).rethrow();
      return;
    }
    switch (c) {
      case MethodClass::kIdempotent:
        client_->get_settings();
        break;
      case MethodClass::kReport:
        client_->report_items_back_in_stock(ReportItemsBackInStockRequest(item_, details_));
        break;
      case MethodClass::kCreate:
        client_->create_back_in_stock_notification_request(
            NewNotificationRequest(item_, "newcomer@example.com"), details_);
        break;
    }
  }

  // Waits until the server has finished whatever the call started (a delayed answer may still
  // be processing after the client gave up).
  void settle(std::size_t expected_notifications) {
    for (int i = 0; i < 500 && emulator_->notification_count() < expected_notifications; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
  }

  std::size_t newcomers() {
    auto page = client_->query_back_in_stock_notification_requests(Query().limit(100));
    return static_cast<std::size_t>(
        std::count_if(page.requests.begin(), page.requests.end(),
                      [](const auto& r) { return r.email == "newcomer@example.com"; }));
  }

  CatalogReference item_{"c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId};
  ItemDetails details_{"White Orchid", "29.99"};
  std::unique_ptr<Client> client_;
  std::unique_ptr<AsyncClient> async_;
  std::mutex mutex_;
  std::vector<milliseconds> sleeps_;
};

TEST_P(FaultMatrixTest, OutcomeAttemptsAndNoDuplicateNotification) {
  const Case& c = GetParam().c;
  const bool blocking = GetParam().client == ClientKind::kBlocking;
  emulator::Fault fault;
  fault.kind = c.fault;
  fault.path = path_of(c.method);
  fault.method = c.method == MethodClass::kIdempotent ? "PUT" : "POST";
  fault.status = c.status;
  fault.times = 1;
  // The blocking client's waits are recorded, not slept; the asynchronous one waits for real.
  if (c.status == 429) fault.headers = {{"Retry-After", blocking ? "2" : "1"}};
  if (c.fault == Kind::kDelay)
    fault.delay = milliseconds(c.outcome == Outcome::kOk && c.attempts == 1 ? 50 : 900);
  fault.size = kResponseCap * 16;  // above the matrix client's response cap
  auto before = emulator_->requests_received(fault.path, fault.method);
  emulator_->inject(fault);

  Outcome outcome = Outcome::kOk;
  int error_attempts = 0;
  std::string reason;
  try {
    call(c.method);
  } catch (const ServerError& e) {
    outcome = Outcome::kServerError;
    error_attempts = e.attempts();
    reason = e.retry_stop_reason();
  } catch (const TransportError& e) {
    outcome = Outcome::kTransportError;
    error_attempts = e.attempts();
    reason = e.retry_stop_reason();
  }
  EXPECT_EQ(outcome, c.outcome) << reason;
  if (outcome != Outcome::kOk) {
    EXPECT_EQ(error_attempts, c.attempts) << reason;
    EXPECT_FALSE(reason.empty());
  }

  if (c.method == MethodClass::kReport) {
    std::size_t expected = c.processed ? kWaiting : 0;
    settle(expected);
    // Exactly one e-mail per waiting customer, or none: never two.
    EXPECT_EQ(emulator_->notification_count(), expected);
  }
  if (c.method == MethodClass::kCreate) {
    emulator_->clear_faults();
    std::size_t expected = c.processed ? 1u : 0u;
    for (int i = 0; i < 500 && newcomers() < expected; ++i)
      std::this_thread::sleep_for(milliseconds(10));
    EXPECT_EQ(newcomers(), expected);
  }
  EXPECT_EQ(emulator_->requests_received(fault.path, fault.method) - before,
            static_cast<std::size_t>(c.attempts));
  if (c.status == 429 && blocking) {
    std::lock_guard<std::mutex> guard(mutex_);
    ASSERT_FALSE(sleeps_.empty());
    EXPECT_EQ(sleeps_.back(), milliseconds(2000));  // Retry-After honoured
  }
}

std::string case_name(const ::testing::TestParamInfo<Param>& info) {
  static const char* const kFaults[] = {"Delay",     "Status",    "DropBefore",
                                        "DropAfter", "Truncated", "Malformed",
                                        "Html",      "Oversized", "CloseAfterRead"};
  const Case& c = info.param.c;
  std::string n = kFaults[static_cast<int>(c.fault)];
  if (c.fault == Kind::kStatus) n += std::to_string(c.status);
  if (c.fault == Kind::kDelay)
    n += c.attempts == 1 && c.outcome == Outcome::kOk ? "Short" : "PastTimeout";
  return n + "_" + name(c.method) + "_" + name(info.param.client);
}

// Short names keep the matrix readable as a table.
// NOLINTBEGIN(readability-identifier-naming)
constexpr auto I = MethodClass::kIdempotent;
constexpr auto R = MethodClass::kReport;
constexpr auto C = MethodClass::kCreate;
// NOLINTEND(readability-identifier-naming)
constexpr auto kOk = Outcome::kOk;
constexpr auto kServer = Outcome::kServerError;
constexpr auto kTransport = Outcome::kTransportError;

const Case kCases[] = {
    // A short delay is just slow.
    Case{Kind::kDelay, 0, I, kOk, 1, true}, Case{Kind::kDelay, 0, R, kOk, 1, true},
    Case{Kind::kDelay, 0, C, kOk, 1, true},
    // A delay past the attempt timeout: idempotent calls retry; Report and Create must not,
    // and the server still processes the first request.
    Case{Kind::kDelay, 1, I, kOk, 2, true}, Case{Kind::kDelay, 1, R, kTransport, 1, true},
    Case{Kind::kDelay, 1, C, kTransport, 1, true},
    // 429 was refused before processing: every class retries, honouring Retry-After.
    Case{Kind::kStatus, 429, I, kOk, 2, true}, Case{Kind::kStatus, 429, R, kOk, 2, true},
    Case{Kind::kStatus, 429, C, kOk, 2, true},
    // 5xx: only idempotent calls retry.
    Case{Kind::kStatus, 500, I, kOk, 2, true}, Case{Kind::kStatus, 500, R, kServer, 1, false},
    Case{Kind::kStatus, 500, C, kServer, 1, false}, Case{Kind::kStatus, 503, I, kOk, 2, true},
    Case{Kind::kStatus, 503, R, kServer, 1, false}, Case{Kind::kStatus, 503, C, kServer, 1, false},
    Case{Kind::kHtmlError, 0, I, kOk, 2, true}, Case{Kind::kHtmlError, 0, R, kServer, 1, false},
    Case{Kind::kHtmlError, 0, C, kServer, 1, false},
    // The connection drops: the request may have been processed, so only idempotent calls
    // retry.
    Case{Kind::kDropBefore, 0, I, kOk, 2, true},
    Case{Kind::kDropBefore, 0, R, kTransport, 1, false},
    Case{Kind::kDropBefore, 0, C, kTransport, 1, false}, Case{Kind::kDropAfter, 0, I, kOk, 2, true},
    Case{Kind::kDropAfter, 0, R, kTransport, 1, true},
    Case{Kind::kDropAfter, 0, C, kTransport, 1, true},
    Case{Kind::kTruncatedBody, 0, I, kOk, 2, true},
    Case{Kind::kTruncatedBody, 0, R, kTransport, 1, true},
    Case{Kind::kTruncatedBody, 0, C, kTransport, 1, true},
    // A 200 with broken JSON: Report's answer carries nothing, so it succeeded; the others
    // cannot read their result, and a malformed answer is not retried.
    Case{Kind::kMalformedJson, 0, I, kTransport, 1, true},
    Case{Kind::kMalformedJson, 0, R, kOk, 1, true},
    Case{Kind::kMalformedJson, 0, C, kTransport, 1, true},
    // Oversized answers are cut at the cap and not retried.
    Case{Kind::kOversizedBody, 0, I, kTransport, 1, true},
    Case{Kind::kOversizedBody, 0, R, kTransport, 1, true},
    Case{Kind::kOversizedBody, 0, C, kTransport, 1, true},
    // A reused connection dies after the server read the request: libcurl would send it again
    // by itself. Idempotent calls may be (the emulator sees two); Report and Create are not.
    Case{Kind::kCloseAfterRead, 0, I, kOk, 2, true},
    Case{Kind::kCloseAfterRead, 0, R, kTransport, 1, false},
    Case{Kind::kCloseAfterRead, 0, C, kTransport, 1, false}};

// Every case on both clients; the batch carries Reports only.
std::vector<Param> all_params() {
  std::vector<Param> out;
  for (const Case& c : kCases) {
    out.push_back({c, ClientKind::kBlocking});
    out.push_back({c, ClientKind::kFutures});
    if (c.method == MethodClass::kReport) out.push_back({c, ClientKind::kBatch});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultMatrixTest, ::testing::ValuesIn(all_params()), case_name);

TEST(FaultRouteTest, FaultsCanBeProgrammedOverHttp) {
  emulator::Emulator emulator;
  emulator.start();
  auto r = emulator.handle("POST", "/_emulator/faults", {},
                           R"({"kind":"status","path":"/settings","status":503,"times":2})");
  EXPECT_EQ(r.status, 200);
  auto bad = emulator.handle("POST", "/_emulator/faults", {}, R"({"kind":"explode"})");
  EXPECT_EQ(bad.status, 400);
  ClientOptions options;
  options.base_url = emulator.url();
  options.credentials = ApiKeyCredentials::for_site("k", "s");
  options.retry = RetryPolicy::no_retry();
  Client client(options);
  EXPECT_THROW(client.get_settings(), ServerError);
  EXPECT_THROW(client.get_settings(), ServerError);
  EXPECT_NO_THROW(client.get_settings());
}

}  // namespace
}  // namespace wix::backinstock
