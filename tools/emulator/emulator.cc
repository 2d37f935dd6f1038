#include "emulator.h"

#include "untrusted_json.h"
#include "webhook_signer.h"

#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace wix::backinstock::emulator {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr char kPrefix[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";
constexpr char kWixStoresAppId[] = "215238eb-22a5-4c36-9e7b-e7c08025e04e";
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 100;

// An answer: status and JSON body.
struct Reply {
  int status = 200;
  std::string body = "{}";
};

Reply app_error(int status, const std::string& code, const std::string& description) {
  ordered_json body = {
      {"message", description},
      {"details",
       {{"applicationError",
         {{"code", code}, {"description", description}, {"data", json::object()}}}}}};
  return {status, body.dump()};
}

struct Violation {
  std::string field;
  std::string description;
  std::string rule;
  std::string rule_name;
};

Reply validation_error(const std::vector<Violation>& violations) {
  std::string message = "INVALID_ARGUMENT:";
  ordered_json list = ordered_json::array();
  for (const auto& v : violations) {
    message += (list.empty() ? " \"" : ", \"") + v.field + "\" " + v.description;
    ordered_json entry = {
        {"field", v.field}, {"description", v.description}, {"violatedRule", v.rule}};
    if (!v.rule_name.empty()) entry["ruleName"] = v.rule_name;
    entry["data"] = json::object();
    list.push_back(std::move(entry));
  }
  ordered_json body = {{"message", message},
                       {"details", {{"validationError", {{"fieldViolations", list}}}}}};
  return {400, body.dump()};
}

Reply one_violation(const std::string& field, const std::string& description,
                    const std::string& rule = "REQUIRED_FIELD") {
  return validation_error({{field, description, rule, ""}});
}

