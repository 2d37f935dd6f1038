#pragma once

// The HTTP side (cpp-httplib, with connections.h around it): listening, the `x-wix-request-id` and
// the JSON body of every answer (errors of the HTTP layer included), the request log, counting
// concurrent requests, and acting out injected faults on the connection (delays, cut or truncated
// bodies, closing after reading). What to answer is the router's.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

#include "connections.h"
#include "router.h"
#include "wix/backinstock/testing/emulator_options.h"
#include "wix/backinstock/testing/emulator_records.h"

namespace wix::backinstock::emulator::detail {

class HttpServer {
 public:
  HttpServer(const EmulatorOptions& options, Router& router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds the configured host and port (0: a free one); returns the port. Throws when it cannot.
  int bind();
  /// Serves on a background thread; returns once the server accepts connections.
  void start();
  /// Serves on this thread until `stop`.
  void run();
  void stop();

  int port() const noexcept { return port_; }
  std::size_t received() const { return received_.load(); }
  std::size_t max_concurrent() const { return max_concurrent_.load(); }
  std::size_t consistent_received() const { return consistent_received_.load(); }
  /// The requests kept (`EmulatorOptions::keep_log`), oldest first.
  std::vector<LoggedRequest> kept_log() const;
  void clear_kept_log();

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  // A Wix-shaped JSON body and a request ID for an error cpp-httplib answered by itself.
  httplib::Server::HandlerResponse fill_error(const httplib::Request& req, httplib::Response& res);
  void log(const httplib::Request& req, const httplib::Response& res) const;
  void close_silently(const httplib::Request& req) const;
  std::string why_not_bindable() const;

  const EmulatorOptions& options_;
  Router& router_;
  ConnectionServer server_;
  std::thread thread_;
  std::atomic<int> port_{0};
  int listen_fd_ = -1;
  std::atomic<std::size_t> received_{0};
  std::atomic<std::size_t> concurrent_{0};
  std::atomic<std::size_t> max_concurrent_{0};
  std::atomic<std::size_t> writes_{0};               // X-Wix-Consistent values handed out
  std::atomic<std::size_t> consistent_received_{0};  // requests that carried one
  mutable std::mutex log_mutex_;                     // guards `kept_`
  mutable std::deque<LoggedRequest> kept_;           // written by `log` (const: called on answers)
  std::mutex stop_mutex_;  // guards `stopping_`; delay faults wait on `stopped_`
  std::condition_variable stopped_;
  bool stopping_ = false;
};

}  // namespace wix::backinstock::emulator::detail
