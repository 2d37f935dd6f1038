#pragma once

// The engine of `AsyncClient`: the curl-multi driver of `Call` (call.h), one libcurl multi handle
// driven by one loop thread. Jobs are submitted from any thread, started up to `max_in_flight`
// at a time, finished after each attempt by their `Call` exactly as the blocking driver does,
// retried on timers, and ended through their callbacks. It knows wire calls, not API methods.
// Internal; only async_client.cc and async_engine.cc include it.

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
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "answers.h"
#include "async_job.h"
#include "call.h"
#include "socket_watch.h"
#include "wire_calls.h"
#include "wix/backinstock/async_options.h"
#include "wix/backinstock/client_options.h"

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

class Engine {
 public:
  using Clock = std::chrono::steady_clock;

  /// An engine whose loop runs (it holds a reference to the engine while it runs).
  static std::shared_ptr<Engine> launch(ClientOptions options, AsyncOptions async,
                                        Seams seams = {});

  Engine(ClientOptions options, AsyncOptions async, Seams seams = {});

  /// Stops the loop: from another thread, waits for it to end; from the loop's own thread (a
  /// callback that let the last reference to its client go), returns at once, and the loop ends
  /// after that callback, cancelling what is unfinished, and frees the engine then.
  void shutdown();

  ~Engine();

  // -- called from any thread --

