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

namespace wix::backinstock::emulator::detail {

struct ConnectionLimits {
  std::size_t max_target_bytes = std::size_t{64} << 10;  ///< longer targets: 414
  std::size_t max_header_bytes = std::size_t{64} << 10;  ///< larger header blocks: 431
  std::size_t max_body_bytes = std::size_t{4} << 20;     ///< larger `Content-Length`: 413
  std::chrono::milliseconds idle_timeout{5000};          ///< keep-alive without a request
  std::chrono::milliseconds read_timeout{5000};          ///< between two reads of a request
  std::chrono::milliseconds head_timeout{10000};         ///< for a whole request head
  std::chrono::milliseconds body_timeout{30000};         ///< for a whole request body
  std::size_t threads = 16;                              ///< workers serving requests
  std::size_t max_connections = 4096;  ///< more at once are closed as soon as they are accepted
  std::size_t max_requests = 1000;     ///< per connection: the last one's answer closes it
};

/// What the connection layer learnt of the request being served on this thread.
struct HeadNote {
  std::string target;  ///< the request's own target when it was carried past the library
  std::vector<std::pair<std::string, std::string>> long_headers;  ///< carried past the library
  std::string method_received;  ///< the method as received (also of a refused request)
  std::string target_received;  ///< the target as received (also of a refused request)
  int refuse_status = 0;        ///< 400, 413, 414, 431, 501, 505: answer this error, do not route
  std::string problem;          ///< why the request was refused
  int request_index = 0;        ///< 1 for the first request of its connection
  std::size_t limit = 0;        ///< the limit that was exceeded, for the error message
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
  std::atomic<std::size_t> open_{0};  // connections being served or parked
  std::mutex mutex_;                  // guards the three below
  std::vector<std::unique_ptr<Connection>> parked_;
  std::set<int> active_;
  bool poller_started_ = false;
  std::thread poller_;
  int wake_[2] = {-1, -1};  // the poller's self-pipe
};

}  // namespace wix::backinstock::emulator::detail
