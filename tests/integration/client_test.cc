// Client against an in-process mock server: what goes on the wire and how answers are mapped.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "encoding.h"
#include "fixtures.h"
#include "hostile_server.h"
#include "mock_server.h"
#include "wire.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::CannedResponse;
using test_support::MockServer;
using test_support::read_fixture;

constexpr char kFakeKey[] = "IST.fake-secret-key-DO-NOT-LOG-7f3a9c";
constexpr char kSiteId[] = "0b7e2f4a-1111-2222-3333-444455556666";
constexpr char kPath[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";
constexpr char kId[] = "6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f";

class ClientTest : public ::testing::Test {
 protected:
  Client make_client(const std::shared_ptr<Credentials>& credentials = nullptr) {
    ClientOptions options;
    options.base_url = server_.url();
    options.credentials =
        credentials ? credentials : ApiKeyCredentials::for_site(kFakeKey, kSiteId);
    options.user_agent = "client-test/1.0";
    return Client(options);
  }
  static CatalogReference fixture_reference() {
    return CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId,
                            {{"variantId", "00000000-0000-0000-0000-000000000000"}});
  }
  static ItemDetails orchid() {
    return ItemDetails("White Orchid", "29.99",
                       Image("https://static.wixstatic.com/media/"
                             "a1b2c3_5f0e9d8c7b6a4e3f9a8b7c6d5e4f3a2b~mv2.jpg"));
  }
  MockServer server_;
};

TEST_F(ClientTest, ReportPostsTheFixtureWithAuthHeaders) {
  auto client = make_client();
  client.report_items_back_in_stock(ReportItemsBackInStockRequest(
      fixture_reference(), orchid(),
      {{"storeName", "Green Thumb Nursery"}, {"restockNote", "Limited quantity available"}}));
  auto r = server_.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, std::string(kPath) + "/report-items-back-in-stock");
  EXPECT_EQ(r.header("Authorization"), kFakeKey);  // raw, no "Bearer "
  EXPECT_EQ(r.header("wix-site-id"), kSiteId);
  EXPECT_FALSE(r.has_header("wix-account-id"));
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_NE(r.header("User-Agent").find("wix-backinstock-cpp/"), std::string::npos);
  EXPECT_NE(r.header("User-Agent").find("client-test/1.0"), std::string::npos);
  EXPECT_EQ(
      json::parse(r.body),
      json::parse(read_fixture("report-items-back-in-stock.by-catalog-reference.request.json")));
}

