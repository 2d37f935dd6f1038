#include "call.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "error_access.h"
#include "error_mapping.h"
#include "observe.h"
#include "redact.h"
#include "validation.h"
#include "wix/backinstock/paths.h"
#include "wix/backinstock/version.h"

namespace wix::backinstock::internal {

// CallSetup -------------------------------------------------------------------------------------

CallSetup::CallSetup(ClientOptions options, Seams seams)
    : options_(std::move(options)), seams_(std::move(seams)), random_(std::random_device{}()) {
  base_url_ = checked_base_url(options_.base_url, options_.allow_insecure_http);
  if (options_.service_path_prefix) {
    prefix_ = checked_path_prefix("service_path_prefix", *options_.service_path_prefix);
  }
  if (options_.read_your_writes) consistency_ = std::make_shared<Consistency>();
  if (!options_.credentials) {
    throw ValidationError("credentials", "are required (for example ApiKeyCredentials)");
  }
  if (auto* tokens = dynamic_cast<CachedTokenCredentials*>(options_.credentials.get())) {
    token_credentials_ = tokens;
    // A client always has a transport to lend (the asynchronous one drives libcurl itself: its
    // token requests go through a CurlTransport of the same settings).
    token_context_.transport =
        options_.transport ? options_.transport : std::make_shared<CurlTransport>(options_.curl);
    token_context_.logger = options_.logger;
    token_context_.observer = options_.observer;
  }
  check_policy(options_.retry);
  if (options_.attempt_timeout.count() < 0) {
    throw ValidationError("attempt_timeout", "must not be negative");
  }
  check_text("user_agent", options_.user_agent, /*allow_newlines=*/false);
  user_agent_ = std::string("wix-backinstock-cpp/") + kVersion;
  if (!options_.user_agent.empty()) user_agent_ += " " + options_.user_agent;
}

void CallSetup::sleep(std::chrono::milliseconds delay) const {
  if (seams_.sleeper) {
    seams_.sleeper(delay);
  } else {
    std::this_thread::sleep_for(delay);
  }
}

double CallSetup::random01() {
  if (seams_.random) return seams_.random();
  std::lock_guard<std::mutex> guard(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

void CallSetup::request_of(const WireCall& call, std::string body, HttpRequest& request) const {
  request.method.assign(call.method);
  request.url.reserve(base_url_.size() + call.path.size() + call.query_string.size() + 1);
  request.url.assign(base_url_);
  constexpr std::string_view kDefaultPrefix = kServicePrefix;
  if (prefix_ && std::string_view(call.path).substr(0, kDefaultPrefix.size()) == kDefaultPrefix) {
    request.url += *prefix_;
    request.url.append(call.path, kDefaultPrefix.size(), std::string::npos);
  } else {
    request.url += call.path;
  }
  if (!call.query_string.empty()) {
    request.url += '?';
    request.url += call.query_string;
  }
  auto& headers = request.headers;
  std::size_t n = 0;  // headers written; those already there are written over
  auto put = [&headers, &n](std::string_view name, std::string_view value) {
    if (n < headers.size()) {
      headers[n].first.assign(name.data(), name.size());
      headers[n].second.assign(value.data(), value.size());
    } else {
      headers.emplace_back(name, value);
    }
    ++n;
  };
  headers.reserve(6);
  put("User-Agent", user_agent_);
  if (consistency_) {
    consistency_->use([&put](const std::string& value) { put("X-Wix-Consistent", value); });
  }
  const bool has_body = request.method == "POST" || request.method == "PUT";
  if (has_body) put("Content-Type", "application/json");
  headers.erase(headers.begin() + static_cast<std::ptrdiff_t>(n), headers.end());
  request.body = has_body ? std::move(body) : std::string();
  request.timeout = std::chrono::milliseconds(0);
  request.idempotent = call.safety == Safety::kIdempotent;
}

std::unique_ptr<ExchangePool::Exchange> ExchangePool::take() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!spare_.empty()) {
      auto exchange = std::move(spare_.back());
      spare_.pop_back();
      return exchange;
    }
  }
  return std::make_unique<Exchange>();
}

void ExchangePool::give_back(std::unique_ptr<Exchange> exchange) noexcept {
  exchange->request.body = std::string();  // each call brings its own body
  // What an unusual answer needed (a page of results, a long head) is not kept for 64 calls.
  constexpr std::size_t kKeptBody = 4096;
  constexpr std::size_t kKeptHeaders = 32;
  auto& answer = exchange->answer;
  if (answer.body.capacity() > kKeptBody) answer.body = std::string();
  if (answer.headers.size() > kKeptHeaders) answer.headers = HttpHeaders();
  std::lock_guard<std::mutex> guard(mutex_);
  if (spare_.size() < kSpare) spare_.push_back(std::move(exchange));  // never reallocates
}

