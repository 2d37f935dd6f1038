#pragma once

// The watch over the kept-alive connections of libcurl easy handles (`SocketWatch`), used by the
// transfers of curl_easy.h. Internal.

#include <curl/curl.h>

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace wix::backinstock::internal {

/// The sockets of one connection cache (a pooled easy handle's, or a multi handle's), so that a
/// kept-alive HTTP/1.x connection is looked at before it carries another request. libcurl 7.88
/// reuses a connection that holds unread bytes (a second, unsolicited answer would be read as the
/// next request's) or whose peer reset it while it idled; such a connection, readable before its
/// next request is sent, is never clean and is not used. Connections that carry several
/// transfers at once or have spoken HTTP/2 are left alone: their frames arrive at any time and
/// belong to streams. Must outlive every handle it watches and the connection caches they use
/// (libcurl closes cached sockets through it).
class SocketWatch {
 public:
  SocketWatch() = default;
  SocketWatch(const SocketWatch&) = delete;
  SocketWatch& operator=(const SocketWatch&) = delete;

  /// Makes `handle` open and close its sockets through this watch.
  void install(CURL* handle);
  /// Before a request goes out on the connection of these ports: true when the connection is new,
  /// multiplexed, or kept alive and clean (no byte waiting, no close or reset by the peer). When
  /// `tls_handle` is the transfer's handle (null: the bytes cannot be looked into), TLS 1.3
  /// post-handshake messages waiting are taken in and leave the connection clean
  /// (tls_idle.h). On true, the connection counts the transfer until `ended`, and `*http1` says
  /// whether the connection is known to speak HTTP/1.x (else the transfer tells `speaks_http1`
  /// when it does).
  bool fit_for_request(int local_port, int peer_port, bool* http1, CURL* tls_handle);
  /// The connection answered with an HTTP/1.x status line: it carries one exchange at a time.
  void speaks_http1(int local_port, int peer_port);
  /// A transfer admitted by `fit_for_request` ended, having spoken `http_version`
  /// (`CURL_HTTP_VERSION_*`, 0 when unknown).
  void ended(int local_port, int peer_port, long http_version);

 private:
  static curl_socket_t on_open(void* self, curlsocktype purpose, struct curl_sockaddr* address);
  static int on_close(void* self, curl_socket_t socket);

  struct Socket {
    curl_socket_t fd;
    int local_port = 0;  // 0: not known yet
    int peer_port = 0;
    bool used = false;         // has carried a request
    int busy = 0;              // transfers admitted and not yet `ended`
    bool http1 = false;        // answered in HTTP/1.x: one exchange at a time
    bool multiplexed = false;  // HTTP/2, or two transfers at once: not watched
  };
  Socket* find(int local_port, int peer_port);  // with `mutex_` held
  static std::uint32_t key(int local_port, int peer_port) {
    return (static_cast<std::uint32_t>(local_port) << 16) | static_cast<std::uint32_t>(peer_port);
  }
  std::mutex mutex_;  // guards the three below
  std::unordered_map<curl_socket_t, Socket> sockets_;
  std::unordered_map<std::uint32_t, curl_socket_t> by_ports_;  // sockets whose ports are known
  std::vector<curl_socket_t> unlearned_;  // sockets whose ports are not known yet
};

}  // namespace wix::backinstock::internal
