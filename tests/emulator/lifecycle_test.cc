// The whole flow of a store, end to end against the emulator, through the SDK.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;

class LifecycleTest : public test_support::EmulatorFixture {
 protected:
  LifecycleTest()
      : EmulatorFixture(emulator::EmulatorOptions{}),  // collection starts off, as on a new site
        client_(std::make_unique<Client>(client_options())) {}
  std::unique_ptr<Client> client_;
};

TEST_F(LifecycleTest, CollectCreateCountQueryReportMarkDelete) {
  Client& c = *client_;
  CatalogReference orchid("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId,
                          {{"variantId", "00000000-0000-0000-0000-000000000000"}});
  CatalogReference fern("df19c1f7-07d8-a265-42f8-e8dfa824cc6e", kWixStoresAppId);
  ItemDetails orchid_details("White Orchid", "29.99", Image("https://static.example/orchid.jpg"));

  // Collection starts off on a fresh site.
  EXPECT_FALSE(c.get_settings().is_collecting(kWixStoresAppId));
  EXPECT_TRUE(c.start_collecting_requests().is_collecting(kWixStoresAppId));

  // Seven customers wait for the orchid (one with an undeliverable address), two for the fern.
  std::vector<std::string> emails = {"ann@example.com", "bob@example.com", "cy@example.com",
                                     "di@example.com",  "ed@example.com",  "fay@example.com",
                                     "gus@mail.invalid"};
  std::vector<NotificationRequest> created;
  for (const auto& email : emails) {
    created.push_back(c.create_back_in_stock_notification_request(
        NewNotificationRequest(orchid, email, std::string("https://shop.example/orchid")),
        orchid_details));
  }
  for (const char* email : {"ann@example.com", "hal@example.com"}) {
    c.create_back_in_stock_notification_request(NewNotificationRequest(fern, email),
                                                ItemDetails("Fern", "9.50"));
  }
  for (const auto& r : created) EXPECT_EQ(r.status, Status::kReceived);

  auto counts = c.get_back_in_stock_notification_requests_count_by_catalog_references(
      {fern, orchid, CatalogReference("nothing", kWixStoresAppId)});
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].catalog_reference, fern);
  EXPECT_EQ(counts[0].count, 2);
  EXPECT_EQ(counts[1].count, 7);
  EXPECT_EQ(counts[2].count, 0);

  // Filter + sort across at least three pages: the orchid requests all carry an item URL.
  auto query = Query()
                   .filter(Filter::eq(QueryField::kStatus, Status::kReceived) &&
                           Filter::starts_with(QueryField::kItemUrl, "HTTPS://SHOP.EXAMPLE/orch"))
                   .sort(QueryField::kCreatedDate, SortOrder::kAscending)
                   .limit(3);
  std::vector<std::string> walked;
  auto pager = c.query_all_back_in_stock_notification_requests(query);
  for (const auto& r : pager) walked.push_back(r.id);
  EXPECT_EQ(pager.pages_fetched(), 3u);
  std::vector<std::string> expected;
  for (const auto& r : created) expected.push_back(r.id);
  EXPECT_EQ(walked, expected);  // creation order = createdDate ascending

  auto newest_first = c.query_back_in_stock_notification_requests(
      Query().sort(QueryField::kCreatedDate, SortOrder::kDescending).limit(1));
  ASSERT_EQ(newest_first.requests.size(), 1u);
  EXPECT_EQ(newest_first.requests[0].email, "hal@example.com");
  EXPECT_TRUE(newest_first.has_next());

  // Restock the orchid.
  c.report_items_back_in_stock(
      ReportItemsBackInStockRequest(orchid, orchid_details, {{"storeName", "Green Thumb"}}));
  for (const auto& r : created) {
    auto now = c.get_back_in_stock_notification_request(r.id);
    bool undeliverable = r.email == "gus@mail.invalid";
    EXPECT_EQ(now.status, undeliverable ? Status::kFailed : Status::kNotificationSent) << r.email;
    EXPECT_EQ(now.auto_notified, true);
  }
  auto outbox = json::parse(emulator_->outbox_json());
  auto notifications = outbox["notifications"];
  ASSERT_EQ(notifications.size(), 6u);
  std::set<std::string> notified;
  for (const auto& n : notifications) {
    notified.insert(n["requestId"].get<std::string>());
    EXPECT_EQ(n["template"]["item.name"], "White Orchid");
    EXPECT_EQ(n["template"]["item.price"], "29.99");
    EXPECT_EQ(n["template"]["item.image.url"], "https://static.example/orchid.jpg");
    EXPECT_EQ(n["template"]["storeName"], "Green Thumb");
  }
  EXPECT_EQ(notified.size(), 6u);  // exactly one per notified request
  EXPECT_EQ(notified.count(created.back().id), 0u);

  // Status filters see the outcome.
  auto failed = c.query_back_in_stock_notification_requests(
      Query().filter(Filter::eq(QueryField::kStatus, Status::kFailed)));
  ASSERT_EQ(failed.requests.size(), 1u);
  EXPECT_EQ(failed.requests[0].email, "gus@mail.invalid");

  // The fern customers were not notified.
  auto fern_waiting = c.query_back_in_stock_notification_requests(
      Query().filter(Filter::exists(QueryField::kAutoNotified, false)));
  EXPECT_EQ(fern_waiting.requests.size(), 2u);

  // Notified by hand, outside Wix.
  auto marked = c.mark_as_notification_sent(created.back().id);
  EXPECT_EQ(marked.status, Status::kNotificationSent);
  EXPECT_EQ(marked.auto_notified, false);

  c.delete_back_in_stock_notification_request(created.front().id);
  EXPECT_THROW(c.get_back_in_stock_notification_request(created.front().id), NotFoundError);
  EXPECT_EQ(
      c.get_back_in_stock_notification_requests_count_by_catalog_references({orchid})[0].count, 6);

  EXPECT_FALSE(c.stop_collecting_requests().is_collecting(kWixStoresAppId));
}

