#include "async_engine.h"

#include <algorithm>

namespace wix::backinstock::internal {

Engine::Engine(ClientOptions options, AsyncOptions async_options, Seams seams)
    : setup_(std::move(options), std::move(seams)), async_(async_options) {
  if (async_.max_in_flight == 0) throw ValidationError("max_in_flight", "must be at least 1");
  if (setup_.options().transport) {
    auto* curl = dynamic_cast<CurlTransport*>(setup_.options().transport.get());
    if (curl == nullptr) {
      throw ValidationError("transport",
                            "AsyncClient drives libcurl itself: give a CurlTransport or none");
    }
    curl_options_ = curl->options();
  }
  curl_global_init_once();
  multi_ = curl_multi_init();
  if (multi_ == nullptr)
    throw TransportError(TransportError::Kind::kOther, false, "curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(async_.max_in_flight));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(async_.max_in_flight));
}

std::shared_ptr<Engine> Engine::launch(ClientOptions options, AsyncOptions async, Seams seams) {
  auto engine = std::make_shared<Engine>(std::move(options), async, std::move(seams));
  // The loop keeps the engine alive while it runs: the owner may let it go from a callback.
  engine->thread_ = std::thread([self = engine] { self->loop(); });
  return engine;
}

void Engine::shutdown() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  if (!thread_.joinable()) return;
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // on the loop: it ends after the callback under way, then frees the engine
    return;
  }
  thread_.join();
}

Engine::~Engine() {
  if (thread_.joinable()) shutdown();  // an engine never started, or not shut down by its owner
  preparer_.stop();
  fail_all();  // the loop and the preparer have ended: this thread owns everything now
  for (CURL* h : idle_) easy_cleanup(h);
  curl_multi_cleanup(multi_);
}

std::unique_ptr<Job> Engine::make_job(WireCall wire, const CallOptions& call_options) {
  auto job = std::make_unique<Job>(setup_, std::move(wire), call_options);
  job->epoch = cancel_epoch_.load();
  job->order = made_.fetch_add(1, std::memory_order_relaxed);
  return job;
}

void Engine::enqueue(std::unique_ptr<Job> job) {
  // Credentials that may block (a token to fetch or wait for) are applied on the preparer's
  // thread: submitting never waits for them, on any thread (the loop's own, in a callback,
  // included); a failure ends the job on the loop.
  if (!setup_.credentials().applies_without_blocking()) {
    ++pending_;
    preparer_.hand(std::move(job));
    return;
  }
  prepare(*job);
  if (job->prepare_error) {
    job->done({{}, job->call.attempt(), job->prepare_error, false});
    return;
  }
  ++pending_;
  hand_to_loop(std::move(job));
}

void Engine::hand_to_loop(std::unique_ptr<Job> job) {
  bool first = false;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    first = submitted_.empty();
    submitted_.push_back(std::move(job));
  }
  // The loop takes every submitted job at once: one wake-up per batch of submissions is enough
  // (a job pushed behind another finds the loop already woken, or about to take both).
  if (first) curl_multi_wakeup(multi_);
}

void Engine::submit(WireCall wire, const CallOptions& call_options,
                    std::function<void(CallEnd&&)> done) {
  auto job = make_job(std::move(wire), call_options);
  job->ends_a_future = true;
  job->done = std::move(done);
  enqueue(std::move(job));
}

void Engine::submit_then(WireCall wire, std::function<void(const BatchResult&)> on_done,
                         const CallOptions& call_options) {
  std::unique_ptr<Job> job;
  try {
    job = make_job(std::move(wire), call_options);
  } catch (...) {
    call_back(on_done, std::current_exception());
    return;
  }
  job->done = [done = std::move(on_done)](CallEnd&& end) { call_back(done, std::move(end.error)); };
  enqueue(std::move(job));
}

// Feeds ------------------------------------------------------------------------------------------

std::size_t Engine::run_feed(const std::shared_ptr<Feed>& feed) {
  // A feed waits for the loop; on the loop's own thread (inside a callback) it would wait forever.
  if (std::this_thread::get_id() == thread_.get_id()) {
    throw ValidationError("thread",
                          "a batch or stream of an AsyncClient cannot run inside one of its own "
                          "callbacks (on its loop thread): it would wait for itself forever");
  }
  auto finished = feed->done.get_future();
  feed->engine = this;
  std::vector<std::unique_ptr<Job>> first;
  while (first.size() < async_.max_in_flight) {
    auto job = feed_job(*feed);  // on the caller's thread: nothing runs yet
    if (!job) break;
    prepare(*job);
    first.push_back(std::move(job));
  }
  if (first.empty()) {
    if (feed->feed_error) std::rethrow_exception(feed->feed_error);
    return 0;
  }
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto& job : first) {
      ++pending_;
      submitted_.push_back(std::move(job));
    }
  }
  curl_multi_wakeup(multi_);
  finished.wait();
  if (feed->feed_error) std::rethrow_exception(feed->feed_error);
  return feed->fed;
}

