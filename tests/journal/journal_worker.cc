// A restock worker for the journal's crash tests: reports each key of a feed through the journal
// and acknowledges it on stdout once its outcome is recorded, as a queue consumer would; it can
// kill itself with SIGKILL at a chosen step of a chosen key.
//
//   journal_worker JOURNAL URL FEED FROM LEASE_MS WAIT_MS CRASH
//     JOURNAL  sqlite:PATH or postgres:CONNINFO
//     URL      the emulator's base URL
//     FEED     a file of keys, one per line; lines before FROM (0-based) are skipped
//     CRASH    none, or STEP:KEY with STEP one of claim-open, claimed, sending, during-send,
//              answered, recorded
//   Prints `ack INDEX KEY OUTCOME` per line, `journal-error INDEX KIND` when the journal failed.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: journal_worker JOURNAL URL FEED FROM LEASE_MS WAIT_MS CRASH\n";
    return 2;
  }
  std::string journal_spec = argv[1];
  std::string crash = argv[7];
  bis::JournalOptions options;
  options.lease = std::chrono::milliseconds(std::stol(argv[5]));
  options.in_progress_wait = std::chrono::milliseconds(std::stol(argv[6]));
  if (crash != "none") {
    std::string step_name = crash.substr(0, crash.find(':'));
    std::string crash_key = crash.substr(crash.find(':') + 1);
    bis::JournalStep step = step_named(step_name);
    bool during_send = step_name == "during-send";
    options.on_step = [=](bis::JournalStep s, const std::string& key) {
      if (s != step || key != crash_key) return;
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
    bis::Client client(client_options);
    std::ifstream feed(argv[3]);
    long from = std::stol(argv[4]);
    std::string key;
    for (long index = 0; std::getline(feed, key); ++index) {
      if (index < from) continue;
      bis::ReportItemsBackInStockRequest request(
          bis::CatalogReference("crash-item", bis::kWixStoresAppId),
          bis::ItemDetails("Item", "1.00"), {{"eventKey", key}});
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
