#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "codec.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {
namespace {

using nlohmann::ordered_json;

template <typename F>
void expect_invalid(const std::string& field, F&& f) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected ValidationError for " << field;
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

TEST(QueryTest, OperatorsMapToTheWire) {
  EXPECT_EQ(Filter::eq(QueryField::kId, std::string("x")).dump(), R"({"id":"x"})");
  EXPECT_EQ(Filter::eq(QueryField::kItemUrl, nullptr).dump(), R"({"itemUrl":null})");
  EXPECT_EQ(Filter::ne(QueryField::kStatus, Status::kFailed).dump(),
            R"({"status":{"$ne":"FAILED"}})");
  EXPECT_EQ(Filter::gt(QueryField::kContactId, std::string("c")).dump(),
            R"({"contactId":{"$gt":"c"}})");
  EXPECT_EQ(
      Filter::le(QueryField::kCreatedDate, *parse_timestamp("2024-01-02T03:04:05.006Z")).dump(),
      R"({"createdDate":{"$lte":"2024-01-02T03:04:05.006Z"}})");
  EXPECT_EQ(Filter::exists(QueryField::kAutoNotified, false).dump(),
            R"({"autoNotified":{"$exists":false}})");
  EXPECT_EQ(Filter::starts_with(QueryField::kItemUrl, "https://").dump(),
            R"({"itemUrl":{"$startsWith":"https://"}})");
  EXPECT_EQ(Filter::has_some(QueryField::kId, {std::string("a"), std::string("b")}).dump(),
            R"({"id":{"$hasSome":["a","b"]}})");
  EXPECT_EQ(Filter::eq(QueryField::kAutoNotified, true).dump(), R"({"autoNotified":true})");
}

TEST(QueryTest, LogicalOperators) {
  auto a = Filter::eq(QueryField::kStatus, Status::kReceived);
  auto b = Filter::eq(QueryField::kStatus, Status::kFailed);
  EXPECT_EQ((a || b).dump(), R"({"$or":[{"status":"RECEIVED"},{"status":"FAILED"}]})");
  EXPECT_EQ((!a).dump(), R"({"$not":{"status":"RECEIVED"}})");
  // Same field twice cannot merge into one object: $and.
  EXPECT_EQ((a && b).dump(), R"({"$and":[{"status":"RECEIVED"},{"status":"FAILED"}]})");
  // Nested $and is flattened.
  auto c = Filter::exists(QueryField::kItemUrl);
  EXPECT_EQ(((a && b) && c).dump(),
            R"({"$and":[{"status":"RECEIVED"},{"status":"FAILED"},{"itemUrl":{"$exists":true}}]})");
  // Distinct fields merge.
  EXPECT_EQ((a && c).dump(), R"({"status":"RECEIVED","itemUrl":{"$exists":true}})");
}

TEST(QueryTest, UnsupportedOperatorPerFieldIsRejectedAtBuildTime) {
  expect_invalid("query.filter.status", [] { Filter::starts_with(QueryField::kStatus, "REC"); });
  expect_invalid("query.filter.status", [] { Filter::gt(QueryField::kStatus, Status::kReceived); });
  expect_invalid("query.filter.autoNotified", [] { Filter::lt(QueryField::kAutoNotified, true); });
  expect_invalid("query.filter.createdDate",
                 [] { Filter::starts_with(QueryField::kCreatedDate, "2024"); });
}

TEST(QueryTest, ValueTypeMustSuitTheField) {
  expect_invalid("query.filter.status",
                 [] { Filter::eq(QueryField::kStatus, std::string("RECEIVED")); });
  expect_invalid("query.filter.autoNotified",
                 [] { Filter::eq(QueryField::kAutoNotified, std::string("yes")); });
  expect_invalid("query.filter.createdDate",
                 [] { Filter::ge(QueryField::kCreatedDate, std::string("2024")); });
  expect_invalid("query.filter.id", [] { Filter::eq(QueryField::kId, true); });
  expect_invalid("query.filter.id", [] { Filter::in(QueryField::kId, {}); });
  expect_invalid("query.filter.id", [] { Filter::gt(QueryField::kId, nullptr); });
  expect_invalid("query.filter.status", [] { Filter::eq(QueryField::kStatus, Status::kUnknown); });
}

TEST(QueryTest, LimitIsOneToOneHundred) {
  expect_invalid("query.cursorPaging.limit", [] { Query().limit(0); });
  expect_invalid("query.cursorPaging.limit", [] { Query().limit(101); });
  expect_invalid("query.cursorPaging.limit", [] { Query().limit(-3); });
  EXPECT_EQ(Query().limit(100).limit(), 100);
  EXPECT_EQ(Query().limit(1).limit(), 1);
}

TEST(QueryTest, EncodedQueryHasFilterSortAndPaging) {
  auto q = Query()
               .filter(Filter::eq(QueryField::kStatus, Status::kReceived))
               .sort(QueryField::kCreatedDate, SortOrder::kDescending)
               .sort(QueryField::kId)
               .limit(10);
  EXPECT_EQ(
      internal::encode_query(q),
      R"({"query":{"filter":{"status":"RECEIVED"},"sort":[{"fieldName":"createdDate","order":"DESC"},{"fieldName":"id","order":"ASC"}],"cursorPaging":{"limit":10}}})");
  EXPECT_EQ(internal::encode_query(Query(q).cursor("abc")),
            R"({"query":{"cursorPaging":{"limit":10,"cursor":"abc"}}})");
}

TEST(QueryTest, OffsetPagingIsAChoiceOfItsOwn) {
  auto q = Query().filter(Filter::eq(QueryField::kStatus, Status::kReceived)).limit(3).offset(6);
  EXPECT_EQ(internal::encode_query(q),
            R"({"query":{"filter":{"status":"RECEIVED"},"paging":{"limit":3,"offset":6}}})");
  EXPECT_EQ(internal::encode_query(Query().offset(0)), R"({"query":{"paging":{"offset":0}}})");
  EXPECT_THROW(Query().offset(-1), ValidationError);
  EXPECT_THROW(Query().offset(5).cursor("abc"), ValidationError);
  EXPECT_THROW(Query().cursor("abc").offset(5), ValidationError);
}

TEST(QueryTest, CatalogFieldsFindTheRequestsOfOneProduct) {
  EXPECT_EQ(Filter::eq(QueryField::kCatalogItemId, std::string("orchid")).dump(),
            R"({"catalogReference.catalogItemId":"orchid"})");
  EXPECT_EQ(Filter::ne(QueryField::kCatalogAppId, std::string("app")).dump(),
            R"({"catalogReference.appId":{"$ne":"app"}})");
  EXPECT_EQ(Filter::in(QueryField::kCatalogItemId, {std::string("a"), std::string("b")}).dump(),
            R"({"catalogReference.catalogItemId":{"$in":["a","b"]}})");
  EXPECT_EQ(Filter::has_some(QueryField::kCatalogItemId, {std::string("a")}).dump(),
            R"({"catalogReference.catalogItemId":{"$hasSome":["a"]}})");
  EXPECT_THROW(Filter::gt(QueryField::kCatalogItemId, std::string("a")), ValidationError);
  EXPECT_THROW(Filter::starts_with(QueryField::kCatalogItemId, "a"), ValidationError);
  EXPECT_THROW(Filter::exists(QueryField::kCatalogAppId), ValidationError);
  EXPECT_THROW(Filter::eq(QueryField::kCatalogItemId, true), ValidationError);
}

}  // namespace
}  // namespace wix::backinstock
