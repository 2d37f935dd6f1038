// The emulator as a developer uses a local service all day: requests without bodies, long URLs,
// large bodies, many idle keep-alive clients, a request log, a view of the state, prompt stops,
// and validation messages that name the real problem. Seen on raw sockets, as curl would send.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator_fixture.h"
#include "encoding.h"
#include "raw_client.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::Answer;
using test_support::RawClient;

constexpr char kPath[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";
constexpr char kAuth[] = "Authorization: test-key\r\nwix-site-id: site-1\r\n";

std::string get(const std::string& target, bool auth = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + (auth ? kAuth : "") + "\r\n";
}

std::string post_json(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + kAuth +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

class DevLoopTest : public test_support::EmulatorFixture {
 protected:
  Answer ask(const std::string& bytes) {
    RawClient raw(emulator_->port());
    EXPECT_TRUE(raw.connected());
    EXPECT_TRUE(raw.send(bytes));
    auto answer = raw.read_answer();
    EXPECT_TRUE(answer.has_value()) << "no answer to: " << bytes.substr(0, 120);
    return answer.value_or(Answer{});
  }

  void create(const std::string& item, const std::string& email) {
    client().create_back_in_stock_notification_request(
        NewNotificationRequest(CatalogReference(item, kWixStoresAppId), email),
        ItemDetails("Orchid", "29.99"));
  }

  // The first field violation of a 400.
  static std::pair<std::string, std::string> violation(const Answer& answer) {
    auto v = answer.json_body()["details"]["validationError"]["fieldViolations"][0];
    return {v.value("field", ""), v.value("description", "")};
  }
};

TEST_F(DevLoopTest, PostsWithoutABodyOrContentLengthAreServed) {
  create("orchid", "ann@example.com");
  // What `curl -X POST $E/_emulator/reset` sends: no body, no Content-Length.
  auto reset = ask("POST /_emulator/reset HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(reset.status, 200) << reset.body;
  EXPECT_TRUE(json::parse(emulator_->outbox_json())["reports"].empty());
  auto listed = ask(get("/_emulator/requests"));
  EXPECT_TRUE(listed.json_body()["requests"].empty()) << listed.body;

  EXPECT_EQ(ask("POST /_emulator/revoke-tokens HTTP/1.1\r\nHost: localhost\r\n\r\n").status, 200);
  auto settings = ask(std::string("PUT ") + kPath + "/settings HTTP/1.1\r\nHost: localhost\r\n" +
                      kAuth + "\r\n");
  EXPECT_EQ(settings.status, 200) << settings.body;
  EXPECT_TRUE(settings.json_body()["settings"].contains("collectionStates")) << settings.body;
}

TEST_F(DevLoopTest, UrlsAsLongAsTheOfficialSdkSendsAreServed) {
  // The official SDK puts every reference of Count in one URL: 100 references with variant
  // options make about 23 kB.
  json references = json::array();
  for (int i = 0; i < 100; ++i) {
    references.push_back({{"catalogItemId", "item-" + std::to_string(i)},
                          {"appId", kWixStoresAppId},
                          {"options", {{"variantId", std::string(120, 'v') + std::to_string(i)}}}});
  }
  std::string r = internal::base64url_encode(json{{"catalogReferences", references}}.dump());
  std::string target = std::string(kPath) + "/count-by-catalog-reference?.r=" + r;
  ASSERT_GT(target.size(), 20000u);
  auto answer = ask(get(target));
  EXPECT_EQ(answer.status, 200) << answer.body.substr(0, 300);
  EXPECT_EQ(answer.json_body()["countsPerCatalogReference"].size(), 100u);
}

TEST_F(DevLoopTest, TooLongUrlsGetAJson414WithARequestId) {
  std::string target = "/" + std::string((std::size_t{64} << 10) + 10, 'a');
  auto answer = ask(get(target));
  EXPECT_EQ(answer.status, 414);
  EXPECT_EQ(answer.code(), "URI_TOO_LONG") << answer.body;
  EXPECT_TRUE(answer.has_request_id()) << answer.head;
}

TEST_F(DevLoopTest, ErrorsOfTheHttpLayerAreWixShapedJson) {
  auto garbage = ask("NOT-HTTP\r\n\r\n");
  EXPECT_GE(garbage.status, 400);
  EXPECT_TRUE(garbage.json_body().contains("message")) << garbage.body;
  EXPECT_TRUE(garbage.has_request_id()) << garbage.head;
  auto options = ask("OPTIONS /anything HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(options.status, 404);
  EXPECT_TRUE(options.json_body().contains("details")) << options.body;
  EXPECT_TRUE(options.has_request_id()) << options.head;
}

class SmallBodyLimitTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.max_body_bytes = 1 << 20;
    return o;
  }
  SmallBodyLimitTest() : EmulatorFixture(options()) {}
};

TEST_F(SmallBodyLimitTest, ABodyOverTheLimitIsRefusedBeforeItIsSent) {
  RawClient raw(emulator_->port());
  // Announces 200 MB, sends one kilobyte, then waits: the answer must come without the rest.
  ASSERT_TRUE(raw.send(std::string("POST ") + kPath + "/report-items-back-in-stock HTTP/1.1\r\n" +
                       "Host: localhost\r\n" + kAuth +
                       "Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n" +
                       std::string(1024, ' ')));
  auto answer = raw.read_answer();
  ASSERT_TRUE(answer.has_value()) << "the emulator waited for a body it should refuse";
  EXPECT_EQ(answer->status, 413);
  EXPECT_EQ(answer->code(), "PAYLOAD_TOO_LARGE") << answer->body;
  EXPECT_NE(answer->body.find("1048576"), std::string::npos) << answer->body;
  EXPECT_TRUE(answer->has_request_id());
  EXPECT_TRUE(json::parse(emulator_->outbox_json())["reports"].empty());
}

TEST_F(SmallBodyLimitTest, ABodyUnderTheLimitIsServed) {
  RawClient raw(emulator_->port());
  json report = {{"catalogReference", {{"catalogItemId", "x"}, {"appId", kWixStoresAppId}}},
                 {"itemDetails", {{"name", std::string(900000, 'n')}, {"price", "1"}}}};
  ASSERT_TRUE(
      raw.send(post_json(std::string(kPath) + "/report-items-back-in-stock", report.dump())));
  auto answer = raw.read_answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200) << answer->body.substr(0, 200);
}

class FewThreadsTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.threads = 4;
    o.keep_alive_timeout = std::chrono::seconds(30);
    return o;
  }
  FewThreadsTest() : EmulatorFixture(options()) {}
};

