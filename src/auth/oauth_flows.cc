// The OAuth flows: app client credentials, visitors and members of headless clients, legacy apps
// with rotating refresh tokens, and the bound-session exchange. Each is a token request of its
// own shape (token_request.h) over the shared cache (token_cache.h).

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>

#include "token_cache.h"
#include "token_request.h"
#include "validation.h"
#include "wix/backinstock/credentials.h"
#include "wix/backinstock/errors.h"

namespace wix::backinstock {

namespace {

using Clock = std::chrono::steady_clock;

// A refresh token the answer rotates to: kept and handed out when the answer has a new one,
// before anything else of the answer is judged (an unusable access token beside it must not lose
// it: the old one may be spent). Returns what `on_refresh_token` threw, if anything.
std::exception_ptr rotate(const nlohmann::json& answer, std::mutex& mutex, std::string& refresh,
                          const std::function<void(const std::string&)>& on_refresh_token) {
  std::string next = internal::token_answer_text(answer, "refresh_token");
  if (next.empty() || !internal::is_header_value(next)) return nullptr;
  {
    std::lock_guard<std::mutex> guard(mutex);
    if (refresh == next) return nullptr;  // the same token again (it does not expire)
    refresh = next;
  }
  if (!on_refresh_token) return nullptr;
  try {
    on_refresh_token(next);
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

// The token of `answer` after its refresh token was kept: `fresh_token`, carrying what the user's
// callback threw.
internal::FreshToken after_rotation(const nlohmann::json& answer, std::chrono::seconds fallback,
                                    std::exception_ptr handover_error) {
  internal::FreshToken fresh = internal::fresh_token(answer, fallback);
  fresh.handover_error = std::move(handover_error);
  return fresh;
}

// A refresh token the token endpoint refused: every later renewal fails at once with the same
// error, instead of sending a dead (or spent) token again.
struct Refusal {
  std::exception_ptr error;
  void check() const {
    if (error) std::rethrow_exception(error);
  }
  // Keeps `error` when it is a refusal, then rethrows it.
  [[noreturn]] void remember_and_rethrow(const std::exception_ptr& e) {
    if (internal::refused(e)) error = e;
    std::rethrow_exception(e);
  }
};

}  // namespace

// OAuthClientCredentials ------------------------------------------------------------------------

struct OAuthClientCredentials::State {
  std::string app_id;
  std::string app_secret;
  std::string instance_id;
  OAuthOptions options;
  std::string url;

  // Asks the token endpoint for a token, by `deadline` (steady_clock).
  internal::FreshToken fetch(Clock::time_point deadline,
                             const internal::TokenRequestContext& context) {
    auto budget = internal::token_request_budget(options.timeout, deadline);
    nlohmann::json body = {{"grant_type", "client_credentials"},
                           {"client_id", app_id},
                           {"client_secret", app_secret},
                           {"instance_id", instance_id}};
    auto answer = internal::post_for_token(options, context, url, body.dump(), budget, {app_secret},
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
  internal::TokenCacheAccess::install(
      *this,
      [state](Clock::time_point deadline, const internal::TokenRequestContext& context) {
        return state->fetch(deadline, context);
      },
      state_->options);
}

OAuthClientCredentials::~OAuthClientCredentials() = default;

std::string OAuthClientCredentials::access_token() { return current_token(); }

std::vector<std::string> OAuthClientCredentials::secrets() const {
  return {state_->app_secret, cached_token()};
}

// VisitorCredentials ----------------------------------------------------------------------------

struct VisitorCredentials::State {
  std::string client_id;
  OAuthOptions options;
  std::string url;
  std::function<void(const std::string&)> on_refresh_token;
  bool member = false;
  mutable std::mutex mutex;  // guards `refresh`
  std::string refresh;
  MemberTokens first;  // a member's access token, used before any renewal
  Refusal refusal;     // touched only by `fetch`, which never runs concurrently with itself
  std::string current_refresh() const {
    std::lock_guard<std::mutex> guard(mutex);
    return refresh;
  }

  internal::FreshToken fetch(Clock::time_point deadline,
                             const internal::TokenRequestContext& context) {
    if (!first.access_token.empty()) {  // a member's own token, once
      internal::FreshToken given{std::move(first.access_token), first.expires_in, nullptr};
      first.access_token.clear();
      if (given.lifetime.count() > 0) return given;
    }
    refusal.check();  // a member whose refresh token was refused: new tokens are needed
    auto budget = internal::token_request_budget(options.timeout, deadline);
    std::string refresh_token = current_refresh();
    nlohmann::json answer;
    if (!refresh_token.empty()) {
      nlohmann::json body = {
          {"clientId", client_id}, {"grantType", "refresh_token"}, {"refreshToken", refresh_token}};
      try {
        answer =
            internal::post_for_token(options, context, url, body.dump(), budget, {refresh_token},
                                     /*idempotent=*/false, internal::Grant::kRefresh);
      } catch (const Error&) {
        auto error = std::current_exception();
        // Only a refusal of the token starts a visitor over; a 429, a 5xx or a lost connection
        // is temporary, and the same visitor tries again on the next call.
        if (member || !internal::refused(error)) refusal.remember_and_rethrow(error);
        refresh_token.clear();
        budget = internal::token_request_budget(options.timeout, deadline);
      }
    }
    if (refresh_token.empty()) {
      nlohmann::json body = {{"clientId", client_id}, {"grantType", "anonymous"}};
      answer = internal::post_for_token(options, context, url, body.dump(), budget, {},
                                        /*idempotent=*/true);
    }
    auto handover_error = rotate(answer, mutex, refresh, on_refresh_token);
    return after_rotation(answer, std::chrono::seconds(3600), std::move(handover_error));
  }
};

VisitorCredentials::VisitorCredentials(std::unique_ptr<State> state) : state_(std::move(state)) {
  State* s = state_.get();
  internal::TokenCacheAccess::install(
      *this,
      [s](Clock::time_point deadline, const internal::TokenRequestContext& context) {
        return s->fetch(deadline, context);
      },
      state_->options);
}

VisitorCredentials::~VisitorCredentials() = default;

std::shared_ptr<VisitorCredentials> VisitorCredentials::visitor(std::string client_id,
                                                                OAuthOptions options) {
  internal::check_header_value("clientId", client_id);
  auto state = std::make_unique<State>();
  state->url = internal::token_endpoint(options, "/oauth2/token");
  state->client_id = std::move(client_id);
  state->options = std::move(options);
  return std::shared_ptr<VisitorCredentials>(new VisitorCredentials(std::move(state)));
}

std::shared_ptr<VisitorCredentials> VisitorCredentials::member(
    std::string client_id, MemberTokens tokens,
    std::function<void(const std::string&)> on_refresh_token, OAuthOptions options) {
  internal::check_header_value("clientId", client_id);
  internal::check_header_value("refreshToken", tokens.refresh_token);
  if (!tokens.access_token.empty())
    internal::check_header_value("accessToken", tokens.access_token);
  auto state = std::make_unique<State>();
  state->url = internal::token_endpoint(options, "/oauth2/token");
  state->client_id = std::move(client_id);
  state->options = std::move(options);
  state->member = true;
  state->refresh = tokens.refresh_token;
  state->first = std::move(tokens);
  state->on_refresh_token = std::move(on_refresh_token);
  return std::shared_ptr<VisitorCredentials>(new VisitorCredentials(std::move(state)));
}

std::vector<std::string> VisitorCredentials::secrets() const {
  return {cached_token(), state_->current_refresh()};
}

std::string VisitorCredentials::refresh_token() const { return state_->current_refresh(); }

// RefreshTokenCredentials -----------------------------------------------------------------------

struct RefreshTokenCredentials::State {
  std::string app_id;
  std::string app_secret;
  OAuthOptions options;
  std::string url;
  std::function<void(const std::string&)> on_refresh_token;
  mutable std::mutex mutex;  // guards `refresh`
  std::string refresh;
  std::string current_refresh() const {
    std::lock_guard<std::mutex> guard(mutex);
    return refresh;
  }

  Refusal refusal;  // touched only by `fetch`, which never runs concurrently with itself

  internal::FreshToken fetch(Clock::time_point deadline,
                             const internal::TokenRequestContext& context) {
    refusal.check();
    auto budget = internal::token_request_budget(options.timeout, deadline);
    std::string refresh_token = current_refresh();
    nlohmann::json body = {{"grant_type", "refresh_token"},
                           {"client_id", app_id},
                           {"client_secret", app_secret},
                           {"refresh_token", refresh_token}};
    nlohmann::json answer;
    try {
      answer = internal::post_for_token(options, context, url, body.dump(), budget,
                                        {app_secret, refresh_token},
                                        /*idempotent=*/false, internal::Grant::kRefresh);
    } catch (const Error&) {
      refusal.remember_and_rethrow(std::current_exception());
    }
    auto handover_error = rotate(answer, mutex, refresh, on_refresh_token);
    return after_rotation(answer, std::chrono::seconds(300), std::move(handover_error));
  }
};

RefreshTokenCredentials::RefreshTokenCredentials(
    std::string app_id, std::string app_secret, std::string refresh_token,
    std::function<void(const std::string&)> on_refresh_token, OAuthOptions options)
    : state_(std::make_unique<State>()) {
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  internal::check_header_value("refreshToken", refresh_token);
  state_->url = internal::token_endpoint(options, "/oauth/access");
  state_->app_id = std::move(app_id);
  state_->app_secret = std::move(app_secret);
  state_->refresh = std::move(refresh_token);
  state_->on_refresh_token = std::move(on_refresh_token);
  state_->options = std::move(options);
  State* s = state_.get();
  internal::TokenCacheAccess::install(
      *this,
      [s](Clock::time_point deadline, const internal::TokenRequestContext& context) {
        return s->fetch(deadline, context);
      },
      state_->options);
}

RefreshTokenCredentials::~RefreshTokenCredentials() = default;

std::vector<std::string> RefreshTokenCredentials::secrets() const {
  return {state_->app_secret, cached_token(), state_->current_refresh()};
}

std::string RefreshTokenCredentials::refresh_token() const { return state_->current_refresh(); }

// BoundTokenCredentials -------------------------------------------------------------------------

struct BoundTokenCredentials::State {
  std::string app_secret;
  std::string bound;
  OAuthOptions options;
  std::string url;

  internal::FreshToken fetch(Clock::time_point deadline,
                             const internal::TokenRequestContext& context) {
    auto budget = internal::token_request_budget(options.timeout, deadline);
    nlohmann::json body = {{"grant_type", "strip_bound_session"},
                           {"client_secret", app_secret},
                           {"access_token", bound}};
    auto answer =
        internal::post_for_token(options, context, url, body.dump(), budget, {app_secret, bound},
                                 /*idempotent=*/true);
    return internal::fresh_token(answer, std::chrono::seconds(3600));
  }
};

BoundTokenCredentials::BoundTokenCredentials(std::string app_secret, std::string bound_access_token,
                                             OAuthOptions options)
    : state_(std::make_unique<State>()) {
  internal::check_header_value("clientSecret", app_secret);
  internal::check_header_value("accessToken", bound_access_token);
  state_->url = internal::token_endpoint(options, "/oauth2/token");
  state_->app_secret = std::move(app_secret);
  state_->bound = std::move(bound_access_token);
  state_->options = std::move(options);
  State* s = state_.get();
  internal::TokenCacheAccess::install(
      *this,
      [s](Clock::time_point deadline, const internal::TokenRequestContext& context) {
        return s->fetch(deadline, context);
      },
      state_->options);
}

BoundTokenCredentials::~BoundTokenCredentials() = default;

std::vector<std::string> BoundTokenCredentials::secrets() const {
  return {state_->app_secret, state_->bound, cached_token()};
}

}  // namespace wix::backinstock
