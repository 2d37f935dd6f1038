// End-to-end loopback benchmark: the SDK beside raw libcurl doing the same work.
//
//   e2e_bench MODE URL CALLS [IN_FLIGHT]
//
//   sdk-seq      Client::report_items_back_in_stock, one call after another
//   floor-seq    the floor: one reused easy handle, the body built once before the loop, POST,
//                check the status
//   curl-seq     the JSON-building variant: as floor-seq, but nlohmann builds and dumps the body
//                for every call and the answer is parsed
//   sdk-async    AsyncClient futures, IN_FLIGHT reports outstanding at any time
//   sdk-then     AsyncClient::report_items_back_in_stock_then, IN_FLIGHT outstanding, each
//                completion submitting the next
//   sdk-batch    AsyncClient::report_items_back_in_stock_batch, batches of 10,000
//   sdk-stream   AsyncClient::report_items_back_in_stock_stream, every request handed over by
//                a generator as it is needed (no input vector, no results kept): a copy of one
//                request made before the loop
//   sdk-stream-build  as sdk-stream, every request made from its parts by the generator
//   wire-seq     as floor-seq, with what the SDK adds to the same exchange on the wire and in
//                libcurl's options: its User-Agent header, a per-request timeout (30 s, the
//                SDK's attempt timeout), its connect timeout, stall check and TCP keep-alive;
//                what is left beside it is the SDK's own work
//   floor-multi  curl multi with IN_FLIGHT easy handles, per request as floor-seq
//   wire-multi   curl multi with IN_FLIGHT easy handles, per request as wire-seq
//   curl-multi   curl multi with IN_FLIGHT easy handles, per request as curl-seq
//
// Prints one line: mode, calls, seconds, microseconds per call, calls per second, peak RSS.

#include <curl/curl.h>
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "wix/backinstock/backinstock.h"

namespace bis = wix::backinstock;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kPath[] =
    "/back-in-stock-service/v1/back-in-stock-notification-requests/report-items-back-in-stock";

bis::ReportItemsBackInStockRequest sdk_request() {
  return bis::ReportItemsBackInStockRequest(
      bis::CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", bis::kWixStoresAppId,
                            {{"variantId", "00000000-0000-0000-0000-000000000000"}}),
      bis::ItemDetails("White Orchid", "29.99",
                       bis::Image("https://static.wixstatic.com/media/orchid.jpg")),
      {{"storeName", "Green Thumb Nursery"}});
}

// The body the baseline builds per call: the same document the SDK sends.
std::string baseline_body() {
  nlohmann::json body = {
      {"catalogReference",
       {{"appId", bis::kWixStoresAppId},
        {"catalogItemId", "c8539b66-7a44-fe18-affc-afec4be8562a"},
        {"options", {{"variantId", "00000000-0000-0000-0000-000000000000"}}}}},
      {"itemDetails",
       {{"name", "White Orchid"},
        {"price", "29.99"},
        {"image", {{"url", "https://static.wixstatic.com/media/orchid.jpg"}}}}},
      {"extraAutomationTemplateParameters", {{"storeName", "Green Thumb Nursery"}}}};
  return body.dump();
}

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// The CA that signed a local HTTPS server's certificate (WIX_BENCH_CA_FILE), for https URLs.
std::string ca_file() {
  const char* path = std::getenv("WIX_BENCH_CA_FILE");
  return path != nullptr ? path : "";
}

bis::ClientOptions client_options(const std::string& url) {
  bis::ClientOptions o;
  o.base_url = url;
  o.curl.ca_file = ca_file();
  o.credentials = bis::ApiKeyCredentials::for_site("bench-api-key", "bench-site");
  return o;
}

// A raw easy handle set up once, as a careful libcurl user would.
struct RawHandle {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  std::string response;
  std::string body;
  bool floor;  // prebuilt body, answer not parsed
  RawHandle(const std::string& url, bool prebuilt, bool as_sdk = false) : floor(prebuilt) {
    if (as_sdk) {
      headers = curl_slist_append(
          headers, (std::string("User-Agent: wix-backinstock-cpp/") + bis::kVersion).c_str());
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Authorization: bench-api-key");
    headers = curl_slist_append(headers, "wix-site-id: bench-site");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, (url + kPath).c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
    if (!ca_file().empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file().c_str());
  }
  // The per-request work: serialize, attach, (perform elsewhere), parse.
  void prepare() {
    response.clear();
    if (floor && !body.empty()) return;  // the same body and options as the last request
    body = baseline_body();
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  }
  bool finish() {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (floor) return status == 200;
    auto parsed = nlohmann::json::parse(response, nullptr, false);
    return status == 200 && parsed.is_object();
  }
  ~RawHandle() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
  }
};

