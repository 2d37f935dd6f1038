// A service of yours, tested against the emulator: when a product returns, it reports it once,
// and the customers who asked are e-mailed; when the service is down, nobody is.

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include <wix/backinstock/backinstock.h>
#include <wix/backinstock/testing/emulator_test.h>

namespace bis = wix::backinstock;

// The code under test: what your service does when stock comes back.
class RestockService {
 public:
  explicit RestockService(bis::Client& client) : client_(client) {}
  void on_restock(const std::string& product_id, const std::string& name,
                  const std::string& price) {
    client_.report_items_back_in_stock(bis::ReportItemsBackInStockRequest(
        bis::CatalogReference(product_id, bis::kWixStoresAppId), bis::ItemDetails(name, price)));
  }

 private:
  bis::Client& client_;
};

// A fresh emulator per test; `SharedEmulatorTest` keeps one per suite and resets it instead.
class RestockServiceTest : public bis::testing::EmulatorTest {};

TEST_F(RestockServiceTest, CustomersWhoAskedAreEmailedOnce) {
  client().create_back_in_stock_notification_request(
      bis::NewNotificationRequest(bis::CatalogReference("orchid", bis::kWixStoresAppId),
                                  "ada@example.com"),
      bis::ItemDetails("White Orchid", "29.99"));

  RestockService service(client());
  service.on_restock("orchid", "White Orchid", "29.99");

  const bis::emulator::Outbox outbox = emulator().outbox();
  ASSERT_EQ(outbox.reports.size(), 1u);
  EXPECT_EQ(outbox.reports[0].catalog_item_id, "orchid");
  ASSERT_EQ(outbox.notifications.size(), 1u);
  EXPECT_EQ(outbox.notifications[0].email, "ada@example.com");
  EXPECT_EQ(outbox.notifications[0].template_parameters.at("item.price"), "29.99");
}

TEST_F(RestockServiceTest, NobodyIsEmailedWhenTheServiceIsDown) {
  bis::emulator::Fault outage;  // the next Report is answered 503, unprocessed
  outage.kind = bis::emulator::Fault::Kind::kStatus;
  outage.path = "/report-items-back-in-stock";
  outage.status = 503;
  emulator().inject(outage);

  RestockService service(client());
  EXPECT_THROW(service.on_restock("orchid", "White Orchid", "29.99"), bis::ServerError);
  EXPECT_TRUE(emulator().outbox().notifications.empty());
  ASSERT_EQ(emulator().request_log().size(), 1u);  // one attempt: a Report is never re-sent
  EXPECT_EQ(emulator().request_log()[0].status, 503);
}
