#pragma once

/// @file query.h
/// A typed builder for Query Back In Stock Notification Requests. Only the fields and operators the
/// service documents are accepted; anything else is a `ValidationError` when the query is built,
/// not a server round trip.
///
/// | field          | operators                                              |
/// |----------------|--------------------------------------------------------|
/// | id, contactId, itemUrl | eq ne exists in hasSome startsWith gt ge lt le |
/// | status, autoNotified   | eq ne exists in hasSome                        |
/// | createdDate            | eq ne exists in hasSome gt ge lt le            |
///
/// Thread safety: values; copies share their immutable JSON (cheap).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "wix/backinstock/model.h"

namespace wix::backinstock {

namespace internal {
struct FilterAccess;
}  // namespace internal

/// The filterable and sortable fields of a notification request. `kCatalogItemId` and
/// `kCatalogAppId` (`catalogReference.catalogItemId`, `catalogReference.appId`) find the requests
/// waiting for one product, as Wix's own typed query does; they take `eq`, `ne`, `in` and
/// `has_some` with text values.
enum class QueryField {
  kId,
  kContactId,
  kStatus,
  kAutoNotified,
  kCreatedDate,
  kItemUrl,
  kCatalogItemId,
  kCatalogAppId,
};

/// Wire name of a field (`"createdDate"`, ...).
const char* to_string(QueryField field) noexcept;

/// A value compared against a field. Its type must suit the field: text for id / contactId /
/// itemUrl / the catalog fields, `Status` for status, bool for autoNotified, `Timestamp` for
/// createdDate; `nullptr` (equality with null) is accepted by `eq` and `ne` on every field.
using FilterValue = std::variant<std::nullptr_t, std::string, bool, Status, Timestamp>;

/// An immutable filter expression.
class Filter {
 public:
  /// `field` equals `value` (`{field: value}`).
  static Filter eq(QueryField field, const FilterValue& value);
  /// `$ne`.
  static Filter ne(QueryField field, const FilterValue& value);
  /// `$gt`.
  static Filter gt(QueryField field, const FilterValue& value);
  /// `$gte`.
  static Filter ge(QueryField field, const FilterValue& value);
  /// `$lt`.
  static Filter lt(QueryField field, const FilterValue& value);
  /// `$lte`.
  static Filter le(QueryField field, const FilterValue& value);
  /// `$in`: one of `values`.
  static Filter in(QueryField field, const std::vector<FilterValue>& values);
  /// `$hasSome`.
  static Filter has_some(QueryField field, const std::vector<FilterValue>& values);
  /// `$startsWith` (case-insensitive prefix).
  static Filter starts_with(QueryField field, std::string prefix);
  /// `$exists`.
  static Filter exists(QueryField field, bool present = true);

  /// `$and` of the operands. Conditions on distinct fields are merged into one object, which the
  /// service reads the same way.
  static Filter all_of(const std::vector<Filter>& operands);
  /// `$or` of the operands (at least one).
  static Filter any_of(const std::vector<Filter>& operands);
  /// `$not` of the operand.
  static Filter negate(const Filter& operand);

  /// `all_of({a, b})`.
  friend Filter operator&&(const Filter& a, const Filter& b) { return all_of({a, b}); }
  /// `any_of({a, b})`.
  friend Filter operator||(const Filter& a, const Filter& b) { return any_of({a, b}); }
  /// `negate(a)`.
  friend Filter operator!(const Filter& a) { return negate(a); }

  /// The filter as compact JSON text, as it is sent.
  std::string dump() const;

 private:
  friend struct internal::FilterAccess;
  explicit Filter(std::shared_ptr<const nlohmann::ordered_json> value);
  std::shared_ptr<const nlohmann::ordered_json> value_;
};

/// Direction of a sort criterion.
enum class SortOrder { kAscending, kDescending };

/// A query: filter, sort, a page size, and how pages are walked: by cursor (the default, and the
/// service's declared mode) or by offset (`offset()`, with `metadata.total`). The two are not
/// mixed. Setters validate and return `*this` for chaining.
class Query {
 public:
  /// The largest page the service returns.
  static constexpr std::int32_t kMaxLimit = 100;

  Query() = default;
  /// Replaces the filter.
  Query& filter(Filter filter);
  /// Appends a sort criterion (applied in the order added).
  Query& sort(QueryField field, SortOrder order = SortOrder::kAscending);
  /// Page size, 1..100; otherwise `ValidationError` for `query.cursorPaging.limit`.
  Query& limit(std::int32_t limit);
  /// Starts from an opaque cursor returned by an earlier page. A cursor already encodes filter and
  /// sort, so only the cursor and the limit are sent when it is set. `ValidationError` when the
  /// query pages by offset.
  Query& cursor(std::string cursor);
  /// Pages by offset: `"paging": {"limit", "offset"}` instead of cursor paging, and the answer's
  /// `metadata.total` counts every match. `offset` from 0; `ValidationError` for
  /// `query.paging.offset` when negative or when the query has a cursor.
  Query& offset(std::int32_t offset);

  /// The filter, if any.
  const std::optional<Filter>& filter() const noexcept { return filter_; }
  /// Sort criteria, in order.
  const std::vector<std::pair<QueryField, SortOrder>>& sorting() const noexcept { return sort_; }
  /// Page size, if set.
  const std::optional<std::int32_t>& limit() const noexcept { return limit_; }
  /// Cursor, if set.
  const std::optional<std::string>& cursor() const noexcept { return cursor_; }
  /// Offset, when the query pages by offset.
  const std::optional<std::int32_t>& offset() const noexcept { return offset_; }

 private:
  std::optional<Filter> filter_;
  std::vector<std::pair<QueryField, SortOrder>> sort_;
  std::optional<std::int32_t> limit_;
  std::optional<std::string> cursor_;
  std::optional<std::int32_t> offset_;
};

}  // namespace wix::backinstock
