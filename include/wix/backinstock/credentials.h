#pragma once

/// @file credentials.h
/// How the client authenticates. `Client` asks its credentials for headers on every attempt.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wix/backinstock/transport.h"

namespace wix::backinstock {

/// Source of authentication headers.
/// Thread safety: implementations must allow concurrent calls of every member.
class Credentials {
 public:
  virtual ~Credentials() = default;
  /// Appends the authentication headers of one attempt (`Authorization`, `wix-site-id`, ...).
  virtual void apply(HttpHeaders& headers) = 0;
  /// `apply`, giving up by `deadline` (the call's): credentials that fetch or wait for a token
  /// bound both by it and throw `TransportError` (kind `kTimeout`) past it. The default calls
  /// `apply`.
  virtual void apply_within(HttpHeaders& headers, std::chrono::steady_clock::time_point deadline) {
    (void)deadline;
    apply(headers);
  }
  /// True when `apply` never blocks (no network, no waiting). The asynchronous client calls such
  /// credentials on its event loop; any others are called on a thread of their own. Both clients
  /// give such credentials no deadline (`time_point::max()`) and count no time for them.
  virtual bool applies_without_blocking() const noexcept { return false; }
  /// Called after the service answered 401 to a request carrying `used` (the headers `apply`
  /// added, among others). A refreshable credential drops that token if it is still the current
  /// one and returns true to ask for one more attempt.
  virtual bool on_unauthenticated(const HttpHeaders& used) {
    (void)used;
    return false;
  }
  /// Secret strings that must never appear in logs or messages (the key, the token, ...).
  virtual std::vector<std::string> secrets() const = 0;
};

/// A Wix API key, sent raw as `Authorization: <key>` (no `Bearer`), plus the site or account it
/// acts on (`wix-site-id` / `wix-account-id`). Back-in-stock APIs are site-level: use `for_site`.
/// Immutable; safe to share.
class ApiKeyCredentials final : public Credentials {
 public:
  /// Throws `ValidationError` (`apiKey`, `siteId`) when a value is empty or holds a control
  /// character. The key itself is never part of the message.
  static std::shared_ptr<ApiKeyCredentials> for_site(std::string api_key, std::string site_id);
  /// An account-level API key (`wix-account-id`).
  static std::shared_ptr<ApiKeyCredentials> for_account(std::string api_key,
                                                        std::string account_id);
  /// Both scope headers on every request (`wix-site-id` and `wix-account-id`), as Wix's own SDKs
  /// send them when given both. Throws `ValidationError` as above.
  static std::shared_ptr<ApiKeyCredentials> for_site_and_account(std::string api_key,
                                                                 std::string site_id,
                                                                 std::string account_id);

  void apply(HttpHeaders& headers) override;
  bool applies_without_blocking() const noexcept override { return true; }
  std::vector<std::string> secrets() const override { return {api_key_}; }

 private:
  ApiKeyCredentials(std::string api_key, std::string site_id, std::string account_id);

  std::string api_key_;
  std::string site_id_;     // empty: not sent
  std::string account_id_;  // empty: not sent
};

/// A fixed access token (for example an app token obtained elsewhere), sent raw as
/// `Authorization: <token>`. Immutable; safe to share.
class AccessTokenCredentials final : public Credentials {
 public:
  /// Throws `ValidationError` (`accessToken`) when the token is empty or holds a control character.
  explicit AccessTokenCredentials(std::string token);
  void apply(HttpHeaders& headers) override;
  bool applies_without_blocking() const noexcept override { return true; }
  std::vector<std::string> secrets() const override { return {token_}; }

 private:
  std::string token_;
};

/// Tokens from your own code (for example a token cache shared with other services). `token` is
/// called for every attempt and must be thread-safe; `invalidate`, if given, is called with the
/// rejected token after a 401, and the call is tried once more.
class TokenProviderCredentials final : public Credentials {
 public:
  /// `token` returns the token of an attempt; `invalidate` (optional) is told about a rejected one.
  explicit TokenProviderCredentials(std::function<std::string()> token,
                                    std::function<void(const std::string&)> invalidate = {});
  void apply(HttpHeaders& headers) override;
  bool on_unauthenticated(const HttpHeaders& used) override;
  std::vector<std::string> secrets() const override;

