#include "client_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "framing.h"

namespace wix::backinstock::emulator::detail {

namespace {

using Clock = std::chrono::steady_clock;

// Answer bytes kept for the poller to write when a client does not read, past which a streamed
// answer waits for the client (see `ClientStream::write`).
constexpr std::size_t kMaxOutbox = std::size_t{1} << 20;
// Targets longer than this are carried past cpp-httplib, whose request line limit (8 KiB) is
// compiled into the Debian library.
constexpr std::size_t kCarryTargetsFrom = 4096;
// Header lines longer than this are carried past cpp-httplib too (its line limit is 8 KiB).
constexpr std::size_t kCarryHeadersFrom = 4096;
constexpr char kCarriedTarget[] = "/_emulator/carried-target";
// After refusing a request whose body it did not read, the emulator reads and drops what the
// client still sends for at most this long, so that the client sees the answer, not a reset.
constexpr auto kDrain = std::chrono::seconds(2);
// What replaces a refused request: cpp-httplib answers it through the handler, then closes.
constexpr std::string_view kRefusedHead =
    "GET / HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

void describe(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    port = ntohs(in.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    port = ntohs(in6.sin6_port);
  }
  ip = text;
}

}  // namespace

int wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

// Reads more of the request into the buffer, by `deadline` at the latest; false at the end, on
// an error or a timeout.
bool ClientStream::fill(Clock::time_point deadline) {
  if (offset == buffer.size()) {
    buffer.clear();
    offset = 0;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  if (wait_for(fd, POLLIN, std::min(left, limits.read_timeout)) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n == 0) eof = true;
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<std::size_t>(n));
  return true;
}

// Reads what has arrived without waiting. False when the peer closed or the connection failed.
bool ClientStream::read_available() {
  if (offset == buffer.size()) {
    buffer.clear();
    offset = 0;
  }
  char chunk[16384];
  for (int i = 0; i < 64; ++i) {  // at most 1 MiB per turn: others get theirs too
    ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (request_started == Clock::time_point{}) request_started = Clock::now();
      continue;
    }
    if (n == 0) {
      eof = true;  // a request that arrived whole before the end is still answered
      return true;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return true;
}

bool ClientStream::request_ready() { return advance() != Progress::kNeedMore; }

ClientStream::Progress ClientStream::advance() {
  if (refuse_status_ != 0) return Progress::kRefused;
  if (!head_) {
    std::string_view view(buffer.data() + offset, buffered());
    const std::size_t end = head_end(view);
    if (end == std::string_view::npos) {
      const std::size_t max_line = limits.max_target_bytes + 64;  // method, spaces, version
      std::size_t start = 0;
      while (view.substr(start, 2) == "\r\n") start += 2;
      const std::size_t line_end = view.find("\r\n", start);
      if (std::min(line_end, view.size()) - start > max_line) {
        refuse_status_ = 414;
        refuse_problem_ = "request target too long";
      } else if (view.size() > max_line + limits.max_header_bytes + 4) {
        refuse_status_ = 431;
        refuse_problem_ = "request header fields too large";
      }
      return refuse_status_ != 0 ? Progress::kRefused : Progress::kNeedMore;
    }
    head_ = parse_head(view.substr(0, end),
                       {limits.max_target_bytes, limits.max_header_bytes, limits.max_body_bytes});
    head_bytes_ = end;
    if (head_->refuse_status == 0 && head_->chunked) {
      chunked_.emplace(limits.max_body_bytes, kMaxChunkFramingBytes);
    }
  }
  if (head_->refuse_status != 0) return Progress::kRefused;
  Progress progress = Progress::kNeedMore;
  if (chunked_) {
    // Each byte of the chunked body is decoded once, as it arrives; the raw chunks are dropped.
    if (chunked_->state() == ChunkedDecoder::State::kNeedMore && buffered() > head_bytes_) {
      const std::size_t at = offset + head_bytes_;
      buffer.erase(at, chunked_->feed(std::string_view(buffer).substr(at)));
    }
    if (chunked_->state() == ChunkedDecoder::State::kDone) progress = Progress::kReady;
    if (chunked_->state() == ChunkedDecoder::State::kRefused) progress = Progress::kRefused;
  } else if (buffered() - head_bytes_ >= head_->content_length) {
    progress = Progress::kReady;
  }
  // RFC 9110 §10.1.1: the head is accepted and the body is awaited, so say so (once).
  if (progress == Progress::kNeedMore && !continue_sent_ && head_->minor_version >= 1) {
    for (const auto& [name, value] : head_->headers) {
      if (iequals(name, "Expect") && iequals(value, "100-continue")) {
        continue_sent_ = true;
        constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        emit(kContinue.data(), kContinue.size());
        break;
      }
    }
  }
  return progress;
}

void ClientStream::forget_request() {
  head_.reset();
  head_bytes_ = 0;
  chunked_.reset();
  continue_sent_ = false;
}

// True when the request being read has outlived its deadline (the head's, then the body's).
bool ClientStream::overdue(Clock::time_point now) const {
  if (request_started == Clock::time_point{}) return false;
  return now - request_started > limits.head_timeout + limits.body_timeout;
}

bool ClientStream::is_readable() const {
  return buffered() > 0 || wait_for(fd, POLLIN, limits.read_timeout) > 0;
}
bool ClientStream::is_writable() const {
  return outbox_.size() < kMaxOutbox || wait_for(fd, POLLOUT, limits.read_timeout) > 0;
}
ssize_t ClientStream::read(char* ptr, size_t size) {
  if (buffered() > 0) {
    std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer.data() + offset, n);
    offset += n;
    return static_cast<ssize_t>(n);
  }
  if (wait_for(fd, POLLIN, limits.read_timeout) <= 0) return -1;
  return ::recv(fd, ptr, size, 0);
}
ssize_t ClientStream::write(const char* ptr, size_t size) {
  // An answer the emulator made whole (its head, its body) is kept whatever its size; one streamed
  // in pieces (a fault's endless body) is kept up to kMaxOutbox, past which this worker waits for
  // the client, bounded.
  if (outbox_.size() < kMaxOutbox) return emit(ptr, size) ? static_cast<ssize_t>(size) : -1;
  if (!flush_waiting() || !send_waiting(ptr, size)) return -1;
  return static_cast<ssize_t>(size);
}

bool ClientStream::emit(const char* data, std::size_t size) {
  std::size_t sent = 0;
  if (outbox_.empty()) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    sent = n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  outbox_.append(data + sent, size - sent);
  return true;
}

bool ClientStream::flush_available() {
  while (!outbox_.empty()) {
    ssize_t n = ::send(fd, outbox_.data(), outbox_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    outbox_.erase(0, static_cast<std::size_t>(n));
  }
  outbox_.shrink_to_fit();  // an idle connection holds no answer's worth of memory
  return true;
}

bool ClientStream::flush_waiting() {
  if (outbox_.empty()) return true;
  bool ok = send_waiting(outbox_.data(), outbox_.size());
  outbox_.clear();
  outbox_.shrink_to_fit();
  return ok;
}

bool ClientStream::send_waiting(const char* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    if (wait_for(fd, POLLOUT, limits.read_timeout) <= 0) return false;
    ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  return true;
}
void ClientStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    describe(address, ip, port);
}
void ClientStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    describe(address, ip, port);
}
// Makes the next request ready for cpp-httplib (see connections.h). False when the connection
// ended (or missed a deadline) first. `close_after`: the connection closes after the answer.
bool ClientStream::prepare(HeadNote& note, bool& close_after) {
  note = HeadNote{};
  const auto head_deadline = Clock::now() + limits.head_timeout;
  auto body_deadline = Clock::time_point::max();
  for (;;) {
    const Progress progress = advance();
    if (head_ && body_deadline == Clock::time_point::max()) {
      body_deadline = Clock::now() + limits.body_timeout;
    }
    if (head_) {
      note.method_received = head_->method;
      note.target_received = head_->target;
    }
    if (progress == Progress::kRefused) {
      const int status = refuse_status_ != 0         ? refuse_status_
                         : head_->refuse_status != 0 ? head_->refuse_status
                                                     : chunked_->refuse_status();
      std::string problem = refuse_status_ != 0         ? refuse_problem_
                            : head_->refuse_status != 0 ? head_->problem
                                                        : chunked_->problem();
      return refuse(note, close_after, status, std::move(problem));
    }
    if (progress == Progress::kReady) break;
    if (!fill(head_ ? body_deadline : head_deadline)) return false;
  }
  const RequestHead head = std::move(*head_);
  const std::size_t end = head_bytes_;
  std::string body;
  if (chunked_) body = std::move(chunked_->body());
  forget_request();
  offset += end;
  // The head cpp-httplib reads: origin-form target (carried when long), HTTP/1.1, every field
  // but the framing ones (long lines carried), one Content-Length, and Connection: close when
  // this request ends the connection.
  std::string rebuilt;
  rebuilt.reserve(end + 64);
  rebuilt.append(head.method).append(" ");
  if (head.origin_target.size() > kCarryTargetsFrom) {
    note.target = head.origin_target;
    rebuilt.append(kCarriedTarget);
  } else {
    rebuilt.append(head.origin_target);
  }
  rebuilt.append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : head.headers) {
    // Framing is rebuilt below; an expectation was answered here already (cpp-httplib would
    // send its own 100 Continue).
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
        iequals(name, "Connection") || iequals(name, "Expect")) {
      continue;
    }
    // cpp-httplib caps form-urlencoded bodies at a compiled-in 8 KiB; the emulator reads every
    // body as JSON whatever its type (`curl -d` sends JSON as a form), so the library does not
    // see that type.
    if (iequals(name, "Content-Type") &&
        iequals(std::string_view(value).substr(0, 33), "application/x-www-form-urlencoded")) {
      continue;
    }
    if (name.size() + value.size() > kCarryHeadersFrom) {
      note.long_headers.emplace_back(name, value);
      continue;
    }
    rebuilt.append(name).append(": ").append(value).append("\r\n");
  }
  const std::size_t length = head.chunked ? body.size() : head.content_length;
  rebuilt.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
  if (!head.keep_alive) {
    rebuilt.append("Connection: close\r\n");
    close_after = true;
  }
  rebuilt.append("\r\n").append(body);
  rebuilt.append(buffer, offset, std::string::npos);
  buffer = std::move(rebuilt);
  offset = 0;
  note.started = Clock::now();
  note.request_index = ++requests_served;
  return true;
}

// Puts a stand-in request in place of one that is refused; the rest of it is not read, and the
// connection closes after the answer.
bool ClientStream::refuse(HeadNote& note, bool& close_after, int status, std::string problem) {
  forget_request();
  refuse_status_ = 0;
  note.refuse_status = status;
  note.problem = std::move(problem);
  note.limit = status == 413   ? limits.max_body_bytes
               : status == 414 ? limits.max_target_bytes
                               : limits.max_header_bytes;
  note.started = Clock::now();
  buffer.assign(kRefusedHead);
  offset = 0;
  close_after = true;
  return true;
}

// Ends the connection after an answer to a request whose body was not read.
void ClientStream::drain() {
  ::shutdown(fd, SHUT_WR);
  auto until = Clock::now() + kDrain;
  char sink[16384];
  while (Clock::now() < until && wait_for(fd, POLLIN, std::chrono::milliseconds(100)) >= 0) {
    ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
  }
}

}  // namespace wix::backinstock::emulator::detail
