#pragma once

// One API call across its attempts (`Call`), and what every call of one client shares
// (`CallSetup`). Both clients drive a `Call` the same way; only how a request travels differs
// (a blocking `Transport`, or libcurl's multi interface):
//
//     Call call(setup, wire_call, call_options);  // the retry run: policy, deadline, timeout
//     for (;;) {
//       call.prepare();                      // the attempt's request: URL, headers, credentials
//       HttpRequest& request = call.start(); // its timeout, set here and nowhere else
//       ... send it; get an answer or a TransportError ...
//       Call::Next next = call.finish(answer, error);
//       // kSucceed: decode the answer; kFail: next.error; kRetry: wait next.delay, go round
//     }
//
// `finish` is where every consequence of an attempt happens, in this order and nowhere else:
// the `X-Wix-Consistent` value is kept, the attempt is logged, a 401 drops the credentials'
// token once per call, and the retry rules decide. Internal.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "retry_rules.h"
#include "token_cache.h"
#include "wire.h"
#include "wix/backinstock/batch_result.h"
#include "wix/backinstock/client_options.h"

namespace wix::backinstock::internal {

// How a call ended, as its driver hands it on: the 200 answer's body, or the call's typed error.
struct CallEnd {
  std::string_view body;     // when `error` is null; valid while the end is handed on
  int attempts = 0;          // the attempts the call took
  std::exception_ptr error;  // null: success
  bool cancelled = false;    // ended by `cancel()` or the client's destruction
};

// Hands `error` (null: success) to a callback of `report_items_back_in_stock_then`; what the
// callback throws is discarded, as documented there. A null callback is not called.
inline void call_back(const std::function<void(const BatchResult&)>& on_done,
                      std::exception_ptr error) noexcept {
  if (!on_done) return;
  try {
    on_done(BatchResult{std::move(error)});
  } catch (...) {
  }
}

/// The time and chance of a client's calls, replaceable by tests (`testing::ClientSeams`). Each
/// null member keeps the real one.
struct Seams {
  std::function<std::chrono::steady_clock::time_point()> clock;
  std::function<void(std::chrono::milliseconds)> sleeper;  ///< the blocking driver's waits
  std::function<double()> random;                          ///< uniform in [0, 1)
};

/// The request and answer of calls, kept between calls of one client for their strings' storage:
/// a call's URL and headers, and its answer's headers, are written into storage that is already
/// there instead of allocated anew. Thread safe.
class ExchangePool {
 public:
  struct Exchange {
    HttpRequest request;
    HttpResponse answer;
  };
  ExchangePool() { spare_.reserve(kSpare); }
  /// An exchange whose storage a call may write over (from an earlier call), or a new one.
  std::unique_ptr<Exchange> take();
  /// Keeps a finished call's exchange (without its request body, and without storage a large
  /// answer needed), up to `kSpare` of them.
  void give_back(std::unique_ptr<Exchange> exchange) noexcept;

 private:
  static constexpr std::size_t kSpare = 64;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Exchange>> spare_;  // reserved up front: never reallocates
};

/// The `X-Wix-Consistent` value of the latest answer, sent with later requests
/// (`ClientOptions::read_your_writes`). Thread safe.
class Consistency {
 public:
  /// Keeps the answer's value, if it has one.
  void keep(const HttpResponse& response);
  /// Calls `use(value)` with the kept value, if there is one (under the lock: `use` copies it).
  template <typename Use>
  void use(Use&& use) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!value_.empty()) use(value_);
  }

 private:
  std::mutex mutex_;
  std::string value_;
};

/// What the calls of one client share: its options (validated here), the parts of every request
/// (base URL, prefix, `User-Agent`), the read-your-writes value, and the seams. Thread safety:
/// `const` members and `random01` may be called concurrently.
class CallSetup {
 public:
  using Clock = std::chrono::steady_clock;

  /// Throws `ValidationError` for unusable options (`base_url`, `credentials`, `retry.*`, ...).
  CallSetup(ClientOptions options, Seams seams);

  const ClientOptions& options() const noexcept { return options_; }
  Credentials& credentials() const noexcept { return *options_.credentials; }
  Clock::time_point now() const { return seams_.clock ? seams_.clock() : Clock::now(); }
  /// Waits `delay` (the blocking driver, between attempts).
  void sleep(std::chrono::milliseconds delay) const;
  /// Uniform in [0, 1), for backoff jitter.
  double random01();