 private:
  std::function<std::string()> token_;
  std::function<void(const std::string&)> invalidate_;
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;  // recent tokens, for redaction
};

/// Settings of app OAuth (client credentials).
struct OAuthOptions {
  /// Scheme and host of the token endpoint (`/oauth2/token` is appended).
  std::string base_url = "https://www.wixapis.com";
  /// A token is renewed this long before `expires_in` runs out.
  std::chrono::seconds refresh_margin{300};
  /// Transport for token requests. Null (the default): the transport of the client whose call
  /// needs the token (its `ClientOptions::transport`, or the `CurlTransport` it built from
  /// `ClientOptions::curl`: CA file, proxy, connect timeout), or, for a token asked for outside
  /// any call (`access_token()`), a `CurlTransport` with default settings.
  std::shared_ptr<Transport> transport;
  /// Timeout of one token request (cut to what is left of the deadline of the call that needs it).
  std::chrono::milliseconds timeout{30'000};
  /// After a failed token request, the endpoint is not asked again for this long: a call that
  /// needs a token meanwhile waits for the end of it when its deadline allows, then asks (one
  /// request for all the calls waiting), or else fails at once with the failure it would have
  /// waited for. Doubles after each failure in a row, up to `max_failure_backoff`; a token
  /// obtained ends it. A request that failed only because its caller's deadline ran out starts
  /// none. Zero: no backoff.
  std::chrono::milliseconds failure_backoff{500};
  /// Longest backoff after failures in a row (never below `failure_backoff`).
  std::chrono::milliseconds max_failure_backoff{10'000};
  /// Allows `http://` to non-loopback hosts (never do this in production).
  bool allow_insecure_http = false;
};

namespace internal {
struct TokenCacheAccess;
}  // namespace internal

/// What every OAuth flow below shares: one access token, cached until `refresh_margin` before it
/// expires, renewed by one thread while the others wait (within their calls' deadlines), a failed
/// renewal answering every thread that waited for it, and dropped after a 401 so that the call is
/// tried once more with a fresh one. The flows differ only in how they ask for a token.
/// Thread safety: all members may be called concurrently.
class CachedTokenCredentials : public Credentials {
 public:
  ~CachedTokenCredentials() override;
  void apply(HttpHeaders& headers) override;
  void apply_within(HttpHeaders& headers, std::chrono::steady_clock::time_point deadline) override;
  bool on_unauthenticated(const HttpHeaders& used) override;
  /// Number of token requests made so far.
  std::size_t token_requests() const;

 protected:
  CachedTokenCredentials();
  /// The cached access token (empty when none), for `secrets()`.
  std::string cached_token() const;
  /// The current access token, fetching one if needed.
  std::string current_token();

 private:
  friend struct internal::TokenCacheAccess;  // the flows install their cache through it
  struct Cache;                              // the token cache (token_cache.h)
  std::unique_ptr<Cache> cache_;
};

/// A Wix app acting on one site (app instance), authenticated with OAuth client credentials:
/// `POST /oauth2/token {"grant_type": "client_credentials", "client_id", "client_secret",
/// "instance_id"}`. The access token is cached until `refresh_margin` before it expires; one
/// thread renews it while the others wait (within their calls' deadlines), and a failed renewal
/// answers every thread that waited for it; after a 401 it is renewed once more.
///
/// Token endpoint failures throw the same typed errors as API calls (`UnauthenticatedError`, ...,
/// `TransportError`), with the status and request ID and without the secret.
/// Thread safety: all members may be called concurrently.
class OAuthClientCredentials final : public CachedTokenCredentials {
 public:
  /// Throws `ValidationError` (`clientId`, `clientSecret`, `instanceId`, `base_url`).
  OAuthClientCredentials(std::string app_id, std::string app_secret, std::string instance_id,
                         OAuthOptions options = {});
  ~OAuthClientCredentials() override;

  std::vector<std::string> secrets() const override;

  /// The current access token, fetching one if needed.
  std::string access_token();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The API host for visitor and member tokens, as Wix's own SDKs use it: set it as
/// `ClientOptions::base_url` with `VisitorCredentials`.
inline constexpr char kVisitorBaseUrl[] = "https://edge.wixapis.com";

/// A member's tokens from your sign-in flow.
struct MemberTokens {
  std::string access_token;   ///< may be empty: the first call renews with the refresh token
  std::string refresh_token;  ///< required
  std::chrono::seconds expires_in{0};  ///< lifetime left of `access_token`
};

/// Visitors and members of a site, for headless C++ storefronts, kiosks and native apps: tokens of
/// a Wix headless OAuth client (`client_id`). A visitor's token is requested on first use
/// (`POST /oauth2/token {"clientId", "grantType": "anonymous"}`); a member's come from your
/// sign-in. Both are renewed with their refresh token (`{"clientId", "grantType":
/// "refresh_token", "refreshToken"}`) before they expire. When an answer carries a new refresh
/// token, it replaces the last and is handed to `on_refresh_token` (when given) before anything
/// else of the answer is judged, so that a member stays signed in across restarts even when the
/// access token beside it is unusable; an answer that returns the same token hands nothing out.
/// A visitor whose refresh token is refused (400 or 401) starts over as a new visitor; a 429, a
/// 5xx or a lost connection keeps the visitor. A member's refused refresh token is never sent
/// again: every later call fails at once with that error (sign in again: new credentials). If
/// `on_refresh_token` throws, the exception reaches the caller of the API call unchanged, no API
/// request of that call is sent, and nothing is lost: `refresh_token()` returns the new token
/// and the access token of that answer is cached. Caching, single-flight renewal and deadlines
/// as every `CachedTokenCredentials`. Thread safety: all members may be called concurrently.
class VisitorCredentials final : public CachedTokenCredentials {
 public:
  /// A visitor. Throws `ValidationError` (`clientId`, `base_url`).
  static std::shared_ptr<VisitorCredentials> visitor(std::string client_id,
                                                     OAuthOptions options = {});
  /// A signed-in member. Throws `ValidationError` (`clientId`, `refreshToken`, `accessToken`).
  static std::shared_ptr<VisitorCredentials> member(
      std::string client_id, MemberTokens tokens,
      std::function<void(const std::string& refresh_token)> on_refresh_token = {},
      OAuthOptions options = {});
  ~VisitorCredentials() override;

  std::vector<std::string> secrets() const override;
  /// The refresh token to keep (empty before a visitor's first token).
  std::string refresh_token() const;

 private:
  struct State;
  explicit VisitorCredentials(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// An app on Wix's legacy custom authentication: the refresh token from its install exchanged at
/// `POST /oauth/access {"grant_type": "refresh_token", "client_id", "client_secret",
/// "refresh_token"}`. Wix documents this refresh token as one that never expires and that comes
/// back unchanged; should an answer carry a different one, it replaces the old and is handed to
/// `on_refresh_token` (before the access token beside it is judged) so that you can persist it.
/// Access tokens are kept for their `expires_in`, or 5 minutes when the answer does not say (the
/// documented answer does not). Token requests are never sent twice on a connection that died; a
/// refresh token the endpoint refuses (400 or 401) is never sent again: later calls fail at once
/// with that error. If `on_refresh_token` throws, the exception reaches the caller unchanged and
/// nothing is lost (as for `VisitorCredentials`). Thread safety: all members may be called
/// concurrently.
class RefreshTokenCredentials final : public CachedTokenCredentials {
 public:
  /// Throws `ValidationError` (`clientId`, `clientSecret`, `refreshToken`, `base_url`).
  RefreshTokenCredentials(std::string app_id, std::string app_secret, std::string refresh_token,
                          std::function<void(const std::string& refresh_token)> on_refresh_token,
                          OAuthOptions options = {});
  ~RefreshTokenCredentials() override;

  std::vector<std::string> secrets() const override;
  /// The current refresh token.
  std::string refresh_token() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// An app holding an access token bound to a session: exchanged before the first call
/// (`POST /oauth2/token {"grant_type": "strip_bound_session", "client_secret", "access_token"}`)
/// for a token the API accepts, which is kept for its `expires_in` and exchanged again after it
/// (or after a 401). Thread safety: all members may be called concurrently.
class BoundTokenCredentials final : public CachedTokenCredentials {
 public:
  /// Throws `ValidationError` (`clientSecret`, `accessToken`, `base_url`).
  BoundTokenCredentials(std::string app_secret, std::string bound_access_token,
                        OAuthOptions options = {});
  ~BoundTokenCredentials() override;

  std::vector<std::string> secrets() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wix::backinstock
