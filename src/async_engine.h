#pragma once

// The engine of `AsyncClient`: one libcurl multi handle driven by one loop thread. Jobs are
// submitted from any thread, started up to `max_in_flight` at a time, decided after each attempt
// by the same rule as `Client` (attempt.h), retried on timers, and finished through their
// callbacks. Internal; only async_client.cc and async_engine.cc include it.

#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "async_job.h"
#include "attempt.h"
#include "calls.h"
#include "codec.h"
#include "curl_easy.h"
#include "error_access.h"
#include "error_mapping.h"
#include "redact.h"
#include "retry_rules.h"
#include "wire_calls.h"
#include "wix/backinstock/async_options.h"
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/model.h"

namespace wix::backinstock {

namespace internal {

// Hands `error` (null: success) to a callback of `report_items_back_in_stock_then`; what the
// callback throws is discarded, as documented there. A null callback is not called.
inline void call_back(const std::function<void(const BatchResult&)>& on_done,
                      std::exception_ptr error) noexcept {
  if (!on_done) return;
  try {
    on_done(BatchResult{std::move(error)});
  } catch (...) {
  }
}

struct Engine {
  using Clock = std::chrono::steady_clock;

  Engine(ClientOptions o, AsyncOptions a);

  ~Engine();

  // -- called from any thread --

  std::unique_ptr<Job> make_job(WireCall call, const CallOptions& call_options);

