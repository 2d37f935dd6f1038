#pragma once

/// @file curl_transport.h
/// `CurlTransport`: the SDK's `Transport` on libcurl, and its settings.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "wix/backinstock/transport.h"  // IWYU pragma: export

namespace wix::backinstock {

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
