// Streams and batches through the journal, against the emulator with a real AsyncClient: each
// event's Report at most once, memory bounded by `in_flight`, repeats of a key under way given
// its outcome, and what a stream does when the journal, the source or the caller's callback
// fails in the middle.

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator_fixture.h"
#include "journal_harness.h"
#include "wix/backinstock/journal.h"

namespace wix::backinstock {
namespace {

ReportItemsBackInStockRequest request_for(const std::string& key) {
  return ReportItemsBackInStockRequest(CatalogReference("stream-item", kWixStoresAppId),
                                       ItemDetails("Item", "1.00"), {{"eventKey", key}});
}

class JournalStreamTest : public test_support::EmulatorFixture {
 protected:
  JournalStreamTest() : dir_(journal_test::temp_dir()), path_(dir_ + "/journal.db") {}
  ~JournalStreamTest() override { std::system(("rm -rf " + dir_).c_str()); }

  ReportJournal open(std::chrono::milliseconds lock_timeout = std::chrono::seconds(10)) {
    JournalOptions options;
    options.lock_timeout = lock_timeout;
    return ReportJournal::sqlite(path_, options);
  }

  AsyncClient async(std::size_t max_in_flight) const {
    AsyncOptions o;
    o.max_in_flight = max_in_flight;
    return AsyncClient(client_options(), o);
  }

  std::map<std::string, int> received() const {
    return journal_test::reports_received(emulator_->outbox_json());
  }

  std::string dir_;
  std::string path_;
};

// A feed of `n` events over `distinct` keys, each key's repeats close together (a queue that
// redelivers), shuffled in windows.
std::vector<std::string> feed_with_repeats(int n, int distinct) {
  std::vector<std::string> keys;
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    int k = static_cast<int>(static_cast<long>(i) * distinct / n);
    keys.push_back("s-" + std::to_string(k));
  }
  for (std::size_t at = 0; at < keys.size(); at += 20) {
    std::shuffle(keys.begin() + static_cast<long>(at),
                 keys.begin() + static_cast<long>(std::min(keys.size(), at + 20)), rng);
  }
  return keys;
}

TEST_F(JournalStreamTest, EachKeyIsSentOnceAndMemoryStaysWithinTwiceInFlight) {
  auto journal = open();
  auto client = async(16);
  Client blocking = this->client();
  journal.report(blocking, "s-0", request_for("s-0"));  // reported before the stream
  const auto keys = feed_with_repeats(3000, 2000);
  // `next` runs on the stream's own thread, `on_result` on this one: what both read is atomic.
  std::atomic<std::size_t> at{0}, results{0};
  std::size_t most_held = 0, by_this_call = 0;
  std::vector<int> given(keys.size(), 0);
  std::size_t taken = journal.report_stream(
      client,
      [&]() -> std::optional<ReportJournal::Item> {
        most_held = std::max(most_held, at - results);
        if (at == keys.size()) return std::nullopt;
        const std::string& key = keys[at++];
        return ReportJournal::Item{key, request_for(key)};
      },
      [&](std::size_t index, const JournaledReport& result) {
        ++results;
        ++given[index];
        EXPECT_EQ(result.outcome, ReportOutcome::kSent) << keys[index];
        EXPECT_EQ(result.entry.key, keys[index]);
        if (result.sent_by_this_call) ++by_this_call;
      },
      {}, 16);
  EXPECT_EQ(taken, keys.size());
  EXPECT_EQ(results, keys.size());
  for (int g : given) EXPECT_EQ(g, 1);
  EXPECT_LE(most_held, 32u) << "events held at once";
  EXPECT_LE(emulator_->max_concurrent_requests(), 16u);
  auto got = received();
  EXPECT_EQ(got.size(), 2000u);
  for (const auto& [key, n] : got) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(by_this_call, 1999u) << "one send per key, s-0 before the stream";
}

TEST_F(JournalStreamTest, ABatchGivesEveryItemItsOutcomeInInputOrder) {
  auto journal = open();
  auto client = async(8);
  emulator::Fault reject;
  reject.kind = emulator::Fault::Kind::kStatus;
  reject.status = 400;
  reject.body = R"({"message":"bad item","details":{"applicationError":{"code":"BAD_ITEM"}}})";
  reject.path = "/report-items-back-in-stock";
  reject.times = 1;
  emulator_->inject(reject);
  std::vector<ReportJournal::Item> items;
  for (int i = 0; i < 200; ++i) {
    std::string key = "b-" + std::to_string(i % 150);
    items.push_back({key, request_for(key)});
  }
  auto results = journal.report_batch(client, items, {}, 8);
  ASSERT_EQ(results.size(), items.size());
  int rejected = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].entry.key, items[i].key);
    if (results[i].outcome == ReportOutcome::kRejected) {
      ++rejected;
      EXPECT_EQ(results[i].entry.code, "BAD_ITEM");
    } else {
      EXPECT_EQ(results[i].outcome, ReportOutcome::kSent) << i;
    }
    if (i >= 150) {
      EXPECT_FALSE(results[i].sent_by_this_call) << i;
      EXPECT_EQ(results[i].outcome, results[i - 150].outcome) << i;
    }
  }
  EXPECT_EQ(rejected, 2) << "the rejected key and its repeat";
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 150u);
}

