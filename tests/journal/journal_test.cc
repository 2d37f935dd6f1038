// The report journal on SQLite, in one process: who sends, what later callers get, what a dead
// worker leaves behind, what an operator settles, and that nothing is sent when the journal
// cannot record the intent. Crashes of real processes are in crash_test.cc.

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wix/backinstock/journal.h"
#include "wix/backinstock/mocks.h"

namespace wix::backinstock {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::Throw;

std::string temp_dir() {
  char pattern[] = "/tmp/journal-test-XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir != nullptr ? dir : "/tmp";
}

ReportItemsBackInStockRequest report_request() {
  return ReportItemsBackInStockRequest(CatalogReference("item-1", kWixStoresAppId),
                                       ItemDetails("Shoe", "10.00"));
}

ApiError api_error(int status, const std::string& code) {
  auto details = std::make_shared<ApiErrorDetails>();
  details->http_status = status;
  details->canonical_code = status == 400 ? "INVALID_ARGUMENT" : "INTERNAL";
  details->application_code = code;
  return ApiError(details);
}

// Runs SQL on the journal file as another process would.
void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10'000);
  char* error = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class JournalTest : public ::testing::Test {
 protected:
  JournalTest()
      : dir_(temp_dir()),
        path_(dir_ + "/journal.db"),
        mock_(std::make_shared<::testing::StrictMock<MockConnection>>()),
        client_(mock_) {}
  ~JournalTest() override { std::system(("rm -rf " + dir_).c_str()); }

  ReportJournal open(JournalOptions options = {}) {
    if (options.owner.empty()) options.owner = "test-worker";
    return ReportJournal::sqlite(path_, options);
  }

  // A row as a worker that died would have left it.
  void leave_row(const std::string& key, const std::string& state, std::int64_t lease_until_ms) {
    open();  // creates the schema
    sql(path_, "INSERT INTO report_journal VALUES ('" + key + "', '" + state +
                   "', 1, 'dead-worker', " + std::to_string(lease_until_ms) + ", 0, 0, " +
                   (state == "sending" ? "1" : "0") + ", 0, '', '')");
  }

  std::string dir_;
  std::string path_;
  std::shared_ptr<::testing::StrictMock<MockConnection>> mock_;
  Client client_;
};

TEST_F(JournalTest, TheFirstCallerSendsAndEveryLaterCallerGetsTheOutcome) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(1);
  auto first = open().report(client_, "event-1", report_request());
  EXPECT_EQ(first.outcome, ReportOutcome::kSent);
  EXPECT_TRUE(first.sent_by_this_call);
  EXPECT_EQ(first.entry.http_status, 200);
  // Another process opening the same file.
  auto other = ReportJournal::sqlite(path_);
  auto second = other.report(client_, "event-1", report_request());
  EXPECT_EQ(second.outcome, ReportOutcome::kSent);
  EXPECT_FALSE(second.sent_by_this_call);
  EXPECT_EQ(second.entry.sends, 1);
  EXPECT_EQ(second.entry.owner, "test-worker");
}

TEST_F(JournalTest, ARequestProvenNotToHaveLeftIsSentByTheNextCaller) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillOnce(Throw(TransportError(TransportError::Kind::kConnect, false, "refused")))
      .WillOnce(Return());
  auto journal = open();
  auto first = journal.report(client_, "event-2", report_request());
  EXPECT_EQ(first.outcome, ReportOutcome::kNotSent);
  EXPECT_NE(first.entry.detail.find("refused"), std::string::npos);
  auto second = journal.report(client_, "event-2", report_request());
  EXPECT_EQ(second.outcome, ReportOutcome::kSent);
  EXPECT_EQ(second.entry.sends, 2);
}

