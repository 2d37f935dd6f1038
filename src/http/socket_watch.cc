#include "socket_watch.h"

#include "tls_idle.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace wix::backinstock::internal {

void SocketWatch::install(CURL* handle) {
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, &SocketWatch::on_open);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, &SocketWatch::on_close);
  curl_easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, this);
}

curl_socket_t SocketWatch::on_open(void* self, curlsocktype /*purpose*/,
                                   struct curl_sockaddr* address) {
  auto* watch = static_cast<SocketWatch*>(self);
  curl_socket_t fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd == CURL_SOCKET_BAD) return fd;
  try {
    std::lock_guard<std::mutex> guard(watch->mutex_);
    watch->unlearned_.push_back(fd);
    watch->sockets_.emplace(fd, Socket{fd});
  } catch (...) {
    ::close(fd);
    return CURL_SOCKET_BAD;
  }
  return fd;
}

int SocketWatch::on_close(void* self, curl_socket_t socket) {
  auto* watch = static_cast<SocketWatch*>(self);
  {
    std::lock_guard<std::mutex> guard(watch->mutex_);
    auto it = watch->sockets_.find(socket);
    if (it != watch->sockets_.end()) {
      const Socket& s = it->second;
      auto known = watch->by_ports_.find(key(s.local_port, s.peer_port));
      if (known != watch->by_ports_.end() && known->second == socket) {
        watch->by_ports_.erase(known);
      }
      watch->sockets_.erase(it);
    }
    auto& unlearned = watch->unlearned_;
    unlearned.erase(std::remove(unlearned.begin(), unlearned.end(), socket), unlearned.end());
  }
  return ::close(socket);
}

namespace {

// The port of a socket address, or -1.
int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return -1;
}

}  // namespace

SocketWatch::Socket* SocketWatch::find(int local_port, int peer_port) {
  auto known = by_ports_.find(key(local_port, peer_port));
  if (known != by_ports_.end()) return &sockets_.at(known->second);
  // Ports are learnt once a socket is connected: look at the sockets not known yet, and keep
  // those still unconnected for later.
  Socket* found = nullptr;
  auto learnt = [&](curl_socket_t fd) {
    Socket& s = sockets_.at(fd);
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_length = sizeof local;
    socklen_t peer_length = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
      return false;
    }
    s.local_port = port_of(local);
    s.peer_port = port_of(peer);
    by_ports_[key(s.local_port, s.peer_port)] = fd;
    if (s.local_port == local_port && s.peer_port == peer_port) found = &s;
    return true;
  };
  unlearned_.erase(std::remove_if(unlearned_.begin(), unlearned_.end(), learnt), unlearned_.end());
  return found;
}

bool SocketWatch::fit_for_request(int local_port, int peer_port, bool* http1, CURL* tls_handle) {
  std::lock_guard<std::mutex> guard(mutex_);
  Socket* found = find(local_port, peer_port);
  *http1 = true;                      // nothing to learn about a socket that is not ours
  if (found == nullptr) return true;  // not a socket of ours: nothing to tell
  *http1 = found->http1;
  if (found->used && !found->multiplexed) {
    if (found->busy > 0 && !found->http1) {
      // A second transfer before the first was answered: streams (HTTP/2), not one exchange.
      found->multiplexed = true;
    } else {
      // Between two requests a clean HTTP/1.x connection has nothing to read: bytes waiting, a
      // close (end of stream) or a reset (error) all mean it must not carry this one. Over TLS
      // 1.3 the bytes may be post-handshake messages only, which carry no HTTP bytes.
      pollfd p{found->fd, POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 0) != 0) {
        const bool only_bytes = p.revents == POLLIN;  // no end of stream, reset or error
        if (!only_bytes || tls_handle == nullptr ||
            !tls_idle_records_are_clean(tls_handle, found->fd)) {
          return false;
        }
      }
      // A transfer still counted has ended inside libcurl, which never runs two at once on an
      // HTTP/1.x connection: it handed the connection on within one pass of a multi handle,
      // before the client saw the first transfer end.
      found->busy = 0;
    }
  }
  found->used = true;
  ++found->busy;
  return true;
}

void SocketWatch::speaks_http1(int local_port, int peer_port) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (Socket* found = find(local_port, peer_port)) found->http1 = true;
}

void SocketWatch::ended(int local_port, int peer_port, long http_version) {
  std::lock_guard<std::mutex> guard(mutex_);
  Socket* found = find(local_port, peer_port);
  if (found == nullptr) return;
  if (found->busy > 0) --found->busy;
  if (http_version >= CURL_HTTP_VERSION_2_0) found->multiplexed = true;
}

}  // namespace wix::backinstock::internal
