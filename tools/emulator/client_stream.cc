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
    if (n == 0) return false;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return true;
}

// Whether the next request has arrived whole (head and body), or far enough to be refused: a
// worker then serves it without waiting for the client.
bool ClientStream::request_ready() const {
  std::string_view view(buffer.data() + offset, buffered());
  std::size_t end = head_end(view);
  const std::size_t max_head = limits.max_target_bytes + 64 + limits.max_header_bytes + 4;
  if (end == std::string_view::npos) return view.size() > max_head;
  RequestHead head =
      parse_head(view.substr(0, end),
                 {limits.max_target_bytes, limits.max_header_bytes, limits.max_body_bytes});
  if (head.refuse_status != 0) return true;
  if (head.chunked) {
    return decode_chunked(view.substr(end), limits.max_body_bytes).state !=
           ChunkedBody::State::kNeedMore;
  }
  return view.size() - end >= head.content_length;
}

// True when the request being read has outlived its deadline (the head's, then the body's).
bool ClientStream::overdue(Clock::time_point now) const {
  if (request_started == Clock::time_point{}) return false;
  return now - request_started > limits.head_timeout + limits.body_timeout;
}

bool ClientStream::is_readable() const {
  return buffered() > 0 || wait_for(fd, POLLIN, limits.read_timeout) > 0;
}
bool ClientStream::is_writable() const { return wait_for(fd, POLLOUT, limits.read_timeout) > 0; }
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
  if (wait_for(fd, POLLOUT, limits.read_timeout) <= 0) return -1;
  return ::send(fd, ptr, size, MSG_NOSIGNAL);
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
  const FramingLimits framing{limits.max_target_bytes, limits.max_header_bytes,
                              limits.max_body_bytes};
  const std::size_t max_line = limits.max_target_bytes + 64;  // method, spaces, version
  const std::size_t max_head = max_line + limits.max_header_bytes + 4;
  const auto head_deadline = Clock::now() + limits.head_timeout;
  std::size_t end = std::string_view::npos;
  for (;;) {
    std::string_view view(buffer.data() + offset, buffered());
    end = head_end(view);
    if (end != std::string_view::npos) break;
    std::size_t start = 0;
    while (view.substr(start, 2) == "\r\n") start += 2;
    std::size_t line_end = view.find("\r\n", start);
    if (std::min(line_end, view.size()) - start > max_line) {
      return refuse(note, close_after, 414, "request target too long");
    }
    if (view.size() > max_head) {
      return refuse(note, close_after, 431, "request header fields too large");
    }
    if (!fill(head_deadline)) return false;
  }
  RequestHead head = parse_head(std::string_view(buffer.data() + offset, end), framing);
  note.method_received = head.method;
  note.target_received = head.target;
  if (head.refuse_status != 0) {
    return refuse(note, close_after, head.refuse_status, head.problem);
  }
  offset += end;
  std::string body;
  if (head.chunked) {
    const auto body_deadline = Clock::now() + limits.body_timeout;
    for (;;) {
      auto decoded = decode_chunked(std::string_view(buffer.data() + offset, buffered()),
                                    limits.max_body_bytes);
      if (decoded.state == ChunkedBody::State::kRefused) {
        return refuse(note, close_after, decoded.refuse_status, decoded.problem);
      }
      if (decoded.state == ChunkedBody::State::kDone) {
        body = std::move(decoded.body);
        offset += decoded.consumed;
        break;
      }
      if (!fill(body_deadline)) return false;
    }
  }
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
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
        iequals(name, "Connection")) {
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
