#pragma once

// What an observer (observer.h) is told, worked out only when there is one: the API method of a
// wire call, the `error.type` of an answer or a transport error, how a call ended. Internal.

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wix/backinstock/attempt_record.h"
#include "wix/backinstock/errors.h"
#include "wix/backinstock/observer.h"
#include "wix/backinstock/transport.h"

namespace wix::backinstock::internal {

/// `error.type` of a transport error: its kind in snake case (`timeout`, `connection_lost`, ...).
const char* error_type_of(TransportError::Kind kind) noexcept;

/// How a call answered with `status` ended.
backinstock::CallOutcome outcome_of_answer(int status) noexcept;
/// How a call that failed with `error` (no answer) ended.
backinstock::CallOutcome outcome_of_error(const TransportError& error) noexcept;

/// Tells `logger` (when set) of one attempt to `path`: answered (`answer`) or failed with
/// `error` (its message), the answer's request ID and the message redacted of `secrets`. What
/// the logger throws is swallowed.
void log_attempt(const std::function<void(const AttemptRecord&)>& logger, std::string_view method,
                 std::string_view path, int attempt, std::chrono::steady_clock::duration took,
                 const HttpResponse* answer, const char* error,
                 const std::vector<std::string>& secrets) noexcept;

/// Calls `tell(observer)`, swallowing what it throws: an observer never changes an outcome.
template <typename Tell>
void notify(Observer& observer, Tell&& tell) noexcept {
  try {
    tell(observer);
  } catch (...) {
  }
}

}  // namespace wix::backinstock::internal
