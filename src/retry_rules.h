#pragma once

// The retry rules of DESIGN.md as pure functions. Internal.

#include <chrono>
#include <optional>
#include <string>

#include "wix/backinstock/errors.h"
#include "wix/backinstock/retry.h"

namespace wix::backinstock::internal {

/// Whether a method may be repeated without changing the outcome.
enum class Safety { kIdempotent, kNotIdempotent };

/// Nullopt when a retry is allowed after this transport error; else why not.
std::optional<std::string> stop_reason(const TransportError& error, Safety safety);
/// Nullopt when a retry is allowed after this HTTP status; else why not.
std::optional<std::string> stop_reason(int http_status, Safety safety);

/// Full-jitter delay before retry number `retry` (1 for the first retry); `random01` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01);

/// Throws `ValidationError` (`retry.*`) for a policy that cannot work.
void check_policy(const RetryPolicy& policy);

}  // namespace wix::backinstock::internal
