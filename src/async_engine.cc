#include "async_engine.h"

namespace wix::backinstock::internal {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

Engine::Engine(ClientOptions o, AsyncOptions a)
    : options(std::move(o)), async(a), builder(options), rng(std::random_device{}()) {
  if (async.max_in_flight == 0) throw ValidationError("max_in_flight", "must be at least 1");
  if (options.transport) {
    auto* curl = dynamic_cast<CurlTransport*>(options.transport.get());
    if (curl == nullptr) {
      throw ValidationError("transport",
                            "AsyncClient drives libcurl itself: give a CurlTransport or none");
    }
    curl_options = curl->options();
  }
  curl_global_init_once();
  multi = curl_multi_init();
  if (multi == nullptr)
    throw TransportError(TransportError::Kind::kOther, false, "curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(async.max_in_flight));
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(async.max_in_flight));
  thread = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> guard(mutex);
    stopping = true;
  }
  curl_multi_wakeup(multi);
  thread.join();
  preparer.stop();
  fail_all();  // the loop and the preparer have ended: this thread owns everything now
  for (CURL* h : idle) easy_cleanup(h);
  curl_multi_cleanup(multi);
}

std::unique_ptr<Job> Engine::make_job(WireCall call, const CallOptions& call_options) {
  auto run = start_run(options, call_options, call.safety, Clock::now());
  auto job = std::make_unique<Job>(std::move(call), run);
  job->request.timeout = run.timeout(Clock::now());
  job->epoch = cancel_epoch.load();
  return job;
}

void Engine::enqueue(std::unique_ptr<Job> job) {
  try {
    job->request = builder.build(job->call, job->run.timeout(Clock::now()));
    job->built = true;
  } catch (...) {
    job->fail(std::current_exception());
    return;
  }
  ++pending;
  hand_to_loop(std::move(job));
}

void Engine::hand_to_loop(std::unique_ptr<Job> job) {
  bool first = false;
  {
    std::lock_guard<std::mutex> guard(mutex);
    first = submitted.empty();
    submitted.push_back(std::move(job));
  }
  // The loop takes every submitted job at once: one wake-up per batch of submissions is enough
  // (a job pushed behind another finds the loop already woken, or about to take both).
  if (first) curl_multi_wakeup(multi);
}

void Engine::submit_then(WireCall call, std::function<void(const BatchResult&)> on_done,
                         const CallOptions& call_options) {
  auto done = std::make_shared<std::function<void(const BatchResult&)>>(std::move(on_done));
  auto deliver = [done](std::exception_ptr error) { call_back(*done, std::move(error)); };
  std::unique_ptr<Job> job;
  try {
    job = make_job(std::move(call), call_options);
  } catch (...) {
    deliver(std::current_exception());
    return;
  }
  job->succeed = [deliver](std::string&&, int) { deliver(nullptr); };
  job->fail = [deliver](std::exception_ptr e) { deliver(std::move(e)); };
  enqueue(std::move(job));
}

std::unique_ptr<Job> Engine::batch_job(const std::shared_ptr<Batch>& batch) {
  if (batch->exhausted) return nullptr;
  const ReportItemsBackInStockRequest* request = nullptr;
  try {
    request = batch->next();
  } catch (...) {
    batch->feed_error = std::current_exception();
  }
  if (request == nullptr) {
    batch->exhausted = true;
    return nullptr;
  }
  std::size_t index = batch->fed++;
  auto job = make_job(calls::report_items_back_in_stock(*request, batch->options), batch->options);
  job->succeed = [this, batch, index](std::string&&, int) {
    batch_item_done(batch, index, nullptr);
  };
  job->fail = [this, batch, index](std::exception_ptr e) {
    batch_item_done(batch, index, std::move(e));
  };
  ++batch->in_flight;
  return job;
}

