#include "retry_rules.h"

#include <algorithm>
#include <cmath>

#include "error_mapping.h"

namespace wix::backinstock::internal {

namespace {
constexpr char kNotRetryable[] = "not retryable";
constexpr char kMayHaveReached[] = "not idempotent and the request may have reached the server";
}  // namespace

std::optional<std::string> stop_reason(const TransportError& error, Safety safety) {
  switch (error.kind()) {
    case TransportError::Kind::kResponseTooLarge:
    case TransportError::Kind::kMalformedResponse:
    case TransportError::Kind::kCancelled:
      return std::string(kNotRetryable);
    default:
      break;
  }
  if (safety == Safety::kNotIdempotent && error.may_have_reached_server()) {
    return std::string(kMayHaveReached);
  }
  return std::nullopt;
}

std::optional<std::string> stop_reason(int http_status, Safety safety) {
  switch (http_status) {
    case 429:
      return std::nullopt;  // refused before processing: safe for every method
    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      if (safety == Safety::kNotIdempotent) return std::string(kMayHaveReached);
      return std::nullopt;
    default:
      return std::string(kNotRetryable);
  }
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01) {
  double cap = static_cast<double>(policy.max_delay.count());
  double ceiling = static_cast<double>(policy.initial_delay.count()) *
                   std::pow(policy.multiplier, std::max(0, retry - 1));
  ceiling = std::min(ceiling, cap);
  random01 = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(ceiling * random01));
}

void check_policy(const RetryPolicy& policy) {
  if (policy.max_attempts < 1) throw ValidationError("retry.max_attempts", "must be at least 1");
  if (policy.initial_delay.count() < 0) {
    throw ValidationError("retry.initial_delay", "must not be negative");
  }
  if (policy.max_delay < policy.initial_delay) {
    throw ValidationError("retry.max_delay", "must not be below initial_delay");
  }
  if (!(policy.multiplier >= 1.0) || !std::isfinite(policy.multiplier)) {
    throw ValidationError("retry.multiplier", "must be a finite number of at least 1");
  }
  if (policy.deadline.count() < 0) throw ValidationError("retry.deadline", "must not be negative");
  if (policy.max_retry_after.count() < 0) {
    throw ValidationError("retry.max_retry_after", "must not be negative");
  }
}

RetryRun::RetryRun(const RetryPolicy& policy, Safety safety, Clock::time_point start,
                   std::chrono::milliseconds attempt_timeout)
    : policy_(policy),
      safety_(safety),
      deadline_(start + policy.deadline),
      has_deadline_(policy.deadline.count() > 0),
      attempt_timeout_(attempt_timeout) {}

std::chrono::milliseconds RetryRun::timeout(Clock::time_point now, Clock::duration spent) const {
  using std::chrono::milliseconds;
  // Zero means none: an attempt without a timeout of its own is bounded by the deadline alone.
  milliseconds budget{0};
  if (attempt_timeout_.count() > 0) {
    budget = std::max(milliseconds(1),
                      attempt_timeout_ - std::chrono::duration_cast<milliseconds>(spent));
  }
  if (!has_deadline_) return budget;
  auto left = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(deadline_ - now));
  return budget.count() > 0 ? std::min(budget, left) : left;
}

bool RetryRun::take_refresh() noexcept {
  if (refreshed_) return false;
  refreshed_ = true;
  return true;
}

std::optional<std::chrono::milliseconds> RetryRun::server_delay(const HttpResponse& response) {
  auto value = find_header(response.headers, "retry-after");
  if (!value) return std::nullopt;
  return parse_retry_after(*value, std::chrono::system_clock::now());
}

}  // namespace wix::backinstock::internal
