#pragma once

// Who may call: API keys with `wix-site-id`, and access tokens this room issued: `POST
// /oauth2/token` (app client credentials; visitors' anonymous and refresh-token grants, camelCase;
// the `strip_bound_session` exchange) and `POST /oauth/access` (legacy apps' refresh tokens).
// Refresh tokens are kept as documented (reusable, returned unchanged), or rotated and single-use
// with `EmulatorOptions::rotate_refresh_tokens`. Every 401 and 403 of the emulator is decided
// here. Not thread-safe: the caller holds the service lock.

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "replies.h"
#include "wix/backinstock/testing/emulator_options.h"

namespace wix::backinstock::emulator::detail {

class Auth {
 public:
  explicit Auth(const EmulatorOptions& options) : options_(options) {}

  /// The answer to a `POST /oauth2/token` body: a token, or the error.
  Reply issue_token(const json& body, std::mt19937_64& rng);
  /// The answer to a `POST /oauth/access` body (legacy custom authentication).
  Reply legacy_access(const json& body, std::mt19937_64& rng);
  /// nullopt when a call with these headers may proceed; otherwise the 401 or 403 to answer.
  std::optional<Reply> authenticate(const std::string& authorization,
                                    const std::string& site_id) const;
  /// Every token issued so far stops working (refresh tokens too).
  void revoke_tokens() {
    tokens_.clear();
    refresh_tokens_.clear();
  }

 private:
  // A new access token (and, when `refresh_owner` is set, a refresh token bound to it).
  json grant(std::mt19937_64& rng, const std::string& refresh_owner);
  Reply visitor_token(const json& body, std::mt19937_64& rng);
  bool known_secret(const std::string& secret) const;

  const EmulatorOptions& options_;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens_;  // token -> expiry
  std::map<std::string, std::string> refresh_tokens_;  // unused refresh token -> owner
  std::map<std::string, bool> legacy_used_;  // initial legacy refresh tokens used (rotating mode)
};

}  // namespace wix::backinstock::emulator::detail
