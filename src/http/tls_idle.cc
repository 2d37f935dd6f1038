#include "tls_idle.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace wix::backinstock::internal {

namespace {

// libcurl hands out its OpenSSL objects only for the TLS library it was built with; they are
// used here only when that is OpenSSL of the same major version as the one this SDK links.
bool libcurl_shares_our_openssl() noexcept {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info == nullptr || info->ssl_version == nullptr) return false;
  std::string_view version(info->ssl_version);
  constexpr std::string_view kOpenSsl = "OpenSSL/";
  if (version.substr(0, kOpenSsl.size()) != kOpenSsl) return false;
  return std::atoi(info->ssl_version + kOpenSsl.size()) == OPENSSL_VERSION_MAJOR;
}

bool starts_with_https(const char* proxy) noexcept {
  if (proxy == nullptr) return false;
  constexpr char kScheme[] = "https://";
  for (std::size_t i = 0; i + 1 < sizeof kScheme; ++i) {
    if (std::tolower(static_cast<unsigned char>(proxy[i])) != kScheme[i]) return false;
  }
  return true;
}

// While OpenSSL reads the waiting records, the session reads and writes the socket itself:
// libcurl's own BIO reaches the socket through libcurl's state for a call under way, and none is.
// The session's BIOs are put back as they were, whatever happened.
class BioSwap {
 public:
  BioSwap(SSL* ssl, curl_socket_t fd) noexcept : ssl_(ssl) {
    BIO* socket_bio = BIO_new_socket(fd, BIO_NOCLOSE);
    if (socket_bio == nullptr) return;
    theirs_read_ = SSL_get_rbio(ssl);
    theirs_write_ = SSL_get_wbio(ssl);
    BIO_up_ref(theirs_read_);  // kept while the socket's BIO stands in (the SSL frees its own)
    BIO_up_ref(theirs_write_);
    BIO_up_ref(socket_bio);  // one reference for each side
    SSL_set0_rbio(ssl, socket_bio);
    SSL_set0_wbio(ssl, socket_bio);
    swapped_ = true;
  }
  ~BioSwap() {
    if (!swapped_) return;
    SSL_set0_rbio(ssl_, theirs_read_);  // hands the references back and frees the socket's BIO
    SSL_set0_wbio(ssl_, theirs_write_);
  }
  BioSwap(const BioSwap&) = delete;
  BioSwap& operator=(const BioSwap&) = delete;
  bool swapped() const noexcept { return swapped_; }

 private:
  SSL* ssl_;
  BIO* theirs_read_ = nullptr;
  BIO* theirs_write_ = nullptr;
  bool swapped_ = false;
};

}  // namespace

bool tls_session_on_socket(const std::string& configured_proxy) noexcept {
  if (!configured_proxy.empty()) return !starts_with_https(configured_proxy.c_str());
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    if (starts_with_https(std::getenv(name))) return false;
  }
  return true;
}

bool tls_idle_records_are_clean(CURL* handle, curl_socket_t fd) noexcept {
  static const bool kUsable = libcurl_shares_our_openssl();
  if (!kUsable) return false;
  curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(handle, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == nullptr ||
      info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return false;
  }
  auto* ssl = static_cast<SSL*>(info->internals);
  if (SSL_version(ssl) != TLS1_3_VERSION || SSL_is_init_finished(ssl) != 1) return false;
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK) == 0) return false;  // a read here must never wait

  ERR_clear_error();
  bool clean = false;
  {
    BioSwap swap(ssl, fd);
    if (swap.swapped()) {
      char byte;
      const int n = SSL_peek(ssl, &byte, 1);
      // Every complete record was taken in and none carried application data or a close; a
      // record only partly arrived could still be either.
      clean = n <= 0 && SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ && SSL_has_pending(ssl) == 0;
    }
  }
  ERR_clear_error();  // libcurl reads the thread's error queue after its own calls
  return clean;
}

}  // namespace wix::backinstock::internal
