#pragma once

/// @file client.h
/// `Client`: one method per method of the Back In Stock Notification Requests and Back In Stock
/// Settings services.

#include <chrono>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "wix/backinstock/api_methods.h"  // IWYU pragma: export
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/credentials.h"
#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/model.h"
#include "wix/backinstock/paths.h"  // IWYU pragma: export
#include "wix/backinstock/query.h"
#include "wix/backinstock/retry.h"
#include "wix/backinstock/transport.h"  // IWYU pragma: export

namespace wix::backinstock {

/// The seam between `Client` and the wire: one virtual per API method, with the `Client` method's
/// signature (the methods are listed in api_methods.h, which the mocks are generated from). The
/// SDK's implementation speaks HTTP; tests substitute a mock (see `wix/backinstock/mocks.h`).
/// `Client` forwards each call unchanged.
/// Thread safety: implementations must allow concurrent calls.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Report Items Back In Stock.
  virtual void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                          const CallOptions& options) = 0;
  /// Create Back In Stock Notification Request.
  virtual NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options) = 0;
  /// Get Back In Stock Notification Request.
  virtual NotificationRequest get_back_in_stock_notification_request(
      const std::string& id, const CallOptions& options) = 0;
  /// Delete Back In Stock Notification Request.
  virtual void delete_back_in_stock_notification_request(const std::string& id,
                                                         const CallOptions& options) = 0;
  /// Mark As Notification Sent.
  virtual NotificationRequest mark_as_notification_sent(const std::string& id,
                                                        const CallOptions& options) = 0;
  /// Query Back In Stock Notification Requests (one page).
  virtual QueryPage query_back_in_stock_notification_requests(const Query& query,
                                                              const CallOptions& options) = 0;
  /// Get Back In Stock Notification Requests Count By Catalog References, for every reference
  /// (the SDK's connection sends them in batches).
  virtual std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options) = 0;
  /// Get Settings (a PUT on the wire).
  virtual Settings get_settings(const CallOptions& options) = 0;
  /// Start Collecting Requests.
  virtual Settings start_collecting_requests(const std::string& app_id,
                                             const CallOptions& options) = 0;
  /// Stop Collecting Requests.
  virtual Settings stop_collecting_requests(const std::string& app_id,
                                            const CallOptions& options) = 0;
};

/// Builds the SDK's HTTP connection. Throws `ValidationError` for bad options (`base_url`,
/// `credentials`).
std::shared_ptr<Connection> make_connection(ClientOptions options);

class QueryPager;

/// The Back-in-Stock client.
///
/// Thread safety: a `Client` may be shared by many threads and called concurrently.
/// Copy: cheap (one reference count); copies share the connection and its transport.
/// Errors: every method throws `ApiError` (or a subclass) for a non-200 answer, `TransportError`
/// when no answer arrived, and `ValidationError` for arguments the service would reject.
class Client {
 public:
  /// Throws `ValidationError` when the options are unusable.
  explicit Client(ClientOptions options);
  /// Uses the given connection, e.g. a `MockConnection` in tests.
  explicit Client(std::shared_ptr<Connection> connection);