std::unique_ptr<Job> Engine::feed_job(Feed& feed) {
  if (feed.exhausted) return nullptr;
  std::optional<WireCall> wire;
  try {
    wire = feed.next();
  } catch (...) {
    feed.feed_error = std::current_exception();
  }
  if (!wire) {
    feed.exhausted = true;
    return nullptr;
  }
  std::size_t index = feed.fed++;
  auto job = make_job(std::move(*wire), feed.options);
  // Two words, kept in the function itself (no allocation); the job keeps the feed alive.
  job->done = [f = &feed, index](CallEnd&& end) {
    f->engine->feed_item_done(*f, index, std::move(end));
  };
  job->keep_alive = feed.shared_from_this();
  ++feed.in_flight;
  return job;
}

void Engine::feed_item_done(Feed& feed, std::size_t index, CallEnd&& end) {
  --feed.in_flight;
  // A cancelled client feeds no more (an endless source would never end).
  if (end.cancelled) feed.exhausted = true;
  try {
    feed.on_result(index, BatchResult{std::move(end.error)});
  } catch (...) {
    if (!feed.feed_error) feed.feed_error = std::current_exception();
    feed.exhausted = true;  // a failing consumer stops the feed; the calls in flight finish
  }
  std::unique_ptr<Job> job;
  try {
    job = feed_job(feed);
  } catch (...) {
    if (!feed.feed_error) feed.feed_error = std::current_exception();
    feed.exhausted = true;
  }
  if (job) {
    ++pending_;
    if (prepare_or_hand_off(job)) ready_.push_back(std::move(job));
  }
  if (feed.in_flight == 0 && feed.exhausted) feed.done.set_value();
}

void Engine::cancel() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    cancel_requested_ = true;
  }
  curl_multi_wakeup(multi_);
}

// The loop -------------------------------------------------------------------------------------

void Engine::loop() {
  std::deque<std::unique_ptr<Job>> incoming;
  for (;;) {
    bool cancel_now = false;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (stopping_) return;
      cancel_now = std::exchange(cancel_requested_, false);
      if (cancel_now) ++cancel_epoch_;
      incoming.swap(submitted_);
    }
    if (cancel_now) fail_all();
    for (auto& job : incoming) {
      // Back from the preparer after a cancel() that covered it.
      if (job->epoch < cancel_epoch_) {
        finish_with(*job, cancelled(false), true);
      } else {
        ready_.push_back(std::move(job));
      }
    }
    incoming.clear();

    auto now = setup_.now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto job = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      if (prepare_or_hand_off(job)) ready_.push_back(std::move(job));
    }
    while (active_.size() < async_.max_in_flight && !ready_.empty()) {
      auto job = std::move(ready_.front());
      ready_.pop_front();
      start(std::move(job));
    }

    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg == CURLMSG_DONE) complete(msg->easy_handle, msg->data.result);
    }
    deliver_succeeded();

    long wait_ms = 1000;
    if (!ready_.empty() && active_.size() < async_.max_in_flight) wait_ms = 0;
    if (!timers_.empty()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.begin()->first -
                                                                         setup_.now());
      wait_ms = std::min<long>(wait_ms, std::max<long>(0, static_cast<long>(until.count())));
    }
    long curl_wait = -1;
    curl_multi_timeout(multi_, &curl_wait);
    if (curl_wait >= 0) wait_ms = std::min(wait_ms, curl_wait);
    if (wait_ms > 0) curl_multi_poll(multi_, nullptr, 0, static_cast<int>(wait_ms), nullptr);
  }
}

void Engine::start(std::unique_ptr<Job> job) {
  if (job->prepare_error) {
    finish_with(*job, job->prepare_error);
    return;
  }
  HttpRequest* request = nullptr;
  try {
    request = &job->call.start();
  } catch (const TransportError& e) {  // no time left for this attempt: nothing is sent
    after_attempt(std::move(job), nullptr, &e);
    return;
  }
  CURL* h = nullptr;
  bool fresh = idle_.empty();
  if (!fresh) {
    h = idle_.back();
    idle_.pop_back();
  } else {
    h = curl_easy_init();
  }
  if (h == nullptr) {
    finish_with(*job, std::make_exception_ptr(TransportError(TransportError::Kind::kOther, false,
                                                             "curl_easy_init failed")));
    return;
  }
  job->transfer.emplace();
  job->restarted = false;
  try {
    job->transfer->prepare(h, *request, curl_options_, fresh, sockets_, job->call.answer_storage());
  } catch (...) {
    release(h);
    finish_with(*job, std::current_exception());
    return;
  }
  job->transfer->set_owner(job.get());
  job->handle = h;
  job->slot = active_.size();
  curl_multi_add_handle(multi_, h);
  active_.push_back(std::move(job));
}

