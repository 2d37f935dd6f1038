// Reports items back in stock: once for explicit requests, once for every customer waiting for a
// catalog item.
//
//   WIX_API_KEY   API key (sent as Authorization)
//   WIX_SITE_ID   site the key acts on
//   WIX_BASE_URL  optional; default https://www.wixapis.com (point it at the emulator to try it)

#include <cstdlib>
#include <iostream>
#include <string>

#include "example_client.h"

namespace bis = wix::backinstock;

namespace {

// Runs one report and prints its outcome; returns false on failure.
bool report(bis::Client& client, const bis::ReportItemsBackInStockRequest& request,
            const std::string& label) {
  try {
    client.report_items_back_in_stock(request);
    std::cout << label << ": reported\n";
    return true;
  } catch (const bis::ApiError& e) {
    std::cerr << label << ": " << e.canonical_code() << " " << e.application_code() << " - "
              << e.what() << " (request id " << e.request_id() << ")\n";
  } catch (const bis::TransportError& e) {
    std::cerr << label << ": no answer: " << e.what() << "\n";
  }
  return false;
}

}  // namespace

int main() {
  try {
    bis::Client client = example::client_from_env();

    bis::ItemDetails orchid("White Orchid", "29.99",
                            bis::Image("https://static.wixstatic.com/media/orchid.jpg"));

    bool ok = report(client,
                     bis::ReportItemsBackInStockRequest(
                         std::vector<std::string>{"6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f"}, orchid),
                     "by request IDs");
    ok = report(
             client,
             bis::ReportItemsBackInStockRequest(
                 bis::CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", bis::kWixStoresAppId,
                                       {{"variantId", "00000000-0000-0000-0000-000000000000"}}),
                 orchid, {{"storeName", "Green Thumb Nursery"}}),
             "by catalog reference") &&
         ok;
    return ok ? 0 : 1;
  } catch (const bis::ValidationError& e) {
    std::cerr << "invalid input: " << e.what() << "\n";
    return 2;
  }
}
