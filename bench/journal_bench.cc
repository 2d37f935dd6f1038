// Reports per second through the report journal, beside the same reports without it.
//
//   journal_bench URL REPORTS IN_FLIGHT JOURNAL [WORKERS]
//     URL        a server that answers every request (bench/loopback_server, with or without delay)
//     REPORTS    reports in all, shared by the workers
//     IN_FLIGHT  threads per worker, each sending one report after another (one Client, one
//                journal per worker: concurrent reports share the journal's group commits)
//     JOURNAL    none, sqlite:PATH or postgres:CONNINFO
//     WORKERS    processes (default 1), each with its own journal connection
// With JOURNAL_MODE=stream, each worker sends through one AsyncClient (IN_FLIGHT at a time)
// instead of threads: ReportJournal::report_stream, or without a journal
// AsyncClient::report_items_back_in_stock_stream (the same feed, the same client).
// Prints `reports_per_second=...` and `seconds=...`.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/journal.h"

namespace bis = wix::backinstock;

namespace {

// One worker: `reports` reports by `in_flight` threads; returns 0 when every one was sent.
int work(const std::string& url, long reports, int in_flight, const std::string& journal_spec,
         int worker) {
  bis::ClientOptions options;
  options.base_url = url;
  options.credentials = bis::ApiKeyCredentials::for_site("bench-key", "bench-site");
  bis::Client client(options);
  std::optional<bis::ReportJournal> journal;
  if (journal_spec.rfind("sqlite:", 0) == 0) {
    try {
      journal = bis::ReportJournal::sqlite(journal_spec.substr(7));
    } catch (const bis::Error& e) {
      std::fprintf(stderr, "opening the journal: %s\n", e.what());
      return 1;
    }
  }
  if (journal_spec.rfind("postgres:", 0) == 0) {
    bis::JournalOptions options;
    if (const char* c = std::getenv("JOURNAL_CONNECTIONS")) options.connections = std::atoi(c);
    journal = bis::ReportJournal::postgres(journal_spec.substr(9), options);
  }
  bis::ReportItemsBackInStockRequest request(
      bis::CatalogReference("bench-item", bis::kWixStoresAppId),
      bis::ItemDetails("Bench item", "1.00"));
  std::atomic<long> next{0};
  std::atomic<long> failed{0};
  std::string run = std::to_string(getpid()) + "-" + std::to_string(worker);
  const char* mode = std::getenv("JOURNAL_MODE");
  if (mode != nullptr && std::string(mode) == "stream") {  // one AsyncClient, no threads
    bis::AsyncOptions async_options;
    async_options.max_in_flight = static_cast<std::size_t>(in_flight);
    bis::AsyncClient async(options, async_options);
    long fed = 0;
    if (!journal) {
      async.report_items_back_in_stock_stream(
          [&]() -> std::optional<bis::ReportItemsBackInStockRequest> {
            if (fed == reports) return std::nullopt;
            ++fed;
            return request;
          },
          [&](std::size_t, const bis::BatchResult& r) { failed += r.ok() ? 0 : 1; });
      return failed == 0 ? 0 : 1;
    }
    journal->report_stream(
        async,
        [&]() -> std::optional<bis::ReportJournal::Item> {
          if (fed == reports) return std::nullopt;
          return bis::ReportJournal::Item{"bench-" + run + "-" + std::to_string(fed++), request};
        },
        [&](std::size_t, const bis::JournaledReport& r) {
          if (r.outcome != bis::ReportOutcome::kSent) ++failed;
        },
        {}, static_cast<std::size_t>(in_flight));
    return failed == 0 ? 0 : 1;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < in_flight; ++t) {
    threads.emplace_back([&] {
      for (long i = next++; i < reports; i = next++) {
        try {
          if (journal) {
            auto r = journal->report(client, "bench-" + run + "-" + std::to_string(i), request);
            if (r.outcome != bis::ReportOutcome::kSent) ++failed;
          } else {
            client.report_items_back_in_stock(request);
          }
        } catch (const bis::Error& e) {
          if (failed++ == 0) std::fprintf(stderr, "%s\n", e.what());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: journal_bench URL REPORTS IN_FLIGHT JOURNAL [WORKERS]\n");
    return 2;
  }
  std::string url = argv[1];
  long reports = std::atol(argv[2]);
  int in_flight = std::atoi(argv[3]);
  std::string journal = argv[4];
  int workers = argc > 5 ? std::atoi(argv[5]) : 1;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  for (int w = 0; w < workers; ++w) {
    pid_t pid = fork();
    if (pid == 0) {
      try {
        _exit(work(url, reports / workers, in_flight, journal, w));
      } catch (const bis::Error& e) {
        std::fprintf(stderr, "worker %d: %s\n", w, e.what());
        _exit(1);
      }
    }
    children.push_back(pid);
  }
  int failures = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("reports_per_second=%.0f\nseconds=%.2f\n", (reports / workers) * workers / seconds,
              seconds);
  if (failures != 0) std::fprintf(stderr, "%d worker(s) failed\n", failures);
  return failures == 0 ? 0 : 1;
}
