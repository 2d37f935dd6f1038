#include "tls_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace wix::backinstock::test_support {

struct TlsServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("tls_server: ") + what);
}

// A P-256 key and a self-signed certificate for 127.0.0.1, valid for a day.
void make_identity(SSL_CTX* ctx, const std::string& pem_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key != nullptr, "key generation");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::rand() % 100000 + 1));
  X509_set_version(cert, 2);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "certificate extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  check(X509_sign(cert, key, EVP_sha256()) > 0, "certificate signature");
  check(SSL_CTX_use_certificate(ctx, cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1,
        "certificate and key");
  FILE* out = std::fopen(pem_path.c_str(), "w");
  check(out != nullptr, "CA file");
  PEM_write_X509(out, cert);
  std::fclose(out);
  X509_free(cert);
  EVP_PKEY_free(key);
}

// Reads one request (head, then a Content-Length body) and returns its target; false when the peer
// is gone.
bool read_request(SSL* ssl, std::string& buffer, std::string& target) {
  std::size_t head_end;
  char chunk[4096];
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  std::string head = buffer.substr(0, head_end);
  auto space = head.find(' ');
  target = head.substr(space + 1, head.find(' ', space + 1) - space - 1);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t length = 0;
  if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) {
    length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
  }
  std::size_t total = head_end + 4 + length;
  while (buffer.size() < total) {
    int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  buffer.erase(0, total);
  return true;
}

bool write_all(SSL* ssl, const std::string& data) {
  return SSL_write(ssl, data.data(), static_cast<int>(data.size())) ==
         static_cast<int>(data.size());
}

std::string answer(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Internal Server Error") +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

}  // namespace

TlsServer::TlsServer(AfterAnswer after, std::string body)
    : after_(after), body_(std::move(body)), tls_(std::make_unique<Tls>()) {
  char path[] = "/tmp/wix-tls-ca-XXXXXX.pem";
  int file = ::mkstemps(path, 4);
  check(file >= 0, "temporary file");
  ::close(file);
  ca_file_ = path;
  tls_->ctx = SSL_CTX_new(TLS_server_method());
  check(tls_->ctx != nullptr, "context");
  SSL_CTX_set_min_proto_version(tls_->ctx, TLS1_3_VERSION);
  SSL_CTX_set_num_tickets(tls_->ctx, 0);  // tickets only when the script sends them
  make_identity(tls_->ctx, ca_file_);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "bind");
  check(::listen(listen_fd_, 64) == 0, "listen");
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] {
    while (!stop_.load()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int nodelay = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
      std::lock_guard<std::mutex> guard(mutex_);
      open_fds_.push_back(fd);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

TlsServer::~TlsServer() {
  stop_.store(true);
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // ends every blocked read
    connections.swap(connections_);
  }
  for (auto& t : connections) t.join();
  for (int fd : open_fds_) ::close(fd);
  ::close(listen_fd_);
  std::remove(ca_file_.c_str());
}

std::vector<std::string> TlsServer::targets() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return targets_;
}

bool TlsServer::wait_after_written(int n) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (after_written_.load() < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void TlsServer::serve(int fd) {
  SSL* ssl = SSL_new(tls_->ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    ++handshakes_;
    std::string buffer;
    std::string target;
    while (!stop_.load() && read_request(ssl, buffer, target)) {
      {
        std::lock_guard<std::mutex> guard(mutex_);
        targets_.push_back(target);
      }
      if (!write_all(ssl, answer(200, body_))) break;
      ++answered_;
      bool keep = true;
      switch (after_) {
        case AfterAnswer::kNothing:
          break;
        case AfterAnswer::kSessionTicket:
          keep = SSL_new_session_ticket(ssl) == 1 && SSL_do_handshake(ssl) == 1;
          break;
        case AfterAnswer::kKeyUpdate:
          keep = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 && SSL_do_handshake(ssl) == 1;
          break;
        case AfterAnswer::kUnsolicited:
          keep = write_all(ssl, answer(500, R"({"message":"an answer nobody asked for"})"));
          break;
        case AfterAnswer::kCloseNotify:
          SSL_shutdown(ssl);
          keep = false;
          break;
      }
      ++after_written_;
      if (!keep) break;
    }
  }
  ERR_clear_error();
  // The client decides when the connection ends (a FIN, or the destructor's shutdown).
  char byte;
  while (!stop_.load() && ::recv(fd, &byte, 1, 0) > 0) {
  }
  SSL_free(ssl);
}

}  // namespace wix::backinstock::test_support
