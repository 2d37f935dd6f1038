// Get Back In Stock Notification Request, and what a missing one looks like.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();
    auto id = client
                  .create_back_in_stock_notification_request(
                      bis::NewNotificationRequest(
                          bis::CatalogReference("fern", bis::kWixStoresAppId), "sam@example.com"),
                      bis::ItemDetails("Fern", "9.50"))
                  .id;
    auto request = client.get_back_in_stock_notification_request(id);
    std::cout << request.id << " " << request.email << " " << bis::to_string(request.status)
              << "\n";
    try {
      client.get_back_in_stock_notification_request("00000000-0000-0000-0000-00000000dead");
    } catch (const bis::NotFoundError& e) {
      std::cout << "a missing request: HTTP " << e.http_status() << ", request id "
                << e.request_id() << "\n";
    }
  });
}
