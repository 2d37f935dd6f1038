// Create Back In Stock Notification Request: a customer asks to be told when an item returns.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();  // creation needs collection on
    auto created = client.create_back_in_stock_notification_request(
        bis::NewNotificationRequest(
            bis::CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", bis::kWixStoresAppId,
                                  {{"variantId", "00000000-0000-0000-0000-000000000000"}}),
            "jane.doe@example.com",
            std::string("https://www.example.com/product-page/white-orchid")),
        bis::ItemDetails("White Orchid", "29.99"));
    std::cout << "created " << created.id << " for " << created.email << ", status "
              << bis::to_string(created.status) << "\n";
  });
}
