#include "attempt.h"

#include "error_access.h"
#include "error_mapping.h"

namespace wix::backinstock::internal {

AttemptDecision decide(const AttemptContext& context, const HttpRequest& sent,
                       const HttpResponse* response, const TransportError* error,
                       RetryRun::Clock::time_point now, RetryRun::Clock::duration took) {
  using Action = AttemptDecision::Action;
  RetryRun& run = context.run;
  const int attempt = run.attempt();
  auto random = [&context] { return context.random01 ? context.random01() : 0.5; };
  if (response != nullptr) {
    auto request_id = find_header(response->headers, "x-wix-request-id").value_or("");
    log_attempt(context.logger, context.call, attempt, response->status, took, request_id, "",
                context.credentials);
    if (response->status == 200) return {Action::kSucceed, {}, nullptr};
    // One more attempt with fresh credentials, at once.
    if (response->status == 401 && run.take_refresh() &&
        context.credentials.on_unauthenticated(sent.headers)) {
      return {Action::kRetry, std::chrono::milliseconds(0), nullptr};
    }
    auto next = run.after_status(*response, now, random);
    if (next.retry) return {Action::kRetry, next.delay, nullptr};
    return {Action::kFail,
            {},
            make_api_error(*response, context.credentials.secrets(), {attempt, next.reason})};
  }
  log_attempt(context.logger, context.call, attempt, 0, took, "", error->what(),
              context.credentials);
  auto next = run.after_error(*error, now, random);
  if (next.retry) return {Action::kRetry, next.delay, nullptr};
  TransportError annotated = *error;
  ErrorAccess::annotate(annotated, attempt, next.reason);
  return {Action::kFail, {}, std::make_exception_ptr(annotated)};
}

}  // namespace wix::backinstock::internal
