#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "error_mapping.h"
#include "untrusted_json.h"
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

  mutable std::mutex mutex;
  std::condition_variable refreshed;
  bool refreshing = false;
  std::string token;
  Clock::time_point renew_at{};
  std::size_t requests = 0;
  // Each fetch has a number; waiters wait for the one running when they arrived, and a failed
  // fetch answers all of them with its error instead of each trying again in turn.
  std::uint64_t started = 0;
  std::uint64_t finished = 0;
  std::exception_ptr last_failure;  // of fetch number `finished`, if it failed

  Clock::time_point now() const { return options.clock ? options.clock() : Clock::now(); }

  static TransportError deadline_error(const char* what) {
    return TransportError(TransportError::Kind::kTimeout, false,
                          std::string("deadline exceeded ") + what);
  }

  // Asks the token endpoint for a token, by `deadline` (steady_clock); runs without the lock held.
  std::pair<std::string, std::chrono::seconds> fetch(Clock::time_point deadline) {
    auto left =
        deadline == Clock::time_point::max()
            ? options.timeout
            : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw deadline_error("before an access token could be requested");
    nlohmann::json body = {{"grant_type", "client_credentials"},
                           {"client_id", app_id},
                           {"client_secret", app_secret},
                           {"instance_id", instance_id}};
    HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
    request.timeout = std::min(options.timeout, left);
    request.idempotent = true;  // asking for a token twice changes nothing
    HttpResponse response = options.transport->send(request);
    const std::vector<std::string> secrets = {app_secret};
    if (response.status != 200) internal::throw_api_error(response, secrets);
    auto parsed = internal::parse_untrusted(response.body).value;
    auto token = parsed.is_object() ? parsed.find("access_token") : parsed.end();
    if (!parsed.is_object() || token == parsed.end() || !token->is_string() ||
        token->get<std::string>().empty()) {
      throw TransportError(TransportError::Kind::kMalformedResponse, true,
                           "malformed token response: no access_token");
    }
    // The token becomes a header of every API request: no CR, LF or other control character.
    if (!internal::is_header_value(token->get_ref<const std::string&>())) {
      throw TransportError(TransportError::Kind::kMalformedResponse, true,
                           "malformed token response: the access token is not a valid header "
                           "value");
    }
    // Lifetimes are clamped to [1 s, 1 year]: no overflow, and a token is renewed at least yearly.
    constexpr double kMaxLifetime = 365.0 * 24 * 3600;
    std::chrono::seconds lifetime{3600};
    auto expires = parsed.find("expires_in");
    if (expires != parsed.end() && expires->is_number()) {
      double seconds = expires->get<double>();
      if (seconds >= 1) {
        lifetime = std::chrono::seconds(static_cast<long long>(std::min(seconds, kMaxLifetime)));
      }
    }
    return {token->get<std::string>(), lifetime};
  }

  std::string current(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (!token.empty() && now() < renew_at) return token;
      if (!refreshing) break;
      // Another thread is renewing: wait for that fetch (within our deadline) and share its end.
      const std::uint64_t awaited = started;
      auto done = [&] { return finished >= awaited; };
      if (deadline == Clock::time_point::max()) {
        refreshed.wait(lock, done);
      } else if (!refreshed.wait_until(lock, deadline, done)) {
        throw deadline_error("while waiting for an access token");
      }
      if (finished == awaited && last_failure) std::rethrow_exception(last_failure);
    }
    refreshing = true;
    ++requests;
    const std::uint64_t number = ++started;
    lock.unlock();
    std::pair<std::string, std::chrono::seconds> fresh;
    std::exception_ptr failure;
    try {
      fresh = fetch(deadline);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    refreshing = false;
    finished = number;
    last_failure = failure;
    if (!failure) {
      token = fresh.first;
      auto margin = std::min<std::chrono::seconds>(options.refresh_margin, fresh.second / 2);
      renew_at = now() + fresh.second - margin;
    }
    refreshed.notify_all();
    if (failure) std::rethrow_exception(failure);
    return token;
  }
};

OAuthClientCredentials::OAuthClientCredentials(std::string app_id, std::string app_secret,
                                               std::string instance_id, OAuthOptions options)
    : state_(std::make_unique<State>()) {
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  internal::check_header_value("instanceId", instance_id);
  std::string base = internal::checked_base_url(options.base_url, options.allow_insecure_http);
  if (!options.transport) options.transport = std::make_shared<CurlTransport>();
  state_->app_id = std::move(app_id);
  state_->app_secret = std::move(app_secret);
  state_->instance_id = std::move(instance_id);
  state_->url = base + "/oauth2/token";
  state_->options = std::move(options);
}

OAuthClientCredentials::~OAuthClientCredentials() = default;

std::string OAuthClientCredentials::access_token() {
  return state_->current(Clock::time_point::max());
}

void OAuthClientCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", state_->current(Clock::time_point::max()));
}

void OAuthClientCredentials::apply_within(HttpHeaders& headers, Clock::time_point deadline) {
  headers.emplace_back("Authorization", state_->current(deadline));
}

bool OAuthClientCredentials::on_unauthenticated(const HttpHeaders& used) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  // Only the token that was rejected is dropped: concurrent 401s cause one renewal, not many.
  if (!state_->token.empty() && authorization(used) == state_->token) {
    state_->token.clear();
  }
  return true;
}

std::vector<std::string> OAuthClientCredentials::secrets() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return {state_->app_secret, state_->token};
}

std::size_t OAuthClientCredentials::token_requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests;
}

}  // namespace wix::backinstock
