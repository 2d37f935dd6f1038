#pragma once

// A worker process paused (SIGSTOP: its lease renewals stop too) past its lease, on any journal:
// another worker gives its claim up for lost meanwhile, an operator settles the entry, and the
// paused worker resumes. It must neither send after its lease ran out nor write its outcome over
// what the others settled. Shared by the SQLite (crash_test.cc) and PostgreSQL tests.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "journal_harness.h"
#include "wix/backinstock/journal.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock::journal_test {

inline ReportItemsBackInStockRequest paused_request(const std::string& key) {
  return ReportItemsBackInStockRequest(CatalogReference("crash-item", kWixStoresAppId),
                                       ItemDetails("Item", "1.00"), {{"eventKey", key}});
}

/// `spec`: the worker's journal (`sqlite:PATH`, `postgres:CONNINFO`); `open`: the same journal
/// in this process; `dir`: where feeds go.
inline void paused_worker_scenario(const std::string& spec,
                                   const std::function<ReportJournal()>& open,
                                   emulator::Emulator& emulator, const std::string& dir) {
  constexpr long kLeaseMs = 400;
  auto journal = open();
  ClientOptions options;
  options.base_url = emulator.url();
  options.credentials = ApiKeyCredentials::for_site("test-key", "site-1");
  Client client(options);
  auto wait_past_the_lease = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1200)); };
  {
    SCOPED_TRACE("paused after it recorded that it is sending, before the send");
    Feed feed(dir + "/pause-1.feed", {"pause-1"});
    auto worker = WorkerProcess::start(spec, emulator.url(), feed.path, 0, kLeaseMs, 0,
                                       "stop:sending:pause-1");
    ASSERT_TRUE(worker.wait_until_stopped());
    wait_past_the_lease();
    auto lost = journal.report(client, "pause-1", paused_request("pause-1"));
    EXPECT_EQ(lost.outcome, ReportOutcome::kUnknown) << "the lease was given up for lost";
    EXPECT_FALSE(lost.sent_by_this_call);
    // The operator checked: nothing went out, so it may be sent once more.
    journal.resolve("pause-1", Resolution::kAllowResend);
    worker.resume();
    WorkerRun run = worker.finish();
    ASSERT_EQ(run.acks.size(), 1u) << "exit " << run.exit_code;
    EXPECT_EQ(run.acks[0].outcome, "not_sent") << "its lease ran out while it was stopped";
    auto entry = journal.find("pause-1");
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->outcome, ReportOutcome::kNotSent) << entry->detail;
    EXPECT_EQ(reports_received(emulator.outbox_json())["pause-1"], 0);
    auto again = journal.report(client, "pause-1", paused_request("pause-1"));
    EXPECT_EQ(again.outcome, ReportOutcome::kSent);
    EXPECT_EQ(reports_received(emulator.outbox_json())["pause-1"], 1) << "sent twice";
  }
  {
    SCOPED_TRACE("paused after the answer, before it wrote the outcome");
    Feed feed(dir + "/pause-2.feed", {"pause-2"});
    auto worker = WorkerProcess::start(spec, emulator.url(), feed.path, 0, kLeaseMs, 0,
                                       "stop:answered:pause-2");
    ASSERT_TRUE(worker.wait_until_stopped());
    wait_past_the_lease();
    EXPECT_EQ(journal.report(client, "pause-2", paused_request("pause-2")).outcome,
              ReportOutcome::kUnknown);
    worker.resume();
    WorkerRun run = worker.finish();
    ASSERT_EQ(run.acks.size(), 1u) << "exit " << run.exit_code;
    EXPECT_EQ(run.acks[0].outcome, "unknown") << "the worker's answer came after its claim ended";
    auto entry = journal.find("pause-2");
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->outcome, ReportOutcome::kUnknown) << "written over what another settled";
    EXPECT_NE(entry->detail.find("answered"), std::string::npos) << entry->detail;
    EXPECT_EQ(journal.report(client, "pause-2", paused_request("pause-2")).outcome,
              ReportOutcome::kUnknown);
    EXPECT_EQ(reports_received(emulator.outbox_json())["pause-2"], 1);
  }
}

}  // namespace wix::backinstock::journal_test
