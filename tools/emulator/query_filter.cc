#include "query_filter.h"

#include <algorithm>
#include <utility>

#include "wix/backinstock/testing/emulator_options.h"

namespace wix::backinstock::emulator::detail {

namespace {

constexpr std::pair<const char*, Field> kQueryFields[] = {
    {"id", Field::kId},
    {"contactId", Field::kContactId},
    {"status", Field::kStatus},
    {"autoNotified", Field::kAutoNotified},
    {"createdDate", Field::kCreatedDate},
    {"itemUrl", Field::kItemUrl},
    {"catalogReference.catalogItemId", Field::kCatalogItemId},
    {"catalogReference.appId", Field::kAppId}};

int compare_values(const json& a, const json& b) {
  if (a.is_string() && b.is_string()) {
    return a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
  }
  if (a.is_boolean() && b.is_boolean())
    return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
  if (a.is_number() && b.is_number()) {
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a == b ? 0 : (a.type() < b.type() ? -1 : 1);
}

// Orders two present values the way `compare_values` orders their JSON forms.
int compare(const Value& a, const json& b) {
  if (a.kind == Value::kString && b.is_string()) {
    int c = a.text.compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.kind == Value::kBool && b.is_boolean()) {
    return static_cast<int>(a.flag) - static_cast<int>(b.get<bool>());
  }
  return compare_values(a.as_json(), b);
}

// `value == operand` as JSON, null standing for absent.
bool equals(const Value& v, const json& operand) {
  if (operand.is_null()) return v.kind == Value::kAbsent;
  if (v.kind == Value::kString) {
    return operand.is_string() && operand.get_ref<const std::string&>() == v.text;
  }
  return v.kind == Value::kBool && operand.is_boolean() && operand.get<bool>() == v.flag;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

class Compiler {
 public:
  Node compile(const json& filter) {
    Node all;
    if (filter.is_null()) return all;
    if (!filter.is_object()) throw QueryError{"query.filter", "must be an object"};
    for (const auto& [key, condition] : filter.items()) {
      if (key == "$and" || key == "$or") {
        count_term();
        if (!condition.is_array()) throw QueryError{"query.filter", key + " expects an array"};
        Node group;
        group.kind = key == "$and" ? Node::kAll : Node::kAny;
        for (const auto& f : condition) group.children.push_back(compile(f));
        all.children.push_back(std::move(group));
      } else if (key == "$not") {
        count_term();
        Node negation;
        negation.kind = Node::kNot;
        negation.children.push_back(compile(condition));
        all.children.push_back(std::move(negation));
      } else if (!key.empty() && key[0] == '$') {
        throw QueryError{"query.filter", "unsupported operator " + key};
      } else {
        auto field = field_named(key);
        if (!field) throw QueryError{"query.filter." + key, "is not filterable"};
        all.children.push_back(field_condition(*field, "query.filter." + key, condition));
      }
    }
    return all;
  }

 private:
  void count_term() {
    if (++terms_ > kMaxQueryFilterOperators) {
      throw QueryError{"query.filter",
                       "holds more than " + std::to_string(kMaxQueryFilterOperators) + " operators",
                       "MAX_SIZE"};
    }
  }

  Node field_condition(Field field, const std::string& path, const json& condition) {
    Node node;
    node.kind = Node::kField;
    node.field = field;
    if (!condition.is_object() || condition.empty() || condition.begin().key()[0] != '$') {
      count_term();
      Term literal;  // compared as a whole
      literal.operand = std::make_unique<const json>(condition);
      node.terms.push_back(std::move(literal));
      return node;
    }
    for (const auto& [op, operand] : condition.items()) {
      count_term();
      node.terms.push_back(term(path, op, operand));
    }
    return node;
  }

  static Term term(const std::string& path, const std::string& op, const json& operand) {
    Term t;
    t.operand = std::make_unique<const json>(operand);
    if (op == "$eq" || op == "$ne") {
      t.op = op == "$eq" ? Term::kEq : Term::kNe;
    } else if (op == "$gt" || op == "$gte" || op == "$lt" || op == "$lte") {
      if (operand.is_null() || operand.is_structured())
        throw QueryError{path, op + " expects a scalar"};
      t.op = op == "$gt"    ? Term::kGt
             : op == "$gte" ? Term::kGte
             : op == "$lt"  ? Term::kLt
                            : Term::kLte;
    } else if (op == "$in" || op == "$hasSome" || op == "$nin") {
      if (!operand.is_array()) throw QueryError{path, op + " expects an array"};
      t.op = op == "$nin" ? Term::kNin : Term::kIn;
      for (const auto& v : *t.operand) {
        if (v.is_string()) t.strings.insert(v.get_ref<const std::string&>());
        if (v.is_boolean()) (v.get<bool>() ? t.has_true : t.has_false) = true;
      }
    } else if (op == "$startsWith") {
      if (!operand.is_string()) throw QueryError{path, "$startsWith expects a string"};
      t.op = Term::kStartsWith;
      t.prefix = lower(operand.get<std::string>());
    } else if (op == "$exists") {
      if (!operand.is_boolean()) throw QueryError{path, "$exists expects a boolean"};
      t.op = Term::kExists;
    } else {
      throw QueryError{path, "unsupported operator " + op};
    }
    return t;
  }

  std::size_t terms_ = 0;
};

}  // namespace

std::optional<Field> field_named(const std::string& name) {
  for (const auto& [n, f] : kQueryFields) {
    if (name == n) return f;
  }
  return std::nullopt;
}

Value value_of(const RequestTable& table, const Record& r, Field field, char* buffer) {
  switch (field) {
    case Field::kId:
      r.id.write(buffer);
      return {Value::kString, {buffer, 36}};
    case Field::kContactId:
      r.contact.write(buffer);
      return {Value::kString, {buffer, 36}};
    case Field::kStatus:
      return {Value::kString, status_name(r.status)};
    case Field::kAutoNotified:
      return r.auto_notified < 0 ? Value{} : Value{Value::kBool, {}, r.auto_notified == 1};
    case Field::kCreatedDate:
      return {Value::kString, r.created_date()};
    case Field::kItemUrl:
      return r.has_item_url ? Value{Value::kString, r.item_url} : Value{};
    case Field::kCatalogItemId:
      return {Value::kString, table.catalog_item_id(r)};
    case Field::kAppId:
      return {Value::kString, table.app_id(r)};
  }
  return {};
}

int compare(const Value& a, const Value& b) {
  if (a.kind == Value::kAbsent || b.kind == Value::kAbsent) {
    return a.kind == b.kind ? 0 : (a.kind == Value::kAbsent ? -1 : 1);
  }
  if (a.kind == Value::kString && b.kind == Value::kString) {
    int c = a.text.compare(b.text);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return compare(a, b.as_json());
}

bool Term::holds(const Value& v) const {
  switch (op) {
    case kEq:
      return equals(v, *operand);
    case kNe:
      return !equals(v, *operand);
    case kGt:
    case kGte:
    case kLt:
    case kLte: {
      if (v.kind == Value::kAbsent) return false;
      int c = compare(v, *operand);
      return op == kGt ? c > 0 : op == kGte ? c >= 0 : op == kLt ? c < 0 : c <= 0;
    }
    case kIn:
    case kNin: {
      bool found = v.kind == Value::kString ? strings.count(v.text) != 0
                   : v.kind == Value::kBool ? (v.flag ? has_true : has_false)
                                            : false;
      return op == kIn ? found : !found;
    }
    case kStartsWith:
      return v.kind == Value::kString && starts_with_ignoring_case(v.text, prefix);
    case kExists:
      return (v.kind != Value::kAbsent) == operand->get<bool>();
  }
  return false;
}

bool Node::matches(const RequestTable& table, const Record& r) const {
  switch (kind) {
    case kAll:
      return std::all_of(children.begin(), children.end(),
                         [&](const Node& c) { return c.matches(table, r); });
    case kAny:
      return std::any_of(children.begin(), children.end(),
                         [&](const Node& c) { return c.matches(table, r); });
    case kNot:
      return !children.front().matches(table, r);
    case kField: {
      char buffer[36];
      Value v = value_of(table, r, field, buffer);
      return std::all_of(terms.begin(), terms.end(), [&](const Term& t) { return t.holds(v); });
    }
  }
  return false;
}

Node compile_filter(const json& filter) { return Compiler().compile(filter); }

}  // namespace wix::backinstock::emulator::detail
