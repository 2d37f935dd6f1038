// The emulator's HTTP framing, seen from raw sockets: one answer per request, every error of the
// HTTP layer closes the connection, ambiguous framing is refused (no request smuggled behind
// another), and what RFC 9112 allows (leading empty lines, absolute-form targets, HEAD, OPTIONS *,
// HTTP/1.0 keep-alive, long header lines, chunked bodies with trailers) is served.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator_fixture.h"
#include "raw_client.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using std::chrono::milliseconds;
using test_support::Answer;
using test_support::RawClient;

constexpr char kSettings[] =
    "/back-in-stock-service/v1/back-in-stock-notification-requests/settings";
constexpr char kOutbox[] = "/_emulator/outbox";
constexpr char kAuth[] = "Authorization: test-key\r\nwix-site-id: site-1\r\n";

// Every request line logged, to check what a refused request is logged as.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  bool contains(const std::string& text) {
    std::lock_guard<std::mutex> guard(mutex);
    for (const auto& line : lines) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
};
LogLines& log_lines() {
  static LogLines lines;
  return lines;
}

class FramingTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.max_body_bytes = 1 << 20;
    o.request_log = [](const std::string& line) {
      std::lock_guard<std::mutex> guard(log_lines().mutex);
      log_lines().lines.push_back(line);
    };
    return o;
  }
  FramingTest() : EmulatorFixture(options()) {}

  // Sends `bytes` on a new connection; every answer until the connection closes or nothing more
  // comes for a while (at most six: an endless stream of answers fails the caller).
  struct Exchange {
    std::vector<Answer> answers;
  };
  Exchange exchange(const std::string& bytes) {
    RawClient raw(emulator_->port());
    Exchange out;
    EXPECT_TRUE(raw.connected());
    raw.send(bytes);
    while (auto answer = raw.read_answer(milliseconds(3000))) {
      out.answers.push_back(*answer);
      if (out.answers.size() > 5) break;  // endless answers: enough to fail
    }
    return out;
  }

  // One answer with `status`, and the connection closed after it.
  void expect_refused(const std::string& bytes, int status, const char* what) {
    auto result = exchange(bytes);
    ASSERT_EQ(result.answers.size(), 1u) << what;
    EXPECT_EQ(result.answers[0].status, status) << what << ": " << result.answers[0].body;
    EXPECT_TRUE(result.answers[0].json_body().contains("message")) << what;
    RawClient raw(emulator_->port());
    raw.send(bytes);
    ASSERT_TRUE(raw.read_answer(milliseconds(3000)).has_value()) << what;
    EXPECT_TRUE(raw.closed_by_peer()) << what << ": the connection stayed open";
  }
};

// A GET the emulator answers 200 (its outbox).
std::string settings_get(const std::string& extra = "") {
  return std::string("GET ") + kOutbox + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth + extra +
         "\r\n";
}

std::string settings_put(const std::string& framing, const std::string& body) {
  return std::string("PUT ") + kSettings + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth +
         "Content-Type: application/json\r\n" + framing + "\r\n" + body;
}

