#include "query_eval.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "encoding.h"
#include "query_filter.h"
#include "untrusted_json.h"
#include "wix/backinstock/testing/emulator_options.h"

namespace wix::backinstock::emulator::detail {

namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 100;

// The string values an indexable term (`$eq` or `$in` on a string) restricts a field to.
std::optional<std::vector<std::string_view>> index_values(const Term& t) {
  if (t.op == Term::kEq && t.operand->is_string()) {
    return std::vector<std::string_view>{t.operand->get_ref<const std::string&>()};
  }
  if (t.op == Term::kIn && !t.has_true && !t.has_false) {
    return std::vector<std::string_view>(t.strings.begin(), t.strings.end());
  }
  return std::nullopt;
}

// The requests an index gives for `field` restricted to `values`, and how many there are.
struct Candidates {
  Field field;
  std::vector<std::string_view> values;
  std::size_t size = 0;
};

std::optional<Candidates> index_for(const RequestTable& table, Field field,
                                    std::vector<std::string_view> values) {
  Candidates c{field, std::move(values), 0};
  for (std::string_view v : c.values) {
    if (field == Field::kId) {
      c.size += table.by_id(v) != nullptr ? 1 : 0;
    } else if (field == Field::kStatus) {
      if (auto s = status_from_name(v)) c.size += table.of_status(*s).size();
    } else if (field == Field::kCatalogItemId) {
      if (const auto* identities = table.identities_of_item(v)) {
        for (auto identity : *identities) c.size += table.of_identity(identity).size();
      }
    } else {
      return std::nullopt;
    }
  }
  return c;
}

// The narrowest index a filter's top-level conjunction offers.
std::optional<Candidates> best_index(const RequestTable& table, const Node& node) {
  std::optional<Candidates> best;
  auto consider = [&](std::optional<Candidates> c) {
    if (c && (!best || c->size < best->size)) best = std::move(c);
  };
  if (node.kind == Node::kAll) {
    for (const auto& child : node.children) consider(best_index(table, child));
  } else if (node.kind == Node::kField) {
    for (const auto& t : node.terms) {
      if (auto values = index_values(t)) consider(index_for(table, node.field, std::move(*values)));
    }
  }
  return best;
}

std::vector<std::uint64_t> materialize(const RequestTable& table, const Candidates& c) {
  std::vector<std::uint64_t> seqs;
  seqs.reserve(c.size);
  for (std::string_view v : c.values) {
    if (c.field == Field::kId) {
      if (const Record* r = table.by_id(v)) seqs.push_back(r->seq);
    } else if (c.field == Field::kStatus) {
      if (auto s = status_from_name(v)) {
        const auto& set = table.of_status(*s);
        seqs.insert(seqs.end(), set.begin(), set.end());
      }
    } else if (const auto* identities = table.identities_of_item(v)) {
      for (auto identity : *identities) {
        const auto& of = table.of_identity(identity);
        seqs.insert(seqs.end(), of.begin(), of.end());
      }
    }
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

// Visits the records that match `filter` in creation order (newest first when asked), after the
// record `after` when set, until `visit` returns false.
template <typename Visit>
void matching(const RequestTable& table, const Node& filter, bool newest_first,
              std::optional<std::uint64_t> after, Visit&& visit) {
  auto index = best_index(table, filter);
  if (!index || index->size > table.size() / 4) {  // a dense index: walking is as cheap
    table.walk(newest_first, after,
               [&](const Record& r) { return !filter.matches(table, r) || visit(r); });
    return;
  }
  std::vector<std::uint64_t> seqs = materialize(table, *index);
  auto step = [&](std::uint64_t seq) {
    const Record* r = table.by_seq(seq);
    return r == nullptr || !filter.matches(table, *r) || visit(*r);
  };
  if (newest_first) {
    auto it = after ? std::make_reverse_iterator(std::lower_bound(seqs.begin(), seqs.end(), *after))
                    : seqs.rbegin();
    for (; it != seqs.rend(); ++it) {
      if (!step(*it)) return;
    }
  } else {
    auto it = after ? std::upper_bound(seqs.begin(), seqs.end(), *after) : seqs.begin();
    for (; it != seqs.end(); ++it) {
      if (!step(*it)) return;
    }
  }
}

std::optional<Reply> read_limit(const json& paging, const std::string& path, int& limit) {
  const json* l = find(paging, "limit");
  if (l == nullptr) return std::nullopt;
  if (!l->is_number_integer()) return one_violation(path, "must be an integer", "FORMAT");
  if (l->get<long long>() < 0) return one_violation(path, "must be at least 0", "MIN");
  if (l->get<long long>() > kMaxLimit) return one_violation(path, "must be at most 100", "MAX");
  if (l->get<int>() > 0) limit = l->get<int>();
  return std::nullopt;
}

}  // namespace

Reply evaluate_query(const RequestTable& requests, const json& body) {
  const json* query = find(body, "query");
  json q = query != nullptr && query->is_object() ? *query : json::object();
  const json* paging = find(q, "cursorPaging");
  int limit = kDefaultLimit;
  if (paging != nullptr) {
    if (auto error = read_limit(*paging, "query.cursorPaging.limit", limit)) return *error;
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
    if (auto error = read_limit(*offset_paging, "query.paging.limit", limit)) return *error;
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
  std::optional<std::uint64_t> after;  // the last request of the previous page (creation order)
  if (const json* cursor = paging != nullptr ? find(*paging, "cursor") : nullptr) {
    if (find(q, "filter") != nullptr || find(q, "sort") != nullptr) {
      return one_violation("query.cursorPaging.cursor",
                           "a cursor cannot be combined with filter or sort", "OTHER");
    }
    std::string decoded;
    bool readable =
        cursor->is_string() && internal::base64url_decode(cursor->get<std::string>(), decoded);
    json state = readable ? internal::parse_untrusted(decoded).value : json();
    if (!state.is_object() || !state.contains("o") || !state["o"].is_number_unsigned() ||
        (state.contains("k") && !state["k"].is_number_unsigned())) {
      return one_violation("query.cursorPaging.cursor", "is not a valid cursor", "FORMAT");
    }
    filter = state["f"];
    sort = state["s"];
    offset = state["o"].get<std::size_t>();
    if (state.contains("k")) after = state["k"].get<std::uint64_t>();
  }
  if (!sort.is_array()) return one_violation("query.sort", "must be an array", "FORMAT");
  // Every key costs per comparison, under the store's lock: bounded as the filter's operators.
  if (sort.size() > kMaxSortKeys) {
    return one_violation("query.sort",
                         "holds more than " + std::to_string(kMaxSortKeys) + " fields", "MAX_SIZE");
  }
  Node compiled;
  try {
    compiled = compile_filter(filter);
  } catch (const QueryError& e) {
    return one_violation(e.field, e.description, e.rule);
  }
  std::vector<std::pair<Field, bool>> keys;  // field, descending
  for (const auto& s : sort) {
    auto field = field_named(string_or_empty(s, "fieldName"));
    if (!field) return one_violation("query.sort.fieldName", "is not sortable", "OTHER");
    const json* order = find(s, "order");
    if (order != nullptr && (!order->is_string() || (order->get<std::string>() != "ASC" &&
                                                     order->get<std::string>() != "DESC"))) {
      return one_violation("query.sort.order", "must be ASC or DESC", "FORMAT");
    }
    keys.emplace_back(*field, order != nullptr && order->get<std::string>() == "DESC");
  }
  if (keys.empty()) keys.emplace_back(Field::kCreatedDate, true);
  // Creation dates are unique and grow with creation, so sorting by them is creation order.
  bool creation_order = keys.front().first == Field::kCreatedDate;
  const std::size_t wanted = static_cast<std::size_t>(limit);
  std::vector<const Record*> page;
  std::size_t total = 0;  // matches, when counted
  bool more = false;      // a match after the page
  if (creation_order) {
    bool count_all = offset_paging != nullptr && !filter.is_null();
    std::size_t skip = after ? 0 : offset;
    matching(requests, compiled, keys.front().second, after, [&](const Record& r) {
      ++total;
      if (skip > 0) {
        --skip;
      } else if (page.size() < wanted) {
        page.push_back(&r);
      } else {
        more = true;
        return count_all;
      }
      return true;
    });
    if (offset_paging != nullptr && filter.is_null()) total = requests.size();
  } else {
    std::vector<const Record*> hits;
    matching(requests, compiled, false, std::nullopt, [&](const Record& r) {
      hits.push_back(&r);
      return true;
    });
    auto before = [&](const Record* a, const Record* b) {
      char x_buffer[36];
      char y_buffer[36];
      for (const auto& [field, descending] : keys) {
        int c = compare(value_of(requests, *a, field, x_buffer),
                        value_of(requests, *b, field, y_buffer));
        if (c != 0) return descending ? c > 0 : c < 0;
      }
      return a->seq < b->seq;  // as a stable sort of creation order
    };
    std::size_t end = std::min(hits.size(), offset + wanted);
    if (offset < end) {
      std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(end), hits.end(),
                        before);
      page.assign(hits.begin() + static_cast<std::ptrdiff_t>(offset),
                  hits.begin() + static_cast<std::ptrdiff_t>(end));
    }
    total = hits.size();
    more = end < hits.size();
  }
  json items = json::array();
  for (const Record* r : page) items.push_back(requests.to_json(*r));
  if (offset_paging != nullptr) {
    json out = {{"requests", std::move(items)},
                {"metadata", {{"count", page.size()}, {"offset", offset}, {"total", total}}}};
    return {200, out.dump()};
  }
  json cursors = json::object();
  auto make_cursor = [&](std::size_t at, const Record* last) {
    json state = {{"f", filter}, {"s", sort}, {"o", at}};
    if (creation_order && last != nullptr) state["k"] = last->seq;
    return internal::base64url_encode(state.dump());
  };
  if (more)
    cursors["next"] = make_cursor(offset + page.size(), page.empty() ? nullptr : page.back());
  if (offset > 0) {
    cursors["prev"] = make_cursor(offset > wanted ? offset - wanted : 0, nullptr);
  }
  json out = {{"requests", std::move(items)},
              {"metadata", {{"count", page.size()}, {"cursors", cursors}}}};
  return {200, out.dump()};
}

}  // namespace wix::backinstock::emulator::detail
