#pragma once

// One client connection of the emulator as cpp-httplib reads it: the socket and the bytes read
// ahead of the library. The request head is read here first, within the emulator's limits and
// deadlines, checked as RFC 9112 frames requests (framing.h), and handed on in a form the
// library cannot misread, or refused (see connections.h for the whole room).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
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

/// Waits until `fd` is ready for `events` (poll(2)); what poll returns, EINTR retried.
int wait_for(int fd, short events, std::chrono::milliseconds timeout);

/// A client connection: its socket and the bytes read ahead of cpp-httplib, which reads through
/// this stream.
struct ClientStream : httplib::Stream {
  using Clock = std::chrono::steady_clock;

  ClientStream(int socket, const ConnectionLimits& l) : fd(socket), limits(l) {}

  std::size_t buffered() const { return buffer.size() - offset; }

  /// Reads more of the request into the buffer, by `deadline` at the latest; false at the end,
  /// on an error or a timeout.
  bool fill(Clock::time_point deadline);
  /// Reads what has arrived without waiting. False when the peer closed or the connection failed.
  bool read_available();
  /// Whether the next request has arrived whole (head and body), or far enough to be refused: a
  /// worker then serves it without waiting for the client.
  bool request_ready() const;
  /// True when the request being read has outlived its deadline (the head's, then the body's).
  bool overdue(Clock::time_point now) const;
  /// Makes the next request ready for cpp-httplib. False when the connection ended (or missed a
  /// deadline) first. `close_after`: the connection closes after the answer.
  bool prepare(HeadNote& note, bool& close_after);
  /// Puts a stand-in request in place of one that is refused; the rest of it is not read, and
  /// the connection closes after the answer.
  bool refuse(HeadNote& note, bool& close_after, int status, std::string problem);
  /// Ends the connection after an answer to a request whose body was not read.
  void drain();

  // httplib::Stream
  using httplib::Stream::write;
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd; }

  int fd;
  const ConnectionLimits& limits;
  std::string buffer;
  std::size_t offset = 0;
  Clock::time_point idle_since;
  Clock::time_point request_started{};  // first byte of the request being read; {} when none
  int requests_served = 0;
};

}  // namespace wix::backinstock::emulator::detail
