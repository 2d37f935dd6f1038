// The corners of HTTP/1.1 that integration and load tests reach, seen from raw sockets: Host
// validated (RFC 9112 §3.2), a half-closed client still answered, `Expect: 100-continue`
// honoured (RFC 9110 §10.1.1), chunk extensions and trailers bounded, the last transfer coding
// judged (RFC 9112 §6.3), `Keep-Alive: max` counting down, queries bounded in their sort, clients
// that never read their answers holding no worker, and memory that comes back after a reset.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "emulator_fixture.h"
#include "raw_client.h"
#include "wix/backinstock/backinstock.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WIX_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WIX_SANITIZED 1
#endif
#endif

#ifdef WIX_SANITIZED
// The sanitizers' runtime counts what is allocated (GCC ships no header declaring it).
extern "C" std::size_t
__sanitizer_get_current_allocated_bytes();  // NOLINT(bugprone-reserved-identifier,readability-identifier-naming)
#endif

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::Answer;
using test_support::RawClient;

constexpr char kOutbox[] = "/_emulator/outbox";
constexpr char kSettings[] =
    "/back-in-stock-service/v1/back-in-stock-notification-requests/settings";
constexpr char kQuery[] = "/back-in-stock-service/v1/back-in-stock-notification-requests/query";
constexpr char kAuth[] = "Authorization: test-key\r\nwix-site-id: site-1\r\n";

std::string get_with_host(const std::string& host) {
  return std::string("GET ") + kOutbox + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
}

std::string put_settings(const std::string& framing, const std::string& body) {
  return std::string("PUT ") + kSettings + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth +
         "Content-Type: application/json\r\n" + framing + "\r\n" + body;
}