  // One request; the future gets its decoded result or its typed error.
  template <typename Result>
  std::future<Result> submit(WireCall wire, const CallOptions& call_options) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    std::string expected_id = std::move(wire.expected_id);  // for the answer, not the request
    auto job = make_job(std::move(wire), call_options);
    job->ends_a_future = true;
    if (expected_id.empty()) {
      job->done = [promise](JobEnd&& end) {
        complete(*promise, std::move(end), decode_result<Result>);
      };
    } else {  // the answer must be about the request asked for
      job->done = [promise, expected_id = std::move(expected_id)](JobEnd&& end) {
        complete(*promise, std::move(end), [&expected_id](std::string_view text) {
          return decode_result_about<Result>(text, expected_id);
        });
      };
    }
    enqueue(std::move(job));
    return future;
  }

  // Ends `promise` with the error of `end`, or the result `decode` makes of its body.
  template <typename Result, typename Decode>
  static void complete(std::promise<Result>& promise, JobEnd&& end, Decode&& decode) {
    if (end.error) {
      promise.set_exception(std::move(end.error));
      return;
    }
    try {
      if constexpr (std::is_void_v<Result>) {
        promise.set_value();
      } else {
        promise.set_value(decode_answer(decode, end.body, end.attempts));
      }
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }

  // One request without a result to decode; `on_done` gets its outcome once (see
  // `AsyncClient::report_items_back_in_stock_then`).
  void submit_then(WireCall wire, std::function<void(const BatchResult&)> on_done,
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
      job->ends_a_future = true;
      job->done = [merge, i, asked = std::move(call.asked[i])](JobEnd&& end) {
        std::exception_ptr error = std::move(end.error);
        Result result;
        if (!error) {
          try {
            result =
                decode_answer([&asked](std::string_view text) { return decode_part(asked, text); },
                              end.body, end.attempts);
          } catch (...) {
            error = std::current_exception();
          }
        }
        std::lock_guard<std::mutex> guard(merge->mutex);
        if (!error) merge->parts[i] = std::move(result);
        if (error || --merge->left == 0) merge->settle(error);
      };
      enqueue(std::move(job));
    }
    return future;
  }

  // A stream of calls, fed from `next` by the loop itself as earlier ones finish, so a feed of
  // any length costs one wake-up and holds at most `max_in_flight` jobs (and never the whole
  // input, when the caller streams it). A call's end is handed to `on_result` with the index of
  // the call in the feed; a result body is not decoded.
  struct Feed : std::enable_shared_from_this<Feed> {
    // The next call; nullopt: no more. Called on the caller's thread for the first
    // `max_in_flight` calls, then on the loop thread; never concurrently.
    std::function<std::optional<WireCall>()> next;
    std::function<void(std::size_t, BatchResult&&)> on_result;
    CallOptions options;
    std::size_t fed = 0;        // calls taken from `next`
    std::size_t in_flight = 0;  // fed and not ended
    bool exhausted = false;
    std::exception_ptr feed_error;  // what `next` or `on_result` threw; rethrown to the caller
    std::promise<void> done;
    Engine* engine = nullptr;  // running it
  };

  // Runs the feed to its end; returns the number of calls fed.
  std::size_t run_feed(const std::shared_ptr<Feed>& feed);

  // Ends every job submitted so far with kCancelled (see `AsyncClient::cancel`).
  void cancel();

  // Jobs submitted and not ended.
  std::size_t pending() const noexcept { return pending_.load(); }

  // The error of a job cancelled before (`sent` false) or after its request left.
  static std::exception_ptr cancelled(bool sent);

 private:
  // A job for `wire` (its retry run from `call_options`: throws `ValidationError` for a bad one).
  std::unique_ptr<Job> make_job(WireCall wire, const CallOptions& call_options);

  // Builds `job`'s first request on the caller's thread (a token fetch never stalls the loop) and
  // hands it to the loop; a request that cannot be built ends the job at once.
  void enqueue(std::unique_ptr<Job> job);

  // Queues `job` for the loop, waking it when the queue was empty.
  void hand_to_loop(std::unique_ptr<Job> job);

  // The job of the feed's next call, or null when `next` has no more (or threw).
  std::unique_ptr<Job> feed_job(Feed& feed);

  // On the loop thread: one call of the feed ended; start the next, or complete the feed.
  void feed_item_done(Feed& feed, std::size_t index, JobEnd&& end);

  // -- the loop thread --

  void loop();

  void start(std::unique_ptr<Job> job);

  void complete(CURL* h, CURLcode code);

  // Removes `job` from the active jobs (the last one takes its slot) and returns it.
  std::unique_ptr<Job> take_active(Job& job);

  // The attempt of `job` got `response` or `error` (exactly one non-null): its `Call` decides;
  // the job ends, or waits on a timer for its next attempt.
  void after_attempt(std::unique_ptr<Job> job, HttpResponse* response, const TransportError* error);

  // On the loop thread: a job whose request must be (re)built. Credentials that never block are
  // applied here; any others on the preparer thread, so a token fetch never stalls the transfers
  // in flight. True when the job is ready to start now.
  bool prepare_or_hand_off(std::unique_ptr<Job>& job);

  // Builds the job's request; a failure is kept and reported when the loop starts the job.
  static void prepare(Job& job);

  // Ends `job` with its call's 200 answer.
  void succeed(Job& job);

  void finish_with(Job& job, std::exception_ptr error, bool cancelled = false);

  // Ends the futures' jobs that succeeded in this pass of the loop, the newest first (see
  // `succeeded_`).
  void deliver_succeeded();

  void release(CURL* h);

  // Cancels every job. Ending a feed's call may feed the next one into `ready`, so this repeats
  // until nothing is left (a cancelled feed takes no more).
  void fail_all();

  CallSetup setup_;
  AsyncOptions async_;
  CurlTransportOptions curl_options_ = setup_.options().curl;  // or those of its transport
  SocketWatch sockets_;  // before `multi`: the multi's cached connections close through it
  CURLM* multi_ = nullptr;
  std::thread thread_;
  std::atomic<std::size_t> pending_{0};

  std::mutex mutex_;  // guards the three below
  std::deque<std::unique_ptr<Job>> submitted_;
  bool stopping_ = false;
  bool cancel_requested_ = false;

  // Owned by the loop thread.
  std::deque<std::unique_ptr<Job>> ready_;
  std::multimap<Clock::time_point, std::unique_ptr<Job>> timers_;
  std::vector<std::unique_ptr<Job>> active_;  // each at its `slot`; its handle knows it
  std::vector<CURL*> idle_;
  std::atomic<std::uint64_t> cancel_epoch_{0};
  std::atomic<std::uint64_t> made_{0};  // jobs made, for `Job::order`
  // Jobs of futures that succeeded in this pass, ended together at its end, the newest first: a
  // caller that waits on the oldest of its futures is woken once, by the last, and finds the
  // others ready (ended one by one, each woke it to wait again on the next). Feeds and callbacks
  // are ended at once: nobody waits on them.
  std::vector<std::unique_ptr<Job>> succeeded_;
  Preparer preparer_{[](Job& job) { prepare(job); },
                     [this](std::unique_ptr<Job> job) { hand_to_loop(std::move(job)); }};
};

}  // namespace internal
}  // namespace wix::backinstock
