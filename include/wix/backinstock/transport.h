#pragma once

/// @file transport.h
/// The HTTP seam of the SDK. `Client` builds an `HttpRequest`, hands it to a `Transport`, and maps
/// the `HttpResponse`. The default is `CurlTransport` (curl_transport.h); users may plug their
/// own.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wix/backinstock/errors.h"

namespace wix::backinstock {

/// A header as (name, value). Names are compared case-insensitively.
using HttpHeader = std::pair<std::string, std::string>;
/// Headers in order; duplicates allowed.
using HttpHeaders = std::vector<HttpHeader>;

/// Value of the first header called `name` (case-insensitive), or nullopt.
std::optional<std::string_view> find_header(const HttpHeaders& headers,
                                            std::string_view name) noexcept;

/// One request, fully formed: absolute URL, headers, body.
struct HttpRequest {
  std::string method;  ///< "GET", "POST", "PUT", "DELETE"
  std::string url;     ///< absolute URL, query string included
  /// Request headers.
  HttpHeaders headers;
  std::string body;  ///< sent only for POST and PUT
  /// Upper bound for this whole exchange (connect + send + receive); zero means no limit.
  std::chrono::milliseconds timeout{0};
  /// False for a call that may e-mail customers or create contacts: once any byte of the body may
  /// have left, the transport must never send it again by itself (no transparent re-send on a new
  /// connection, no redirect, no stream retry); it fails instead, saying the request may have
  /// reached the server. True lets the transport repeat the request.
  bool idempotent = false;
};

/// A complete HTTP answer, whatever its status.
struct HttpResponse {
  /// HTTP status.
  int status = 0;
  /// Response headers, in order.
  HttpHeaders headers;
  /// Response body.
  std::string body;
};

/// Sends one request and returns the answer, or throws `TransportError` when no complete HTTP
/// answer was received. Implementations must be safe to call from many threads at once.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Sends `request`; throws `TransportError` when no complete answer arrives.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

}  // namespace wix::backinstock
