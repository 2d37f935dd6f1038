#pragma once

// The token request every OAuth flow sends: a JSON POST to the token endpoint within the budget
// the call leaves it, whose answer must carry a header-safe `access_token`; what a failure says.
// The flows (oauth_flows.cc) differ only in the body they send. Internal.

#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "token_cache.h"
#include "wix/backinstock/credentials.h"

namespace wix::backinstock::internal {

/// Checks `options`; returns the URL of `path` on their base URL. Throws
/// `ValidationError("base_url")`.
std::string token_endpoint(const OAuthOptions& options, const char* path);

/// The time left until `deadline`, capped by `timeout`; throws `TransportError(kTimeout)` when
/// none is left.
std::chrono::milliseconds token_request_budget(std::chrono::milliseconds timeout,
                                               TokenCache::Clock::time_point deadline);

/// What a token request spends.
enum class Grant {
  kOther,    ///< nothing single-use (client credentials, anonymous, bound session)
  kRefresh,  ///< a refresh token, which the answer may rotate
};

/// POSTs the JSON `body` to `url` through `options.transport` (when set) or `context`'s, within
/// `budget`, tells `context`'s logger (one record, as an API attempt's, redacted), and returns the
/// answer, a JSON object (its access token is judged by `fresh_token`, after the flow kept any
/// rotated refresh token). A non-200 answer throws its typed error (redacted of `secrets`); a body
/// that is not a JSON object throws `TransportError(kMalformedResponse)`. Every error says that a
/// token request failed and, for `Grant::kRefresh`, whether the refresh token was refused, not
/// sent, or may have been spent.
/// `idempotent`: whether the transport may send the request again on a reused connection that
/// died (not for refresh tokens).
nlohmann::json post_for_token(const OAuthOptions& options, const TokenRequestContext& context,
                              const std::string& url, std::string body,
                              std::chrono::milliseconds budget,
                              const std::vector<std::string>& secrets, bool idempotent,
                              Grant grant = Grant::kOther);

/// True when `error` (thrown by `post_for_token`) is the token endpoint refusing the grant (400 or
/// 401): a refresh token so refused will not work again.
bool refused(const std::exception_ptr& error);

/// The token of an answer: a non-empty, header-safe `access_token` of at most
/// kMaxAccessTokenBytes, and `expires_in` clamped to [1 s, 1 year] (`fallback` when absent).
/// Throws `TransportError(kMalformedResponse)` otherwise.
FreshToken fresh_token(const nlohmann::json& answer, std::chrono::seconds fallback);

/// A string member of a token answer, or empty.
std::string token_answer_text(const nlohmann::json& answer, const char* key);

}  // namespace wix::backinstock::internal
