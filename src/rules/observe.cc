#include "observe.h"

#include <string_view>

#include "redact.h"

namespace wix::backinstock {

const char* to_string(backinstock::CallOutcome outcome) noexcept {
  switch (outcome) {
    case backinstock::CallOutcome::kOk:
      return "ok";
    case backinstock::CallOutcome::kRejected:
      return "rejected";
    case backinstock::CallOutcome::kFailed:
      return "failed";
    case backinstock::CallOutcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace internal {

const char* error_type_of(TransportError::Kind kind) noexcept {
  switch (kind) {
    case TransportError::Kind::kConnect:
      return "connect";
    case TransportError::Kind::kTimeout:
      return "timeout";
    case TransportError::Kind::kConnectionLost:
      return "connection_lost";
    case TransportError::Kind::kResponseTooLarge:
      return "response_too_large";
    case TransportError::Kind::kMalformedResponse:
      return "malformed_response";
    case TransportError::Kind::kCancelled:
      return "cancelled";
    case TransportError::Kind::kCredentials:
      return "credentials";
    case TransportError::Kind::kOther:
      break;
  }
  return "other";
}

void log_attempt(const std::function<void(const AttemptRecord&)>& logger, std::string_view method,
                 std::string_view path, int attempt, std::chrono::steady_clock::duration took,
                 const HttpResponse* answer, const char* error,
                 const std::vector<std::string>& secrets) noexcept {
  if (!logger) return;
  try {
    AttemptRecord record;
    record.method = method;
    record.path = path;
    record.attempt = attempt;
    record.status = answer != nullptr ? answer->status : 0;
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(took);
    // Both come from elsewhere (a server may echo the key in its request ID): redacted.
    std::string request_id;
    if (answer != nullptr) {
      auto id = find_header(answer->headers, "x-wix-request-id");
      if (id && !id->empty()) request_id = redact(std::string(*id), secrets);
    }
    record.request_id = request_id;
    std::string what;
    if (error != nullptr) what = redact(error, secrets);
    record.error = what;
    logger(record);
  } catch (...) {
    // Swallowed on purpose: a logger must not change the outcome of a request.
  }
}

backinstock::CallOutcome outcome_of_answer(int status) noexcept {
  if (status == 200) return backinstock::CallOutcome::kOk;
  if (status == 429) return backinstock::CallOutcome::kFailed;  // refused before processing
  if (status == 408 || status >= 500) return backinstock::CallOutcome::kUnknown;
  return backinstock::CallOutcome::kRejected;
}

backinstock::CallOutcome outcome_of_error(const TransportError& error) noexcept {
  return error.may_have_reached_server() ? backinstock::CallOutcome::kUnknown
                                         : backinstock::CallOutcome::kFailed;
}

}  // namespace internal
}  // namespace wix::backinstock
