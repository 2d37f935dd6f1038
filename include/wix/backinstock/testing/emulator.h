#pragma once

/// @file emulator.h
/// An in-memory stand-in for the Wix Back-in-Stock service, for tests and demos. It serves every
/// endpoint of both services with the documented validation, error bodies and statuses, keeps
/// requests and settings in memory, and records the notifications it would have e-mailed in an
/// outbox readable at `GET /_emulator/outbox`.
///
/// Emulator-only routes:
///   GET  /_emulator/outbox   {"reports": [...], "notifications": [...]}
///   GET  /_emulator/requests {"requests": [...]}: every notification request, with its status
///   POST /_emulator/reset    forget every request, report and notification
///   POST /_emulator/seed     {"count": N, "catalogItems": M}: add N requests at once (load tests)
///   POST /_emulator/faults   program the next answers of a route (body: a Fault as JSON, below)
///   DELETE /_emulator/faults forget programmed faults
///   POST /_emulator/webhooks {"url": "..."} deliver webhooks there from now on
///   POST /_emulator/revoke-tokens  make every issued token invalid (the next call gets 401)
/// and, like Wix, `POST /oauth2/token` (client credentials, visitors' anonymous and refresh-token
/// grants, the bound-session exchange) and `POST /oauth/access` (legacy refresh tokens) for the
/// configured apps.
///
/// Thread safety: all members may be called from any thread while the server runs.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wix/backinstock/testing/emulator_options.h"
#include "wix/backinstock/testing/emulator_records.h"

namespace wix::backinstock::emulator {

/// The emulator: a server on a port of its own, and what a test reads back from it.
class Emulator {
 public:
  /// An emulator with `options`; nothing listens before `start()` (or `bind()` and `run()`).
  explicit Emulator(EmulatorOptions options = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  /// Binds and starts serving on a background thread; returns the port. Throws
  /// `std::runtime_error` when the address cannot be bound.
  int start();
  /// Stops serving and joins the thread. Idempotent.
  void stop();
  /// Binds (unless already bound) and returns the port; `run()` then serves. Throws
  /// `std::runtime_error` when the address cannot be bound.
  int bind();
  /// Serves on the calling thread until `stop()` is called from elsewhere (for the executable).
  void run();

  /// The port it listens on (0 before it is bound).
  int port() const noexcept;
  /// `http://host:port`, the base URL to give to the SDK.
  std::string url() const;

  /// Forgets all state (requests, reports, notifications, settings).
  void reset();
  /// The outbox as JSON text: `{"reports": [...], "notifications": [...]}`.
  std::string outbox_json() const;
  /// The outbox as values: every Report accepted and every e-mail it caused, in order.
  Outbox outbox() const;
  /// Every notification request stored, oldest first.
  std::vector<StoredRequest> stored_requests() const;
  /// The requests received, oldest first, when `EmulatorOptions::keep_log` is on (else empty);
  /// `reset()` clears it.
  std::vector<LoggedRequest> request_log() const;
  /// Number of notifications written to the outbox so far.
  std::size_t notification_count() const;
  /// Number of requests the emulator received (any route), for tests that count attempts.
  std::size_t requests_received() const;
  /// Requests received that carried an `X-Wix-Consistent` header (the emulator sends one with
  /// every successful write, as the service does).
  std::size_t consistent_requests_received() const;
  /// The largest number of requests the emulator was serving at the same moment.
  std::size_t max_concurrent_requests() const;
  /// Number of requests received whose path ends with `path_suffix` (and, if given, `method`).
  std::size_t requests_received(const std::string& path_suffix,
                                const std::string& method = "") const;

  /// The PEM public key that verifies this emulator's webhooks.
  std::string webhook_public_key_pem() const;
  /// Delivers webhooks to `url` from now on (empty: stop delivering).
  void set_webhook_url(std::string url);
  /// Webhooks delivered so far (answered with any HTTP status).
  std::size_t webhooks_delivered() const;
  /// Waits until `count` webhooks were delivered or `timeout` passed; returns whether they were.
  bool wait_for_webhooks(std::size_t count, std::chrono::milliseconds timeout) const;
  /// Invalidates every issued access token.
  void revoke_tokens();

  /// Programs a fault (see `Fault`). Faults queue in the order given.
  void inject(Fault fault);
  /// Forgets programmed faults.
  void clear_faults();

  /// Serves one request without the network (no faults, no request counting): for fuzzing and
  /// fast tests. `target` is the path with its query string.
  EmulatorReply handle(const std::string& method, const std::string& target,
                       const std::map<std::string, std::string>& headers, const std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wix::backinstock::emulator
