#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "mock_server.h"

namespace wix::backinstock::test_support {

namespace {
int listen_on_loopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}
}  // namespace

RawServer::RawServer(std::function<void(int)> behaviour) : behaviour_(std::move(behaviour)) {
  listen_fd_ = listen_on_loopback(port_);
  ::listen(listen_fd_, 16);
  thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++accepted_;
      workers_.emplace_back([this, fd] {
        // Read until the end of the request head (and whatever body came with it).
        std::string data;
        char buf[4096];
        while (data.find("\r\n\r\n") == std::string::npos && !stop_) {
          pollfd q{fd, POLLIN, 0};
          if (::poll(&q, 1, 20) <= 0) continue;
          auto n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) break;
          data.append(buf, static_cast<std::size_t>(n));
        }
        if (!stop_) behaviour_(fd);
        ::close(fd);
      });
    }
  });
}

RawServer::~RawServer() {
  stop_ = true;
  thread_.join();
  for (auto& w : workers_) w.join();
  ::close(listen_fd_);
}

void RawServer::write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

void RawServer::reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

int closed_port() {
  int port = 0;
  int fd = listen_on_loopback(port);
  ::close(fd);
  return port;
}

}  // namespace wix::backinstock::test_support
