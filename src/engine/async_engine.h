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

#include "async_job.h"
#include "call.h"
#include "socket_watch.h"
#include "wix/backinstock/async_options.h"
#include "wix/backinstock/batch_result.h"
#include "wix/backinstock/client_options.h"

namespace wix::backinstock {

namespace internal {

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

  // One call; `done` gets its end once, on the loop thread (what it throws is lost: it must not
  // throw). The caller decodes the body. Throws `ValidationError` for bad `call_options`.
  void submit(WireCall wire, const CallOptions& call_options, std::function<void(CallEnd&&)> done);

  // One request without a result to decode; `on_done` gets its outcome once (see
  // `AsyncClient::report_items_back_in_stock_then`).
  void submit_then(WireCall wire, std::function<void(const BatchResult&)> on_done,
                   const CallOptions& call_options);

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
  void feed_item_done(Feed& feed, std::size_t index, CallEnd&& end);

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
