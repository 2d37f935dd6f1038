// Fuzzes the mapping of a non-200 answer to its typed error: the status, the `x-wix-request-id`
// and `Retry-After` headers and the body all come from the input (split at the first two NULs).
// Besides crashes and sanitizer reports, a finding is a broken promise: an error type other than
// `ApiError`'s family, a `what()` longer than a few KiB, or the secret anywhere in `what()`, the
// decoded texts or the raw body, even when the input spells it JSON-escaped.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "error_mapping.h"

using namespace wix::backinstock;

namespace {
constexpr std::string_view kSecret = "fuzz/Secret+K3y";

void check(bool promise) {
  if (!promise) std::abort();
}

void check_clean(const std::string& text) { check(text.find(kSecret) == std::string::npos); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  HttpResponse response;
  response.status = size > 0 ? 400 + data[0] % 200 : 500;
  if (size > 0) input.remove_prefix(1);
  auto first = input.find('\0');
  auto second = first == std::string_view::npos ? first : input.find('\0', first + 1);
  if (second != std::string_view::npos) {
    response.headers = {{"x-wix-request-id", std::string(input.substr(0, first))},
                        {"Retry-After", std::string(input.substr(first + 1, second - first - 1))}};
    input.remove_prefix(second + 1);
  }
  response.body = std::string(input);
  try {
    internal::throw_api_error(response, {std::string(kSecret)});
  } catch (const ApiError& e) {
    check(std::string_view(e.what()).size() <= 8192);
    check(e.http_status() == response.status);
    check_clean(e.what());
    check_clean(e.message());
    check_clean(e.application_description());
    check_clean(e.application_data());
    check_clean(e.request_id());
    check_clean(e.raw_body());
    for (const auto& v : e.field_violations()) {
      check_clean(v.field);
      check_clean(v.description);
    }
  }
  return 0;
}
