#include "query_eval.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "encoding.h"
#include "untrusted_json.h"

namespace wix::backinstock::emulator::detail {

namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 100;

const char* const kQueryFields[] = {"id",
                                    "contactId",
                                    "status",
                                    "autoNotified",
                                    "createdDate",
                                    "itemUrl",
                                    "catalogReference.catalogItemId",
                                    "catalogReference.appId"};

// A field by its wire name, following dots into nested objects; null when absent.
const json* field_value(const json& entity, const std::string& field) {
  const json* at = &entity;
  std::size_t begin = 0;
  for (;;) {
    std::size_t dot = field.find('.', begin);
    at = find(*at, field.substr(begin, dot - begin).c_str());
    if (at == nullptr || dot == std::string::npos) return at;
    begin = dot + 1;
  }
}

bool is_query_field(const std::string& name) {
  return std::any_of(std::begin(kQueryFields), std::end(kQueryFields),
                     [&](const char* f) { return name == f; });
}

struct QueryError {
  std::string field;
  std::string description;
};

int compare_values(const json& a, const json& b) {
  if (a.is_string() && b.is_string()) {
    return a.get<std::string>().compare(b.get<std::string>());
  }
  if (a.is_boolean() && b.is_boolean())
    return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a == b ? 0 : (a.type() < b.type() ? -1 : 1);
}

bool matches(const json& entity, const json& filter);

bool matches_field(const json& entity, const std::string& field, const json& condition) {
  const json* value = field_value(entity, field);
  if (!condition.is_object() || condition.empty() || condition.begin().key()[0] != '$') {
    return condition.is_null() ? value == nullptr : (value != nullptr && *value == condition);
  }
  bool all = true;
  for (const auto& [op, operand] : condition.items()) {
    bool ok = false;
    if (op == "$eq") {
      ok = operand.is_null() ? value == nullptr : (value != nullptr && *value == operand);
    } else if (op == "$ne") {
      ok = operand.is_null() ? value != nullptr : (value == nullptr || *value != operand);
    } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
      if (operand.is_null() || operand.is_structured()) {
        throw QueryError{field, op + " expects a scalar"};
      }
      if (value != nullptr) {
        int c = compare_values(*value, operand);
        ok = op == "$gt" ? c > 0 : op == "$gte" ? c >= 0 : op == "$lt" ? c < 0 : c <= 0;
      }
    } else if (op == "$in" || op == "$hasSome" || op == "$nin") {
      if (!operand.is_array()) throw QueryError{field, op + " expects an array"};
      bool found = value != nullptr && std::any_of(operand.begin(), operand.end(),
                                                   [&](const json& v) { return v == *value; });
      ok = op == "$nin" ? !found : found;
    } else if (op == "$startsWith") {
      if (!operand.is_string()) throw QueryError{field, "$startsWith expects a string"};
      ok = value != nullptr && value->is_string() &&
           lower(value->get<std::string>()).rfind(lower(operand.get<std::string>()), 0) == 0;
    } else if (op == "$exists") {
      if (!operand.is_boolean()) throw QueryError{field, "$exists expects a boolean"};
      ok = (value != nullptr) == operand.get<bool>();
    } else {
      throw QueryError{field, "unsupported operator " + op};
    }
    all = all && ok;  // no early exit: every operator is checked
  }
  return all;
}

// Rejects fields and operators the service does not support, whatever the data.
void validate_filter(const json& filter) {
  if (filter.is_null()) return;
  if (!filter.is_object()) throw QueryError{"query.filter", "must be an object"};
  for (const auto& [key, condition] : filter.items()) {
    if (key == "$and" || key == "$or") {
      if (!condition.is_array()) throw QueryError{"query.filter", key + " expects an array"};
      for (const auto& f : condition) validate_filter(f);
    } else if (key == "$not") {
      validate_filter(condition);
    } else if (!key.empty() && key[0] == '$') {
      throw QueryError{"query.filter", "unsupported operator " + key};
    } else {
      if (!is_query_field(key)) throw QueryError{"query.filter." + key, "is not filterable"};
      try {
        matches_field(json::object(), key, condition);  // throws on a bad operator or operand
      } catch (QueryError& e) {
        e.field = "query.filter." + e.field;
        throw;
      }
    }
  }
}

bool matches(const json& entity, const json& filter) {
  if (filter.is_null()) return true;
  if (!filter.is_object()) throw QueryError{"query.filter", "must be an object"};
  for (const auto& [key, condition] : filter.items()) {
    if (key == "$and" || key == "$or") {
      if (!condition.is_array()) throw QueryError{"query.filter", key + " expects an array"};
      bool any = false, all = true;
      for (const auto& f : condition) {
        bool m = matches(entity, f);
        any = any || m;
        all = all && m;
      }
      if (!(key == "$and" ? all : any)) return false;
    } else if (key == "$not") {
      if (matches(entity, condition)) return false;
    } else if (!key.empty() && key[0] == '$') {
      throw QueryError{"query.filter", "unsupported operator " + key};
    } else {
      if (!is_query_field(key)) throw QueryError{"query.filter." + key, "is not filterable"};
      if (!matches_field(entity, key, condition)) return false;
    }
  }
  return true;
}

}  // namespace

