// A restock worker for the journal's crash tests: reports each key of a feed through the journal
// and acknowledges it on stdout once its outcome is recorded, as a queue consumer would; it can
// kill itself with SIGKILL at a chosen step of a chosen key.
//
//   journal_worker JOURNAL URL FEED FROM LEASE_MS WAIT_MS CRASH [MODE]
//     JOURNAL  sqlite:PATH or postgres:CONNINFO
//     URL      the emulator's base URL
//     FEED     a file of keys, one per line; lines before FROM (0-based) are skipped
//     CRASH    none, or STEP:KEY with STEP one of claim-open, claimed, sending, during-send,
//              answered, recorded (SIGKILL there); or stop:STEP:KEY (SIGSTOP there: the whole
//              process pauses, its lease renewals too, until the test sends SIGCONT)
//     MODE     report (one ReportJournal::report at a time, the default), or stream:N
//              (ReportJournal::report_stream through an AsyncClient, N on their way; acks come
//              in completion order)
//   Prints `ack INDEX KEY OUTCOME` per line, `journal-error INDEX KIND` when the journal failed.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/journal.h"

namespace bis = wix::backinstock;

namespace {

bis::JournalStep step_named(const std::string& name) {
  if (name == "claim-open") return bis::JournalStep::kClaimOpen;
  if (name == "claimed") return bis::JournalStep::kClaimed;
  if (name == "answered") return bis::JournalStep::kAnswered;
  if (name == "recorded") return bis::JournalStep::kRecorded;
  return bis::JournalStep::kSending;  // sending, during-send
}

bis::ReportItemsBackInStockRequest request_for(const std::string& key) {
  return bis::ReportItemsBackInStockRequest(
      bis::CatalogReference("crash-item", bis::kWixStoresAppId), bis::ItemDetails("Item", "1.00"),
      {{"eventKey", key}});
}

// The feed through report_stream: acks in completion order, a journal error ends the run.
int stream(bis::ReportJournal& journal, const bis::ClientOptions& client_options,
           std::ifstream& feed, long from, std::size_t in_flight) {
  bis::AsyncOptions async_options;
  async_options.max_in_flight = in_flight;
  bis::AsyncClient client(client_options, async_options);
  // index (from `from` on) -> key, for the acks: `next` runs on the stream's own thread,
  // `on_result` on this one.
  std::mutex keys_mutex;
  std::deque<std::string> keys;
  long index = 0;
  std::string line;
  auto next = [&]() -> std::optional<bis::ReportJournal::Item> {
    while (std::getline(feed, line)) {
      if (index++ < from) continue;
      std::lock_guard<std::mutex> guard(keys_mutex);
      keys.push_back(line);
      return bis::ReportJournal::Item{line, request_for(line)};
    }
    return std::nullopt;
  };
  auto on_result = [&](std::size_t n, const bis::JournaledReport& result) {
    std::string key;
    {
      std::lock_guard<std::mutex> guard(keys_mutex);
      key = keys[n];
    }
    std::cout << "ack " << from + static_cast<long>(n) << " " << key << " "
              << bis::to_string(result.outcome) << std::endl;
  };
  try {
    journal.report_stream(client, next, on_result, {}, in_flight);
  } catch (const bis::JournalError& e) {
    std::cerr << "worker: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8 && argc != 9) {
    std::cerr << "usage: journal_worker JOURNAL URL FEED FROM LEASE_MS WAIT_MS CRASH [MODE]\n";
    return 2;
  }
  std::string journal_spec = argv[1];
  std::string crash = argv[7];
  bis::JournalOptions options;
  options.lease = std::chrono::milliseconds(std::stol(argv[5]));
  options.in_progress_wait = std::chrono::milliseconds(std::stol(argv[6]));
  if (crash != "none") {
    const bool pause = crash.rfind("stop:", 0) == 0;
    if (pause) crash = crash.substr(5);
    std::string step_name = crash.substr(0, crash.find(':'));
    std::string crash_key = crash.substr(crash.find(':') + 1);
    bis::JournalStep step = step_named(step_name);
    bool during_send = step_name == "during-send";
    options.on_step = [=](bis::JournalStep s, const std::string& key) {
      if (s != step || key != crash_key) return;
      if (pause) {
        ::raise(SIGSTOP);
        return;
      }
      if (!during_send) ::raise(SIGKILL);
      std::thread([] {  // the Report is on its way (the emulator delays its answer)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ::raise(SIGKILL);
      })
          .detach();
    };
  }
  try {
    auto journal = journal_spec.rfind("sqlite:", 0) == 0
                       ? bis::ReportJournal::sqlite(journal_spec.substr(7), options)
                       : bis::ReportJournal::postgres(journal_spec.substr(9), options);
    bis::ClientOptions client_options;
    client_options.base_url = argv[2];
    client_options.credentials = bis::ApiKeyCredentials::for_site("test-key", "site-1");
    std::ifstream feed(argv[3]);
    long from = std::stol(argv[4]);
    std::string mode = argc == 9 ? argv[8] : "report";
    if (mode.rfind("stream:", 0) == 0) {
      return stream(journal, client_options, feed, from, std::stoul(mode.substr(7)));
    }
    bis::Client client(client_options);
    std::string key;
    for (long index = 0; std::getline(feed, key); ++index) {
      if (index < from) continue;
      bis::ReportItemsBackInStockRequest request = request_for(key);
      try {
        auto result = journal.report(client, key, request);
        std::cout << "ack " << index << " " << key << " " << bis::to_string(result.outcome)
                  << std::endl;
      } catch (const bis::JournalError& e) {
        std::cout << "journal-error " << index << " " << static_cast<int>(e.kind()) << std::endl;
        std::cerr << e.what() << "\n";
      }
    }
  } catch (const bis::Error& e) {
    std::cerr << "worker: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
