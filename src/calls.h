#pragma once

// What every request carries (base URL, headers, credentials), the retry run of a call, attempt
// logging and how Count is cut into batches. Shared by the blocking connection and the
// asynchronous client; the per-method wire shapes are in wire_calls.h. Internal.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retry_rules.h"
#include "validation.h"
#include "wire.h"
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/paths.h"

namespace wix::backinstock::internal {

/// Builds the `HttpRequest` of an attempt: base URL, `User-Agent`, `Content-Type` for bodies,
/// credentials. Validates the client options it is built from.
class RequestBuilder {
 public:
  explicit RequestBuilder(const ClientOptions& options);
  /// The request of one attempt with `timeout` (zero: none) as its budget: credentials fetching a
  /// token give up by then, and the request gets what is left.
  HttpRequest build(const WireCall& call, std::chrono::milliseconds timeout) const;
  Credentials& credentials() const noexcept { return *credentials_; }
  /// Reads what later requests carry from an answer (the `X-Wix-Consistent` value).
  void observe(const HttpResponse& response) const;

 private:
  // The last `X-Wix-Consistent` value the service sent, shared by the client's copies.
  struct Consistency {
    std::mutex mutex;
    std::string value;
  };

  std::string base_url_;
  std::optional<std::string> prefix_;         // replaces kServicePrefix when set
  std::shared_ptr<Consistency> consistency_;  // null when read_your_writes is off
  std::string user_agent_;
  std::shared_ptr<Credentials> credentials_;
};

/// The retry run of one call: the call's policy or the client's, the call's deadline or the
/// policy's, the call's attempt timeout or the client's. Throws `ValidationError` for an unusable
/// per-call override.
RetryRun start_run(const ClientOptions& client, const CallOptions& call, Safety safety,
                   RetryRun::Clock::time_point now);

/// Hands one `AttemptRecord` to `logger` (when set), with `error` redacted of `credentials`'
/// secrets. Never throws: a logger must not change the outcome of a call.
void log_attempt(const std::function<void(const AttemptRecord&)>& logger, const WireCall& call,
                 int attempt, int status, std::chrono::steady_clock::duration duration,
                 std::string_view request_id, std::string_view error,
                 const Credentials& credentials) noexcept;

/// The counts of one Count answer, put on the references asked for, in the order asked: each
/// reference gets the count the answer gives for an equal reference. A reference the answer does
/// not cover, or covers twice with different counts, throws `MalformedBody` (never a count on
/// another product).
std::vector<CatalogReferenceCount> match_counts(const std::vector<CatalogReference>& asked,
                                                const std::vector<CatalogReferenceCount>& answered);

/// How Count splits `references`: [begin, end) ranges in input order, each of at most 100
/// references whose `.r` parameter fits in a URL (see `kMaxCountParameterLength`). Empty input:
/// no batch.
std::vector<std::pair<std::size_t, std::size_t>> count_batches(
    const std::vector<CatalogReference>& references);

}  // namespace wix::backinstock::internal