TEST_F(JournalStreamTest, AJournalThatFailsMidStreamStopsItAndNothingGoesOutWithoutItsIntent) {
  auto journal = open(std::chrono::milliseconds(200));
  auto client = async(8);
  emulator::Fault slow;  // Reports stay on their way while the journal fails
  slow.kind = emulator::Fault::Kind::kDelay;
  slow.delay = std::chrono::milliseconds(30);
  slow.times = 100000;
  emulator_->inject(slow);
  sqlite3* other = nullptr;  // another process takes the write lock and keeps it
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  std::size_t at = 0;
  std::map<std::string, JournaledReport> results;
  try {
    journal.report_stream(
        client,
        [&]() -> std::optional<ReportJournal::Item> {
          std::string key = "f-" + std::to_string(at++);
          return ReportJournal::Item{key, request_for(key)};  // endless
        },
        [&](std::size_t, const JournaledReport& result) {
          results[result.entry.key] = result;
          if (results.size() == 40) {
            ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
          }
        },
        {}, 8);
    FAIL() << "the stream went on without its journal";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable) << e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  emulator_->clear_faults();
  // Every Report that reached the server has its intent recorded and was given to the caller.
  for (const auto& [key, n] : received()) {
    EXPECT_EQ(n, 1) << key;
    auto entry = journal.find(key);
    ASSERT_TRUE(entry.has_value()) << key << " was sent without a recorded intent";
    EXPECT_EQ(entry->sends, 1) << key;
    ASSERT_EQ(results.count(key), 1u) << key << " was sent and its result not given";
    EXPECT_TRUE(results[key].sent_by_this_call);
  }
  EXPECT_GE(received().size(), 40u);
  // Taken again, the same events are sent at most once in all.
  std::size_t again = 0;
  journal.report_stream(
      client,
      [&]() -> std::optional<ReportJournal::Item> {
        if (again == at) return std::nullopt;
        std::string key = "f-" + std::to_string(again++);
        return ReportJournal::Item{key, request_for(key)};
      },
      nullptr, {}, 8);
  for (const auto& [key, n] : received()) EXPECT_EQ(n, 1) << key;
}

TEST_F(JournalStreamTest, AThrowingCallbackOrSourceStopsTheStreamAfterWhatIsOnItsWay) {
  auto journal = open();
  auto client = async(8);
  std::size_t at = 0, given = 0, sent = 0;
  auto next = [&]() -> std::optional<ReportJournal::Item> {
    std::string key = "t-" + std::to_string(at++);
    return ReportJournal::Item{key, request_for(key)};
  };
  EXPECT_THROW(journal.report_stream(
                   client, next,
                   [&](std::size_t, const JournaledReport& r) {
                     ++given;
                     if (r.sent_by_this_call) ++sent;
                     if (given == 50) throw std::runtime_error("caller's bug");
                   },
                   {}, 8),
               std::runtime_error);
  // The Reports already on their way were answered and recorded: each received once and given.
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), sent);
  for (const auto& [key, n] : received()) {
    EXPECT_EQ(n, 1);
    EXPECT_EQ(journal.find(key)->outcome, ReportOutcome::kSent) << key;
  }
  // A source that throws: its error reaches the caller.
  std::size_t count = 0;
  EXPECT_THROW(journal.report_stream(
                   client,
                   [&]() -> std::optional<ReportJournal::Item> {
                     if (++count == 20) throw std::logic_error("source");
                     return next();
                   },
                   nullptr, {}, 4),
               std::logic_error);
  // A bad key in the middle: named by its place in the stream.
  std::size_t n = 0;
  try {
    journal.report_stream(
        client,
        [&]() -> std::optional<ReportJournal::Item> {
          if (n++ == 5) return ReportJournal::Item{"", request_for("")};
          return next();
        },
        nullptr, {}, 4);
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kInvalidKey);
    EXPECT_NE(std::string(e.what()).find("event 5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wix::backinstock
