#pragma once

/// @file retry.h
/// When and how a call is retried.
///
/// Idempotent methods (get, query, count, get settings, delete, mark as sent, start/stop
/// collecting) are retried on 408, 429, 500, 502, 503 and 504 and on transport errors of the
/// connection (kinds `kConnect`, `kTimeout`, `kConnectionLost`, `kOther`), not on those that
/// judge an answer that arrived (`kResponseTooLarge`, `kMalformedResponse`: the same server would
/// most likely answer the same way again) nor on `kCancelled` and `kCredentials` (the
/// credentials' own token request is not retried within the call).
/// Report Items Back In Stock (which e-mails customers) and Create (which creates contacts) are
/// retried only when the request provably never reached the server (the connection was never
/// established) or when the server refused it with 429 before processing it, so the SDK never
/// makes Wix send the same e-mail twice.
///
/// The delay before retry n (n = 1, 2, ...) is drawn uniformly from
/// [0, min(max_delay, initial_delay * multiplier^(n-1))] ("full jitter"), unless the server sent
/// `Retry-After` (seconds or HTTP date), which is then waited instead, up to `max_retry_after`: a
/// server asking for longer ends the call with its error at once. A call never outlives its
/// deadline: each attempt's timeout is cut to the time left, and a wait that would go past it
/// ends the call at once ("deadline exceeded").

#include <chrono>

namespace wix::backinstock {

/// When and how a call is retried; see the file comment.
struct RetryPolicy {
  /// Attempts in all, the first included; 1 disables retries.
  int max_attempts = 4;
  /// Upper bound of the first backoff delay.
  std::chrono::milliseconds initial_delay{250};
  /// Cap of every backoff delay.
  std::chrono::milliseconds max_delay{20'000};
  /// Longest wait a server may ask for with `Retry-After`; a longer one is not waited (the call
  /// ends with the server's error, e.g. `RateLimitedError` and its `retry_after()`).
  std::chrono::milliseconds max_retry_after{60'000};
  /// Growth of the bound per retry.
  double multiplier = 2.0;
  /// Budget of one call across all attempts and waits, on `steady_clock`; zero means none.
  std::chrono::milliseconds deadline{60'000};

  /// A policy that makes exactly one attempt.
  static RetryPolicy no_retry() {
    RetryPolicy p;
    p.max_attempts = 1;
    return p;
  }
};

}  // namespace wix::backinstock
