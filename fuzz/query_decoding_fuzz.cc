// Fuzzes the `.r` path: base64url decoding, then the emulator's query parsing and evaluation, and
// the SDK's timestamp and Retry-After parsers on the same bytes.

#include <cstddef>
#include <cstdint>
#include <string>

#include "encoding.h"
#include "error_mapping.h"
#include "retry_rules.h"
#include "wire.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/testing/emulator.h"

using namespace wix::backinstock;

namespace {
emulator::Emulator& instance() {
  static emulator::Emulator* e = [] {
    emulator::EmulatorOptions options;
    options.collecting_by_default = true;
    auto* created = new emulator::Emulator(options);
    const std::map<std::string, std::string> auth = {{"Authorization", "k"}, {"wix-site-id", "s"}};
    const char* path = "/back-in-stock-service/v1/back-in-stock-notification-requests";
    for (const char* email : {"a@example.com", "b@example.com", "c@mail.invalid"}) {
      created->handle(
          "POST", path, auth,
          std::string(
              R"({"request":{"catalogReference":{"appId":"215238eb-22a5-4c36-9e7b-e7c08025e04e","catalogItemId":"item"},"email":")") +
              email +
              R"(","itemUrl":"https://shop.example/p"},"itemDetails":{"name":"n","price":"1"}})");
    }
    return created;
  }();
  return *e;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string decoded;
  if (internal::base64url_decode(input, decoded)) {
    auto again = internal::base64url_encode(decoded);
    (void)again;
  }
  (void)parse_timestamp(input);
  (void)internal::parse_retry_after(input, std::chrono::system_clock::now());
  const std::map<std::string, std::string> auth = {{"Authorization", "k"}, {"wix-site-id", "s"}};
  const std::string path = "/back-in-stock-service/v1/back-in-stock-notification-requests";
  auto& e = instance();
  // The input as a `.r` value (raw and encoded), and as the body of POST /query.
  e.handle("GET", path + "?.r=" + input, auth, "");
  e.handle("GET", path + "?.r=" + internal::base64url_encode(input), auth, "");
  e.handle("GET", path + "/count-by-catalog-reference?.r=" + internal::base64url_encode(input),
           auth, "");
  e.handle("POST", path + "/query", auth, input);
  return 0;
}
