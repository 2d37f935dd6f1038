#include "token_request.h"

#include <algorithm>
#include <utility>

#include "codec.h"
#include "error_access.h"
#include "error_mapping.h"
#include "observe.h"
#include "untrusted_json.h"
#include "validation.h"

namespace wix::backinstock::internal {

std::string token_endpoint(const OAuthOptions& options, const char* path) {
  return checked_base_url(options.base_url, options.allow_insecure_http) + path;
}

std::chrono::milliseconds token_request_budget(std::chrono::milliseconds timeout,
                                               TokenCache::Clock::time_point deadline) {
  auto left = deadline == TokenCache::Clock::time_point::max()
                  ? timeout
                  : std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          TokenCache::Clock::now());
  if (left.count() <= 0) {
    throw TransportError(TransportError::Kind::kTimeout, false,
                         "deadline exceeded before an access token could be requested");
  }
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

// `secrets` and every token an error answer carries (a new refresh token, say): redacted too.
std::vector<std::string> with_answered_secrets(std::vector<std::string> secrets,
                                               const HttpResponse& response) {
  auto parsed = parse_untrusted(response.body);
  if (!parsed.ok() || !parsed.value.is_object()) return secrets;
  for (const char* key :
       {"access_token", "refresh_token", "id_token", "accessToken", "refreshToken", "idToken"}) {
    auto it = parsed.value.find(key);
    if (it != parsed.value.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      secrets.push_back(it->get<std::string>());
    }
  }
  return secrets;
}

}  // namespace

nlohmann::json post_for_token(const OAuthOptions& options, const TokenRequestContext& context,
                              const std::string& url, std::string body,
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
  Transport& transport = options.transport ? *options.transport : *context.transport;
  const auto begin = std::chrono::steady_clock::now();
  // Tells the client's observer; `error_type` of a failure or of an answer other than 200.
  auto observe = [&](int status, std::string_view error_type) {
    if (!context.observer) return;
    const std::string path = path_of(url);
    notify(*context.observer, [&](Observer& o) {
      o.on_token_request({path, status, error_type,
                          std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now() - begin)});
    });
  };
  try {
    HttpResponse response;
    try {
      response = transport.send(request);
    } catch (const TransportError& e) {
      log_attempt(context.logger, "POST", path_of(url), 1, std::chrono::steady_clock::now() - begin,
                  nullptr, e.what(), secrets);
      observe(0, error_type_of(e.kind()));
      throw;
    } catch (const std::exception& e) {
      log_attempt(context.logger, "POST", path_of(url), 1, std::chrono::steady_clock::now() - begin,
                  nullptr, e.what(), secrets);
      observe(0, "other");
      throw;
    }
    const auto answered_secrets = with_answered_secrets(secrets, response);
    log_attempt(context.logger, "POST", path_of(url), 1, std::chrono::steady_clock::now() - begin,
                &response, nullptr, answered_secrets);
    observe(response.status,
            response.status == 200 ? std::string() : std::to_string(response.status));
    if (response.status != 200) throw_api_error(response, answered_secrets);
    auto parsed = parse_untrusted(response.body).value;
    if (!parsed.is_object()) throw MalformedBody("not a JSON object");
    return parsed;
  } catch (const MalformedBody& e) {
    auto error = malformed_response(kMalformedToken, e);
    internal::ErrorAccess::set_context(error, failure_context(url, grant, error));
    throw error;
  } catch (Error& e) {
    internal::ErrorAccess::set_context(e, failure_context(url, grant, e));
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
    throw MalformedBody("no access_token");
  }
  const auto& text = token->get_ref<const std::string&>();
  if (text.size() > kMaxAccessTokenBytes) {
    throw MalformedBody("the access token is over " + std::to_string(kMaxAccessTokenBytes) +
                        " bytes");
  }
  // The token becomes a header of every API request: no CR, LF or other control character.
  if (!is_header_value(text)) throw MalformedBody("the access token is not a valid header value");
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

std::string token_answer_text(const nlohmann::json& answer, const char* key) {
  auto it = answer.find(key);
  return it != answer.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace wix::backinstock::internal
