// CurlTransport against peers that fail: refused, reset, silent, oversized.

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "hostile_client.h"
#include "hostile_server.h"
#include "mock_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

HttpRequest post(const std::string& url,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  HttpRequest r;
  r.method = "POST";
  r.url = url + "/x";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = "{}";
  r.timeout = timeout;
  return r;
}

// Answers nothing and waits until the client closes the connection (or 20 s pass).
Then wait_for_close(int fd, const WireRequest&) {
  char buf[256];
  for (int i = 0; i < 1000; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0 && ::recv(fd, buf, sizeof buf, 0) <= 0) break;
  }
  return Then::kClose;
}

// Sends `request` through a fresh CurlTransport, which must fail with `kind`; `reached` says
// whether the error must say the request may have reached the server.
void expect_failure(const HttpRequest& request, TransportError::Kind kind, bool reached) {
  CurlTransport transport;
  try {
    transport.send(request);
    ADD_FAILURE() << "the request was answered";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(e.may_have_reached_server(), reached) << e.what();
  }
}

TEST(TransportTest, RefusedConnectionNeverReachedTheServer) {
  expect_failure(post("http://127.0.0.1:" + std::to_string(test_support::closed_port())),
                 TransportError::Kind::kConnect, false);
}

// The text of a TransportError from sending `request` through `transport`.
std::string failure_of(CurlTransport& transport, const HttpRequest& request) {
  try {
    transport.send(request);
  } catch (const TransportError& e) {
    return e.what();
  }
  ADD_FAILURE() << "the request was answered";
  return "";
}

// libcurl's own words about a failure (which address and port refused) reach the error, and they
// are the failed transfer's own: the pooled handle's next failure does not repeat the last one's.
TEST(TransportTest, EachFailureCarriesLibcurlsDetailOfItsOwnTransfer) {
  const std::string first_port = std::to_string(test_support::closed_port());
  std::string second_port = std::to_string(test_support::closed_port());
  if (second_port == first_port) second_port = std::to_string(test_support::closed_port());
  ASSERT_NE(second_port, first_port);
  CurlTransport transport;  // one handle, pooled between the calls
  std::string first = failure_of(transport, post("http://127.0.0.1:" + first_port));
  EXPECT_NE(first.find("port " + first_port + " "), std::string::npos) << first;
  std::string second = failure_of(transport, post("http://127.0.0.1:" + second_port));
  EXPECT_NE(second.find("port " + second_port + " "), std::string::npos) << second;
  EXPECT_EQ(second.find("port " + first_port + " "), std::string::npos) << second;
}

TEST(TransportTest, AsyncClientFailuresCarryLibcurlsDetail) {
  const std::string port = std::to_string(test_support::closed_port());
  AsyncClient client(test_support::one_attempt_options("http://127.0.0.1:" + port));
  for (int call = 0; call < 2; ++call) {  // the second on the handle the first used
    try {
      client.get_settings().get();
      ADD_FAILURE() << "the call was answered";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kConnect) << e.what();
      EXPECT_NE(std::string(e.what()).find("port " + port + " "), std::string::npos) << e.what();
    }
  }
}

TEST(TransportTest, UnresolvableHostNeverReachedTheServer) {
  expect_failure(post("http://nonexistent.invalid"), TransportError::Kind::kConnect, false);
}

TEST(TransportTest, ResetMidResponseMayHaveReachedTheServer) {
  HostileServer server([](int fd, const WireRequest&) {
    HostileServer::write_all(fd,
                             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 100\r\n\r\n{\"partial");
    return Then::kReset;
  });
  expect_failure(post(server.url()), TransportError::Kind::kConnectionLost, true);
}

TEST(TransportTest, ClosedWithoutAnswerMayHaveReachedTheServer) {
  HostileServer server([](int, const WireRequest&) { return Then::kClose; });
  expect_failure(post(server.url()), TransportError::Kind::kConnectionLost, true);
}

TEST(TransportTest, SilentServerTimesOut) {
  HostileServer server(wait_for_close);
  auto start = std::chrono::steady_clock::now();
  expect_failure(post(server.url(), std::chrono::milliseconds(300)), TransportError::Kind::kTimeout,
                 true);
  // Sanity bound only (the call must end, not hang): far above the 300 ms configured.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(TransportTest, ClientSilentServerGivesTransportErrorThroughTheClient) {
  HostileServer server(wait_for_close);
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = ApiKeyCredentials::for_site("key-123", "site");
  options.attempt_timeout = std::chrono::milliseconds(300);
  options.retry = RetryPolicy::no_retry();
  Client client(options);
  EXPECT_THROW(client.get_settings(), TransportError);
  CallOptions call;
  call.attempt_timeout = std::chrono::milliseconds(200);
  EXPECT_THROW(client.get_settings(call), TransportError);
}

TEST(TransportTest, OversizedResponseIsCut) {
  test_support::MockServer server;
  test_support::CannedResponse big;
  big.body = "\"" + std::string(std::size_t{64} << 10, 'x') + "\"";
  server.set_default(big);
  CurlTransportOptions options;
  options.max_response_bytes = std::size_t{16} << 10;
  CurlTransport transport(options);
  try {
    transport.send(post(server.url()));
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kResponseTooLarge);
    EXPECT_NE(std::string(e.what()).find("16384"), std::string::npos);
  }
  options.max_response_bytes = std::size_t{1} << 20;
  CurlTransport roomy(options);
  EXPECT_EQ(roomy.send(post(server.url())).body.size(), big.body.size());
}

