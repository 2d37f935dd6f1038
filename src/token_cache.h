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

#include "wix/backinstock/credentials.h"

namespace wix::backinstock::internal {

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
  /// Obtains a token by `deadline` (`time_point::max()`: no deadline). Runs without any lock held
  /// and never concurrently with itself.
  using Fetch = std::function<FreshToken(Clock::time_point deadline)>;

  TokenCache(Fetch fetch, std::chrono::seconds refresh_margin);

  /// The cached token, or a fresh one.
  std::string current(Clock::time_point deadline);
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

  Fetch fetch_;
  std::chrono::seconds margin_;
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
};

/// A lifetime clamped to [1 s, 1 year]: no overflow of the renewal time, renewed at least yearly.
std::chrono::seconds clamp_lifetime(std::chrono::seconds lifetime);

/// How a flow installs its cache in `CachedTokenCredentials` (a private member, so that the
/// public header shows no internals), and how the test seam reaches it.
struct TokenCacheAccess {
  /// Gives `credentials` a cache asking `fetch` for tokens, with `options`' refresh margin.
  static void install(CachedTokenCredentials& credentials, TokenCache::Fetch fetch,
                      const OAuthOptions& options);
  static TokenCache& cache(CachedTokenCredentials& credentials) { return *credentials.cache_; }
};

}  // namespace wix::backinstock::internal
