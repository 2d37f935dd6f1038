// A local HTTPS server for the TLS benchmark: answers every request with `200 {}` over keep-alive
// connections and counts TLS handshakes (one per connection; resumed ones counted apart).
//
//   tls_server CERT KEY      prints the port it listens on, serves until SIGTERM or SIGINT, then
//                            prints "handshakes=N resumed=M" to stderr

#include <openssl/ssl.h>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <httplib.h>

namespace {

std::atomic<long> g_handshakes{0};
std::atomic<long> g_resumed{0};

// Counts each connection's first completed handshake (TLS 1.3 may report more events later).
void on_info(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  auto* mutable_ssl = const_cast<SSL*>(ssl);
  if (SSL_get_app_data(mutable_ssl) != nullptr) return;
  static char counted;
  SSL_set_app_data(mutable_ssl, &counted);
  ++g_handshakes;
  if (SSL_session_reused(mutable_ssl) != 0) ++g_resumed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tls_server CERT KEY\n");
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  httplib::SSLServer server(argv[1], argv[2]);
  if (!server.is_valid()) {
    std::fprintf(stderr, "tls_server: cannot load the certificate or key\n");
    return 1;
  }
  SSL_CTX_set_info_callback(server.ssl_context(), &on_info);
  server.new_task_queue = [] { return new httplib::ThreadPool(300); };  // a thread per connection
  server.set_keep_alive_max_count(1000000);
  server.set_tcp_nodelay(true);
  server.set_keep_alive_timeout(60);
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-wix-request-id", "bench");
    res.set_content("{}", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::printf("%d\n", port);
  std::fflush(stdout);
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop, &signal);
    server.stop();
  });
  server.listen_after_bind();
  waiter.join();
  std::fprintf(stderr, "handshakes=%ld resumed=%ld\n", g_handshakes.load(), g_resumed.load());
  return 0;
}