TEST(TransportTest, HeadersAreReturnedAndSendIsThreadSafe) {
  test_support::MockServer server;
  CurlTransport transport;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = transport.send(post(server.url()));
        if (r.status == 200 && find_header(r.headers, "X-WIX-REQUEST-ID") == "test-request-id")
          ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_LE(server.connections(), 4u);
}

// One response object given to `send_into` again and again holds exactly the last answer: its
// status, body and headers in order, however many headers the answers before it had, and after a
// 100 Continue only the final answer's.
TEST(TransportTest, SendIntoWritesEachAnswerOverTheLastOne) {
  HostileServer server([](int fd, const WireRequest& request) {
    switch (request.index) {
      case 1:
        return HostileServer::reply(
            fd, 201, R"({"first":"answer with a longer body"})",
            {"X-One: 1", "X-Two: a value longer than sixteen bytes", "X-Three: 3", "X-Four: 4"});
      case 2:
        return HostileServer::reply(fd, 200, "{}", {"X-Only: only"});
      case 3:
        HostileServer::write_all(fd, "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n");
        return HostileServer::reply(fd, 202, R"({"third":3})",
                                    {"X-A: a", "X-B: b", "X-C: c", "X-D: d", "X-E: e"});
      default:
        return HostileServer::reply(fd, 200, "{}");
    }
  });
  CurlTransport transport;
  HttpResponse response;
  // The script's headers (HostileServer adds Content-Length and Content-Type of its own).
  auto script_headers = [&response] {
    std::vector<std::pair<std::string, std::string>> found;
    for (const auto& header : response.headers) {
      if (header.first.rfind("X-", 0) == 0) found.push_back(header);
    }
    return found;
  };

  transport.send_into(post(server.url()), response);
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"first":"answer with a longer body"})");
  EXPECT_EQ(script_headers(), (HttpHeaders{{"X-One", "1"},
                                           {"X-Two", "a value longer than sixteen bytes"},
                                           {"X-Three", "3"},
                                           {"X-Four", "4"}}));

  transport.send_into(post(server.url()), response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
  EXPECT_EQ(script_headers(), (HttpHeaders{{"X-Only", "only"}}));

  transport.send_into(post(server.url()), response);
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.body, R"({"third":3})");
  EXPECT_EQ(script_headers(),
            (HttpHeaders{{"X-A", "a"}, {"X-B", "b"}, {"X-C", "c"}, {"X-D", "d"}, {"X-E", "e"}}));
  EXPECT_EQ(server.connections(), 1);
}

// One transport sends one request after another on the same pooled handle and connection: each
// arrives with its own method, target, headers and body, whatever the one before it set (the
// handle keeps its options between transfers and only what changed is set again).
TEST(TransportTest, EachRequestOnAReusedHandleArrivesAsItWasBuilt) {
  test_support::MockServer server;
  CurlTransport transport;
  struct Step {
    std::string method, path, body, header;
  };
  const std::vector<Step> steps = {
      {"POST", "/a", R"({"n":1})", "one"}, {"GET", "/b?x=1", "", "one"},
      {"PUT", "/c", R"({"n":3})", "two"},  {"DELETE", "/d", "", "two"},
      {"POST", "/a", R"({"n":5})", "two"}, {"POST", "/a", R"({"n":6})", "three"},
      {"GET", "/b?x=1", "", "three"},      {"GET", "/b?x=2", "", "three"},
      {"PUT", "/c", R"({"n":9})", "three"}};
  for (const auto& step : steps) {
    HttpRequest r;
    r.method = step.method;
    r.url = server.url() + step.path;
    r.headers = {{"X-Step", step.header}};
    if (step.method == "POST" || step.method == "PUT") {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = step.body;
    }
    r.timeout = std::chrono::seconds(10);
    EXPECT_EQ(transport.send(r).status, 200) << step.method << " " << step.path;
  }
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(seen[i].method, steps[i].method);
    EXPECT_EQ(seen[i].target, steps[i].path);
    EXPECT_EQ(seen[i].body, steps[i].body);
    EXPECT_EQ(seen[i].header("X-Step"), steps[i].header);
    EXPECT_EQ(seen[i].has_header("Content-Type"), !steps[i].body.empty());
  }
  EXPECT_EQ(server.connections(), 1u);
}

// A shorter timeout after a longer one on the same handle holds, and a longer one after it again.
TEST(TransportTest, EachRequestOnAReusedHandleHasItsOwnTimeout) {
  test_support::MockServer server;
  server.set_responder([](const test_support::RecordedRequest& r) {
    if (r.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return test_support::CannedResponse{};
  });
  CurlTransport transport;
  EXPECT_EQ(transport.send(post(server.url())).status, 200);
  HttpRequest slow = post(server.url(), std::chrono::milliseconds(200));
  slow.url = server.url() + "/slow";
  try {
    transport.send(slow);
    ADD_FAILURE() << "a 200 ms request answered after 1.5 s was not cut";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kTimeout) << e.what();
  }
  slow.timeout = std::chrono::seconds(10);
  EXPECT_EQ(transport.send(slow).status, 200);
}

TEST(TransportTest, TlsVerificationIsOnByDefault) {
  CurlTransport transport;
  EXPECT_TRUE(transport.options().verify_tls);
}

}  // namespace
}  // namespace wix::backinstock
