#pragma once

/// @file query_pager.h
/// `QueryPager`: every page of a query, walked lazily by a range-for.

#include <cstddef>
#include <iterator>
#include <memory>

#include "wix/backinstock/client_options.h"
#include "wix/backinstock/fwd.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock {

/// Walks every page of a query. Input range: each `begin()` continues where the last stopped.
/// Pages are fetched when the iterator reaches the end of the current one; errors are thrown
/// from the increment that needed the page. Not thread-safe; cheap to move.
class QueryPager {
 public:
  /// Walks the pages of `query` through `client`.
  QueryPager(Client client, Query query, CallOptions options, PagerOptions pager = {});
  /// Moves the walk; the pager moved from can only be destroyed or assigned to.
  QueryPager(QueryPager&&) noexcept;
  /// Moves the walk.
  QueryPager& operator=(QueryPager&&) noexcept;
  ~QueryPager();

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
  std::size_t pages_fetched() const noexcept;

 private:
  struct Impl;  // the walk's state (query_pager.cc)
  std::unique_ptr<Impl> impl_;
};

}  // namespace wix::backinstock
