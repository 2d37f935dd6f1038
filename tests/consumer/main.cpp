// A program of a user of the installed SDK: builds, validates and inspects a request.
#include <iostream>

#include <wix/backinstock/backinstock.h>

int main() {
  namespace bis = wix::backinstock;
  bis::ReportItemsBackInStockRequest request(
      bis::CatalogReference("orchid", bis::kWixStoresAppId, {{"variantId", "v1"}}),
      bis::ItemDetails("Orchid", "29.99"));
  try {
    bis::ItemDetails("Orchid", "-1");
    return 1;
  } catch (const bis::ValidationError& e) {
    std::cout << "wix-backinstock " << bis::kVersion << ": rejected " << e.field()
              << ", reported item " << request.catalog_reference()->catalog_item_id() << "\n";
  }
  return 0;
}