TEST_F(ClientTest, ReportByRequestIds) {
  auto client = make_client();
  client.report_items_back_in_stock(ReportItemsBackInStockRequest(
      std::vector<std::string>{"6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f",
                               "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
      ItemDetails("White Orchid", "29.99")));
  EXPECT_EQ(json::parse(server_.last().body),
            json::parse(read_fixture("report-items-back-in-stock.request-ids.request.json")));
}

TEST_F(ClientTest, AccountLevelKeySendsAccountId) {
  auto client = make_client(ApiKeyCredentials::for_account(kFakeKey, "acc-1"));
  client.get_settings();
  EXPECT_EQ(server_.last().header("wix-account-id"), "acc-1");
  EXPECT_FALSE(server_.last().has_header("wix-site-id"));
}

TEST_F(ClientTest, OnlyStatus200IsSuccess) {
  auto client = make_client();
  ReportItemsBackInStockRequest request(std::vector<std::string>{"r1"}, ItemDetails("A", "1"));
  for (int status : {201, 202, 204}) {
    server_.respond(status, "{}");
    EXPECT_THROW(client.report_items_back_in_stock(request), ApiError) << status;
  }
}

TEST_F(ClientTest, ErrorsAreTypedAndCarryTheRequestId) {
  auto client = make_client();
  CannedResponse r;
  r.status = 400;
  r.body = read_fixture("error.invalid-item-image-url.json");
  r.headers = {{"X-Wix-Request-Id", "1700000000.123456789"}};
  server_.respond(r);
  ReportItemsBackInStockRequest request(fixture_reference(), orchid());
  try {
    client.report_items_back_in_stock(request);
    FAIL() << "no exception";
  } catch (const InvalidItemImageUrlError& e) {
    EXPECT_EQ(e.request_id(), "1700000000.123456789");
    EXPECT_EQ(e.http_status(), 400);
  }
  server_.respond(r);
  EXPECT_THROW(client.report_items_back_in_stock(request), InvalidArgumentError);
  server_.respond(r);
  EXPECT_THROW(client.report_items_back_in_stock(request), Error);
  server_.respond(400, read_fixture("error.both-catalog-reference-and-request-ids.json"));
  EXPECT_THROW(client.report_items_back_in_stock(request),
               RequestContainsBothCatalogReferenceAndRequestIdsError);
}

TEST_F(ClientTest, NoSecretInAnyMessage) {
  auto client = make_client();
  // A hostile server echoes the key back everywhere it can.
  CannedResponse r;
  r.status = 401;
  r.body = std::string(R"({"message":"key )") + kFakeKey + R"( is invalid"})";
  r.headers = {{"x-wix-request-id", kFakeKey}};
  server_.respond(r);
  ReportItemsBackInStockRequest request(std::vector<std::string>{"r1"}, ItemDetails("A", "1"));
  try {
    client.report_items_back_in_stock(request);
    FAIL();
  } catch (const UnauthenticatedError& e) {
    EXPECT_EQ(std::string(e.what()).find(kFakeKey), std::string::npos) << e.what();
    EXPECT_EQ(e.raw_body().find(kFakeKey), std::string::npos);
    EXPECT_EQ(e.request_id().find(kFakeKey), std::string::npos);
  }
  // Validation of the key itself never repeats it.
  try {
    ApiKeyCredentials::for_site(std::string(kFakeKey) + "\n", kSiteId);
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "apiKey");
    EXPECT_EQ(std::string(e.what()).find(kFakeKey), std::string::npos);
  }
  // Nor does a transport failure.
  ClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(test_support::closed_port());
  options.credentials = ApiKeyCredentials::for_site(kFakeKey, kSiteId);
  testing::ClientSeams no_waits;
  no_waits.sleeper = [](std::chrono::milliseconds) {};
  try {
    testing::make_client(options, no_waits).report_items_back_in_stock(request);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(std::string(e.what()).find(kFakeKey), std::string::npos);
  }
}

TEST_F(ClientTest, ManyCallsShareOneConnection) {
  auto client = make_client();
  ReportItemsBackInStockRequest request(std::vector<std::string>{"r1"}, ItemDetails("A", "1"));
  for (int i = 0; i < 25; ++i) client.report_items_back_in_stock(request);
  EXPECT_EQ(server_.requests().size(), 25u);
  EXPECT_EQ(server_.connections(), 1u);
}

TEST_F(ClientTest, CopiesShareTheConnection) {
  auto client = make_client();
  Client copy = client;
  copy.get_settings();
  client.get_settings();
  EXPECT_EQ(server_.connections(), 1u);
  EXPECT_EQ(copy.connection(), client.connection());
}

TEST_F(ClientTest, GetAndDeleteUseThePathAndIdParameter) {
  auto client = make_client();
  server_.respond(200, read_fixture("get.response.json"));
  auto got = client.get_back_in_stock_notification_request(kId);
  EXPECT_EQ(got.id, kId);
  auto r = server_.last();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, std::string(kPath) + "/" + kId + "?id=" + kId);
  EXPECT_FALSE(r.has_header("Content-Type"));
  EXPECT_TRUE(r.body.empty());

  server_.respond(200, "{}");
  client.delete_back_in_stock_notification_request(kId);
  r = server_.last();
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(r.target, std::string(kPath) + "/" + kId + "?id=" + kId);
  EXPECT_FALSE(r.has_header("Content-Type"));
}

