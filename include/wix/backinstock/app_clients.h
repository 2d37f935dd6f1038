#pragma once

/// @file app_clients.h
/// `AppClients`: one Wix app serving many sites, a `Client` per app instance.

#include <cstddef>
#include <memory>
#include <string>

#include "wix/backinstock/client.h"
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/credentials.h"

namespace wix::backinstock {

/// One Wix app serving many sites: a `Client` per app instance, all sharing one transport (and so
/// its connections), each with its own cached OAuth token.
/// Thread safety: `for_instance` may be called concurrently. Copy: not copyable; share it.
class AppClients {
 public:
  /// `options` supplies the base URL, timeouts, retry policy, logger and transport (built once
  /// when null); its `credentials` are ignored. At most `max_instances` clients (each with its
  /// cached token) are kept: the least recently used one is let go when another is needed.
  /// Throws `ValidationError` for bad options or a `max_instances` of 0.
  AppClients(std::string app_id, std::string app_secret, ClientOptions options = {},
             std::size_t max_instances = 1000);
  AppClients(const AppClients&) = delete;
  AppClients& operator=(const AppClients&) = delete;

  /// The client for `instance_id`, created on first use and then reused while it is kept.
  Client for_instance(const std::string& instance_id);
  /// The OAuth credentials of an instance (for example to read `token_requests()`).
  std::shared_ptr<OAuthClientCredentials> credentials_for(const std::string& instance_id);
  /// Lets the client of `instance_id` go (an app uninstalled from a site, say); returns whether
  /// one was kept. Clients already handed out keep working.
  bool forget(const std::string& instance_id);
  /// The number of instances whose clients are kept.
  std::size_t size() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace wix::backinstock
