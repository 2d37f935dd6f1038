// Query Back In Stock Notification Requests: one page, then every page.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    client.start_collecting_requests();
    bis::CatalogReference lily("lily", bis::kWixStoresAppId);
    for (const char* email : {"a@example.com", "b@example.com", "c@example.com"}) {
      client.create_back_in_stock_notification_request(bis::NewNotificationRequest(lily, email),
                                                       bis::ItemDetails("Lily", "12.00"));
    }
    auto waiting = bis::Query()
                       .filter(bis::Filter::eq(bis::QueryField::kStatus, bis::Status::kReceived))
                       .sort(bis::QueryField::kCreatedDate, bis::SortOrder::kDescending)
                       .limit(2);
    auto page = client.query_back_in_stock_notification_requests(waiting);
    std::cout << "first page: " << page.requests.size() << " requests, more: " << std::boolalpha
              << page.has_next() << "\n";
    for (const auto& r : client.query_all_back_in_stock_notification_requests(waiting)) {
      std::cout << "  " << r.email << " " << bis::format_timestamp(*r.created_date) << "\n";
    }
  });
}
