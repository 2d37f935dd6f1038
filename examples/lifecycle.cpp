// The life of back-in-stock requests in a store: start collecting, customers sign up, the
// warehouse restocks, the store reports it, and the requests are tidied up.
//
//   WIX_API_KEY, WIX_SITE_ID, WIX_BASE_URL as in report_back_in_stock.cpp.

#include <cstdlib>
#include <iostream>
#include <string>

#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  try {
    bis::Client client = example::client_from_env();

    client.start_collecting_requests(bis::kWixStoresAppId);
    std::cout << "collecting requests for Wix Stores\n";

    bis::CatalogReference orchid("c8539b66-7a44-fe18-affc-afec4be8562a", bis::kWixStoresAppId);
    bis::ItemDetails details("White Orchid", "29.99");
    for (const char* email : {"ann@example.com", "bob@example.com", "cy@example.com",
                              "di@example.com", "eve@mail.invalid"}) {
      auto r = client.create_back_in_stock_notification_request(
          bis::NewNotificationRequest(orchid, email), details);
      std::cout << "created " << r.id << " for " << r.email << "\n";
    }

    auto counts =
        client.get_back_in_stock_notification_requests_count_by_catalog_references({orchid});
    std::cout << counts[0].count << " customers wait for the orchid\n";

    std::cout << "waiting, newest first, two per page:\n";
    auto waiting = bis::Query()
                       .filter(bis::Filter::eq(bis::QueryField::kStatus, bis::Status::kReceived))
                       .sort(bis::QueryField::kCreatedDate, bis::SortOrder::kDescending)
                       .limit(2);
    auto pager = client.query_all_back_in_stock_notification_requests(waiting);
    for (const auto& r : pager) std::cout << "  " << r.email << "\n";
    std::cout << "(" << pager.pages_fetched() << " pages)\n";

    client.report_items_back_in_stock(bis::ReportItemsBackInStockRequest(orchid, details));
    std::cout << "reported the orchid back in stock\n";

    std::string first_id;
    for (const auto& r : client.query_all_back_in_stock_notification_requests()) {
      std::cout << "  " << r.email << ": " << bis::to_string(r.status) << "\n";
      if (r.status == bis::Status::kFailed) {
        client.mark_as_notification_sent(r.id);  // phoned the customer instead
        std::cout << "  " << r.email << ": marked as notified by hand\n";
      }
      if (first_id.empty()) first_id = r.id;
    }

    client.delete_back_in_stock_notification_request(first_id);
    try {
      client.get_back_in_stock_notification_request(first_id);
    } catch (const bis::NotFoundError& e) {
      std::cout << "deleted " << first_id << " (get now answers " << e.http_status() << ")\n";
    }
    return 0;
  } catch (const bis::ApiError& e) {
    std::cerr << e.what() << "\n";
  } catch (const bis::Error& e) {
    std::cerr << e.what() << "\n";
  }
  return 1;
}
