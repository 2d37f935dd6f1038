// The testing component as its users write tests with it: the GoogleTest fixtures of
// emulator_test.h (an emulator per test, or one per suite reset before each test), the outbox,
// the stored requests and the request log read back as values, and faults given as C++ values.

#include <gtest/gtest.h>

#include <string>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing/emulator_test.h"

namespace wix::backinstock {
namespace {

ReportItemsBackInStockRequest orchid_is_back() {
  return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

NewNotificationRequest waiting_for_orchid(const std::string& email) {
  return NewNotificationRequest(CatalogReference("orchid", kWixStoresAppId), email);
}

class PerTestEmulator : public testing::EmulatorTest {};

TEST_F(PerTestEmulator, TheOutboxSaysWhoWasEmailedAndWithWhat) {
  auto created = client().create_back_in_stock_notification_request(
      waiting_for_orchid("ada@example.com"), ItemDetails("White Orchid", "29.99"));
  client().report_items_back_in_stock(orchid_is_back());

  const emulator::Outbox outbox = emulator().outbox();
  ASSERT_EQ(outbox.reports.size(), 1u);
  EXPECT_EQ(outbox.reports[0].catalog_item_id, "orchid");
  EXPECT_EQ(outbox.reports[0].app_id, kWixStoresAppId);
  EXPECT_EQ(outbox.reports[0].template_parameters.at("item.name"), "White Orchid");
  EXPECT_EQ(outbox.reports[0].template_parameters.at("item.price"), "29.99");
  ASSERT_EQ(outbox.notifications.size(), 1u);
  EXPECT_EQ(outbox.notifications[0].email, "ada@example.com");
  EXPECT_EQ(outbox.notifications[0].request_id, created.id);

  const auto stored = emulator().stored_requests();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, created.id);
  EXPECT_EQ(stored[0].status, "NOTIFICATION_SENT");
  EXPECT_EQ(stored[0].auto_notified, std::optional<bool>(true));
}

TEST_F(PerTestEmulator, TheRequestLogListsWhatArrivedWithItsAnswer) {
  client().report_items_back_in_stock(orchid_is_back());
  EXPECT_THROW(client().get_back_in_stock_notification_request("no-such-request"), NotFoundError);
  const auto log = emulator().request_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_NE(log[0].target.find("report-items-back-in-stock"), std::string::npos);
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[1].method, "GET");
  EXPECT_EQ(log[1].status, 404);
  EXPECT_FALSE(log[1].code.empty());
  EXPECT_FALSE(log[1].request_id.empty());
}

TEST_F(PerTestEmulator, AFaultIsACppValue) {
  emulator::Fault outage;
  outage.kind = emulator::Fault::Kind::kStatus;
  outage.path = "/report-items-back-in-stock";
  outage.status = 503;
  emulator().inject(outage);
  EXPECT_THROW(client().report_items_back_in_stock(orchid_is_back()), ServerError);
  EXPECT_TRUE(emulator().outbox().reports.empty());  // the Report was refused, not processed
}

TEST_F(PerTestEmulator, AResetForgetsRequestsReportsTheLogAndFaults) {
  client().report_items_back_in_stock(orchid_is_back());
  emulator::Fault outage;
  outage.status = 500;
  outage.times = 100;
  emulator().inject(outage);
  emulator().reset();
  EXPECT_TRUE(emulator().outbox().reports.empty());
  EXPECT_TRUE(emulator().request_log().empty());
  EXPECT_TRUE(emulator().stored_requests().empty());
  EXPECT_NO_THROW(client().report_items_back_in_stock(orchid_is_back()));  // no fault left
}

TEST_F(PerTestEmulator, TheAsyncClientReachesItToo) {
  async_client().report_items_back_in_stock(orchid_is_back()).get();
  EXPECT_EQ(emulator().outbox().reports.size(), 1u);
}

// One emulator for the suite: each test starts from nothing, whatever the test before it did
// (seen when the suite runs in one process: `emulator_tests --gtest_filter='SharedEmulator.*'`).
class SharedEmulator : public testing::SharedEmulatorTest {};

TEST_F(SharedEmulator, AFirstTestLeavesAReportAndAFault) {
  client().report_items_back_in_stock(orchid_is_back());
  emulator::Fault outage;
  outage.status = 500;
  outage.times = 100;
  emulator().inject(outage);
  EXPECT_EQ(emulator().outbox().reports.size(), 1u);
}

TEST_F(SharedEmulator, TheNextStartsFromAnEmptyEmulator) {
  EXPECT_TRUE(emulator().outbox().reports.empty());
  EXPECT_TRUE(emulator().request_log().empty());
  EXPECT_NO_THROW(client().report_items_back_in_stock(orchid_is_back()));  // no fault left
}

}  // namespace
}  // namespace wix::backinstock
