// The asynchronous client against the emulator.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class AsyncTest : public test_support::EmulatorFixture {
 protected:
  ClientOptions options() const { return client_options(); }
  static ReportItemsBackInStockRequest report(int i) {
    return ReportItemsBackInStockRequest(std::vector<std::string>{"request-" + std::to_string(i)},
                                         ItemDetails("Item " + std::to_string(i), "1"),
                                         {{"item", std::to_string(i)}});
  }
  std::multiset<std::string> reported_items() const {
    std::multiset<std::string> items;
    const json box = outbox();
    for (const auto& r : box["reports"]) {
      items.insert(r["template"]["item"].get<std::string>());
    }
    return items;
  }
};

TEST_F(AsyncTest, ThousandReportsWith64InFlightLandExactlyOnce) {
  AsyncOptions async;
  async.max_in_flight = 64;
  AsyncClient client(options(), async);
  std::vector<ReportItemsBackInStockRequest> requests;
  for (int i = 0; i < 1000; ++i) requests.push_back(report(i));
  auto results = client.report_items_back_in_stock_batch(requests);
  ASSERT_EQ(results.size(), 1000u);
  for (const auto& r : results) EXPECT_TRUE(r.ok());
  auto items = reported_items();
  EXPECT_EQ(items.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(items.count(std::to_string(i)), 1u) << i;
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 1000u);
  EXPECT_LE(emulator_->max_concurrent_requests(), 64u);
  EXPECT_EQ(client.pending(), 0u);
}

TEST_F(AsyncTest, AFailingItemDoesNotDisturbTheOthers) {
  emulator::Fault fault;
  fault.kind = emulator::Fault::Kind::kStatus;
  fault.path = "/report-items-back-in-stock";
  fault.status = 400;
  fault.body =
      R"({"message":"Item image URL is invalid","details":{"applicationError":{"code":"INVALID_ITEM_IMAGE_URL"}}})";
  fault.times = 5;
  emulator_->inject(fault);
  AsyncClient client(options());
  std::vector<ReportItemsBackInStockRequest> requests;
  for (int i = 0; i < 100; ++i) requests.push_back(report(i));
  auto results = client.report_items_back_in_stock_batch(requests);
  int failed = 0;
  for (const auto& r : results) {
    if (r.ok()) continue;
    ++failed;
    EXPECT_THROW(r.rethrow(), InvalidItemImageUrlError);
  }
  EXPECT_EQ(failed, 5);
  EXPECT_EQ(reported_items().size(), 95u);
}

TEST_F(AsyncTest, InFlightIsBounded) {
  emulator::Fault slow;
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(50);
  slow.times = 24;
  emulator_->inject(slow);
  AsyncOptions async;
  async.max_in_flight = 4;
  AsyncClient client(options(), async);
  std::vector<std::future<Settings>> futures;
  for (int i = 0; i < 24; ++i) futures.push_back(client.get_settings());
  for (auto& f : futures) EXPECT_TRUE(f.get().is_collecting(kWixStoresAppId));
  EXPECT_LE(emulator_->max_concurrent_requests(), 4u);
  EXPECT_GE(emulator_->max_concurrent_requests(), 2u);
}

TEST_F(AsyncTest, RetryRulesApplyPerRequest) {
  AsyncClient client(options());
  emulator::Fault unavailable;
  unavailable.kind = emulator::Fault::Kind::kStatus;
  unavailable.status = 503;
  unavailable.path = "/settings";
  emulator_->inject(unavailable);
  EXPECT_NO_THROW(client.get_settings().get());  // idempotent: retried
  unavailable.path = "/report-items-back-in-stock";
  emulator_->inject(unavailable);
  try {
    client.report_items_back_in_stock(report(1)).get();
    FAIL();
  } catch (const ServerError& e) {  // Report: never retried after it may have reached the server
    EXPECT_EQ(e.attempts(), 1);
  }
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 1u);
}

