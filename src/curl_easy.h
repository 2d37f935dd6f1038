#pragma once

// One HTTP exchange on a libcurl easy handle, shared by the blocking transport and the
// asynchronous client. Internal.

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "wix/backinstock/transport.h"

namespace wix::backinstock::internal {

/// `curl_global_init`, once per process, thread-safely.
void curl_global_init_once();

/// Cleans up a handle `CurlTransfer` prepared, with the header list it keeps for the next request.
void easy_cleanup(CURL* handle);

/// The state of one transfer. `prepare` sets every option of the handle for `request` (which must
/// outlive the transfer: its body is not copied); `finish` turns the result into the response or
/// throws `TransportError`.
class CurlTransfer {
 public:
  CurlTransfer() = default;
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  ~CurlTransfer();

  /// `fresh`: the handle was never used. Options that do not change between requests are set only
  /// then; a reused handle keeps them (and its connection).
  void prepare(CURL* handle, const HttpRequest& request, const CurlTransportOptions& options,
               bool fresh);
  HttpResponse finish(CURL* handle, CURLcode code);
  /// The error `finish` would throw for `code` (not CURLE_OK).
  TransportError error(CURL* handle, CURLcode code) const;

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);

  HttpResponse response_;
  std::size_t max_body_ = 0;
  std::size_t max_head_ = 0;
  std::size_t head_bytes_ = 0;
  // What exceeded its limit ("response body", "response head"), or null.
  const char* too_large_ = nullptr;
  std::size_t too_large_limit_ = 0;
  const char* method_ = "";
  // The body is handed to libcurl through `on_read`, so libcurl can only send it again through
  // `on_seek`, which refuses for a request that is not idempotent once a byte was handed out.
  std::string_view body_;
  std::size_t body_offset_ = 0;
  bool body_handed_out_ = false;
  bool rewind_allowed_ = true;
  char error_[CURL_ERROR_SIZE] = {0};
};

}  // namespace wix::backinstock::internal
