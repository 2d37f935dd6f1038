// The journal on a real PostgreSQL server that this test starts (tests/journal/pg_cluster.sh): the
// same rules as on SQLite, a wrong password (never in a message), the server stopped and started
// again mid-run, and a fleet of four worker processes fed the same events, one of them killed.

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal_harness.h"
#include "pause_scenario.h"
#include "wix/backinstock/journal.h"
#include "wix/backinstock/mocks.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

using journal_test::Feed;
using journal_test::WorkerProcess;
using journal_test::WorkerRun;
using ::testing::_;
using ::testing::Throw;

std::string cluster(const std::string& command, const std::string& dir) {
  std::string out = dir + "." + command + ".out";  // beside the cluster's directory
  int rc = std::system(("bash " PG_CLUSTER_SCRIPT " " + command + " " + dir + " >" + out + " 2>" +
                        dir + "." + command + ".err")
                           .c_str());
  if (rc != 0) {
    std::ifstream err(dir + "." + command + ".err");
    std::string reason((std::istreambuf_iterator<char>(err)), {});
    ADD_FAILURE() << "PostgreSQL: pg_cluster.sh " << command
                  << " failed; these tests need the Debian package postgresql: " << reason;
    return "";
  }
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  return line;
}

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_state().root = journal_test::temp_dir();
    chmod(root().c_str(), 0755);
    cluster_state().port = cluster("start", root() + "/pg");
  }
  static void TearDownTestSuite() {
    cluster("stop", root() + "/pg");
    std::system(("rm -rf " + root()).c_str());
  }
  void SetUp() override {
    ASSERT_FALSE(port().empty()) << "no PostgreSQL server";
    // A fresh table per test.
    auto journal = ReportJournal::postgres(conninfo());
    std::string drop = "psql '" + conninfo() + "' -q -c 'TRUNCATE report_journal' >/dev/null";
    ASSERT_EQ(std::system(drop.c_str()), 0);
  }

  static std::string conninfo(const std::string& password = "worker-secret") {
    return "host=127.0.0.1 port=" + port() + " dbname=postgres user=worker password=" + password +
           " connect_timeout=5";
  }

  static ReportItemsBackInStockRequest request() {
    return ReportItemsBackInStockRequest(CatalogReference("item-1", kWixStoresAppId),
                                         ItemDetails("Shoe", "10.00"));
  }

  // The cluster of this test program (one per process: ctest runs each case in its own).
  struct Cluster {
    std::string root;
    std::string port;
  };
  static Cluster& cluster_state() {
    static Cluster state;
    return state;
  }
  static const std::string& root() { return cluster_state().root; }
  static const std::string& port() { return cluster_state().port; }
};

TEST_F(PostgresTest, OneSendPerKeyAndTheRecordedOutcomeForEveryLaterCaller) {
  auto mock = std::make_shared<::testing::StrictMock<MockConnection>>();
  Client client(mock);
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _))
      .WillOnce(::testing::Return())
      .WillOnce(Throw(TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
  auto a = ReportJournal::postgres(conninfo());
  auto b = ReportJournal::postgres(conninfo());
  EXPECT_EQ(a.report(client, "pg-1", request()).outcome, ReportOutcome::kSent);
  auto again = b.report(client, "pg-1", request());
  EXPECT_EQ(again.outcome, ReportOutcome::kSent);
  EXPECT_FALSE(again.sent_by_this_call);
  EXPECT_EQ(b.report(client, "pg-2", request()).outcome, ReportOutcome::kUnknown);
  EXPECT_EQ(a.report(client, "pg-2", request()).outcome, ReportOutcome::kUnknown);
  ASSERT_EQ(a.unsettled().size(), 1u);
  a.resolve("pg-2", Resolution::kMarkSent);
  EXPECT_TRUE(b.unsettled().empty());
}

TEST_F(PostgresTest, AWrongPasswordIsTypedAndNeverShown) {
  for (const std::string& target :
       {conninfo("wrong-Pa55word-XYZ"),
        "postgresql://worker:wrong-Pa55word-XYZ@127.0.0.1:" + port() + "/postgres"}) {
    try {
      ReportJournal::postgres(target);
      ADD_FAILURE() << "connected with a wrong password";
    } catch (const JournalError& e) {
      EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable);
      EXPECT_EQ(std::string(e.what()).find("wrong-Pa55word-XYZ"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("password authentication failed"), std::string::npos)
          << e.what();
    }
  }
  try {
    ReportJournal::postgres("host=127.0.0.1 port= password=secret-in-a-bad-string '");
    ADD_FAILURE();
  } catch (const JournalError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-in-a-bad-string"), std::string::npos) << e.what();
  }
}

TEST_F(PostgresTest, AServerStoppedMidRunSendsNothingAndWorkResumesWhenItIsBack) {
  auto mock = std::make_shared<::testing::StrictMock<MockConnection>>();
  Client client(mock);
  auto journal = ReportJournal::postgres(conninfo());
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(2);
  EXPECT_EQ(journal.report(client, "before", request()).outcome, ReportOutcome::kSent);
  cluster("stop", root() + "/pg");
  try {
    journal.report(client, "while-down", request());
    ADD_FAILURE() << "reported without a journal";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable) << e.what();
    EXPECT_EQ(std::string(e.what()).find("worker-secret"), std::string::npos);
  }
  cluster("restart", root() + "/pg");
  EXPECT_EQ(journal.report(client, "while-down", request()).outcome, ReportOutcome::kSent);
  EXPECT_EQ(journal.report(client, "before", request()).outcome, ReportOutcome::kSent);
}

