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
  // The streaming query decoder and the document-based one must read every body alike.
  {
    bool sax_malformed = false, dom_malformed = false;
    QueryPage sax, dom;
    try {
      sax = internal::decode_query_response(body);
    } catch (const internal::MalformedBody&) {
      sax_malformed = true;
    }
    try {
      dom = internal::decode_query_response_dom(body);
    } catch (const internal::MalformedBody&) {
      dom_malformed = true;
    }
    if (sax_malformed != dom_malformed) __builtin_trap();
    if (!sax_malformed) {
      if (sax.requests.size() != dom.requests.size()) __builtin_trap();
      for (std::size_t i = 0; i < sax.requests.size(); ++i) {
        const auto& a = sax.requests[i];
        const auto& b = dom.requests[i];
        if (a.id != b.id || a.email != b.email || a.contact_id != b.contact_id ||
            a.status_text != b.status_text || a.auto_notified != b.auto_notified ||
            a.created_date != b.created_date || a.item_url != b.item_url ||
            !(a.catalog_reference == b.catalog_reference) ||
            a.catalog_reference.options().dump() != b.catalog_reference.options().dump()) {
          __builtin_trap();
        }
      }
      if (sax.metadata.count != dom.metadata.count ||
          sax.metadata.next_cursor != dom.metadata.next_cursor ||
          sax.metadata.prev_cursor != dom.metadata.prev_cursor) {
        __builtin_trap();
      }
    }
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
