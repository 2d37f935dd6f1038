#include "observe.h"

#include <string_view>

#include "redact.h"
#include "wix/backinstock/paths.h"

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

namespace {

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

}  // namespace

const char* api_method_of(const WireCall& call) noexcept {
  const std::string_view path(call.path);
  const std::string_view method(call.method);
  if (ends_with(path, "/report-items-back-in-stock")) return "report_items_back_in_stock";
  if (ends_with(path, "/count-by-catalog-reference")) {
    return "get_back_in_stock_notification_requests_count_by_catalog_references";
  }
  if (ends_with(path, "/mark-as-notification-sent")) return "mark_as_notification_sent";
  if (ends_with(path, "/settings/start-collecting")) return "start_collecting_requests";
  if (ends_with(path, "/settings/stop-collecting")) return "stop_collecting_requests";
  if (ends_with(path, "/settings")) return "get_settings";
  if (ends_with(path, "/query") || (path == kRequestsPath && method == "GET")) {
    return "query_back_in_stock_notification_requests";
  }
  if (path == kRequestsPath) return "create_back_in_stock_notification_request";
  if (method == "DELETE") return "delete_back_in_stock_notification_request";
  return "get_back_in_stock_notification_request";
}

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