// Calls of every shape one after another on one client: each request carries its own method,
// target, body and headers, once each, whatever the request before it held (a finished call's
// request storage is written over by the next one).
TEST_F(ClientTest, EachCallSendsOnlyItsOwnPartsWhateverTheCallBeforeIt) {
  auto client = make_client();
  server_.set_responder([](const test_support::RecordedRequest& r) {
    CannedResponse answer;
    if (r.method == "GET") answer.body = read_fixture("get.response.json");
    if (r.target.find("mark-as-notification-sent") != std::string::npos) {
      answer.body = read_fixture("mark-as-notification-sent.response.json");
    }
    if (r.target.find("/settings") != std::string::npos) {
      answer.body = read_fixture("settings.get.response.json");
    }
    answer.headers.emplace("X-Wix-Consistent", "after-" + r.method);
    return answer;
  });
  const ReportItemsBackInStockRequest report(fixture_reference(), orchid(), {});
  client.report_items_back_in_stock(report);
  client.get_back_in_stock_notification_request(kId);
  client.mark_as_notification_sent(kId);
  client.delete_back_in_stock_notification_request(kId);
  client.get_settings();
  client.report_items_back_in_stock(report);
  auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 6u);
  const std::string requests = kPath;
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"POST", requests + "/report-items-back-in-stock"},
      {"GET", requests + "/" + kId + "?id=" + kId},
      {"PUT", requests + "/" + kId + "/mark-as-notification-sent"},
      {"DELETE", requests + "/" + kId + "?id=" + kId},
      {"PUT", requests + "/settings"},
      {"POST", requests + "/report-items-back-in-stock"}};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    const auto& r = seen[i];
    EXPECT_EQ(r.method, expected[i].first);
    EXPECT_EQ(r.target, expected[i].second);
    const bool has_body = r.method == "POST" || r.method == "PUT";
    EXPECT_EQ(r.headers.count("Content-Type"), has_body ? 1u : 0u);
    EXPECT_EQ(r.body.empty(), !has_body);
    EXPECT_EQ(r.headers.count("User-Agent"), 1u);
    EXPECT_EQ(r.headers.count("Authorization"), 1u);
    EXPECT_EQ(r.headers.count("wix-site-id"), 1u);
    if (i == 0) {
      EXPECT_EQ(r.headers.count("X-Wix-Consistent"), 0u);
    } else {
      EXPECT_EQ(r.headers.count("X-Wix-Consistent"), 1u);
      EXPECT_EQ(r.header("X-Wix-Consistent"), "after-" + seen[i - 1].method);
    }
  }
  EXPECT_EQ(json::parse(seen[0].body), json::parse(seen[5].body));
  EXPECT_EQ(json::parse(seen[2].body),
            json::parse(read_fixture("mark-as-notification-sent.request.json")));
  EXPECT_EQ(seen[4].body, "{}");
}

TEST_F(ClientTest, IdsWithReservedCharactersStayInOneSegment) {
  auto client = make_client();
  // The fixtures' answers are about another request: what went out is what this test reads.
  server_.respond(200, read_fixture("get.response.json"));
  EXPECT_THROW(client.get_back_in_stock_notification_request("a/b?c#d e"), TransportError);
  EXPECT_EQ(server_.last().target, std::string(kPath) + "/a%2Fb%3Fc%23d%20e?id=a%2Fb%3Fc%23d%20e");
  server_.respond(200, read_fixture("mark-as-notification-sent.response.json"));
  EXPECT_THROW(client.mark_as_notification_sent("../settings"), TransportError);
  EXPECT_EQ(server_.last().target, std::string(kPath) + "/..%2Fsettings/mark-as-notification-sent");
  EXPECT_EQ(json::parse(server_.last().body), json({{"id", "../settings"}}));
  EXPECT_THROW(client.get_back_in_stock_notification_request(""), ValidationError);
  EXPECT_THROW(client.delete_back_in_stock_notification_request(std::string("a\0b", 3)),
               ValidationError);
}

TEST_F(ClientTest, MarkAsNotificationSentIsAPutWithTheIdInTheBody) {
  auto client = make_client();
  server_.respond(200, read_fixture("mark-as-notification-sent.response.json"));
  auto marked = client.mark_as_notification_sent(kId);
  EXPECT_EQ(marked.status, Status::kNotificationSent);
  auto r = server_.last();
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.target, std::string(kPath) + "/" + kId + "/mark-as-notification-sent");
  EXPECT_EQ(json::parse(r.body),
            json::parse(read_fixture("mark-as-notification-sent.request.json")));
  server_.respond(428, read_fixture("error.mark-as-notification-sent.not-found.json"));
  EXPECT_THROW(client.mark_as_notification_sent(kId), BackInStockNotificationRequestNotFoundError);
}

TEST_F(ClientTest, CreatePostsTheFixture) {
  auto client = make_client();
  server_.respond(200, read_fixture("create.response.json"));
  auto created = client.create_back_in_stock_notification_request(
      NewNotificationRequest(fixture_reference(), "jane.doe@example.com",
                             std::string("https://www.example.com/product-page/white-orchid")),
      orchid());
  EXPECT_EQ(created.status, Status::kReceived);
  auto r = server_.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, kPath);
  EXPECT_EQ(json::parse(r.body), json::parse(read_fixture("create.request.json")));
  server_.respond(428, read_fixture("error.request-collection-disabled.json"));
  EXPECT_THROW(client.create_back_in_stock_notification_request(
                   NewNotificationRequest(fixture_reference(), "a@b.example"), orchid()),
               RequestCollectionDisabledError);
}

