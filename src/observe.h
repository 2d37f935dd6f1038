#pragma once

// What an observer (observer.h) is told, worked out only when there is one: the API method of a
// wire call, the `error.type` of an answer or a transport error, how a call ended. Internal.

#include <exception>
#include <string>

#include "wire.h"
#include "wix/backinstock/errors.h"
#include "wix/backinstock/observer.h"

namespace wix::backinstock::internal {

/// The `Client` method a wire call belongs to (`report_items_back_in_stock`, ...).
const char* api_method_of(const WireCall& call) noexcept;

/// `error.type` of a transport error: its kind in snake case (`timeout`, `connection_lost`, ...).
const char* error_type_of(TransportError::Kind kind) noexcept;

/// How a call answered with `status` ended.
backinstock::CallOutcome outcome_of_answer(int status) noexcept;
/// How a call that failed with `error` (no answer) ended.
backinstock::CallOutcome outcome_of_error(const TransportError& error) noexcept;

/// Calls `tell(observer)`, swallowing what it throws: an observer never changes an outcome.
template <typename Tell>
void notify(Observer& observer, Tell&& tell) noexcept {
  try {
    tell(observer);
  } catch (...) {
  }
}

}  // namespace wix::backinstock::internal
