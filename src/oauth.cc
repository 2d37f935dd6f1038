#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "token_cache.h"
#include "validation.h"
#include "wix/backinstock/credentials.h"

namespace wix::backinstock {

namespace {

using Clock = std::chrono::steady_clock;

std::string_view authorization(const HttpHeaders& headers) {
  return find_header(headers, "Authorization").value_or("");
}

}  // namespace

// TokenProviderCredentials ----------------------------------------------------------------------

TokenProviderCredentials::TokenProviderCredentials(
    std::function<std::string()> token, std::function<void(const std::string&)> invalidate)
    : token_(std::move(token)), invalidate_(std::move(invalidate)) {
  if (!token_) throw ValidationError("token", "provider must not be null");
}

void TokenProviderCredentials::apply(HttpHeaders& headers) {
  std::string token = token_();
  internal::check_header_value("accessToken", token);
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (seen_.empty() || seen_.back() != token) {
      seen_.push_back(token);
      if (seen_.size() > 8) seen_.erase(seen_.begin());
    }
  }
  headers.emplace_back("Authorization", std::move(token));
}

bool TokenProviderCredentials::on_unauthenticated(const HttpHeaders& used) {
  if (!invalidate_) return false;
  invalidate_(std::string(authorization(used)));
  return true;
}

std::vector<std::string> TokenProviderCredentials::secrets() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return seen_;
}

// OAuthClientCredentials ------------------------------------------------------------------------

struct OAuthClientCredentials::State {
  std::string app_id;
  std::string app_secret;
  std::string instance_id;
  OAuthOptions options;
  std::string url;

  // Asks the token endpoint for a token, by `deadline` (steady_clock).
  internal::FreshToken fetch(Clock::time_point deadline) {
    auto budget = internal::token_request_budget(options.timeout, deadline);
    nlohmann::json body = {{"grant_type", "client_credentials"},
                           {"client_id", app_id},
                           {"client_secret", app_secret},
                           {"instance_id", instance_id}};
    auto answer = internal::post_for_token(options, url, body.dump(), budget, {app_secret},
                                           /*idempotent=*/true);
    return internal::fresh_token(answer, std::chrono::seconds(3600));
  }
};

OAuthClientCredentials::OAuthClientCredentials(std::string app_id, std::string app_secret,
                                               std::string instance_id, OAuthOptions options)
    : state_(std::make_unique<State>()) {
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  internal::check_header_value("instanceId", instance_id);
  state_->url = internal::token_endpoint(options, "/oauth2/token");
  state_->app_id = std::move(app_id);
  state_->app_secret = std::move(app_secret);
  state_->instance_id = std::move(instance_id);
  state_->options = std::move(options);
  State* state = state_.get();
  cache_ = internal::make_token_cache(
      [state](Clock::time_point deadline) { return state->fetch(deadline); }, state_->options);
}

OAuthClientCredentials::~OAuthClientCredentials() = default;

std::string OAuthClientCredentials::access_token() { return current_token(); }

std::vector<std::string> OAuthClientCredentials::secrets() const {
  return {state_->app_secret, cached_token()};
}

}  // namespace wix::backinstock
