#include "curl_easy.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "tls_idle.h"
#include "validation.h"

namespace wix::backinstock::internal {

namespace {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

TransportError::Kind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return TransportError::Kind::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::Kind::kTimeout;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SEND_FAIL_REWIND:
      return TransportError::Kind::kConnectionLost;
    default:
      return TransportError::Kind::kOther;
  }
}

}  // namespace

// What a pooled handle keeps between requests: the header list of the last one, reused while the
// next request carries the same headers (most do: the same user agent, content type and key), and
// the per-request options as they were last set, so that only what changed is set again.
struct HandleState {
  std::vector<std::pair<std::string, std::string>> headers;
  curl_slist* list = nullptr;
  std::string url;      // CURLOPT_URL as last set
  bool direct = false;  // CURLOPT_NOPROXY is "*" (the URL's host is loopback)
  // The socket carries the records of the TLS session libcurl reports (no proxy reached over TLS
  // wraps them): the watch may look into them (tls_idle.h).
  bool tls_on_socket = true;
  // The callbacks' data pointers point at this state, set once per handle: each transfer only
  // makes itself `current`, and libcurl writes its error text into `error`.
  CurlTransfer* current = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  long timeout_ms = -1;        // CURLOPT_TIMEOUT_MS as last set
  std::string method;          // the method options were last set for
  bool fresh_connect = false;  // CURLOPT_FRESH_CONNECT is on (after `restart`)
  void* owner = nullptr;       // see CurlTransfer::set_owner
  ~HandleState() { curl_slist_free_all(list); }

  /// Makes `list` the header list of `wanted`; false when it already was.
  bool update_headers(const std::vector<std::pair<std::string, std::string>>& wanted) {
    if (list != nullptr && wanted == headers) return false;
    curl_slist* fresh = nullptr;
    std::string line;
    for (const auto& [name, value] : wanted) {
      line.assign(name).append(": ").append(value);
      curl_slist* next = curl_slist_append(fresh, line.c_str());
      if (next == nullptr) {
        curl_slist_free_all(fresh);
        throw std::bad_alloc();
      }
      fresh = next;
    }
    // Never wait for "100 Continue" on larger bodies.
    curl_slist* next = curl_slist_append(fresh, "Expect:");
    if (next == nullptr) {
      curl_slist_free_all(fresh);
      throw std::bad_alloc();
    }
    curl_slist_free_all(list);
    list = next;
    headers = wanted;
    return true;
  }
};

namespace {

// The state `CurlTransfer::prepare` gave `handle`, or null for a handle it never prepared.
HandleState* state_of(CURL* handle) {
  char* kept = nullptr;
  curl_easy_getinfo(handle, CURLINFO_PRIVATE, &kept);
  return reinterpret_cast<HandleState*>(kept);
}

}  // namespace

void easy_cleanup(CURL* handle) {
  if (handle == nullptr) return;
  HandleState* state = state_of(handle);
  curl_easy_cleanup(handle);  // first: the handle may still point at the cached list
  delete state;
}

void curl_global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Body mechanism ---------------------------------------------------------------------------------

namespace {
std::atomic<int> forced_mechanism{-1};  // -1: none
}  // namespace

BodyMechanism body_mechanism_for(unsigned int curl_version_num) noexcept {
  // 8.7.0 and 8.7.1 never count CURLINFO_REQUEST_SIZE, so a written request cannot be told from
  // one that was not; their read callback already sends head and body in one write.
  if (curl_version_num >= 0x080700 && curl_version_num < 0x080800) {
    return BodyMechanism::kReadCallback;
  }
  return BodyMechanism::kPostFields;
}

BodyMechanism body_mechanism() noexcept {
  int forced = forced_mechanism.load(std::memory_order_relaxed);
  if (forced >= 0) return static_cast<BodyMechanism>(forced);
  static const BodyMechanism kRunning =
      body_mechanism_for(curl_version_info(CURLVERSION_NOW)->version_num);
  return kRunning;
}

void force_body_mechanism(const BodyMechanism* mechanism) noexcept {
  forced_mechanism.store(mechanism == nullptr ? -1 : static_cast<int>(*mechanism));
}

// CurlTransfer ----------------------------------------------------------------------------------

std::size_t CurlTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HandleState*>(self)->current;
  std::size_t n = size * count;
  if (t->response_->body.size() + n > t->max_body_) {
    t->too_large_ = "response body";
    t->too_large_limit_ = t->max_body_;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response_->body.append(data, n);
  return n;
}

