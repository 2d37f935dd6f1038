#include "wix/backinstock/errors.h"

#include <utility>

#include "error_access.h"

namespace wix::backinstock {

namespace {

// `what()` stays short whatever the server sent; the full texts stay in the accessors.
constexpr std::size_t kMaxWhatText = 2048;
constexpr std::size_t kMaxWhatCode = 128;

// `text` cut to at most `limit` bytes, on a UTF-8 character boundary, marked when cut.
std::string clip(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string api_error_what(const ApiErrorDetails& d) {
  std::string out = "HTTP " + std::to_string(d.http_status) + " " + d.canonical_code;
  if (!d.application_code.empty() && d.application_code != d.canonical_code) {
    out += " " + clip(d.application_code, kMaxWhatCode);
  }
  std::string text = d.message;
  if (!d.application_description.empty() && d.application_description != d.message) {
    text = text.empty() ? d.application_description : text + ": " + d.application_description;
  }
  if (text.empty() && !d.field_violations.empty()) {
    for (const auto& v : d.field_violations) {
      if (!text.empty()) text += ", ";
      text += "\"" + v.field + "\" " + v.description;
      if (text.size() > kMaxWhatText) break;
    }
  }
  if (!text.empty()) out += ": " + clip(text, kMaxWhatText);
  out += " (request id: " +
         (d.request_id.empty() ? std::string("none") : clip(d.request_id, kMaxWhatCode)) + ")";
  return out;
}

}  // namespace

Error::Error(const std::string& message) : std::runtime_error(message) {}

const char* Error::what() const noexcept {
  return call_ ? call_->what.c_str() : std::runtime_error::what();
}

int Error::attempts() const noexcept { return call_ ? call_->attempts : 0; }

const std::string& Error::retry_stop_reason() const noexcept {
  static const std::string kEmpty;
  return call_ ? call_->reason : kEmpty;
}

void internal::ErrorAccess::annotate(Error& error, int attempts, std::string reason) {
  auto info = std::make_shared<Error::CallInfo>();
  if (error.call_) info->context = error.call_->context;
  info->attempts = attempts;
  info->what = info->context + std::string(error.std::runtime_error::what()) + " [" +
               std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") + "; " +
               reason + "]";
  info->reason = std::move(reason);
  error.call_ = std::move(info);
}

void internal::ErrorAccess::set_context(Error& error, const std::string& context) {
  auto info = std::make_shared<Error::CallInfo>();
  if (error.call_) *info = *error.call_;
  info->context = context + ": ";
  info->what = info->context + (info->attempts > 0 ? info->what : error.std::runtime_error::what());
  error.call_ = std::move(info);
}

UnimplementedError::UnimplementedError(std::string method)
    : Error("the connection does not implement " + method),
      method_(std::make_shared<const std::string>(std::move(method))) {}

ValidationError::ValidationError(std::string field, const std::string& problem)
    : Error("invalid " + field + ": " + problem),
      field_(std::make_shared<const std::string>(std::move(field))) {}

TransportError::TransportError(Kind kind, bool may_have_reached_server, const std::string& message)
    : Error(message), kind_(kind), may_have_reached_server_(may_have_reached_server) {}

struct CredentialsError::Details {
  int status = 0;
  std::string code;
  std::exception_ptr cause;
};

CredentialsError::CredentialsError(const std::string& message, int token_endpoint_status,
                                   std::string token_endpoint_code, std::exception_ptr cause)
    : TransportError(Kind::kCredentials, false, message),
      details_(std::make_shared<const Details>(
          Details{token_endpoint_status, std::move(token_endpoint_code), std::move(cause)})) {}

int CredentialsError::token_endpoint_status() const noexcept { return details_->status; }

const std::string& CredentialsError::token_endpoint_code() const noexcept { return details_->code; }

const std::exception_ptr& CredentialsError::cause() const noexcept { return details_->cause; }

ApiError::ApiError(std::shared_ptr<const ApiErrorDetails> details)
    : Error(api_error_what(*details)), details_(std::move(details)) {}

const char* canonical_code_for_status(int http_status) noexcept {
  switch (http_status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 408:
      return "DEADLINE_EXCEEDED";
    case 409:
      return "ALREADY_EXISTS";
    case 428:
      return "FAILED_PRECONDITION";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELED";
    case 500:
      return "INTERNAL";
    case 501:
      return "NOT_IMPLEMENTED";
    case 502:
      return "BAD_GATEWAY";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "GATEWAY_TIMEOUT";
    default:
      return "UNKNOWN";
  }
}

}  // namespace wix::backinstock