class HttpCornersTest : public test_support::EmulatorFixture {
 protected:
  // One answer, then the connection closed; `bytes` may be cut short by the close (a client that
  // kept sending into a refused request).
  Answer refused(const std::string& bytes) {
    RawClient raw(emulator_->port());
    std::thread sender([&] { raw.send(bytes); });
    auto answer = raw.read_answer(milliseconds(10'000));
    bool closed = answer && raw.closed_by_peer(milliseconds(10'000));
    ::shutdown(raw.fd(), SHUT_RDWR);  // ends a send still blocked
    sender.join();
    if (!answer) return Answer{};
    EXPECT_TRUE(closed) << "the connection stayed open after " << answer->status;
    return *answer;
  }
};

TEST_F(HttpCornersTest, AnInvalidHostIsRefusedWith400) {
  for (const std::string host : {"a b", "x:abc", "a/b", "user@x", "[::1", "[zz]", "a\"b", "a?b",
                                 "a#b", "[::1]x", "x:1:2", "%zz"}) {
    SCOPED_TRACE(host);
    EXPECT_EQ(refused(get_with_host(host)).status, 400);
  }
}

TEST_F(HttpCornersTest, AValidHostIsServed) {
  for (const std::string host :
       {"localhost", "127.0.0.1:8080", "[::1]:80", "[::1]", "example.com", "a-b.example.",
        "x:", "%41.example", "sub_delims!$&'()*+,;=", ""}) {
    SCOPED_TRACE(host);
    RawClient raw(emulator_->port());
    raw.send(get_with_host(host));
    auto answer = raw.read_answer();
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->status, 200) << answer->body;
  }
}

TEST_F(HttpCornersTest, AClientThatHalfClosesAfterACompleteRequestIsAnswered) {
  for (int i = 0; i < 20; ++i) {
    RawClient raw(emulator_->port());
    raw.send(get_with_host("localhost"));
    raw.finish_sending();
    auto answer = raw.read_answer();
    ASSERT_TRUE(answer.has_value()) << "try " << i;
    EXPECT_EQ(answer->status, 200);
    EXPECT_TRUE(raw.closed_by_peer()) << "try " << i;
  }
  // Two pipelined requests, then the half-close: both answered.
  RawClient raw(emulator_->port());
  raw.send(get_with_host("localhost") + get_with_host("localhost"));
  raw.finish_sending();
  for (int n = 0; n < 2; ++n) {
    auto answer = raw.read_answer();
    ASSERT_TRUE(answer.has_value()) << "answer " << n;
    EXPECT_EQ(answer->status, 200);
  }
}

TEST_F(HttpCornersTest, Expect100ContinueIsAnsweredWhenTheHeadIsAccepted) {
  RawClient raw(emulator_->port());
  const std::string body = R"({"collectionEnabled":true})";
  raw.send(put_settings(
      "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n", ""));
  auto interim = raw.read_answer(milliseconds(10'000));
  ASSERT_TRUE(interim.has_value()) << "no 100 Continue before the body was sent";
  EXPECT_EQ(interim->status, 100);
  raw.send(body);
  auto final_answer = raw.read_answer();
  ASSERT_TRUE(final_answer.has_value());
  EXPECT_EQ(final_answer->status, 200) << final_answer->body;
  // Only one interim answer, none more.
  raw.send(get_with_host("localhost"));
  auto next = raw.read_answer();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpCornersTest, Expect100ContinueOfARefusedHeadGetsTheFinalStatusAtOnce) {
  RawClient raw(emulator_->port());
  raw.send(put_settings("Expect: 100-continue\r\nContent-Length: 99999999\r\n", ""));
  auto answer = raw.read_answer(milliseconds(10'000));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 413);
}

TEST_F(HttpCornersTest, ChunkTrailersAreBoundedLikeTheHead) {
  std::string trailers;
  while (trailers.size() < (std::size_t{2} << 20))
    trailers += "X-Trailer: " + std::string(100, 'a') + "\r\n";
  auto answer =
      refused(put_settings("Transfer-Encoding: chunked\r\n", "0\r\n" + trailers + "\r\n"));
  EXPECT_GE(answer.status, 400);
  EXPECT_LT(answer.status, 500);
}

TEST_F(HttpCornersTest, ChunkExtensionsAreBounded) {
  std::string chunks;
  const std::string extension = ";name=" + std::string(1000, 'e');
  while (chunks.size() < (std::size_t{2} << 20)) chunks += "1" + extension + "\r\n \r\n";
  auto answer = refused(put_settings("Transfer-Encoding: chunked\r\n", chunks + "0\r\n\r\n"));
  EXPECT_GE(answer.status, 400);
  EXPECT_LT(answer.status, 500);
}

TEST_F(HttpCornersTest, ChunkedMustBeTheFinalTransferCoding) {
  EXPECT_EQ(refused(put_settings("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n")).status, 400);
  EXPECT_EQ(refused(put_settings("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
                                 "0\r\n\r\n"))
                .status,
            400);
  // The final coding is chunked, an earlier one is not served: 501.
  EXPECT_EQ(refused(put_settings("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")).status, 501);
}

TEST_F(HttpCornersTest, KeepAliveMaxCountsDownTheRequestsLeft) {
  RawClient raw(emulator_->port());
  raw.send(get_with_host("localhost") + get_with_host("localhost") + get_with_host("localhost"));
  for (int i = 1; i <= 3; ++i) {
    auto answer = raw.read_answer();
    ASSERT_TRUE(answer.has_value());
    const std::string expected = "Keep-Alive: timeout=5, max=" + std::to_string(1000 - i);
    EXPECT_NE(answer->head.find(expected), std::string::npos) << answer->head;
  }
}

TEST_F(HttpCornersTest, APortThatCannotBeBoundSaysWhy) {
  emulator::EmulatorOptions options;
  options.port = emulator_->port();  // in use by the fixture's emulator
  emulator::Emulator second(options);
  try {
    second.start();
    ADD_FAILURE() << "a port in use was bound";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
  }
}

TEST_F(HttpCornersTest, ASortIsBoundedInItsKeys) {
  std::string sort = "[";
  for (int i = 0; i < 5000; ++i) sort += std::string(i ? "," : "") + R"({"fieldName":"status"})";
  sort += "]";
  const std::string body = R"({"query":{"sort":)" + sort + "}}";
  RawClient raw(emulator_->port());
  raw.send(std::string("POST ") + kQuery + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth +
           "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
  auto answer = raw.read_answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("query.sort"), std::string::npos) << answer->body;
}

// Clients that pipeline requests and never read the answers, with a small receive window: their
// answers fill the socket buffers. A new client is still answered (a hang guard, not a timing).
class NonReadingClientsTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.threads = 4;
    return o;
  }
  NonReadingClientsTest() : EmulatorFixture(options()) {}
};

int stalled_client(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return fd;
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  return fd;
}

TEST_F(NonReadingClientsTest, ANewClientIsAnsweredWhileOthersNeverRead) {
  RawClient seeder(emulator_->port());
  const std::string seed = R"({"count":500})";
  seeder.send(std::string("POST /_emulator/seed HTTP/1.1\r\nHost: localhost\r\nContent-Length: ") +
              std::to_string(seed.size()) + "\r\n\r\n" + seed);
  ASSERT_TRUE(seeder.read_answer().has_value());
  // Every answer is the whole store (about 190 KB): more than the socket buffers hold with the
  // client's small window. Before, each such client held a worker for the write timeout (5 s):
  // 12 of them on 4 workers kept a new client waiting 15 s.
  std::string pipelined;
  for (int i = 0; i < 4; ++i) {
    pipelined += "GET /_emulator/requests HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }
  std::vector<int> stalled;
  for (int i = 0; i < 12; ++i) stalled.push_back(stalled_client(emulator_->port(), pipelined));
  std::this_thread::sleep_for(milliseconds(500));  // their answers are being written
  RawClient fresh(emulator_->port());
  fresh.send(get_with_host("localhost"));
  auto answer = fresh.read_answer(milliseconds(10'000));  // a hang guard, generous for sanitizers
  EXPECT_TRUE(answer.has_value()) << "a new client waited for the workers held by non-readers";
  for (int fd : stalled) ::close(fd);
}

// The resident set of this process, in MB.
[[maybe_unused]] double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

// What the process holds: RSS, or under a sanitizer (whose allocator keeps freed memory for a
// while) the bytes allocated and not freed.
double held_mb() {
#ifdef WIX_SANITIZED
  return static_cast<double>(__sanitizer_get_current_allocated_bytes()) / 1e6;
#else
  return resident_mb();
#endif
}

TEST_F(HttpCornersTest, MemoryComesBackAfterAReset) {
  auto post = [&](const std::string& path, const std::string& body) {
    RawClient raw(emulator_->port());
    raw.send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body);
    auto answer = raw.read_answer(milliseconds(60'000));
    ASSERT_TRUE(answer.has_value()) << path;
    ASSERT_EQ(answer->status, 200) << answer->body;
  };
  const double start = held_mb();
  double after_first_seed = 0;
  std::vector<double> after_reset;
  for (int cycle = 0; cycle < 3; ++cycle) {
    // Each seed on a new connection: served by whichever worker is free.
    post("/_emulator/seed", R"({"count":200000})");
    if (cycle == 0) after_first_seed = held_mb();
    post("/_emulator/reset", "");
    after_reset.push_back(held_mb());
  }
  const double seeded = after_first_seed - start;
  ASSERT_GT(seeded, 20) << "the seed did not cost memory: nothing measured";
  for (std::size_t i = 0; i < after_reset.size(); ++i) {
    EXPECT_LT(after_reset[i] - start, seeded / 4)
        << "after reset " << i + 1 << ": " << after_reset[i] << " MB, start " << start
        << " MB, one seed " << seeded << " MB";
  }
}

}  // namespace
}  // namespace wix::backinstock