TEST_F(FramingTest, AHeadTheLibraryWouldRefuseGetsOneAnswerAndTheConnectionCloses) {
  expect_refused("get / HTTP/1.1\r\nHost: localhost\r\n\r\n", 501, "lowercase method");
  expect_refused("get / HTTP/1.1\r\n\r\n", 501, "lowercase method, no Host");
  expect_refused("GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "space in the target");
  expect_refused("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "the h2c preface");
  expect_refused(std::string("GET / HTTP/1.1\r\nHost: local") + '\0' + "host\r\n\r\n", 400,
                 "NUL in a header");
  expect_refused(std::string("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400, "bare CR");
  expect_refused("GET / HTP/1.1\r\nHost: localhost\r\n\r\n", 400, "malformed version");
  expect_refused("GET /\r\n\r\n", 400, "no version");
}

TEST_F(FramingTest, EmptyLinesBeforeARequestAreIgnored) {
  auto alone = exchange("\r\n\r\n");
  EXPECT_TRUE(alone.answers.empty()) << alone.answers.size() << " answers to empty lines";
  RawClient raw(emulator_->port());
  raw.send("\r\n\r\n" + settings_get() + settings_get());
  auto first = raw.read_answer();
  auto second = raw.read_answer();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_FALSE(raw.read_answer(milliseconds(300)).has_value()) << "an extra answer";
}

TEST_F(FramingTest, AmbiguousFramingIsRefusedAndNothingIsSmuggled) {
  const std::string smuggled = settings_get();
  const std::string body = "{}";
  expect_refused(settings_put("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                              "2\r\n{}\r\n0\r\n\r\n" + smuggled),
                 400, "Content-Length and Transfer-Encoding");
  expect_refused(settings_put("Content-Length: 2\r\nContent-Length: 40\r\n", body + smuggled), 400,
                 "two Content-Lengths");
  for (const char* length : {"+2", "2abc", "0x2", "-2", ""}) {
    expect_refused(settings_put(std::string("Content-Length: ") + length + "\r\n", body), 400,
                   length);
  }
  for (const char* size : {"0x2", " +2", "+2", "2 "}) {
    expect_refused(
        settings_put("Transfer-Encoding: chunked\r\n", std::string(size) + "\r\n{}\r\n0\r\n\r\n"),
        400, size);
  }
  expect_refused(settings_put("Transfer-Encoding: chunked\r\n", "2\r\n{}XX0\r\n\r\n"), 400,
                 "no CRLF after chunk data");
  expect_refused(
      settings_put("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
      400, "chunked twice");
  expect_refused(settings_put("Content-Length : 2\r\n", body), 400, "space before the colon");
  expect_refused("GET / HTTP/1.1\r\n\r\n", 400, "no Host");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "obsolete line folding");
}

TEST_F(FramingTest, UnknownCodingsAndHugeLengthsAreAnsweredAtOnce) {
  // Answered without waiting for a body that will not come.
  // Without chunked last the length of the body cannot be known (RFC 9112 §6.3).
  expect_refused(settings_put("Transfer-Encoding: identity\r\n", ""), 400, "identity");
  expect_refused(settings_put("Transfer-Encoding: gzip, chunked\r\n", ""), 501, "gzip, chunked");
  expect_refused(settings_put("Content-Length: 12345678901234567890\r\n", ""), 413, "20 digits");
}

TEST_F(FramingTest, ChunkedBodiesWithTrailersAreServedAndCountedAgainstTheLimit) {
  RawClient raw(emulator_->port());
  raw.send(settings_put("Transfer-Encoding: chunked\r\n",
                        "1;ext=1\r\n{\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n") +
           settings_get());
  auto first = raw.read_answer();
  auto second = raw.read_answer();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(second->status, 200) << second->body;

  // 2 MiB in 64 KiB chunks against a 1 MiB limit: refused, never held whole.
  std::string chunked;
  for (int i = 0; i < 32; ++i) chunked += "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  chunked += "0\r\n\r\n";
  expect_refused(settings_put("Transfer-Encoding: chunked\r\n", chunked), 413,
                 "chunked over limit");
}

TEST_F(FramingTest, WhatRfc9112AllowsIsServed) {
  // Absolute form.
  auto absolute =
      exchange(std::string("GET http://localhost") + kOutbox + " HTTP/1.1\r\nHost: localhost\r\n" +
               kAuth + "Connection: close\r\n\r\n");
  ASSERT_EQ(absolute.answers.size(), 1u);
  EXPECT_EQ(absolute.answers[0].status, 200) << absolute.answers[0].body;
  // OPTIONS *.
  auto options = exchange("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(options.answers.size(), 1u);
  EXPECT_EQ(options.answers[0].status, 204);
  EXPECT_NE(options.answers[0].head.find("Allow: "), std::string::npos);
  // HEAD: the head of the GET answer, no body.
  {
    RawClient raw(emulator_->port());
    raw.send(std::string("HEAD ") + kOutbox + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth + "\r\n" +
             settings_get());
    auto head = raw.read_answer(milliseconds(3000), /*with_body=*/false);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, 200);
    auto next = raw.read_answer();
    ASSERT_TRUE(next.has_value()) << "the HEAD answer carried a body";
    EXPECT_EQ(next->status, 200);
  }
  // HTTP/1.2 is read as HTTP/1.1.
  auto minor = exchange(std::string("GET ") + kOutbox + " HTTP/1.2\r\nHost: localhost\r\n" + kAuth +
                        "Connection: close\r\n\r\n");
  ASSERT_EQ(minor.answers.size(), 1u);
  EXPECT_EQ(minor.answers[0].status, 200);
  // A header line over 8 KiB (the README promises 64 KiB of headers).
  auto long_line = exchange(
      settings_get("X-Long: " + std::string(20000, 'l') + "\r\n" + "Connection: close\r\n"));
  ASSERT_EQ(long_line.answers.size(), 1u);
  EXPECT_EQ(long_line.answers[0].status, 200) << long_line.answers[0].body;
}

TEST_F(FramingTest, ConnectionHeadersAreReadAsTheRfcSaysInAnySpelling) {
  for (const char* close :
       {"Connection: close\r\n", "Connection: CLOSE\r\n", "connection: keep-alive, Close\r\n"}) {
    RawClient raw(emulator_->port());
    raw.send(settings_get(close));
    ASSERT_TRUE(raw.read_answer().has_value()) << close;
    EXPECT_TRUE(raw.closed_by_peer()) << close << " left the connection open";
  }
  // HTTP/1.0: kept alive only when asked, in any case.
  {
    RawClient raw(emulator_->port());
    std::string request =
        std::string("GET ") + kOutbox + " HTTP/1.0\r\n" + kAuth + "Connection: Keep-ALIVE\r\n\r\n";
    raw.send(request + request);
    auto first = raw.read_answer();
    auto second = raw.read_answer();
    ASSERT_TRUE(first && second) << "an HTTP/1.0 keep-alive connection was not kept";
  }
  {
    RawClient raw(emulator_->port());
    raw.send(std::string("GET ") + kOutbox + " HTTP/1.0\r\n" + kAuth + "\r\n");
    ASSERT_TRUE(raw.read_answer().has_value());
    EXPECT_TRUE(raw.closed_by_peer()) << "HTTP/1.0 without keep-alive stayed open";
  }
}

TEST_F(FramingTest, ARefusedRequestIsLoggedAsReceived) {
  expect_refused("DELETE /x%20y HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
  EXPECT_TRUE(log_lines().contains("DELETE /x%20y 400")) << "not logged as received";
}

// "close_after_read" fires on a reused connection only; a new connection is new even when it
// comes from a source port an earlier connection used.
TEST_F(FramingTest, ANewConnectionFromAnOldSourcePortIsNotAReusedOne) {
  // The kernel may refuse the old source port for a moment (the first connection's last ACK in
  // flight on a loaded machine); the scenario is then built again from a new first connection.
  for (int attempt = 1; attempt <= 20; ++attempt) {
    int port = 0;
    {
      RawClient first(emulator_->port());
      first.send(settings_put("Content-Length: 2\r\nConnection: close\r\n", "{}"));
      ASSERT_TRUE(first.read_answer().has_value());
      ASSERT_TRUE(first.closed_by_peer());  // the emulator closed first: no TIME_WAIT here
      port = first.local_port();
    }
    emulator::Fault fault;
    fault.kind = emulator::Fault::Kind::kCloseAfterRead;
    fault.path = "/settings";
    emulator_->inject(fault);
    RawClient again(emulator_->port(), port);
    ASSERT_TRUE(again.connected());
    if (again.local_port() != port) {  // not the old port: not the case under test, try again
      emulator_->clear_faults();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    again.send(settings_put("Content-Length: 2\r\n", "{}"));
    auto answer = again.read_answer();
    ASSERT_TRUE(answer.has_value()) << "a new connection was taken for a reused one";
    EXPECT_EQ(answer->status, 200);
    return;
  }
  FAIL() << "no connection could be opened from an earlier connection's source port";
}

TEST_F(FramingTest, AJsonBodySentAsAFormIsServedUpToTheBodyLimit) {
  // `curl -d` labels a body as a form: over 8 KiB it must still be served, not refused.
  std::string body = R"({"catalogReference":{"catalogItemId":"orchid","appId":")" +
                     std::string(kWixStoresAppId) + R"("},"itemDetails":{"name":")" +
                     std::string(20000, 'n') + R"(","price":"1"}})";
  auto result =
      exchange(std::string("POST /back-in-stock-service/v1/back-in-stock-notification-requests/"
                           "report-items-back-in-stock HTTP/1.1\r\nHost: localhost\r\n") +
               kAuth + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_EQ(result.answers.size(), 1u);
  EXPECT_NE(result.answers[0].status, 413) << result.answers[0].body;
}

TEST_F(FramingTest, TheKeepAliveHeaderSaysWhatTheConnectionDoes) {
  RawClient raw(emulator_->port());
  std::string many;
  for (int i = 0; i < 1000; ++i) many += settings_get();
  raw.send(many);
  for (int i = 1; i <= 1000; ++i) {
    auto answer = raw.read_answer();
    ASSERT_TRUE(answer.has_value()) << "answer " << i;
    if (i == 1) {
      // The fixture keeps idle connections 5 s, and a connection carries 1,000 requests: 999
      // more after the first.
      EXPECT_NE(answer->head.find("Keep-Alive: timeout=5, max=999"), std::string::npos)
          << answer->head;
    }
    if (i == 1000) {
      EXPECT_NE(answer->head.find("Connection: close"), std::string::npos) << answer->head;
    }
  }
  EXPECT_TRUE(raw.closed_by_peer()) << "a connection carried more than its max";
}

// A webhook receiver that accepts connections and never answers.
struct SilentReceiver {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  SilentReceiver() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::listen(fd, 16) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
  }
  ~SilentReceiver() { ::close(fd); }
};

SilentReceiver& silent_receiver() {
  static SilentReceiver receiver;
  return receiver;
}

// Stopping ends what is in progress: a delay fault and webhook deliveries to a receiver that never
// answers no longer hold the stop (they held it for the delay, and for every queued delivery).
class StopTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.webhook_url = "http://127.0.0.1:" + std::to_string(silent_receiver().port) + "/hook";
    return o;
  }
  StopTest() : EmulatorFixture(options()) {}
};

TEST_F(StopTest, StopCutsDelaysAndDeliveriesShort) {
  auto c = client();
  for (int i = 0; i < 4; ++i) {  // webhooks queued behind one that never ends
    c.create_back_in_stock_notification_request(
        NewNotificationRequest(CatalogReference("orchid", kWixStoresAppId),
                               "c" + std::to_string(i) + "@example.com"),
        ItemDetails("Orchid", "1"));
  }
  emulator::Fault delay;
  delay.kind = emulator::Fault::Kind::kDelay;
  delay.delay = std::chrono::seconds(30);
  delay.path = "/settings";
  emulator_->inject(delay);
  std::thread waiting([&] {
    try {
      c.get_settings();
    } catch (const std::exception&) {
    }
  });
  std::this_thread::sleep_for(milliseconds(300));  // the delayed request is in its delay
  auto started = std::chrono::steady_clock::now();
  emulator_->stop();
  auto took = std::chrono::steady_clock::now() - started;
  waiting.join();
  // Far below the 30 s delay and the 4 x 10 s of deliveries the stop used to wait for.
  EXPECT_LT(took, std::chrono::seconds(8));
}

// Slow clients: requests still arriving wait in the poller, so a handful of workers keep serving
// normal clients while many connections trickle a byte at a time; a request that does not arrive
// within the request timeout is closed.
class SlowClientsTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.threads = 4;
    o.request_timeout = milliseconds(1500);
    return o;
  }
  SlowClientsTest() : EmulatorFixture(options()) {}
};

TEST_F(SlowClientsTest, ANormalClientIsAnsweredWhileManyConnectionsTrickle) {
  constexpr int kSlow = 60;
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawClient>(emulator_->port()));
    // Half of them trickle a head, half a body.
    slow.back()->send(i % 2 == 0 ? std::string("GET /_emulator/outbox HTTP/1.1\r\nHost: x\r\nX-")
                                 : std::string(settings_put("Content-Length: 100\r\n", "{")));
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (auto& client : slow) client->send("a");
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  RawClient normal(emulator_->port());
  normal.send(settings_get());
  auto answer = normal.read_answer(milliseconds(3000));
  stop = true;
  trickle.join();
  ASSERT_TRUE(answer.has_value()) << "a normal client got no answer while slow clients trickled";
  EXPECT_EQ(answer->status, 200);
}

TEST_F(SlowClientsTest, ARequestThatDoesNotArriveInTimeIsClosed) {
  RawClient slow(emulator_->port());
  slow.send("GET /_emulator/outbox HTTP/1.1\r\nHost: x\r\n");
  EXPECT_TRUE(slow.closed_by_peer(milliseconds(5000)));
}

}  // namespace
}  // namespace wix::backinstock