TEST_F(JournalTest, ARequestThatMayHaveReachedTheServerIsNeverSentAgainUntilResolved) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillOnce(Throw(TransportError(TransportError::Kind::kConnectionLost, true, "reset")))
      .WillOnce(Return());
  auto journal = open();
  EXPECT_EQ(journal.report(client_, "event-3", report_request()).outcome, ReportOutcome::kUnknown);
  EXPECT_EQ(journal.report(client_, "event-3", report_request()).outcome, ReportOutcome::kUnknown);
  auto unsettled = journal.unsettled();
  ASSERT_EQ(unsettled.size(), 1u);
  EXPECT_EQ(unsettled[0].key, "event-3");
  // The operator checked: it did not go out.
  EXPECT_EQ(journal.resolve("event-3", Resolution::kAllowResend).outcome, ReportOutcome::kNotSent);
  EXPECT_EQ(journal.report(client_, "event-3", report_request()).outcome, ReportOutcome::kSent);
  EXPECT_TRUE(journal.unsettled().empty());
  try {
    journal.resolve("event-3", Resolution::kAllowResend);
    FAIL() << "a sent entry was resolved";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kConflict);
  }
  try {
    journal.resolve("no-such-event", Resolution::kMarkSent);
    FAIL() << "an absent entry was resolved";
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kNotFound);
  }
}

TEST_F(JournalTest, MarkSentSettlesAnUnknownEntryWithoutASend) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).WillOnce(Throw(api_error(503, "")));
  auto journal = open();
  EXPECT_EQ(journal.report(client_, "event-4", report_request()).outcome, ReportOutcome::kUnknown);
  journal.resolve("event-4", Resolution::kMarkSent);
  auto again = journal.report(client_, "event-4", report_request());
  EXPECT_EQ(again.outcome, ReportOutcome::kSent);
  EXPECT_FALSE(again.sent_by_this_call);
}

TEST_F(JournalTest, AnswersAreClassifiedByWhatTheyProve) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillOnce(Throw(api_error(400, "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS")))
      .WillOnce(Throw(api_error(429, "")))
      .WillOnce(Throw(api_error(401, "")))
      .WillOnce(Throw(api_error(500, "")))
      .WillOnce(Throw(std::runtime_error("a user's connection failed oddly")));
  auto journal = open();
  auto rejected = journal.report(client_, "a", report_request());
  EXPECT_EQ(rejected.outcome, ReportOutcome::kRejected);
  EXPECT_EQ(rejected.entry.http_status, 400);
  EXPECT_EQ(rejected.entry.code, "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS");
  EXPECT_EQ(journal.report(client_, "b", report_request()).outcome, ReportOutcome::kNotSent);
  EXPECT_EQ(journal.report(client_, "c", report_request()).outcome, ReportOutcome::kNotSent);
  EXPECT_EQ(journal.report(client_, "d", report_request()).outcome, ReportOutcome::kUnknown);
  EXPECT_EQ(journal.report(client_, "e", report_request()).outcome, ReportOutcome::kUnknown);
  // A rejection is final.
  EXPECT_EQ(journal.report(client_, "a", report_request()).outcome, ReportOutcome::kRejected);
}

TEST_F(JournalTest, AClaimWhoseWorkerDiedBeforeSendingIsTakenOver) {
  leave_row("event-5", "claimed", now_ms() - 1);
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(1);
  auto r = open().report(client_, "event-5", report_request());
  EXPECT_EQ(r.outcome, ReportOutcome::kSent);
  EXPECT_EQ(r.entry.sends, 1);
}

TEST_F(JournalTest, AClaimWhoseWorkerDiedWhileSendingEndsUnknown) {
  leave_row("event-6", "sending", now_ms() - 1);
  auto r = open().report(client_, "event-6", report_request());  // StrictMock: no send
  EXPECT_EQ(r.outcome, ReportOutcome::kUnknown);
  EXPECT_NE(r.entry.detail.find("dead-worker"), std::string::npos) << r.entry.detail;
}

TEST_F(JournalTest, ALiveWorkersClaimIsInProgressOrAwaited) {
  leave_row("event-7", "sending", now_ms() + 60'000);
  EXPECT_EQ(open().report(client_, "event-7", report_request()).outcome,
            ReportOutcome::kInProgress);
  JournalOptions waiting;
  waiting.in_progress_wait = std::chrono::seconds(30);
  auto journal = open(waiting);
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sql(path_, "UPDATE report_journal SET state = 'sent', http_status = 200 WHERE key = 'event-7'");
  });
  auto r = journal.report(client_, "event-7", report_request());
  finisher.join();
  EXPECT_EQ(r.outcome, ReportOutcome::kSent);
  EXPECT_FALSE(r.sent_by_this_call);
}

