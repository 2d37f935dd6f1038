#pragma once

/// @file errors.h
/// The exception hierarchy of the SDK. Every exception the library throws derives from
/// `wix::backinstock::Error`, so a caller can catch as narrowly or as broadly as it likes:
///
///     Error
///     ├── ValidationError            client side, thrown by constructors
///     ├── TransportError             no HTTP response at all
///     │   ├── CredentialsError       the credentials failed: the API request was never sent
///     │   └── PagingError            a walk over pages made no progress
///     └── ApiError                   any non-200 answer
///         ├── InvalidArgumentError   400
///         │   ├── InvalidCatalogReferenceOptionsError
///         │   ├── InvalidItemImageUrlError
///         │   └── RequestContainsBothCatalogReferenceAndRequestIdsError
///         ├── UnauthenticatedError   401
///         ├── PermissionDeniedError  403
///         ├── NotFoundError          404
///         ├── AlreadyExistsError     409
///         │   └── BackInStockNotificationRequestAlreadyExistsError
///         ├── FailedPreconditionError 428
///         │   ├── RequestCollectionDisabledError
///         │   ├── BackInStockNotificationRequestNotFoundError
///         │   └── NotSupportedAppDefIdError
///         ├── RateLimitedError       429
///         └── ServerError            5xx
///
/// Thread safety: exception objects are immutable; copies share their details and are cheap
/// (one reference count). No message ever contains a credential.

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wix::backinstock {

namespace internal {
struct ErrorAccess;
}  // namespace internal

/// Root of every exception thrown by the SDK.
///
/// An error that ends a client call also says how many attempts the call made and why retrying
/// stopped; both appear at the end of `what()`.
class Error : public std::runtime_error {
 public:
  /// An error with `message` as its `what()`.
  explicit Error(const std::string& message);
  /// The message, followed by the call's attempts and stop reason when known.
  const char* what() const noexcept override;
  /// Attempts made by the call that failed; 0 when the error did not come from a call
  /// (for example a `ValidationError` from a constructor).
  int attempts() const noexcept;
  /// Why the call stopped retrying, e.g. "not retryable", "attempts exhausted", "deadline
  /// exceeded", "not idempotent and the request may have reached the server". Empty when the error
  /// did not come from a call.
  const std::string& retry_stop_reason() const noexcept;

 private:
  friend struct internal::ErrorAccess;
  struct CallInfo {
    int attempts = 0;
    std::string reason;
    std::string context;  // what failed, when not the call's own request (a token request)
    std::string what;
  };
  std::shared_ptr<const CallInfo> call_;
};

/// A request object was built from invalid input. Thrown by constructors and builders, before
/// anything is sent. `field()` is the wire path of the offending field, e.g. `itemDetails.price`.
class ValidationError : public Error {
 public:
  /// `field`: wire path of the rejected field; `problem`: what is wrong with it (never the value).
  ValidationError(std::string field, const std::string& problem);
  /// Wire path of the field that was rejected (`itemDetails.name`, `requestIds`, ...).
  const std::string& field() const noexcept { return *field_; }

 private:
  std::shared_ptr<const std::string> field_;
};

/// The connection does not implement the API method called: a `Connection` or `AsyncConnection`
/// of your own (a decorator, a fake) that does not override it. Every method of those interfaces
/// has this default, so a method added to the API in a later release breaks no implementation
/// written before it. Nothing was sent.
class UnimplementedError : public Error {
 public:
  /// `method`: the API method's name in this SDK, e.g. `get_settings`.
  explicit UnimplementedError(std::string method);
  /// The API method that is not implemented.
  const std::string& method() const noexcept { return *method_; }

 private:
  std::shared_ptr<const std::string> method_;
};

/// No usable HTTP answer: DNS failure, refused connection, TLS failure, timeout, reset, oversized
/// response, or a 200 answer whose body is not the JSON the method returns (`kMalformedResponse`:
/// an answer arrived, but the call's result cannot be read from it). `may_have_reached_server()` is
/// false only when the request provably never left this process (the connection was never
/// established), which is what makes a retry of a non-idempotent call safe.
class TransportError : public Error {
 public:
  /// How the transfer failed, independent of the transport implementation.
  enum class Kind {
    kConnect,            ///< name resolution or TCP/TLS connection failed; nothing was sent
    kTimeout,            ///< a connect, total or low-speed timeout fired
    kConnectionLost,     ///< the peer closed or reset the connection, or sent garbage
    kResponseTooLarge,   ///< the body exceeded the configured size cap
    kMalformedResponse,  ///< a 200 answer whose body is not the JSON the method returns
    kCancelled,          ///< the asynchronous client was cancelled or destroyed first
    kOther,              ///< anything else reported by the transport
    kCredentials,        ///< the credentials failed (`CredentialsError`); nothing was sent
  };
  /// `may_have_reached_server`: false only when the request provably never left this process.
  TransportError(Kind kind, bool may_have_reached_server, const std::string& message);
  /// How the transfer failed.
  Kind kind() const noexcept { return kind_; }
  /// False when the request certainly did not reach the server (safe to resend anything).
  bool may_have_reached_server() const noexcept { return may_have_reached_server_; }

 private:
  Kind kind_;
  bool may_have_reached_server_;
};

/// A call's credentials could not be applied, so its API request was never written:
/// `may_have_reached_server()` is false, whatever became of the token request. Client calls throw
/// it when the token request failed (the token endpoint answered an error such as 400 or 503, did
/// not answer within the attempt, or answered something that is not a token) and when
/// credentials of your own threw. Kind `kCredentials`. A 4xx of the token endpoint says the
/// credentials are wrong, never that the API refused the call.
///
/// What the token endpoint said is kept: `token_endpoint_status()` (0 when it gave no HTTP
/// answer), `token_endpoint_code()`, and `cause()`, the token request's own error (an
/// `ApiError` or a `TransportError`, secrets redacted; for a refresh token it says whether the
/// token was refused, not sent, or may have been spent) or what your credentials threw.
class CredentialsError : public TransportError {
 public:
  /// `cause`: what the credentials threw; `token_endpoint_status` and `token_endpoint_code`:
  /// what the token endpoint answered (0 and empty when it gave no HTTP answer).
  CredentialsError(const std::string& message, int token_endpoint_status,
                   std::string token_endpoint_code, std::exception_ptr cause);
  /// The token endpoint's HTTP status, or 0 when it gave no HTTP answer (a timeout, a refused
  /// connection, credentials of your own).
  int token_endpoint_status() const noexcept;
  /// The token endpoint's application code, or its canonical code (`INVALID_ARGUMENT`,
  /// `UNAVAILABLE`, ...); empty when it gave no HTTP answer.
  const std::string& token_endpoint_code() const noexcept;
  /// The error of the token request (rethrow it to inspect it: an `ApiError`, a
  /// `TransportError`), or the exception your credentials threw.
  const std::exception_ptr& cause() const noexcept;

 private:
  struct Details;
  std::shared_ptr<const Details> details_;
};

/// A walk over every page of a query (`Client::query_all_...`) stopped: the server's pages did not
/// make progress (a request came back that an earlier page held, a cursor was handed out twice, a
/// request had no ID to tell), or the walk reached `PagerOptions::max_pages`. The requests
/// already returned stand; none is returned twice. Kind `kMalformedResponse`.
class PagingError : public TransportError {
 public:
  /// `pages`: pages fetched when the walk stopped.
  PagingError(const std::string& message, std::size_t pages)
      : TransportError(Kind::kMalformedResponse, true, message), pages_(pages) {}
  /// Pages fetched when the walk stopped.
  std::size_t pages() const noexcept { return pages_; }

 private:
  std::size_t pages_;
};

/// One entry of `details.validationError.fieldViolations` in a Wix error body.
struct FieldViolation {
  std::string field;          ///< dotted path in the REST request, e.g. `request.email`
  std::string description;    ///< human text
  std::string violated_rule;  ///< e.g. `REQUIRED_FIELD`, `FORMAT`, `OTHER`
  std::string rule_name;      ///< set when `violated_rule` is `OTHER`
};

/// Everything an error answer told us. Shared between copies of an `ApiError`.
struct ApiErrorDetails {
  /// HTTP status of the answer.
  int http_status = 0;
  /// Canonical code derived from the HTTP status (`INVALID_ARGUMENT`, `NOT_FOUND`, ...).
  std::string canonical_code;
  /// `message` from the body (may be empty).
  std::string message;
  /// `details.applicationError.code`, empty when the body had none.
  std::string application_code;
  /// `details.applicationError.description`.
  std::string application_description;
  /// `details.applicationError.data`, compact JSON text (`{}` when absent).
  std::string application_data;
  /// `details.validationError.fieldViolations`.
  std::vector<FieldViolation> field_violations;
  /// Value of the `x-wix-request-id` response header, empty if absent.
  std::string request_id;
  /// The response body exactly as received (credentials redacted).
  std::string raw_body;
  /// For 429 and 503: the server's `Retry-After`, when it sent a valid one.
  std::optional<std::chrono::milliseconds> retry_after;
};

/// The service answered with a status other than 200.
class ApiError : public Error {
 public:
  /// Built by the SDK from an answer; `details` is shared by copies.
  explicit ApiError(std::shared_ptr<const ApiErrorDetails> details);

  /// HTTP status of the answer.
  int http_status() const noexcept { return details_->http_status; }
  /// Canonical code for the status (`INVALID_ARGUMENT`, ...).
  const std::string& canonical_code() const noexcept { return details_->canonical_code; }
  /// `message` of the error body.
  const std::string& message() const noexcept { return details_->message; }
  /// `details.applicationError.code`, empty if none.
  const std::string& application_code() const noexcept { return details_->application_code; }
  /// `details.applicationError.description`.
  const std::string& application_description() const noexcept {
    return details_->application_description;
  }
  /// `details.applicationError.data` as compact JSON text.
  const std::string& application_data() const noexcept { return details_->application_data; }
  /// `details.validationError.fieldViolations`.
  const std::vector<FieldViolation>& field_violations() const noexcept {
    return details_->field_violations;
  }
  /// The `x-wix-request-id` of the failed call: quote it when contacting Wix support.
  const std::string& request_id() const noexcept { return details_->request_id; }
  /// The body as received (credentials redacted).
  const std::string& raw_body() const noexcept { return details_->raw_body; }
  /// Everything the answer said.
  const ApiErrorDetails& details() const noexcept { return *details_; }

 private:
  std::shared_ptr<const ApiErrorDetails> details_;
};

/// Declares an exception class `Name` deriving from `Base` with the `ApiError` constructor.
// NOLINTBEGIN(bugprone-macro-parentheses): class and base names cannot be parenthesised
#define WIX_BACKINSTOCK_DECLARE_API_ERROR(Name, Base) \
  class Name : public Base {                          \
   public:                                            \
    using Base::Base;                                 \
  }

// By HTTP status.
WIX_BACKINSTOCK_DECLARE_API_ERROR(InvalidArgumentError, ApiError);     ///< 400
WIX_BACKINSTOCK_DECLARE_API_ERROR(UnauthenticatedError, ApiError);     ///< 401
WIX_BACKINSTOCK_DECLARE_API_ERROR(PermissionDeniedError, ApiError);    ///< 403
WIX_BACKINSTOCK_DECLARE_API_ERROR(NotFoundError, ApiError);            ///< 404
WIX_BACKINSTOCK_DECLARE_API_ERROR(AlreadyExistsError, ApiError);       ///< 409
WIX_BACKINSTOCK_DECLARE_API_ERROR(FailedPreconditionError, ApiError);  ///< 428
WIX_BACKINSTOCK_DECLARE_API_ERROR(ServerError, ApiError);              ///< 5xx

/// 429 `RESOURCE_EXHAUSTED`. `retry_after()` is the delay the server asked for, if any.
class RateLimitedError : public ApiError {
 public:
  /// Built by the SDK from a 429 answer.
  using ApiError::ApiError;
  /// The delay the server asked for (`Retry-After`), if any.
  std::optional<std::chrono::milliseconds> retry_after() const noexcept {
    return details().retry_after;
  }
};

// By documented application code (the service's reference), each under its documented status.
/// 400 `INVALID_CATALOG_REFERENCE_OPTIONS` (Create).
WIX_BACKINSTOCK_DECLARE_API_ERROR(InvalidCatalogReferenceOptionsError, InvalidArgumentError);
/// 400 `INVALID_ITEM_IMAGE_URL` (Create, Report Items Back In Stock).
WIX_BACKINSTOCK_DECLARE_API_ERROR(InvalidItemImageUrlError, InvalidArgumentError);
/// 400 `REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS` (Report Items Back In Stock).
WIX_BACKINSTOCK_DECLARE_API_ERROR(RequestContainsBothCatalogReferenceAndRequestIdsError,
                                  InvalidArgumentError);
/// 409 `BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS` (Create).
WIX_BACKINSTOCK_DECLARE_API_ERROR(BackInStockNotificationRequestAlreadyExistsError,
                                  AlreadyExistsError);
/// 428 `REQUEST_COLLECTION_DISABLED` (Create).
WIX_BACKINSTOCK_DECLARE_API_ERROR(RequestCollectionDisabledError, FailedPreconditionError);
/// 428 `BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND` (Mark As Notification Sent). Note the
/// service reports this "not found" as 428, not 404.
WIX_BACKINSTOCK_DECLARE_API_ERROR(BackInStockNotificationRequestNotFoundError,
                                  FailedPreconditionError);
/// 428 `NOT_SUPPORTED_APP_DEF_ID` (Start Collecting Requests).
WIX_BACKINSTOCK_DECLARE_API_ERROR(NotSupportedAppDefIdError, FailedPreconditionError);

#undef WIX_BACKINSTOCK_DECLARE_API_ERROR
// NOLINTEND(bugprone-macro-parentheses)

/// Canonical code for an HTTP status (`400` → `INVALID_ARGUMENT`, ...); `UNKNOWN` otherwise.
const char* canonical_code_for_status(int http_status) noexcept;

}  // namespace wix::backinstock
