#pragma once

/// @file observer.h
/// A seam for metrics and tracing: what the SDK tells an observer of its calls, their attempts,
/// the credentials' token requests and the report journal's outcomes. Attribute names follow
/// OpenTelemetry's semantic conventions for HTTP clients (`http.request.method`,
/// `http.response.status_code`, `error.type`, `url.path`), so that an OpenTelemetry adapter maps
/// them one to one; every value is bounded (no IDs, e-mails or secrets). With no observer set,
/// nothing is computed for one. The Prometheus component (prometheus_metrics.h) is one observer.

#include <chrono>
#include <string_view>

namespace wix::backinstock {

/// How a call ended, in values bounded for metric labels.
enum class CallOutcome {
  kOk,        ///< answered 200
  kRejected,  ///< the service refused it (a 4xx answer other than 408 and 429)
  kFailed,    ///< nothing was done: no byte reached the server, a 429, or the credentials failed
  kUnknown,   ///< it may have been done: a 5xx or 408 answer, or a failure after the request left
};

/// `ok`, `rejected`, `failed`, `unknown`.
const char* to_string(CallOutcome outcome) noexcept;

/// One HTTP attempt of a call (`http.client.request.duration` in OpenTelemetry's terms).
struct AttemptEvent {
  /// The API method, e.g. `report_items_back_in_stock` (one of the `Client` methods' names).
  std::string_view api_method;
  std::string_view http_request_method;  ///< `http.request.method`: GET, POST, PUT, DELETE
  int http_response_status_code = 0;     ///< `http.response.status_code`; 0: no answer
  /// `error.type`: the status code for an answer other than 200 (`"503"`), the transport error's
  /// kind for no answer (`"timeout"`, `"connect"`, `"connection_lost"`, ...), empty on success.
  std::string_view error_type;
  int attempt = 1;                       ///< 1 for the first (`http.request.resend_count` + 1)
  bool will_retry = false;               ///< the call goes on with another attempt
  std::chrono::nanoseconds duration{0};  ///< of this attempt
};

/// One call of a client, once it ended (every attempt and wait included).
struct CallEvent {
  std::string_view api_method;             ///< as in `AttemptEvent`
  CallOutcome outcome = CallOutcome::kOk;  ///< how it ended
  std::string_view error_type;  ///< of its last attempt, or `"credentials"`; empty on success
  int attempts = 0;             ///< HTTP attempts made (0 when the credentials failed first)
  std::chrono::nanoseconds duration{0};  ///< from the call to its end
};

/// One token request of a client's credentials.
struct TokenRequestEvent {
  std::string_view url_path;             ///< `url.path`: `/oauth2/token`, `/oauth/access`
  int http_response_status_code = 0;     ///< 0: no answer
  std::string_view error_type;           ///< as in `AttemptEvent`; empty on success
  std::chrono::nanoseconds duration{0};  ///< of the request
};

/// One restock event's Report through the report journal, as `ReportJournal` returned it.
struct JournalEvent {
  std::string_view outcome;        ///< `sent`, `not_sent`, `rejected`, `unknown`, `in_progress`
  bool sent_by_this_call = false;  ///< `JournaledReport::sent_by_this_call`
};

/// Receives the events above. Set it as `ClientOptions::observer` (calls, attempts, token
/// requests) and `JournalOptions::observer` (journal outcomes). Called on the threads that make
/// the calls (the asynchronous client's loop included): keep it quick, thread-safe and
/// non-blocking. What it throws is swallowed.
class Observer {
 public:
  virtual ~Observer() = default;
  /// An attempt ended (answered or not).
  virtual void on_attempt(const AttemptEvent& event) { (void)event; }
  /// A call ended.
  virtual void on_call(const CallEvent& event) { (void)event; }
  /// A token request ended.
  virtual void on_token_request(const TokenRequestEvent& event) { (void)event; }
  /// The journal returned a restock event's outcome.
  virtual void on_journal_report(const JournalEvent& event) { (void)event; }
};

}  // namespace wix::backinstock
