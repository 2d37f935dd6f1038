#pragma once

// The retry rules (README, Reliability) as pure functions. Internal.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "wire.h"
#include "wix/backinstock/errors.h"
#include "wix/backinstock/retry.h"
#include "wix/backinstock/transport.h"

namespace wix::backinstock::internal {

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (relative to `now`). Malformed
/// values give nullopt; dates in the past give zero.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept;

/// Nullopt when a retry is allowed after this transport error; else why not.
std::optional<std::string> stop_reason(const TransportError& error, Safety safety);
/// Nullopt when a retry is allowed after this HTTP status; else why not.
std::optional<std::string> stop_reason(int http_status, Safety safety);

/// Full-jitter delay before retry number `retry` (1 for the first retry); `random01` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01);

/// Throws `ValidationError` (`retry.*`) for a policy that cannot work.
void check_policy(const RetryPolicy& policy);

/// The retry state of one call, shared by the blocking and the asynchronous client.
class RetryRun {
 public:
  using Clock = std::chrono::steady_clock;

  /// What to do after an attempt that did not succeed.
  struct Next {
    bool retry = false;
    std::chrono::milliseconds delay{0};  ///< wait before the next attempt, when retrying
    std::string reason;                  ///< why the call stops, when not retrying
  };

  RetryRun(const RetryPolicy& policy, Safety safety, Clock::time_point start,
           std::chrono::milliseconds attempt_timeout);

  /// 1 for the first attempt.
  int attempt() const noexcept { return attempt_; }
  /// Timeout of the current attempt at `now`: the configured one (zero: none) less `spent` of it
  /// already, cut to what is left of the deadline; zero when neither bounds it.
  std::chrono::milliseconds timeout(Clock::time_point now, Clock::duration spent) const;
  /// Why the current attempt has no time left at `now` with `spent` of it already gone (the
  /// attempt timeout spent, the deadline passed); null when it has time left.
  const char* exhausted(Clock::time_point now, Clock::duration spent) const;
  /// True once per call: whether a 401 may be answered by refreshing credentials.
  bool take_refresh() noexcept;

  /// After a non-200 answer / a transport error; `random01` is drawn only when needed.
  template <typename Random>
  Next after_status(const HttpResponse& response, Clock::time_point now, Random&& random01) {
    auto stop = stop_reason(response.status, safety_);
    if (stop) return {false, {}, *stop};
    return schedule(now, server_delay(response), random01);
  }
  template <typename Random>
  Next after_error(const TransportError& error, Clock::time_point now, Random&& random01) {
    auto stop = stop_reason(error, safety_);
    if (stop) return {false, {}, *stop};
    return schedule(now, std::nullopt, random01);
  }
  /// Moves to the next attempt.
  void advance() noexcept { ++attempt_; }

 private:
  static std::optional<std::chrono::milliseconds> server_delay(const HttpResponse& response);
  template <typename Random>
  Next schedule(Clock::time_point now, std::optional<std::chrono::milliseconds> server,
                Random& random01) {
    if (attempt_ >= policy_.max_attempts) return {false, {}, "attempts exhausted"};
    // No wait is longer than the policy allows: a server asking for more is not retried.
    if (server && *server > policy_.max_retry_after) {
      return {false, {}, "Retry-After asks for a longer wait than retry.max_retry_after"};
    }
    auto delay = server ? *server : backoff_delay(policy_, attempt_, random01());
    if (has_deadline_ && now + delay >= deadline_) return {false, {}, "deadline exceeded"};
    return {true, delay, {}};
  }

  RetryPolicy policy_;
  Safety safety_;
  Clock::time_point deadline_;
  bool has_deadline_;
  std::chrono::milliseconds attempt_timeout_;
  int attempt_ = 1;
  bool refreshed_ = false;
};

}  // namespace wix::backinstock::internal
