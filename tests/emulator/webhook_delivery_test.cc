// The emulator's webhooks for create, update and delete verify with its public key and arrive in
// entity order.

#include <gtest/gtest.h>

#include <httplib.h>

#include <mutex>
#include <thread>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

TEST(WebhookDeliveryTest, CreateReportMarkDeleteAreDeliveredSignedAndOrdered) {
  emulator::EmulatorOptions options;
  options.collecting_by_default = true;
  emulator::Emulator emulator(options);
  emulator.start();

  webhooks::Verifier verifier(emulator.webhook_public_key_pem());
  std::mutex mutex;
  std::vector<webhooks::Event> events;
  std::vector<std::string> rejected;
  httplib::Server receiver;
  receiver.Post("/hooks", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> guard(mutex);
    try {
      events.push_back(verifier.verify(req.body));
    } catch (const webhooks::WebhookError& e) {
      rejected.push_back(e.what());
    }
    res.status = 200;
  });
  int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { receiver.listen_after_bind(); });
  emulator.set_webhook_url("http://127.0.0.1:" + std::to_string(port) + "/hooks");

  ClientOptions client_options;
  client_options.base_url = emulator.url();
  client_options.credentials = ApiKeyCredentials::for_site("k", "s");
  Client client(client_options);
  CatalogReference item("orchid", kWixStoresAppId);
  auto created = client.create_back_in_stock_notification_request(
      NewNotificationRequest(item, "jane@example.com"), ItemDetails("Orchid", "1"));
  client.report_items_back_in_stock(
      ReportItemsBackInStockRequest(item, ItemDetails("Orchid", "1")));
  client.mark_as_notification_sent(created.id);
  client.delete_back_in_stock_notification_request(created.id);

  EXPECT_TRUE(emulator.wait_for_webhooks(4, std::chrono::seconds(10)));
  receiver.stop();
  thread.join();
  std::lock_guard<std::mutex> guard(mutex);
  EXPECT_TRUE(rejected.empty());
  ASSERT_EQ(events.size(), 4u);
  const webhooks::EventType expected[] = {
      webhooks::EventType::kCreated, webhooks::EventType::kUpdated, webhooks::EventType::kUpdated,
      webhooks::EventType::kDeleted};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].type, expected[i]) << i;
    EXPECT_EQ(events[i].metadata.entity_id, created.id);
    EXPECT_EQ(events[i].metadata.entity_event_sequence, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(events[i].metadata.instance_id, options.instance_id);
  }
  EXPECT_EQ(events[1].entity->status, Status::kNotificationSent);
  EXPECT_EQ(events[1].entity->auto_notified, true);
  EXPECT_EQ(events[2].entity->auto_notified, false);
}

}  // namespace
}  // namespace wix::backinstock
