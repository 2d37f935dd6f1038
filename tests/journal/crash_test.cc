// The journal across crashes of real processes: workers (journal_worker) report a feed of restock
// events through a shared journal to the emulator and are killed with SIGKILL at chosen steps and
// at random moments, restarted, and fed again, as a queue that delivers at least once would. The
// emulator's outbox then holds each event's Report at most once; every event ends sent or unknown
// (none lost, none in progress); every sent one was received once; and each unknown one belongs
// to a worker killed after it began to send. SQLite here; PostgreSQL in postgres_test.cc.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal_harness.h"
#include "pause_scenario.h"
#include "wix/backinstock/journal.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

using journal_test::Feed;
using journal_test::WorkerProcess;
using journal_test::WorkerRun;
using nlohmann::json;

class CrashTest : public ::testing::Test {
 protected:
  CrashTest() : dir_(journal_test::temp_dir()), emulator_(options()) {
    emulator_.start();
    spec_ = "sqlite:" + dir_ + "/journal.db";
  }
  ~CrashTest() override { std::system(("rm -rf " + dir_).c_str()); }

  static emulator::EmulatorOptions options() {
    emulator::EmulatorOptions o;
    o.collecting_by_default = true;
    return o;
  }

  std::string dir_;
  emulator::Emulator emulator_;
  std::string spec_;
};

