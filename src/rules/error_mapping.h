#pragma once

// Turns a non-200 `HttpResponse` into the typed `ApiError` it stands for. Internal.

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wix/backinstock/errors.h"
#include "wix/backinstock/transport.h"

namespace wix::backinstock::internal {

/// Everything the response says, with `secrets` removed from every text.
ApiErrorDetails parse_error_details(const HttpResponse& response,
                                    const std::vector<std::string>& secrets);

/// What a call that ends with an error did: its attempts (0: not from a call) and why it stopped.
struct CallOutcome {
  int attempts = 0;
  std::string stop_reason;
};

/// The most specific `ApiError` subclass for `response`, annotated with `call`.
std::exception_ptr make_api_error(const HttpResponse& response,
                                  const std::vector<std::string>& secrets, const CallOutcome& call);

/// Throws the most specific `ApiError` subclass for `response` (not annotated).
[[noreturn]] void throw_api_error(const HttpResponse& response,
                                  const std::vector<std::string>& secrets);

}  // namespace wix::backinstock::internal
