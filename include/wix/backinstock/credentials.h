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
  /// credentials on its event loop; any others are called on a thread of their own.
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
  /// Transport for token requests; null: a `CurlTransport` of its own.
  std::shared_ptr<Transport> transport;
  /// Timeout of one token request (cut to what is left of the deadline of the call that needs it).
  std::chrono::milliseconds timeout{30'000};
  /// Allows `http://` to non-loopback hosts (never do this in production).
  bool allow_insecure_http = false;
  /// Test seam: the clock that decides expiry. Null: `steady_clock::now`.
  std::function<std::chrono::steady_clock::time_point()> clock;
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
class OAuthClientCredentials final : public Credentials {
 public:
  /// Throws `ValidationError` (`clientId`, `clientSecret`, `instanceId`, `base_url`).
  OAuthClientCredentials(std::string app_id, std::string app_secret, std::string instance_id,
                         OAuthOptions options = {});
  ~OAuthClientCredentials() override;

  void apply(HttpHeaders& headers) override;
  void apply_within(HttpHeaders& headers, std::chrono::steady_clock::time_point deadline) override;
  bool on_unauthenticated(const HttpHeaders& used) override;
  std::vector<std::string> secrets() const override;

  /// The current access token, fetching one if needed.
  std::string access_token();
  /// Number of token requests made so far.
  std::size_t token_requests() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace wix::backinstock
