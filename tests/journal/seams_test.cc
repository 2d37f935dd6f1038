// Where the journal meets the rest of a service, against the emulator: a token endpoint that
// fails, and a queue that waits for its next event. Each restock goes out exactly once once
// things recover, and none waits on the pace of the source.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator_fixture.h"
#include "journal_harness.h"
#include "wix/backinstock/journal.h"

namespace wix::backinstock {
namespace {

constexpr char kAppId[] = "5a1e2d3c-4b5a-4697-8a7b-6c5d4e3f2a1b";
constexpr char kSecret[] = "journal-app-secret-DO-NOT-LOG";
constexpr char kInstance[] = "c4c3d2e1-f0a9-4887-9766-554433221100";

ReportItemsBackInStockRequest request_for(const std::string& key) {
  return ReportItemsBackInStockRequest(CatalogReference("seam-item", kWixStoresAppId),
                                       ItemDetails("Item", "1.00"), {{"eventKey", key}});
}

class JournalSeamsTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions with_app() {
    auto options = collecting();
    options.apps = {{kAppId, kSecret}};
    return options;
  }
  JournalSeamsTest()
      : EmulatorFixture(with_app()), dir_(journal_test::temp_dir()), path_(dir_ + "/journal.db") {}
  ~JournalSeamsTest() override { std::system(("rm -rf " + dir_).c_str()); }

  // An app's client: its token comes from the emulator's token endpoint, one attempt per call.
  ClientOptions app_options() const {
    OAuthOptions oauth;
    oauth.base_url = emulator_->url();
    oauth.timeout = std::chrono::milliseconds(300);  // a stalled token endpoint runs past it
    // The endpoint here recovers the moment the test says so: no backoff to wait out (it is
    // tested in tests/hostile/token_requests_test.cc).
    oauth.failure_backoff = std::chrono::milliseconds(0);
    ClientOptions o;
    o.base_url = emulator_->url();
    o.retry = RetryPolicy::no_retry();
    o.credentials = std::make_shared<OAuthClientCredentials>(kAppId, kSecret, kInstance, oauth);
    return o;
  }