TEST_F(PostgresTest, TwoStreamsOverTheSameEventsSendEachOnce) {
  emulator::EmulatorOptions options;
  options.collecting_by_default = true;
  emulator::Emulator emulator(options);
  emulator.start();
  ClientOptions client_options;
  client_options.base_url = emulator.url();
  client_options.credentials = ApiKeyCredentials::for_site("test-key", "site-1");
  constexpr int kEvents = 2000;
  std::vector<std::map<std::string, ReportOutcome>> seen(2);
  auto stream = [&](std::size_t which) {
    auto journal = ReportJournal::postgres(conninfo());
    AsyncOptions async_options;
    async_options.max_in_flight = 32;
    AsyncClient client(client_options, async_options);
    int at = 0;
    journal.report_stream(
        client,
        [&]() -> std::optional<ReportJournal::Item> {
          if (at == kEvents) return std::nullopt;
          int e = which == 0 ? at : kEvents - 1 - at;  // the second from the other end
          ++at;
          std::string key = "stream-" + std::to_string(e);
          return ReportJournal::Item{key, ReportItemsBackInStockRequest(
                                              CatalogReference("item-1", kWixStoresAppId),
                                              ItemDetails("Shoe", "10.00"), {{"eventKey", key}})};
        },
        [&](std::size_t, const JournaledReport& result) {
          seen[which][result.entry.key] = result.outcome;
        },
        {}, 32);
  };
  // Run from both ends, the two streams meet in the middle: their groups claim the same keys in
  // opposite orders at once (PostgreSQL aborts one of two such transactions as a deadlock; the
  // journal runs it again).
  std::vector<std::string> errors(2);
  auto guarded = [&](std::size_t which) {
    try {
      stream(which);
    } catch (const std::exception& e) {
      errors[which] = e.what();
    }
  };
  std::thread first(guarded, 0);
  guarded(1);
  first.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  auto received = journal_test::reports_received(emulator.outbox_json());
  auto journal = ReportJournal::postgres(conninfo());
  for (int e = 0; e < kEvents; ++e) {
    std::string key = "stream-" + std::to_string(e);
    EXPECT_EQ(received[key], 1) << key;
    EXPECT_EQ(journal.find(key)->outcome, ReportOutcome::kSent) << key;
    for (const auto& outcomes : seen) {
      ASSERT_EQ(outcomes.count(key), 1u) << key;
      ReportOutcome o = outcomes.at(key);
      EXPECT_TRUE(o == ReportOutcome::kSent || o == ReportOutcome::kInProgress) << key;
    }
  }
}

