#pragma once

// Connections, as a local service used all day needs them. cpp-httplib parses and answers each
// request; this room owns the connection around it:
//   - idle keep-alive connections wait in one poller thread, not in a worker each, so a few
//     workers serve hundreds of clients that keep their connections open;
//   - stopping ends idle and active connections at once instead of waiting out their keep-alive;
//   - the request head is read here first, within the emulator's own limits, and adjusted before
//     cpp-httplib sees it: a body-less POST or PUT without `Content-Length` gets
//     `Content-Length: 0` (so it is served, not read until the client gives up), a target longer
//     than the library's compiled-in 8 KiB limit is carried past it, and a head, target or body
//     over the limits is answered with a Wix-shaped JSON error (`HeadNote::refuse_status`) without
//     reading the body.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace wix::backinstock::emulator::detail {

struct ConnectionLimits {
  std::size_t max_target_bytes = std::size_t{64} << 10;  ///< longer targets: 414
  std::size_t max_header_bytes = std::size_t{64} << 10;  ///< larger header blocks: 431
  std::size_t max_body_bytes = std::size_t{4} << 20;     ///< larger `Content-Length`: 413
  std::chrono::milliseconds idle_timeout{5000};          ///< keep-alive without a request
  std::chrono::milliseconds read_timeout{5000};          ///< within one request
  std::size_t threads = 16;                              ///< workers serving requests
};

/// What the connection layer learnt of the request being served on this thread.
struct HeadNote {
  std::string target;     ///< the request's own target when it was carried past the library
  int refuse_status = 0;  ///< 413, 414 or 431: answer this error, do not route the request
  std::size_t limit = 0;  ///< the limit that was exceeded, for the error message
  std::chrono::steady_clock::time_point started;  ///< when the head was complete
};

/// The note of the request this thread is serving.
HeadNote& current_head_note();

class ConnectionServer : public httplib::Server {
 public:
  explicit ConnectionServer(const ConnectionLimits& limits);
  ~ConnectionServer() override;
  ConnectionServer(const ConnectionServer&) = delete;
  ConnectionServer& operator=(const ConnectionServer&) = delete;

  /// Refuses new work and ends every connection now (idle ones closed, active ones shut down so
  /// that their worker returns). Call before `stop()`.
  void close_connections();

 private:
  struct Connection;

  bool process_and_close_socket(socket_t sock) override;
  void serve(std::unique_ptr<Connection> connection);
  void park(std::unique_ptr<Connection> connection);
  void poll_idle();
  void close(std::unique_ptr<Connection> connection);

  ConnectionLimits limits_;
  std::atomic<httplib::TaskQueue*> pool_{nullptr};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards the three below
  std::vector<std::unique_ptr<Connection>> parked_;
  std::set<int> active_;
  bool poller_started_ = false;
  std::thread poller_;
  int wake_[2] = {-1, -1};  // the poller's self-pipe
};

}  // namespace wix::backinstock::emulator::detail