  // One request; the future gets its decoded result or its typed error.
  template <typename Result>
  std::future<Result> submit(WireCall call, const CallOptions& call_options) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    auto job = make_job(std::move(call), call_options);
    job->succeed = [promise](std::string&& body, int attempts) {
      try {
        if constexpr (std::is_void_v<Result>) {
          (void)body;
          (void)attempts;
          promise->set_value();
        } else {
          promise->set_value(decode_answer(decode_result<Result>, body, attempts));
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    };
    job->fail = [promise](std::exception_ptr e) { promise->set_exception(std::move(e)); };
    enqueue(std::move(job));
    return future;
  }

  // One request without a result to decode; `on_done` gets its outcome once (see
  // `AsyncClient::report_items_back_in_stock_then`).
  void submit_then(WireCall call, std::function<void(const BatchResult&)> on_done,
                   const CallOptions& call_options);

  // The parts run concurrently, each answer matched to its references, their results
  // concatenated in order into one future. The first
  // failing part fails the whole call; the others still run to their end. No parts: an empty
  // result without a request.
  template <typename Result>
  std::future<Result> submit(SplitCall call, const CallOptions& call_options) {
    struct Merge {
      std::mutex mutex;
      std::vector<Result> parts;
      std::size_t left = 0;
      bool settled = false;
      std::promise<Result> promise;
      void settle(std::exception_ptr error) {  // called with `mutex` held
        if (settled) return;
        settled = true;
        if (error) {
          promise.set_exception(std::move(error));
          return;
        }
        Result all;
        for (auto& part : parts) std::move(part.begin(), part.end(), std::back_inserter(all));
        promise.set_value(std::move(all));
      }
    };
    auto merge = std::make_shared<Merge>();
    auto future = merge->promise.get_future();
    if (call.parts.empty()) {
      merge->promise.set_value({});
      return future;
    }
    merge->parts.resize(call.parts.size());
    merge->left = call.parts.size();
    for (std::size_t i = 0; i < call.parts.size(); ++i) {
      auto job = make_job(std::move(call.parts[i]), call_options);
      job->succeed = [merge, i, asked = std::move(call.asked[i])](std::string&& body,
                                                                  int attempts) {
        std::exception_ptr error;
        Result result;
        try {
          result = decode_answer(
              [&asked](std::string_view text) { return decode_part(asked, text); }, body, attempts);
        } catch (...) {
          error = std::current_exception();
        }
        std::lock_guard<std::mutex> guard(merge->mutex);
        merge->parts[i] = std::move(result);
        if (error || --merge->left == 0) merge->settle(error);
      };
      job->fail = [merge](std::exception_ptr e) {
        std::lock_guard<std::mutex> guard(merge->mutex);
        merge->settle(std::move(e));
      };
      enqueue(std::move(job));
    }
    return future;
  }

  // Builds `job`'s first request on the caller's thread (a token fetch never stalls the loop) and
  // hands it to the loop; a request that cannot be built fails the job at once.
  void enqueue(std::unique_ptr<Job> job);

  // Queues `job` for the loop, waking it when the queue was empty.
  void hand_to_loop(std::unique_ptr<Job> job);

  // A batch of reports, fed from `next` by the loop itself as earlier items finish, so a batch
  // of any size costs one wake-up and holds at most `max_in_flight` jobs (and never the whole
  // input, when the caller streams it).
  struct Batch {
    // The next request, valid until the next call; null: no more. Called on the caller's thread
    // for the first `max_in_flight` items, then on the loop thread; never concurrently.
    std::function<const ReportItemsBackInStockRequest*()> next;
    std::function<void(std::size_t, BatchResult&&)> on_result;
    CallOptions options;
    std::size_t fed = 0;        // requests taken from `next`
    std::size_t in_flight = 0;  // fed and not finished
    bool exhausted = false;
    std::exception_ptr feed_error;  // what `next` or `on_result` threw; rethrown to the caller
    std::promise<void> done;
  };

  // The job of the batch's next request, or null when `next` has no more (or threw).
  std::unique_ptr<Job> batch_job(const std::shared_ptr<Batch>& batch);

  // On the loop thread: one item finished; start the next, or complete the batch.
  void batch_item_done(const std::shared_ptr<Batch>& batch, std::size_t index,
                       std::exception_ptr error);

  // Runs the batch to its end on the loop; returns the number of requests fed.
  std::size_t run_batch(const std::shared_ptr<Batch>& batch);

  void cancel();

  // -- the loop thread --

  void loop();

  void start(std::unique_ptr<Job> job);

  void complete(CURL* h, CURLcode code);

  // The request of a retry is built when its timer fires (see `start`).
  void retry_later(std::unique_ptr<Job> job, Clock::time_point at);

  // On the loop thread: a job whose request must be (re)built. Credentials that never block are
  // applied here; any others on the preparer thread, so a token fetch never stalls the transfers
  // in flight. True when the job is ready to start now.
  bool build_or_hand_off(std::unique_ptr<Job>& job);

  // Builds the job's request; a failure is kept and reported when the loop starts the job.
  void build(Job& job);

  void finish_with(Job& job, std::exception_ptr error);

  void release(CURL* h);

  // The error of a job cancelled before (`sent` false) or after its request left.
  static std::exception_ptr cancelled(bool sent);

  // Fails every job. Failing a batch item may feed the next one into `ready`, so this repeats
  // until nothing is left.
  void fail_all();

  double random01();

  ClientOptions options;
  AsyncOptions async;
  CurlTransportOptions curl_options = options.curl;  // or those of `options.transport`
  RequestBuilder builder;
  SocketWatch sockets;  // before `multi`: the multi's cached connections close through it
  CURLM* multi = nullptr;
  std::thread thread;
  std::atomic<std::size_t> pending{0};

  std::mutex mutex;  // guards the three below
  std::deque<std::unique_ptr<Job>> submitted;
  bool stopping = false;
  bool cancel_requested = false;

  // Owned by the loop thread.
  std::deque<std::unique_ptr<Job>> ready;
  std::multimap<Clock::time_point, std::unique_ptr<Job>> timers;
  std::unordered_map<CURL*, std::unique_ptr<Job>> active;
  std::vector<CURL*> idle;
  std::mt19937_64 rng;
  const std::function<double()> random = [this] { return random01(); };
  std::atomic<std::uint64_t> cancel_epoch{0};
  Preparer preparer{[this](Job& job) { build(job); },
                    [this](std::unique_ptr<Job> job) { hand_to_loop(std::move(job)); }};
};

}  // namespace internal
}  // namespace wix::backinstock