TEST_F(JournalTest, ManyThreadsAndTwoJournalsOnOneFileSendOnce) {
  std::atomic<int> sends{0};
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillRepeatedly(Invoke([&](const ReportItemsBackInStockRequest&, const CallOptions&) {
        ++sends;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }));
  JournalOptions waiting;
  waiting.in_progress_wait = std::chrono::seconds(30);
  auto a = open(waiting);
  auto b = ReportJournal::sqlite(path_, waiting);
  std::vector<std::thread> threads;
  std::atomic<int> sent_outcomes{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) {
        auto r =
            (i % 2 == 0 ? a : b).report(client_, "event-" + std::to_string(k), report_request());
        if (r.outcome == ReportOutcome::kSent) ++sent_outcomes;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sends.load(), 20);
  EXPECT_EQ(sent_outcomes.load(), 160) << "every caller sees the one outcome";
}

TEST_F(JournalTest, NothingIsSentWhenTheIntentCannotBeRecorded) {
  // StrictMock: any send fails the test.
  try {
    ReportJournal::sqlite(dir_ + "/no-such-dir/journal.db");
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
  }
  {
    std::ofstream garbage(dir_ + "/garbage.db");
    garbage << std::string(8192, 'x');
  }
  try {
    ReportJournal::sqlite(dir_ + "/garbage.db");
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kCorrupt) << e.what();
  }
  // A journal whose file another process holds locked: the claim cannot be written.
  JournalOptions quick;
  quick.lock_timeout = std::chrono::milliseconds(100);
  auto journal = open(quick);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  try {
    journal.report(client_, "event-8", report_request());
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kUnavailable) << e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
}

// A file that is another application's SQLite database is not a journal: refused as such when
// opened, and left as it was. A journal of an earlier release (no stamp yet) opens and is kept.
TEST_F(JournalTest, AnotherApplicationsDatabaseIsNotAJournal) {
  auto refused = [&](const std::string& name, const std::string& setup) {
    SCOPED_TRACE(name);
    const std::string path = dir_ + "/" + name + ".db";
    sql(path, setup);
    try {
      ReportJournal::sqlite(path);
      ADD_FAILURE() << "opened as a journal";
    } catch (const JournalError& e) {
      EXPECT_EQ(e.kind(), JournalError::Kind::kCorrupt) << e.what();
      EXPECT_NE(std::string(e.what()).find("not a report journal"), std::string::npos) << e.what();
    }
  };
  refused("same-name", "CREATE TABLE report_journal (id INTEGER PRIMARY KEY, payload TEXT)");
  refused("other-tables", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
  refused("other-application", "PRAGMA application_id = 1234");
  refused("newer-schema", "PRAGMA application_id = 1463961939; PRAGMA user_version = 99");
  // The file of another application is untouched: no table of ours was added to it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/other-tables.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'report_journal'", -1,
                     &count, nullptr);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(db);
  // A journal as an earlier release left it: the same table, no stamp.
  const std::string earlier = dir_ + "/earlier.db";
  sql(earlier,
      "CREATE TABLE report_journal (key TEXT PRIMARY KEY, state TEXT NOT NULL,"
      " generation INTEGER NOT NULL, owner TEXT NOT NULL, lease_until_ms INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, sends INTEGER NOT NULL,"
      " http_status INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL);"
      "INSERT INTO report_journal VALUES ('kept', 'sent', 1, 'w', 0, 1, 1, 1, 200, '', '')");
  auto journal = ReportJournal::sqlite(earlier);
  ASSERT_TRUE(journal.find("kept").has_value());
  EXPECT_EQ(journal.find("kept")->outcome, ReportOutcome::kSent);
}

