// A minimal HTTP/1.1 server for benchmarks: one thread, epoll, keep-alive, answers every request
// with a fixed `200 {}`. It parses just enough (end of head, Content-Length) to find request
// boundaries, so its own cost per request stays far below a libcurl client's.
//
//   loopback_server [PORT [DELAY_MS]]   prints the port it listens on, then serves until killed
//
// With DELAY_MS, each answer is sent that long after its request arrived (a slow service; the
// server stays one thread, so any number of requests wait at once). On SIGTERM it prints the
// number of connections it accepted to stderr before it exits.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>

namespace {

constexpr char kAnswer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
    "x-wix-request-id: bench\r\n\r\n{}";

// Returns the length of the first complete request in `buf`, or 0 if incomplete.
std::size_t complete_request(const std::string& buf) {
  auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  std::size_t body = 0;
  for (std::size_t i = 0; i < end;) {
    auto eol = buf.find("\r\n", i);
    if (eol == std::string::npos || eol > end) break;
    if (eol - i > 15 && strncasecmp(buf.data() + i, "content-length:", 15) == 0) {
      body = std::strtoul(buf.c_str() + i + 15, nullptr, 10);
    }
    i = eol + 2;
  }
  std::size_t total = end + 4 + body;
  return buf.size() >= total ? total : 0;
}

volatile std::sig_atomic_t g_stop = 0;
void on_term(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 0;
  auto delay = std::chrono::milliseconds(argc > 2 ? std::atol(argv[2]) : 0);
  struct sigaction term {};
  term.sa_handler = on_term;
  ::sigaction(SIGTERM, &term, nullptr);
  using Clock = std::chrono::steady_clock;
  std::multimap<Clock::time_point, int> due;  // delayed answers: when, to which connection
  long accepted = 0;
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 1024) != 0) {
    std::perror("listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("%d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, std::string> buffers;
  epoll_event events[256];
  char chunk[65536];
  while (g_stop == 0) {
    int timeout = -1;
    if (!due.empty()) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(due.begin()->first - Clock::now());
      timeout = static_cast<int>(std::max<long>(0, wait.count()));
    }
    int n = ::epoll_wait(ep, events, 256, timeout);
    for (auto now = Clock::now(); !due.empty() && due.begin()->first <= now;) {
      int fd = due.begin()->second;
      due.erase(due.begin());
      if (buffers.count(fd) != 0) (void)!::send(fd, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        for (;;) {
          int c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          ++accepted;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          buffers[c];
        }
        continue;
      }
      auto& buf = buffers[fd];
      bool closed = false;
      for (;;) {
        auto got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got > 0) {
          buf.append(chunk, static_cast<std::size_t>(got));
          continue;
        }
        closed = got == 0;
        break;
      }
      std::string out;
      while (std::size_t used = complete_request(buf)) {
        buf.erase(0, used);
        if (delay.count() > 0) {
          due.emplace(Clock::now() + delay, fd);
        } else {
          out.append(kAnswer, sizeof kAnswer - 1);
        }
      }
      if (!out.empty()) (void)!::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (closed) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        buffers.erase(fd);
      }
    }
  }
  std::fprintf(stderr, "connections=%ld\n", accepted);
  return 0;
}