  void fail_token_endpoint(emulator::Fault::Kind kind, int status) {
    emulator::Fault fault;
    fault.kind = kind;
    fault.path = "/oauth2/token";
    fault.status = status;
    fault.times = 1000;  // down until cleared
    fault.body = std::string(R"({"message":"refused )") + kSecret + R"("})";
    fault.delay = std::chrono::milliseconds(kind == emulator::Fault::Kind::kDelay ? 2000 : 0);
    emulator_->inject(fault);
  }

  int received(const std::string& key) const {
    return journal_test::reports_received(emulator_->outbox_json())[key];
  }

  std::string dir_;
  std::string path_;
};

struct TokenFailure {
  const char* name;
  emulator::Fault::Kind kind;
  int status;
};

const TokenFailure kTokenFailures[] = {
    {"503", emulator::Fault::Kind::kStatus, 503},
    {"400", emulator::Fault::Kind::kStatus, 400},
    {"stall", emulator::Fault::Kind::kDelay, 0},
};

TEST_F(JournalSeamsTest, AFailedTokenRequestIsNotSentAndTheKeyGoesOutOnceAfterRecovery) {
  auto journal = ReportJournal::sqlite(path_);
  for (const auto& failure : kTokenFailures) {
    SCOPED_TRACE(failure.name);
    const std::string key = std::string("token-") + failure.name;
    fail_token_endpoint(failure.kind, failure.status);
    Client client(app_options());  // a cold token cache
    auto first = journal.report(client, key, request_for(key));
    EXPECT_EQ(first.outcome, ReportOutcome::kNotSent) << first.entry.detail;
    EXPECT_FALSE(first.sent_by_this_call);
    EXPECT_NE(first.entry.detail.find("credentials failed"), std::string::npos)
        << first.entry.detail;
    EXPECT_EQ(first.entry.detail.find(kSecret), std::string::npos) << first.entry.detail;
    EXPECT_EQ(journal.find(key)->outcome, ReportOutcome::kNotSent);
    EXPECT_EQ(received(key), 0);
    emulator_->clear_faults();  // the endpoint recovers
    auto again = journal.report(client, key, request_for(key));
    EXPECT_EQ(again.outcome, ReportOutcome::kSent) << again.entry.detail;
    EXPECT_TRUE(again.sent_by_this_call);
    EXPECT_EQ(journal.report(client, key, request_for(key)).outcome, ReportOutcome::kSent);
    EXPECT_EQ(received(key), 1);
  }
}

TEST_F(JournalSeamsTest, AStreamWhoseTokenRequestFailsLeavesItsEventsToBeSentOnceLater) {
  auto journal = ReportJournal::sqlite(path_);
  for (const auto& failure : kTokenFailures) {
    SCOPED_TRACE(failure.name);
    const std::string prefix = std::string("stream-token-") + failure.name + "-";
    std::vector<ReportJournal::Item> items;
    for (int i = 0; i < 4; ++i) items.push_back({prefix + std::to_string(i), request_for(prefix)});
    for (auto& item : items) item.request = request_for(item.key);
    fail_token_endpoint(failure.kind, failure.status);
    {
      AsyncClient client(app_options());
      // The token endpoint is down: every event's token request fails.
      for (const auto& result : journal.report_batch(client, items)) {
        EXPECT_EQ(result.outcome, ReportOutcome::kNotSent) << result.entry.detail;
        EXPECT_FALSE(result.sent_by_this_call);
      }
    }
    emulator_->clear_faults();
    AsyncClient client(app_options());
    for (const auto& result : journal.report_batch(client, items)) {
      EXPECT_EQ(result.outcome, ReportOutcome::kSent) << result.entry.detail;
    }
    for (const auto& item : items) EXPECT_EQ(received(item.key), 1) << item.key;
  }
}

// -- a source that waits ---------------------------------------------------------------------

// A queue as a consumer sees it: `next_event()` blocks until an event arrives or the queue is
// closed (then nullopt); `ack(key)` tells it an event is done. Its producer waits for each ack
// (up to a bound, a guard against a hang): with a journal that waited for more events before it
// reported any, the producer's waits would run out.
class BlockingQueue {
 public:
  std::optional<ReportJournal::Item> next_event() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !events_.empty() || closed_; });
    if (events_.empty()) return std::nullopt;
    auto key = events_.front();
    events_.pop_front();
    return ReportJournal::Item{key, request_for(key)};
  }
  void ack(const std::string& key) {
    std::lock_guard<std::mutex> guard(mutex_);
    acked_.push_back(key);
    changed_.notify_all();
  }
  void push(const std::string& key) {
    std::lock_guard<std::mutex> guard(mutex_);
    events_.push_back(key);
    changed_.notify_all();
  }
  void close() {
    std::lock_guard<std::mutex> guard(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  /// Waits until `n` events were acknowledged; false when the bound ran out first.
  bool wait_for_acks(std::size_t n, std::chrono::seconds bound = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, bound, [&] { return acked_.size() >= n; });
  }
  std::vector<std::string> acked() {
    std::lock_guard<std::mutex> guard(mutex_);
    return acked_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> events_;
  std::vector<std::string> acked_;
  bool closed_ = false;
};

// The README's queue-consumer shape, with one event and then a quiet queue: it is reported and
// acknowledged while the queue waits.
TEST_F(JournalSeamsTest, OneEventThenAQuietQueueIsReportedWhileTheQueueWaits) {
  auto journal = ReportJournal::sqlite(path_);
  AsyncClient client(client_options());
  BlockingQueue queue;
  bool acked_while_waiting = false;
  std::thread producer([&] {
    queue.push("quiet-1");
    acked_while_waiting = queue.wait_for_acks(1);
    queue.close();
  });
  std::map<std::string, ReportOutcome> outcomes;  // on the calling thread only
  journal.report_stream(
      client, [&]() -> std::optional<ReportJournal::Item> { return queue.next_event(); },
      [&](std::size_t, const JournaledReport& result) {
        outcomes[result.entry.key] = result.outcome;
        queue.ack(result.entry.key);
      });
  producer.join();
  EXPECT_TRUE(acked_while_waiting) << "the event waited for the queue's next one";
  EXPECT_EQ(outcomes["quiet-1"], ReportOutcome::kSent);
  EXPECT_EQ(received("quiet-1"), 1);
}

// A source that trickles one event every 100 ms: every event is acknowledged before the source
// ends, each reported once.
TEST_F(JournalSeamsTest, ATrickleOfEventsIsReportedAsItComes) {
  auto journal = ReportJournal::sqlite(path_);
  AsyncClient client(client_options());
  BlockingQueue queue;
  constexpr int kEvents = 10;
  bool all_acked_before_the_end = false;
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      queue.push("trickle-" + std::to_string(i));
    }
    all_acked_before_the_end = queue.wait_for_acks(kEvents);
    queue.close();
  });
  std::size_t taken = journal.report_stream(
      client, [&]() -> std::optional<ReportJournal::Item> { return queue.next_event(); },
      [&](std::size_t, const JournaledReport& result) {
        EXPECT_EQ(result.outcome, ReportOutcome::kSent) << result.entry.key;
        queue.ack(result.entry.key);
      });
  producer.join();
  EXPECT_TRUE(all_acked_before_the_end) << "events waited for the source to end";
  EXPECT_EQ(taken, static_cast<std::size_t>(kEvents));
  EXPECT_EQ(queue.acked().size(), static_cast<std::size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(received("trickle-" + std::to_string(i)), 1) << i;
  }
}

// A stream that stops (the caller's callback throws) while its source waits: it returns once the
// source's call returns, and the event that call yields is not sent.
TEST_F(JournalSeamsTest, AStreamThatStopsWhileItsSourceWaitsReturnsOnceTheSourceDoes) {
  auto journal = ReportJournal::sqlite(path_);
  AsyncClient client(client_options());
  BlockingQueue queue;
  std::thread producer([&] {
    queue.push("stop-1");
    queue.wait_for_acks(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the source is waiting
    queue.push("stop-2");                                         // yielded, never sent
    queue.close();
  });
  EXPECT_THROW(
      journal.report_stream(
          client, [&]() -> std::optional<ReportJournal::Item> { return queue.next_event(); },
          [&](std::size_t, const JournaledReport& result) {
            queue.ack(result.entry.key);
            throw std::runtime_error("the caller's bug");
          }),
      std::runtime_error);
  producer.join();
  EXPECT_EQ(received("stop-1"), 1);
  EXPECT_EQ(received("stop-2"), 0);
  EXPECT_FALSE(journal.find("stop-2").has_value()) << "nothing of it was recorded";
}

}  // namespace
}  // namespace wix::backinstock
