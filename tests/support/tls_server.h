#pragma once

// A TLS 1.3 peer on raw sockets and OpenSSL, with a certificate of its own made at start (written
// to a file a client can trust as its CA). It answers every request `200 {}` on kept-alive
// connections (or with the body it is given) and, after each answer, may write TLS records on the
// idle connection: a session ticket, a key update, a second answer nobody asked for, or a
// close_notify. It counts the handshakes it completed, so a test can tell how many connections the
// calls cost.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wix::backinstock::test_support {

/// What the server writes on a connection after each answer, once the answer is written.
enum class AfterAnswer {
  kNothing,
  kSessionTicket,  ///< a NewSessionTicket message (no application data)
  kKeyUpdate,      ///< a KeyUpdate asking the client to update its keys too
  kUnsolicited,    ///< a second `200` answer, as application data
  kCloseNotify,    ///< a close_notify alert; the TCP connection stays open
};

class TlsServer {
 public:
  explicit TlsServer(AfterAnswer after, std::string body = "{}");
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  /// A PEM file holding the server's self-signed certificate (valid for 127.0.0.1).
  const std::string& ca_file() const { return ca_file_; }
  /// Handshakes completed so far (one per connection).
  int handshakes() const { return handshakes_.load(); }
  /// Requests answered so far.
  int answered() const { return answered_.load(); }
  /// The request target of every request answered, in order.
  std::vector<std::string> targets() const;
  /// Times the `AfterAnswer` records were written in full (after the answer they follow).
  int after_written() const { return after_written_.load(); }
  /// Waits (up to 10 s) until `after_written()` reaches `n`; false if it did not.
  bool wait_after_written(int n) const;

 private:
  void serve(int fd);

  AfterAnswer after_;
  std::string body_;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::string ca_file_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  std::atomic<int> answered_{0};
  std::atomic<int> after_written_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;  // guards the three below
  std::vector<std::string> targets_;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
};

}  // namespace wix::backinstock::test_support