Reply evaluate_query(const std::vector<json>& requests, const json& body) {
  const json* query = find(body, "query");
  json q = query != nullptr && query->is_object() ? *query : json::object();
  const json* paging = find(q, "cursorPaging");
  int limit = kDefaultLimit;
  if (paging != nullptr) {
    if (const json* l = find(*paging, "limit")) {
      if (!l->is_number_integer()) {
        return one_violation("query.cursorPaging.limit", "must be an integer", "FORMAT");
      }
      if (l->get<long long>() < 0) {
        return one_violation("query.cursorPaging.limit", "must be at least 0", "MIN");
      }
      if (l->get<long long>() > kMaxLimit) {
        return one_violation("query.cursorPaging.limit", "must be at most 100", "MAX");
      }
      if (l->get<int>() > 0) limit = l->get<int>();
    }
  }
  std::size_t offset = 0;
  // Offset paging: {"paging": {"limit", "offset"}}, answered with metadata.offset and .total.
  const json* offset_paging = find(q, "paging");
  if (offset_paging != nullptr) {
    if (paging != nullptr) {
      return one_violation("query.paging", "cannot be combined with cursorPaging", "OTHER");
    }
    if (!offset_paging->is_object())
      return one_violation("query.paging", "must be an object", "FORMAT");
    if (const json* l = find(*offset_paging, "limit")) {
      if (!l->is_number_integer()) {
        return one_violation("query.paging.limit", "must be an integer", "FORMAT");
      }
      if (l->get<long long>() < 0)
        return one_violation("query.paging.limit", "must be at least 0", "MIN");
      if (l->get<long long>() > kMaxLimit) {
        return one_violation("query.paging.limit", "must be at most 100", "MAX");
      }
      if (l->get<int>() > 0) limit = l->get<int>();
    }
    if (const json* o = find(*offset_paging, "offset")) {
      if (!o->is_number_integer()) {
        return one_violation("query.paging.offset", "must be an integer", "FORMAT");
      }
      if (o->get<long long>() < 0 || o->get<long long>() > 2147483647LL) {
        return one_violation("query.paging.offset", "must be from 0 to 2147483647", "MIN");
      }
      offset = o->get<std::size_t>();
    }
  }
  json filter = find(q, "filter") ? q["filter"] : json();
  json sort = find(q, "sort") ? q["sort"] : json::array();
  if (const json* cursor = paging != nullptr ? find(*paging, "cursor") : nullptr) {
    if (find(q, "filter") != nullptr || find(q, "sort") != nullptr) {
      return one_violation("query.cursorPaging.cursor",
                           "a cursor cannot be combined with filter or sort", "OTHER");
    }
    std::string decoded;
    bool readable =
        cursor->is_string() && internal::base64url_decode(cursor->get<std::string>(), decoded);
    json state = readable ? internal::parse_untrusted(decoded).value : json();
    if (!state.is_object() || !state.contains("o") || !state["o"].is_number_unsigned()) {
      return one_violation("query.cursorPaging.cursor", "is not a valid cursor", "FORMAT");
    }
    filter = state["f"];
    sort = state["s"];
    offset = state["o"].get<std::size_t>();
  }
  if (!sort.is_array()) return one_violation("query.sort", "must be an array", "FORMAT");
  std::vector<const json*> hits;
  try {
    validate_filter(filter);
    for (const auto& r : requests) {
      if (matches(r, filter)) hits.push_back(&r);
    }
  } catch (const QueryError& e) {
    return one_violation(e.field, e.description, "OTHER");
  }
  std::vector<std::pair<std::string, bool>> keys;  // field, descending
  for (const auto& s : sort) {
    std::string field = string_or_empty(s, "fieldName");
    if (!is_query_field(field))
      return one_violation("query.sort.fieldName", "is not sortable", "OTHER");
    const json* order = find(s, "order");
    if (order != nullptr && (!order->is_string() || (order->get<std::string>() != "ASC" &&
                                                     order->get<std::string>() != "DESC"))) {
      return one_violation("query.sort.order", "must be ASC or DESC", "FORMAT");
    }
    keys.emplace_back(field, order != nullptr && order->get<std::string>() == "DESC");
  }
  if (keys.empty()) keys.emplace_back("createdDate", true);
  std::stable_sort(hits.begin(), hits.end(), [&](const json* a, const json* b) {
    for (const auto& [field, descending] : keys) {
      const json* x = field_value(*a, field);
      const json* y = field_value(*b, field);
      int c = x == nullptr ? (y == nullptr ? 0 : -1) : (y == nullptr ? 1 : compare_values(*x, *y));
      if (c != 0) return descending ? c > 0 : c < 0;
    }
    return false;
  });
  json page = json::array();
  for (std::size_t i = offset; i < hits.size() && page.size() < static_cast<std::size_t>(limit);
       ++i) {
    page.push_back(*hits[i]);
  }
  if (offset_paging != nullptr) {
    json out = {{"requests", page},
                {"metadata", {{"count", page.size()}, {"offset", offset}, {"total", hits.size()}}}};
    return {200, out.dump()};
  }
  json cursors = json::object();
  auto make_cursor = [&](std::size_t at) {
    return internal::base64url_encode(json{{"f", filter}, {"s", sort}, {"o", at}}.dump());
  };
  if (offset + page.size() < hits.size()) cursors["next"] = make_cursor(offset + page.size());
  if (offset > 0)
    cursors["prev"] = make_cursor(offset > static_cast<std::size_t>(limit) ? offset - limit : 0);
  json out = {{"requests", page}, {"metadata", {{"count", page.size()}, {"cursors", cursors}}}};
  return {200, out.dump()};
}

}  // namespace wix::backinstock::emulator::detail
