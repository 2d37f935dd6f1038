// One client shared by many threads.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

TEST(ConcurrencyTest, EightThreadsShareOneClient) {
  emulator::EmulatorOptions emulator_options;
  emulator_options.collecting_by_default = true;
  emulator::Emulator emulator(emulator_options);
  emulator.start();
  ClientOptions options;
  options.base_url = emulator.url();
  options.credentials = ApiKeyCredentials::for_site("test-key", "site-1");
  Client client(options);

  constexpr int kThreads = 8;
  const int calls = std::getenv("WIX_SHORT_CONCURRENCY") ? 100 : 1000;
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) {
    ids.push_back(client
                      .create_back_in_stock_notification_request(
                          NewNotificationRequest(
                              CatalogReference("item-" + std::to_string(t), kWixStoresAppId),
                              "t" + std::to_string(t) + "@example.com"),
                          ItemDetails("Item", "1"))
                      .id);
  }
  std::atomic<int> correct{0};
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client mine = client;  // copies share the connection
      for (int i = 0; i < calls; ++i) {
        std::optional<NotificationRequest> found;
        try {
          found = mine.get_back_in_stock_notification_request(ids[static_cast<std::size_t>(t)]);
        } catch (const Error& e) {
          std::lock_guard<std::mutex> guard(mutex);
          errors.push_back(e.what());
          continue;
        }
        const NotificationRequest& r = *found;
        if (r.id == ids[static_cast<std::size_t>(t)] &&
            r.email == "t" + std::to_string(t) + "@example.com" &&
            r.catalog_reference.catalog_item_id() == "item-" + std::to_string(t)) {
          ++correct;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << errors.size() << " calls failed, first: " << errors.front();
  EXPECT_EQ(correct.load(), kThreads * calls);
}

}  // namespace
}  // namespace wix::backinstock
