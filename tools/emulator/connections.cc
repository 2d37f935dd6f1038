#include "connections.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace wix::backinstock::emulator::detail {

namespace {

using Clock = std::chrono::steady_clock;

// A worker waits this long for the next request on its connection before parking it.
constexpr auto kLinger = std::chrono::milliseconds(2);

thread_local HeadNote t_note;

}  // namespace

HeadNote& current_head_note() { return t_note; }

ConnectionServer::ConnectionServer(const ConnectionLimits& limits) : limits_(limits) {
  std::size_t threads = std::max<std::size_t>(limits_.threads, 2);
  new_task_queue = [this, threads] {
    auto* pool = new httplib::ThreadPool(threads);
    pool_ = pool;
    return pool;
  };
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
}

ConnectionServer::~ConnectionServer() {
  close_connections();
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

void ConnectionServer::close_connections() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
    for (int fd : active_) ::shutdown(fd, SHUT_RDWR);
  }
  if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
  if (poller_.joinable()) poller_.join();
  std::vector<std::unique_ptr<Connection>> left;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    left.swap(parked_);
  }
  for (auto& connection : left) close(std::move(connection));
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  if (open_.fetch_add(1) >= limits_.max_connections) {
    // Over the bound: closed at once, so that file descriptors and memory stay bounded.
    open_.fetch_sub(1);
    ::close(sock);
    return true;
  }
  serve(std::make_unique<Connection>(sock, limits_));
  return true;
}

void ConnectionServer::serve(std::unique_ptr<Connection> connection) {
  int fd = connection->fd;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (stopping_) {
      close(std::move(connection));
      return;
    }
    active_.insert(fd);
  }
  auto park_here = [&] {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      active_.erase(fd);
    }
    park(std::move(connection));
  };
  for (;;) {
    if (stopping_) break;
    // An answer the client has not taken yet is written by the poller: a client that does not
    // read holds no worker (and its next request waits until it does).
    if (connection->output_pending()) return park_here();
    if (connection->buffered() == 0) {
      if (connection->eof) break;  // nothing more will come
      int ready = wait_for(fd, POLLIN, kLinger);
      if (ready < 0) break;
      if (ready > 0 && !connection->read_available()) break;
    }
    // Only a request that arrived whole is served: a slow client waits in the poller, never in a
    // worker (connections.h). One that ended its stream (a half-close) after a whole request is
    // answered; one that ended it mid-request never will be.
    if (!connection->request_ready()) {
      if (connection->eof) break;
      return park_here();
    }
    HeadNote& note = t_note;
    bool close_after = false;
    if (!connection->prepare(note, close_after)) break;
    // The Keep-Alive header's `max` is kept: the last request a connection may carry closes it.
    if (static_cast<std::size_t>(connection->requests_served) >= limits_.max_requests) {
      close_after = true;
    }
    // Bytes already here (a body, a pipelined request) start the clock of what follows.
    connection->request_started = connection->buffered() > 0 ? Clock::now() : Clock::time_point{};
    bool closed = false;
    bool parsed = false;  // false: cpp-httplib refused the request itself
    bool written = process_request(*connection, close_after, closed, [&](httplib::Request& r) {
      parsed = true;
      if (!note.target.empty()) r.target = note.target;
      for (const auto& [name, value] : note.long_headers) r.headers.emplace(name, value);
    });
    if (!parsed) break;  // every error of the HTTP layer closes the connection
    if (close_after) {
      if (note.refuse_status != 0) {
        connection->flush_waiting();  // the answer first, then what the client still sends
        connection->drain();
      }
      break;
    }
    if (!written || closed) break;
  }
  if (connection->output_pending() && !stopping_) {
    connection->close_when_flushed = true;  // the poller writes the rest, then closes
    return park_here();
  }
  {
    std::lock_guard<std::mutex> guard(mutex_);
    active_.erase(fd);
  }
  close(std::move(connection));
}

void ConnectionServer::park(std::unique_ptr<Connection> connection) {
  connection->idle_since = Clock::now();
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!stopping_ && wake_[0] >= 0) {
      parked_.push_back(std::move(connection));
      if (!poller_started_) {
        poller_started_ = true;
        poller_ = std::thread([this] { poll_idle(); });
      }
    }
  }
  if (connection) {
    close(std::move(connection));
    return;
  }
  (void)!::write(wake_[1], "x", 1);
}

void ConnectionServer::poll_idle() {
  std::vector<std::unique_ptr<Connection>> idle;  // owned by this thread
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (stopping_) break;
      for (auto& connection : parked_) idle.push_back(std::move(connection));
      parked_.clear();
    }
    fds.assign(1, pollfd{wake_[0], POLLIN, 0});
    for (const auto& connection : idle) {
      // While an answer waits, nothing more is read: a client that sends without reading is
      // held back by its own TCP window, not buffered here.
      const short events = connection->output_pending() ? POLLOUT : POLLIN;
      fds.push_back(pollfd{connection->fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char sink[64];
      while (::read(wake_[0], sink, sizeof sink) > 0) {
      }
    }
    auto now = Clock::now();
    std::vector<std::unique_ptr<Connection>> still;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      auto& connection = idle[i];
      const short revents = fds[i + 1].revents;
      if (connection->output_pending() && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
        if (!connection->flush_available()) {
          close(std::move(connection));
          continue;
        }
        connection->idle_since = now;  // the client is reading: its answer is making progress
      }
      if ((revents & POLLIN) != 0 && !connection->eof && !connection->read_available()) {
        close(std::move(connection));  // the connection failed
        continue;
      }
      if (connection->output_pending()) {
        // An answer the client does not take within the idle timeout ends the connection.
        if (now - connection->idle_since >= limits_.idle_timeout) {
          close(std::move(connection));
        } else {
          still.push_back(std::move(connection));
        }
        continue;
      }
      if (connection->close_when_flushed) {
        close(std::move(connection));
        continue;
      }
      if (connection->buffered() > 0 && connection->request_ready()) {
        auto* pool = pool_.load();
        if (pool == nullptr || stopping_) {
          close(std::move(connection));
          continue;
        }
        pool->enqueue(
            [this, raw = connection.release()] { serve(std::unique_ptr<Connection>(raw)); });
      } else if (connection->eof || connection->overdue(now) ||
                 (connection->buffered() == 0 &&
                  now - connection->idle_since >= limits_.idle_timeout)) {
        // The client ended its stream without a whole request, a request too slow to arrive, or
        // an idle connection.
        close(std::move(connection));
      } else {
        still.push_back(std::move(connection));
      }
    }
    idle.swap(still);
  }
  for (auto& connection : idle) close(std::move(connection));
}

void ConnectionServer::close(std::unique_ptr<Connection> connection) {
  if (!connection) return;
  ::shutdown(connection->fd, SHUT_RDWR);
  ::close(connection->fd);
  open_.fetch_sub(1);
}

}  // namespace wix::backinstock::emulator::detail
