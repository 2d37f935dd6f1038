// AppClients: one Client per app instance, each with its own OAuth client credentials; at most
// `max_instances` kept, the least recently used let go first.

#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "validation.h"
#include "wix/backinstock/app_clients.h"
#include "wix/backinstock/client.h"

namespace wix::backinstock {

struct AppClients::Impl {
  struct Kept {
    Client client;
    std::shared_ptr<OAuthClientCredentials> credentials;
    std::list<std::string>::iterator used;  // its place in `by_use`
  };
  std::string app_id;
  std::string app_secret;
  ClientOptions options;
  std::size_t max_instances = 0;
  mutable std::mutex mutex;
  std::unordered_map<std::string, Kept> clients;
  std::list<std::string> by_use;  // most recently used first

  // The kept client of `instance_id`, made the most recently used, or one made for it.
  Kept& find_or_make(const std::string& instance_id) {
    auto it = clients.find(instance_id);
    if (it != clients.end()) {
      by_use.splice(by_use.begin(), by_use, it->second.used);
      return it->second;
    }
    OAuthOptions oauth;
    oauth.base_url = options.base_url;
    oauth.transport = options.transport;
    oauth.timeout = options.attempt_timeout;
    oauth.allow_insecure_http = options.allow_insecure_http;
    auto credentials =
        std::make_shared<OAuthClientCredentials>(app_id, app_secret, instance_id, std::move(oauth));
    ClientOptions client_options = options;
    client_options.credentials = credentials;
    Client client(std::move(client_options));
    if (clients.size() >= max_instances) {  // the least recently used goes
      clients.erase(by_use.back());
      by_use.pop_back();
    }
    by_use.push_front(instance_id);
    return clients.emplace(instance_id, Kept{std::move(client), credentials, by_use.begin()})
        .first->second;
  }
};

AppClients::AppClients(std::string app_id, std::string app_secret, ClientOptions options,
                       std::size_t max_instances)
    : impl_(std::make_shared<Impl>()) {
  if (!options.transport) options.transport = std::make_shared<CurlTransport>(options.curl);
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  if (max_instances == 0) throw ValidationError("max_instances", "must be at least 1");
  impl_->app_id = std::move(app_id);
  impl_->app_secret = std::move(app_secret);
  impl_->options = std::move(options);
  impl_->max_instances = max_instances;
}

std::shared_ptr<OAuthClientCredentials> AppClients::credentials_for(
    const std::string& instance_id) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->find_or_make(instance_id).credentials;
}

Client AppClients::for_instance(const std::string& instance_id) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->find_or_make(instance_id).client;
}

bool AppClients::forget(const std::string& instance_id) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  auto it = impl_->clients.find(instance_id);
  if (it == impl_->clients.end()) return false;
  impl_->by_use.erase(it->second.used);
  impl_->clients.erase(it);
  return true;
}

std::size_t AppClients::size() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->clients.size();
}

}  // namespace wix::backinstock
