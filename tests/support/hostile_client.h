#pragma once

// Client options for tests against a hostile peer: one attempt, an API key the test can look for
// in anything that leaves the SDK.

#include <string>

#include "wix/backinstock/client.h"

namespace wix::backinstock::test_support {

inline constexpr char kHostileKey[] = "hostile-test-key";

/// `url` with `key` for site `site-1`, and no retries: each test sees exactly one attempt.
inline ClientOptions one_attempt_options(const std::string& url,
                                         const std::string& key = kHostileKey) {
  ClientOptions options;
  options.base_url = url;
  options.credentials = ApiKeyCredentials::for_site(key, "site-1");
  options.retry = RetryPolicy::no_retry();
  return options;
}

}  // namespace wix::backinstock::test_support
