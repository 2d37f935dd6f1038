#include "auth.h"

#include <algorithm>

namespace wix::backinstock::emulator::detail {

Reply Auth::issue_token(const json& body, std::mt19937_64& rng) {
  std::string grant = string_or_empty(body, "grant_type");
  std::string client_id = string_or_empty(body, "client_id");
  std::string secret = string_or_empty(body, "client_secret");
  std::string instance = string_or_empty(body, "instance_id");
  if (grant != "client_credentials") {
    return app_error(400, "INVALID_GRANT_TYPE", "grant_type must be client_credentials");
  }
  if (client_id.empty() || secret.empty() || instance.empty()) {
    return one_violation(client_id.empty() ? "client_id"
                         : secret.empty()  ? "client_secret"
                                           : "instance_id",
                         "is required");
  }
  bool known = std::any_of(options_.apps.begin(), options_.apps.end(), [&](const EmulatorApp& app) {
    return app.app_id == client_id && app.app_secret == secret;
  });
  if (!known) return app_error(401, "UNAUTHENTICATED", "Unknown app or wrong secret");
  std::string token = "OAUTH2.emulator." + random_guid(rng);
  tokens_[token] = std::chrono::steady_clock::now() + options_.token_lifetime;
  json out = {{"access_token", token},
              {"token_type", "Bearer"},
              {"expires_in", options_.token_lifetime.count()}};
  return {200, out.dump()};
}

std::optional<Reply> Auth::authenticate(const std::string& authorization,
                                        const std::string& site_id) const {
  const std::string& key = authorization;
  if (key.empty()) return app_error(401, "UNAUTHENTICATED", "Unauthorized");
  if (key.rfind("OAUTH2.", 0) == 0) {  // an access token: it names its app instance itself
    auto token = tokens_.find(key);
    if (token == tokens_.end() || std::chrono::steady_clock::now() >= token->second) {
      return app_error(401, "UNAUTHENTICATED", "Access token is expired or unknown");
    }
    return std::nullopt;
  }
  if (!options_.api_keys.empty() && std::find(options_.api_keys.begin(), options_.api_keys.end(),
                                              key) == options_.api_keys.end()) {
    return app_error(401, "UNAUTHENTICATED", "Unauthorized");
  }
  if (site_id.empty()) {
    return app_error(403, "PERMISSION_DENIED", "Permission denied: wix-site-id is required");
  }
  return std::nullopt;
}

}  // namespace wix::backinstock::emulator::detail