TEST_F(PostgresTest, AFleetOfFourWorkersSendsEachEventAtMostOnce) {
  emulator::EmulatorOptions options;
  options.collecting_by_default = true;
  emulator::Emulator emulator(options);
  emulator.start();
  constexpr int kEvents = 10000;
  // Each event goes to two of the four workers (a rebalance, a redelivery): worker w gets the
  // events e with e % 4 == w or (e + 1) % 4 == w, in an order of its own.
  std::vector<std::unique_ptr<Feed>> feeds;
  for (int w = 0; w < 4; ++w) {
    std::vector<std::string> keys;
    for (int e = 0; e < kEvents; ++e) {
      if (e % 4 == w || (e + 1) % 4 == w) keys.push_back("fleet-" + std::to_string(e));
    }
    if (w % 2 == 1) std::reverse(keys.begin(), keys.end());
    feeds.push_back(std::make_unique<Feed>(root() + "/feed-" + std::to_string(w), keys));
  }
  std::string spec = "postgres:" + conninfo();
  std::vector<WorkerProcess> workers;
  for (int w = 0; w < 4; ++w) {
    workers.push_back(WorkerProcess::start(
        spec, emulator.url(), feeds[static_cast<std::size_t>(w)]->path, 0, 1000, 3000, "none"));
  }
  std::vector<WorkerRun> runs;
  runs.push_back(workers[0].finish(std::chrono::milliseconds(1500)));  // killed mid-run
  for (int w = 1; w < 4; ++w) runs.push_back(workers[static_cast<std::size_t>(w)].finish());
  EXPECT_TRUE(runs[0].killed);
  // Every event of worker 0 was also delivered to another worker, which waited for its lapsed
  // claim where worker 0 died holding one.
  auto received = journal_test::reports_received(emulator.outbox_json());
  std::map<std::string, std::set<std::string>> seen;
  for (const auto& run : runs) {
    for (const auto& ack : run.acks) seen[ack.key].insert(ack.outcome);
  }
  int sent = 0, unknown = 0;
  for (int e = 0; e < kEvents; ++e) {
    std::string key = "fleet-" + std::to_string(e);
    EXPECT_LE(received[key], 1) << key;
    const auto& outcomes = seen[key];
    ASSERT_EQ(outcomes.size(), 1u) << key << ": workers saw different outcomes, or none";
    if (*outcomes.begin() == "sent") {
      ++sent;
      EXPECT_EQ(received[key], 1) << key;
    } else {
      EXPECT_EQ(*outcomes.begin(), "unknown") << key;
      ++unknown;
    }
  }
  EXPECT_LE(unknown, 1) << "one worker was killed, while sending at most one event";
  EXPECT_EQ(sent + unknown, kEvents);
  std::cout << "sent " << sent << ", unknown " << unknown << "\n";
}

// -- clocks, pauses and locks ------------------------------------------------------------------

// Holds a report of this process inside one of its steps until released.
class HeldStep {
 public:
  JournalOptions options(JournalStep step, const std::string& key) {
    JournalOptions o;
    o.on_step = [this, step, key](JournalStep s, const std::string& k) {
      if (s != step || k != key) return;
      std::unique_lock<std::mutex> lock(mutex_);
      reached_ = true;
      changed_.notify_all();
      changed_.wait_for(lock, std::chrono::seconds(20), [&] { return released_; });
    };
    return o;
  }
  bool wait_reached() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return reached_; });
  }
  void release() {
    std::lock_guard<std::mutex> guard(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool reached_ = false;
  bool released_ = false;
};

// A worker whose clock runs two hours ahead (libfaketime) reports keys that a live worker of
// this process holds, claimed and sending: the server's clock judges the leases, so it finds
// them in progress, and neither takes the claim over nor declares the send unknown.
TEST_F(PostgresTest, AWorkerWhoseClockRunsAheadNeverJudgesAnotherWorkersLease) {
  ASSERT_EQ(std::system("command -v faketime >/dev/null"), 0)
      << "this test needs libfaketime (Debian package faketime)";
  emulator::EmulatorOptions emulator_options;
  emulator_options.collecting_by_default = true;
  emulator::Emulator emulator(emulator_options);
  emulator.start();
  for (auto step : {JournalStep::kClaimed, JournalStep::kSending}) {
    const std::string key = step == JournalStep::kClaimed ? "skew-claimed" : "skew-sending";
    SCOPED_TRACE(key);
    auto mock = std::make_shared<::testing::StrictMock<MockConnection>>();
    EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);
    Client client(mock);
    HeldStep held;
    JournalOptions options = held.options(step, key);
    options.lease = std::chrono::milliseconds(2000);  // renewed while it is held
    auto live = ReportJournal::postgres(conninfo(), options);
    std::optional<JournaledReport> live_result;
    std::string live_error;
    std::thread worker([&] {
      try {
        live_result = live.report(client, key, request());
      } catch (const std::exception& e) {
        live_error = e.what();
      }
    });
    if (!held.wait_reached()) {
      worker.join();
      FAIL() << "the live worker did not reach its step: " << live_error;
    }
    Feed feed(root() + "/" + key + ".feed", {key});
    // libfaketime is preloaded before the sanitizer's runtime in a sanitized build: tell it so.
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string asan_options =
        "ASAN_OPTIONS=" + std::string(asan != nullptr ? asan : "") + ":verify_asan_link_order=0";
    WorkerRun skewed =
        WorkerProcess::start("postgres:" + conninfo(), emulator.url(), feed.path, 0, 2000, 0,
                             "none", "report", {"env", asan_options, "faketime", "-f", "+2h"})
            .finish();
    held.release();
    worker.join();
    ASSERT_EQ(skewed.acks.size(), 1u) << "exit " << skewed.exit_code;
    EXPECT_EQ(skewed.acks[0].outcome, "in_progress");
    ASSERT_TRUE(live_result.has_value()) << live_error;
    EXPECT_EQ(live_result->outcome, ReportOutcome::kSent);
    EXPECT_EQ(ReportJournal::postgres(conninfo()).find(key)->outcome, ReportOutcome::kSent);
    EXPECT_EQ(journal_test::reports_received(emulator.outbox_json())[key], 0)
        << "the skewed worker sent it";
  }
}

