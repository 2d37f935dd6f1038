// Fuzzes the decoding of every response type and of error bodies. Any exception other than the
// SDK's own typed errors, or any crash, is a finding.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec.h"
#include "error_mapping.h"

using namespace wix::backinstock;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  try {
    internal::decode_request_response(body);
  } catch (const Error&) {
  } catch (const internal::MalformedBody&) {
  }
  try {
    internal::decode_query_response(body);
  } catch (const Error&) {
  } catch (const internal::MalformedBody&) {
  }
  try {
    internal::decode_count_response(body);
  } catch (const Error&) {
  } catch (const internal::MalformedBody&) {
  }
  try {
    internal::decode_settings_response(body);
  } catch (const Error&) {
  } catch (const internal::MalformedBody&) {
  }
  HttpResponse response;
  response.status = size > 0 ? 400 + data[0] % 200 : 500;
  response.body = std::string(body);
  response.headers = {{"x-wix-request-id", "fuzz"},
                      {"Retry-After", std::string(body.substr(0, 40))}};
  try {
    internal::throw_api_error(response, {"secret-key"});
  } catch (const ApiError& e) {
    (void)e.what();
  }
  return 0;
}