std::size_t CurlTransfer::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HandleState*>(self)->current;
  std::size_t n = size * count;
  t->head_bytes_ += n;  // every head of the transfer (100 Continue included) counts
  if (t->head_bytes_ > t->max_head_) {
    t->too_large_ = "response head";
    t->too_large_limit_ = t->max_head_;
    return 0;  // aborts the transfer
  }
  std::string_view line(data, n);
  if (line.size() >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    // The first final answer on a connection tells the watch that it carries one exchange at a
    // time ("HTTP/1.1 200"; not an interim "HTTP/1.1 101 Switching Protocols").
    if (!t->http1_known_ && line.size() >= 10 && std::memcmp(data + 5, "1.", 2) == 0 &&
        data[9] >= '2' && data[9] <= '9') {
      t->watch_->speaks_http1(t->local_port_, t->peer_port_);
      t->http1_known_ = true;
    }
    t->headers_ = 0;  // a new status line (after 100 Continue): start over
    return n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    auto name = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    auto& headers = t->response_->headers;
    if (t->headers_ < headers.size()) {  // written over an earlier answer's: no allocation
      headers[t->headers_].first.assign(name.data(), name.size());
      headers[t->headers_].second.assign(value.data(), value.size());
    } else {
      headers.emplace_back(name, value);
    }
    ++t->headers_;
  }
  return n;
}

std::size_t CurlTransfer::on_read(char* buffer, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HandleState*>(self)->current;
  std::size_t n = std::min(size * count, t->body_.size() - t->body_offset_);
  std::memcpy(buffer, t->body_.data() + t->body_offset_, n);
  t->body_offset_ += n;
  if (n > 0) t->body_handed_out_ = true;
  return n;
}

int CurlTransfer::on_seek(void* self, curl_off_t offset, int origin) {
  auto* t = static_cast<HandleState*>(self)->current;
  // libcurl rewinds to send the body again (a reused connection that died, a redirect, an HTTP/2
  // stream refused). Refusing makes it fail with CURLE_SEND_FAIL_REWIND instead of re-sending.
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  if (t->body_handed_out_ && !t->rewind_allowed_) return CURL_SEEKFUNC_FAIL;
  t->body_offset_ = 0;
  return CURL_SEEKFUNC_OK;
}

int CurlTransfer::on_prereq(void* self, char* /*primary_ip*/, char* /*local_ip*/, int primary_port,
                            int local_port) {
  auto* t = static_cast<HandleState*>(self)->current;
  // libcurl starts a transfer again on a new connection when a reused one failed; a request that
  // was already written may have reached the server, so one that is not idempotent is not sent
  // again (one that failed before a byte was written, a pooled connection reset while idle, is).
  if (++t->starts_ > 1 && t->post_fields_ && !t->rewind_allowed_) {
    long written = 0;  // bytes of this transfer's requests, on every connection it used
    curl_easy_getinfo(t->handle_, CURLINFO_REQUEST_SIZE, &written);
    if (written > 0) {
      t->resend_refused_ = true;
      return CURL_PREREQFUNC_ABORT;
    }
  }
  if (t->watch_ == nullptr) return CURL_PREREQFUNC_OK;
  HandleState* state = static_cast<HandleState*>(self);
  if (!t->watch_->fit_for_request(local_port, primary_port, &t->http1_known_,
                                  state->tls_on_socket ? t->handle_ : nullptr)) {
    t->stale_ = true;  // aborted before a byte is written; libcurl closes the connection
    return CURL_PREREQFUNC_ABORT;
  }
  t->local_port_ = local_port;
  t->peer_port_ = primary_port;
  return CURL_PREREQFUNC_OK;
}

void CurlTransfer::end(CURL* h) {
  // A connection known to speak HTTP/1.x is looked at before every request whatever it counts:
  // only the others (HTTP/2, or not known yet) need to hear that a transfer ended.
  if (watch_ == nullptr || local_port_ == 0 || http1_known_) return;
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  watch_->ended(local_port_, peer_port_, version);
  local_port_ = 0;
}

void CurlTransfer::set_owner(void* owner) noexcept {
  if (state_ != nullptr) state_->owner = owner;
}

void* CurlTransfer::owner_of(CURL* handle) noexcept {
  HandleState* state = state_of(handle);
  return state == nullptr ? nullptr : state->owner;
}

void CurlTransfer::clear_response() noexcept {
  response_->status = 0;
  response_->body.clear();
  headers_ = 0;
}

void CurlTransfer::restart(CURL* h) {
  clear_response();
  head_bytes_ = 0;
  too_large_ = nullptr;
  body_offset_ = 0;
  body_handed_out_ = false;
  starts_ = 0;
  http1_known_ = true;
  resend_refused_ = false;
  stale_ = false;
  state_->error[0] = '\0';
  curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
  state_->fresh_connect = true;
}

