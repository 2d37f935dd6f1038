#pragma once

/// @file credentials.h
/// How the client authenticates. `Client` asks its credentials for headers on every attempt.

#include <memory>
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
  /// Called after the service answered 401 with the headers from `apply`; a refreshable
  /// credential drops its cached token and returns true to ask for one more attempt.
  virtual bool on_unauthenticated() { return false; }
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
  static std::shared_ptr<ApiKeyCredentials> for_account(std::string api_key,
                                                        std::string account_id);

  void apply(HttpHeaders& headers) override;
  std::vector<std::string> secrets() const override { return {api_key_}; }

  ApiKeyCredentials(std::string api_key, std::string id_header, std::string id_value);

 private:
  std::string api_key_;
  std::string id_header_;
  std::string id_value_;
};

/// A fixed access token (for example an app token obtained elsewhere), sent raw as
/// `Authorization: <token>`. Immutable; safe to share.
class AccessTokenCredentials final : public Credentials {
 public:
  explicit AccessTokenCredentials(std::string token);
  void apply(HttpHeaders& headers) override;
  std::vector<std::string> secrets() const override { return {token_}; }

 private:
  std::string token_;
};

}  // namespace wix::backinstock