TEST_F(FewThreadsTest, IdleKeepAliveClientsDoNotHoldTheWorkers) {
  // 300 clients each send one request and keep their connection open. With four workers, each
  // idle connection holding one would leave the fifth client unanswered for the keep-alive time.
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 300; ++i) {
    clients.push_back(std::make_unique<RawClient>(emulator_->port()));
    ASSERT_TRUE(clients.back()->connected());
    ASSERT_TRUE(clients.back()->send(get("/_emulator/outbox", false)));
    auto answer = clients.back()->read_answer(std::chrono::seconds(3));
    ASSERT_TRUE(answer.has_value()) << "client " << i << " got no answer while others idled";
    EXPECT_EQ(answer->status, 200);
  }
  // The connections still work after their idle time.
  ASSERT_TRUE(clients.front()->send(get("/_emulator/outbox", false)));
  auto again = clients.front()->read_answer();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST_F(FewThreadsTest, StopDoesNotWaitForIdleClients) {
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(std::make_unique<RawClient>(emulator_->port()));
    ASSERT_TRUE(idle.back()->send(get("/_emulator/outbox", false)));
    ASSERT_TRUE(idle.back()->read_answer().has_value());
  }
  // Keep-alive is 30 s: a stop that waited for idle connections would not end within the bound.
  auto stopped = std::async(std::launch::async, [this] { emulator_->stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  stopped.wait();
}

class LoggingTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options(std::mutex* mutex, std::vector<std::string>* lines) {
    auto o = collecting();
    o.log_decoded_queries = true;
    o.request_log = [mutex, lines](const std::string& line) {
      std::lock_guard<std::mutex> guard(*mutex);
      lines->push_back(line);
    };
    return o;
  }
  LoggingTest() : EmulatorFixture(options(&mutex_, &lines_)) {}
  ~LoggingTest() override { emulator_->stop(); }  // no line after the members below are gone
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> guard(mutex_);
    return lines_;
  }
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST_F(LoggingTest, OneLinePerRequestWithStatusCodeAndRequestId) {
  auto c = client();
  EXPECT_THROW(c.get_back_in_stock_notification_request("missing"), NotFoundError);
  c.query_back_in_stock_notification_requests(
      Query().filter(Filter::eq(QueryField::kStatus, Status::kReceived)).limit(5));
  auto log = lines();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find(" GET " + std::string(kPath) + "/missing"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find(" 404 "), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("NOT_FOUND"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("ms "), std::string::npos) << log[0];
  EXPECT_EQ(log[0].rfind("20", 0), 0u) << "starts with the date: " << log[0];
  EXPECT_NE(log[1].find(" 200 - "), std::string::npos) << log[1];
  EXPECT_NE(log[1].find(R"(.r={"query")"), std::string::npos) << log[1];
}

TEST_F(DevLoopTest, TheStateIsVisibleWithoutQuerying) {
  create("orchid", "ann@example.com");
  create("fern", "bob@example.com");
  auto answer = ask(get("/_emulator/requests", false));
  ASSERT_EQ(answer.status, 200);
  auto requests = answer.json_body()["requests"];
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["email"], "ann@example.com");
  EXPECT_EQ(requests[0]["status"], "RECEIVED");
  EXPECT_EQ(requests[1]["catalogReference"]["catalogItemId"], "fern");
}

class ConflictTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.duplicate_create = emulator::EmulatorOptions::DuplicateCreate::kConflict;
    return o;
  }
  ConflictTest() : EmulatorFixture(options()) {}
};

TEST_F(ConflictTest, ADuplicateCreateIsA409WhenAskedFor) {
  auto c = client();
  NewNotificationRequest request(CatalogReference("orchid", kWixStoresAppId), "ann@example.com");
  c.create_back_in_stock_notification_request(request, ItemDetails("Orchid", "1"));
  EXPECT_THROW(c.create_back_in_stock_notification_request(request, ItemDetails("Orchid", "1")),
               BackInStockNotificationRequestAlreadyExistsError);
}

TEST_F(DevLoopTest, ValidationMessagesNameTheRealProblem) {
  auto query = [&](const std::string& body) {
    return ask(post_json(std::string(kPath) + "/query", body));
  };
  auto text_limit = query(R"({"query":{"cursorPaging":{"limit":"5"}}})");
  EXPECT_EQ(text_limit.status, 400);
  EXPECT_EQ(violation(text_limit), std::make_pair(std::string("query.cursorPaging.limit"),
                                                  std::string("must be an integer")));
  auto sideways = query(R"({"query":{"sort":[{"fieldName":"createdDate","order":"SIDEWAYS"}]}})");
  EXPECT_EQ(sideways.status, 400);
  EXPECT_EQ(violation(sideways).first, "query.sort.order");
  auto bad_operator = query(R"({"query":{"filter":{"status":{"$in":"RECEIVED"}}}})");
  EXPECT_EQ(bad_operator.status, 400);
  EXPECT_EQ(violation(bad_operator).first, "query.filter.status");

  json numeric_price = {{"catalogReference", {{"catalogItemId", "x"}, {"appId", kWixStoresAppId}}},
                        {"itemDetails", {{"name", "Orchid"}, {"price", 29.99}}}};
  auto price =
      ask(post_json(std::string(kPath) + "/report-items-back-in-stock", numeric_price.dump()));
  EXPECT_EQ(price.status, 400);
  EXPECT_EQ(violation(price).first, "itemDetails.price");
  EXPECT_NE(violation(price).second, "is required");
  EXPECT_NE(violation(price).second.find("string"), std::string::npos);
}

}  // namespace
}  // namespace wix::backinstock
