#include "error_mapping.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "error_access.h"
#include "redact.h"
#include "retry_rules.h"
#include "untrusted_json.h"

namespace wix::backinstock::internal {

namespace {

using nlohmann::json;

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

const json* object_at(const json* object, const char* key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  if (it == object->end() || !it->is_object()) return nullptr;
  return &*it;
}

const json* object_at(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || !it->is_object()) return nullptr;
  return &*it;
}

// Anything longer is read as a day (the retry policy refuses to wait that long anyway).

// The error of type T, annotated with the call's attempts when it came from one: built once,
// never thrown and caught on the way.
template <typename T>
std::exception_ptr make_as(std::shared_ptr<const ApiErrorDetails> details,
                           const CallOutcome& call) {
  T error(std::move(details));
  if (call.attempts > 0) internal::ErrorAccess::annotate(error, call.attempts, call.stop_reason);
  return std::make_exception_ptr(std::move(error));
}

using Maker = std::exception_ptr (*)(std::shared_ptr<const ApiErrorDetails>, const CallOutcome&);

struct AppCode {
  const char* code;
  int status;
  Maker make;
};

// Each documented application code under its documented status.
constexpr AppCode kAppCodes[] = {
    {"INVALID_CATALOG_REFERENCE_OPTIONS", 400, &make_as<InvalidCatalogReferenceOptionsError>},
    {"INVALID_ITEM_IMAGE_URL", 400, &make_as<InvalidItemImageUrlError>},
    {"REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS", 400,
     &make_as<RequestContainsBothCatalogReferenceAndRequestIdsError>},
    {"BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS", 409,
     &make_as<BackInStockNotificationRequestAlreadyExistsError>},
    {"REQUEST_COLLECTION_DISABLED", 428, &make_as<RequestCollectionDisabledError>},
    {"BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND", 428,
     &make_as<BackInStockNotificationRequestNotFoundError>},
    {"NOT_SUPPORTED_APP_DEF_ID", 428, &make_as<NotSupportedAppDefIdError>},
};

bool is_documented_code(const std::string& code) {
  for (const auto& entry : kAppCodes) {
    if (code == entry.code) return true;
  }
  return false;
}

// Redacts every string and key of `value` (nesting is bounded by the parser). True when anything
// changed.
bool redact_tree(json& value, const std::vector<std::string>& secrets) {
  bool changed = false;
  if (value.is_string()) {
    auto& text = value.get_ref<std::string&>();
    std::string clean = redact(text, secrets);
    if (clean != text) {
      text = std::move(clean);
      changed = true;
    }
  } else if (value.is_array()) {
    for (auto& item : value) changed |= redact_tree(item, secrets);
  } else if (value.is_object()) {
    json rebuilt = json::object();
    for (auto& [key, item] : value.items()) {
      changed |= redact_tree(item, secrets);
      std::string clean_key = redact(key, secrets);
      changed |= clean_key != key;
      rebuilt[clean_key] = std::move(item);
    }
    value = std::move(rebuilt);
  }
  return changed;
}

Maker maker_for_status(int status) {
  switch (status) {
    case 400:
      return &make_as<InvalidArgumentError>;
    case 401:
      return &make_as<UnauthenticatedError>;
    case 403:
      return &make_as<PermissionDeniedError>;
    case 404:
      return &make_as<NotFoundError>;
    case 409:
      return &make_as<AlreadyExistsError>;
    case 428:
      return &make_as<FailedPreconditionError>;
    case 429:
      return &make_as<RateLimitedError>;
    default:
      break;
  }
  if (status >= 500 && status <= 599) return &make_as<ServerError>;
  return &make_as<ApiError>;
}

}  // namespace

ApiErrorDetails parse_error_details(const HttpResponse& response,
                                    const std::vector<std::string>& secrets) {
  ApiErrorDetails d;
  d.http_status = response.status;
  d.canonical_code = canonical_code_for_status(response.status);
  d.application_data = "{}";
  if (auto id = find_header(response.headers, "x-wix-request-id")) {
    d.request_id = redact(std::string(*id), secrets);
  }
  if (auto retry = find_header(response.headers, "retry-after")) {
    d.retry_after = parse_retry_after(*retry, std::chrono::system_clock::now());
  }

  // Decoded first, then redacted: a secret echoed JSON-escaped (`\/`, `\u002B`) is found in the
  // decoded text, and redaction never touches the bytes the error type is chosen by.
  UntrustedJson parsed = parse_untrusted(response.body);
  json& body = parsed.value;
  std::string code;
  if (const json* app = object_at(object_at(body, "details"), "applicationError")) {
    auto c = app->find("code");
    if (c != app->end() && c->is_string()) code = c->get<std::string>();
    if (c != app->end() && c->is_number_integer()) code = std::to_string(c->get<long long>());
  }
  bool changed = parsed.ok() && redact_tree(body, secrets);
  d.raw_body = redact(
      changed ? body.dump(-1, ' ', false, json::error_handler_t::replace) : response.body, secrets);
  d.application_code = is_documented_code(code) ? code : redact(code, secrets);

  if (body.is_object()) {
    d.message = string_at(body, "message");
    if (const json* details = object_at(body, "details")) {
      if (const json* app = object_at(*details, "applicationError")) {
        d.application_description = string_at(*app, "description");
        if (const json* data = object_at(*app, "data")) {
          d.application_data = data->dump(-1, ' ', false, json::error_handler_t::replace);
        }
      }
      if (const json* validation = object_at(*details, "validationError")) {
        auto violations = validation->find("fieldViolations");
        if (violations != validation->end() && violations->is_array()) {
          for (const auto& v : *violations) {
            if (!v.is_object()) continue;
            d.field_violations.push_back({string_at(v, "field"), string_at(v, "description"),
                                          string_at(v, "violatedRule"), string_at(v, "ruleName")});
          }
        }
      }
      if (const json* system = object_at(*details, "systemError")) {
        if (d.application_code.empty()) d.application_code = string_at(*system, "errorCode");
      }
    }
  }
  return d;
}

std::exception_ptr make_api_error(const HttpResponse& response,
                                  const std::vector<std::string>& secrets,
                                  const CallOutcome& call) {
  auto details = std::make_shared<const ApiErrorDetails>(parse_error_details(response, secrets));
  Maker make = maker_for_status(details->http_status);
  for (const auto& entry : kAppCodes) {
    if (entry.status == details->http_status && details->application_code == entry.code) {
      make = entry.make;
    }
  }
  return make(std::move(details), call);
}

void throw_api_error(const HttpResponse& response, const std::vector<std::string>& secrets) {
  std::rethrow_exception(make_api_error(response, secrets, CallOutcome{}));
}

}  // namespace wix::backinstock::internal
