#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "codec.h"
#include "encoding.h"
#include "fixtures.h"
#include "wire.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {
namespace {

using nlohmann::ordered_json;
using test_support::read_fixture;

// The fixture README's golden `.r` values: base64url of the fixture compacted in file order.
constexpr char kGoldenQuery[] =
    "eyJxdWVyeSI6eyJmaWx0ZXIiOnsic3RhdHVzIjp7IiRpbiI6WyJSRUNFSVZFRCIsIkZBSUxFRCJdfSwiY3JlYXRlZERhdG"
    "UiOnsiJGd0ZSI6IjIwMjQtMDMtMDFUMDA6MDA6MDAuMDAwWiJ9fSwic29ydCI6W3siZmllbGROYW1lIjoiY3JlYXRlZERh"
    "dGUiLCJvcmRlciI6IkRFU0MifV0sImN1cnNvclBhZ2luZyI6eyJsaW1pdCI6Mn19fQ";
constexpr char kGoldenNextPage[] =
    "eyJxdWVyeSI6eyJjdXJzb3JQYWdpbmciOnsibGltaXQiOjIsImN1cnNvciI6ImV5Sm1hV3gwWlhJaU9uc2ljM1JoZEhWek"
    "lqcDdJaVJwYmlJNld5SlNSVU5GU1ZaRlJDSXNJa1pCU1V4RlJDSmRmWDBzSW5aaGJIVmxJam9pTWpBeU5DMHdNeTB4TkZR"
    "d09Ub3lOam8xTXk0MU9EbGFJbjAifX19";
constexpr char kGoldenCount[] =
    "eyJjYXRhbG9nUmVmZXJlbmNlcyI6W3siYXBwSWQiOiIyMTUyMzhlYi0yMmE1LTRjMzYtOWU3Yi1lN2MwODAyNWUwNGUiLC"
    "JjYXRhbG9nSXRlbUlkIjoiYzg1MzliNjYtN2E0NC1mZTE4LWFmZmMtYWZlYzRiZTg1NjJhIiwib3B0aW9ucyI6eyJ2YXJp"
    "YW50SWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifX0seyJhcHBJZCI6IjIxNTIzOGViLTIyYT"
    "UtNGMzNi05ZTdiLWU3YzA4MDI1ZTA0ZSIsImNhdGFsb2dJdGVtSWQiOiJkZjE5YzFmNy0wN2Q4LWEyNjUtNDJmOC1lOGRm"
    "YTgyNGNjNmUifV19";

Query fixture_query() {
  return Query()
      .filter(Filter::in(QueryField::kStatus, {Status::kReceived, Status::kFailed}) &&
              Filter::ge(QueryField::kCreatedDate, *parse_timestamp("2024-03-01T00:00:00.000Z")))
      .sort(QueryField::kCreatedDate, SortOrder::kDescending)
      .limit(2);
}

TEST(WireTest, Base64UrlRoundTripsWithoutPadding) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    auto encoded = internal::base64url_encode(s);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    EXPECT_EQ(encoded.find('+'), std::string::npos);
    EXPECT_EQ(encoded.find('/'), std::string::npos);
    std::string decoded;
    ASSERT_TRUE(internal::base64url_decode(encoded, decoded));
    EXPECT_EQ(decoded, s);
  }
  EXPECT_EQ(internal::base64url_encode("\xfb\xff"), "-_8");
  std::string out;
  EXPECT_FALSE(internal::base64url_decode("a", out));
  EXPECT_FALSE(internal::base64url_decode("ab$d", out));
}

TEST(WireTest, QueryEncodesToTheGoldenDotR) {
  auto json = internal::encode_query(fixture_query());
  EXPECT_EQ(ordered_json::parse(json), ordered_json::parse(read_fixture("query.request.json")));
  auto call = internal::query_call(json);
  EXPECT_STREQ(call.method, "GET");
  EXPECT_EQ(call.path, "/back-in-stock-service/v1/back-in-stock-notification-requests");
  EXPECT_EQ(call.query_string, std::string(".r=") + kGoldenQuery);
  EXPECT_TRUE(call.body.empty());
}

TEST(WireTest, NextPageSendsOnlyCursorPaging) {
  auto next = fixture_query().cursor(
      "eyJmaWx0ZXIiOnsic3RhdHVzIjp7IiRpbiI6WyJSRUNFSVZFRCIsIkZBSUxFRCJdfX0sInZhbHVlIjoiMjAyNC0wMy0x"
      "NFQwOToyNjo1My41ODlaIn0");
  auto call = internal::query_call(internal::encode_query(next));
  EXPECT_EQ(call.query_string, std::string(".r=") + kGoldenNextPage);
}

TEST(WireTest, CountEncodesToTheGoldenDotR) {
  std::vector<CatalogReference> refs{
      CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId,
                       {{"variantId", "00000000-0000-0000-0000-000000000000"}}),
      CatalogReference("df19c1f7-07d8-a265-42f8-e8dfa824cc6e", kWixStoresAppId)};
  EXPECT_EQ(internal::dot_r_parameter(internal::encode_count(refs)),
            std::string(".r=") + kGoldenCount);
}

TEST(WireTest, EmptyQueryIsAPlainGet) {
  auto call = internal::query_call(internal::encode_query(Query()));
  EXPECT_STREQ(call.method, "GET");
  EXPECT_TRUE(call.query_string.empty());
}

// Builds a query whose `.r=` parameter is exactly `length` characters long.
std::string query_json_with_parameter_length(std::size_t length) {
  // .r= + base64 of JSON; grow a startsWith prefix until the size is hit exactly or passed.
  for (std::size_t n = 0; n < 4000; ++n) {
    auto json = internal::encode_query(
        Query().filter(Filter::starts_with(QueryField::kItemUrl, std::string(n, 'a'))));
    auto size = internal::dot_r_parameter(json).size();
    if (size == length) return json;
    if (size > length) break;
  }
  return {};
}

TEST(WireTest, SwitchesToPostAboveFourThousandCharacters) {
  // base64 grows in steps of 4 characters per 3 bytes, so check the closest sizes on each side.
  std::string at_limit;
  for (std::size_t length = internal::kMaxQueryStringLength; at_limit.empty(); --length) {
    at_limit = query_json_with_parameter_length(length);
  }
  std::string over;
  for (std::size_t length = internal::kMaxQueryStringLength + 1; over.empty(); ++length) {
    over = query_json_with_parameter_length(length);
  }
  auto get = internal::query_call(at_limit);
  EXPECT_STREQ(get.method, "GET");
  EXPECT_LE(get.query_string.size(), 4000u);
  auto post = internal::query_call(over);
  EXPECT_STREQ(post.method, "POST");
  EXPECT_EQ(post.path, "/back-in-stock-service/v1/back-in-stock-notification-requests/query");
  EXPECT_EQ(post.body, over);
  EXPECT_GT(internal::dot_r_parameter(over).size(), 4000u);
  EXPECT_TRUE(post.query_string.empty());
}

TEST(WireTest, PercentEncodingKeepsIdsInOneSegment) {
  EXPECT_EQ(internal::percent_encode("6f3c2a1e-8b4d"), "6f3c2a1e-8b4d");
  EXPECT_EQ(internal::percent_encode("a/b?c#d e%f"), "a%2Fb%3Fc%23d%20e%25f");
  EXPECT_EQ(internal::percent_encode("é"), "%C3%A9");
}

}  // namespace
}  // namespace wix::backinstock