TEST_F(AsyncTest, CountBatchesLikeTheBlockingClientAndMergesInInputOrder) {
  std::vector<CatalogReference> references;
  for (int i = 0; i < 250; ++i) {
    references.emplace_back("item-" + std::to_string(i), kWixStoresAppId);
  }
  Client blocking(options());
  for (int i : {0, 99, 100, 101, 249}) {  // waiting customers on both sides of each batch edge
    for (int c = 0; c <= i % 3; ++c) {
      blocking.create_back_in_stock_notification_request(
          NewNotificationRequest(references[i], "c" + std::to_string(c) + "@example.com"),
          ItemDetails("Item", "1"));
    }
  }
  auto count_calls = [&] { return emulator_->requests_received("/count-by-catalog-reference"); };
  auto before = count_calls();
  auto expected_counts =
      blocking.get_back_in_stock_notification_requests_count_by_catalog_references(references);
  auto blocking_calls = count_calls() - before;
  EXPECT_GE(blocking_calls, 3u);  // at most 100 references per call, and URLs under ~8 KiB

  AsyncClient client(options());
  before = count_calls();
  auto counts =
      client.get_back_in_stock_notification_requests_count_by_catalog_references(references).get();
  EXPECT_EQ(count_calls() - before, blocking_calls);  // the same batches
  ASSERT_EQ(counts.size(), references.size());
  for (int i = 0; i < 250; ++i) {
    EXPECT_EQ(counts[i].catalog_reference.catalog_item_id(), "item-" + std::to_string(i));
    int expected = (i == 0 || i == 99 || i == 100 || i == 101 || i == 249) ? i % 3 + 1 : 0;
    EXPECT_EQ(counts[i].count, expected) << i;
    EXPECT_EQ(counts[i].count, expected_counts[i].count) << i;
  }
  EXPECT_TRUE(
      client.get_back_in_stock_notification_requests_count_by_catalog_references({}).get().empty());
}

TEST_F(AsyncTest, ACountBatchThatFailsFailsTheWholeCount) {
  std::vector<CatalogReference> references;
  for (int i = 0; i < 150; ++i) {
    references.emplace_back("item-" + std::to_string(i), kWixStoresAppId);
  }
  emulator::Fault fault;
  fault.kind = emulator::Fault::Kind::kStatus;
  fault.status = 404;
  fault.path = "/count-by-catalog-reference";
  fault.body = R"({"message":"gone"})";
  emulator_->inject(fault);
  AsyncClient client(options());
  EXPECT_THROW(
      client.get_back_in_stock_notification_requests_count_by_catalog_references(references).get(),
      NotFoundError);
}

TEST_F(AsyncTest, LibcurlSettingsComeFromTheClientOptions) {
  auto o = options();
  o.curl.max_response_bytes = 16;  // a settings answer is longer
  AsyncClient from_options(o);
  try {
    from_options.get_settings().get();
    FAIL() << "the size cap was not applied";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kResponseTooLarge);
  }
  auto given = options();
  given.transport = std::make_shared<CurlTransport>(o.curl);  // its options are used
  AsyncClient from_transport(given);
  EXPECT_THROW(from_transport.get_settings().get(), TransportError);
  EXPECT_NO_THROW(AsyncClient(options()).get_settings().get());
}

TEST_F(AsyncTest, ATransportItCannotDriveIsRefusedNotIgnored) {
  struct Other : Transport {
    HttpResponse send(const HttpRequest&) override { return {200, {}, "{}"}; }
  };
  auto o = options();
  o.transport = std::make_shared<Other>();
  try {
    AsyncClient client(o);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "transport");
  }
}

