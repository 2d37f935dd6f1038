// How to unit-test your own code that uses the SDK, with no network: give it a Client built on a
// MockConnection. `RestockService` stands for your code.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/mocks.h"

namespace bis = wix::backinstock;
using ::testing::_;
using ::testing::Return;
using ::testing::Throw;

// The code under test: notifies waiting customers when stock arrives, but only if anyone waits.
class RestockService {
 public:
  explicit RestockService(bis::Client client) : client_(std::move(client)) {}

  // Returns how many customers were waiting; reports the item only if some were.
  int restock(const bis::CatalogReference& item, const bis::ItemDetails& details) {
    auto counts =
        client_.get_back_in_stock_notification_requests_count_by_catalog_references({item});
    int waiting = counts.empty() ? 0 : counts.front().count;
    if (waiting > 0)
      client_.report_items_back_in_stock(bis::ReportItemsBackInStockRequest(item, details));
    return waiting;
  }

 private:
  bis::Client client_;
};

class RestockServiceTest : public ::testing::Test {
 protected:
  std::shared_ptr<bis::MockConnection> mock_ = std::make_shared<bis::MockConnection>();
  RestockService service_{bis::Client(mock_)};
  bis::CatalogReference orchid_{"orchid", bis::kWixStoresAppId};
  bis::ItemDetails details_{"White Orchid", "29.99"};
};

TEST_F(RestockServiceTest, ReportsWhenCustomersWait) {
  EXPECT_CALL(*mock_, get_back_in_stock_notification_requests_count_by_catalog_references(_, _))
      .WillOnce(Return(std::vector<bis::CatalogReferenceCount>{{orchid_, 3}}));
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _))
      .WillOnce([&](const bis::ReportItemsBackInStockRequest& request, const bis::CallOptions&) {
        EXPECT_EQ(request.catalog_reference(), orchid_);
        EXPECT_EQ(request.item_details().price(), "29.99");
      });
  EXPECT_EQ(service_.restock(orchid_, details_), 3);
}

TEST_F(RestockServiceTest, StaysQuietWhenNobodyWaits) {
  EXPECT_CALL(*mock_, get_back_in_stock_notification_requests_count_by_catalog_references(_, _))
      .WillOnce(Return(std::vector<bis::CatalogReferenceCount>{{orchid_, 0}}));
  EXPECT_CALL(*mock_, report_items_back_in_stock(_, _)).Times(0);
  EXPECT_EQ(service_.restock(orchid_, details_), 0);
}

TEST_F(RestockServiceTest, ErrorsReachTheCaller) {
  auto details = std::make_shared<bis::ApiErrorDetails>();
  details->http_status = 429;
  details->canonical_code = "RESOURCE_EXHAUSTED";
  EXPECT_CALL(*mock_, get_back_in_stock_notification_requests_count_by_catalog_references(_, _))
      .WillOnce(Throw(bis::RateLimitedError(details)));
  EXPECT_THROW(service_.restock(orchid_, details_), bis::RateLimitedError);
}

// The same for code that uses AsyncClient: a MockAsyncConnection whose actions return futures.
TEST(AsyncRestockTest, WaitsForTheReportOfEveryItem) {
  auto mock = std::make_shared<bis::MockAsyncConnection>();
  EXPECT_CALL(*mock, report_items_back_in_stock(_, _))
      .Times(2)
      .WillRepeatedly([](const bis::ReportItemsBackInStockRequest&, const bis::CallOptions&) {
        return bis::ready_future();
      });
  bis::AsyncClient client(mock);
  bis::ItemDetails details{"White Orchid", "29.99"};
  std::vector<std::future<void>> reports;
  for (const char* id : {"orchid", "fern"})
    reports.push_back(client.report_items_back_in_stock(bis::ReportItemsBackInStockRequest(
        bis::CatalogReference(id, bis::kWixStoresAppId), details)));
  for (auto& report : reports) EXPECT_NO_THROW(report.get());
}