  /// Sends the back-in-stock notifications: POST .../report-items-back-in-stock.
  /// Not idempotent: every successful call e-mails customers.
  void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                  const CallOptions& options = {}) {
    return connection_->report_items_back_in_stock(request, options);
  }

  /// Creates (or, for the same catalog reference and e-mail, returns) a request.
  NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options = {}) {
    return connection_->create_back_in_stock_notification_request(request, item_details, options);
  }
  /// `NotFoundError` when there is no such request.
  NotificationRequest get_back_in_stock_notification_request(const std::string& id,
                                                             const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_request(id, options);
  }
  /// Deletes a request; `NotFoundError` when there is none.
  void delete_back_in_stock_notification_request(const std::string& id,
                                                 const CallOptions& options = {}) {
    return connection_->delete_back_in_stock_notification_request(id, options);
  }
  /// For notifications sent outside Wix. An unknown ID gives
  /// `BackInStockNotificationRequestNotFoundError` (a 428, not a 404).
  NotificationRequest mark_as_notification_sent(const std::string& id,
                                                const CallOptions& options = {}) {
    return connection_->mark_as_notification_sent(id, options);
  }

  /// One page of results.
  QueryPage query_back_in_stock_notification_requests(const Query& query = {},
                                                      const CallOptions& options = {}) {
    return connection_->query_back_in_stock_notification_requests(query, options);
  }
  /// Every result across pages, fetched lazily while a range-for walks it. Each request is
  /// returned once: a server whose pages do not make progress ends the walk with `PagingError`
  /// (see `PagerOptions`), so a walk always ends.
  QueryPager query_all_back_in_stock_notification_requests(Query query = {},
                                                           CallOptions options = {},
                                                           PagerOptions pager = {});

  /// Counts per reference, in input order. Count carries its references in the URL, so the list
  /// is sent in batches of at most 100 references that also keep the URL under about 8 KiB;
  /// results are merged in input order. An empty list returns an empty result without a call.
  std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references, const CallOptions& options = {}) {
    return connection_->get_back_in_stock_notification_requests_count_by_catalog_references(
        catalog_references, options);
  }

  /// The site's settings: which catalog apps collect requests.
  Settings get_settings(const CallOptions& options = {}) {
    return connection_->get_settings(options);
  }
  /// `NotSupportedAppDefIdError` for an app that is not a supported catalog.
  Settings start_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                     const CallOptions& options = {}) {
    return connection_->start_collecting_requests(app_id, options);
  }
  /// Stops collecting requests for `app_id`.
  Settings stop_collecting_requests(const std::string& app_id = kWixStoresAppId,
                                    const CallOptions& options = {}) {
    return connection_->stop_collecting_requests(app_id, options);
  }

  /// The connection this client calls (shared by its copies).
  const std::shared_ptr<Connection>& connection() const noexcept { return connection_; }

 private:
  std::shared_ptr<Connection> connection_;
};

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

/// Walks every page of a query. Input range: each `begin()` continues where the last stopped.
/// Pages are fetched when the iterator reaches the end of the current one; errors are thrown
/// from the increment that needed the page. Not thread-safe; cheap to move.
class QueryPager {
 public:
  /// Walks the pages of `query` through `client`.
  QueryPager(Client client, Query query, CallOptions options, PagerOptions pager = {});

  /// Input iterator over the requests of every page.
  // The standard library's names for iterators and their traits.
  // NOLINTBEGIN(readability-identifier-naming)
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< single pass
    using value_type = NotificationRequest;             ///< a request
    using difference_type = std::ptrdiff_t;             ///< iterator trait
    using pointer = const NotificationRequest*;         ///< iterator trait
    using reference = const NotificationRequest&;       ///< iterator trait
    // NOLINTEND(readability-identifier-naming)

    iterator() = default;
    /// The current request.
    reference operator*() const;
    /// The current request.
    pointer operator->() const { return &**this; }
    /// Moves to the next request, fetching the next page when needed.
    iterator& operator++();
    /// Moves to the next request.
    void operator++(int) { ++*this; }
    /// Iterators are equal when both are at the end, or both walk the same pager.
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.pager_ == b.pager_;
    }
    /// Negation of `==`.
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return !(a == b); }

   private:
    friend class QueryPager;
    explicit iterator(QueryPager* pager) : pager_(pager) {}
    QueryPager* pager_ = nullptr;  // null at the end
  };

  /// Starts walking (fetches the first page on the first call).
  iterator begin();
  /// The end of the walk.
  iterator end() noexcept { return iterator(); }
  /// Number of pages fetched so far.
  std::size_t pages_fetched() const noexcept { return pages_fetched_; }

 private:
  bool advance();         // moves to the next item, fetching as needed; false at the end
  bool fetch();           // loads the next page; false when there is none
  void check_progress();  // throws PagingError when the page just fetched does not move on

  Client client_;
  Query query_;
  Query query_sent_;  // the query of the current page
  // Fingerprints (15 bytes each, whatever the server sent) of the cursors followed (a server that
  // cycles through cursors is not walked twice) and of every request returned so far.
  std::set<std::string> cursors_sent_;
  std::unordered_set<std::string> ids_seen_;
  CallOptions options_;
  PagerOptions pager_;
  QueryPage page_;
  std::size_t index_ = 0;
  std::size_t pages_fetched_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace wix::backinstock
