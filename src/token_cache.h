#pragma once

// What every OAuth flow shares: one access token cached until shortly before it expires, renewed
// by one thread while the others wait (within their deadlines) and share its outcome, a failed
// renewal answering every waiter; and the token request itself (a JSON POST whose answer must
// carry a header-safe `access_token`). The flows differ only in the request they send (oauth.cc,
// oauth_flows.cc). Internal.

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

class TokenCache {
 public:
  using Clock = std::chrono::steady_clock;
  /// Obtains a token by `deadline` (`time_point::max()`: no deadline). Runs without any lock held
  /// and never concurrently with itself.
  using Fetch = std::function<FreshToken(Clock::time_point deadline)>;

  TokenCache(Fetch fetch, std::chrono::seconds refresh_margin,
             std::function<Clock::time_point()> clock);

  /// The cached token, or a fresh one.
  std::string current(Clock::time_point deadline);
  /// Forgets `rejected` if it is the cached token (after a 401): concurrent 401s renew once.
  void drop(std::string_view rejected);
  /// The cached token (empty when none).
  std::string token() const;
  /// Renewals started so far.
  std::size_t requests() const;

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
};

/// Checks `options` and gives them a transport of their own when none is set; returns the URL of
/// `path` on their base URL. Throws `ValidationError("base_url")`.
std::string token_endpoint(OAuthOptions& options, const char* path);

/// A cache for `credentials`' flow, asking `fetch` for tokens, with `options`' margin and clock.
std::unique_ptr<TokenCache> make_token_cache(TokenCache::Fetch fetch, const OAuthOptions& options);

/// The time left until `deadline`, capped by `timeout`; throws `TransportError(kTimeout)` when
/// none is left.
std::chrono::milliseconds token_request_budget(std::chrono::milliseconds timeout,
                                               TokenCache::Clock::time_point deadline);

/// What a token request spends.
enum class Grant {
  kOther,    ///< nothing single-use (client credentials, anonymous, bound session)
  kRefresh,  ///< a refresh token, which the answer may rotate
};

/// POSTs the JSON `body` to `url` through `options.transport` within `budget`, and returns the
/// answer, a JSON object (its access token is judged by `fresh_token`, after the flow kept any
/// rotated refresh token). A non-200 answer throws its typed error (redacted of `secrets`); a body
/// that is not a JSON object throws `TransportError(kMalformedResponse)`. Every error says that a
/// token request failed and, for `Grant::kRefresh`, whether the refresh token was refused, not
/// sent, or may have been spent.
/// `idempotent`: whether the transport may send the request again on a reused connection that
/// died (not for refresh tokens).
nlohmann::json post_for_token(const OAuthOptions& options, const std::string& url, std::string body,
                              std::chrono::milliseconds budget,
                              const std::vector<std::string>& secrets, bool idempotent,
                              Grant grant = Grant::kOther);

/// True when `error` (thrown by `post_for_token`) is the token endpoint refusing the grant (400 or
/// 401): a refresh token so refused will not work again.
bool refused(const std::exception_ptr& error);

/// The token of an answer: a non-empty, header-safe `access_token` of at most
/// kMaxAccessTokenBytes, and `expires_in` clamped to [1 s, 1 year] (`fallback` when absent).
/// Throws `TransportError(kMalformedResponse)` otherwise.
FreshToken fresh_token(const nlohmann::json& answer, std::chrono::seconds fallback);

/// A lifetime clamped to [1 s, 1 year]: no overflow of the renewal time, renewed at least yearly.
std::chrono::seconds clamp_lifetime(std::chrono::seconds lifetime);

/// A string member of a token answer, or empty.
std::string token_answer_text(const nlohmann::json& answer, const char* key);

}  // namespace wix::backinstock::internal
