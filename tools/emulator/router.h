#pragma once

// Routing: one request (method, raw target, two headers, body) to the room that answers it. Owns
// the rooms and their locks: the service's state, tokens, faults, webhooks, and the record of what
// was received. The store has a readers-writer lock: reads (get, query, count, settings) run side
// by side, a change waits for the reads under way; bodies are parsed and paths that name nothing
// are answered without it, so a slow query delays only changes. Transport-free, so
// `Emulator::handle()` and fuzzing reach every rule without a socket.

#include <map>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth.h"
#include "faults.h"
#include "replies.h"
#include "store.h"
#include "webhook_delivery.h"
#include "wix/backinstock/testing/emulator_options.h"

namespace wix::backinstock::emulator::detail {

/// What routing reads of a request.
struct RouteRequest {
  const std::string& method;
  const std::string& target;  ///< raw: path and query string, still percent-encoded
  const std::string& body;
  std::string authorization;  ///< `Authorization` header, or empty
  std::string site_id;        ///< `wix-site-id` header, or empty
};

class Router {
 public:
  explicit Router(const EmulatorOptions& options);

  /// The answer to `request` (takes the locks it needs).
  Reply route(const RouteRequest& request);
  /// Records that `method` `path` arrived (for `requests_received`).
  void record(const std::string& method, const std::string& path);
  /// Requests received whose path ends with `path_suffix` (and whose method is `method`, if set).
  std::size_t received(const std::string& path_suffix, const std::string& method) const;
  /// A fresh request ID for `x-wix-request-id`.
  std::string request_id();

  /// Forgets all state, faults, tokens and records.
  void reset();
  std::string outbox_json() const;
  std::string requests_json() const;
  std::size_t notification_count() const;
  void revoke_tokens();

  FaultQueue& faults() { return faults_; }
  WebhookDelivery& webhooks() { return webhooks_; }

 private:
  Reply route_api(const RouteRequest& request, std::string_view rest, std::string_view query);
  template <typename Read>
  Reply read(Read&& read_store) const {
    std::shared_lock<std::shared_mutex> lock(store_mutex_);
    return read_store(store_);
  }
  template <typename Change>
  Reply change(Change&& change_store) {
    std::unique_lock<std::shared_mutex> lock(store_mutex_);
    return change_store(store_);
  }

  FaultQueue faults_;
  WebhookDelivery webhooks_;
  mutable std::shared_mutex store_mutex_;  // guards store_; taken before mutex_
  Store store_;
  mutable std::mutex mutex_;  // guards everything below; held only for short steps
  Auth auth_;
  std::string requests_path_;  // the service path prefix and the collection
  std::mt19937_64 rng_;
  // Requests received per (method, path), for the first kMaxCountedPaths distinct paths (IDs make
  // paths many): memory stays bounded however many requests arrive. Freed by reset.
  static constexpr std::size_t kMaxCountedPaths = 10000;
  std::map<std::pair<std::string, std::string>, std::size_t> seen_;
  std::size_t uncounted_ = 0;
};

}  // namespace wix::backinstock::emulator::detail
