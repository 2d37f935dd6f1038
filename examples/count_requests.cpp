// Get Back In Stock Notification Requests Count By Catalog References.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();
    bis::CatalogReference rose("rose", bis::kWixStoresAppId);
    bis::CatalogReference tulip("tulip", bis::kWixStoresAppId);
    client.create_back_in_stock_notification_request(
        bis::NewNotificationRequest(rose, "ann@example.com"), bis::ItemDetails("Rose", "3.00"));
    for (const auto& c : client.get_back_in_stock_notification_requests_count_by_catalog_references(
             {rose, tulip})) {
      std::cout << c.catalog_reference.catalog_item_id() << ": " << c.count << " waiting\n";
    }
  });
}