TEST_F(JournalTest, AReadOnlyJournalRefusesBeforeSending) {
  open();  // the file exists
  chmod(path_.c_str(), 0444);
  chmod(dir_.c_str(), 0555);
  // As an unprivileged user (root writes whatever the mode says), in a child process.
  pid_t child = fork();
  if (child == 0) {
    if (getuid() == 0 && setuid(65534) != 0) _exit(3);
    try {
      auto journal = ReportJournal::sqlite(path_);
      _exit(1);
    } catch (const JournalError& e) {
      _exit(e.kind() == JournalError::Kind::kReadOnly ? 0 : 2);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  chmod(dir_.c_str(), 0755);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: opened for writing, 2: another error, 3: no setuid";
}

TEST_F(JournalTest, ProcessesStartedTogetherOnANewFileAllOpenIt) {
  // A fleet on one machine starts at once: every process creates or opens the file, switches it
  // to WAL and creates the table while the others do the same.
  for (int round = 0; round < 10; ++round) {
    const std::string path = dir_ + "/fresh-" + std::to_string(round) + ".db";
    int gate[2];
    ASSERT_EQ(pipe(gate), 0);
    std::vector<pid_t> children;
    for (int c = 0; c < 6; ++c) {
      pid_t child = fork();
      if (child == 0) {
        close(gate[1]);
        char byte;
        if (read(gate[0], &byte, 1) < 0) _exit(3);  // released all at once (EOF)
        try {
          auto journal = ReportJournal::sqlite(path);
          journal.find("k");
          _exit(0);
        } catch (const JournalError& e) {
          std::fprintf(stderr, "child %d: %s\n", c, e.what());
          _exit(1);
        }
      }
      children.push_back(child);
    }
    close(gate[0]);
    close(gate[1]);
    for (pid_t child : children) {
      int status = 0;
      waitpid(child, &status, 0);
      ASSERT_TRUE(WIFEXITED(status));
      EXPECT_EQ(WEXITSTATUS(status), 0) << "round " << round << ": a process could not open it";
    }
  }
}

TEST_F(JournalTest, AnOutcomeThatCannotBeWrittenIsReportedAndEndsUnknown) {
  JournalOptions options;
  options.lock_timeout = std::chrono::milliseconds(100);
  options.lease = std::chrono::milliseconds(300);
  sqlite3* other = nullptr;
  options.on_step = [&](JournalStep step, const std::string&) {
    if (step == JournalStep::kAnswered) {  // another process takes the lock after the send
      sqlite3_open(path_.c_str(), &other);
      sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr);
    }
  };
  auto journal = open(options);
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(1);
  try {
    journal.report(client_, "event-9", report_request());
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kOutcomeNotRecorded);
    EXPECT_EQ(e.outcome(), ReportOutcome::kSent);
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the lease runs out
  auto later = ReportJournal::sqlite(path_).report(client_, "event-9", report_request());
  EXPECT_EQ(later.outcome, ReportOutcome::kUnknown) << "never a second send";
}

TEST_F(JournalTest, BadKeysAreRefusedWithWhatIsWrong) {
  auto journal = open();
  auto refused = [&](const std::string& key, const std::string& says) {
    try {
      journal.report(client_, key, report_request());
      ADD_FAILURE() << "accepted";
    } catch (const JournalError& e) {
      EXPECT_EQ(e.kind(), JournalError::Kind::kInvalidKey);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
      EXPECT_LT(std::string(e.what()).size(), 200u) << "the key is not echoed";
    }
  };
  refused("", "empty");
  refused(std::string(1 << 20, 'k'), "1048576 bytes");
  refused(std::string("ev\0nt", 5), "control character");
  refused("caf\xc3", "UTF-8");
  refused("\xed\xa0\x80", "UTF-8");  // a surrogate
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(1);
  EXPECT_EQ(journal.report(client_, "caf\xc3\xa9 \xf0\x9f\x91\x9f", report_request()).outcome,
            ReportOutcome::kSent);
}

TEST_F(JournalTest, PruneRemovesOldSettledEntriesInBoundedSteps) {
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(5);
  JournalOptions options;
  options.retention = std::chrono::hours(0);
  auto journal = open(options);
  for (int i = 0; i < 5; ++i) journal.report(client_, "old-" + std::to_string(i), report_request());
  leave_row("live", "sending", now_ms() + 60'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(journal.prune(2), 2u);
  EXPECT_EQ(journal.prune(10), 3u);
  EXPECT_EQ(journal.prune(10), 0u);
  EXPECT_TRUE(journal.find("live").has_value()) << "an entry in progress is kept";
  EXPECT_FALSE(journal.find("old-4").has_value());
}

TEST_F(JournalTest, PruneNeverRemovesWhatNeedsAnOperatorWhateverItsAge) {
  // One send, whose answer leaves its outcome unknown; an old claim whose worker died; both far
  // older than the retention.
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillOnce(Throw(TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
  JournalOptions options;
  options.retention = std::chrono::hours(0);
  auto journal = open(options);
  EXPECT_EQ(journal.report(client_, "maybe-sent", report_request()).outcome,
            ReportOutcome::kUnknown);
  leave_row("dead-claim", "sending", now_ms() - 1);
  leave_row("old-claim", "claimed", now_ms() - 1);
  sql(path_, "UPDATE report_journal SET updated_ms = 1, created_ms = 1");  // 1970
  EXPECT_EQ(journal.prune(100), 0u);
  for (const char* key : {"maybe-sent", "dead-claim", "old-claim"}) {
    EXPECT_TRUE(journal.find(key).has_value()) << key << " was pruned";
  }
  // The next report of the unknown key sends nothing (StrictMock: one send in all).
  EXPECT_EQ(journal.report(client_, "maybe-sent", report_request()).outcome,
            ReportOutcome::kUnknown);
}

TEST_F(JournalTest, ABatchThroughAsyncClientSendsEachEventOnceAndSaysWhatBecameOfEach) {
  auto async_mock = std::make_shared<::testing::StrictMock<MockAsyncConnection>>();
  AsyncClient async(async_mock);
  auto journal = open();
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(1);
  journal.report(client_, "done-before", report_request());
  int calls = 0;
  EXPECT_CALL(*async_mock, report_items_back_in_stock(_, _))
      .Times(5)
      .WillRepeatedly(Invoke([&](const ReportItemsBackInStockRequest&, const CallOptions&) {
        ++calls;
        if (calls == 2) {
          return failed_future<void>(std::make_exception_ptr(
              TransportError(TransportError::Kind::kConnect, false, "refused")));
        }
        if (calls == 3) {
          return failed_future<void>(std::make_exception_ptr(
              TransportError(TransportError::Kind::kConnectionLost, true, "reset")));
        }
        return ready_future();
      }));
  std::vector<ReportJournal::Item> items;
  for (const char* key : {"b-1", "b-2", "b-3", "done-before", "b-1", "b-4", "b-5"}) {
    items.push_back({key, report_request()});
  }
  auto results = journal.report_batch(async, items, {}, /*in_flight=*/3);
  ASSERT_EQ(results.size(), items.size());
  EXPECT_EQ(results[0].outcome, ReportOutcome::kSent);
  EXPECT_TRUE(results[0].sent_by_this_call);
  EXPECT_EQ(results[1].outcome, ReportOutcome::kNotSent);
  EXPECT_EQ(results[2].outcome, ReportOutcome::kUnknown);
  EXPECT_EQ(results[3].outcome, ReportOutcome::kSent);
  EXPECT_FALSE(results[3].sent_by_this_call) << "reported before the batch";
  EXPECT_EQ(results[4].outcome, ReportOutcome::kSent) << "b-1 again, while the first was under way";
  EXPECT_FALSE(results[4].sent_by_this_call);
  EXPECT_EQ(results[5].outcome, ReportOutcome::kSent);
  EXPECT_EQ(results[6].outcome, ReportOutcome::kSent);
  EXPECT_EQ(journal.find("b-2")->outcome, ReportOutcome::kNotSent);
  EXPECT_EQ(journal.find("b-3")->outcome, ReportOutcome::kUnknown);
  // A bad key anywhere: nothing of the batch is sent.
  items.push_back({std::string("bad\0key", 7), report_request()});
  try {
    journal.report_batch(async, items);
    FAIL();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), JournalError::Kind::kInvalidKey);
    EXPECT_NE(std::string(e.what()).find("item 7"), std::string::npos) << e.what();
  }
}

TEST(RestockKeyTest, NamesTheReferenceAndTheGeneration) {
  CatalogReference shoe("item-1", kWixStoresAppId);
  CatalogReference red("item-1", kWixStoresAppId, nlohmann::json{{"variantId", "red"}});
  EXPECT_EQ(restock_key(shoe, "7"), restock_key(shoe, "7"));
  EXPECT_NE(restock_key(shoe, "7"), restock_key(shoe, "8"));
  EXPECT_NE(restock_key(shoe, "7"), restock_key(red, "7"));
  EXPECT_NE(restock_key(shoe, "7").find("item-1"), std::string::npos);
  std::string long_generation(2000, 'g');
  std::string hashed = restock_key(shoe, long_generation);
  EXPECT_LE(hashed.size(), 1024u);
  EXPECT_EQ(hashed.rfind("restock-sha256:", 0), 0u);
  EXPECT_NE(hashed, restock_key(shoe, long_generation + "h"));
}

}  // namespace
}  // namespace wix::backinstock
