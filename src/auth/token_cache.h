#pragma once

// What every OAuth flow shares: one access token cached until shortly before it expires, renewed
// by one thread while the others wait (within their deadlines) and share its outcome, a failed
// renewal answering every waiter. The public face is `CachedTokenCredentials` (defined in
// token_cache.cc); the token request is in token_request.h, the flows in oauth_flows.cc.
// Internal.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wix/backinstock/attempt_record.h"
#include "wix/backinstock/credentials.h"
#include "wix/backinstock/curl_transport.h"
#include "wix/backinstock/observer.h"

namespace wix::backinstock::internal {

/// What the call that needs a token lends the token request: its client's transport and logger.
struct TokenRequestContext {
  /// The client's transport; null: none (a token asked for outside any call).
  std::shared_ptr<Transport> transport;
  /// The client's logger; empty: none.
  std::function<void(const AttemptRecord&)> logger;
  /// The client's observer; null: none.
  std::shared_ptr<Observer> observer;
};

/// A token as a flow obtained it.
struct FreshToken {
  std::string access;
  std::chrono::seconds lifetime{3600};
  /// What the user's `on_refresh_token` threw when the token's answer rotated the refresh token:
  /// the token is cached all the same, then this reaches the caller.
  std::exception_ptr handover_error;
};

/// The longest access token accepted (Wix's are about 1 KiB): a token becomes a header of every
/// call, so an absurd one is refused when it arrives, not on every call that would carry it.
inline constexpr std::size_t kMaxAccessTokenBytes = std::size_t{16} << 10;

/// How a token answer that is not what a flow expects begins its `TransportError`.
inline constexpr char kMalformedToken[] = "malformed token response: ";

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  /// Obtains a token by `deadline` (`time_point::max()`: no deadline), its requests going through
  /// `context` (whose transport is never null here). Runs without any lock held and never
  /// concurrently with itself.
  using Fetch =
      std::function<FreshToken(Clock::time_point deadline, const TokenRequestContext& context)>;

  /// `options`' refresh margin and failure backoff; throws `ValidationError` for a negative
  /// backoff.
  TokenCache(Fetch fetch, const OAuthOptions& options);

  /// The cached token, or a fresh one asked for through `context` (null, or without a transport:
  /// a `CurlTransport` of the cache's own, made once).
  std::string current(Clock::time_point deadline, const TokenRequestContext* context = nullptr);
  /// Forgets `rejected` if it is the cached token (after a 401): concurrent 401s renew once.
  void drop(std::string_view rejected);
  /// The cached token (empty when none).
  std::string token() const;
  /// Renewals started so far.
  std::size_t requests() const;
  /// Replaces the clock of expiry (`testing::set_token_clock`); null: `steady_clock::now`.
  void set_clock(std::function<Clock::time_point()> clock);

 private:
  Clock::time_point now() const { return clock_ ? clock_() : Clock::now(); }

  // The context a fetch runs with: `given`, its transport defaulting to `own_transport_`.
  TokenRequestContext context_for(const TokenRequestContext* given);
  // After fetch number `finished_` failed with `last_failure_` (lock held): when the next may
  // start.
  void back_off();

  Fetch fetch_;
  std::chrono::seconds margin_;
  std::chrono::milliseconds backoff_start_;
  std::chrono::milliseconds backoff_max_;
  std::function<Clock::time_point()> clock_;
  mutable std::mutex mutex_;
  std::condition_variable refreshed_;
  bool refreshing_ = false;
  std::string token_;
  Clock::time_point renew_at_{};
  std::size_t requests_ = 0;
  // Each fetch has a number; waiters wait for the one running when they arrived, and a failed
  // fetch answers all of them with its error instead of each trying again in turn.
  std::uint64_t started_ = 0;
  std::uint64_t finished_ = 0;
  std::exception_ptr last_failure_;  // of fetch number `finished_`, if it failed
  // The deadline that fetch was given, and whether it failed by running out of time: a waiter
  // with a later deadline does not take such a failure as its own.
  Clock::time_point last_failure_deadline_{};
  bool last_failure_timed_out_ = false;
  // After a failure, no fetch starts before `retry_at_` (steady_clock, whatever `clock_` says):
  // callers wait for it within their deadline or take `last_failure_`. `backoff_` is the next
  // wait, doubled by each failure in a row.
  Clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  std::shared_ptr<Transport> own_transport_;  // made on the first fetch that needs it
};

/// A lifetime clamped to [1 s, 1 year]: no overflow of the renewal time, renewed at least yearly.
std::chrono::seconds clamp_lifetime(std::chrono::seconds lifetime);

/// How a flow installs its cache in `CachedTokenCredentials` (a private member, so that the
/// public header shows no internals), and how the test seam reaches it.
struct TokenCacheAccess {
  /// Gives `credentials` a cache asking `fetch` for tokens, with `options`' refresh margin and
  /// backoff (throws `ValidationError` as `TokenCache` does).
  static void install(CachedTokenCredentials& credentials, TokenCache::Fetch fetch,
                      const OAuthOptions& options);
  static TokenCache& cache(CachedTokenCredentials& credentials);
  /// `apply_within` for a call of a client, whose token request goes through `context`.
  static void apply_for_call(CachedTokenCredentials& credentials, HttpHeaders& headers,
                             TokenCache::Clock::time_point deadline,
                             const TokenRequestContext& context);
};

}  // namespace wix::backinstock::internal

namespace wix::backinstock {

/// What `CachedTokenCredentials` holds: the token cache of its flow.
struct CachedTokenCredentials::Cache : internal::TokenCache {
  using TokenCache::TokenCache;
};

}  // namespace wix::backinstock
