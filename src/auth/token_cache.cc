#include "token_cache.h"

#include <algorithm>
#include <utility>

#include "codec.h"
#include "wix/backinstock/errors.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock::internal {

namespace {

TransportError deadline_error(const char* what) {
  return TransportError(TransportError::Kind::kTimeout, false,
                        std::string("deadline exceeded ") + what);
}

bool timed_out(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const TransportError& e) {
    return e.kind() == TransportError::Kind::kTimeout;
  } catch (...) {
    return false;
  }
}

// A failure the endpoint will repeat (it refused the grant: 400 or 401): callers inside the
// backoff take it at once, whatever their deadline.
bool refused_grant(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const ApiError& e) {
    return e.http_status() == 400 || e.http_status() == 401;
  } catch (...) {
    return false;
  }
}

}  // namespace

TokenCache::TokenCache(Fetch fetch, const OAuthOptions& options)
    : fetch_(std::move(fetch)),
      margin_(options.refresh_margin),
      backoff_start_(options.failure_backoff),
      backoff_max_(std::max(options.max_failure_backoff, options.failure_backoff)) {
  if (backoff_start_.count() < 0) throw ValidationError("failure_backoff", "must not be negative");
  if (options.max_failure_backoff.count() < 0) {
    throw ValidationError("max_failure_backoff", "must not be negative");
  }
}

TokenRequestContext TokenCache::context_for(const TokenRequestContext* given) {
  TokenRequestContext context;
  if (given != nullptr) context = *given;
  if (!context.transport) {
    if (!own_transport_) own_transport_ = std::make_shared<CurlTransport>();
    context.transport = own_transport_;
  }
  return context;
}

void TokenCache::back_off() {
  if (backoff_start_.count() == 0) return;
  backoff_ = backoff_.count() == 0 ? backoff_start_ : std::min(backoff_ * 2, backoff_max_);
  retry_at_ = Clock::now() + backoff_;
}

void TokenCache::set_clock(std::function<Clock::time_point()> clock) {
  std::lock_guard<std::mutex> lock(mutex_);
  clock_ = std::move(clock);
}

std::string TokenCache::current(Clock::time_point deadline, const TokenRequestContext* context) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!token_.empty() && now() < renew_at_) return token_;
    if (!refreshing_) {
      // The endpoint failed a moment ago: not asked again before `retry_at_`. A caller whose
      // deadline comes first takes that failure now rather than wait in vain.
      if (!last_failure_ || Clock::now() >= retry_at_) break;
      if (deadline <= retry_at_ || refused_grant(last_failure_)) {
        std::rethrow_exception(last_failure_);
      }
      refreshed_.wait_until(lock, retry_at_);  // or until a token arrives
      continue;
    }
    // Another thread is renewing: wait for that fetch (within our deadline) and share its end.
    const std::uint64_t awaited = started_;
    auto done = [&] { return finished_ >= awaited; };
    if (deadline == Clock::time_point::max()) {
      refreshed_.wait(lock, done);
    } else if (!refreshed_.wait_until(lock, deadline, done)) {
      throw deadline_error("while waiting for an access token");
    }
    if (finished_ == awaited && last_failure_) {
      // A fetch that timed out within its starter's deadline is not the answer for a caller with
      // more time: it fetches within its own (one fetch at a time, as ever).
      if (last_failure_timed_out_ && deadline > last_failure_deadline_) continue;
      std::rethrow_exception(last_failure_);
    }
  }
  refreshing_ = true;
  ++requests_;
  const std::uint64_t number = ++started_;
  TokenRequestContext fetch_context;
  try {
    fetch_context = context_for(context);
  } catch (...) {
    refreshing_ = false;
    finished_ = number;
    refreshed_.notify_all();
    throw;
  }
  lock.unlock();
  FreshToken fresh;
  std::exception_ptr failure;
  try {
    fresh = fetch_(deadline, fetch_context);
  } catch (const MalformedBody& e) {  // the flow's answer is not a token (`fresh_token`)
    failure = std::make_exception_ptr(malformed_response(kMalformedToken, e));
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  refreshing_ = false;
  finished_ = number;
  last_failure_ = failure;
  last_failure_deadline_ = deadline;
  last_failure_timed_out_ = failure && timed_out(failure);
  // A fetch cut short by its own caller's deadline says little of the endpoint: no backoff.
  if (failure && !(last_failure_timed_out_ && deadline != Clock::time_point::max())) back_off();
  if (!failure) {
    backoff_ = std::chrono::milliseconds(0);
    token_ = std::move(fresh.access);
    auto lifetime = clamp_lifetime(fresh.lifetime);
    auto margin = std::min<std::chrono::seconds>(margin_, lifetime / 2);
    renew_at_ = now() + lifetime - margin;
  }
  refreshed_.notify_all();
  if (failure) std::rethrow_exception(failure);
  // Cached first: the user's callback failing does not cost another token request.
  if (fresh.handover_error) std::rethrow_exception(fresh.handover_error);
  return token_;
}

void TokenCache::drop(std::string_view rejected) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!token_.empty() && rejected == token_) token_.clear();
}

std::string TokenCache::token() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return token_;
}

std::size_t TokenCache::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::chrono::seconds clamp_lifetime(std::chrono::seconds lifetime) {
  constexpr std::chrono::seconds kYear(365LL * 24 * 3600);
  return std::clamp(lifetime, std::chrono::seconds(1), kYear);
}

void TokenCacheAccess::install(CachedTokenCredentials& credentials, TokenCache::Fetch fetch,
                               const OAuthOptions& options) {
  credentials.cache_ = std::make_unique<CachedTokenCredentials::Cache>(std::move(fetch), options);
}

TokenCache& TokenCacheAccess::cache(CachedTokenCredentials& credentials) {
  return *credentials.cache_;
}

void TokenCacheAccess::apply_for_call(CachedTokenCredentials& credentials, HttpHeaders& headers,
                                      TokenCache::Clock::time_point deadline,
                                      const TokenRequestContext& context) {
  headers.emplace_back("Authorization", credentials.cache_->current(deadline, &context));
}

}  // namespace wix::backinstock::internal

namespace wix::backinstock {

CachedTokenCredentials::CachedTokenCredentials() = default;
CachedTokenCredentials::~CachedTokenCredentials() = default;

void CachedTokenCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", current_token());
}

void CachedTokenCredentials::apply_within(HttpHeaders& headers,
                                          std::chrono::steady_clock::time_point deadline) {
  headers.emplace_back("Authorization", cache_->current(deadline));
}

bool CachedTokenCredentials::on_unauthenticated(const HttpHeaders& used) {
  // Only the token that was rejected is dropped: concurrent 401s cause one renewal, not many.
  cache_->drop(find_header(used, "Authorization").value_or(""));
  return true;
}

std::size_t CachedTokenCredentials::token_requests() const { return cache_->requests(); }

std::string CachedTokenCredentials::cached_token() const { return cache_->token(); }

std::string CachedTokenCredentials::current_token() {
  return cache_->current(std::chrono::steady_clock::time_point::max());
}

}  // namespace wix::backinstock

void wix::backinstock::testing::set_token_clock(
    CachedTokenCredentials& credentials,
    std::function<std::chrono::steady_clock::time_point()> clock) {
  internal::TokenCacheAccess::cache(credentials).set_clock(std::move(clock));
}