 private:
  friend class Call;

  // Makes `request` the request of `call` with `body` (sent for POST and PUT), without
  // credentials and timeout, writing over what `request` held (its strings' storage is reused).
  void request_of(const WireCall& call, std::string body, HttpRequest& request) const;
  ClientOptions options_;
  Seams seams_;
  // The credentials when they are the SDK's token flows, whose token requests go through this
  // client's transport and logger (`token_context_`); null otherwise.
  CachedTokenCredentials* token_credentials_ = nullptr;
  TokenRequestContext token_context_;
  std::string base_url_;
  std::optional<std::string> prefix_;         // replaces kServicePrefix when set
  std::shared_ptr<Consistency> consistency_;  // null when read_your_writes is off
  std::string user_agent_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  ExchangePool exchanges_;
};

/// One API call: its `WireCall`, its retry run, the request of the current attempt, the decision
/// after each attempt and the attempts' log records. Not thread safe: one driver owns it.
class Call {
 public:
  using Clock = CallSetup::Clock;

  /// What to do after an attempt.
  struct Next {
    enum class Action { kSucceed, kRetry, kFail };
    Action action = Action::kFail;
    std::chrono::milliseconds delay{0};  ///< kRetry: wait this long before the next attempt
    std::exception_ptr error;            ///< kFail: the typed error, annotated (attempts, reason)
  };

  /// The call's retry run: the call's policy or the client's, its deadline or the policy's, its
  /// attempt timeout or the client's. Throws `ValidationError` for an unusable override.
  Call(CallSetup& setup, WireCall wire, const CallOptions& options);
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  /// Hands the request's storage back to the setup for a later call.
  ~Call();

  /// 1 for the first attempt.
  int attempt() const noexcept { return run_.attempt(); }
  /// Whether the current attempt's request is built.
  bool prepared() const noexcept { return prepared_; }

  /// Builds the current attempt's request: URL, headers, body and credentials. Credentials that
  /// fetch a token do so within the attempt's budget; what they throw (a failed token request, a
  /// deadline) ends the call as a `CredentialsError` (annotated, the thrown error its cause):
  /// the API request was not written.
  void prepare();
  /// The prepared request, given its timeout as it leaves: what is left of the attempt's budget
  /// after the credentials' time, cut to the deadline. When nothing is left, throws
  /// `TransportError(kTimeout)` that did not reach the server: the driver finishes the attempt
  /// with it, as with any transport error, and nothing is sent.
  HttpRequest& start();
  /// Where a driver may write the current attempt's answer (over an earlier call's: its strings'
  /// storage is reused); valid until the call ends.
  HttpResponse& answer_storage() noexcept { return exchange_->answer; }
  /// After the attempt that got `answer` (an HTTP answer) or `error` (none); exactly one is
  /// non-null. See the top of this file for what happens here.
  Next finish(const HttpResponse* answer, const TransportError* error);

 private:
  Next after_answer(const HttpResponse& answer, Clock::time_point now);
  Next after_error(const TransportError& error, Clock::time_point now);
  // The secrets to redact from what this attempt's answer says: the credentials' own and the
  // credential the attempt carried.
  std::vector<std::string> secrets() const;
  // The attempt's record for the client's logger (when set), redacted.
  void log(const HttpResponse* answer, const TransportError* error,
           Clock::duration took) const noexcept;
  // Tells the client's observer (when set) of the attempt, and of the call when it ends.
  void observe(const HttpResponse* answer, const TransportError* error, Clock::duration took,
               const Next& next, Clock::time_point now) const noexcept;

  CallSetup* setup_;
  WireCall wire_;  // its body moves into the first attempt's request
  RetryRun run_;
  std::unique_ptr<ExchangePool::Exchange>
      exchange_;  // the attempt's request and the storage of its answer
  bool prepared_ = false;
  Clock::duration credentials_took_{};  // of the current attempt's `prepare`
  Clock::time_point started_;
  Clock::time_point began_{};  // when the call was made (read only when there is an observer)
};

}  // namespace wix::backinstock::internal