void Engine::batch_item_done(const std::shared_ptr<Batch>& batch, std::size_t index,
                             std::exception_ptr error) {
  --batch->in_flight;
  if (error) {  // a cancelled client feeds no more (an endless source would never end)
    try {
      std::rethrow_exception(error);
    } catch (const TransportError& e) {
      if (e.kind() == TransportError::Kind::kCancelled) batch->exhausted = true;
    } catch (...) {
    }
  }
  try {
    batch->on_result(index, BatchResult{std::move(error)});
  } catch (...) {
    if (!batch->feed_error) batch->feed_error = std::current_exception();
    batch->exhausted = true;  // a failing consumer stops the feed; the items in flight finish
  }
  std::unique_ptr<Job> job;
  try {
    job = batch_job(batch);
  } catch (...) {
    if (!batch->feed_error) batch->feed_error = std::current_exception();
    batch->exhausted = true;
  }
  if (job) {
    ++pending;
    if (build_or_hand_off(job)) ready.push_back(std::move(job));
  }
  if (batch->in_flight == 0 && batch->exhausted) batch->done.set_value();
}

std::size_t Engine::run_batch(const std::shared_ptr<Batch>& batch) {
  auto finished = batch->done.get_future();
  std::vector<std::unique_ptr<Job>> first;
  while (first.size() < async.max_in_flight) {
    auto job = batch_job(batch);  // on the caller's thread: nothing runs yet
    if (!job) break;
    build(*job);
    first.push_back(std::move(job));
  }
  if (first.empty()) {
    if (batch->feed_error) std::rethrow_exception(batch->feed_error);
    return 0;
  }
  {
    std::lock_guard<std::mutex> guard(mutex);
    for (auto& job : first) {
      ++pending;
      submitted.push_back(std::move(job));
    }
  }
  curl_multi_wakeup(multi);
  finished.wait();
  if (batch->feed_error) std::rethrow_exception(batch->feed_error);
  return batch->fed;
}

void Engine::cancel() {
  {
    std::lock_guard<std::mutex> guard(mutex);
    cancel_requested = true;
  }
  curl_multi_wakeup(multi);
}

void Engine::loop() {
  std::deque<std::unique_ptr<Job>> incoming;
  for (;;) {
    bool cancel_now = false;
    {
      std::lock_guard<std::mutex> guard(mutex);
      if (stopping) return;
      cancel_now = std::exchange(cancel_requested, false);
      if (cancel_now) ++cancel_epoch;
      incoming.swap(submitted);
    }
    if (cancel_now) fail_all();
    for (auto& job : incoming) {
      // Back from the preparer after a cancel() that covered it.
      if (job->epoch < cancel_epoch) {
        finish_with(*job, cancelled(false));
      } else {
        ready.push_back(std::move(job));
      }
    }
    incoming.clear();

    auto now = Clock::now();
    while (!timers.empty() && timers.begin()->first <= now) {
      auto job = std::move(timers.begin()->second);
      timers.erase(timers.begin());
      if (build_or_hand_off(job)) ready.push_back(std::move(job));
    }
    while (active.size() < async.max_in_flight && !ready.empty()) {
      auto job = std::move(ready.front());
      ready.pop_front();
      start(std::move(job));
    }

    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) complete(msg->easy_handle, msg->data.result);
    }

    long wait_ms = 1000;
    if (!ready.empty() && active.size() < async.max_in_flight) wait_ms = 0;
    if (!timers.empty()) {
      auto until = std::chrono::duration_cast<std::chrono::milliseconds>(timers.begin()->first -
                                                                         Clock::now());
      wait_ms = std::min<long>(wait_ms, std::max<long>(0, static_cast<long>(until.count())));
    }
    long curl_wait = -1;
    curl_multi_timeout(multi, &curl_wait);
    if (curl_wait >= 0) wait_ms = std::min(wait_ms, curl_wait);
    if (wait_ms > 0) curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait_ms), nullptr);
  }
}

