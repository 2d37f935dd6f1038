#pragma once

/// @file emulator_options.h
/// The emulator's vocabulary, apart from the `Emulator` facade (emulator.h) so that its rooms
/// (auth, faults, router) use it without including the facade: its options, the apps it issues
/// tokens to, a programmed fault, an answer of `Emulator::handle`, the bound of a query filter.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace wix::backinstock::emulator {

/// Operators (field conditions, `$and`, `$or`, `$not`) one query filter may hold; a filter with
/// more is refused with a 400 (`MAX_SIZE`). The work of one query is bounded by this times the
/// requests stored; the values of `$in` are looked up in a hash set, not counted here.
inline constexpr std::size_t kMaxQueryFilterOperators = 200;
/// Fields a query may sort by (more: 400 naming `query.sort`).
inline constexpr std::size_t kMaxSortKeys = 10;

/// An app allowed to get tokens from `POST /oauth2/token` (client credentials).
struct EmulatorApp {
  std::string app_id;      ///< the app's ID (`client_id`)
  std::string app_secret;  ///< its secret (`client_secret`)
};

/// How an emulator listens, what it accepts, and how it behaves where the service may differ.
struct EmulatorOptions {
  /// Address to listen on.
  std::string host = "127.0.0.1";
  /// Port to listen on; 0 picks a free one.
  int port = 0;
  /// The path the services live under, as a gateway in front of the API would serve them
  /// (`ClientOptions::service_path_prefix` on the SDK side); `""` for none.
  std::string service_path_prefix = "/back-in-stock-service";
  /// Accepted API keys; empty accepts any non-empty `Authorization`.
  std::vector<std::string> api_keys;
  /// Whether Wix Stores collects requests from the start (a real site starts with it off).
  bool collecting_by_default = false;
  /// Apps that may obtain access tokens; their tokens are accepted without `wix-site-id`.
  std::vector<EmulatorApp> apps;
  /// Refresh tokens `POST /oauth/access` accepts for the configured apps (what an install handed
  /// a legacy app).
  std::vector<std::string> legacy_refresh_tokens;
  /// How refresh tokens behave. False (the default, as Wix documents them and its own SDKs use
  /// them): a legacy app's refresh token never expires and every `/oauth/access` answer returns
  /// it unchanged (`access_token` and `refresh_token` only, no `expires_in`); a visitor's refresh
  /// token may be used again and the answer returns it unchanged. True, for testing a client
  /// against a stricter server: every answer rotates to a new refresh token, carries
  /// `expires_in`, and the one used is refused from then on (single use).
  bool rotate_refresh_tokens = false;
  /// Lifetime of issued tokens (`expires_in`).
  std::chrono::seconds token_lifetime{14400};
  /// Keeps every request received as a `LoggedRequest` (`Emulator::request_log()`), up to the
  /// last 100,000; off by default (it costs an allocation per request).
  bool keep_log = false;
  /// Where to POST signed webhooks for created / updated / deleted requests; empty: none.
  std::string webhook_url;
  /// PEM private key that signs webhooks; empty: a fresh key pair is generated.
  std::string webhook_private_key_pem;
  /// Worker threads: requests served at the same moment. Idle keep-alive connections do not hold
  /// one (they wait in a single poller), so hundreds of clients may keep connections open.
  std::size_t threads = 96;
  /// How long an idle keep-alive connection is kept.
  std::chrono::milliseconds keep_alive_timeout{5000};
  /// Connections open at once; more are closed as soon as they are accepted (file descriptors
  /// and memory stay bounded).
  std::size_t max_connections = 4096;
  /// Time a request gets to arrive whole, head and body, from its first byte; a slower one is
  /// closed. Requests still arriving wait in the poller, never in a worker.
  std::chrono::milliseconds request_timeout{30000};
  /// Larger request bodies (by `Content-Length`) are refused with a JSON 413 without reading
  /// them; chunked bodies are counted while read.
  std::size_t max_body_bytes = std::size_t{4} << 20;
  /// Longer request targets (path and query) are refused with a JSON 414. The default serves the
  /// longest Count URLs the official SDK sends (about 23 kB for 100 references with options).
  std::size_t max_target_bytes = std::size_t{64} << 10;
  /// What Create does with a request whose catalog reference and e-mail already exist: return
  /// the existing request (documented), or answer 409
  /// `BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS` (declared by the SDK typings).
  enum class DuplicateCreate { kReturnExisting, kConflict };
  DuplicateCreate duplicate_create = DuplicateCreate::kReturnExisting;  ///< see `DuplicateCreate`
  /// Receives one line per answered request (time, method, target, status, application code,
  /// milliseconds, request ID); null: no log. Called on server threads.
  std::function<void(const std::string& line)> request_log;
  /// In `request_log` lines, also show the JSON a `.r` query parameter carries.
  bool log_decoded_queries = false;
  /// `instanceId` of delivered webhooks.
  std::string instance_id = "0e0e0e0e-1111-4222-8333-444455556666";
};

/// A programmed misbehaviour for the next `times` requests that match `method` and `path`.
///
/// As JSON for `POST /_emulator/faults`:
///   {"kind": "status", "method": "POST", "path": "/report-items-back-in-stock", "times": 2,
///    "status": 429, "headers": {"Retry-After": "1"}, "body": "{}", "delay_ms": 0, "size": 0}
/// `kind` is one of the names below; `path` matches the end of the request path.
struct Fault {
  /// What happens to the request.
  enum class Kind {
    kDelay,          ///< "delay": wait `delay`, then answer normally
    kStatus,         ///< "status": answer `status` with `body` and `headers`, without processing
    kDropBefore,     ///< "drop_before": cut the connection without an answer, not processed
    kDropAfter,      ///< "drop_after": process, then cut the connection (the answer is lost)
    kTruncatedBody,  ///< "truncated": process, then send half of the body and cut
    kMalformedJson,  ///< "malformed": process, then answer 200 with broken JSON
    kHtmlError,      ///< "html": answer 502 with an HTML page, without processing
    kOversizedBody,  ///< "oversized": process, then answer 200 with a `size`-byte body
    /// "close_after_read": on a reused keep-alive connection only (a fresh one is served and the
    /// fault waits), read the whole request, then close the connection without a byte, not
    /// processed: what a load balancer or a restarting server does to a pooled connection.
    kCloseAfterRead,
  };
  Kind kind = Kind::kStatus;  ///< what happens
  std::string method;         ///< empty: any method
  std::string path;           ///< suffix of the request path; empty: any route
  int times = 1;              ///< how many matching requests it applies to, in a row
  int status = 500;           ///< the status of `kStatus`
  std::string body = "{}";    ///< the body of `kStatus`
  std::map<std::string, std::string> headers;  ///< headers of `kStatus` (say `Retry-After`)
  std::chrono::milliseconds delay{0};          ///< the wait of `kDelay`
  std::size_t size = std::size_t{16} << 20;    ///< the body size of `kOversizedBody` (16 MiB)
};

/// An answer of `Emulator::handle`.
struct EmulatorReply {
  int status = 200;  ///< HTTP status
  std::string body;  ///< JSON text
};

}  // namespace wix::backinstock::emulator
