#pragma once

/// @file emulator.h
/// An in-memory stand-in for the Wix Back-in-Stock service, for tests and demos. It serves every
/// endpoint of both services with the documented validation, error bodies and statuses, keeps
/// requests and settings in memory, and records the notifications it would have e-mailed in an
/// outbox readable at `GET /_emulator/outbox`.
///
/// Emulator-only routes:
///   GET  /_emulator/outbox   {"reports": [...], "notifications": [...]}
///   POST /_emulator/reset    forget every request, report and notification
///
/// Thread safety: all members may be called from any thread while the server runs.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace wix::backinstock::emulator {

struct EmulatorOptions {
  /// Address to listen on.
  std::string host = "127.0.0.1";
  /// Port to listen on; 0 picks a free one.
  int port = 0;
  /// Accepted API keys; empty accepts any non-empty `Authorization`.
  std::vector<std::string> api_keys;
  /// Whether Wix Stores collects requests from the start (a real site starts with it off).
  bool collecting_by_default = false;
};

class Emulator {
 public:
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

  int port() const noexcept;
  /// `http://host:port`, the base URL to give to the SDK.
  std::string url() const;

  /// Forgets all state (requests, reports, notifications, settings).
  void reset();
  /// The outbox as JSON text: `{"reports": [...], "notifications": [...]}`.
  std::string outbox_json() const;
  /// Number of notifications written to the outbox so far.
  std::size_t notification_count() const;
  /// Number of requests the emulator received (any route), for tests that count attempts.
  std::size_t requests_received() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wix::backinstock::emulator
