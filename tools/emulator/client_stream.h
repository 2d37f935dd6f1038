#pragma once

// One client connection of the emulator as cpp-httplib reads it: the socket and the bytes read
// ahead of the library. The request head is read here first, within the emulator's limits and
// deadlines, checked as RFC 9112 frames requests (framing.h), and handed on in a form the
// library cannot misread, or refused (see connections.h for the whole room).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>

#include "framing.h"

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
  /// Reads what has arrived without waiting. False when the connection failed; the end of the
  /// client's stream (a half-close) sets `eof` instead, and a request that arrived whole before
  /// it is still served.
  bool read_available();
  /// Whether the next request has arrived whole (head and body), or far enough to be refused: a
  /// worker then serves it without waiting for the client. Reads the request's progress once per
  /// byte (the head parsed once, a chunked body decoded as it arrives), and answers
  /// `Expect: 100-continue` once the head is accepted.
  bool request_ready();
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
  /// Whether answer bytes wait to be written (the client's socket was full).
  bool output_pending() const { return !outbox_.empty(); }
  /// Writes what waits without waiting; false when the connection failed.
  bool flush_available();
  /// Writes what waits, waiting for the client (bounded); false when it could not.
  bool flush_waiting();

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
  bool eof = false;                 // the client ended its stream (nothing more will arrive)
  bool close_when_flushed = false;  // closed once the answers waiting in `outbox_` are written

 private:
  enum class Progress { kNeedMore, kReady, kRefused };
  // Advances the request being read with what is buffered (see `request_ready`).
  Progress advance();
  // Sends `size` bytes, waiting for the client within `read_timeout` per wait.
  bool send_waiting(const char* data, std::size_t size);
  // Writes `bytes` after what waits in `outbox_`, without waiting: what the socket does not take
  // joins `outbox_`. False when the connection failed.
  bool emit(const char* data, std::size_t size);
  void forget_request();

  // The request being read: its head once complete (parsed once), its chunked body decoded as it
  // arrives (the raw chunks dropped from `buffer`), whether 100 Continue was sent for it.
  std::optional<RequestHead> head_;
  std::size_t head_bytes_ = 0;  // of `buffer` from `offset`
  std::optional<ChunkedDecoder> chunked_;
  bool continue_sent_ = false;
  int refuse_status_ = 0;  // a refusal found before the head was complete (414, 431)
  std::string refuse_problem_;
  // Answer bytes the client's socket did not take yet: written by the poller, so that a client
  // that does not read holds no worker (up to kMaxOutbox; past it the worker waits, bounded).
  std::string outbox_;
};

}  // namespace wix::backinstock::emulator::detail
