#include "store.h"

#include <algorithm>

#include "query_eval.h"
#include "rules.h"

namespace wix::backinstock::emulator::detail {

Store::Store(bool collecting_by_default, bool duplicate_conflict, EventSink events)
    : collecting_by_default_(collecting_by_default),
      duplicate_conflict_(duplicate_conflict),
      events_(std::move(events)),
      rng_(std::random_device{}()) {
  reset();
}

void Store::reset() {
  requests_.clear();
  contacts_.clear();
  collecting_.clear();
  collecting_[kWixStoresAppId] = collecting_by_default_;
  reports_ = json::array();
  notifications_ = json::array();
}

Reply Store::query(const json& body) const { return evaluate_query(requests_, body); }

Reply Store::settings() const { return {200, settings_json().dump()}; }

std::string Store::requests_json() const { return json{{"requests", requests_}}.dump(2); }

std::string Store::outbox_json() const {
  return json{{"reports", reports_}, {"notifications", notifications_}}.dump(2);
}

Reply Store::report(const json& body) {
  const json* reference = find(body, "catalogReference");
  const json* ids = find(body, "requestIds");
  bool has_ids = ids != nullptr && ids->is_array() && !ids->empty();
  if (reference != nullptr && has_ids) {
    return app_error(400, "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS",
                     "Request contains both catalogReference and requestIds");
  }
  if (reference == nullptr && !has_ids) {
    return one_violation("catalogReference", "one of catalogReference and requestIds is required");
  }
  if (reference != nullptr) {
    if (auto error = check_catalog_reference(*reference, "catalogReference")) return *error;
  } else {
    for (std::size_t i = 0; i < ids->size(); ++i) {
      if (!(*ids)[i].is_string() || (*ids)[i].get<std::string>().empty()) {
        return one_violation("requestIds[" + std::to_string(i) + "]", "must be a request ID",
                             "FORMAT");
      }
    }
  }
  if (auto error = check_item_details(body)) return *error;

  const json& details = body["itemDetails"];
  json rendered = {{"item.name", details["name"]}, {"item.price", details["price"]}};
  if (const json* image = find(details, "image")) rendered["item.image.url"] = (*image)["url"];
  if (const json* extra = find(body, "extraAutomationTemplateParameters")) {
    if (extra->is_object()) {
      for (const auto& [name, value] : extra->items()) rendered[name] = value;
    }
  }
  std::vector<json*> targets;
  if (reference != nullptr) {
    json key = reference_key(*reference);
    for (auto& r : requests_) {
      if (reference_key(r["catalogReference"]) == key) targets.push_back(&r);
    }
  } else {
    for (const auto& id : *ids) {
      if (json* r = find_request(id.get<std::string>())) targets.push_back(r);
    }
  }
  json notified = json::array();
  for (json* r : targets) {
    std::string email = (*r)["email"].get<std::string>();
    bool undeliverable =
        lower(email).size() >= 8 && lower(email).compare(email.size() - 8, 8, ".invalid") == 0;
    (*r)["autoNotified"] = true;
    if (undeliverable) {
      (*r)["status"] = "FAILED";
      events_("updated", *r);
      continue;
    }
    (*r)["status"] = "NOTIFICATION_SENT";
    events_("updated", *r);
    notifications_.push_back({{"requestId", (*r)["id"]}, {"email", email}, {"template", rendered}});
    notified.push_back((*r)["id"]);
  }
  json record = {{"template", rendered}, {"notifiedRequestIds", notified}};
  if (reference != nullptr) record["catalogReference"] = *reference;
  if (has_ids) record["requestIds"] = *ids;
  reports_.push_back(std::move(record));
  return {200, "{}"};
}

Reply Store::create(const json& body) {
  const json* request = find(body, "request");
  if (request == nullptr || !request->is_object()) return one_violation("request", "is required");
  const json* reference = find(*request, "catalogReference");
  if (reference == nullptr) return one_violation("request.catalogReference", "is required");
  if (auto error = check_catalog_reference(*reference, "request.catalogReference")) return *error;
  std::string email = string_or_empty(*request, "email");
  if (email.empty()) return one_violation("request.email", "is required");
  if (!is_email(email)) {
    return one_violation("request.email", "must be a valid email address", "FORMAT");
  }
  if (const json* item_url = find(*request, "itemUrl")) {
    if (!item_url->is_string() || !is_http_url(item_url->get<std::string>())) {
      return one_violation("request.itemUrl", "must be a valid URL", "FORMAT");
    }
  }
  if (auto error = check_item_details(body)) return *error;
  if (const json* options = find(*reference, "options")) {
    const json* variant = find(*options, "variantId");
    if (!options->is_object() || (find(*options, "variantId") != nullptr &&
                                  (!variant->is_string() || variant->get<std::string>().empty()))) {
      return app_error(400, "INVALID_CATALOG_REFERENCE_OPTIONS",
                       "Catalog reference options are invalid");
    }
  }
  std::string app_id = string_or_empty(*reference, "appId");
  auto state = collecting_.find(app_id);
  if (state == collecting_.end() || !state->second) {
    return app_error(428, "REQUEST_COLLECTION_DISABLED",
                     "Collecting back in stock requests is disabled for this app");
  }
  json key = reference_key(*reference);
  for (const auto& r : requests_) {
    if (lower(r["email"].get<std::string>()) == lower(email) &&
        reference_key(r["catalogReference"]) == key) {
      if (duplicate_conflict_) {
        return app_error(409, "BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS",
                         "Back in stock notification request already exists");
      }
      return {200, json{{"request", r}}.dump()};  // deduplicated: the existing request
    }
  }
  auto& contact = contacts_[lower(email)];
  if (contact.empty()) contact = random_guid(rng_);
  json stored_reference = {{"appId", app_id},
                           {"catalogItemId", string_or_empty(*reference, "catalogItemId")}};
  if (const json* options = find(*reference, "options")) stored_reference["options"] = *options;
  json entity = {{"id", random_guid(rng_)}, {"catalogReference", stored_reference},
                 {"email", email},          {"contactId", contact},
                 {"status", "RECEIVED"},    {"createdDate", now_timestamp(last_created_ms_)}};
  if (const json* item_url = find(*request, "itemUrl")) entity["itemUrl"] = *item_url;
  requests_.push_back(entity);
  events_("created", entity);
  return {200, json{{"request", entity}}.dump()};
}

Reply Store::get(const std::string& id) {
  if (json* r = find_request(id)) return {200, json{{"request", *r}}.dump()};
  return app_error(404, "NOT_FOUND", "Entity not found");
}

Reply Store::remove(const std::string& id) {
  auto it = std::find_if(requests_.begin(), requests_.end(),
                         [&](const json& r) { return r["id"] == id; });
  if (it == requests_.end()) return app_error(404, "NOT_FOUND", "Entity not found");
  events_("deleted", *it);
  requests_.erase(it);
  return {200, "{}"};
}

Reply Store::mark_sent(const std::string& id) {
  json* r = find_request(id);
  if (r == nullptr) {
    return app_error(428, "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND",
                     "Back in stock notification request not found");
  }
  (*r)["status"] = "NOTIFICATION_SENT";
  (*r)["autoNotified"] = false;
  events_("updated", *r);
  return {200, json{{"request", *r}}.dump()};
}

Reply Store::count(const json& body) const {
  const json* references = find(body, "catalogReferences");
  if (references == nullptr || !references->is_array() || references->empty()) {
    return one_violation("catalogReferences", "is required");
  }
  if (references->size() > 100) {
    return one_violation("catalogReferences", "must hold at most 100 items", "MAX_SIZE");
  }
  json counts = json::array();
  for (std::size_t i = 0; i < references->size(); ++i) {
    const json& reference = (*references)[i];
    if (auto error =
            check_catalog_reference(reference, "catalogReferences[" + std::to_string(i) + "]")) {
      return *error;
    }
    json key = reference_key(reference);
    auto n = std::count_if(requests_.begin(), requests_.end(), [&](const json& r) {
      return reference_key(r["catalogReference"]) == key;
    });
    counts.push_back({{"catalogReference", reference}, {"count", n}});
  }
  return {200, json{{"countsPerCatalogReference", counts}}.dump()};
}

Reply Store::set_collecting(const json& body, bool on) {
  std::string app_id = string_or_empty(body, "appId");
  if (app_id.empty()) return one_violation("appId", "is required");
  if (on && app_id != kWixStoresAppId) {
    return app_error(428, "NOT_SUPPORTED_APP_DEF_ID",
                     "App is not supported for back in stock requests");
  }
  if (on || collecting_.count(app_id) != 0) collecting_[app_id] = on;
  return {200, settings_json().dump()};
}

json* Store::find_request(const std::string& id) {
  for (auto& r : requests_) {
    if (r["id"] == id) return &r;
  }
  return nullptr;
}

json Store::settings_json() const {
  json states = json::array();
  for (const auto& [app, on] : collecting_) {
    states.push_back({{"appId", app}, {"collectingRequests", on}});
  }
  return {{"settings", {{"collectionStates", states}}}};
}

}  // namespace wix::backinstock::emulator::detail
