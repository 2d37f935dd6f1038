#pragma once

// The unit of work of `AsyncClient`'s engine, and the thread that builds requests whose
// credentials may block (a token fetch) so that the event loop never waits. Internal.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "call.h"
#include "curl_easy.h"

namespace wix::backinstock::internal {

// One API call on its way through the engine: the `Call` (its attempts, each attempt's request
// and the decision after it) and the libcurl transfer of the current attempt.
struct Job {
  Job(CallSetup& setup, WireCall wire, const CallOptions& options)
      : call(setup, std::move(wire), options) {}
  // Ready to be started: the attempt's request is built, or building it failed.
  bool prepared() const noexcept { return call.prepared() || prepare_error != nullptr; }

  Call call;
  std::optional<CurlTransfer> transfer;  // the current attempt's (in place: no allocation)
  std::function<void(CallEnd&&)> done;   // called once, with the job's end
  std::shared_ptr<void> keep_alive;      // what `done` refers to (a feed), kept as long as the job
  std::exception_ptr prepare_error;      // the attempt's request could not be built
  bool restarted = false;                // this attempt left a stale kept-alive connection once
  std::uint64_t epoch = 0;               // cancel() calls seen when it was made
  std::uint64_t order = 0;               // jobs made before it by its engine
  bool ends_a_future = false;            // `done` makes a future ready (ended newest first)
  CURL* handle = nullptr;                // while its transfer runs: the handle, and
  std::size_t slot = 0;                  // its place among the engine's active jobs
};

// Builds requests whose credentials may block (a token fetch), off the event loop and off the
// threads that submit them. A few threads, started as needed: one job whose credentials block
// (a user's token provider that waits, say) does not hold up the others. Clients with API keys
// never start one.
class Preparer {
 public:
  static constexpr std::size_t kMaxThreads = 8;

  // `build` prepares a job; `done` hands it back to the loop.
  Preparer(std::function<void(Job&)> build, std::function<void(std::unique_ptr<Job>)> done)
      : build_(std::move(build)), done_(std::move(done)) {}
  ~Preparer() { stop(); }

  void hand(std::unique_ptr<Job> job) {
    std::lock_guard<std::mutex> guard(mutex_);
    queue_.push_back(std::move(job));
    if (stopped_) return;  // collected by take()
    // Another thread when every one there is busy (and the pool is not full).
    if (idle_ < queue_.size() && threads_.size() < kMaxThreads) {
      threads_.emplace_back([this] { run(); });
    }
    wake_.notify_one();
  }

  // Jobs not yet picked up.
  std::deque<std::unique_ptr<Job>> take() {
    std::lock_guard<std::mutex> guard(mutex_);
    return std::exchange(queue_, {});
  }

  void stop() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      --idle_;
      if (stopped_) return;
      auto job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      build_(*job);
      done_(std::move(job));
      lock.lock();
    }
  }

  std::function<void(Job&)> build_;
  std::function<void(std::unique_ptr<Job>)> done_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopped_ = false;
  std::size_t idle_ = 0;  // threads waiting for a job
  std::vector<std::thread> threads_;
};

}  // namespace wix::backinstock::internal
