// A restock worker: reads restock events from stdin, one per line, and reports each through the
// report journal, so that an event seen twice (a queue that delivers again after a crash, two
// workers during a rebalance) e-mails the waiting customers once. Safe to kill at any moment and
// start again on the same input: what was reported is not reported again, what was cut short
// before it was sent is sent, and what may have gone out is left `unknown` for an operator
// (`wix-backinstock journal list`).
//
//   stdin line    EVENT_ID CATALOG_ITEM_ID PRICE NAME...   (e.g. `evt-1 orchid 29.99 White Orchid`)
//   stdout line   EVENT_ID OUTCOME                          (sent, not_sent, rejected, unknown,
//   in_progress)
//
//   WIX_API_KEY, WIX_SITE_ID, WIX_BASE_URL   as the other examples
//   WIX_JOURNAL_SQLITE     the journal file (default restock-journal.db), or
//   WIX_JOURNAL_POSTGRES   a PostgreSQL connection string, for workers on several machines
//   METRICS_PORT           serve Prometheus metrics on 127.0.0.1:PORT/metrics (0: a free port,
//                          printed on stderr), when built with the prometheus component

#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "example_client.h"
#include "wix/backinstock/journal.h"

#ifdef WIX_EXAMPLE_METRICS
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "wix/backinstock/prometheus_metrics.h"
#endif

namespace bis = wix::backinstock;

int main() {
  try {
    std::shared_ptr<bis::Observer> observer;
#ifdef WIX_EXAMPLE_METRICS
    // The SDK's metrics, registered in a registry of ours and served by an exposer.
    auto registry = std::make_shared<prometheus::Registry>();
    auto metrics = std::make_shared<bis::PrometheusMetrics>(*registry);
    std::unique_ptr<prometheus::Exposer> exposer;
    std::shared_ptr<prometheus::Collectable> gauge;
    const std::string metrics_port = example::env("METRICS_PORT", "");
    if (!metrics_port.empty()) observer = metrics;
#endif
    bis::Client client = example::client_from_env(observer);
    bis::JournalOptions options;
    options.in_progress_wait = std::chrono::seconds(30);  // another worker's send: wait for it
    options.observer = observer;
    std::string postgres = example::env("WIX_JOURNAL_POSTGRES", "");
    auto journal = postgres.empty()
                       ? bis::ReportJournal::sqlite(
                             example::env("WIX_JOURNAL_SQLITE", "restock-journal.db"), options)
                       : bis::ReportJournal::postgres(postgres, options);
#ifdef WIX_EXAMPLE_METRICS
    if (!metrics_port.empty()) {
      exposer = std::make_unique<prometheus::Exposer>("127.0.0.1:" + metrics_port);
      exposer->RegisterCollectable(registry);
      gauge = bis::journal_entries_gauge(journal);  // kept: the exposer holds it weakly
      exposer->RegisterCollectable(gauge);
      std::cerr << "metrics on http://127.0.0.1:" << exposer->GetListeningPorts().at(0)
                << "/metrics\n";
    }
#endif
    std::string line;
    while (std::getline(std::cin, line)) {
      std::istringstream words(line);
      std::string event, item, price, name, word;
      words >> event >> item >> price;
      while (words >> word) name += (name.empty() ? "" : " ") + word;
      if (event.empty()) continue;
      try {
        bis::ReportItemsBackInStockRequest request(
            bis::CatalogReference(item, bis::kWixStoresAppId), bis::ItemDetails(name, price));
        auto result = journal.report(client, event, request);
        std::cout << event << " " << bis::to_string(result.outcome) << std::endl;
        if (!result.entry.detail.empty()) std::cerr << event << ": " << result.entry.detail << "\n";
      } catch (const bis::ValidationError& e) {  // a bad line: skip it, say why
        std::cout << event << " invalid" << std::endl;
        std::cerr << event << ": " << e.what() << "\n";
      }
    }
    return 0;
  } catch (const bis::JournalError& e) {
    // Fail closed: the journal could not record an intent, so nothing more is sent.
    std::cerr << "journal: " << e.what() << "\n";
    return 1;
  } catch (const bis::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
