// Shared by the examples: a Client from WIX_API_KEY, WIX_SITE_ID and WIX_BASE_URL.
#pragma once

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "wix/backinstock/backinstock.h"

namespace example {

inline std::string env(const char* name, const char* fallback = nullptr) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') return value;
  if (fallback != nullptr) return fallback;
  std::cerr << "set " << name << "\n";
  std::exit(2);
}

inline wix::backinstock::Client client_from_env(
    std::shared_ptr<wix::backinstock::Observer> observer = nullptr) {
  wix::backinstock::ClientOptions options;
  options.observer = std::move(observer);
  options.base_url = env("WIX_BASE_URL", "https://www.wixapis.com");
  options.credentials =
      wix::backinstock::ApiKeyCredentials::for_site(env("WIX_API_KEY"), env("WIX_SITE_ID"));
  return wix::backinstock::Client(options);
}

// Runs `body`, printing a typed error with its request ID; returns the process exit code.
template <typename F>
int run(F&& body) {
  try {
    body();
    return 0;
  } catch (const wix::backinstock::ApiError& e) {
    std::cerr << e.what() << " (request id " << e.request_id() << ")\n";
  } catch (const wix::backinstock::Error& e) {
    std::cerr << e.what() << "\n";
  }
  return 1;
}

}  // namespace example
