#include <gtest/gtest.h>

#include <type_traits>

#include "wix/backinstock/model.h"

namespace wix::backinstock {
namespace {

ItemDetails orchid() { return ItemDetails("White Orchid", "29.99"); }
CatalogReference product() {
  return CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId);
}

// Runs `f`, expects a ValidationError for `field`, and returns its message.
template <typename F>
std::string expect_invalid(const std::string& field, F&& f) {
  try {
    f();
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), field);
    std::string what = e.what();
    EXPECT_NE(what.find(field), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no ValidationError for " << field;
  return {};
}

TEST(ValidationTest, ReportTargetsAreSeparateConstructorsSoBothCannotBeGiven) {
  static_assert(
      std::is_constructible_v<ReportItemsBackInStockRequest, CatalogReference, ItemDetails>);
  static_assert(std::is_constructible_v<ReportItemsBackInStockRequest, std::vector<std::string>,
                                        ItemDetails>);
  static_assert(!std::is_constructible_v<ReportItemsBackInStockRequest, CatalogReference,
                                         std::vector<std::string>, ItemDetails>);
  static_assert(!std::is_default_constructible_v<ReportItemsBackInStockRequest>);

  ReportItemsBackInStockRequest by_ref(product(), orchid());
  EXPECT_TRUE(by_ref.catalog_reference().has_value());
  EXPECT_TRUE(by_ref.request_ids().empty());
  ReportItemsBackInStockRequest by_ids(std::vector<std::string>{"a", "b"}, orchid());
  EXPECT_FALSE(by_ids.catalog_reference().has_value());
  EXPECT_EQ(by_ids.request_ids().size(), 2u);
}

TEST(ValidationTest, FromTargetRejectsBothAndNeither) {
  auto both = expect_invalid("catalogReference/requestIds", [] {
    ReportItemsBackInStockRequest::from_target(product(), {"id"}, orchid());
  });
  EXPECT_NE(both.find("not both"), std::string::npos);
  expect_invalid("catalogReference/requestIds",
                 [] { ReportItemsBackInStockRequest::from_target(std::nullopt, {}, orchid()); });
  auto ok = ReportItemsBackInStockRequest::from_target(std::nullopt, {"id"}, orchid());
  EXPECT_EQ(ok.request_ids(), std::vector<std::string>{"id"});
}

TEST(ValidationTest, RequestIdsMustBeNonEmpty) {
  expect_invalid("requestIds",
                 [] { ReportItemsBackInStockRequest(std::vector<std::string>{}, orchid()); });
  expect_invalid("requestIds[1]", [] {
    ReportItemsBackInStockRequest(std::vector<std::string>{"a", ""}, orchid());
  });
}

TEST(ValidationTest, ItemNameAndPriceAreRequired) {
  expect_invalid("itemDetails.name", [] { ItemDetails("", "1.00"); });
  expect_invalid("itemDetails.price", [] { ItemDetails("Orchid", ""); });
}

TEST(ValidationTest, PriceMustBeNonNegativeDecimal) {
  for (const char* bad : {"-1", "abc", "1.", ".5", "1e3", "1,50", " 1", "1.2.3", "+3"}) {
    expect_invalid("itemDetails.price", [&] { ItemDetails("Orchid", bad); });
  }
  for (const char* good : {"0", "29.99", "1000", "0.001"}) {
    EXPECT_EQ(ItemDetails("Orchid", good).price(), good);
  }
}

TEST(ValidationTest, ImageUrlMustBeAbsoluteHttp) {
  for (const char* bad : {"", "not a url", "ftp://x/y.jpg", "/relative.jpg", "https://",
                          "http:///x", "https://exa mple.com/a.jpg", "javascript:alert(1)"}) {
    expect_invalid("itemDetails.image.url", [&] { Image{bad}; });
  }
  EXPECT_EQ(Image("https://static.wixstatic.com/media/a.jpg").url(),
            "https://static.wixstatic.com/media/a.jpg");
  EXPECT_NO_THROW(Image("http://localhost:8080/a.png"));
  EXPECT_NO_THROW(Image("wix:image://v1/abc.jpg/abc.jpg#originWidth=10&originHeight=10"));
}

TEST(ValidationTest, CatalogReferenceFields) {
  expect_invalid("catalogReference.catalogItemId", [] { CatalogReference("", kWixStoresAppId); });
  expect_invalid("catalogReference.catalogItemId",
                 [] { CatalogReference(std::string(37, 'a'), kWixStoresAppId); });
  EXPECT_NO_THROW(CatalogReference(std::string(36, 'a'), kWixStoresAppId));
  expect_invalid("catalogReference.appId", [] { CatalogReference("item", ""); });
}

TEST(ValidationTest, OptionsMustBeAJsonObject) {
  expect_invalid("options", [] { JsonObject::parse("[1,2]"); });
  expect_invalid("options", [] { JsonObject::parse("{not json"); });
  auto options = JsonObject::parse(R"({"variantId":"v1","nested":{"a":[1,2]}})");
  CatalogReference a("item", kWixStoresAppId, options);
  CatalogReference b("item", kWixStoresAppId,
                     JsonObject::parse(R"({"nested":{"a":[1,2]},"variantId":"v1"})"));
  EXPECT_EQ(a, b);  // structural, not textual
  EXPECT_NE(a, CatalogReference("item", kWixStoresAppId, {{"variantId", "v2"}}));
}

TEST(ValidationTest, EmbeddedNulAndInvalidUtf8AreRejected) {
  expect_invalid("itemDetails.name", [] { ItemDetails(std::string("Or\0chid", 7), "1"); });
  expect_invalid("itemDetails.name", [] { ItemDetails("Orchid \xC3\x28", "1"); });
  expect_invalid("itemDetails.name", [] { ItemDetails("\xED\xA0\x80", "1"); });  // surrogate
  expect_invalid("itemDetails.name", [] { ItemDetails("\xC0\xAF", "1"); });      // overlong
  expect_invalid("requestIds[0]", [] {
    ReportItemsBackInStockRequest(std::vector<std::string>{std::string("a\0b", 3)}, orchid());
  });
  expect_invalid("extraAutomationTemplateParameters.note", [] {
    ReportItemsBackInStockRequest(product(), orchid(), {{"note", "\xFF"}});
  });
  expect_invalid("options.variantId", [] { JsonObject({{"variantId", "\xFE"}}); });
  EXPECT_EQ(ItemDetails("Orchidée 🌸", "1").name(), "Orchidée 🌸");
}

TEST(ValidationTest, HugeStringsAreAcceptedWithoutCrash) {
  std::string huge(1 << 20, 'x');
  EXPECT_EQ(ItemDetails(huge, "1").name().size(), huge.size());
}

TEST(ValidationTest, NewNotificationRequestChecksEmailAndItemUrl) {
  expect_invalid("request.email", [] { NewNotificationRequest(product(), ""); });
  for (const char* bad : {"plain", "@example.com", "jane@", "a@b@c", "jane doe@example.com"}) {
    expect_invalid("request.email", [&] { NewNotificationRequest(product(), bad); });
  }
  expect_invalid("request.itemUrl", [] {
    NewNotificationRequest(product(), "jane@example.com", std::string("/product/1"));
  });
  NewNotificationRequest ok(product(), "jane@example.com", std::string("https://shop.example/p/1"));
  EXPECT_EQ(ok.email(), "jane@example.com");
}

TEST(ValidationTest, TemplateParameterNamesMustNotBeEmpty) {
  expect_invalid("extraAutomationTemplateParameters", [] {
    ReportItemsBackInStockRequest(product(), orchid(), {{"", "x"}});
  });
}

TEST(TimestampTest, FormatsAndParsesRfc3339WithMilliseconds) {
  auto t = parse_timestamp("2024-03-14T09:26:53.589Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(format_timestamp(*t), "2024-03-14T09:26:53.589Z");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count(),
            1710408413589LL);
  auto offset = parse_timestamp("2024-03-14T11:26:53.589+02:00");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(*offset, *t);
  EXPECT_EQ(format_timestamp(*parse_timestamp("2024-03-01T00:00:00Z")), "2024-03-01T00:00:00.000Z");
  for (const char* bad : {"", "2024-03-14", "2024-13-01T00:00:00Z", "2024-03-14T09:26:53.Z",
                          "2024-03-14T09:26:53.589", "2024-03-14T09:26:53.589Zjunk"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

// The clock (system_clock, nanoseconds in 64 bits) holds about 1678 to 2261: a date outside is no
// time point at all, never a different one.
TEST(TimestampTest, ADateTheClockCannotHoldIsNoTimePoint) {
  for (const char* outside :
       {"9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z", "2263-01-01T00:00:00Z",
        "1677-01-01T00:00:00Z", "2262-04-11T23:47:17Z"}) {
    auto t = parse_timestamp(outside);
    EXPECT_FALSE(t.has_value()) << outside << " read as " << format_timestamp(*t);
  }
  for (const char* inside : {"2262-04-11T00:00:00.000Z", "1678-01-01T00:00:00.000Z",
                             "1970-01-01T00:00:00.000Z", "2000-02-29T12:00:00.000Z"}) {
    auto t = parse_timestamp(inside);
    ASSERT_TRUE(t.has_value()) << inside;
    EXPECT_EQ(format_timestamp(*t), inside);
  }
}

TEST(StatusTest, KnownAndUnknownValues) {
  EXPECT_EQ(parse_status("NOTIFICATION_SENT"), Status::kNotificationSent);
  EXPECT_EQ(parse_status("FAILED"), Status::kFailed);
  EXPECT_EQ(parse_status("SOMETHING_NEW"), Status::kUnknown);
  EXPECT_STREQ(to_string(Status::kReceived), "RECEIVED");
}

}  // namespace
}  // namespace wix::backinstock
