#pragma once

// A hostile HTTP/1.1 peer on raw sockets. It parses each request the way a real server does
// (head, then a Content-Length body), records exactly what reached the wire, and lets the test
// decide per request what happens next: a normal answer, raw bytes, closing after reading, a reset,
// a slow or endless answer. Connections are kept alive unless the script says otherwise, so a
// test can make the SDK reuse a pooled connection and then betray it.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wix::backinstock::test_support {

/// One request as it arrived.
struct WireRequest {
  std::string method;
  std::string target;  ///< exactly as written on the request line
  std::string head;    ///< request line and headers, raw
  std::string body;
  int connection = 0;  ///< 1 for the first accepted connection
  int index = 0;       ///< 1 for the first request on its connection

  /// Value of the first header `name` (case-insensitive), or empty.
  std::string header(const std::string& name) const;
};

/// What the script does with one request.
enum class Then {
  kKeepAlive,  ///< the answer was written; read the next request on this connection
  kClose,      ///< close the connection (FIN)
  kReset,      ///< abort the connection (RST)
};

class HostileServer {
 public:
  /// `script(fd, request)` answers (or not) on `fd` and says what happens to the connection.
  using Script = std::function<Then(int fd, const WireRequest& request)>;

  explicit HostileServer(Script script);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  /// Connections accepted so far.
  int connections() const { return accepted_.load(); }
  /// Every request received so far, in order of arrival.
  std::vector<WireRequest> requests() const;
  /// Requests received whose target starts with `prefix` (and whose method is `method`, if set).
  std::size_t count(const std::string& target_prefix, const std::string& method = "") const;

  /// Writes `data` on every connection that is open now (kept alive, waiting for its next
  /// request): bytes nobody asked for. Returns the number of connections written to.
  std::size_t write_to_open_connections(const std::string& data);

  /// Writes all of `data` (best effort: stops when the peer is gone).
  static void write_all(int fd, const std::string& data);
  /// A complete response with `Content-Length` (and `Connection: close` when `close`).
  static std::string response(int status, const std::string& body,
                              const std::vector<std::string>& extra_headers = {},
                              bool close = false);
  /// Convenience: writes `response(status, body, headers)` and keeps the connection.
  static Then reply(int fd, int status, const std::string& body,
                    const std::vector<std::string>& extra_headers = {});

 private:
  void serve(int fd, int connection);
  void close_connection(int fd);  // forgets it as open, then closes it

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<WireRequest> requests_;
  std::vector<int> open_;  // sockets of connections not closed yet
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

/// A port on which nothing listens (connection refused).
int closed_port();

/// `depth` nested arrays around `inner`: `[[[...inner...]]]`.
std::string nested_arrays(std::size_t depth, const std::string& inner = "");

}  // namespace wix::backinstock::test_support
