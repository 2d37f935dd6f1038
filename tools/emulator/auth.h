#pragma once

// Who may call: API keys with `wix-site-id`, and app access tokens issued by `POST /oauth2/token`
// (client credentials). Every 401 and 403 of the emulator is decided here. Not thread-safe: the
// caller holds the service lock.

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "emulator.h"
#include "replies.h"

namespace wix::backinstock::emulator::detail {

class Auth {
 public:
  explicit Auth(const EmulatorOptions& options) : options_(options) {}

  /// The answer to a token request body: a token for a known app, or the documented error.
  Reply issue_token(const json& body, std::mt19937_64& rng);
  /// nullopt when a call with these headers may proceed; otherwise the 401 or 403 to answer.
  std::optional<Reply> authenticate(const std::string& authorization,
                                    const std::string& site_id) const;
  /// Every token issued so far stops working.
  void revoke_tokens() { tokens_.clear(); }

 private:
  const EmulatorOptions& options_;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens_;  // token -> expiry
};

}  // namespace wix::backinstock::emulator::detail
