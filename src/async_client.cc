#include "wix/backinstock/async_client.h"

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "calls.h"
#include "codec.h"
#include "curl_easy.h"
#include "error_access.h"
#include "error_mapping.h"
#include "redact.h"
#include "retry_rules.h"

namespace wix::backinstock {

namespace {

using Clock = std::chrono::steady_clock;
namespace calls = internal::calls;

// One API call on its way through the engine, across all of its attempts.
struct Job {
  Job(internal::WireCall c, const internal::RetryRun& r) : call(std::move(c)), run(r) {}
  internal::WireCall call;
  internal::RetryRun run;
  HttpRequest request;
  std::unique_ptr<internal::CurlTransfer> transfer;
  Clock::time_point attempt_start;
  std::function<void(std::string&& body, int attempts)> succeed;
  std::function<void(std::exception_ptr)> fail;
  std::exception_ptr build_error;  // set when the request could not be built
};

}  // namespace

struct AsyncClient::Engine {
  Engine(ClientOptions o, AsyncOptions a)
      : options(std::move(o)), async(std::move(a)), builder(options), rng(std::random_device{}()) {
    if (async.max_in_flight == 0) throw ValidationError("max_in_flight", "must be at least 1");
    async.transport.connect_timeout = options.connect_timeout;
    internal::curl_global_init_once();
    multi = curl_multi_init();
    if (multi == nullptr)
      throw TransportError(TransportError::Kind::kOther, false, "curl_multi_init failed");
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(async.max_in_flight));
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(async.max_in_flight));
    thread = std::thread([this] { loop(); });
  }

  ~Engine() {
    {
      std::lock_guard<std::mutex> guard(mutex);
      stopping = true;
    }
    curl_multi_wakeup(multi);
    thread.join();
    fail_all();  // the loop has ended: this thread owns everything now
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_multi_cleanup(multi);
  }

  // -- called from any thread --

  std::unique_ptr<Job> make_job(internal::WireCall call, const CallOptions& call_options) {
    const RetryPolicy& policy = call_options.retry ? *call_options.retry : options.retry;
    if (call_options.retry) internal::check_policy(policy);
    auto timeout = call_options.timeout.value_or(options.request_timeout);
    auto safety = call.safety;
    auto job = std::make_unique<Job>(std::move(call),
                                     internal::RetryRun(policy, safety, Clock::now(), timeout));
    job->request.timeout = timeout;
    return job;
  }

  template <typename T, typename Decode>
  std::future<T> submit(internal::WireCall call, const CallOptions& call_options, Decode decode) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    auto job = make_job(std::move(call), call_options);
    job->succeed = [promise, decode](std::string&& body, int attempts) {
      try {
        if constexpr (std::is_void_v<T>) {
          (void)body;
          (void)decode;
          promise->set_value();
        } else {
          promise->set_value(decode(body));
        }
      } catch (Error& e) {
        ErrorAccess::annotate(e, attempts, "not retryable");
        promise->set_exception(std::current_exception());
      }
    };
    job->fail = [promise](std::exception_ptr e) { promise->set_exception(std::move(e)); };
    try {
      // Credentials are applied here, on the caller's thread: a token fetch never stalls the loop.
      job->request = builder.build(job->call, job->request.timeout);
    } catch (...) {
      promise->set_exception(std::current_exception());
      return future;
    }
    ++pending;
    {
      std::lock_guard<std::mutex> guard(mutex);
      submitted.push_back(std::move(job));
    }
    curl_multi_wakeup(multi);
    return future;
  }

  // A batch of reports. Its items are fed to the loop by the loop itself as earlier ones finish,
  // so a batch of any size costs one wake-up and holds at most `max_in_flight` jobs.
  struct Batch {
    const std::vector<ReportItemsBackInStockRequest>* requests = nullptr;
    CallOptions options;
    std::vector<BatchResult> results;
    std::size_t next = 0;
    std::size_t remaining = 0;
    std::promise<void> done;
  };

  std::unique_ptr<Job> batch_job(const std::shared_ptr<Batch>& batch) {
    std::size_t index = batch->next++;
    auto job = make_job(calls::report((*batch->requests)[index]), batch->options);
    job->succeed = [this, batch](std::string&&, int) { batch_item_done(batch); };
    job->fail = [this, batch, index](std::exception_ptr e) {
      batch->results[index].error = std::move(e);
      batch_item_done(batch);
    };
    return job;
  }

  // On the loop thread: one item finished; start the next, or complete the batch.
  void batch_item_done(const std::shared_ptr<Batch>& batch) {
    if (batch->next < batch->requests->size()) {
      auto job = batch_job(batch);
      try {
        job->request = builder.build(job->call, job->request.timeout);
      } catch (...) {
        job->build_error = std::current_exception();  // reported when the loop reaches it
      }
      ++pending;
      ready.push_back(std::move(job));
    }
    if (--batch->remaining == 0) batch->done.set_value();
  }

  std::vector<BatchResult> run_batch(const std::vector<ReportItemsBackInStockRequest>& requests,
                                     const CallOptions& call_options) {
    auto batch = std::make_shared<Batch>();
    batch->requests = &requests;
    batch->options = call_options;
    batch->results.resize(requests.size());
    batch->remaining = requests.size();
    if (requests.empty()) return {};
    auto finished = batch->done.get_future();
    std::vector<std::unique_ptr<Job>> first;
    for (std::size_t i = 0; i < std::min(async.max_in_flight, requests.size()); ++i) {
      auto job = batch_job(batch);
      try {
        job->request = builder.build(job->call, job->request.timeout);
      } catch (...) {
        job->build_error = std::current_exception();
      }
      first.push_back(std::move(job));
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
    return std::move(batch->results);
  }

  void cancel() {
    {
      std::lock_guard<std::mutex> guard(mutex);
      cancel_requested = true;
    }
    curl_multi_wakeup(multi);
  }

  // -- the loop thread --

  void loop() {
    std::deque<std::unique_ptr<Job>> incoming;
    for (;;) {
      bool cancel_now = false;
      {
        std::lock_guard<std::mutex> guard(mutex);
        if (stopping) return;
        cancel_now = std::exchange(cancel_requested, false);
        incoming.swap(submitted);
      }
      for (auto& job : incoming) ready.push_back(std::move(job));
      incoming.clear();
      if (cancel_now) fail_all();

      auto now = Clock::now();
      while (!timers.empty() && timers.begin()->first <= now) {
        ready.push_back(std::move(timers.begin()->second));
        timers.erase(timers.begin());
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

  void start(std::unique_ptr<Job> job) {
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
    job->transfer = std::make_unique<internal::CurlTransfer>();
    try {
      job->transfer->prepare(h, job->request, async.transport, fresh);
    } catch (...) {
      release(h);
      finish_with(*job, std::current_exception());
      return;
    }
    curl_multi_add_handle(multi, h);
    active.emplace(h, std::move(job));
  }

  void complete(CURL* h, CURLcode code) {
    auto it = active.find(h);
    if (it == active.end()) return;
    std::unique_ptr<Job> job = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, h);
    const int attempt = job->run.attempt();
    auto now = Clock::now();
    auto random = [this] { return random01(); };
    internal::RetryRun::Next next;
    if (code == CURLE_OK) {
      HttpResponse response = job->transfer->finish(h, code);
      release(h);
      auto request_id = find_header(response.headers, "x-wix-request-id").value_or("");
      log(*job, response.status, now, request_id, "");
      if (response.status == 200) {
        --pending;
        job->succeed(std::move(response.body), attempt);
        return;
      }
      if (response.status == 401 && job->run.take_refresh() &&
          builder.credentials().on_unauthenticated(job->request.headers)) {
        retry_later(std::move(job), Clock::now());
        return;
      }
      next = job->run.after_status(response, now, random);
      if (!next.retry) {
        std::exception_ptr error;
        try {
          internal::throw_api_error(response, builder.credentials().secrets());
        } catch (Error& e) {
          ErrorAccess::annotate(e, attempt, next.reason);
          error = std::current_exception();
        }
        finish_with(*job, error);
        return;
      }
    } else {
      TransportError error = job->transfer->error(h, code);
      release(h);
      log(*job, 0, now, "", error.what());
      next = job->run.after_error(error, now, random);
      if (!next.retry) {
        ErrorAccess::annotate(error, attempt, next.reason);
        finish_with(*job, std::make_exception_ptr(error));
        return;
      }
    }
    retry_later(std::move(job), now + next.delay);
  }

  void retry_later(std::unique_ptr<Job> job, Clock::time_point at) {
    job->run.advance();
    try {
      job->request = builder.build(job->call, job->request.timeout);
    } catch (...) {
      finish_with(*job, std::current_exception());
      return;
    }
    timers.emplace(at, std::move(job));
  }

  void finish_with(Job& job, std::exception_ptr error) {
    --pending;
    job.fail(std::move(error));
  }

  void release(CURL* h) {
    if (idle.size() < async.max_in_flight) {
      idle.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  // Fails every job. Failing a batch item may feed the next one into `ready`, so this repeats
  // until nothing is left.
  void fail_all() {
    auto cancelled = [](bool sent) {
      return std::make_exception_ptr(TransportError(
          TransportError::Kind::kCancelled, sent,
          sent ? "cancelled while in flight (the request may have reached the server)"
               : "cancelled before it was sent"));
    };
    // Work submitted after this point is not cancelled: take what is queued now, once.
    std::deque<std::unique_ptr<Job>> rest;
    {
      std::lock_guard<std::mutex> guard(mutex);
      rest.swap(submitted);
    }
    for (auto& job : rest) ready.push_back(std::move(job));
    for (;;) {
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

  double random01() {
    if (options.random) return options.random();
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }

  void log(const Job& job, int status, Clock::time_point now, std::string_view request_id,
           std::string_view error) const {
    internal::log_attempt(options.logger, job.call, job.run.attempt(), status,
                          now - job.attempt_start, request_id, error, builder.credentials());
  }

  ClientOptions options;
  AsyncOptions async;
  internal::RequestBuilder builder;
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
};

AsyncClient::AsyncClient(ClientOptions options, AsyncOptions async)
    : engine_(std::make_unique<Engine>(std::move(options), std::move(async))) {}

AsyncClient::~AsyncClient() = default;

std::future<void> AsyncClient::report_items_back_in_stock(
    const ReportItemsBackInStockRequest& request, const CallOptions& options) {
  return engine_->submit<void>(calls::report(request), options, nullptr);
}

std::future<NotificationRequest> AsyncClient::create_back_in_stock_notification_request(
    const NewNotificationRequest& request, const ItemDetails& item_details,
    const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::create(request, item_details), options,
                                              internal::decode_request_response);
}

std::future<NotificationRequest> AsyncClient::get_back_in_stock_notification_request(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::get(id), options,
                                              internal::decode_request_response);
}

std::future<void> AsyncClient::delete_back_in_stock_notification_request(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<void>(calls::remove(id), options, nullptr);
}

std::future<NotificationRequest> AsyncClient::mark_as_notification_sent(
    const std::string& id, const CallOptions& options) {
  return engine_->submit<NotificationRequest>(calls::mark_sent(id), options,
                                              internal::decode_request_response);
}

std::future<QueryPage> AsyncClient::query_back_in_stock_notification_requests(
    const Query& query, const CallOptions& options) {
  return engine_->submit<QueryPage>(calls::query(query), options, internal::decode_query_response);
}

std::future<std::vector<CatalogReferenceCount>>
AsyncClient::get_back_in_stock_notification_requests_count_by_catalog_references(
    const std::vector<CatalogReference>& catalog_references, const CallOptions& options) {
  if (catalog_references.empty() || catalog_references.size() > internal::kMaxCountBatch) {
    throw ValidationError("catalogReferences", "must hold 1 to 100 references");
  }
  return engine_->submit<std::vector<CatalogReferenceCount>>(
      calls::count(catalog_references), options, internal::decode_count_response);
}

std::future<Settings> AsyncClient::get_settings(const CallOptions& options) {
  return engine_->submit<Settings>(calls::get_settings(), options,
                                   internal::decode_settings_response);
}

std::future<Settings> AsyncClient::start_collecting_requests(const std::string& app_id,
                                                             const CallOptions& options) {
  return engine_->submit<Settings>(calls::start_collecting(app_id), options,
                                   internal::decode_settings_response);
}

std::future<Settings> AsyncClient::stop_collecting_requests(const std::string& app_id,
                                                            const CallOptions& options) {
  return engine_->submit<Settings>(calls::stop_collecting(app_id), options,
                                   internal::decode_settings_response);
}

std::vector<BatchResult> AsyncClient::report_items_back_in_stock_batch(
    const std::vector<ReportItemsBackInStockRequest>& requests, const CallOptions& options) {
  return engine_->run_batch(requests, options);
}

void AsyncClient::cancel() { engine_->cancel(); }

std::size_t AsyncClient::pending() const { return engine_->pending.load(); }

}  // namespace wix::backinstock
