#include "codec.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "json_writer.h"
#include "untrusted_json.h"

namespace wix::backinstock::internal {

using nlohmann::json;

namespace {

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

[[noreturn]] void malformed(const std::string& what) { throw MalformedBody(what); }

// A count: absent or null is nullopt; anything but an integer in [0, INT32_MAX] is malformed (a
// 32-bit read of 4294967297 would otherwise give 1).
std::optional<std::int32_t> count_at(const json& object, const char* key, const char* name) {
  const json& v = member(object, key);
  if (v.is_null()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  if (v.is_number_unsigned() && v.get<std::uint64_t>() <= kMax) {
    return static_cast<std::int32_t>(v.get<std::uint64_t>());
  }
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= 0 &&
      static_cast<std::uint64_t>(v.get<std::int64_t>()) <= kMax) {
    return static_cast<std::int32_t>(v.get<std::int64_t>());
  }
  malformed(std::string(name) + " is not a count (an integer from 0 to 2147483647)");
}

}  // namespace

namespace {

void write(JsonWriter& w, const CatalogReference& reference) {
  w.begin_object()
      .member("appId", reference.app_id())
      .member("catalogItemId", reference.catalog_item_id());
  if (!reference.options().empty()) w.key("options").raw(reference.options().dump());
  w.end_object();
}

void write(JsonWriter& w, const ItemDetails& details) {
  w.begin_object().member("name", details.name()).member("price", details.price());
  if (const auto& image = details.image()) {
    w.key("image").begin_object();
    if (image->id()) w.member("id", *image->id());
    w.member("url", image->url());
    if (image->alt_text()) w.member("altText", *image->alt_text());
    w.end_object();
  }
  w.end_object();
}

}  // namespace

std::string encode_report(const ReportItemsBackInStockRequest& request) {
  JsonWriter w(512);  // a typical Report body is 300-400 bytes: one allocation
  w.begin_object();
  if (const auto& reference = request.catalog_reference()) {
    write(w.key("catalogReference"), *reference);
  } else {
    w.key("requestIds").begin_array();
    for (const auto& id : request.request_ids()) w.value(id);
    w.end_array();
  }
  write(w.key("itemDetails"), request.item_details());
  if (!request.extra_parameters().empty()) {
    w.key("extraAutomationTemplateParameters").begin_object();
    for (const auto& [name, value] : request.extra_parameters()) w.member(name, value);
    w.end_object();
  }
  return w.end_object().take();
}

std::string encode_create(const NewNotificationRequest& request, const ItemDetails& item_details) {
  JsonWriter w;
  w.begin_object().key("request").begin_object();
  write(w.key("catalogReference"), request.catalog_reference());
  w.member("email", request.email());
  if (request.item_url()) w.member("itemUrl", *request.item_url());
  w.end_object();
  write(w.key("itemDetails"), item_details);
  return w.end_object().take();
}

std::string encode_id(const std::string& id) {
  return JsonWriter(64).begin_object().member("id", id).end_object().take();
}

std::string encode_app_id(const std::string& app_id) {
  return JsonWriter(64).begin_object().member("appId", app_id).end_object().take();
}

std::string encode_query(const Query& query) {
  JsonWriter w;
  w.begin_object().key("query").begin_object();
  if (!query.cursor()) {
    if (query.filter()) w.key("filter").raw(query.filter()->dump());
    if (!query.sorting().empty()) {
      w.key("sort").begin_array();
      for (const auto& [field, order] : query.sorting()) {
        w.begin_object()
            .member("fieldName", to_string(field))
            .member("order", order == SortOrder::kAscending ? "ASC" : "DESC")
            .end_object();
      }
      w.end_array();
    }
  }
  if (query.offset()) {
    w.key("paging").begin_object();
    if (query.limit()) w.key("limit").value(static_cast<long long>(*query.limit()));
    w.key("offset").value(static_cast<long long>(*query.offset()));
    w.end_object();
  } else if (query.limit() || query.cursor()) {
    w.key("cursorPaging").begin_object();
    if (query.limit()) w.key("limit").value(static_cast<long long>(*query.limit()));
    if (query.cursor()) w.member("cursor", *query.cursor());
    w.end_object();
  }
  return w.end_object().end_object().take();
}

std::string encode_catalog_reference(const CatalogReference& reference) {
  JsonWriter w(128);
  write(w, reference);
  return w.take();
}

std::string encode_count(const std::vector<CatalogReference>& references) {
  JsonWriter w(64 + references.size() * 96);
  w.begin_object().key("catalogReferences").begin_array();
  for (const auto& reference : references) write(w, reference);
  return w.end_array().end_object().take();
}

json parse_body(std::string_view body) {
  UntrustedJson parsed = parse_untrusted(body);
  if (!parsed.ok()) malformed(parsed.problem);
  if (!parsed.value.is_object()) malformed("not a JSON object");
  return std::move(parsed.value);
}

CatalogReference decode_catalog_reference(const json& value) {
  const json& options = member(value, "options");
  return internal::ModelAccess::catalog_reference(
      text(value, "catalogItemId"), text(value, "appId"),
      options.is_object() && !options.empty() ? internal::ModelAccess::json_object(options)
                                              : JsonObject());
}

NotificationRequest decode_notification_request(const json& value) {
  if (!value.is_object()) malformed("a notification request is not an object");
  NotificationRequest out{text(value, "id"),
                          decode_catalog_reference(member(value, "catalogReference")),
                          text(value, "email"),
                          text(value, "contactId"),
                          Status::kUnspecified,
                          text(value, "status"),
                          std::nullopt,
                          std::nullopt,
                          optional_text(value, "itemUrl"),
                          {}};
  out.status = out.status_text.empty() ? Status::kUnspecified : parse_status(out.status_text);
  if (const json& v = member(value, "autoNotified"); v.is_boolean())
    out.auto_notified = v.get<bool>();
  if (auto created = optional_text(value, "createdDate")) {
    out.created_date = parse_timestamp(*created);
    out.created_date_text = std::move(*created);
  }
  return out;
}

NotificationRequest decode_request_response(std::string_view body) {
  json value = parse_body(body);
  const json& request = member(value, "request");
  if (!request.is_object()) malformed("missing \"request\"");
  return decode_notification_request(request);
}

QueryPage decode_query_response_dom(std::string_view body) {
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
  if (auto count = count_at(metadata, "count", "metadata.count")) page.metadata.count = *count;
  page.metadata.offset = count_at(metadata, "offset", "metadata.offset");
  page.metadata.total = count_at(metadata, "total", "metadata.total");
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
    out.push_back({decode_catalog_reference(member(c, "catalogReference")),
                   count_at(c, "count", "countsPerCatalogReference[].count").value_or(0)});
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
