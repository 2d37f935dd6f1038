#include "wix/backinstock/query.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "validation.h"

namespace wix::backinstock {

using nlohmann::ordered_json;

namespace {

enum Op : unsigned {
  kEq = 1u << 0,
  kNe = 1u << 1,
  kExists = 1u << 2,
  kIn = 1u << 3,
  kHasSome = 1u << 4,
  kStartsWith = 1u << 5,
  kRange = 1u << 6,  // gt, ge, lt, le
};

// The operators the service documents for each field.
unsigned supported_ops(QueryField field) {
  switch (field) {
    case QueryField::kId:
    case QueryField::kContactId:
    case QueryField::kItemUrl:
      return kEq | kNe | kExists | kIn | kHasSome | kStartsWith | kRange;
    case QueryField::kStatus:
    case QueryField::kAutoNotified:
      return kEq | kNe | kExists | kIn | kHasSome;
    case QueryField::kCreatedDate:
      return kEq | kNe | kExists | kIn | kHasSome | kRange;
    case QueryField::kCatalogItemId:
    case QueryField::kCatalogAppId:
      return kEq | kNe | kIn | kHasSome;
  }
  return 0;
}

std::string field_path(QueryField field) { return std::string("query.filter.") + to_string(field); }

void check_op(QueryField field, Op op, const char* op_name) {
  if ((supported_ops(field) & op) == 0) {
    throw ValidationError(field_path(field),
                          std::string("does not support the ") + op_name + " operator");
  }
}

ordered_json value_json(QueryField field, const FilterValue& value, bool allow_null) {
  auto wrong = [&](const char* expected) {
    return ValidationError(field_path(field), std::string("expects ") + expected);
  };
  if (std::holds_alternative<std::nullptr_t>(value)) {
    if (!allow_null) throw wrong("a non-null value with this operator");
    return nullptr;
  }
  switch (field) {
    case QueryField::kId:
    case QueryField::kContactId:
    case QueryField::kItemUrl:
    case QueryField::kCatalogItemId:
    case QueryField::kCatalogAppId:
      if (const auto* s = std::get_if<std::string>(&value)) {
        internal::check_text(field_path(field), *s);
        return *s;
      }
      throw wrong("a string value");
    case QueryField::kStatus:
      if (const auto* s = std::get_if<Status>(&value)) {
        if (*s == Status::kUnknown) throw wrong("a known Status");
        return to_string(*s);
      }
      throw wrong("a Status value");
    case QueryField::kAutoNotified:
      if (const auto* b = std::get_if<bool>(&value)) return *b;
      throw wrong("a bool value");
    case QueryField::kCreatedDate:
      if (const auto* t = std::get_if<Timestamp>(&value)) return format_timestamp(*t);
      throw wrong("a Timestamp value");
  }
  throw wrong("a value");
}

bool is_field_condition(const ordered_json& f) {
  if (!f.is_object()) return false;
  for (const auto& item : f.items()) {
    if (!item.key().empty() && item.key()[0] == '$') return false;
  }
  return true;
}

}  // namespace

const char* to_string(QueryField field) noexcept {
  switch (field) {
    case QueryField::kId:
      return "id";
    case QueryField::kContactId:
      return "contactId";
    case QueryField::kStatus:
      return "status";
    case QueryField::kAutoNotified:
      return "autoNotified";
    case QueryField::kCreatedDate:
      return "createdDate";
    case QueryField::kItemUrl:
      return "itemUrl";
    case QueryField::kCatalogItemId:
      return "catalogReference.catalogItemId";
    case QueryField::kCatalogAppId:
      return "catalogReference.appId";
  }
  return "";
}

Filter::Filter(std::shared_ptr<const ordered_json> value) : value_(std::move(value)) {}

struct internal::FilterAccess {
  static Filter make(ordered_json value) {
    return Filter(std::make_shared<const ordered_json>(std::move(value)));
  }
  static const ordered_json& value(const Filter& filter) { return *filter.value_; }
};

namespace {
Filter make_condition(QueryField field, const char* op, ordered_json operand);
}

// NOLINTBEGIN(bugprone-macro-parentheses)
#define WIX_FILTER_COMPARISON(name, op_bit, wire, allow_null)                 \
  Filter Filter::name(QueryField field, const FilterValue& value) {           \
    check_op(field, op_bit, #name);                                           \
    return make_condition(field, wire, value_json(field, value, allow_null)); \
  }
WIX_FILTER_COMPARISON(ne, kNe, "$ne", true)
WIX_FILTER_COMPARISON(gt, kRange, "$gt", false)
WIX_FILTER_COMPARISON(ge, kRange, "$gte", false)
WIX_FILTER_COMPARISON(lt, kRange, "$lt", false)
WIX_FILTER_COMPARISON(le, kRange, "$lte", false)
#undef WIX_FILTER_COMPARISON
// NOLINTEND(bugprone-macro-parentheses)

Filter Filter::eq(QueryField field, const FilterValue& value) {
  check_op(field, kEq, "eq");
  return make_condition(field, nullptr, value_json(field, value, true));
}

namespace {
Filter list_condition(QueryField field, const char* op, const std::vector<FilterValue>& values) {
  if (values.empty()) {
    throw ValidationError(field_path(field), std::string("needs at least one value for ") + op);
  }
  ordered_json list = ordered_json::array();
  for (const auto& v : values) list.push_back(value_json(field, v, false));
  return make_condition(field, op, std::move(list));
}
}  // namespace

Filter Filter::in(QueryField field, const std::vector<FilterValue>& values) {
  check_op(field, kIn, "in");
  return list_condition(field, "$in", values);
}

Filter Filter::has_some(QueryField field, const std::vector<FilterValue>& values) {
  check_op(field, kHasSome, "hasSome");
  return list_condition(field, "$hasSome", values);
}

Filter Filter::starts_with(QueryField field, std::string prefix) {
  check_op(field, kStartsWith, "startsWith");
  internal::check_text(field_path(field), prefix);
  return make_condition(field, "$startsWith", std::move(prefix));
}

Filter Filter::exists(QueryField field, bool present) {
  check_op(field, kExists, "exists");
  return make_condition(field, "$exists", present);
}

Filter Filter::all_of(const std::vector<Filter>& operands) {
  if (operands.empty()) throw ValidationError("query.filter", "$and needs at least one operand");
  if (operands.size() == 1) return operands.front();
  // Merge plain field conditions on distinct fields into one object; otherwise use $and.
  ordered_json merged = ordered_json::object();
  bool mergeable = true;
  for (const auto& f : operands) {
    if (!is_field_condition(internal::FilterAccess::value(f))) {
      mergeable = false;
      break;
    }
    for (const auto& item : internal::FilterAccess::value(f).items()) {
      if (merged.contains(item.key())) mergeable = false;
      merged[item.key()] = item.value();
    }
    if (!mergeable) break;
  }
  if (mergeable) return Filter(std::make_shared<const ordered_json>(std::move(merged)));
  ordered_json list = ordered_json::array();
  for (const auto& f : operands) {
    // Flatten nested $and, as the JS SDK does.
    const auto& j = internal::FilterAccess::value(f);
    if (j.size() == 1 && j.contains("$and")) {
      for (const auto& inner : j["$and"]) list.push_back(inner);
    } else {
      list.push_back(j);
    }
  }
  return Filter(std::make_shared<const ordered_json>(ordered_json{{"$and", std::move(list)}}));
}

Filter Filter::any_of(const std::vector<Filter>& operands) {
  if (operands.empty()) throw ValidationError("query.filter", "$or needs at least one operand");
  ordered_json list = ordered_json::array();
  for (const auto& f : operands) list.push_back(internal::FilterAccess::value(f));
  return Filter(std::make_shared<const ordered_json>(ordered_json{{"$or", std::move(list)}}));
}

Filter Filter::negate(const Filter& operand) {
  return Filter(std::make_shared<const ordered_json>(
      ordered_json{{"$not", internal::FilterAccess::value(operand)}}));
}

std::string Filter::dump() const { return value_->dump(); }

namespace {
Filter make_condition(QueryField field, const char* op, ordered_json operand) {
  ordered_json condition = ordered_json::object();
  if (op == nullptr) {
    condition[to_string(field)] = std::move(operand);
  } else {
    condition[to_string(field)] = ordered_json{{op, std::move(operand)}};
  }
  return internal::FilterAccess::make(std::move(condition));
}
}  // namespace

Query& Query::filter(Filter filter) {
  filter_ = std::move(filter);
  return *this;
}

Query& Query::sort(QueryField field, SortOrder order) {
  sort_.emplace_back(field, order);
  return *this;
}

Query& Query::limit(std::int32_t limit) {
  if (limit < 1 || limit > kMaxLimit) {
    throw ValidationError("query.cursorPaging.limit", "must be between 1 and 100");
  }
  limit_ = limit;
  return *this;
}

Query& Query::offset(std::int32_t offset) {
  if (offset < 0) throw ValidationError("query.paging.offset", "must not be negative");
  if (cursor_) {
    throw ValidationError("query.paging.offset",
                          "cannot be combined with a cursor: a query pages one way");
  }
  offset_ = offset;
  return *this;
}

Query& Query::cursor(std::string cursor) {
  if (offset_) {
    throw ValidationError("query.cursorPaging.cursor",
                          "cannot be combined with an offset: a query pages one way");
  }
  internal::check_required_text("query.cursorPaging.cursor", cursor);
  if (cursor.size() > 16000) {
    throw ValidationError("query.cursorPaging.cursor", "must be at most 16000 characters");
  }
  cursor_ = std::move(cursor);
  return *this;
}

}  // namespace wix::backinstock