TEST_F(AsyncTest, EveryMethodWorks) {
  AsyncClient client(options());
  CatalogReference item("orchid", kWixStoresAppId);
  auto created = client
                     .create_back_in_stock_notification_request(
                         NewNotificationRequest(item, "a@example.com"), ItemDetails("Orchid", "2"))
                     .get();
  EXPECT_EQ(client.get_back_in_stock_notification_request(created.id).get().email, "a@example.com");
  EXPECT_EQ(client.query_back_in_stock_notification_requests().get().requests.size(), 1u);
  EXPECT_EQ(client.get_back_in_stock_notification_requests_count_by_catalog_references({item})
                .get()[0]
                .count,
            1);
  EXPECT_EQ(client.mark_as_notification_sent(created.id).get().auto_notified, false);
  client.delete_back_in_stock_notification_request(created.id).get();
  EXPECT_THROW(client.get_back_in_stock_notification_request(created.id).get(), NotFoundError);
  EXPECT_FALSE(client.stop_collecting_requests().get().is_collecting(kWixStoresAppId));
  EXPECT_TRUE(client.start_collecting_requests().get().is_collecting(kWixStoresAppId));
  EXPECT_THROW(client.get_back_in_stock_notification_request(""), ValidationError);
}

TEST_F(AsyncTest, DestroyingTheClientWithRequestsInFlightFailsThemCleanly) {
  emulator::Fault slow;
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(300);
  slow.times = 1000;
  emulator_->inject(slow);
  std::vector<std::future<void>> futures;
  {
    AsyncOptions async;
    async.max_in_flight = 8;
    AsyncClient client(options(), async);
    for (int i = 0; i < 50; ++i) futures.push_back(client.report_items_back_in_stock(report(i)));
    std::this_thread::sleep_for(milliseconds(20));  // let some get on the wire
  }
  int cancelled = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    try {
      f.get();
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kCancelled);
      ++cancelled;
    }
  }
  EXPECT_GE(cancelled, 42);  // at most the 8 in flight could have finished
  emulator_->clear_faults();
}

// A callback that holds the last reference to its client destroys the client on the client's own
// loop thread: no crash; the client's other unfinished calls end as cancelled, and their
// callbacks are called once.
TEST_F(AsyncTest, ACallbackThatHoldsTheLastReferenceMayDestroyTheClient) {
  emulator::Fault slow;  // the second call stays on its way
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(2000);
  slow.path = "/settings";
  emulator_->inject(slow);
  auto client = std::make_shared<AsyncClient>(options());
  std::promise<std::string> second;
  client->report_items_back_in_stock_then(
      report(0), [keep = client, &second](const BatchResult&) mutable {
        keep->get_settings();  // submitted from the loop thread: never blocks
        keep->report_items_back_in_stock_then(report(1), [&second](const BatchResult& r) {
          std::string what = "ok";
          if (!r.ok()) {
            try {
              std::rethrow_exception(r.error);
            } catch (const TransportError& e) {
              what = e.kind() == TransportError::Kind::kCancelled ? "cancelled" : e.what();
            } catch (const std::exception& e) {
              what = e.what();
            }
          }
          second.set_value(what);
        });
        keep.reset();  // the last reference: the client goes, on its own loop thread
      });
  client.reset();
  auto result = second.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  const std::string what = result.get();
  EXPECT_TRUE(what == "cancelled" || what == "ok") << what;
  emulator_->clear_faults();
}

// A blocking call made on the client's own loop thread (a batch inside a callback) would wait for
// itself forever: it throws instead, and the client goes on.
TEST_F(AsyncTest, ABatchInsideACallbackThrowsInsteadOfHanging) {
  AsyncClient client(options());
  std::promise<std::string> seen;
  client.report_items_back_in_stock_then(report(0), [&](const BatchResult&) {
    try {
      client.report_items_back_in_stock_batch({report(1)});
      seen.set_value("returned");
    } catch (const ValidationError& e) {
      seen.set_value(e.field());
    }
  });
  auto result = seen.get_future();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "it hung";
  EXPECT_EQ(result.get(), "thread");
  EXPECT_NO_THROW(client.report_items_back_in_stock(report(2)).get());
}

