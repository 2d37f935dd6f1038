// Mark As Notification Sent: the store told the customer itself (by phone, say).
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();
    auto id = client
                  .create_back_in_stock_notification_request(
                      bis::NewNotificationRequest(
                          bis::CatalogReference("bonsai", bis::kWixStoresAppId), "kim@example.com"),
                      bis::ItemDetails("Bonsai", "49.00"))
                  .id;
    auto marked = client.mark_as_notification_sent(id);
    std::cout << marked.id << " " << bis::to_string(marked.status)
              << " autoNotified=" << std::boolalpha << marked.auto_notified.value_or(false) << "\n";
    try {
      client.mark_as_notification_sent("00000000-0000-0000-0000-00000000dead");
    } catch (const bis::BackInStockNotificationRequestNotFoundError& e) {
      std::cout << "unknown ID: HTTP " << e.http_status() << " " << e.application_code() << "\n";
    }
  });
}
