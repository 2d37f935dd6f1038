// A program of a user of the report journal: opens one in a SQLite file and reads it.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include <wix/backinstock/journal.h>

int main() {
  namespace bis = wix::backinstock;
  std::string path = "consumer-journal-" + std::to_string(std::rand()) + ".db";
  {
    auto journal = bis::ReportJournal::sqlite(path);
    bis::CatalogReference orchid("orchid", bis::kWixStoresAppId);
    std::string key = bis::restock_key(orchid, "2026-12-02");
    if (journal.find(key).has_value() || !journal.unsettled().empty()) return 1;
    std::cout << "journal opened; " << key << " not reported yet\n";
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return 0;
}