TEST_F(LifecycleTest, ReportByRequestIdsNotifiesExactlyThose) {
  Client& c = *client_;
  c.start_collecting_requests();
  CatalogReference ref("item", kWixStoresAppId);
  std::vector<std::string> ids;
  for (const char* email : {"a@example.com", "b@example.com", "c@example.com"}) {
    ids.push_back(c.create_back_in_stock_notification_request(NewNotificationRequest(ref, email),
                                                              ItemDetails("Item", "1"))
                      .id);
  }
  c.report_items_back_in_stock(ReportItemsBackInStockRequest(
      std::vector<std::string>{ids[0], ids[2]}, ItemDetails("Item", "1")));
  EXPECT_EQ(c.get_back_in_stock_notification_request(ids[0]).status, Status::kNotificationSent);
  EXPECT_EQ(c.get_back_in_stock_notification_request(ids[1]).status, Status::kReceived);
  EXPECT_EQ(c.get_back_in_stock_notification_request(ids[2]).status, Status::kNotificationSent);
  EXPECT_EQ(emulator_->notification_count(), 2u);
}

TEST_F(LifecycleTest, PostQueryAndGetQueryAgree) {
  Client& c = *client_;
  c.start_collecting_requests();
  for (int i = 0; i < 5; ++i) {
    c.create_back_in_stock_notification_request(
        NewNotificationRequest(CatalogReference("item", kWixStoresAppId),
                               "u" + std::to_string(i) + "@example.com"),
        ItemDetails("Item", "1"));
  }
  // A filter long enough to force POST /query, but matching everything.
  std::vector<FilterValue> ids;
  for (int i = 0; i < 120; ++i)
    ids.push_back("00000000-0000-0000-0000-" + std::to_string(100000000000 + i));
  auto long_query =
      Query().filter(!Filter::in(QueryField::kId, ids)).sort(QueryField::kCreatedDate);
  auto short_query = Query().sort(QueryField::kCreatedDate);
  auto via_post = c.query_back_in_stock_notification_requests(long_query);
  auto via_get = c.query_back_in_stock_notification_requests(short_query);
  ASSERT_EQ(via_post.requests.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(via_post.requests[i].id, via_get.requests[i].id);
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

class ParityQueryTest : public test_support::EmulatorFixture {
 protected:
  void create(const std::string& item, const std::string& email,
              const std::string& app = std::string(kWixStoresAppId)) {
    client().create_back_in_stock_notification_request(
        NewNotificationRequest(CatalogReference(item, app), email), ItemDetails("Item", "1"));
  }
  std::vector<std::string> emails(const Query& query) {
    std::vector<std::string> out;
    for (const auto& r : client().query_all_back_in_stock_notification_requests(query))
      out.push_back(r.email);
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(ParityQueryTest, EveryRequestWaitingForOneProduct) {
  create("orchid", "ann@example.com");
  create("orchid", "bob@example.com");
  create("fern", "cid@example.com");
  using V = std::vector<std::string>;
  EXPECT_EQ(emails(Query().filter(Filter::eq(QueryField::kCatalogItemId, std::string("orchid")))),
            (V{"ann@example.com", "bob@example.com"}));
  EXPECT_EQ(emails(Query().filter(Filter::ne(QueryField::kCatalogItemId, std::string("orchid")))),
            (V{"cid@example.com"}));
  EXPECT_EQ(emails(Query().filter(Filter::in(QueryField::kCatalogItemId,
                                             {std::string("fern"), std::string("tulip")}))),
            (V{"cid@example.com"}));
  EXPECT_EQ(
      emails(Query().filter(Filter::has_some(QueryField::kCatalogItemId, {std::string("orchid")}))),
      (V{"ann@example.com", "bob@example.com"}));
  EXPECT_EQ(
      emails(Query().filter(Filter::eq(QueryField::kCatalogAppId, std::string(kWixStoresAppId)) &&
                            Filter::eq(QueryField::kCatalogItemId, std::string("fern")))),
      (V{"cid@example.com"}));
}

TEST_F(ParityQueryTest, OffsetPagesAndTheirTotal) {
  for (int i = 0; i < 7; ++i) create("item-" + std::to_string(i), "u@example.com");
  auto page = client().query_back_in_stock_notification_requests(Query().limit(3).offset(3));
  EXPECT_EQ(page.requests.size(), 3u);
  EXPECT_EQ(page.metadata.offset, 3);
  EXPECT_EQ(page.metadata.total, 7);
  EXPECT_FALSE(page.metadata.next_cursor.has_value());
  auto pager = client().query_all_back_in_stock_notification_requests(Query().limit(3).offset(0));
  std::set<std::string> ids;
  for (const auto& r : pager) ids.insert(r.id);
  EXPECT_EQ(ids.size(), 7u);
  EXPECT_EQ(pager.pages_fetched(), 3u);
  auto last = client().query_back_in_stock_notification_requests(Query().limit(3).offset(6));
  EXPECT_EQ(last.requests.size(), 1u);
}

}  // namespace
}  // namespace wix::backinstock