std::string now_timestamp(long long& last_ms) {
  using namespace std::chrono;
  long long ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  if (ms <= last_ms) ms = last_ms + 1;  // strictly increasing, so creation order is sortable
  last_ms = ms;
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (in[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool is_http_url(const std::string& url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool is_decimal(const std::string& s) {
  std::size_t i = 0, digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  std::size_t frac = 0;
  for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++frac;
  return frac > 0 && i == s.size();
}

bool is_email(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string::npos && s.find('.', at) != std::string::npos &&
         std::none_of(s.begin(), s.end(),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const json* find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_or_empty(const json& object, const char* key) {
  const json* v = find(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// Checks `itemDetails` as the service does; nullopt when valid.
std::optional<Reply> check_item_details(const json& body) {
  const json* details = find(body, "itemDetails");
  std::vector<Violation> violations;
  if (details == nullptr || !details->is_object()) {
    violations.push_back({"itemDetails", "is required", "REQUIRED_FIELD", ""});
    return validation_error(violations);
  }
  if (string_or_empty(*details, "name").empty()) {
    violations.push_back({"itemDetails.name", "is required", "REQUIRED_FIELD", ""});
  }
  const json* price = find(*details, "price");
  if (price == nullptr || !price->is_string() || price->get<std::string>().empty()) {
    violations.push_back({"itemDetails.price", "is required", "REQUIRED_FIELD", ""});
  } else if (!is_decimal(price->get<std::string>())) {
    violations.push_back(
        {"itemDetails.price", "must be greater than or equal to 0", "OTHER", "DECIMAL_GTE"});
  }
  if (!violations.empty()) return validation_error(violations);
  if (const json* image = find(*details, "image")) {
    std::string url = string_or_empty(*image, "url");
    if (!image->is_object() || (!is_http_url(url) && url.rfind("wix:image://", 0) != 0)) {
      return app_error(400, "INVALID_ITEM_IMAGE_URL", "Item image URL is invalid");
    }
  }
  return std::nullopt;
}

// Checks a catalog reference at `path`; nullopt when valid.
std::optional<Reply> check_catalog_reference(const json& reference, const std::string& path) {
  if (!reference.is_object()) return one_violation(path, "is required");
  std::string item = string_or_empty(reference, "catalogItemId");
  if (item.empty()) return one_violation(path + ".catalogItemId", "is required");
  if (item.size() > 36) {
    return one_violation(path + ".catalogItemId", "must be at most 36 characters", "MAX_LENGTH");
  }
  if (string_or_empty(reference, "appId").empty()) {
    return one_violation(path + ".appId", "is required");
  }
  return std::nullopt;
}

// The identity of a catalog reference: appId, catalogItemId and options compared structurally.
json reference_key(const json& reference) {
  json key = {{"appId", string_or_empty(reference, "appId")},
              {"catalogItemId", string_or_empty(reference, "catalogItemId")}};
  const json* options = find(reference, "options");
  key["options"] = options != nullptr && options->is_object() ? *options : json::object();
  return key;
}

std::string random_guid(std::mt19937_64& rng) {
  std::uniform_int_distribution<unsigned> hex(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (auto& c : out) {
    if (c == 'x') c = kHex[hex(rng)];
  }
  return out;
}

// ---- Query evaluation ------------------------------------------------------------------------

const char* const kQueryFields[] = {"id",           "contactId",   "status",
                                    "autoNotified", "createdDate", "itemUrl"};

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
  const json* value = find(entity, field.c_str());
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
      matches_field(json::object(), key, condition);  // throws on a bad operator or operand
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

// ---- The service -------------------------------------------------------------------------------

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)),
        rng(std::random_device{}()),
        signer(options.webhook_private_key_pem.empty()
                   ? WebhookSigner::generate()
                   : WebhookSigner(options.webhook_private_key_pem)) {
    webhook_url = options.webhook_url;
    reset_locked();
  }

  ~Impl() { stop_delivery(); }

  EmulatorOptions options;
  httplib::Server server;
  std::thread thread;
  std::atomic<int> port{0};
  int listen_fd = -1;
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> concurrent{0};
  std::atomic<std::size_t> max_concurrent{0};

  mutable std::mutex mutex;                                             // guards everything below
  std::map<std::string, std::chrono::steady_clock::time_point> tokens;  // token -> expiry
  std::string webhook_url;
  std::map<std::string, long long> sequences;  // entity ID -> last entityEventSequence
  std::vector<Fault> faults;
  std::vector<std::pair<std::string, std::string>> seen;  // (method, path) of each request
  std::set<std::pair<std::string, int>> peers;  // (address, port) of connections that were served
  std::mt19937_64 rng;
  std::vector<json> requests;                   // in creation order
  std::map<std::string, std::string> contacts;  // lower-cased e-mail -> contact ID
  std::map<std::string, bool> collecting;       // app ID -> collecting requests
  json reports = json::array();
  json notifications = json::array();
  long long last_created_ms = 0;

  // Webhook delivery: a queue drained by one worker thread.
  WebhookSigner signer;
  mutable std::mutex delivery_mutex;
  mutable std::condition_variable delivery_cv;
  std::deque<std::pair<std::string, std::string>> outgoing;  // (url, body)
  std::size_t delivered = 0;
  bool delivery_stop = false;
  std::thread delivery_thread;

  // Queues a webhook for `entity` (called with `mutex` held).
  void emit(const char* slug, const json& entity) {
    if (webhook_url.empty()) return;
    using namespace std::chrono;
    std::string id = entity["id"].get<std::string>();
    long long sequence = ++sequences[id];
    json domain = {{"id", random_guid(rng)},
                   {"entityFqdn", "wix.ecom.v1.back_in_stock_notification_request"},
                   {"slug", slug},
                   {"entityId", id},
                   {"eventTime", now_timestamp(last_event_ms)},
                   {"triggeredByAnonymizeRequest", false},
                   {"entityEventSequence", std::to_string(sequence)}};
    std::string event_type = std::string("wix.ecom.v1.back_in_stock_notification_request_") + slug;
    if (std::string(slug) == "created") domain["createdEvent"] = {{"entity", entity}};
    if (std::string(slug) == "updated") domain["updatedEvent"] = {{"currentEntity", entity}};
    if (std::string(slug) == "deleted") domain["deletedEvent"] = json::object();
    long long now_s = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    std::string body = signer.sign_event(event_type, options.instance_id, domain.dump(),
                                         R"({"identityType":"APP"})", now_s, now_s + 3600);
    std::lock_guard<std::mutex> guard(delivery_mutex);
    if (!delivery_thread.joinable()) {
      delivery_thread = std::thread([this] { deliver_loop(); });
    }
    outgoing.emplace_back(webhook_url, std::move(body));
    delivery_cv.notify_all();
  }
  long long last_event_ms = 0;

  void deliver_loop() {
    std::unique_lock<std::mutex> lock(delivery_mutex);
    for (;;) {
      delivery_cv.wait(lock, [this] { return delivery_stop || !outgoing.empty(); });
      if (outgoing.empty()) return;  // stopping, nothing left
      auto [url, body] = std::move(outgoing.front());
      outgoing.pop_front();
      lock.unlock();
      post_webhook(url, body);
      lock.lock();
      ++delivered;
      delivery_cv.notify_all();
      if (delivery_stop && outgoing.empty()) return;
    }
  }

  static void post_webhook(const std::string& url, const std::string& body) {
    // url: scheme://host[:port][/path]
    auto scheme_end = url.find("://");
    auto path_start =
        scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
    std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
    httplib::Client client(origin);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(5));
    client.Post(path.c_str(), body, "text/plain");
  }

  void stop_delivery() {
    {
      std::lock_guard<std::mutex> guard(delivery_mutex);
      delivery_stop = true;
      delivery_cv.notify_all();
    }
    if (delivery_thread.joinable()) delivery_thread.join();
  }

  Reply issue_token(const json& body) {
    std::string grant = string_or_empty(body, "grant_type");
    std::string client_id = string_or_empty(body, "client_id");
    std::string secret = string_or_empty(body, "client_secret");
    std::string instance = string_or_empty(body, "instance_id");
    if (grant != "client_credentials") {
      return app_error(400, "INVALID_GRANT_TYPE", "grant_type must be client_credentials");
    }
    if (client_id.empty() || secret.empty() || instance.empty()) {
      return one_violation(client_id.empty() ? "client_id"
                           : secret.empty()  ? "client_secret"
                                             : "instance_id",
                           "is required");
    }
    bool known = std::any_of(options.apps.begin(), options.apps.end(), [&](const EmulatorApp& app) {
      return app.app_id == client_id && app.app_secret == secret;
    });
    if (!known) return app_error(401, "UNAUTHENTICATED", "Unknown app or wrong secret");
    std::string token = "OAUTH2.emulator." + random_guid(rng);
    tokens[token] = std::chrono::steady_clock::now() + options.token_lifetime;
    json out = {{"access_token", token},
                {"token_type", "Bearer"},
                {"expires_in", options.token_lifetime.count()}};
    return {200, out.dump()};
  }

  void reset_locked() {
    requests.clear();
    contacts.clear();
    collecting.clear();
    collecting[kWixStoresAppId] = options.collecting_by_default;
    reports = json::array();
    notifications = json::array();
    seen.clear();
    faults.clear();
    tokens.clear();
    sequences.clear();
  }

  json* find_request(const std::string& id) {
    for (auto& r : requests) {
      if (r["id"] == id) return &r;
    }
    return nullptr;
  }

  json settings_json() const {
    json states = json::array();
    for (const auto& [app, on] : collecting) {
      states.push_back({{"appId", app}, {"collectingRequests", on}});
    }
    return {{"settings", {{"collectionStates", states}}}};
  }

  // -- handlers, called with the mutex held --

  Reply report(const json& body) {
    const json* reference = find(body, "catalogReference");
    const json* ids = find(body, "requestIds");
    bool has_ids = ids != nullptr && ids->is_array() && !ids->empty();
    if (reference != nullptr && has_ids) {
      return app_error(400, "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS",
                       "Request contains both catalogReference and requestIds");
    }
    if (reference == nullptr && !has_ids) {
      return one_violation("catalogReference",
                           "one of catalogReference and requestIds is required");
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
      for (auto& r : requests) {
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
        emit("updated", *r);
        continue;
      }
      (*r)["status"] = "NOTIFICATION_SENT";
      emit("updated", *r);
      notifications.push_back(
          {{"requestId", (*r)["id"]}, {"email", email}, {"template", rendered}});
      notified.push_back((*r)["id"]);
    }
    json record = {{"template", rendered}, {"notifiedRequestIds", notified}};
    if (reference != nullptr) record["catalogReference"] = *reference;
    if (has_ids) record["requestIds"] = *ids;
    reports.push_back(std::move(record));
    return {200, "{}"};
  }

  Reply create(const json& body) {
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
      if (!options->is_object() ||
          (find(*options, "variantId") != nullptr &&
           (!variant->is_string() || variant->get<std::string>().empty()))) {
        return app_error(400, "INVALID_CATALOG_REFERENCE_OPTIONS",
                         "Catalog reference options are invalid");
      }
    }
    std::string app_id = string_or_empty(*reference, "appId");
    auto state = collecting.find(app_id);
    if (state == collecting.end() || !state->second) {
      return app_error(428, "REQUEST_COLLECTION_DISABLED",
                       "Collecting back in stock requests is disabled for this app");
    }
    json key = reference_key(*reference);
    for (const auto& r : requests) {
      if (lower(r["email"].get<std::string>()) == lower(email) &&
          reference_key(r["catalogReference"]) == key) {
        return {200, json{{"request", r}}.dump()};  // deduplicated: the existing request
      }
    }
    auto& contact = contacts[lower(email)];
    if (contact.empty()) contact = random_guid(rng);
    json stored_reference = {{"appId", app_id},
                             {"catalogItemId", string_or_empty(*reference, "catalogItemId")}};
    if (const json* options = find(*reference, "options")) stored_reference["options"] = *options;
    json entity = {{"id", random_guid(rng)}, {"catalogReference", stored_reference},
                   {"email", email},         {"contactId", contact},
                   {"status", "RECEIVED"},   {"createdDate", now_timestamp(last_created_ms)}};
    if (const json* item_url = find(*request, "itemUrl")) entity["itemUrl"] = *item_url;
    requests.push_back(entity);
    emit("created", entity);
    return {200, json{{"request", entity}}.dump()};
  }

  Reply get(const std::string& id) {
    if (json* r = find_request(id)) return {200, json{{"request", *r}}.dump()};
    return app_error(404, "NOT_FOUND", "Entity not found");
  }

  Reply remove(const std::string& id) {
    auto it = std::find_if(requests.begin(), requests.end(),
                           [&](const json& r) { return r["id"] == id; });
    if (it == requests.end()) return app_error(404, "NOT_FOUND", "Entity not found");
    emit("deleted", *it);
    requests.erase(it);
    return {200, "{}"};
  }

  Reply mark_sent(const std::string& id) {
    json* r = find_request(id);
    if (r == nullptr) {
      return app_error(428, "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND",
                       "Back in stock notification request not found");
    }
    (*r)["status"] = "NOTIFICATION_SENT";
    (*r)["autoNotified"] = false;
    emit("updated", *r);
    return {200, json{{"request", *r}}.dump()};
  }

  Reply query(const json& body) {
    const json* query = find(body, "query");
    json q = query != nullptr && query->is_object() ? *query : json::object();
    const json* paging = find(q, "cursorPaging");
    int limit = kDefaultLimit;
    if (paging != nullptr) {
      if (const json* l = find(*paging, "limit")) {
        if (!l->is_number_integer() || l->get<int>() < 0 || l->get<int>() > kMaxLimit) {
          return one_violation("query.cursorPaging.limit", "must be at most 100", "MAX");
        }
        if (l->get<int>() > 0) limit = l->get<int>();
      }
    }
    std::size_t offset = 0;
    json filter = find(q, "filter") ? q["filter"] : json();
    json sort = find(q, "sort") ? q["sort"] : json::array();
    if (const json* cursor = paging != nullptr ? find(*paging, "cursor") : nullptr) {
      if (find(q, "filter") != nullptr || find(q, "sort") != nullptr) {
        return one_violation("query.cursorPaging.cursor",
                             "a cursor cannot be combined with filter or sort", "OTHER");
      }
      auto decoded =
          cursor->is_string() ? base64url_decode(cursor->get<std::string>()) : std::nullopt;
      json state = decoded ? internal::parse_untrusted(*decoded).value : json();
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
      keys.emplace_back(field, string_or_empty(s, "order") == "DESC");
    }
    if (keys.empty()) keys.emplace_back("createdDate", true);
    std::stable_sort(hits.begin(), hits.end(), [&](const json* a, const json* b) {
      for (const auto& [field, descending] : keys) {
        const json* x = find(*a, field.c_str());
        const json* y = find(*b, field.c_str());
        int c =
            x == nullptr ? (y == nullptr ? 0 : -1) : (y == nullptr ? 1 : compare_values(*x, *y));
        if (c != 0) return descending ? c > 0 : c < 0;
      }
      return false;
    });
    json page = json::array();
    for (std::size_t i = offset; i < hits.size() && page.size() < static_cast<std::size_t>(limit);
         ++i) {
      page.push_back(*hits[i]);
    }
    json cursors = json::object();
    auto make_cursor = [&](std::size_t at) {
      return base64url(json{{"f", filter}, {"s", sort}, {"o", at}}.dump());
    };
    if (offset + page.size() < hits.size()) cursors["next"] = make_cursor(offset + page.size());
    if (offset > 0)
      cursors["prev"] = make_cursor(offset > static_cast<std::size_t>(limit) ? offset - limit : 0);
    json out = {{"requests", page}, {"metadata", {{"count", page.size()}, {"cursors", cursors}}}};
    return {200, out.dump()};
  }

  Reply count(const json& body) {
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
      auto n = std::count_if(requests.begin(), requests.end(), [&](const json& r) {
        return reference_key(r["catalogReference"]) == key;
      });
      counts.push_back({{"catalogReference", reference}, {"count", n}});
    }
    return {200, json{{"countsPerCatalogReference", counts}}.dump()};
  }

  Reply set_collecting(const json& body, bool on) {
    std::string app_id = string_or_empty(body, "appId");
    if (app_id.empty()) return one_violation("appId", "is required");
    if (on && app_id != kWixStoresAppId) {
      return app_error(428, "NOT_SUPPORTED_APP_DEF_ID",
                       "App is not supported for back in stock requests");
    }
    if (on || collecting.count(app_id) != 0) collecting[app_id] = on;
    return {200, settings_json().dump()};
  }

  // -- routing --

  Reply route(const httplib::Request& req) {
    std::string_view target = req.target;
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query_string =
        target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);

    if (path == "/_emulator/outbox" && req.method == "GET") {
      return {200, outbox_locked()};
    }
    if (path == "/_emulator/reset" && req.method == "POST") {
      reset_locked();
      return {200, "{}"};
    }
    if (path == "/_emulator/faults") {
      if (req.method == "DELETE") {
        faults.clear();
        return {200, "{}"};
      }
      if (req.method != "POST") return method_not_allowed();
      json body = internal::parse_untrusted(req.body).value;
      auto fault = fault_from_json(body);
      if (!fault) return one_violation("fault", "is not a valid fault", "FORMAT");
      faults.push_back(std::move(*fault));
      return {200, "{}"};
    }
    if (path == "/_emulator/webhooks" && req.method == "POST") {
      json body = internal::parse_untrusted(req.body).value;
      if (!body.is_object() || !body.contains("url") || !body["url"].is_string()) {
        return one_violation("url", "is required");
      }
      webhook_url = body["url"].get<std::string>();
      return {200, "{}"};
    }
    if (path == "/_emulator/revoke-tokens" && req.method == "POST") {
      tokens.clear();
      return {200, "{}"};
    }
    if (path == "/oauth2/token") {
      if (req.method != "POST") return method_not_allowed();
      json body = internal::parse_untrusted(req.body).value;
      if (!body.is_object()) return one_violation("body", "is not a JSON object", "FORMAT");
      return issue_token(body);
    }
    std::string_view prefix = kPrefix;
    if (path.substr(0, prefix.size()) != prefix) return not_found();
    if (auto denied = authenticate(req)) return *denied;
    std::string_view rest = path.substr(prefix.size());

    auto body_json = [&]() -> std::optional<json> {
      json body = internal::parse_untrusted(req.body).value;
      if (body.is_discarded() || !body.is_object()) return std::nullopt;
      return body;
    };
    auto dot_r = [&]() -> std::optional<json> {
      std::string_view qs = query_string;
      while (!qs.empty()) {
        auto amp = qs.find('&');
        auto pair = qs.substr(0, amp);
        if (pair.substr(0, 3) == ".r=") {
          auto decoded = base64url_decode(percent_decode(pair.substr(3)));
          if (!decoded) return std::nullopt;
          json body = internal::parse_untrusted(*decoded).value;
          if (body.is_discarded() || !body.is_object()) return std::nullopt;
          return body;
        }
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
      }
      return json::object();
    };
    const Reply bad_body = one_violation("body", "is not a JSON object", "FORMAT");
    const std::string& m = req.method;

    if (rest.empty() || rest == "/") {
      if (m == "POST") {
        auto body = body_json();
        return body ? create(*body) : bad_body;
      }
      if (m == "GET") {
        auto body = dot_r();
        return body ? query(*body) : one_violation(".r", "is not base64url JSON", "FORMAT");
      }
      return method_not_allowed();
    }
    if (rest == "/query") {
      if (m != "POST") return method_not_allowed();
      auto body = body_json();
      return body ? query(*body) : bad_body;
    }
    if (rest == "/count-by-catalog-reference") {
      if (m != "GET") return method_not_allowed();
      auto body = dot_r();
      return body ? count(*body) : one_violation(".r", "is not base64url JSON", "FORMAT");
    }
    if (rest == "/report-items-back-in-stock") {
      if (m != "POST") return method_not_allowed();
      auto body = body_json();
      return body ? report(*body) : bad_body;
    }
    if (rest == "/settings") {
      if (m != "PUT") return method_not_allowed();
      return {200, settings_json().dump()};
    }
    if (rest == "/settings/start-collecting" || rest == "/settings/stop-collecting") {
      if (m != "POST") return method_not_allowed();
      auto body = body_json();
      return body ? set_collecting(*body, rest == "/settings/start-collecting") : bad_body;
    }
    // /{id} and /{id}/mark-as-notification-sent; the ID is one percent-encoded segment.
    std::string_view segment = rest.substr(1);
    constexpr std::string_view kMark = "/mark-as-notification-sent";
    bool mark =
        segment.size() > kMark.size() && segment.substr(segment.size() - kMark.size()) == kMark;
    if (mark) segment.remove_suffix(kMark.size());
    if (segment.empty() || segment.find('/') != std::string_view::npos) return not_found();
    std::string id = percent_decode(segment);
    if (mark) return m == "PUT" ? mark_sent(id) : method_not_allowed();
    if (m == "GET") return get(id);
    if (m == "DELETE") return remove(id);
    return method_not_allowed();
  }

  std::optional<Reply> authenticate(const httplib::Request& req) const {
    std::string key = req.get_header_value("Authorization");
    if (key.empty()) return app_error(401, "UNAUTHENTICATED", "Unauthorized");
    if (key.rfind("OAUTH2.", 0) == 0) {  // an access token: it names its app instance itself
      auto token = tokens.find(key);
      if (token == tokens.end() || std::chrono::steady_clock::now() >= token->second) {
        return app_error(401, "UNAUTHENTICATED", "Access token is expired or unknown");
      }
      return std::nullopt;
    }
    if (!options.api_keys.empty() && std::find(options.api_keys.begin(), options.api_keys.end(),
                                               key) == options.api_keys.end()) {
      return app_error(401, "UNAUTHENTICATED", "Unauthorized");
    }
    if (req.get_header_value("wix-site-id").empty()) {
      return app_error(403, "PERMISSION_DENIED", "Permission denied: wix-site-id is required");
    }
    return std::nullopt;
  }

  static Reply not_found() { return app_error(404, "NOT_FOUND", "Not found"); }
  static Reply method_not_allowed() {
    return app_error(404, "NOT_FOUND", "No such method on this path");
  }

  std::string outbox_locked() const {
    return json{{"reports", reports}, {"notifications", notifications}}.dump(2);
  }

  void install_routes() {
    std::size_t threads = std::max<std::size_t>(options.threads, 2);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(100000);
    server.set_tcp_nodelay(true);
    // cpp-httplib listens with a backlog of 5: a burst of new connections overflows it and each
    // dropped SYN costs a client a one-second retransmission. Remember the socket to widen it.
    server.set_socket_options([this](int fd) {
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      listen_fd = fd;
    });
    // Every route is dispatched by `route` on the raw target, so that percent-encoded IDs are
    // decoded only once, as one path segment.
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      received.fetch_add(1);
      struct Gauge {
        Impl* impl;
        explicit Gauge(Impl* i) : impl(i) {
          auto now = ++impl->concurrent;
          auto seen = impl->max_concurrent.load();
          while (now > seen && !impl->max_concurrent.compare_exchange_weak(seen, now)) {
          }
        }
        ~Gauge() { --impl->concurrent; }
      } gauge(this);
      std::string path = req.target.substr(0, req.target.find('?'));
      std::optional<Fault> fault;
      {
        std::lock_guard<std::mutex> guard(mutex);
        seen.emplace_back(req.method, path);
        bool reused = !peers.emplace(req.remote_addr, req.remote_port).second;
        fault = take_fault(req.method, path, reused);
      }
      res.set_header("x-wix-request-id", request_id());
      using Kind = Fault::Kind;
      if (fault && fault->kind == Kind::kDelay) std::this_thread::sleep_for(fault->delay);
      if (fault && (fault->kind == Kind::kStatus || fault->kind == Kind::kHtmlError)) {
        bool html = fault->kind == Kind::kHtmlError;
        res.status = html ? 502 : fault->status;
        for (const auto& [name, value] : fault->headers) res.set_header(name, value);
        res.set_content(html ? "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad "
                               "Gateway</h1></body></html>"
                             : fault->body,
                        html ? "text/html" : "application/json");
        return;
      }
      if (fault && fault->kind == Kind::kDropBefore) {
        cut(res, "{}", 0);
        return;
      }
      if (fault && fault->kind == Kind::kCloseAfterRead) {
        close_silently(req);
        return;
      }
      Reply reply;
      {
        std::lock_guard<std::mutex> guard(mutex);
        reply = route(req);
      }
      res.status = reply.status;
      if (!fault || fault->kind == Kind::kDelay) {
        res.set_content(reply.body, "application/json");
      } else if (fault->kind == Kind::kDropAfter) {
        cut(res, reply.body, 0);
      } else if (fault->kind == Kind::kTruncatedBody) {
        cut(res, reply.body, reply.body.size() / 2);
      } else if (fault->kind == Kind::kMalformedJson) {
        res.status = 200;
        res.set_content(R"({"request": {"id": "trunc)", "application/json");
      } else if (fault->kind == Kind::kOversizedBody) {
        res.status = 200;
        std::size_t size = std::max<std::size_t>(fault->size, 2);
        res.set_content_provider(size, "application/json",
                                 [size](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                   static const std::string kChunk(std::size_t{64} << 10, ' ');
                                   if (offset == 0) return sink.write("{", 1);
                                   std::size_t left = size - offset;
                                   if (left == 1) return sink.write("}", 1);
                                   return sink.write(kChunk.data(),
                                                     std::min(left - 1, kChunk.size()));
                                 });
      }
    };
    server.Get(".*", handler);
    server.Post(".*", handler);
    server.Put(".*", handler);
    server.Delete(".*", handler);
    server.Patch(".*", handler);
  }

  // Announces `body` in full, sends its first `keep` bytes, then drops the connection.
  static void cut(httplib::Response& res, std::string body, std::size_t keep) {
    auto length = std::max<std::size_t>(body.size(), 2);
    res.set_content_provider(
        length, "application/json",
        [body = std::move(body), keep](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          if (offset < keep) sink.write(body.data() + offset, keep - offset);
          return false;  // abort: the connection is closed mid-answer
        });
  }

  // Closes the connection `req` came on without writing a byte: cpp-httplib does not hand out the
  // socket, so it is found by its two addresses, and shut down (the server's later write fails).
  void close_silently(const httplib::Request& req) const {
    for (int fd = 0; fd < 4096; ++fd) {
      sockaddr_storage local{}, remote{};
      socklen_t local_len = sizeof local, remote_len = sizeof remote;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
          ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) {
        continue;
      }
      if (port_of(local) == port && port_of(remote) == req.remote_port) {
        ::shutdown(fd, SHUT_RDWR);
        return;
      }
    }
  }

  static int port_of(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
      return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    }
    if (address.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    }
    return -1;
  }

  std::optional<Fault> take_fault(const std::string& method, const std::string& path,
                                  bool reused_connection) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->kind == Fault::Kind::kCloseAfterRead && !reused_connection) continue;
      bool method_ok = it->method.empty() || it->method == method;
      bool path_ok = it->path.empty() ||
                     (path.size() >= it->path.size() &&
                      path.compare(path.size() - it->path.size(), it->path.size(), it->path) == 0);
      if (!method_ok || !path_ok || path.rfind("/_emulator/", 0) == 0) continue;
      Fault fault = *it;
      if (--it->times <= 0) faults.erase(it);
      return fault;
    }
    return std::nullopt;
  }

  static std::optional<Fault> fault_from_json(const json& j) {
    static const std::pair<const char*, Fault::Kind> kKinds[] = {
        {"delay", Fault::Kind::kDelay},
        {"status", Fault::Kind::kStatus},
        {"drop_before", Fault::Kind::kDropBefore},
        {"drop_after", Fault::Kind::kDropAfter},
        {"truncated", Fault::Kind::kTruncatedBody},
        {"malformed", Fault::Kind::kMalformedJson},
        {"html", Fault::Kind::kHtmlError},
        {"oversized", Fault::Kind::kOversizedBody},
        {"close_after_read", Fault::Kind::kCloseAfterRead}};
    if (!j.is_object()) return std::nullopt;
    Fault fault;
    std::string kind = string_or_empty(j, "kind");
    bool known = false;
    for (const auto& [name, value] : kKinds) {
      if (kind == name) {
        fault.kind = value;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    fault.method = string_or_empty(j, "method");
    fault.path = string_or_empty(j, "path");
    auto number = [&](const char* key, long long fallback,
                      long long max) -> std::optional<long long> {
      const json* v = find(j, key);
      if (v == nullptr) return fallback;
      if (!v->is_number_integer() || v->get<long long>() < 0 || v->get<long long>() > max) {
        return std::nullopt;
      }
      return v->get<long long>();
    };
    auto times = number("times", 1, 1'000'000);
    auto status = number("status", 500, 599);
    auto delay = number("delay_ms", 0, 60'000);
    auto size = number("size", 16 << 20, 1LL << 30);
    if (!times || !status || !delay || !size || *status < 100) return std::nullopt;
    fault.times = static_cast<int>(*times);
    fault.status = static_cast<int>(*status);
    fault.delay = std::chrono::milliseconds(*delay);
    fault.size = static_cast<std::size_t>(*size);
    if (const json* body = find(j, "body")) {
      if (!body->is_string()) return std::nullopt;
      fault.body = body->get<std::string>();
    }
    if (const json* headers = find(j, "headers")) {
      if (!headers->is_object()) return std::nullopt;
      for (const auto& [name, value] : headers->items()) {
        if (!value.is_string()) return std::nullopt;
        fault.headers[name] = value.get<std::string>();
      }
    }
    return fault;
  }

  std::string request_id() {
    std::lock_guard<std::mutex> guard(mutex);
    return random_guid(rng);
  }
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->install_routes();
}

Emulator::~Emulator() { stop(); }

int Emulator::start() {
  int port = bind();
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

void Emulator::run() {
  if (impl_->port == 0) bind();
  impl_->server.listen_after_bind();
}

int Emulator::bind() {
  int port = impl_->options.port == 0
                 ? impl_->server.bind_to_any_port(impl_->options.host)
                 : (impl_->server.bind_to_port(impl_->options.host, impl_->options.port)
                        ? impl_->options.port
                        : -1);
  if (port <= 0) {
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" +
                             std::to_string(impl_->options.port));
  }
  impl_->port = port;
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, 1024);  // see install_routes
  return port;
}

void Emulator::stop() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int Emulator::port() const noexcept { return impl_->port; }

std::string Emulator::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

void Emulator::reset() {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->reset_locked();
}

std::string Emulator::outbox_json() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->outbox_locked();
}