TEST_F(AsyncTest, CancelFailsPendingWork) {
  emulator::Fault slow;
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(200);
  slow.times = 1000;
  emulator_->inject(slow);
  AsyncOptions async;
  async.max_in_flight = 2;
  AsyncClient client(options(), async);
  std::vector<std::future<Settings>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(client.get_settings());
  client.cancel();
  int cancelled = 0;
  for (auto& f : futures) {
    try {
      f.get();
    } catch (const TransportError& e) {
      if (e.kind() == TransportError::Kind::kCancelled) ++cancelled;
    }
  }
  EXPECT_GE(cancelled, 18);
  EXPECT_EQ(client.pending(), 0u);
  emulator_->clear_faults();
  EXPECT_NO_THROW(client.get_settings().get());  // usable after cancel
}

TEST_F(AsyncTest, ABatchCanBeCancelledMidway) {
  emulator::Fault slow;
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(20);
  slow.times = 100000;
  emulator_->inject(slow);
  AsyncOptions async;
  async.max_in_flight = 4;
  AsyncClient client(options(), async);
  std::vector<ReportItemsBackInStockRequest> requests;
  for (int i = 0; i < 300; ++i) requests.push_back(report(i));
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(60));
    client.cancel();
  });
  auto results = client.report_items_back_in_stock_batch(requests);
  canceller.join();
  ASSERT_EQ(results.size(), 300u);
  std::size_t ok = 0, cancelled = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      ++ok;
      continue;
    }
    try {
      r.rethrow();
    } catch (const TransportError& e) {
      if (e.kind() == TransportError::Kind::kCancelled) ++cancelled;
    }
  }
  EXPECT_EQ(ok + cancelled, 300u);
  EXPECT_GT(cancelled, 200u);
  EXPECT_EQ(client.pending(), 0u);
  emulator_->clear_faults();
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

class StreamTest : public test_support::EmulatorFixture {
 protected:
  static ReportItemsBackInStockRequest report(int i) {
    return ReportItemsBackInStockRequest(std::vector<std::string>{"request-" + std::to_string(i)},
                                         ItemDetails("Item " + std::to_string(i), "1"),
                                         {{"item", std::to_string(i)}});
  }
};

