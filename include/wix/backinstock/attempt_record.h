#pragma once

/// @file attempt_record.h
/// `AttemptRecord`: what `ClientOptions::logger` is told of each attempt.

#include <chrono>
#include <string_view>

namespace wix::backinstock {

/// One record per attempt, handed to `ClientOptions::logger`. Holds no header and no body, so no
/// credential can reach a log through it; `error` is redacted.
struct AttemptRecord {
  std::string_view method;  ///< HTTP verb
  std::string_view path;    ///< request path, without the query string
  int attempt = 0;          ///< 1 for the first attempt
  int status = 0;           ///< HTTP status, 0 when no answer arrived
  /// Time the attempt took.
  std::chrono::microseconds duration{0};
  std::string_view request_id;  ///< `x-wix-request-id`, when answered
  std::string_view error;       ///< empty on success
};

}  // namespace wix::backinstock
