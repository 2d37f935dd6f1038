// The emulator's store under a realistic size: seeding, the cost of each route at that size, and
// throughput as clients are added. The emulator runs in this process (its RSS is this process's,
// the clients add little); the clients are raw libcurl handles on keep-alive connections, so the
// figures are the emulator's, HTTP included.
//
// Usage: emulator_bench [REQUESTS [SECONDS_PER_STEP]]   (default 1000000 and 3)
//        SEED_ROUTE=1 emulator_bench [REQUESTS]          (seeds by POST /_emulator/seed only)
// Prints `name=value` lines; bench/run_emulator.sh formats them.

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "encoding.h"
#include "wix/backinstock/testing/emulator.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace emu = wix::backinstock::emulator;

constexpr char kPrefix[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";
constexpr char kStoresApp[] = "215238eb-22a5-4c36-9e7b-e7c08025e04e";

double rss_mb(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0)
      return std::atof(line.c_str() + std::string(field).size()) / 1024;
  }
  return 0;
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One keep-alive connection.
class Connection {
 public:
  explicit Connection(std::string base) : base_(std::move(base)), curl_(curl_easy_init()) {
    headers_ = curl_slist_append(headers_, "Authorization: bench-key");
    headers_ = curl_slist_append(headers_, "wix-site-id: bench-site");
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer_);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  }
  ~Connection() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one request; returns the status, the body in answer().
  long call(const char* method, const std::string& path, const std::string& body = "") {
    answer_.clear();
    std::string url = base_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
    if (std::string(method) == "GET") {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    }
    if (curl_easy_perform(curl_) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  const std::string& answer() const { return answer_; }

 private:
  std::string base_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  std::string answer_;
};

std::string create_body(const std::string& email, long item) {
  return json{{"request",
               {{"catalogReference",
                 {{"appId", kStoresApp}, {"catalogItemId", "seed-item-" + std::to_string(item)}}},
                {"email", email}}},
              {"itemDetails", {{"name", "Shoe"}, {"price", "10.00"}}}}
      .dump();
}

std::string count_path(long items, std::mt19937_64& rng) {
  json refs = json::array();
  for (int i = 0; i < 100; ++i) {
    refs.push_back(
        {{"appId", kStoresApp}, {"catalogItemId", "seed-item-" + std::to_string(rng() % items)}});
  }
  return std::string(kPrefix) + "/count-by-catalog-reference?.r=" +
         wix::backinstock::internal::base64url_encode(json{{"catalogReferences", refs}}.dump());
}

struct Latency {
  double median_ms;
  double p99_ms;
};

template <typename Call>
Latency measure(int n, Call&& call) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    call(i);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[ms.size() * 99 / 100]};
}

void print(const char* name, Latency l) {
  std::printf("%s_median_ms=%.3f\n%s_p99_ms=%.3f\n", name, l.median_ms, name, l.p99_ms);
}