TEST_F(CrashTest, AWorkerKilledAtEachStepLeavesWhatThatStepProves) {
  const std::vector<std::string> steps = {"claim-open",  "claimed",  "sending",
                                          "during-send", "answered", "recorded"};
  for (const auto& step : steps) {
    if (step == "during-send") {  // the answer comes late: the worker dies with the Report out
      emulator::Fault delay;
      delay.kind = emulator::Fault::Kind::kDelay;
      delay.delay = std::chrono::milliseconds(500);
      delay.path = "/report-items-back-in-stock";
      emulator_.inject(delay);
    }
    const std::string key = "point-" + step;
    Feed feed(dir_ + "/" + step, {key});
    std::string crash = step;
    crash += ":";
    crash += key;
    WorkerRun run = WorkerProcess::run(spec_, emulator_.url(), feed.path, 0, 300, 0, crash);
    EXPECT_TRUE(run.killed) << step << ": the worker was not killed";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // their leases run out
  std::vector<std::string> keys;
  for (const auto& step : steps) keys.push_back("point-" + step);
  Feed again(dir_ + "/again", keys);
  WorkerRun final_run =
      WorkerProcess::run(spec_, emulator_.url(), again.path, 0, 300, 2000, "none");
  ASSERT_FALSE(final_run.killed);
  auto received = journal_test::reports_received(emulator_.outbox_json());
  std::map<std::string, std::string> outcome;
  for (const auto& ack : final_run.acks) outcome[ack.key] = ack.outcome;
  // Died before the claim committed, or before it began to send: taken over and sent once.
  for (const char* step : {"claim-open", "claimed"}) {
    EXPECT_EQ(outcome[std::string("point-") + step], "sent") << step;
    EXPECT_EQ(received[std::string("point-") + step], 1) << step;
  }
  // Died after it recorded the send as started: unknown, never sent again.
  EXPECT_EQ(outcome["point-sending"], "unknown");
  EXPECT_EQ(received["point-sending"], 0);
  EXPECT_EQ(outcome["point-during-send"], "unknown");
  EXPECT_LE(received["point-during-send"], 1);
  EXPECT_EQ(outcome["point-answered"], "unknown");
  EXPECT_EQ(received["point-answered"], 1);
  // Died after the outcome was recorded: sent, once.
  EXPECT_EQ(outcome["point-recorded"], "sent");
  EXPECT_EQ(received["point-recorded"], 1);
}

// A thousand events fed twice in a shuffled feed to a worker in `mode`, killed after a random
// number of acknowledgements plus a random delay (in a claim, a send, a commit, or between
// reports), restarted from the first line it did not acknowledge, until the feed is done; then
// every event once more. Returns the kills; unknown events are at most `per_kill` per kill.
void random_kills(const std::string& dir, const std::string& spec, const std::string& url,
                  emulator::Emulator& emulator, const std::string& mode, int per_kill) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("event-" + std::to_string(i));
  std::vector<std::string> lines = keys;
  lines.insert(lines.end(), keys.begin(), keys.end());
  std::mt19937 rng(20261202);
  std::shuffle(lines.begin(), lines.end(), rng);
  Feed feed(dir + "/feed", lines);
  long from = 0;
  int kills = 0;
  while (from < static_cast<long>(lines.size())) {
    std::uniform_int_distribution<std::size_t> acks(1, 40);
    std::uniform_int_distribution<int> after_ms(0, 15);
    WorkerRun run =
        WorkerProcess::start(spec, url, feed.path, from, 300, 1000, "none", mode)
            .finish_with(WorkerProcess::Kill{std::chrono::milliseconds(after_ms(rng)), acks(rng)});
    if (run.killed) ++kills;
    from = run.redeliver_from(from);
    ASSERT_LT(kills, 2000) << "no progress";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  Feed once(dir + "/once", keys);
  WorkerRun final_run = WorkerProcess::run(spec, url, once.path, 0, 300, 2000, "none");
  ASSERT_FALSE(final_run.killed);
  ASSERT_EQ(final_run.acks.size(), keys.size());
  auto received = journal_test::reports_received(emulator.outbox_json());
  int unknown = 0;
  for (const auto& ack : final_run.acks) {
    int n = received[ack.key];
    EXPECT_LE(n, 1) << ack.key << " reported " << n << " times";
    if (ack.outcome == "sent") {
      EXPECT_EQ(n, 1) << ack.key << " is recorded sent";
    } else {
      EXPECT_EQ(ack.outcome, "unknown") << ack.key;
      ++unknown;
    }
  }
  for (const auto& [key, n] : received) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  EXPECT_LE(unknown, kills * per_kill)
      << "each unknown event belongs to a worker killed while sending";
  std::cout << mode << ": kills: " << kills << ", unknown: " << unknown << "\n";
}

TEST_F(CrashTest, RandomKillsOverAThousandEventsFedTwiceSendEachAtMostOnce) {
  random_kills(dir_, spec_, emulator_.url(), emulator_, "report", 1);
}

TEST_F(CrashTest, RandomKillsOfAStreamingWorkerSendEachAtMostOnce) {
  // Up to 16 Reports on their way when the worker dies: each may end unknown.
  random_kills(dir_, spec_, emulator_.url(), emulator_, "stream:16", 16);
}

TEST_F(CrashTest, FourProcessesOnOneFileSendEachEventAtMostOnce) {
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("shared-" + std::to_string(i));
  Feed feed(dir_ + "/feed", keys);
  // Four workers take the same feed at once (every event delivered four times); one is killed.
  std::vector<WorkerProcess> workers;
  for (int w = 0; w < 4; ++w) {
    workers.push_back(
        WorkerProcess::start(spec_, emulator_.url(), feed.path, 0, 300, 2000, "none"));
  }
  WorkerRun killed = workers[0].finish(std::chrono::milliseconds(150));
  std::vector<WorkerRun> runs;
  for (int w = 1; w < 4; ++w) runs.push_back(workers[static_cast<std::size_t>(w)].finish());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  WorkerRun final_run = WorkerProcess::run(spec_, emulator_.url(), feed.path, 0, 300, 2000, "none");
  runs.push_back(final_run);
  auto received = journal_test::reports_received(emulator_.outbox_json());
  std::map<std::string, std::set<std::string>> seen;  // key -> outcomes acknowledged
  for (const auto& run : runs) {
    for (const auto& ack : run.acks) seen[ack.key].insert(ack.outcome);
  }
  ASSERT_EQ(final_run.acks.size(), keys.size());
  for (const auto& key : keys) {
    EXPECT_LE(received[key], 1) << key;
    std::set<std::string> outcomes = seen[key];
    outcomes.erase("in_progress");
    EXPECT_EQ(outcomes.size(), 1u) << key << ": workers saw different outcomes";
    if (outcomes.count("sent") != 0) {
      EXPECT_EQ(received[key], 1) << key;
    }
  }
  EXPECT_TRUE(killed.killed || killed.acks.size() == keys.size());
}

TEST_F(CrashTest, AWorkerPausedPastItsLeaseNeitherSendsNorOverwritesWhatOthersSettled) {
  journal_test::paused_worker_scenario(
      spec_, [&] { return ReportJournal::sqlite(dir_ + "/journal.db"); }, emulator_, dir_);
}

}  // namespace
}  // namespace wix::backinstock