std::size_t Emulator::notification_count() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->notifications.size();
}

std::size_t Emulator::requests_received() const { return impl_->received.load(); }

std::size_t Emulator::max_concurrent_requests() const { return impl_->max_concurrent.load(); }

std::size_t Emulator::requests_received(const std::string& path_suffix,
                                        const std::string& method) const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return static_cast<std::size_t>(
      std::count_if(impl_->seen.begin(), impl_->seen.end(), [&](const auto& entry) {
        const auto& [m, path] = entry;
        return (method.empty() || m == method) && path.size() >= path_suffix.size() &&
               path.compare(path.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0;
      }));
}

std::string Emulator::webhook_public_key_pem() const { return impl_->signer.public_key_pem(); }

void Emulator::set_webhook_url(std::string url) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->webhook_url = std::move(url);
}

std::size_t Emulator::webhooks_delivered() const {
  std::lock_guard<std::mutex> guard(impl_->delivery_mutex);
  return impl_->delivered;
}

bool Emulator::wait_for_webhooks(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->delivery_mutex);
  return impl_->delivery_cv.wait_for(lock, timeout, [&] { return impl_->delivered >= count; });
}

void Emulator::revoke_tokens() {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->tokens.clear();
}

void Emulator::inject(Fault fault) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

void Emulator::clear_faults() {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  impl_->faults.clear();
}

EmulatorReply Emulator::handle(const std::string& method, const std::string& target,
                               const std::map<std::string, std::string>& headers,
                               const std::string& body) {
  httplib::Request req;
  req.method = method;
  req.target = target;
  req.body = body;
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  std::lock_guard<std::mutex> guard(impl_->mutex);
  Reply reply = impl_->route(req);
  return {reply.status, std::move(reply.body)};
}

}  // namespace wix::backinstock::emulator
