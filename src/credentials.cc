#include "wix/backinstock/credentials.h"

#include <utility>

#include "validation.h"

namespace wix::backinstock {

ApiKeyCredentials::ApiKeyCredentials(std::string api_key, std::string id_header,
                                     std::string id_value)
    : api_key_(std::move(api_key)),
      id_header_(std::move(id_header)),
      id_value_(std::move(id_value)) {
  internal::check_header_value("apiKey", api_key_);
  internal::check_header_value(id_header_ == "wix-site-id" ? "siteId" : "accountId", id_value_);
}

std::shared_ptr<ApiKeyCredentials> ApiKeyCredentials::for_site(std::string api_key,
                                                               std::string site_id) {
  return std::shared_ptr<ApiKeyCredentials>(
      new ApiKeyCredentials(std::move(api_key), "wix-site-id", std::move(site_id)));
}

std::shared_ptr<ApiKeyCredentials> ApiKeyCredentials::for_account(std::string api_key,
                                                                  std::string account_id) {
  return std::shared_ptr<ApiKeyCredentials>(
      new ApiKeyCredentials(std::move(api_key), "wix-account-id", std::move(account_id)));
}

void ApiKeyCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", api_key_);
  headers.emplace_back(id_header_, id_value_);
}

AccessTokenCredentials::AccessTokenCredentials(std::string token) : token_(std::move(token)) {
  internal::check_header_value("accessToken", token_);
}

void AccessTokenCredentials::apply(HttpHeaders& headers) {
  headers.emplace_back("Authorization", token_);
}

}  // namespace wix::backinstock
