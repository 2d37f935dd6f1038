#pragma once

/// @file transport.h
/// The HTTP seam of the SDK. `Client` builds an `HttpRequest`, hands it to a `Transport`, and maps
/// the `HttpResponse`. The default `CurlTransport` is libcurl; users may plug their own.

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

/// Settings of the libcurl transport.
struct CurlTransportOptions {
  /// Time allowed to establish the TCP and TLS connection.
  std::chrono::milliseconds connect_timeout{10'000};
  /// A transfer slower than `low_speed_limit_bytes` per second for `low_speed_time` is cut
  /// (zero time disables the check).
  std::chrono::seconds low_speed_time{30};
  /// Bytes per second below which a transfer counts as stalled.
  long low_speed_limit_bytes = 1;
  /// Responses with a larger body fail with `TransportError` (kind `kResponseTooLarge`).
  std::size_t max_response_bytes = std::size_t{8} << 20;  // 8 MiB
  /// Responses whose status line and headers together are larger fail the same way.
  std::size_t max_response_head_bytes = std::size_t{64} << 10;  // 64 KiB
  /// TLS peer and host verification. Turn off only for tests against self-signed servers.
  bool verify_tls = true;
  std::string ca_file;  ///< CA bundle file; empty: libcurl's default
  std::string ca_path;  ///< CA directory; empty: libcurl's default
  std::string proxy;    ///< e.g. `http://proxy:3128`; empty: libcurl's default (environment)
  /// Idle connections kept per transport.
  std::size_t max_idle_handles = 16;
};

/// libcurl transport. Keeps a pool of easy handles, each holding its connection open, that share
/// one DNS cache and TLS session cache, so consecutive calls reuse a connection. (The connection
/// cache itself is not shared: libcurl does not support that across concurrent threads.) No global
/// state besides libcurl's own one-time initialisation, which this class performs thread-safely.
///
/// Thread safety: `send` may be called concurrently. Not copyable; share it through
/// `std::shared_ptr` (several clients may share one transport and its connections).
class CurlTransport final : public Transport {
 public:
  /// A transport with `options`; connections are opened on first use.
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  /// Sends one request (thread-safe).
  HttpResponse send(const HttpRequest& request) override;

  /// Sends one request as `send` does and writes the answer over `response`, whose strings'
  /// storage is reused: a caller that keeps one response per thread allocates nothing for the
  /// headers of answers that fit in it. Throws `TransportError` as `send` does (`response` then
  /// holds no answer).
  void send_into(const HttpRequest& request, HttpResponse& response);

  /// The options it was built with.
  const CurlTransportOptions& options() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wix::backinstock
