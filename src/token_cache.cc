#include "token_cache.h"

#include <algorithm>
#include <utility>

#include "error_access.h"
#include "error_mapping.h"
#include "untrusted_json.h"
#include "validation.h"

namespace wix::backinstock::internal {

namespace {

TransportError deadline_error(const char* what) {
  return TransportError(TransportError::Kind::kTimeout, false,
                        std::string("deadline exceeded ") + what);
}

}  // namespace

TokenCache::TokenCache(Fetch fetch, std::chrono::seconds refresh_margin,
                       std::function<Clock::time_point()> clock)
    : fetch_(std::move(fetch)), margin_(refresh_margin), clock_(std::move(clock)) {}

std::string TokenCache::current(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (!token_.empty() && now() < renew_at_) return token_;
    if (!refreshing_) break;
    // Another thread is renewing: wait for that fetch (within our deadline) and share its end.
    const std::uint64_t awaited = started_;
    auto done = [&] { return finished_ >= awaited; };
    if (deadline == Clock::time_point::max()) {
      refreshed_.wait(lock, done);
    } else if (!refreshed_.wait_until(lock, deadline, done)) {
      throw deadline_error("while waiting for an access token");
    }
    if (finished_ == awaited && last_failure_) std::rethrow_exception(last_failure_);
  }
  refreshing_ = true;
  ++requests_;
  const std::uint64_t number = ++started_;
  lock.unlock();
  FreshToken fresh;
  std::exception_ptr failure;
  try {
    fresh = fetch_(deadline);
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  refreshing_ = false;
  finished_ = number;
  last_failure_ = failure;
  if (!failure) {
    token_ = std::move(fresh.access);
    auto lifetime = clamp_lifetime(fresh.lifetime);
    auto margin = std::min<std::chrono::seconds>(margin_, lifetime / 2);
    renew_at_ = now() + lifetime - margin;
  }
  refreshed_.notify_all();
  if (failure) std::rethrow_exception(failure);
  // Cached first: the user's callback failing does not cost another token request.
  if (fresh.handover_error) std::rethrow_exception(fresh.handover_error);
  return token_;
}

void TokenCache::drop(std::string_view rejected) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!token_.empty() && rejected == token_) token_.clear();
}

std::string TokenCache::token() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return token_;
}

std::size_t TokenCache::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::string token_endpoint(OAuthOptions& options, const char* path) {
  std::string base = checked_base_url(options.base_url, options.allow_insecure_http);
  if (!options.transport) options.transport = std::make_shared<CurlTransport>();
  return base + path;
}

std::unique_ptr<TokenCache> make_token_cache(TokenCache::Fetch fetch, const OAuthOptions& options) {
  return std::make_unique<TokenCache>(std::move(fetch), options.refresh_margin, options.clock);
}

std::chrono::milliseconds token_request_budget(std::chrono::milliseconds timeout,
                                               TokenCache::Clock::time_point deadline) {
  auto left = deadline == TokenCache::Clock::time_point::max()
                  ? timeout
                  : std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          TokenCache::Clock::now());
  if (left.count() <= 0) throw deadline_error("before an access token could be requested");
  return std::min(timeout, left);
}

namespace {

// The path of `url` ("/oauth2/token"), for messages.
std::string path_of(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? url : url.substr(slash);
}

// What a failed token request says first.
std::string failure_context(const std::string& url, Grant grant, const Error& error) {
  std::string context = "token request to " + path_of(url) + " failed";
  if (grant != Grant::kRefresh) return context;
  if (const auto* api = dynamic_cast<const ApiError*>(&error)) {
    return context + (api->http_status() == 400 || api->http_status() == 401
                          ? " (the refresh token was refused)"
                          : " (the refresh token may have been spent)");
  }
  if (const auto* transport = dynamic_cast<const TransportError*>(&error)) {
    return context + (transport->may_have_reached_server()
                          ? " (the refresh token may have been spent)"
                          : " (the refresh token was not sent)");
  }
  return context;
}

TransportError malformed(const std::string& problem) {
  return TransportError(TransportError::Kind::kMalformedResponse, true,
                        "malformed token response: " + problem);
}

}  // namespace

nlohmann::json post_for_token(const OAuthOptions& options, const std::string& url, std::string body,
                              std::chrono::milliseconds budget,
                              const std::vector<std::string>& secrets, bool idempotent,
                              Grant grant) {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::move(body);
  request.timeout = budget;
  request.idempotent = idempotent;
  try {
    HttpResponse response = options.transport->send(request);
    if (response.status != 200) throw_api_error(response, secrets);
    auto parsed = parse_untrusted(response.body).value;
    if (!parsed.is_object()) throw malformed("not a JSON object");
    return parsed;
  } catch (Error& e) {
    ErrorAccess::set_context(e, failure_context(url, grant, e));
    throw;
  }
}

bool refused(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    return e.http_status() == 400 || e.http_status() == 401;
  } catch (...) {
    return false;
  }
}

FreshToken fresh_token(const nlohmann::json& answer, std::chrono::seconds fallback) {
  auto token = answer.find("access_token");
  if (token == answer.end() || !token->is_string() ||
      token->get_ref<const std::string&>().empty()) {
    throw malformed("no access_token");
  }
  const auto& text = token->get_ref<const std::string&>();
  if (text.size() > kMaxAccessTokenBytes) {
    throw malformed("the access token is over " + std::to_string(kMaxAccessTokenBytes) + " bytes");
  }
  // The token becomes a header of every API request: no CR, LF or other control character.
  if (!is_header_value(text)) throw malformed("the access token is not a valid header value");
  FreshToken fresh;
  fresh.access = text;
  fresh.lifetime = fallback;
  auto expires = answer.find("expires_in");
  if (expires != answer.end() && expires->is_number()) {
    double seconds = expires->get<double>();
    if (seconds >= 1) {
      constexpr double kYear = 365.0 * 24 * 3600;
      fresh.lifetime = std::chrono::seconds(static_cast<long long>(std::min(seconds, kYear)));
    }
  }
  return fresh;
}

std::chrono::seconds clamp_lifetime(std::chrono::seconds lifetime) {
  constexpr std::chrono::seconds kYear(365LL * 24 * 3600);
  return std::clamp(lifetime, std::chrono::seconds(1), kYear);
}

std::string token_answer_text(const nlohmann::json& answer, const char* key) {
  auto it = answer.find(key);
  return it != answer.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace wix::backinstock::internal

namespace wix::backinstock {

CachedTokenCredentials::CachedTokenCredentials() = default;
CachedTokenCredentials::~CachedTokenCredentials() = default;

void CachedTokenCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", current_token());
}

void CachedTokenCredentials::apply_within(HttpHeaders& headers,
                                          std::chrono::steady_clock::time_point deadline) {
  headers.emplace_back("Authorization", cache_->current(deadline));
}

bool CachedTokenCredentials::on_unauthenticated(const HttpHeaders& used) {
  // Only the token that was rejected is dropped: concurrent 401s cause one renewal, not many.
  cache_->drop(find_header(used, "Authorization").value_or(""));
  return true;
}

std::size_t CachedTokenCredentials::token_requests() const { return cache_->requests(); }

std::string CachedTokenCredentials::cached_token() const { return cache_->token(); }

std::string CachedTokenCredentials::current_token() {
  return cache_->current(std::chrono::steady_clock::time_point::max());
}

}  // namespace wix::backinstock
