// Answers too big or too slow to be honest: a 50 MB body (with and without Content-Length), a head
// that never ends, a body that trickles. Each ends the attempt with a typed TransportError instead
// of buffering without bound or waiting forever.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <future>
#include <thread>

#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

constexpr std::size_t kFiftyMegabytes = std::size_t{50} << 20;
constexpr std::size_t kChunk = std::size_t{64} << 10;

// Sends `chunk` until `total` bytes went out or the peer is gone; true if the peer left early.
bool stream(int fd, const std::string& chunk, std::size_t total) {
  std::size_t sent = 0;
  while (sent < total) {
    auto n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) return true;
    sent += static_cast<std::size_t>(n);
  }
  return false;
}

TransportError::Kind kind_of_failure(Client& client) {
  try {
    client.get_settings();
  } catch (const TransportError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "the call succeeded";
  return TransportError::Kind::kOther;
}

TEST(HugeAnswerTest, FiftyMegabytesWithContentLengthAreRefused) {
  std::promise<bool> peer_left;
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: " +
                                 std::to_string(kFiftyMegabytes) + "\r\n\r\n");
    peer_left.set_value(stream(fd, std::string(kChunk, ' '), kFiftyMegabytes));
    return Then::kClose;
  });
  Client client(test_support::one_attempt_options(server.url()));
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kResponseTooLarge);
  auto left = peer_left.get_future();
  ASSERT_EQ(left.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(left.get()) << "the client read all 50 MB";
}

TEST(HugeAnswerTest, FiftyMegabytesWithoutContentLengthAreRefused) {
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Connection: close\r\n\r\n[");
    stream(fd, std::string(kChunk, '1'), kFiftyMegabytes);
    return Then::kClose;
  });
  Client client(test_support::one_attempt_options(server.url()));
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kResponseTooLarge);
}

TEST(HugeAnswerTest, FiftyMegabytesOfChunkedErrorBodyAreRefused) {
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 500 X\r\nContent-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n");
    std::string data(kChunk, 'x');
    std::string chunk = "10000\r\n" + data + "\r\n";
    stream(fd, chunk, kFiftyMegabytes);
    return Then::kClose;
  });
  Client client(test_support::one_attempt_options(server.url()));
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kResponseTooLarge);
}

TEST(HugeAnswerTest, AHeadThatNeverEndsIsRefused) {
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
    // Short header lines, each well under any per-line limit, 50 MB in all.
    stream(fd, "X-Pad: " + std::string(100, 'p') + "\r\n", kFiftyMegabytes);
    return Then::kClose;
  });
  Client client(test_support::one_attempt_options(server.url()));
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kResponseTooLarge);
}

TEST(SlowAnswerTest, ATricklingBodyIsCutByTheAttemptTimeout) {
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 100000\r\n\r\n");
    // Fast enough for any low-speed rule, far too slow to finish.
    for (int i = 0; i < 100000; ++i) {
      if (::send(fd, " ", 1, MSG_NOSIGNAL) <= 0) break;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return Then::kClose;
  });
  auto options = test_support::one_attempt_options(server.url());
  options.attempt_timeout = milliseconds(700);
  Client client(options);
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kTimeout);
}

TEST(SlowAnswerTest, AStalledBodyIsCutByTheLowSpeedRule) {
  HostileServer server([&](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 100000\r\n\r\n{");
    for (int i = 0; i < 400; ++i) {  // silent for up to 20 s unless the client leaves
      std::this_thread::sleep_for(milliseconds(50));
      char probe;
      if (::recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0) break;
    }
    return Then::kClose;
  });
  CurlTransportOptions transport;
  transport.low_speed_limit_bytes = 1000;
  transport.low_speed_time = std::chrono::seconds(1);
  auto options = test_support::one_attempt_options(server.url());
  options.transport = std::make_shared<CurlTransport>(transport);
  Client client(options);
  EXPECT_EQ(kind_of_failure(client), TransportError::Kind::kTimeout);
}

}  // namespace
}  // namespace wix::backinstock