long run_sdk_seq(const std::string& url, long calls) {
  bis::Client client(client_options(url));
  auto request = sdk_request();
  long ok = 0;
  for (long i = 0; i < calls; ++i) {
    client.report_items_back_in_stock(request);
    ++ok;
  }
  return ok;
}

long run_curl_seq(const std::string& url, long calls, bool floor, bool as_sdk) {
  RawHandle raw(url, floor, as_sdk);
  long ok = 0;
  for (long i = 0; i < calls; ++i) {
    raw.prepare();
    if (curl_easy_perform(raw.h) == CURLE_OK && raw.finish()) ++ok;
  }
  return ok;
}

long run_sdk_async(const std::string& url, long calls, long in_flight) {
  bis::AsyncOptions async;
  async.max_in_flight = static_cast<std::size_t>(in_flight);
  bis::AsyncClient client(client_options(url), async);
  auto request = sdk_request();
  std::deque<std::future<void>> window;
  long ok = 0;
  for (long i = 0; i < calls; ++i) {
    if (static_cast<long>(window.size()) >= in_flight) {
      window.front().get();
      window.pop_front();
      ++ok;
    }
    window.push_back(client.report_items_back_in_stock(request));
  }
  for (auto& f : window) {
    f.get();
    ++ok;
  }
  return ok;
}

// The callback form: IN_FLIGHT reports outstanding, each completion submitting the next one from
// the client's loop thread (no future, no waiting thread).
long run_sdk_then(const std::string& url, long calls, long in_flight) {
  bis::AsyncOptions async;
  async.max_in_flight = static_cast<std::size_t>(in_flight);
  bis::AsyncClient client(client_options(url), async);
  auto request = sdk_request();
  std::mutex mutex;
  std::condition_variable finished;
  long submitted = 0, done = 0, ok = 0;
  std::function<void(const bis::BatchResult&)> on_done = [&](const bis::BatchResult& result) {
    bool more = false;
    {
      std::lock_guard<std::mutex> guard(mutex);
      ++done;
      ok += result.ok() ? 1 : 0;
      if (submitted < calls) {
        ++submitted;
        more = true;
      }
      if (done == calls) finished.notify_one();
    }
    if (more) client.report_items_back_in_stock_then(request, on_done);
  };
  long first = std::min(calls, in_flight);
  {
    std::lock_guard<std::mutex> guard(mutex);
    submitted = first;
  }
  for (long i = 0; i < first; ++i) client.report_items_back_in_stock_then(request, on_done);
  std::unique_lock<std::mutex> lock(mutex);
  finished.wait(lock, [&] { return done == calls; });
  return ok;
}

// Page faults of building the batch mode's input (10,000 requests, the caller's memory): not the
// client's, so not counted in its faults per call (start-up is counted in every mode alike).
long g_input_faults = 0;

long faults_so_far() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

long run_sdk_batch(const std::string& url, long calls, long in_flight) {
  bis::AsyncOptions async;
  async.max_in_flight = static_cast<std::size_t>(in_flight);
  bis::AsyncClient client(client_options(url), async);
  // Batches of 10,000 items: what a warehouse sync hands over at once.
  constexpr long kBatch = 10000;
  // Making the input is the caller's work: left out of the page faults and, under callgrind, of
  // the instructions (as its destruction below).
  const long faults_before_input = faults_so_far();
  CALLGRIND_TOGGLE_COLLECT;
  std::vector<bis::ReportItemsBackInStockRequest> batch(
      static_cast<std::size_t>(std::min(calls, kBatch)), sdk_request());
  CALLGRIND_TOGGLE_COLLECT;
  g_input_faults = faults_so_far() - faults_before_input;
  long ok = 0;
  for (long done = 0; done < calls; done += static_cast<long>(batch.size())) {
    if (calls - done < static_cast<long>(batch.size()))
      batch.erase(batch.begin() + (calls - done), batch.end());
    for (const auto& result : client.report_items_back_in_stock_batch(batch))
      ok += result.ok() ? 1 : 0;
  }
  CALLGRIND_TOGGLE_COLLECT;
  batch = {};
  CALLGRIND_TOGGLE_COLLECT;
  return ok;
}