void CurlTransfer::prepare(CURL* h, const HttpRequest& request, const CurlTransportOptions& o,
                           bool fresh, SocketWatch& watch, HttpResponse& into) {
  watch_ = &watch;
  response_ = &into;
  clear_response();
  max_body_ = o.max_response_bytes;
  max_head_ = o.max_response_head_bytes;
  method_ = request.method.c_str();
  HandleState* state = nullptr;
  if (fresh) {
    state = new HandleState;
    curl_easy_setopt(h, CURLOPT_PRIVATE, state);
  } else {
    state = state_of(h);
  }
  state_ = state;
  // A fresh state holds nothing (no list, URL, transfer, timeout or method), so everything below
  // is set on a fresh handle without asking.
  if (state->update_headers(request.headers)) {
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, state->list);
  }

  if (fresh) {
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CurlTransfer::on_body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &CurlTransfer::on_header);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
    if (o.low_speed_time.count() > 0) {
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(o.low_speed_time.count()));
      curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_limit_bytes);
    }
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    // The SDK decides what is sent where: no redirects, and the path exactly as built (libcurl
    // would otherwise squash `.` and `..` segments).
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &CurlTransfer::on_read);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &CurlTransfer::on_seek);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, &CurlTransfer::on_prereq);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, state->error);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, state);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, state);
    curl_easy_setopt(h, CURLOPT_READDATA, state);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, state);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, state);
    watch.install(h);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
    if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.ca_path.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, o.ca_path.c_str());
    if (!o.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, o.proxy.c_str());
  }
  // The options below are set again only when they differ from what the handle holds: a pooled
  // handle keeps every option between transfers, and most requests repeat the last one's.
  if (state->url != request.url) {
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    state->url = request.url;
    // The plaintext rule holds for every hop: a loopback target is reached directly, never
    // through a proxy (from the options or the environment), which would read its credentials.
    if (const bool direct = targets_loopback(request.url); direct != state->direct) {
      curl_easy_setopt(h, CURLOPT_NOPROXY, direct ? "*" : nullptr);
      state->direct = direct;
    }
    state->tls_on_socket = state->direct || tls_session_on_socket(o.proxy);
  }
  state->current = this;
  state->error[0] = '\0';
  if (long timeout = static_cast<long>(request.timeout.count()); state->timeout_ms != timeout) {
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    state->timeout_ms = timeout;
  }
  if (state->fresh_connect) {
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 0L);
    state->fresh_connect = false;
  }
  body_ = request.body;
  body_offset_ = 0;
  body_handed_out_ = false;
  rewind_allowed_ = request.idempotent;
  handle_ = h;
  starts_ = 0;
  http1_known_ = true;
  resend_refused_ = false;
  // A new method sets all of the method options, so a reused handle forgets its last request.
  const bool same_method = state->method == request.method;
  if (request.method == "POST" || request.method == "PUT") {
    post_fields_ = body_mechanism() == BodyMechanism::kPostFields;
    if (!same_method) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method == "PUT" ? "PUT" : nullptr);
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    // Null: libcurl reads the body through `on_read`.
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_fields_ ? request.body.data() : nullptr);
  } else {
    post_fields_ = false;
    if (!same_method) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
                       request.method == "GET" ? nullptr : request.method.c_str());
    }
  }
  if (!same_method) state->method = request.method;
}

TransportError CurlTransfer::end_with_error(CURL* h, CURLcode code) {
  end(h);
  long sent = 0;
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
  auto kind = too_large_ != nullptr ? TransportError::Kind::kResponseTooLarge : kind_of(code);
  // Judged by what was written, whatever the error: nothing left this process when no request
  // byte was written (REQUEST_SIZE counts the bytes of this transfer, on every connection it
  // used); otherwise the server may have received (and acted on) the request. Once libcurl took a
  // byte of the body, it may have been sent on an earlier connection even if a later one failed.
  bool reached = body_handed_out_ || code == CURLE_SEND_FAIL_REWIND || sent > 0 || resend_refused_;
  // A request that was written had a connection: what failed after is the exchange (an answer
  // without a status line is reported by libcurl as an unsupported protocol), not the connect.
  if (reached && kind == TransportError::Kind::kConnect) {
    kind = TransportError::Kind::kConnectionLost;
  }
  if (stale_ || resend_refused_) kind = TransportError::Kind::kConnectionLost;
  std::string message =
      too_large_ != nullptr
          ? std::string(too_large_) + " exceeds " + std::to_string(too_large_limit_) + " bytes"
      : stale_ ? std::string("a kept-alive connection held unread bytes or was closed, twice")
      : resend_refused_
          ? std::string("the connection was lost after the request was written; not sent again")
          : std::string(curl_easy_strerror(code)) +
                (state_->error[0] ? std::string(": ") + state_->error : "");
  return TransportError(kind, reached, std::string(method_) + " " + message);
}

void CurlTransfer::finish_in_place(CURL* h) {
  end(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response_->status = static_cast<int>(status);
  auto& headers = response_->headers;
  headers.erase(headers.begin() + static_cast<std::ptrdiff_t>(headers_), headers.end());
}

}  // namespace wix::backinstock::internal
