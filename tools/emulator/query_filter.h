#pragma once

// Query filters of the emulator: the fields a filter may name, a record's value of a field, and a
// filter checked and compiled once (operators counted against `kMaxQueryFilterOperators`; the
// values of `$in` in a hash set) into a tree that tests records. Query planning and paging are in
// query_eval.cc.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "replies.h"
#include "request_table.h"

namespace wix::backinstock::emulator::detail {

/// The fields a filter or a sort may name.
enum class Field {
  kId,
  kContactId,
  kStatus,
  kAutoNotified,
  kCreatedDate,
  kItemUrl,
  kCatalogItemId,
  kAppId
};

/// The field called `name` in a query (`catalogReference.catalogItemId`, ...), if filterable.
std::optional<Field> field_named(const std::string& name);

/// A filter, sort or cursor the service refuses: a 400 naming `field`.
struct QueryError {
  std::string field;
  std::string description;
  std::string rule = "OTHER";
};

// A field of one record: absent, a string or a boolean. Strings of IDs are written into `buffer`.
struct Value {
  enum Kind { kAbsent, kString, kBool } kind = kAbsent;
  std::string_view text;
  bool flag = false;

  json as_json() const {
    if (kind == kString) return std::string(text);
    return kind == kBool ? json(flag) : json();
  }
};

/// The value of `field` in the record `r` of `table`; an ID is written into `buffer` (36 bytes).
Value value_of(const RequestTable& table, const Record& r, Field field, char* buffer);

/// Orders two values as the service sorts them (absent first).
int compare(const Value& a, const Value& b);

// One operator of a field condition, with its operand prepared.
struct Term {
  enum Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kStartsWith, kExists } op = kEq;
  std::unique_ptr<const json> operand;           // stable address: `strings` views into it
  std::unordered_set<std::string_view> strings;  // $in / $nin / $hasSome: the string values
  bool has_true = false;
  bool has_false = false;
  std::string prefix;  // $startsWith, lower case

  /// Whether `v` satisfies this operator.
  bool holds(const Value& v) const;
};

// A compiled filter.
struct Node {
  enum Kind { kAll, kAny, kNot, kField } kind = kAll;
  std::vector<Node> children;
  Field field = Field::kId;
  std::vector<Term> terms;

  /// Whether the record `r` of `table` passes this filter.
  bool matches(const RequestTable& table, const Record& r) const;
};

/// Checks and compiles the `filter` of a Query (null: every record). Throws `QueryError`.
Node compile_filter(const json& filter);

}  // namespace wix::backinstock::emulator::detail
