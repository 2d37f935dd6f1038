#pragma once

// Connections, as a local service used all day needs them. cpp-httplib parses and answers each
// request; this room owns the connection around it:
//   - idle keep-alive connections, and requests still arriving, wait in one poller thread, not in
//     a worker each: a request is handed to a worker only once it arrived whole, so a few workers
//     serve hundreds of clients that keep their connections open, and clients that send a byte a
//     second hold no worker at all (a request gets `head_timeout` + `body_timeout` to arrive);
//   - stopping ends idle and active connections at once instead of waiting out their keep-alive;
//   - the request head is read here first, within the emulator's own limits and deadlines, and
//     checked as RFC 9112 frames requests (framing.h) before cpp-httplib sees it: ambiguous or
//     malformed framing, an unknown method or version, a head, target or body over the limits
//     are answered with a Wix-shaped JSON error (`HeadNote::refuse_status`) and the connection
//     closes; every other head is handed to cpp-httplib in a form it cannot misread (one
//     `Content-Length`, `Content-Length: 0` for a body-less request, chunked bodies decoded here,
//     a target or header line longer than the library's compiled-in limits carried past it).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

#include "client_stream.h"

namespace wix::backinstock::emulator::detail {

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
  using Connection = ClientStream;

  bool process_and_close_socket(socket_t sock) override;
  void serve(std::unique_ptr<Connection> connection);
  void park(std::unique_ptr<Connection> connection);
  void poll_idle();
  void close(std::unique_ptr<Connection> connection);

  ConnectionLimits limits_;
  std::atomic<httplib::TaskQueue*> pool_{nullptr};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> open_{0};  // connections being served or parked
  std::mutex mutex_;                  // guards the three below
  std::vector<std::unique_ptr<Connection>> parked_;
  std::set<int> active_;
  bool poller_started_ = false;
  std::thread poller_;
  int wake_[2] = {-1, -1};  // the poller's self-pipe
};

}  // namespace wix::backinstock::emulator::detail
