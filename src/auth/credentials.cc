#include "wix/backinstock/credentials.h"

#include <utility>

#include "validation.h"
#include "wix/backinstock/transport.h"

namespace wix::backinstock {

ApiKeyCredentials::ApiKeyCredentials(std::string api_key, std::string site_id,
                                     std::string account_id)
    : api_key_(std::move(api_key)),
      site_id_(std::move(site_id)),
      account_id_(std::move(account_id)) {}  // checked by the factories

std::shared_ptr<ApiKeyCredentials> ApiKeyCredentials::for_site(std::string api_key,
                                                               std::string site_id) {
  internal::check_header_value("apiKey", api_key);
  internal::check_header_value("siteId", site_id);
  return std::shared_ptr<ApiKeyCredentials>(
      new ApiKeyCredentials(std::move(api_key), std::move(site_id), ""));
}

std::shared_ptr<ApiKeyCredentials> ApiKeyCredentials::for_account(std::string api_key,
                                                                  std::string account_id) {
  internal::check_header_value("apiKey", api_key);
  internal::check_header_value("accountId", account_id);
  return std::shared_ptr<ApiKeyCredentials>(
      new ApiKeyCredentials(std::move(api_key), "", std::move(account_id)));
}

std::shared_ptr<ApiKeyCredentials> ApiKeyCredentials::for_site_and_account(std::string api_key,
                                                                           std::string site_id,
                                                                           std::string account_id) {
  internal::check_header_value("apiKey", api_key);
  internal::check_header_value("siteId", site_id);
  internal::check_header_value("accountId", account_id);
  return std::shared_ptr<ApiKeyCredentials>(
      new ApiKeyCredentials(std::move(api_key), std::move(site_id), std::move(account_id)));
}

void ApiKeyCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", api_key_);
  if (!site_id_.empty()) headers.emplace_back("wix-site-id", site_id_);
  if (!account_id_.empty()) headers.emplace_back("wix-account-id", account_id_);
}

AccessTokenCredentials::AccessTokenCredentials(std::string token) : token_(std::move(token)) {
  internal::check_header_value("accessToken", token_);
}

void AccessTokenCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", token_);
}

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
  invalidate_(std::string(find_header(used, "Authorization").value_or("")));
  return true;
}

std::vector<std::string> TokenProviderCredentials::secrets() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return seen_;
}

}  // namespace wix::backinstock
