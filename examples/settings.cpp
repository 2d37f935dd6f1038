// Get Settings, Start Collecting Requests, Stop Collecting Requests.
#include "example_client.h"

namespace bis = wix::backinstock;

int main() {
  return example::run([] {
    auto client = example::client_from_env();
    auto print = [](const char* what, const bis::Settings& s) {
      std::cout << what << ": Wix Stores collecting = " << std::boolalpha
                << s.is_collecting(bis::kWixStoresAppId) << "\n";
    };
    print("now", client.get_settings());
    print("after start", client.start_collecting_requests(bis::kWixStoresAppId));
    print("after stop", client.stop_collecting_requests(bis::kWixStoresAppId));
    client.start_collecting_requests(bis::kWixStoresAppId);
  });
}