void Consistency::keep(const HttpResponse& response) {
  auto value = find_header(response.headers, "X-Wix-Consistent");
  // Sent back as a header: a value a header cannot carry (line breaks, control characters) or an
  // unreasonable size is not kept.
  if (!value || value->empty() || value->size() > 1024 || !is_header_value(*value)) return;
  std::lock_guard<std::mutex> guard(mutex_);
  value_.assign(value->data(), value->size());
}

// Call ------------------------------------------------------------------------------------------

namespace {

// What a client call throws when its credentials threw `thrown`: the token endpoint's answer
// kept, the message redacted of `secrets` (the token request's own errors already are).
CredentialsError credentials_error(const std::exception_ptr& thrown,
                                   const std::vector<std::string>& secrets) {
  const std::string lead = "credentials failed (nothing was sent): ";
  try {
    std::rethrow_exception(thrown);
  } catch (const CredentialsError& e) {
    return e;
  } catch (const ApiError& e) {
    return CredentialsError(
        lead + e.what(), e.http_status(),
        e.application_code().empty() ? e.canonical_code() : e.application_code(), thrown);
  } catch (const Error& e) {
    return CredentialsError(lead + e.what(), 0, "", thrown);
  } catch (const std::exception& e) {
    return CredentialsError(lead + redact(e.what(), secrets), 0, "", thrown);
  } catch (...) {
    return CredentialsError(lead + "they threw an exception that is not a std::exception", 0, "",
                            thrown);
  }
}

RetryRun start_run(const ClientOptions& client, const CallOptions& call, Safety safety,
                   RetryRun::Clock::time_point now) {
  RetryPolicy policy = call.retry ? *call.retry : client.retry;
  if (call.deadline) policy.deadline = *call.deadline;
  if (call.retry || call.deadline) check_policy(policy);
  // The client's own was checked when the client was built.
  if (call.attempt_timeout && call.attempt_timeout->count() < 0) {
    throw ValidationError("attempt_timeout", "must not be negative");
  }
  return RetryRun(policy, safety, now, call.attempt_timeout.value_or(client.attempt_timeout));
}

}  // namespace

Call::Call(CallSetup& setup, WireCall wire, const CallOptions& options)
    : setup_(&setup),
      wire_(std::move(wire)),
      run_(start_run(setup.options(), options, wire_.safety, setup.now())),
      exchange_(setup.exchanges_.take()) {
  if (setup.options().observer) began_ = setup.now();
}

Call::~Call() { setup_->exchanges_.give_back(std::move(exchange_)); }

void Call::prepare() {
  // The body moves from the wire call into the first request and from each request into the
  // next: built once, never copied.
  std::string body = std::move(exchange_->request.body);
  if (body.empty()) body = std::move(wire_.body);
  setup_->request_of(wire_, std::move(body), exchange_->request);
  auto& credentials = setup_->credentials();
  try {
    if (credentials.applies_without_blocking()) {
      // Nothing to wait for: no deadline to pass down, no time to take from the attempt.
      credentials.apply_within(exchange_->request.headers, Clock::time_point::max());
      credentials_took_ = Clock::duration::zero();
    } else {
      const auto begin = setup_->now();
      const auto budget = run_.timeout(begin, Clock::duration::zero());
      const auto deadline = budget.count() > 0 ? begin + budget : Clock::time_point::max();
      if (setup_->token_credentials_ != nullptr) {
        TokenCacheAccess::apply_for_call(*setup_->token_credentials_, exchange_->request.headers,
                                         deadline, setup_->token_context_);
      } else {
        credentials.apply_within(exchange_->request.headers, deadline);
      }
      credentials_took_ = setup_->now() - begin;
    }
  } catch (...) {
    // Whatever failed (a token request, credentials of the user's own), the API request was
    // never written: the call ends saying so, never as if the service had answered.
    CredentialsError error = credentials_error(std::current_exception(), credentials.secrets());
    internal::ErrorAccess::annotate(error, run_.attempt(), "the credentials failed");
    if (const auto& observer = setup_->options().observer) {
      const auto took = setup_->now() - began_;
      notify(*observer, [&](Observer& o) {
        o.on_call({wire_.api_method, backinstock::CallOutcome::kFailed, "credentials",
                   run_.attempt() - 1, std::chrono::duration_cast<std::chrono::nanoseconds>(took)});
      });
    }
    throw error;
  }
  prepared_ = true;
}

