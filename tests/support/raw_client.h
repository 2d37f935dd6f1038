#pragma once

// A client on a raw socket for tests of the emulator as a network service: it sends exactly the
// bytes it is given and reads answers one at a time, so a test sees every answer (and whether the
// connection closed) as a peer on the wire would.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace wix::backinstock::test_support {

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
  nlohmann::json json_body() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string code() const {
    auto b = json_body();
    if (!b.is_object() || !b.contains("details")) return "";
    return b["details"].value("applicationError", nlohmann::json::object()).value("code", "");
  }
  bool has_request_id() const { return head.find("x-wix-request-id: ") != std::string::npos; }
};

// A client on a raw socket: sends exactly the bytes given, reads one answer.
class RawClient {
 public:
  /// `source_port`: connect from this local port (0: any).
  explicit RawClient(int port, int source_port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (source_port != 0) {
      int one = 1;
      ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = htons(static_cast<std::uint16_t>(source_port));
      ::inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  /// The local port of this connection.
  int local_port() const {
    sockaddr_in local{};
    socklen_t length = sizeof local;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &length);
    return ntohs(local.sin_port);
  }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Half-closes the sending side (the peer reads the end of the stream).
  void finish_sending() { ::shutdown(fd_, SHUT_WR); }

  // True when the peer closed the connection within `timeout` with no further answer byte.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    if (!buffer_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK) <= 0;
  }

  // One answer, or nullopt when none came within `timeout` (or the connection ended first).
  // `with_body` false: the answer to a HEAD request (a Content-Length, no body).
  std::optional<Answer> read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                    bool with_body = true) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        Answer answer;
        answer.head = buffer_.substr(0, end + 2);
        answer.status = std::stoi(answer.head.substr(9, 3));
        std::size_t length = 0;
        auto at = lower(answer.head).find("content-length: ");
        if (at != std::string::npos && with_body) length = std::stoul(answer.head.substr(at + 16));
        if (buffer_.size() >= end + 4 + length) {
          answer.body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return answer;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace wix::backinstock::test_support
