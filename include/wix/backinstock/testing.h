#pragma once

/// @file testing.h
/// Seams for tests of code that uses the SDK, all in this one header: replace how a `Client`
/// waits between retries, reads the time of its deadlines, and draws backoff jitter, and the
/// clock by which OAuth credentials judge a token's expiry, so that a test of retries or of token
/// renewal neither sleeps nor depends on chance. Production code has no use for them.
///
///     bis::testing::ClientSeams seams;
///     seams.sleeper = [&](std::chrono::milliseconds d) { waits.push_back(d); };  // recorded only
///     bis::Client client = bis::testing::make_client(options, seams);

#include <chrono>
#include <functional>
#include <memory>

#include "wix/backinstock/client.h"

namespace wix::backinstock::testing {

/// Replacements for a client's time and chance. Each null member keeps the real one.
struct ClientSeams {
  /// Waits between attempts (default: `std::this_thread::sleep_for`).
  std::function<void(std::chrono::milliseconds)> sleeper;
  /// The clock of deadlines (default: `std::chrono::steady_clock::now`).
  std::function<std::chrono::steady_clock::time_point()> clock;
  /// Jitter, uniform in [0, 1) (default: a seeded PRNG).
  std::function<double()> random;
};

/// The SDK's HTTP connection with `seams`. Throws `ValidationError` for bad options.
std::shared_ptr<Connection> make_connection(ClientOptions options, ClientSeams seams);

/// `Client(options)`, with `seams`.
Client make_client(ClientOptions options, ClientSeams seams);

/// Replaces the clock by which `credentials` (any OAuth flow of the SDK) judge when their access
/// token expires (default: `std::chrono::steady_clock::now`; null restores it), so that a test
/// moves time instead of waiting for a renewal:
///
///     auto now = std::make_shared<std::atomic<std::chrono::steady_clock::time_point>>();
///     bis::testing::set_token_clock(*credentials, [now] { return now->load(); });
///     *now = now->load() + std::chrono::hours(2);  // the token has expired
///
/// May be called at any time, from any thread.
void set_token_clock(CachedTokenCredentials& credentials,
                     std::function<std::chrono::steady_clock::time_point()> clock);

}  // namespace wix::backinstock::testing
