#pragma once

// What happens after one attempt: succeed, retry after a delay, or fail with this typed error.
// The one decision both `Client` and `AsyncClient` make, so that the retry and safety rules of a
// call (a property of its `WireCall`) cannot differ between them. Internal.

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "calls.h"
#include "codec.h"
#include "error_access.h"
#include "retry_rules.h"

namespace wix::backinstock::internal {

/// The next step of a call.
struct AttemptDecision {
  enum class Action { kSucceed, kRetry, kFail };
  Action action = Action::kFail;
  std::chrono::milliseconds delay{0};  ///< for kRetry: wait this long first
  std::exception_ptr error;            ///< for kFail: annotated with attempts and stop reason
};

/// Everything an attempt's decision reads besides its outcome.
struct AttemptContext {
  const WireCall& call;
  RetryRun& run;
  Credentials& credentials;
  const std::function<void(const AttemptRecord&)>& logger;
  const std::function<double()>& random01;  ///< drawn only when a backoff is computed
};

/// Decides after an attempt that got `response` (an HTTP answer) or `error` (none), exactly one of
/// them non-null. `sent` is the request of the attempt, `took` its duration. Logs the attempt.
AttemptDecision decide(const AttemptContext& context, const HttpRequest& sent,
                       const HttpResponse* response, const TransportError* error,
                       RetryRun::Clock::time_point now, RetryRun::Clock::duration took);

/// Decodes the body of a successful call with `decode`. A body that is not the expected JSON ends
/// the call as `TransportError(kMalformedResponse)`; any error is annotated with `attempts`.
template <typename Decode>
auto decode_answer(Decode&& decode, std::string_view body, int attempts) -> decltype(decode(body)) {
  try {
    try {
      return decode(body);
    } catch (const MalformedBody& e) {
      throw TransportError(TransportError::Kind::kMalformedResponse, true,
                           std::string("malformed response body: ") + e.what());
    }
  } catch (Error& e) {
    ErrorAccess::annotate(e, attempts, "not retryable");
    throw;
  }
}

}  // namespace wix::backinstock::internal
