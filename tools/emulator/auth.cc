#include "auth.h"

#include <algorithm>

namespace wix::backinstock::emulator::detail {

json Auth::grant(std::mt19937_64& rng, const std::string& refresh_owner) {
  std::string token = "OAUTH2.emulator." + random_guid(rng);
  tokens_[token] = std::chrono::steady_clock::now() + options_.token_lifetime;
  json out = {{"access_token", token},
              {"token_type", "Bearer"},
              {"expires_in", options_.token_lifetime.count()}};
  if (!refresh_owner.empty()) {
    std::string refresh = "REFRESH.emulator." + random_guid(rng);
    refresh_tokens_[refresh] = refresh_owner;
    out["refresh_token"] = refresh;
  }
  return out;
}

bool Auth::known_secret(const std::string& secret) const {
  return !secret.empty() &&
         std::any_of(options_.apps.begin(), options_.apps.end(),
                     [&](const EmulatorApp& app) { return app.app_secret == secret; });
}

// Visitors of a headless client: {"clientId", "grantType": "anonymous" | "refresh_token",
// "refreshToken"}; the client ID is one of the configured apps'.
Reply Auth::visitor_token(const json& body, std::mt19937_64& rng) {
  std::string client_id = string_or_empty(body, "clientId");
  std::string grant_type = string_or_empty(body, "grantType");
  if (client_id.empty()) return one_violation("clientId", "is required");
  bool known = std::any_of(options_.apps.begin(), options_.apps.end(),
                           [&](const EmulatorApp& app) { return app.app_id == client_id; });
  if (!known) return app_error(401, "UNAUTHENTICATED", "Unknown client");
  if (grant_type == "anonymous") return {200, grant(rng, "visitor:" + client_id).dump()};
  if (grant_type != "refresh_token") {
    return app_error(400, "INVALID_GRANT_TYPE", "grantType must be anonymous or refresh_token");
  }
  std::string refresh = string_or_empty(body, "refreshToken");
  auto it = refresh_tokens_.find(refresh);
  if (refresh.empty() || it == refresh_tokens_.end() || it->second != "visitor:" + client_id) {
    return app_error(400, "INVALID_REFRESH_TOKEN", "Refresh token is unknown or already used");
  }
  if (options_.rotate_refresh_tokens) {
    refresh_tokens_.erase(it);  // single use: the answer carries the next one
    return {200, grant(rng, "visitor:" + client_id).dump()};
  }
  json out = grant(rng, "");  // the same visitor keeps its refresh token
  out["refresh_token"] = refresh;
  return {200, out.dump()};
}

Reply Auth::legacy_access(const json& body, std::mt19937_64& rng) {
  std::string client_id = string_or_empty(body, "client_id");
  std::string secret = string_or_empty(body, "client_secret");
  std::string refresh = string_or_empty(body, "refresh_token");
  if (string_or_empty(body, "grant_type") != "refresh_token") {
    return app_error(400, "INVALID_GRANT_TYPE", "grant_type must be refresh_token");
  }
  bool known = std::any_of(options_.apps.begin(), options_.apps.end(), [&](const EmulatorApp& app) {
    return app.app_id == client_id && app.app_secret == secret;
  });
  if (!known) return app_error(401, "UNAUTHENTICATED", "Unknown app or wrong secret");
  auto issued = refresh_tokens_.find(refresh);
  const bool from_install =
      std::find(options_.legacy_refresh_tokens.begin(), options_.legacy_refresh_tokens.end(),
                refresh) != options_.legacy_refresh_tokens.end();
  if (!options_.rotate_refresh_tokens) {
    // As documented: the refresh token never expires, and the answer returns it unchanged with
    // the access token (and nothing else).
    if (!from_install) {
      return app_error(400, "INVALID_REFRESH_TOKEN", "Refresh token is unknown");
    }
    json out = grant(rng, "");
    return {200, json{{"access_token", out["access_token"]}, {"refresh_token", refresh}}.dump()};
  }
  if (issued != refresh_tokens_.end() && issued->second == "legacy:" + client_id) {
    refresh_tokens_.erase(issued);
  } else if (from_install && !legacy_used_[refresh]) {
    legacy_used_[refresh] = true;
  } else {
    return app_error(400, "INVALID_REFRESH_TOKEN", "Refresh token is unknown or already used");
  }
  return {200, grant(rng, "legacy:" + client_id).dump()};
}

Reply Auth::issue_token(const json& body, std::mt19937_64& rng) {
  if (body.contains("grantType") || body.contains("clientId")) return visitor_token(body, rng);
  std::string grant = string_or_empty(body, "grant_type");
  if (grant == "strip_bound_session") {
    // A bound access token exchanged for a plain one; the app proves itself with its secret.
    if (!known_secret(string_or_empty(body, "client_secret"))) {
      return app_error(401, "UNAUTHENTICATED", "Unknown app or wrong secret");
    }
    if (string_or_empty(body, "access_token").empty()) {
      return one_violation("access_token", "is required");
    }
    return {200, this->grant(rng, "").dump()};
  }
  std::string client_id = string_or_empty(body, "client_id");
  std::string secret = string_or_empty(body, "client_secret");
  std::string instance = string_or_empty(body, "instance_id");
  if (grant != "client_credentials") {
    return app_error(400, "INVALID_GRANT_TYPE",
                     "grant_type must be client_credentials or strip_bound_session");
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
  return {200, this->grant(rng, "").dump()};
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