void Engine::start(std::unique_ptr<Job> job) {
  if (job->build_error) {
    finish_with(*job, job->build_error);
    return;
  }
  CURL* h = nullptr;
  bool fresh = idle.empty();
  if (!fresh) {
    h = idle.back();
    idle.pop_back();
  } else {
    h = curl_easy_init();
  }
  if (h == nullptr) {
    finish_with(*job, std::make_exception_ptr(TransportError(TransportError::Kind::kOther, false,
                                                             "curl_easy_init failed")));
    return;
  }
  job->attempt_start = Clock::now();
  job->request.timeout = job->run.timeout(job->attempt_start);
  job->transfer = std::make_unique<CurlTransfer>();
  job->restarted = false;
  try {
    job->transfer->prepare(h, job->request, curl_options, fresh, sockets);
  } catch (...) {
    release(h);
    finish_with(*job, std::current_exception());
    return;
  }
  curl_multi_add_handle(multi, h);
  active.emplace(h, std::move(job));
}

void Engine::complete(CURL* h, CURLcode code) {
  auto it = active.find(h);
  if (it == active.end()) return;
  // A kept-alive connection that was not clean carried nothing: once more, on a new connection.
  if (code == CURLE_ABORTED_BY_CALLBACK && it->second->transfer->refused_stale_connection() &&
      !it->second->restarted) {
    it->second->restarted = true;
    curl_multi_remove_handle(multi, h);
    it->second->transfer->restart(h);
    curl_multi_add_handle(multi, h);
    return;
  }
  std::unique_ptr<Job> job = std::move(it->second);
  active.erase(it);
  curl_multi_remove_handle(multi, h);
  const int attempt = job->run.attempt();
  std::optional<HttpResponse> response;
  std::optional<TransportError> error;
  if (code == CURLE_OK) {
    response = job->transfer->finish(h, code);
    builder.observe(*response);
  } else {
    error = job->transfer->end_with_error(h, code);
  }
  release(h);
  auto now = Clock::now();
  const AttemptContext context{job->call, job->run, builder.credentials(), options.logger, random};
  auto decision = decide(context, job->request, response ? &*response : nullptr,
                         error ? &*error : nullptr, now, now - job->attempt_start);
  switch (decision.action) {
    case AttemptDecision::Action::kSucceed:
      --pending;
      job->succeed(std::move(response->body), attempt);
      return;
    case AttemptDecision::Action::kFail:
      finish_with(*job, decision.error);
      return;
    case AttemptDecision::Action::kRetry:
      retry_later(std::move(job), now + decision.delay);
      return;
  }
}

void Engine::retry_later(std::unique_ptr<Job> job, Clock::time_point at) {
  job->run.advance();
  job->built = false;
  timers.emplace(at, std::move(job));
}

bool Engine::build_or_hand_off(std::unique_ptr<Job>& job) {
  if (job->built) return true;
  if (!builder.credentials().applies_without_blocking()) {
    preparer.hand(std::move(job));
    return false;
  }
  build(*job);
  return true;
}

void Engine::build(Job& job) {
  try {
    job.request = builder.build(job.call, job.run.timeout(Clock::now()));
  } catch (...) {
    job.build_error = std::current_exception();
  }
  job.built = true;
}

void Engine::finish_with(Job& job, std::exception_ptr error) {
  --pending;
  job.fail(std::move(error));
}

void Engine::release(CURL* h) {
  if (idle.size() < async.max_in_flight) {
    idle.push_back(h);
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
  // Work submitted after this point is not cancelled: take what is queued now, once.
  std::deque<std::unique_ptr<Job>> rest;
  {
    std::lock_guard<std::mutex> guard(mutex);
    rest.swap(submitted);
  }
  for (auto& job : rest) ready.push_back(std::move(job));
  for (;;) {
    // Jobs waiting for the preparer (failing a batch item may hand it the next one).
    for (auto& job : preparer.take()) ready.push_back(std::move(job));
    auto running = std::move(active);
    active.clear();
    auto queued = std::move(ready);
    ready.clear();
    auto waiting = std::move(timers);
    timers.clear();
    if (running.empty() && queued.empty() && waiting.empty()) return;
    for (auto& [h, job] : running) {
      curl_multi_remove_handle(multi, h);
      release(h);
      finish_with(*job, cancelled(true));
    }
    for (auto& job : queued) finish_with(*job, cancelled(false));
    for (auto& [at, job] : waiting) finish_with(*job, cancelled(false));
  }
}

double Engine::random01() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

}  // namespace wix::backinstock::internal
