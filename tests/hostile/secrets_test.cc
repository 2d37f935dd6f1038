// No message ever contains the API key: a server that echoes it (in a header, JSON-escaped in the
// body) does not get it into a log, `what()` or an accessor; redaction never changes the type of
// the error; `what()` stays short; redirects are not followed (the key would go along).

#include <gtest/gtest.h>

#include <mutex>

#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using testing::HostileServer;
using testing::Then;
using testing::WireRequest;

void expect_clean(const std::string& text, const std::string& key, const char* where) {
  EXPECT_EQ(text.find(key), std::string::npos) << where << ": " << text.substr(0, 300);
}

TEST(SecretsTest, KeyEchoedInTheRequestIdHeaderReachesNoLogAndNoError) {
  const std::string key = "hostile-secret-key-1234";
  HostileServer server([&](int fd, const WireRequest& r) {
    return HostileServer::reply(fd, 500, "{}",
                                {"x-wix-request-id: id-" + r.header("Authorization")});
  });
  auto options = testing::one_attempt_options(server.url(), key);
  std::mutex mutex;
  std::vector<std::string> logged_ids;  // the record's views live only during the call
  options.logger = [&](const AttemptRecord& r) {
    std::lock_guard<std::mutex> guard(mutex);
    logged_ids.emplace_back(r.request_id);
  };
  Client client(options);
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    expect_clean(e.what(), key, "what()");
    expect_clean(e.request_id(), key, "request_id()");
  }
  ASSERT_EQ(logged_ids.size(), 1u);
  expect_clean(logged_ids[0], key, "logged request id");
  EXPECT_NE(logged_ids[0].find("[REDACTED]"), std::string::npos);
}

TEST(SecretsTest, KeyEchoedJsonEscapedIsRedactedAfterDecoding) {
  const std::string key = "hostile/secret+key";
  // The same key as a JSON string may be written `hostile\/secret\u002Bkey`.
  const std::string body =
      R"({"message":"bad key hostile\/secret\u002Bkey","details":{"applicationError":)"
      R"({"code":"INVALID_ITEM_IMAGE_URL","description":"for h\u006Fstile/secret+key",)"
      R"("data":{"echo":"hostile\/secret+key"}},"validationError":{"fieldViolations":)"
      R"([{"field":"x","description":"hostile\/secret\u002bkey"}]}}})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 400, body); });
  Client client(testing::one_attempt_options(server.url(), key));
  try {
    client.get_settings();
    FAIL();
  } catch (const InvalidItemImageUrlError& e) {  // the type is still chosen by the code
    EXPECT_EQ(e.application_code(), "INVALID_ITEM_IMAGE_URL");
    expect_clean(e.what(), key, "what()");
    expect_clean(e.message(), key, "message()");
    expect_clean(e.application_description(), key, "application_description()");
    expect_clean(e.application_data(), key, "application_data()");
    expect_clean(e.field_violations().at(0).description, key, "field violation");
    EXPECT_EQ(e.raw_body().find("secret"), std::string::npos) << e.raw_body();
    EXPECT_NE(e.message().find("[REDACTED]"), std::string::npos) << e.message();
  }
}

class ShortKeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShortKeyTest, ShortKeyNeverChangesTheErrorType) {
  const std::string body =
      R"({"message":"Request not found","details":{"applicationError":)"
      R"({"code":"BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND","description":"not found"}}})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 428, body); });
  Client client(testing::one_attempt_options(server.url(), GetParam()));
  try {
    client.mark_as_notification_sent("r1");
    FAIL();
  } catch (const BackInStockNotificationRequestNotFoundError& e) {
    EXPECT_EQ(e.application_code(), "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND");
    EXPECT_EQ(e.http_status(), 428);
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, ShortKeyTest, ::testing::Values("K", "e", "_", "NOT"));

TEST(SecretsTest, HugeErrorBodyMakesAShortWhatAndKeepsTheRawBody) {
  const std::string body = R"({"message":")" + std::string(1 << 20, 'x') + R"("})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 503, body); });
  Client client(testing::one_attempt_options(server.url(), "hostile-secret-key"));
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_LE(std::string(e.what()).size(), 8192u);
    EXPECT_EQ(e.raw_body().size(), body.size());
    EXPECT_EQ(e.message().size(), std::size_t{1} << 20);
  }
}

TEST(SecretsTest, RedirectsAreNotFollowedSoTheKeyStaysHome) {
  HostileServer elsewhere(
      [](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, "{}"); });
  HostileServer server([&](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 307, "{}", {"Location: " + elsewhere.url() + "/steal"});
  });
  Client client(testing::one_attempt_options(server.url(), "hostile-secret-key"));
  EXPECT_THROW(client.report_items_back_in_stock(ReportItemsBackInStockRequest(
                   CatalogReference("orchid", kWixStoresAppId), ItemDetails("Orchid", "1"))),
               ApiError);
  EXPECT_THROW(client.get_settings(), ApiError);
  EXPECT_EQ(elsewhere.requests().size(), 0u);
  EXPECT_EQ(server.requests().size(), 2u);
}

}  // namespace
}  // namespace wix::backinstock