std::unique_ptr<Job> Engine::take_active(Job& job) {
  std::unique_ptr<Job> taken = std::move(active_[job.slot]);
  if (job.slot + 1 != active_.size()) {
    active_[job.slot] = std::move(active_.back());
    active_[job.slot]->slot = job.slot;
  }
  active_.pop_back();
  return taken;
}

void Engine::complete(CURL* h, CURLcode code) {
  auto* running = static_cast<Job*>(CurlTransfer::owner_of(h));
  if (running == nullptr) return;
  // A kept-alive connection that was not clean carried nothing: once more, on a new connection.
  if (code == CURLE_ABORTED_BY_CALLBACK && running->transfer->refused_stale_connection() &&
      !running->restarted) {
    running->restarted = true;
    curl_multi_remove_handle(multi_, h);
    running->transfer->restart(h);
    curl_multi_add_handle(multi_, h);
    return;
  }
  std::unique_ptr<Job> job = take_active(*running);
  job->transfer->set_owner(nullptr);
  job->handle = nullptr;
  curl_multi_remove_handle(multi_, h);
  std::optional<TransportError> error;
  HttpResponse* answer = nullptr;
  if (code == CURLE_OK) {
    job->transfer->finish_in_place(h);  // written where the call keeps its answer
    answer = &job->call.answer_storage();
  } else {
    error = job->transfer->end_with_error(h, code);
  }
  release(h);
  after_attempt(std::move(job), answer, error ? &*error : nullptr);
}

void Engine::after_attempt(std::unique_ptr<Job> job, HttpResponse* response,
                           const TransportError* error) {
  auto next = job->call.finish(response, error);
  switch (next.action) {
    case Call::Next::Action::kSucceed:
      if (job->ends_a_future) {
        succeeded_.push_back(std::move(job));  // its answer stays in its call until it is ended
        return;
      }
      succeed(*job);
      return;
    case Call::Next::Action::kFail:
      finish_with(*job, next.error);
      return;
    case Call::Next::Action::kRetry:
      // The next attempt's request is built when its timer fires.
      timers_.emplace(setup_.now() + next.delay, std::move(job));
      return;
  }
}

bool Engine::prepare_or_hand_off(std::unique_ptr<Job>& job) {
  if (job->prepared()) return true;
  if (!setup_.credentials().applies_without_blocking()) {
    preparer_.hand(std::move(job));
    return false;
  }
  prepare(*job);
  return true;
}

void Engine::prepare(Job& job) {
  try {
    job.call.prepare();
  } catch (...) {
    job.prepare_error = std::current_exception();
  }
}

void Engine::succeed(Job& job) {
  --pending_;
  job.done({job.call.answer_storage().body, job.call.attempt(), nullptr, false});
}

void Engine::finish_with(Job& job, std::exception_ptr error, bool cancelled) {
  --pending_;
  job.done({{}, job.call.attempt(), std::move(error), cancelled});
}

void Engine::deliver_succeeded() {
  if (succeeded_.empty()) return;
  std::sort(succeeded_.begin(), succeeded_.end(),
            [](const std::unique_ptr<Job>& a, const std::unique_ptr<Job>& b) {
              return a->order > b->order;
            });
  for (auto& job : succeeded_) {
    succeed(*job);
    job.reset();  // its storage serves the next job made (a feed makes it in `done`)
  }
  succeeded_.clear();
}

void Engine::release(CURL* h) {
  if (idle_.size() < async_.max_in_flight) {
    idle_.push_back(h);
  } else {
    easy_cleanup(h);
  }
}

std::exception_ptr Engine::cancelled(bool sent) {
  return std::make_exception_ptr(
      TransportError(TransportError::Kind::kCancelled, sent,
                     sent ? "cancelled while in flight (the request may have reached the server)"
                          : "cancelled before it was sent"));
}

void Engine::fail_all() {
  deliver_succeeded();  // what succeeded is not cancelled
  // Work submitted after this point is not cancelled: take what is queued now, once.
  std::deque<std::unique_ptr<Job>> rest;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    rest.swap(submitted_);
  }
  for (auto& job : rest) ready_.push_back(std::move(job));
  for (;;) {
    // Jobs waiting for the preparer (ending a feed's call may hand it the next one).
    for (auto& job : preparer_.take()) ready_.push_back(std::move(job));
    auto running = std::move(active_);
    active_.clear();
    auto queued = std::move(ready_);
    ready_.clear();
    auto waiting = std::move(timers_);
    timers_.clear();
    if (running.empty() && queued.empty() && waiting.empty()) return;
    for (auto& job : running) {
      job->transfer->set_owner(nullptr);
      curl_multi_remove_handle(multi_, job->handle);
      release(job->handle);
      job->handle = nullptr;
      finish_with(*job, cancelled(true), true);
    }
    for (auto& job : queued) finish_with(*job, cancelled(false), true);
    for (auto& [at, job] : waiting) finish_with(*job, cancelled(false), true);
  }
}

}  // namespace wix::backinstock::internal
