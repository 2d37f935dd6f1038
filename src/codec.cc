#include "codec.h"

#include <utility>

#include "wix/backinstock/errors.h"

namespace wix::backinstock::internal {

using nlohmann::json;

namespace {

// Strings were checked for UTF-8 by the request types; `replace` keeps a stray byte from ever
// turning into an exception here.
std::string dump(const OrderedJson& value) {
  return value.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string text(const json& object, const char* key) {
  const json& v = member(object, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::optional<std::string> optional_text(const json& object, const char* key) {
  const json& v = member(object, key);
  if (!v.is_string()) return std::nullopt;
  return v.get<std::string>();
}

[[noreturn]] void malformed(const std::string& what) {
  throw TransportError(TransportError::Kind::kMalformedResponse, true,
                       "malformed response body: " + what);
}

}  // namespace

OrderedJson to_json(const CatalogReference& reference) {
  OrderedJson out = OrderedJson::object();
  out["appId"] = reference.app_id();
  out["catalogItemId"] = reference.catalog_item_id();
  if (!reference.options().empty()) out["options"] = reference.options().json();
  return out;
}

OrderedJson to_json(const ItemDetails& details) {
  OrderedJson out = OrderedJson::object();
  out["name"] = details.name();
  out["price"] = details.price();
  if (const auto& image = details.image()) {
    OrderedJson img = OrderedJson::object();
    if (image->id()) img["id"] = *image->id();
    img["url"] = image->url();
    if (image->alt_text()) img["altText"] = *image->alt_text();
    out["image"] = std::move(img);
  }
  return out;
}

std::string encode_report(const ReportItemsBackInStockRequest& request) {
  OrderedJson out = OrderedJson::object();
  if (const auto& reference = request.catalog_reference()) {
    out["catalogReference"] = to_json(*reference);
  } else {
    out["requestIds"] = request.request_ids();
  }
  out["itemDetails"] = to_json(request.item_details());
  if (!request.extra_parameters().empty()) {
    OrderedJson params = OrderedJson::object();
    for (const auto& [name, value] : request.extra_parameters()) params[name] = value;
    out["extraAutomationTemplateParameters"] = std::move(params);
  }
  return dump(out);
}

std::string encode_create(const NewNotificationRequest& request, const ItemDetails& item_details) {
  OrderedJson req = OrderedJson::object();
  req["catalogReference"] = to_json(request.catalog_reference());
  req["email"] = request.email();
  if (request.item_url()) req["itemUrl"] = *request.item_url();
  OrderedJson out = OrderedJson::object();
  out["request"] = std::move(req);
  out["itemDetails"] = to_json(item_details);
  return dump(out);
}

std::string encode_id(const std::string& id) { return dump(OrderedJson{{"id", id}}); }

std::string encode_app_id(const std::string& app_id) {
  return dump(OrderedJson{{"appId", app_id}});
}

std::string encode_query(const Query& query) {
  OrderedJson q = OrderedJson::object();
  if (!query.cursor()) {
    if (query.filter()) q["filter"] = query.filter()->json();
    if (!query.sorting().empty()) {
      OrderedJson sort = OrderedJson::array();
      for (const auto& [field, order] : query.sorting()) {
        OrderedJson entry = OrderedJson::object();
        entry["fieldName"] = to_string(field);
        entry["order"] = order == SortOrder::kAscending ? "ASC" : "DESC";
        sort.push_back(std::move(entry));
      }
      q["sort"] = std::move(sort);
    }
  }
  if (query.limit() || query.cursor()) {
    OrderedJson paging = OrderedJson::object();
    if (query.limit()) paging["limit"] = *query.limit();
    if (query.cursor()) paging["cursor"] = *query.cursor();
    q["cursorPaging"] = std::move(paging);
  }
  OrderedJson out = OrderedJson::object();
  out["query"] = std::move(q);
  return dump(out);
}

std::string encode_count(const std::vector<CatalogReference>& references) {
  OrderedJson refs = OrderedJson::array();
  for (const auto& reference : references) refs.push_back(to_json(reference));
  OrderedJson out = OrderedJson::object();
  out["catalogReferences"] = std::move(refs);
  return dump(out);
}

json parse_body(std::string_view body) {
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) malformed("not JSON");
  if (!value.is_object()) malformed("not a JSON object");
  return value;
}

CatalogReference decode_catalog_reference(const json& value) {
  const json& options = member(value, "options");
  return ModelAccess::catalog_reference(text(value, "catalogItemId"), text(value, "appId"),
                                        options.is_object() ? JsonObject(options) : JsonObject());
}

NotificationRequest decode_notification_request(const json& value) {
  if (!value.is_object()) malformed("a notification request is not an object");
  NotificationRequest out{
      text(value, "id"), decode_catalog_reference(member(value, "catalogReference")),
      text(value, "email"), text(value, "contactId"), Status::kUnspecified,
      text(value, "status"), std::nullopt, std::nullopt, optional_text(value, "itemUrl")};
  out.status = out.status_text.empty() ? Status::kUnspecified : parse_status(out.status_text);
  if (const json& v = member(value, "autoNotified"); v.is_boolean()) out.auto_notified = v.get<bool>();
  if (auto created = optional_text(value, "createdDate")) {
    out.created_date = parse_timestamp(*created);
  }
  return out;
}

NotificationRequest decode_request_response(std::string_view body) {
  json value = parse_body(body);
  const json& request = member(value, "request");
  if (!request.is_object()) malformed("missing \"request\"");
  return decode_notification_request(request);
}

QueryPage decode_query_response(std::string_view body) {
  json value = parse_body(body);
  QueryPage page;
  const json& requests = member(value, "requests");
  if (requests.is_array()) {
    page.requests.reserve(requests.size());
    for (const auto& r : requests) page.requests.push_back(decode_notification_request(r));
  } else if (!requests.is_null()) {
    malformed("\"requests\" is not an array");
  }
  const json& metadata = member(value, "metadata");
  if (const json& count = member(metadata, "count"); count.is_number_integer()) {
    page.metadata.count = count.get<std::int32_t>();
  }
  const json& cursors = member(metadata, "cursors");
  page.metadata.next_cursor = optional_text(cursors, "next");
  page.metadata.prev_cursor = optional_text(cursors, "prev");
  return page;
}

std::vector<CatalogReferenceCount> decode_count_response(std::string_view body) {
  json value = parse_body(body);
  std::vector<CatalogReferenceCount> out;
  const json& counts = member(value, "countsPerCatalogReference");
  if (!counts.is_array()) {
    if (counts.is_null()) return out;
    malformed("\"countsPerCatalogReference\" is not an array");
  }
  out.reserve(counts.size());
  for (const auto& c : counts) {
    const json& n = member(c, "count");
    out.push_back({decode_catalog_reference(member(c, "catalogReference")),
                   n.is_number_integer() ? n.get<std::int32_t>() : 0});
  }
  return out;
}

Settings decode_settings_response(std::string_view body) {
  json value = parse_body(body);
  Settings out;
  const json& states = member(member(value, "settings"), "collectionStates");
  if (states.is_array()) {
    for (const auto& s : states) {
      const json& on = member(s, "collectingRequests");
      out.collection_states.push_back({text(s, "appId"), on.is_boolean() && on.get<bool>()});
    }
  }
  return out;
}

}  // namespace wix::backinstock::internal
