#pragma once

// What a kept-alive TLS 1.3 connection received while it idled, told apart: post-handshake
// messages (session tickets, key updates), which carry no HTTP bytes, from application data or a
// close. Used by the connection watch (socket_watch.h). Internal.

#include <curl/curl.h>

#include <string>

namespace wix::backinstock::internal {

/// For the connection of `handle`, idle on socket `fd` with bytes waiting: true when every
/// complete record waiting is a TLS 1.3 post-handshake message, which OpenSSL then takes in (as
/// libcurl would when it next reads), so the connection is clean. False when application data, a
/// close_notify, an error or a partial record waits, and whenever it cannot be told: another TLS
/// library or version under libcurl, TLS 1.2 (whose idle handshake records start a
/// renegotiation), or no TLS at all.
bool tls_idle_records_are_clean(CURL* handle, curl_socket_t fd) noexcept;

/// Whether a connection's socket can carry the records of the TLS session libcurl reports for it:
/// false when a proxy reached over TLS (`https://`, from `configured_proxy` or, when that is empty,
/// the environment) may wrap them in a TLS session of its own.
bool tls_session_on_socket(const std::string& configured_proxy) noexcept;

}  // namespace wix::backinstock::internal
