#include <curl/curl.h>

#include <array>
#include <mutex>
#include <utility>

#include "curl_easy.h"
#include "wix/backinstock/curl_transport.h"

namespace wix::backinstock {

struct CurlTransport::Impl {
  explicit Impl(CurlTransportOptions o) : options(std::move(o)) {
    internal::curl_global_init_once();
    share = curl_share_init();
    if (share == nullptr)
      throw TransportError(TransportError::Kind::kOther, false, "curl_share_init failed");
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // Not CURL_LOCK_DATA_CONNECT: libcurl does not support a connection cache shared by easy
    // handles running in concurrent threads (16 threads corrupted the heap within seconds).
    // Each pooled handle keeps its own connection alive instead, so reuse is unchanged.
  }

  ~Impl() {
    for (CURL* h : idle) internal::easy_cleanup(h);
    curl_share_cleanup(share);
  }

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<std::size_t>(data) % kLocks].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->locks[static_cast<std::size_t>(data) % kLocks].unlock();
  }

  // A handle and whether it is new (pooled handles keep their fixed options).
  std::pair<CURL*, bool> acquire() {
    {
      std::lock_guard<std::mutex> guard(pool_mutex);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return {h, false};
      }
    }
    CURL* h = curl_easy_init();
    if (h == nullptr)
      throw TransportError(TransportError::Kind::kOther, false, "curl_easy_init failed");
    curl_easy_setopt(h, CURLOPT_SHARE, share);
    return {h, true};
  }

  void release(CURL* h) {
    {
      std::lock_guard<std::mutex> guard(pool_mutex);
      if (idle.size() < options.max_idle_handles) {
        idle.push_back(h);
        return;
      }
    }
    internal::easy_cleanup(h);
  }

  static constexpr std::size_t kLocks = 8;
  CurlTransportOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, kLocks> locks;
  std::mutex pool_mutex;
  std::vector<CURL*> idle;
  // The handles open and close their sockets through it; ~Impl cleans them up in its body,
  // before any member is destroyed.
  internal::SocketWatch watch;
};

CurlTransport::CurlTransport(CurlTransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlTransport::~CurlTransport() = default;

const CurlTransportOptions& CurlTransport::options() const noexcept { return impl_->options; }

HttpResponse CurlTransport::send(const HttpRequest& request) {
  HttpResponse response;
  response.headers.reserve(8);
  send_into(request, response);
  return response;
}

void CurlTransport::send_into(const HttpRequest& request, HttpResponse& response) {
  auto [h, fresh] = impl_->acquire();
  struct Releaser {
    Impl* impl;
    CURL* h;
    ~Releaser() { impl->release(h); }
  } releaser{impl_.get(), h};
  internal::CurlTransfer transfer;
  transfer.prepare(h, request, impl_->options, fresh, impl_->watch, response);
  CURLcode code = curl_easy_perform(h);
  // A kept-alive connection that was not clean carried nothing: once more, on a new connection.
  if (code == CURLE_ABORTED_BY_CALLBACK && transfer.refused_stale_connection()) {
    transfer.restart(h);
    code = curl_easy_perform(h);
  }
  if (code != CURLE_OK) throw transfer.end_with_error(h, code);
  transfer.finish_in_place(h);
}

}  // namespace wix::backinstock
