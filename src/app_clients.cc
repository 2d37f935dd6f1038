// AppClients: one Client per app instance, each with its own OAuth client credentials.

#include <map>
#include <mutex>
#include <utility>

#include "validation.h"
#include "wix/backinstock/client.h"

namespace wix::backinstock {

struct AppClients::Impl {
  std::string app_id;
  std::string app_secret;
  ClientOptions options;
  std::mutex mutex;
  std::map<std::string, std::pair<Client, std::shared_ptr<OAuthClientCredentials>>> clients;
};

AppClients::AppClients(std::string app_id, std::string app_secret, ClientOptions options)
    : impl_(std::make_shared<Impl>()) {
  if (!options.transport) options.transport = std::make_shared<CurlTransport>(options.curl);
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  impl_->app_id = std::move(app_id);
  impl_->app_secret = std::move(app_secret);
  impl_->options = std::move(options);
}

std::shared_ptr<OAuthClientCredentials> AppClients::credentials_for(
    const std::string& instance_id) {
  for_instance(instance_id);
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->clients.at(instance_id).second;
}

Client AppClients::for_instance(const std::string& instance_id) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  auto it = impl_->clients.find(instance_id);
  if (it != impl_->clients.end()) return it->second.first;
  OAuthOptions oauth;
  oauth.base_url = impl_->options.base_url;
  oauth.transport = impl_->options.transport;
  oauth.timeout = impl_->options.attempt_timeout;
  oauth.allow_insecure_http = impl_->options.allow_insecure_http;
  auto credentials = std::make_shared<OAuthClientCredentials>(impl_->app_id, impl_->app_secret,
                                                              instance_id, std::move(oauth));
  ClientOptions options = impl_->options;
  options.credentials = credentials;
  Client client(std::move(options));
  impl_->clients.emplace(instance_id, std::make_pair(client, credentials));
  return client;
}

}  // namespace wix::backinstock