TEST_F(StreamTest, EveryYieldedRequestIsReportedOnceAndEachResultArrivesOnce) {
  AsyncOptions async;
  async.max_in_flight = 16;
  AsyncClient client(client_options(), async);
  int produced = 0;
  std::vector<int> seen(250, 0);
  std::size_t failed = 0;
  auto fed = client.report_items_back_in_stock_stream(
      [&]() -> std::optional<ReportItemsBackInStockRequest> {
        if (produced == 250) return std::nullopt;
        return report(produced++);
      },
      [&](std::size_t index, const BatchResult& result) {
        ++seen.at(index);
        failed += result.ok() ? 0 : 1;
      });
  EXPECT_EQ(fed, 250u);
  EXPECT_EQ(failed, 0u);
  for (int count : seen) EXPECT_EQ(count, 1);
  std::multiset<std::string> items;
  const json box = outbox();
  for (const auto& r : box["reports"]) items.insert(r["template"]["item"].get<std::string>());
  EXPECT_EQ(items.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(items.count(std::to_string(i)), 1u) << i;
  EXPECT_LE(emulator_->max_concurrent_requests(), 16u);
}

TEST_F(StreamTest, ASourceThatThrowsStopsTheFeedAndTheErrorReachesTheCaller) {
  AsyncOptions async;
  async.max_in_flight = 4;
  AsyncClient client(client_options(), async);
  int produced = 0;
  std::size_t results = 0;
  EXPECT_THROW(client.report_items_back_in_stock_stream(
                   [&]() -> std::optional<ReportItemsBackInStockRequest> {
                     if (produced == 10) throw std::runtime_error("feed broke");
                     return report(produced++);
                   },
                   [&](std::size_t, const BatchResult&) { ++results; }),
               std::runtime_error);
  EXPECT_EQ(results, 10u);  // the ten taken were all reported before the error came back
  EXPECT_EQ(outbox()["reports"].size(), 10u);
  EXPECT_EQ(client.pending(), 0u);
}

TEST_F(StreamTest, CancelEndsAnEndlessSource) {
  AsyncOptions async;
  async.max_in_flight = 8;
  AsyncClient client(client_options(), async);
  std::atomic<int> produced{0};
  std::thread canceller([&] {
    while (produced.load() < 100) std::this_thread::sleep_for(milliseconds(1));
    client.cancel();
  });
  std::size_t cancelled = 0;
  client.report_items_back_in_stock_stream(
      [&]() -> std::optional<ReportItemsBackInStockRequest> { return report(produced++); },
      [&](std::size_t, const BatchResult& r) { cancelled += r.ok() ? 0 : 1; });
  canceller.join();
  EXPECT_GE(produced.load(), 100);
  EXPECT_GE(cancelled, 1u);
  EXPECT_EQ(client.pending(), 0u);
}

class CallbackTest : public StreamTest {};

TEST_F(CallbackTest, EachReportCallsBackOnceWithItsTypedResult) {
  emulator::Fault fault;
  fault.kind = emulator::Fault::Kind::kStatus;
  fault.status = 400;
  fault.path = "/report-items-back-in-stock";
  fault.times = 1;
  emulator_->inject(fault);
  AsyncOptions async;
  async.max_in_flight = 8;
  AsyncClient client(client_options(), async);
  std::mutex mutex;
  std::condition_variable done;
  std::vector<int> calls(100, 0);
  int finished = 0, failed = 0;
  for (int i = 0; i < 100; ++i) {
    client.report_items_back_in_stock_then(report(i), [&, i](const BatchResult& r) {
      std::lock_guard<std::mutex> guard(mutex);
      ++calls[static_cast<std::size_t>(i)];
      if (!r.ok()) {
        ++failed;
        EXPECT_THROW(r.rethrow(), ApiError);
      }
      ++finished;
      done.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(30), [&] { return finished == 100; }));
  for (int c : calls) EXPECT_EQ(c, 1);
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 100u);
  EXPECT_EQ(outbox()["reports"].size(), 99u);
}

TEST_F(CallbackTest, ARequestThatCannotBeBuiltCallsBackBeforeReturningAndAThrowIsContained) {
  AsyncClient client(client_options());
  CallOptions bad;
  bad.attempt_timeout = milliseconds(-5);
  std::optional<bool> ok;
  client.report_items_back_in_stock_then(
      report(1), [&](const BatchResult& r) { ok = r.ok(); }, bad);
  ASSERT_TRUE(ok.has_value()) << "called back on the calling thread";
  EXPECT_FALSE(*ok);
  // A callback that throws does not stop the client's loop.
  std::promise<void> second;
  client.report_items_back_in_stock_then(
      report(2), [](const BatchResult&) { throw std::runtime_error("user code"); });
  client.report_items_back_in_stock_then(report(3),
                                         [&](const BatchResult&) { second.set_value(); });
  EXPECT_EQ(second.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

TEST_F(CallbackTest, DestroyingTheClientCallsBackWithCancelled) {
  emulator::Fault slow;
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = milliseconds(300);
  slow.times = 1000;
  emulator_->inject(slow);
  std::atomic<int> cancelled{0}, calls{0};
  {
    AsyncOptions async;
    async.max_in_flight = 4;
    AsyncClient client(client_options(), async);
    for (int i = 0; i < 20; ++i) {
      client.report_items_back_in_stock_then(report(i), [&](const BatchResult& r) {
        ++calls;
        try {
          r.rethrow();
        } catch (const TransportError& e) {
          if (e.kind() == TransportError::Kind::kCancelled) ++cancelled;
        }
      });
    }
  }
  EXPECT_EQ(calls.load(), 20);
  EXPECT_GE(cancelled.load(), 16);
  emulator_->clear_faults();
}

TEST_F(StreamTest, AnEmptySourceReportsNothing) {
  AsyncClient client(client_options());
  EXPECT_EQ(client.report_items_back_in_stock_stream(
                []() -> std::optional<ReportItemsBackInStockRequest> { return std::nullopt; }),
            0u);
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 0u);
}

}  // namespace
}  // namespace wix::backinstock
