#include "store.h"

#include <algorithm>
#include <chrono>

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
  // Each container is replaced, not cleared: a cleared hash table keeps its buckets.
  requests_.clear();
  std::unordered_map<std::string, Guid>().swap(contacts_);
  collecting_.clear();
  collecting_[kWixStoresAppId] = collecting_by_default_;
  reports_ = json::array();
  notifications_ = json::array();
}

Reply Store::query(const json& body) const { return evaluate_query(requests_, body); }

Reply Store::settings() const { return {200, settings_json().dump()}; }

std::string Store::requests_json() const {
  json all = json::array();
  requests_.walk(false, std::nullopt, [&](const Record& r) {
    all.push_back(requests_.to_json(r));
    return true;
  });
  return json{{"requests", std::move(all)}}.dump(2);
}

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
  json notified = json::array();
  if (reference != nullptr) {
    if (auto identity = requests_.identity(*reference)) {
      for (std::uint64_t seq : requests_.of_identity(*identity)) {
        notify(*requests_.by_seq(seq), rendered, notified);
      }
    }
  } else {
    for (const auto& id : *ids) {
      if (Record* r = requests_.by_id(id.get_ref<const std::string&>())) {
        notify(*r, rendered, notified);
      }
    }
  }
  json record = {{"template", rendered}, {"notifiedRequestIds", notified}};
  if (reference != nullptr) record["catalogReference"] = *reference;
  if (has_ids) record["requestIds"] = *ids;
  reports_.push_back(std::move(record));
  return {200, "{}"};
}

void Store::notify(Record& r, const json& rendered, json& notified) {
  std::string email = lower(r.email);
  bool undeliverable = email.size() >= 8 && email.compare(email.size() - 8, 8, ".invalid") == 0;
  r.auto_notified = 1;
  requests_.set_status(r, undeliverable ? Status::kFailed : Status::kNotificationSent);
  json entity = requests_.to_json(r);
  events_("updated", entity);
  if (undeliverable) return;
  notifications_.push_back(
      {{"requestId", entity["id"]}, {"email", r.email}, {"template", rendered}});
  notified.push_back(entity["id"]);
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
  json stored_reference = {{"appId", app_id},
                           {"catalogItemId", string_or_empty(*reference, "catalogItemId")}};
  if (const json* options = find(*reference, "options")) stored_reference["options"] = *options;
  std::string contact_key = lower(email);
  auto contact = contacts_.find(contact_key);
  if (contact != contacts_.end()) {
    auto identity = requests_.identity(stored_reference);
    if (const Record* existing =
            identity ? requests_.duplicate(contact->second, *identity) : nullptr) {
      if (duplicate_conflict_) {
        return app_error(409, "BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS",
                         "Back in stock notification request already exists");
      }
      return {200, json{{"request", requests_.to_json(*existing)}}.dump()};  // the existing one
    }
  } else {
    contact = contacts_.emplace(std::move(contact_key), Guid::random(rng_)).first;
  }
  Record record;
  record.id = Guid::random(rng_);
  record.contact = contact->second;
  record.form = requests_.intern(stored_reference);
  record.email = email;
  std::string created = now_timestamp(last_created_ms_);
  std::copy_n(created.begin(), record.created.size(), record.created.begin());
  if (const json* item_url = find(*request, "itemUrl")) {
    record.has_item_url = true;
    record.item_url = item_url->get<std::string>();
  }
  json entity = requests_.to_json(requests_.insert(std::move(record)));
  events_("created", entity);
  return {200, json{{"request", entity}}.dump()};
}

Reply Store::get(const std::string& id) const {
  if (const Record* r = requests_.by_id(id)) {
    return {200, json{{"request", requests_.to_json(*r)}}.dump()};
  }
  return app_error(404, "NOT_FOUND", "Entity not found");
}

Reply Store::remove(const std::string& id) {
  const Record* r = requests_.by_id(id);
  if (r == nullptr) return app_error(404, "NOT_FOUND", "Entity not found");
  events_("deleted", requests_.to_json(*r));
  requests_.erase(*r);
  return {200, "{}"};
}

Reply Store::mark_sent(const std::string& id) {
  Record* r = requests_.by_id(id);
  if (r == nullptr) {
    return app_error(428, "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND",
                     "Back in stock notification request not found");
  }
  requests_.set_status(*r, Status::kNotificationSent);
  r->auto_notified = 0;
  json entity = requests_.to_json(*r);
  events_("updated", entity);
  return {200, json{{"request", entity}}.dump()};
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
    auto identity = requests_.identity(reference);
    std::size_t n = identity ? requests_.of_identity(*identity).size() : 0;
    counts.push_back({{"catalogReference", reference}, {"count", n}});
  }
  return {200, json{{"countsPerCatalogReference", counts}}.dump()};
}

Reply Store::seed(const json& body) {
  const json* count = find(body, "count");
  if (count == nullptr || !count->is_number_integer() || count->get<long long>() < 1 ||
      count->get<long long>() > kMaxSeed) {
    return one_violation("count", "must be an integer from 1 to 1000000", "MAX");
  }
  long long n = count->get<long long>();
  long long items = std::max(1LL, n / 10);
  if (const json* m = find(body, "catalogItems")) {
    if (!m->is_number_integer() || m->get<long long>() < 1 || m->get<long long>() > n) {
      return one_violation("catalogItems", "must be an integer from 1 to count", "MAX");
    }
    items = m->get<long long>();
  }
  using namespace std::chrono;
  long long now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  long long first_ms = std::max(last_created_ms_ + 1, now - n);
  std::vector<std::uint32_t> forms;
  forms.reserve(static_cast<std::size_t>(items));
  for (long long i = 0; i < items; ++i) {
    forms.push_back(requests_.intern(
        {{"appId", kWixStoresAppId}, {"catalogItemId", "seed-item-" + std::to_string(i)}}));
  }
  std::string batch = std::to_string(++seed_batches_);
  for (long long i = 0; i < n; ++i) {
    Record record;
    record.id = Guid::random(rng_);
    record.email = "seed" + batch + "." + std::to_string(i) + "@example.com";
    record.contact = contacts_.emplace(record.email, Guid::random(rng_)).first->second;
    record.form = forms[static_cast<std::size_t>(i % items)];
    std::string created = format_timestamp(first_ms + i);
    std::copy_n(created.begin(), record.created.size(), record.created.begin());
    requests_.insert(std::move(record));
  }
  last_created_ms_ = first_ms + n - 1;
  return {200, json{{"seeded", n}, {"total", requests_.size()}}.dump()};
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

json Store::settings_json() const {
  json states = json::array();
  for (const auto& [app, on] : collecting_) {
    states.push_back({{"appId", app}, {"collectingRequests", on}});
  }
  return {{"settings", {{"collectionStates", states}}}};
}

}  // namespace wix::backinstock::emulator::detail
