#include "wix/backinstock/credentials.h"

#include <utility>

#include "validation.h"

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

}  // namespace wix::backinstock