HttpRequest& Call::start() {
  started_ = setup_->now();
  if (const char* why = run_.exhausted(started_, credentials_took_)) {
    throw TransportError(TransportError::Kind::kTimeout, false, why);
  }
  exchange_->request.timeout = run_.timeout(started_, credentials_took_);
  return exchange_->request;
}

Call::Next Call::finish(const HttpResponse* answer, const TransportError* error) {
  const auto now = setup_->now();
  const auto took = now - started_;
  Next next;
  if (answer != nullptr) {
    if (setup_->consistency_) setup_->consistency_->keep(*answer);
    log(answer, nullptr, took);
    next = after_answer(*answer, now);
  } else {
    log(nullptr, error, took);
    next = after_error(*error, now);
  }
  if (setup_->options().observer) observe(answer, error, took, next, now);
  if (next.action == Next::Action::kRetry) {
    run_.advance();
    prepared_ = false;
  }
  return next;
}

void Call::observe(const HttpResponse* answer, const TransportError* error, Clock::duration took,
                   const Next& next, Clock::time_point now) const noexcept {
  Observer& observer = *setup_->options().observer;
  const char* api_method = wire_.api_method;
  const int status = answer != nullptr ? answer->status : 0;
  std::string status_text;
  std::string_view error_type;
  if (error != nullptr) {
    error_type = error_type_of(error->kind());
  } else if (status != 200) {
    try {
      status_text = std::to_string(status);
    } catch (...) {
    }
    error_type = status_text;
  }
  notify(observer, [&](Observer& o) {
    o.on_attempt({api_method, wire_.method, status, error_type, run_.attempt(),
                  next.action == Next::Action::kRetry,
                  std::chrono::duration_cast<std::chrono::nanoseconds>(took)});
  });
  if (next.action == Next::Action::kRetry) return;
  const backinstock::CallOutcome outcome =
      error != nullptr ? outcome_of_error(*error) : outcome_of_answer(status);
  notify(observer, [&](Observer& o) {
    o.on_call({api_method, outcome, error_type, run_.attempt(),
               std::chrono::duration_cast<std::chrono::nanoseconds>(now - began_)});
  });
}

Call::Next Call::after_answer(const HttpResponse& answer, Clock::time_point now) {
  if (answer.status == 200) return {Next::Action::kSucceed, {}, nullptr};
  // One more attempt at once, after the credentials dropped the token this one carried.
  if (answer.status == 401 && run_.take_refresh() &&
      setup_->credentials().on_unauthenticated(exchange_->request.headers)) {
    return {Next::Action::kRetry, std::chrono::milliseconds(0), nullptr};
  }
  auto next = run_.after_status(answer, now, [this] { return setup_->random01(); });
  if (next.retry) return {Next::Action::kRetry, next.delay, nullptr};
  return {
      Next::Action::kFail, {}, make_api_error(answer, secrets(), {run_.attempt(), next.reason})};
}

Call::Next Call::after_error(const TransportError& error, Clock::time_point now) {
  auto next = run_.after_error(error, now, [this] { return setup_->random01(); });
  if (next.retry) return {Next::Action::kRetry, next.delay, nullptr};
  TransportError annotated = error;
  internal::ErrorAccess::annotate(annotated, run_.attempt(), next.reason);
  return {Next::Action::kFail, {}, std::make_exception_ptr(annotated)};
}

std::vector<std::string> Call::secrets() const {
  auto all = setup_->credentials().secrets();
  // What this attempt carried, which the credentials may have replaced since (a renewed token).
  if (auto carried = find_header(exchange_->request.headers, "Authorization");
      carried && !carried->empty() && std::find(all.begin(), all.end(), *carried) == all.end()) {
    all.emplace_back(*carried);
  }
  return all;
}

void Call::log(const HttpResponse* answer, const TransportError* error,
               Clock::duration took) const noexcept {
  const auto& logger = setup_->options().logger;
  if (!logger) return;
  try {
    log_attempt(logger, wire_.method, wire_.path, run_.attempt(), took, answer,
                error != nullptr ? error->what() : nullptr, secrets());
  } catch (...) {
    // `secrets()` allocates: a logger must not change the outcome of a call.
  }
}

}  // namespace wix::backinstock::internal