void require(long status, const char* what, const Connection& c) {
  if (status != 200) {
    std::fprintf(stderr, "%s: HTTP %ld %s\n", what, status, c.answer().substr(0, 300).c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  long requests = argc > 1 ? std::atol(argv[1]) : 1000000;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 3;
  long items = std::max(1L, requests / 10);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  emu::EmulatorOptions options;
  options.collecting_by_default = true;
  emu::Emulator emulator(options);
  emulator.start();
  std::string base = emulator.url();
  std::printf("rss_start_mb=%.1f\n", rss_mb("VmRSS:"));
  if (std::getenv("SEED_ROUTE") != nullptr) {  // the seed route instead of Create
    Connection c(base);
    auto t0 = Clock::now();
    require(c.call("POST", "/_emulator/seed", json{{"count", requests}}.dump()), "seed", c);
    std::printf("seed_route_seconds=%.2f\nrss_seeded_mb=%.1f\n",
                std::chrono::duration<double>(Clock::now() - t0).count(), rss_mb("VmRSS:"));
    return 0;
  }

  // Seeding through Create, as a user's load test would: 8 connections, one e-mail per request,
  // ten requests per catalog item.
  {
    constexpr int kSeeders = 8;
    std::fprintf(stderr, "seeding %ld requests through Create (%d connections)...\n", requests,
                 kSeeders);
    std::atomic<long> next{0};
    auto t0 = Clock::now();
    std::vector<std::thread> seeders;
    for (int t = 0; t < kSeeders; ++t) {
      seeders.emplace_back([&] {
        Connection c(base);
        for (long i = next++; i < requests; i = next++) {
          require(c.call("POST", kPrefix,
                         create_body("buyer" + std::to_string(i) + "@example.com", i % items)),
                  "create", c);
          if (i > 0 && i % 100000 == 0) std::fprintf(stderr, "  %ld\n", i);
        }
      });
    }
    for (auto& t : seeders) t.join();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("seed_create_seconds=%.1f\nseed_create_per_second=%.0f\n", s, requests / s);
    std::printf("rss_seeded_mb=%.1f\n", rss_mb("VmRSS:"));
  }

  Connection c(base);
  std::mt19937_64 rng(42);
  // IDs to read: one page of the newest requests and, for the rest, a sample from offset pages.
  std::vector<std::string> ids;
  for (long offset = 0; offset < requests && ids.size() < 1000; offset += requests / 10 + 1) {
    json q = {{"query", {{"paging", {{"limit", 100}, {"offset", offset}}}}}};
    require(c.call("POST", std::string(kPrefix) + "/query", q.dump()), "query ids", c);
    json page = json::parse(c.answer());
    for (const auto& r : page["requests"]) ids.push_back(r["id"]);
  }
  long next_email = requests;
  print("create", measure(1000, [&](int) {
          require(c.call("POST", kPrefix,
                         create_body("late" + std::to_string(next_email++) + "@example.com",
                                     static_cast<long>(rng() % items))),
                  "create", c);
        }));
  print("get", measure(2000, [&](int i) {
          require(c.call("GET", std::string(kPrefix) + "/" + ids[i % ids.size()]), "get", c);
        }));
  std::vector<std::string> counts;  // built before the clock starts
  for (int i = 0; i < 100; ++i) counts.push_back(count_path(items, rng));
  print("count100", measure(500, [&](int i) {
          require(c.call("GET", counts[static_cast<std::size_t>(i) % counts.size()]), "count", c);
        }));
  // The same calls without HTTP (Emulator::handle): what the store and routing cost.
  const std::map<std::string, std::string> headers = {{"Authorization", "bench-key"},
                                                      {"wix-site-id", "bench-site"}};
  print("handle_get", measure(2000, [&](int i) {
          emulator.handle("GET", std::string(kPrefix) + "/" + ids[i % ids.size()], headers, "");
        }));
  print("handle_count100", measure(500, [&](int i) {
          emulator.handle("GET", counts[static_cast<std::size_t>(i) % counts.size()], headers, "");
        }));
  print("handle_query100", measure(500, [&](int) {
          emulator.handle("POST", std::string(kPrefix) + "/query", headers,
                          R"({"query":{"cursorPaging":{"limit":100}}})");
        }));
  print("query100", measure(500, [&](int) {
          require(c.call("POST", std::string(kPrefix) + "/query",
                         R"({"query":{"cursorPaging":{"limit":100}}})"),
                  "query", c);
        }));
  print(
      "query100_item", measure(500, [&](int) {
        json q = {
            {"query",
             {{"filter",
               {{"catalogReference.catalogItemId", "seed-item-" + std::to_string(rng() % items)}}},
              {"cursorPaging", {{"limit", 100}}}}}};
        require(c.call("POST", std::string(kPrefix) + "/query", q.dump()), "query item", c);
      }));
  print("query100_status_sorted", measure(20, [&](int) {
          json q = {{"query",
                     {{"filter", {{"status", "RECEIVED"}}},
                      {"sort", {{{"fieldName", "contactId"}}}},
                      {"cursorPaging", {{"limit", 100}}}}}};
          require(c.call("POST", std::string(kPrefix) + "/query", q.dump()), "query sorted", c);
        }));
  {  // a cursor walk of 20 pages from the newest (reading the answer for its cursor is not timed)
    std::string cursor;
    std::vector<double> ms;
    for (int i = 0; i < 20; ++i) {
      json paging = {{"limit", 100}};
      if (!cursor.empty()) paging["cursor"] = cursor;
      std::string body = json{{"query", {{"cursorPaging", paging}}}}.dump();
      auto t0 = Clock::now();
      require(c.call("POST", std::string(kPrefix) + "/query", body), "query page", c);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      cursor = json::parse(c.answer())["metadata"]["cursors"].value("next", "");
    }
    std::sort(ms.begin(), ms.end());
    print("query100_next_page", {ms[ms.size() / 2], ms.back()});
  }

  // Mixed load: per call 70 % get, 10 % create, 10 % count of 100, 10 % query of 100.
  for (int clients : {1, 2, 4, 8, 16}) {
    std::atomic<bool> stop{false};
    std::atomic<long> done{0};
    std::atomic<long> emails{next_email + clients * 10000000L};
    std::vector<std::thread> threads;
    for (int t = 0; t < clients; ++t) {
      threads.emplace_back([&, t] {
        Connection conn(base);
        std::mt19937_64 local(static_cast<unsigned long>(t) + 7);
        while (!stop) {
          int pick = static_cast<int>(local() % 10);
          long status;
          if (pick < 7) {
            status = conn.call("GET", std::string(kPrefix) + "/" + ids[local() % ids.size()]);
          } else if (pick == 7) {
            status = conn.call("POST", kPrefix,
                               create_body("mix" + std::to_string(emails++) + "@example.com",
                                           static_cast<long>(local() % items)));
          } else if (pick == 8) {
            status = conn.call("GET", counts[local() % counts.size()]);
          } else {
            status = conn.call("POST", std::string(kPrefix) + "/query",
                               R"({"query":{"cursorPaging":{"limit":100}}})");
          }
          require(status, "mixed", conn);
          ++done;
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    std::printf("mixed_%d_clients_per_second=%.0f\n", clients,
                static_cast<double>(done.load()) / seconds);
  }
  std::printf("rss_peak_mb=%.1f\n", rss_mb("VmHWM:"));

  emulator.stop();
  curl_global_cleanup();
  return 0;
}