long run_sdk_stream(const std::string& url, long calls, long in_flight, bool build_each) {
  bis::AsyncOptions async;
  async.max_in_flight = static_cast<std::size_t>(in_flight);
  bis::AsyncClient client(client_options(url), async);
  // The least a caller can do: each request a copy of one made before, as the batch's input is
  // copies of one request and the other forms pass one request by reference. build_each makes
  // every request from its parts (names, price and URL checked), as a caller reading rows would.
  const auto prototype = sdk_request();
  long made = 0, ok = 0;
  client.report_items_back_in_stock_stream(
      [&]() -> std::optional<bis::ReportItemsBackInStockRequest> {
        if (made == calls) return std::nullopt;
        ++made;
        CALLGRIND_TOGGLE_COLLECT;  // making each request is the caller's work, as in the batch
        auto request = build_each ? sdk_request() : prototype;
        CALLGRIND_TOGGLE_COLLECT;
        return request;
      },
      [&](std::size_t, const bis::BatchResult& result) { ok += result.ok() ? 1 : 0; });
  return ok;
}

long run_curl_multi(const std::string& url, long calls, long in_flight, bool floor, bool as_sdk) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, in_flight);
  std::vector<std::unique_ptr<RawHandle>> handles;
  long started = 0, ok = 0;
  for (long i = 0; i < in_flight && started < calls; ++i, ++started) {
    handles.push_back(std::make_unique<RawHandle>(url, floor, as_sdk));
    curl_easy_setopt(handles.back()->h, CURLOPT_PRIVATE, handles.back().get());
    handles.back()->prepare();
    curl_multi_add_handle(multi, handles.back()->h);
  }
  int running = 1;
  while (running > 0 || started < calls) {
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      RawHandle* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      if (msg->data.result == CURLE_OK && raw->finish()) ++ok;
      curl_multi_remove_handle(multi, raw->h);
      if (started < calls) {
        ++started;
        raw->prepare();
        curl_multi_add_handle(multi, raw->h);
        running = 1;
      }
    }
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  handles.clear();
  curl_multi_cleanup(multi);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: e2e_bench "
                 "sdk-seq|floor-seq|wire-seq|curl-seq|sdk-async|sdk-then|sdk-batch|sdk-stream|"
                 "sdk-stream-build|"
                 "floor-multi|wire-multi|"
                 "curl-multi URL "
                 "CALLS [IN_FLIGHT]\n");
    return 2;
  }
  std::string mode = argv[1];
  std::string url = argv[2];
  long calls = std::atol(argv[3]);
  long in_flight = argc > 4 ? std::atol(argv[4]) : 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto start = Clock::now();
  long ok = 0;
  if (mode == "sdk-seq") {
    ok = run_sdk_seq(url, calls);
  } else if (mode == "curl-seq" || mode == "floor-seq" || mode == "wire-seq") {
    ok = run_curl_seq(url, calls, mode != "curl-seq", mode == "wire-seq");
  } else if (mode == "sdk-async") {
    ok = run_sdk_async(url, calls, in_flight);
  } else if (mode == "sdk-then") {
    ok = run_sdk_then(url, calls, in_flight);
  } else if (mode == "sdk-batch") {
    ok = run_sdk_batch(url, calls, in_flight);
  } else if (mode == "sdk-stream" || mode == "sdk-stream-build") {
    ok = run_sdk_stream(url, calls, in_flight, mode == "sdk-stream-build");
  } else if (mode == "curl-multi" || mode == "floor-multi" || mode == "wire-multi") {
    ok = run_curl_multi(url, calls, in_flight, mode != "curl-multi", mode == "wire-multi");
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "mode=%s calls=%ld ok=%ld in_flight=%ld seconds=%.4f us_per_call=%.2f calls_per_s=%.0f "
      "maxrss_kb=%ld minflt_per_call=%.3f\n",
      mode.c_str(), calls, ok, in_flight, seconds, seconds * 1e6 / static_cast<double>(calls),
      static_cast<double>(calls) / seconds, usage.ru_maxrss,
      static_cast<double>(usage.ru_minflt - g_input_faults) / static_cast<double>(calls));
  curl_global_cleanup();
  return ok == calls ? 0 : 1;
}
