#include "hostile_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace wix::backinstock::test_support {

namespace {

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Reads until `data` holds `want` bytes (or the head end when `want` is 0). False when the peer
// left or the server stops.
bool read_more(int fd, std::string& data, const std::atomic<bool>& stop) {
  char buf[16384];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 20);
    if (ready < 0) return false;
    if (ready == 0) continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return false;
}

}  // namespace

std::string WireRequest::header(const std::string& name) const {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    std::size_t start = pos + 2;
    std::size_t end = head.find("\r\n", start);
    std::string line = head.substr(start, end == std::string::npos ? end : end - start);
    auto colon = line.find(':');
    if (colon != std::string::npos && iequals(line.substr(0, colon), name)) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
    pos = end;
  }
  return {};
}

namespace {

// A socket bound to a free loopback port (`port`), not yet listening.
int bind_loopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

int closed_port() {
  int port = 0;
  ::close(bind_loopback(port));
  return port;
}

HostileServer::HostileServer(Script script) : script_(std::move(script)) {
  listen_fd_ = bind_loopback(port_);
  if (::listen(listen_fd_, 128) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("listen");
  }
  acceptor_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      int connection = ++accepted_;
      std::lock_guard<std::mutex> guard(mutex_);
      open_.push_back(fd);
      workers_.emplace_back([this, fd, connection] { serve(fd, connection); });
    }
  });
}

HostileServer::~HostileServer() {
  stop_ = true;
  acceptor_.join();
  for (auto& w : workers_) w.join();
  ::close(listen_fd_);
}

void HostileServer::serve(int fd, int connection) {
  std::string data;
  int index = 0;
  for (;;) {
    std::size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(fd, data, stop_)) {
        close_connection(fd);
        return;
      }
    }
    WireRequest request;
    request.head = data.substr(0, head_end + 2);
    data.erase(0, head_end + 4);
    auto sp1 = request.head.find(' ');
    auto sp2 = request.head.find(' ', sp1 + 1);
    request.method = request.head.substr(0, sp1);
    request.target = request.head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t length = std::strtoull(request.header("Content-Length").c_str(), nullptr, 10);
    while (data.size() < length) {
      if (!read_more(fd, data, stop_)) {
        close_connection(fd);
        return;
      }
    }
    request.body = data.substr(0, length);
    data.erase(0, length);
    request.connection = connection;
    request.index = ++index;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      requests_.push_back(request);
    }
    Then then = script_(fd, request);
    if (then == Then::kKeepAlive) continue;
    if (then == Then::kReset) {
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close_connection(fd);
    return;
  }
}

void HostileServer::close_connection(int fd) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
  }
  ::close(fd);
}

std::size_t HostileServer::write_to_open_connections(const std::string& data) {
  // Under the lock, so that no socket is closed (and its number reused) while it is written.
  std::lock_guard<std::mutex> guard(mutex_);
  for (int fd : open_) write_all(fd, data);
  return open_.size();
}

std::vector<WireRequest> HostileServer::requests() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return requests_;
}

std::size_t HostileServer::count(const std::string& target_prefix,
                                 const std::string& method) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return static_cast<std::size_t>(
      std::count_if(requests_.begin(), requests_.end(), [&](const WireRequest& r) {
        return r.target.compare(0, target_prefix.size(), target_prefix) == 0 &&
               (method.empty() || r.method == method);
      }));
}

void HostileServer::write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string HostileServer::response(int status, const std::string& body,
                                    const std::vector<std::string>& extra_headers, bool close) {
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n";
  for (const auto& h : extra_headers) out += h + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return out + body;
}

Then HostileServer::reply(int fd, int status, const std::string& body,
                          const std::vector<std::string>& extra_headers) {
  write_all(fd, response(status, body, extra_headers));
  return Then::kKeepAlive;
}

std::string nested_arrays(std::size_t depth, const std::string& inner) {
  std::string out(depth, '[');
  out += inner;
  out.append(depth, ']');
  return out;
}

}  // namespace wix::backinstock::test_support
