#pragma once

// The service's state and rules, without HTTP: notification requests, contacts, collection
// settings, the outbox of e-mails it would send. Each handler takes a decoded body and returns the
// service's answer (for example the 428 of a Create while collection is disabled is decided in
// `Store::create`). Requests live in a `RequestTable`, so a handler costs what it looks up and
// returns, not what is stored. Not thread-safe: the caller holds a lock around every call, shared
// for the `const` ones (reads), exclusive for the others.

#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "replies.h"
#include "request_table.h"

namespace wix::backinstock::emulator::detail {

class Store {
 public:
  /// Called for every change of a request: `slug` is `created`, `updated` or `deleted`.
  using EventSink = std::function<void(const char* slug, const json& entity)>;

  /// `duplicate_conflict`: Create answers 409 for an existing reference and e-mail instead of
  /// returning the existing request.
  Store(bool collecting_by_default, bool duplicate_conflict, EventSink events);

  /// Forgets every request, contact, report and e-mail; collection back to its default.
  void reset();

  Reply report(const json& body);
  Reply create(const json& body);
  Reply get(const std::string& id) const;
  Reply remove(const std::string& id);
  Reply mark_sent(const std::string& id);
  Reply query(const json& body) const;
  Reply count(const json& body) const;
  Reply settings() const;
  /// `{"count": N, "catalogItems": M}`: adds N requests at once (at most kMaxSeed), spread over M
  /// catalog items of Wix Stores (default N / 10), with e-mails `seedB.I@example.com`, created in
  /// the last N milliseconds; no webhooks. For load tests that need a large store quickly.
  Reply seed(const json& body);
  static constexpr long long kMaxSeed = 1'000'000;
  Reply set_collecting(const json& body, bool on);

  /// `{"requests": [...]}`: every request as stored, in creation order, indented.
  std::string requests_json() const;
  /// `{"reports": [...], "notifications": [...]}`, indented.
  std::string outbox_json() const;
  /// E-mails sent so far.
  std::size_t notification_count() const { return notifications_.size(); }

  /// A fresh random GUID from the store's generator.
  std::string guid() { return random_guid(rng_); }

 private:
  json settings_json() const;
  // Marks `r` notified by a Report; an e-mail goes to the outbox unless it is undeliverable.
  void notify(Record& r, const json& rendered, json& notified);

  bool collecting_by_default_;
  bool duplicate_conflict_;
  EventSink events_;
  std::mt19937_64 rng_;
  RequestTable requests_;
  std::unordered_map<std::string, Guid> contacts_;  // lower-cased e-mail -> contact ID
  std::map<std::string, bool> collecting_;          // app ID -> collecting requests
  json reports_ = json::array();
  json notifications_ = json::array();
  long long last_created_ms_ = 0;
  long long seed_batches_ = 0;
};

}  // namespace wix::backinstock::emulator::detail