TEST_F(ClientTest, SettingsMethods) {
  auto client = make_client();
  server_.respond(200, read_fixture("settings.get.response.json"));
  EXPECT_TRUE(client.get_settings().is_collecting(kWixStoresAppId));
  auto r = server_.last();
  EXPECT_EQ(r.method, "PUT");  // Get Settings is a PUT with body {}
  EXPECT_EQ(r.target, std::string(kPath) + "/settings");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.header("Content-Type"), "application/json");

  server_.respond(200, read_fixture("settings.start-collecting.response.json"));
  client.start_collecting_requests();
  r = server_.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, std::string(kPath) + "/settings/start-collecting");
  EXPECT_EQ(json::parse(r.body),
            json::parse(read_fixture("settings.start-collecting.request.json")));

  server_.respond(200, read_fixture("settings.stop-collecting.response.json"));
  EXPECT_FALSE(client.stop_collecting_requests(kWixStoresAppId).is_collecting(kWixStoresAppId));
  r = server_.last();
  EXPECT_EQ(r.target, std::string(kPath) + "/settings/stop-collecting");
  EXPECT_EQ(json::parse(r.body),
            json::parse(read_fixture("settings.stop-collecting.request.json")));

  server_.respond(428, read_fixture("error.not-supported-app-def-id.json"));
  EXPECT_THROW(client.start_collecting_requests(kWixBookingsAppId), NotSupportedAppDefIdError);
  EXPECT_THROW(client.start_collecting_requests(""), ValidationError);
}

TEST_F(ClientTest, QueryUsesDotRAndFallsBackToPost) {
  auto client = make_client();
  server_.respond(200, read_fixture("query.response.json"));
  auto page = client.query_back_in_stock_notification_requests(
      Query()
          .filter(
              Filter::in(QueryField::kStatus, {Status::kReceived, Status::kFailed}) &&
              Filter::ge(QueryField::kCreatedDate, *parse_timestamp("2024-03-01T00:00:00.000Z")))
          .sort(QueryField::kCreatedDate, SortOrder::kDescending)
          .limit(2));
  EXPECT_EQ(page.requests.size(), 2u);
  auto r = server_.last();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(
      r.target,
      std::string(kPath) +
          "?.r="
          "eyJxdWVyeSI6eyJmaWx0ZXIiOnsic3RhdHVzIjp7IiRpbiI6WyJSRUNFSVZFRCIsIkZBSUxFRCJdfSwiY3JlYXRl"
          "ZERhdGUiOnsiJGd0ZSI6IjIwMjQtMDMtMDFUMDA6MDA6MDAuMDAwWiJ9fSwic29ydCI6W3siZmllbGROYW1lIjoi"
          "Y3JlYXRlZERhdGUiLCJvcmRlciI6IkRFU0MifV0sImN1cnNvclBhZ2luZyI6eyJsaW1pdCI6Mn19fQ");
  EXPECT_TRUE(r.body.empty());

  server_.respond(200, read_fixture("query.response.last-page.json"));
  client.query_back_in_stock_notification_requests(
      Query().filter(Filter::starts_with(QueryField::kItemUrl, std::string(3500, 'x'))));
  r = server_.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, std::string(kPath) + "/query");
  EXPECT_EQ(json::parse(r.body)["query"]["filter"]["itemUrl"]["$startsWith"],
            std::string(3500, 'x'));
}

