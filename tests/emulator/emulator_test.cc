// The emulator's documented checks, seen over raw HTTP and through the SDK.

#include <gtest/gtest.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "emulator_fixture.h"
#include "fixtures.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::read_fixture;

constexpr char kPath[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";

class EmulatorTest : public test_support::EmulatorFixture {
 protected:
  EmulatorTest() : http_(std::make_unique<httplib::Client>("127.0.0.1", emulator_->port())) {}

  httplib::Result post(const std::string& path, const std::string& body, bool auth = true) {
    httplib::Headers headers;
    if (auth) headers = {{"Authorization", "test-key"}, {"wix-site-id", "site-1"}};
    return http_->Post(path.c_str(), headers, body, "application/json");
  }

  static std::string app_code(const httplib::Result& r) {
    return json::parse(r->body)["details"]["applicationError"]["code"].get<std::string>();
  }

  std::unique_ptr<httplib::Client> http_;
};

TEST_F(EmulatorTest, ReportWithBothSelectorsIsRejected) {
  auto body =
      json::parse(read_fixture("report-items-back-in-stock.by-catalog-reference.request.json"));
  body["requestIds"] = {"6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f"};
  auto r = post(std::string(kPath) + "/report-items-back-in-stock", body.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(app_code(r), "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS");
  EXPECT_FALSE(r->get_header_value("x-wix-request-id").empty());
  EXPECT_EQ(outbox()["reports"].size(), 0u);
}

TEST_F(EmulatorTest, ReportWithBadImageUrlIsRejected) {
  auto body = json::parse(read_fixture("report-items-back-in-stock.request-ids.request.json"));
  body["itemDetails"]["image"] = {{"url", "not-a-url"}};
  auto r = post(std::string(kPath) + "/report-items-back-in-stock", body.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(app_code(r), "INVALID_ITEM_IMAGE_URL");
}

TEST_F(EmulatorTest, ReportWithoutNameOrPriceIsAValidationError) {
  for (const char* field : {"name", "price"}) {
    auto body = json::parse(read_fixture("report-items-back-in-stock.request-ids.request.json"));
    body["itemDetails"].erase(field);
    auto r = post(std::string(kPath) + "/report-items-back-in-stock", body.dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    auto violations = json::parse(r->body)["details"]["validationError"]["fieldViolations"];
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0]["field"], std::string("itemDetails.") + field);
  }
}

TEST_F(EmulatorTest, MissingAuthorizationIs401AndMissingSiteIs403) {
  auto r = post(std::string(kPath) + "/report-items-back-in-stock",
                read_fixture("report-items-back-in-stock.request-ids.request.json"), false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(app_code(r), "UNAUTHENTICATED");
  auto no_site = http_->Put((std::string(kPath) + "/settings").c_str(), {{"Authorization", "k"}},
                            "{}", "application/json");
  ASSERT_TRUE(no_site);
  EXPECT_EQ(no_site->status, 403);
}

TEST_F(EmulatorTest, ConfiguredApiKeysAreEnforced) {
  emulator::EmulatorOptions options;
  options.api_keys = {"the-right-key"};
  emulator::Emulator strict(options);
  strict.start();
  ClientOptions client_options;
  client_options.base_url = strict.url();
  client_options.credentials = ApiKeyCredentials::for_site("the-wrong-key", "site");
  EXPECT_THROW(Client(client_options).get_settings(), UnauthenticatedError);
  client_options.credentials = ApiKeyCredentials::for_site("the-right-key", "site");
  EXPECT_NO_THROW(Client(client_options).get_settings());
}

TEST_F(EmulatorTest, UnknownRoutesGetAWixShaped404) {
  auto r = http_->Get("/no/such/route");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(app_code(r), "NOT_FOUND");
  EXPECT_FALSE(r->get_header_value("x-wix-request-id").empty());
}

TEST_F(EmulatorTest, AcceptedReportIsRecordedWithItsTemplateValues) {
  auto c = client();
  c.report_items_back_in_stock(ReportItemsBackInStockRequest(
      CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId),
      ItemDetails("White Orchid", "29.99", Image("https://static.example/orchid.jpg")),
      {{"storeName", "Green Thumb"}}));
  auto reports = outbox()["reports"];
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["template"], json({{"item.name", "White Orchid"},
                                          {"item.price", "29.99"},
                                          {"item.image.url", "https://static.example/orchid.jpg"},
                                          {"storeName", "Green Thumb"}}));
}

TEST_F(EmulatorTest, ErrorsFromTheEmulatorMapToTypedExceptions) {
  auto c = client();
  CatalogReference ref("item-1", kWixStoresAppId);
  c.stop_collecting_requests();
  EXPECT_THROW(c.create_back_in_stock_notification_request(
                   NewNotificationRequest(ref, "a@b.example"), ItemDetails("A", "1")),
               RequestCollectionDisabledError);
  EXPECT_THROW(c.start_collecting_requests(kWixBookingsAppId), NotSupportedAppDefIdError);
  EXPECT_THROW(c.mark_as_notification_sent("no-such-id"),
               BackInStockNotificationRequestNotFoundError);
  EXPECT_THROW(c.get_back_in_stock_notification_request("no-such-id"), NotFoundError);
  EXPECT_THROW(c.delete_back_in_stock_notification_request("no-such-id"), NotFoundError);
  c.start_collecting_requests();
  try {
    c.create_back_in_stock_notification_request(
        NewNotificationRequest(
            CatalogReference("item-1", kWixStoresAppId, JsonObject::parse(R"({"variantId": 5})")),
            "a@b.example"),
        ItemDetails("A", "1"));
    FAIL();
  } catch (const InvalidCatalogReferenceOptionsError& e) {
    EXPECT_FALSE(e.request_id().empty());
  }
}

TEST_F(EmulatorTest, CreateDeduplicatesOnReferenceAndEmail) {
  auto c = client();
  CatalogReference ref("item-1", kWixStoresAppId, {{"variantId", "v1"}});
  auto first = c.create_back_in_stock_notification_request(
      NewNotificationRequest(ref, "jane@example.com"), ItemDetails("A", "1"));
  auto again = c.create_back_in_stock_notification_request(
      NewNotificationRequest(ref, "jane@example.com"), ItemDetails("A", "1"));
  EXPECT_EQ(first.id, again.id);
  auto other = c.create_back_in_stock_notification_request(
      NewNotificationRequest(CatalogReference("item-1", kWixStoresAppId, {{"variantId", "v2"}}),
                             "jane@example.com"),
      ItemDetails("A", "1"));
  EXPECT_NE(first.id, other.id);
  EXPECT_EQ(first.contact_id, other.contact_id);  // one contact per e-mail
  EXPECT_EQ(first.status, Status::kReceived);
  EXPECT_TRUE(first.created_date.has_value());
}

TEST_F(EmulatorTest, QueryRejectsWhatTheServiceRejects) {
  json cursor_and_filter = {
      {"query", {{"filter", {{"status", "RECEIVED"}}}, {"cursorPaging", {{"cursor", "abc"}}}}}};
  auto r = post(std::string(kPath) + "/query", cursor_and_filter.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  auto too_big = post(std::string(kPath) + "/query", R"({"query":{"cursorPaging":{"limit":101}}})");
  EXPECT_EQ(too_big->status, 400);
  auto bad_field = post(std::string(kPath) + "/query", R"({"query":{"filter":{"email":"a@b.c"}}})");
  EXPECT_EQ(bad_field->status, 400);
  auto bad_r = http_->Get((std::string(kPath) + "?.r=!!!").c_str(),
                          {{"Authorization", "k"}, {"wix-site-id", "s"}});
  EXPECT_EQ(bad_r->status, 400);
}

TEST_F(EmulatorTest, IdsWithReservedCharactersRouteToOneRequest) {
  auto c = client();
  // No request has this ID; the point is that the route is still "get one request".
  try {
    c.get_back_in_stock_notification_request("settings/start-collecting");
    FAIL();
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.message(), "Entity not found");
  }
}

TEST_F(EmulatorTest, ResetForgetsEverything) {
  auto c = client();
  c.create_back_in_stock_notification_request(
      NewNotificationRequest(CatalogReference("i", kWixStoresAppId), "a@b.example"),
      ItemDetails("A", "1"));
  c.report_items_back_in_stock(
      ReportItemsBackInStockRequest(CatalogReference("i", kWixStoresAppId), ItemDetails("A", "1")));
  c.stop_collecting_requests();
  EXPECT_EQ(c.query_back_in_stock_notification_requests().requests.size(), 1u);
  EXPECT_EQ(emulator_->notification_count(), 1u);
  emulator_->reset();
  EXPECT_EQ(c.query_back_in_stock_notification_requests().requests.size(), 0u);
  EXPECT_EQ(emulator_->notification_count(), 0u);
  EXPECT_TRUE(c.get_settings().is_collecting(kWixStoresAppId));  // back to the configured start
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

class ConsistencyTest : public test_support::EmulatorFixture {};

TEST_F(ConsistencyTest, WritesNameATokenThatLaterRequestsCarry) {
  auto quiet = client_options();
  quiet.read_your_writes = false;
  Client without(quiet);
  without.start_collecting_requests();
  without.query_back_in_stock_notification_requests();
  EXPECT_EQ(emulator_->consistent_requests_received(), 0u);

  auto c = client();
  c.create_back_in_stock_notification_request(
      NewNotificationRequest(CatalogReference("orchid", kWixStoresAppId), "ann@example.com"),
      ItemDetails("Orchid", "1"));
  EXPECT_EQ(emulator_->consistent_requests_received(), 0u);  // nothing written through `c` yet
  c.query_back_in_stock_notification_requests();
  EXPECT_EQ(emulator_->consistent_requests_received(), 1u);
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

class GatewayTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions behind_a_gateway() {
    auto o = collecting();
    o.service_path_prefix = "/gw/back-in-stock";
    return o;
  }
  GatewayTest() : EmulatorFixture(behind_a_gateway()) {}
};

TEST_F(GatewayTest, TheSdkReachesTheServiceUnderAGatewaysOwnPath) {
  auto o = client_options();
  o.service_path_prefix = "/gw/back-in-stock";
  Client c(o);
  auto created = c.create_back_in_stock_notification_request(
      NewNotificationRequest(CatalogReference("orchid", kWixStoresAppId), "ann@example.com"),
      ItemDetails("Orchid", "1"));
  EXPECT_EQ(c.get_back_in_stock_notification_request(created.id).email, "ann@example.com");
  EXPECT_EQ(emulator_->requests_received("/gw/back-in-stock/v1/back-in-stock-notification-requests",
                                         "POST"),
            1u);
  EXPECT_THROW(client().get_settings(), NotFoundError);  // the default path is not served here
}

TEST_F(GatewayTest, BothScopeHeadersAreAccepted) {
  auto o = client_options();
  o.service_path_prefix = "/gw/back-in-stock";
  o.credentials = ApiKeyCredentials::for_site_and_account("test-key", "site-1", "account-1");
  EXPECT_NO_THROW(Client(o).get_settings());
}

}  // namespace
}  // namespace wix::backinstock
