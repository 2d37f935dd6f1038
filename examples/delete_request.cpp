// Delete Back In Stock Notification Request.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();
    auto id = client
                  .create_back_in_stock_notification_request(
                      bis::NewNotificationRequest(
                          bis::CatalogReference("cactus", bis::kWixStoresAppId), "lee@example.com"),
                      bis::ItemDetails("Cactus", "4.00"))
                  .id;
    client.delete_back_in_stock_notification_request(id);
    std::cout << "deleted " << id << "\n";
  });
}
