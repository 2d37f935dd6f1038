#include "token_cache.h"

#include <algorithm>
#include <utility>

#include "codec.h"
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

}  // namespace

TokenCache::TokenCache(Fetch fetch, std::chrono::seconds refresh_margin)
    : fetch_(std::move(fetch)), margin_(refresh_margin) {}

void TokenCache::set_clock(std::function<Clock::time_point()> clock) {
  std::lock_guard<std::mutex> lock(mutex_);
  clock_ = std::move(clock);
}

std::string TokenCache::current(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!token_.empty() && now() < renew_at_) return token_;
    if (!refreshing_) break;
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
  lock.unlock();
  FreshToken fresh;
  std::exception_ptr failure;
  try {
    fresh = fetch_(deadline);
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
  if (!failure) {
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
  credentials.cache_ = std::make_unique<TokenCache>(std::move(fetch), options.refresh_margin);
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
