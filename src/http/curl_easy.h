#pragma once

// One HTTP exchange on a libcurl easy handle, shared by the blocking transport and the
// asynchronous client. Internal.

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "socket_watch.h"
#include "wix/backinstock/curl_transport.h"

namespace wix::backinstock::internal {

/// `curl_global_init`, once per process, thread-safely.
void curl_global_init_once();

/// Cleans up a handle `CurlTransfer` prepared, with the header list it keeps for the next request.
void easy_cleanup(CURL* handle);

/// How a request body reaches libcurl. Both send a body that is not idempotent at most once.
enum class BodyMechanism {
  /// `CURLOPT_POSTFIELDS` (head and body in one send, no upload buffer); libcurl's own re-send of
  /// a request already written is refused in `CURLOPT_PREREQFUNCTION`, which it calls again
  /// before that re-send, by `CURLINFO_REQUEST_SIZE` above 0.
  kPostFields,
  /// A read callback whose seek callback refuses to rewind once a byte was handed out.
  kReadCallback,
};
/// The mechanism for the libcurl found at run time: the read callback where
/// `CURLINFO_REQUEST_SIZE` is not counted (8.7.0 and 8.7.1), `CURLOPT_POSTFIELDS` elsewhere.
BodyMechanism body_mechanism_for(unsigned int curl_version_num) noexcept;
/// The mechanism in use (the one for the running libcurl unless a test chose one).
BodyMechanism body_mechanism() noexcept;
/// Tests: use `mechanism` from now on (null: the one for the running libcurl again).
void force_body_mechanism(const BodyMechanism* mechanism) noexcept;

/// What a pooled handle keeps between its transfers (defined in curl_easy.cc).
struct HandleState;

/// The state of one transfer. `prepare` sets every option of the handle for `request` (which must
/// outlive the transfer: its body is not copied) and the response the answer is written into, over
/// what it held (its strings' storage is reused); `finish_in_place` completes that response, or
/// `end_with_error` gives the transfer's `TransportError`.
class CurlTransfer {
 public:
  CurlTransfer() = default;
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  ~CurlTransfer() = default;

  /// `fresh`: the handle was never used. Options that do not change between requests are set only
  /// then; a reused handle keeps them (and its connection).
  /// `into`: where the answer is written (must outlive the transfer).
  void prepare(CURL* handle, const HttpRequest& request, const CurlTransportOptions& options,
               bool fresh, SocketWatch& watch, HttpResponse& into);
  /// Marks the handle of the last `prepare` as working for `owner` (null: for no one), for
  /// `owner_of`.
  void set_owner(void* owner) noexcept;
  /// What `set_owner` last marked `handle` with; null for a handle never prepared.
  static void* owner_of(CURL* handle) noexcept;
  /// True when the transfer ended with CURLE_ABORTED_BY_CALLBACK because the kept-alive
  /// connection it was given was not clean; nothing was sent. `restart` sets it up again on a
  /// new connection.
  bool refused_stale_connection() const noexcept { return stale_; }
  void restart(CURL* handle);
  /// After CURLE_OK: ends the transfer (the watch learns that its connection is free) and
  /// completes the response where it was written (see `prepare`).
  void finish_in_place(CURL* handle);
  /// After any other code: ends the transfer and returns its `TransportError`.
  TransportError end_with_error(CURL* handle, CURLcode code);

 private:
  // libcurl's callbacks: `self` is the handle's HandleState, whose `current` is the transfer.
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);
  static int on_prereq(void* self, char* primary_ip, char* local_ip, int primary_port,
                       int local_port);
  void end(CURL* handle);  // tells the watch the connection is free
  void clear_response() noexcept;

  HttpResponse* response_ = nullptr;  // where the answer is written
  std::size_t headers_ = 0;  // of `response_->headers`, those of this answer (the rest is storage)
  std::size_t max_body_ = 0;
  std::size_t max_head_ = 0;
  std::size_t head_bytes_ = 0;
  // What exceeded its limit ("response body", "response head"), or null.
  const char* too_large_ = nullptr;
  std::size_t too_large_limit_ = 0;
  const char* method_ = "";
  // With `BodyMechanism::kReadCallback`, the body is handed to libcurl through `on_read`, so
  // libcurl can only send it again through `on_seek`, which refuses for a request that is not
  // idempotent once a byte was handed out. With `kPostFields`, libcurl holds the body and
  // `on_prereq` refuses a second start of a transfer that already wrote its request.
  std::string_view body_;
  CURL* handle_ = nullptr;
  bool post_fields_ = false;
  int starts_ = 0;               // `on_prereq` calls for this transfer
  bool resend_refused_ = false;  // `on_prereq` refused libcurl's re-send of a written request
  std::size_t body_offset_ = 0;
  bool body_handed_out_ = false;
  bool rewind_allowed_ = true;
  SocketWatch* watch_ = nullptr;
  HandleState* state_ = nullptr;  // what the handle of the last `prepare` keeps
  bool stale_ = false;
  int local_port_ = 0;  // of the connection the watch admitted this transfer on; 0: none
  int peer_port_ = 0;
  bool http1_known_ = true;  // the watch knows the connection speaks HTTP/1.x (or has no socket)
};

}  // namespace wix::backinstock::internal