TEST_F(ClientTest, PagerWalksEveryPageSendingOnlyTheCursorAfterTheFirst) {
  auto client = make_client();
  server_.respond(200, read_fixture("query.response.json"));
  server_.respond(200, read_fixture("query.response.last-page.json"));
  std::vector<std::string> ids;
  auto pager = client.query_all_back_in_stock_notification_requests(
      Query().filter(Filter::eq(QueryField::kStatus, Status::kReceived)).limit(2));
  for (const auto& request : pager) ids.push_back(request.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f",
                                           "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                                           "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"}));
  EXPECT_EQ(pager.pages_fetched(), 2u);
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_EQ(requests[1].query_string.rfind(".r=", 0), 0u);
  std::string decoded;
  ASSERT_TRUE(internal::base64url_decode(requests[1].query_string.substr(3), decoded));
  auto first_page = json::parse(read_fixture("query.response.json"));
  EXPECT_EQ(json::parse(decoded),
            json({{"query",
                   {{"cursorPaging",
                     {{"limit", 2}, {"cursor", first_page["metadata"]["cursors"]["next"]}}}}}}));
}

// Answers Count by echoing the references of the `.r` parameter, each counted as the number in
// its catalog item ID ("item-17" -> 17).
CannedResponse echo_counts(const test_support::RecordedRequest& r) {
  std::string decoded;
  EXPECT_TRUE(internal::base64url_decode(r.query_string.substr(3), decoded));
  json counts = json::array();
  const json request = json::parse(decoded);
  for (const auto& ref : request["catalogReferences"]) {
    std::string item = ref["catalogItemId"];
    counts.push_back(
        {{"catalogReference", ref}, {"count", std::stoi(item.substr(item.find('-') + 1))}});
  }
  CannedResponse out;
  out.body = json{{"countsPerCatalogReference", counts}}.dump();
  return out;
}

TEST_F(ClientTest, CountSplitsIntoBatchesOfOneHundredInOrder) {
  auto client = make_client();
  server_.set_responder(echo_counts);
  std::vector<CatalogReference> refs;
  for (int i = 0; i < 250; ++i) refs.emplace_back("i-" + std::to_string(i), "a");
  auto result = client.get_back_in_stock_notification_requests_count_by_catalog_references(refs);
  ASSERT_EQ(result.size(), 250u);
  for (int i = 0; i < 250; ++i) {
    EXPECT_EQ(result[static_cast<std::size_t>(i)].catalog_reference,
              refs[static_cast<std::size_t>(i)]);
    EXPECT_EQ(result[static_cast<std::size_t>(i)].count, i);
  }
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);  // 100 + 100 + 50
  std::vector<std::size_t> sizes;
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.path, std::string(kPath) + "/count-by-catalog-reference");
    std::string decoded;
    ASSERT_TRUE(internal::base64url_decode(r.query_string.substr(3), decoded));
    sizes.push_back(json::parse(decoded)["catalogReferences"].size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 50}));
  EXPECT_TRUE(
      client.get_back_in_stock_notification_requests_count_by_catalog_references({}).empty());
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(ClientTest, CountKeepsLongReferenceListsUnderTheUrlLimit) {
  auto client = make_client();
  server_.set_responder(echo_counts);
  std::vector<CatalogReference> refs;
  for (int i = 0; i < 150; ++i) {
    refs.emplace_back(
        "item-" + std::to_string(i), kWixStoresAppId,
        JsonObject{{"variantId", "00000000-0000-0000-0000-" + std::to_string(100000000000 + i)}});
  }
  auto result = client.get_back_in_stock_notification_requests_count_by_catalog_references(refs);
  ASSERT_EQ(result.size(), 150u);
  for (int i = 0; i < 150; ++i)
    EXPECT_EQ(result[static_cast<std::size_t>(i)].catalog_reference,
              refs[static_cast<std::size_t>(i)]);
  EXPECT_GT(server_.requests().size(), 2u);
  for (const auto& r : server_.requests()) EXPECT_LE(r.target.size(), 8000u);
}

TEST_F(ClientTest, PagerStopsWithATypedErrorWhenTheServerRepeatsItsCursor) {
  auto client = make_client();
  // Every page answers with the same "next" cursor (and the same requests).
  test_support::CannedResponse page;
  page.body = read_fixture("query.response.json");
  server_.set_default(page);
  std::size_t seen = 0;
  auto pager = client.query_all_back_in_stock_notification_requests(Query().limit(2));
  EXPECT_THROW(
      {
        for (const auto& request : pager) {
          (void)request;
          ++seen;
        }
      },
      PagingError);
  EXPECT_EQ(pager.pages_fetched(), 2u);  // the first page, then the cursor once
  EXPECT_EQ(seen, 2u);                   // the second page's requests are not handed out again
}

TEST_F(ClientTest, MalformedSuccessBodyIsATypedError) {
  auto client = make_client();
  server_.respond(200, "<html>maintenance</html>");
  try {
    client.get_settings();
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse);
  }
}

TEST(ClientOptionsTest, RejectsUnusableOptions) {
  ClientOptions options;
  EXPECT_THROW(Client{options}, ValidationError);  // no credentials
  options.credentials = ApiKeyCredentials::for_site(kFakeKey, kSiteId);
  options.base_url = "ftp://example.com";
  EXPECT_THROW(Client{options}, ValidationError);
  options.base_url = "http://www.wixapis.com";  // key would travel in clear text
  try {
    Client client{options};
    FAIL();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), "base_url");
  }
  options.allow_insecure_http = true;
  EXPECT_NO_THROW(Client{options});
  options.allow_insecure_http = false;
  for (const char* ok : {"http://localhost:8080", "http://127.0.0.1:1/", "http://[::1]:9",
                         "https://www.wixapis.com/"}) {
    options.base_url = ok;
    EXPECT_NO_THROW(Client{options}) << ok;
  }
  EXPECT_THROW(ApiKeyCredentials::for_site("", kSiteId), ValidationError);
  EXPECT_THROW(ApiKeyCredentials::for_site(kFakeKey, ""), ValidationError);
  EXPECT_THROW(Client(std::shared_ptr<Connection>()), ValidationError);
}

}  // namespace
}  // namespace wix::backinstock
