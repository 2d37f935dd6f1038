#pragma once

/// @file client_options.h
/// How clients are built and called: `ClientOptions` (one per client), `CallOptions` (per call)
/// and `PagerOptions` (walks over every page). Apart from the clients, so that code below them
/// (and users' code that only passes options around) does not need client.h.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "wix/backinstock/attempt_record.h"
#include "wix/backinstock/credentials.h"
#include "wix/backinstock/curl_transport.h"
#include "wix/backinstock/observer.h"
#include "wix/backinstock/retry.h"
#include "wix/backinstock/transport.h"

namespace wix::backinstock {

/// How a `Client` is built. Plain struct: fill the fields you need.
struct ClientOptions {
  /// Scheme and host (and optional port) of the API; the service prefix is added by the SDK.
  std::string base_url = "https://www.wixapis.com";
  /// The path both services live under, between `base_url` and `/v1/...`. Unset: `kServicePrefix`
  /// (`/back-in-stock-service`, as on `www.wixapis.com`). A gateway or proxy that serves the API
  /// under another path sets its own (`"/wix/back-in-stock"`), or `""` for none, as Wix's own SDKs
  /// do for hosts other than `www.wixapis.com`. Must be empty or start with `/`, and not end with
  /// `/` (`ValidationError("service_path_prefix")`).
  std::optional<std::string> service_path_prefix;
  /// Read-your-writes: the service may answer with an `X-Wix-Consistent` header; when this is on,
  /// the client (and its copies) sends the last such value with every later request, so that a
  /// read sees the writes made before it. Wix's own SDKs do the same.
  bool read_your_writes = true;
  /// Required. See `ApiKeyCredentials`, `AccessTokenCredentials`.
  std::shared_ptr<Credentials> credentials;
  /// Appended to the SDK's own product token in `User-Agent`.
  std::string user_agent;
  /// Upper bound for one attempt (one HTTP exchange, with the token request its credentials may
  /// make), cut to what is left of the call's deadline (`RetryPolicy::deadline`). Zero: none of
  /// its own (the deadline alone bounds the attempt).
  std::chrono::milliseconds attempt_timeout{30'000};
  /// When and how calls are retried; see retry.h.
  RetryPolicy retry;
  /// libcurl settings (connect timeout, TLS, proxy, size caps) of the transport the SDK builds
  /// when `transport` is null. `AsyncClient` uses them too.
  CurlTransportOptions curl;
  /// The transport; when null the client builds a `CurlTransport` from `curl`. `AsyncClient`
  /// accepts only a `CurlTransport` here (it drives libcurl itself, with that transport's options).
  std::shared_ptr<Transport> transport;
  /// Credentials are refused over plain `http://` to anything but loopback unless this is set.
  bool allow_insecure_http = false;
  /// Receives one record per attempt. Called on the calling thread; must not throw (exceptions
  /// are swallowed). Null: no logging.
  std::function<void(const AttemptRecord&)> logger;
  /// Told of every attempt, call and token request (observer.h; the Prometheus component is
  /// one); null: none, at no cost.
  std::shared_ptr<Observer> observer;
};

/// Per-call overrides.
struct CallOptions {
  /// Replaces `ClientOptions::attempt_timeout` for each attempt of this call.
  std::optional<std::chrono::milliseconds> attempt_timeout;
  /// Bound on the whole call (every attempt and every wait between them), measured from the
  /// moment it is made; replaces the deadline of the retry policy in use.
  std::optional<std::chrono::milliseconds> deadline;
  /// Replaces `ClientOptions::retry` for this call (`RetryPolicy::no_retry()` for one attempt).
  std::optional<RetryPolicy> retry;
};

/// Bounds of a walk over every page (`Client::query_all_...`). Whatever the bound, a walk whose
/// pages do not make progress stops with `PagingError` at the first page that shows it.
struct PagerOptions {
  /// Pages fetched at most; a walk that needs more stops with `PagingError` (0: no bound).
  /// The default allows 10,000,000 requests at 100 per page.
  std::size_t max_pages = 100000;
};

}  // namespace wix::backinstock
