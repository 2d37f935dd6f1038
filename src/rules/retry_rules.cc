#include "retry_rules.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

namespace wix::backinstock::internal {

namespace {
constexpr char kNotRetryable[] = "not retryable";
constexpr long long kMaxRetryAfterSeconds = 24LL * 3600;

std::optional<std::chrono::milliseconds> parse_http_date(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (value.size() != 29 || value.substr(3, 2) != ", " || value.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto number = [&](std::size_t pos, std::size_t len, int& out) {
    auto* first = value.data() + pos;
    auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && ptr == first + len;
  };
  std::tm tm{};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!number(5, 2, day) || !number(12, 4, year) || !number(17, 2, hour) ||
      !number(20, 2, minute) || !number(23, 2, second) || value[19] != ':' || value[22] != ':') {
    return std::nullopt;
  }
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (value.substr(8, 3) == kMonths[i]) month = i;
  }
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  // In whole seconds, clamped: a date centuries ahead must not overflow a nanosecond clock.
  long long ahead =
      static_cast<long long>(t) - static_cast<long long>(std::chrono::system_clock::to_time_t(now));
  if (ahead <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::min(ahead, kMaxRetryAfterSeconds) * 1000);
}

constexpr char kMayHaveReached[] = "not idempotent and the request may have reached the server";
}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    long long seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ptr != value.data() + value.size()) return std::nullopt;
    if (ec == std::errc::result_out_of_range) seconds = kMaxRetryAfterSeconds;  // all digits
    if (ec != std::errc() && ec != std::errc::result_out_of_range) return std::nullopt;
    return std::chrono::milliseconds(std::min(seconds, kMaxRetryAfterSeconds) * 1000);
  }
  return parse_http_date(value, now);
}

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

const char* RetryRun::exhausted(Clock::time_point now, Clock::duration spent) const {
  if (attempt_timeout_.count() > 0 && spent >= attempt_timeout_) {
    return "the attempt timeout was spent before the request was sent (by its credentials)";
  }
  if (has_deadline_ && now >= deadline_) return "deadline exceeded before the request was sent";
  return nullptr;
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