TEST_F(PostgresTest, AWorkerPausedPastItsLeaseNeitherSendsNorOverwritesWhatOthersSettled) {
  emulator::EmulatorOptions emulator_options;
  emulator_options.collecting_by_default = true;
  emulator::Emulator emulator(emulator_options);
  emulator.start();
  journal_test::paused_worker_scenario(
      "postgres:" + conninfo(), [] { return ReportJournal::postgres(conninfo()); }, emulator,
      root());
}

// A worker paused inside its claim's transaction holds the key's row locked: another worker's
// report of the key gives up after its lock timeout, typed, and sends nothing.
TEST_F(PostgresTest, ARowLockedByAPausedWorkerTimesOutTypedAndSendsNothing) {
  auto mock = std::make_shared<::testing::StrictMock<MockConnection>>();
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);  // the holder's, once released
  Client client(mock);
  HeldStep held;
  auto holder = ReportJournal::postgres(conninfo(), held.options(JournalStep::kClaimOpen, "lk"));
  std::optional<JournaledReport> holder_result;
  std::string holder_error;
  std::thread worker([&] {
    try {
      holder_result = holder.report(client, "lk", request());
    } catch (const std::exception& e) {
      holder_error = e.what();
    }
  });
  if (!held.wait_reached()) {
    worker.join();
    FAIL() << "the holder did not reach its claim: " << holder_error;
  }
  JournalOptions quick;
  quick.lock_timeout = std::chrono::milliseconds(300);
  auto other = ReportJournal::postgres(conninfo(), quick);
  try {
    other.report(client, "lk", request());
    ADD_FAILURE() << "the report waited for the lock and returned";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find("lock"), std::string::npos) << e.what();
  }
  held.release();
  worker.join();
  ASSERT_TRUE(holder_result.has_value()) << holder_error;
  EXPECT_EQ(holder_result->outcome, ReportOutcome::kSent);
}

// A worker paused inside its claim's transaction past the lock timeout loses its session (the
// server ends a transaction left idle that long, releasing its locks): its claim never commits,
// nothing is sent, and the key goes out once afterwards.
TEST_F(PostgresTest, AClaimTransactionLeftIdlePastTheLockTimeoutIsEndedAndSendsNothing) {
  auto mock = std::make_shared<::testing::StrictMock<MockConnection>>();
  Client client(mock);
  JournalOptions options;
  options.lock_timeout = std::chrono::milliseconds(300);
  bool paused = false;
  options.on_step = [&](JournalStep step, const std::string&) {
    if (step == JournalStep::kClaimOpen && !paused) {
      paused = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    }
  };
  auto journal = ReportJournal::postgres(conninfo(), options);
  try {
    journal.report(client, "idle", request());
    ADD_FAILURE() << "a claim committed after its session was idle in its transaction";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable) << e.what();
  }
  EXPECT_FALSE(journal.find("idle").has_value());
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);
  EXPECT_EQ(journal.report(client, "idle", request()).outcome, ReportOutcome::kSent);
}

// A table of the journal's name with another schema is not a journal.
TEST_F(PostgresTest, ATableOfAnotherSchemaIsNotAJournal) {
  auto psql = [&](const std::string& sql) {
    return std::system(("psql '" + conninfo() + "' -q -c \"" + sql + "\" >/dev/null").c_str());
  };
  ASSERT_EQ(psql("ALTER TABLE report_journal RENAME TO report_journal_kept;"
                 " CREATE TABLE report_journal (id integer, payload text)"),
            0);
  try {
    ReportJournal::postgres(conninfo());
    ADD_FAILURE() << "opened another application's table as a journal";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kCorrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a report journal"), std::string::npos) << e.what();
  }
  ASSERT_EQ(
      psql("DROP TABLE report_journal; ALTER TABLE report_journal_kept RENAME TO report_journal"),
      0);
  EXPECT_NO_THROW(ReportJournal::postgres(conninfo()));
}

}  // namespace
}  // namespace wix::backinstock
