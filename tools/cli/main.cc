// wix-backinstock: the Back-in-Stock API from the command line. JSON on stdout, errors on stderr.

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wix/backinstock/backinstock.h"

namespace bis = wix::backinstock;
using nlohmann::ordered_json;

namespace {

enum Exit { kOk = 0, kUsage = 2, kInvalid = 3, kApi = 4, kTransport = 5 };

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* kMainHelp = R"(usage: wix-backinstock [--base-url URL] COMMAND [OPTIONS]

Commands (each has --help):
  report      send back-in-stock notifications (Report Items Back In Stock)
  create      create a notification request
  get ID      get a notification request
  delete ID   delete a notification request
  mark-sent ID  mark a request as notified outside Wix
  query       list notification requests (one page, or every page with --all)
  count       count requests per catalog item
  settings get | start | stop   read settings, start or stop collecting requests

Credentials come from the environment: WIX_API_KEY and WIX_SITE_ID; or WIX_APP_ID,
WIX_APP_SECRET and WIX_INSTANCE_ID (app OAuth); or WIX_ACCESS_TOKEN. WIX_BASE_URL or --base-url
points elsewhere than https://www.wixapis.com (for example at the emulator).

Exit codes: 0 success, 2 usage error, 3 invalid input, 4 API error, 5 no answer (transport).
)";

const std::map<std::string, std::string> kHelp = {
    {"report",
     R"(usage: wix-backinstock report (--request-id ID... | --catalog-item-id ID [--app-id ID]
                               [--options JSON]) --name NAME --price PRICE [--image-url URL]
                               [--param NAME=VALUE]...
Notifies every customer waiting for the catalog item, or exactly the given requests.
)"},
    {"create", R"(usage: wix-backinstock create --catalog-item-id ID [--app-id ID] [--options JSON]
                               --email EMAIL [--item-url URL] --name NAME --price PRICE
                               [--image-url URL]
)"},
    {"get", "usage: wix-backinstock get ID\n"},
    {"delete", "usage: wix-backinstock delete ID\n"},
    {"mark-sent", "usage: wix-backinstock mark-sent ID\n"},
    {"query", R"(usage: wix-backinstock query [--status STATUS]... [--auto-notified true|false]
                              [--created-after RFC3339] [--created-before RFC3339]
                              [--item-url-prefix PREFIX] [--sort FIELD[:asc|:desc]]...
                              [--limit N] [--cursor CURSOR] [--all]
Prints {"requests": [...], "metadata": {...}}; with --all, every page: {"requests": [...]}.
)"},
    {"count", R"(usage: wix-backinstock count --catalog-item-id ID [--app-id ID] [--options JSON]
                              [--catalog-item-id ID ...]
Each --catalog-item-id starts a new reference; --app-id and --options apply to the last one.
)"},
    {"settings",
     "usage: wix-backinstock settings get | start [--app-id ID] | stop [--app-id ID]\n"},
};

// Options of a subcommand: repeated names keep every value, in order.
struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;
  bool flag(const std::string& name) const {
    for (const auto& [k, v] : options) {
      if (k == name) return true;
    }
    return false;
  }
  std::optional<std::string> get(const std::string& name) const {
    std::optional<std::string> out;
    for (const auto& [k, v] : options) {
      if (k == name) out = v;
    }
    return out;
  }
  std::string required(const std::string& name) const {
    auto v = get(name);
    if (!v) throw UsageError("missing --" + name);
    return *v;
  }
  std::vector<std::string> all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : options) {
      if (k == name) out.push_back(v);
    }
    return out;
  }
};

const std::vector<std::string> kFlags = {"all", "help"};

Args parse(int argc, char** argv, int from) {
  Args args;
  for (int i = from; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      if (std::find(kFlags.begin(), kFlags.end(), name) != kFlags.end()) {
        args.options.emplace_back(name, "");
        continue;
      }
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      args.options.emplace_back(name, argv[++i]);
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

bis::Client make_client(const std::string& base_url) {
  bis::ClientOptions options;
  options.base_url = base_url;
  options.user_agent = "wix-backinstock-cli";
  if (!env("WIX_API_KEY").empty()) {
    options.credentials = bis::ApiKeyCredentials::for_site(env("WIX_API_KEY"), env("WIX_SITE_ID"));
  } else if (!env("WIX_APP_ID").empty()) {
    bis::OAuthOptions oauth;
    oauth.base_url = base_url;
    options.credentials = std::make_shared<bis::OAuthClientCredentials>(
        env("WIX_APP_ID"), env("WIX_APP_SECRET"), env("WIX_INSTANCE_ID"), oauth);
  } else if (!env("WIX_ACCESS_TOKEN").empty()) {
    options.credentials = std::make_shared<bis::AccessTokenCredentials>(env("WIX_ACCESS_TOKEN"));
  } else {
    throw UsageError(
        "no credentials: set WIX_API_KEY and WIX_SITE_ID (or WIX_APP_ID, "
        "WIX_APP_SECRET and WIX_INSTANCE_ID, or WIX_ACCESS_TOKEN)");
  }
  return bis::Client(options);
}

ordered_json to_json(const bis::CatalogReference& r) {
  ordered_json out = {{"appId", r.app_id()}, {"catalogItemId", r.catalog_item_id()}};
  if (!r.options().empty()) out["options"] = ordered_json::parse(r.options().dump());
  return out;
}

ordered_json to_json(const bis::NotificationRequest& r) {
  ordered_json out = {{"id", r.id},
                      {"catalogReference", to_json(r.catalog_reference)},
                      {"email", r.email},
                      {"contactId", r.contact_id},
                      {"status", r.status_text}};
  if (r.auto_notified) out["autoNotified"] = *r.auto_notified;
  if (r.created_date) out["createdDate"] = bis::format_timestamp(*r.created_date);
  if (r.item_url) out["itemUrl"] = *r.item_url;
  return out;
}

ordered_json to_json(const bis::Settings& s) {
  ordered_json states = ordered_json::array();
  for (const auto& c : s.collection_states) {
    states.push_back({{"appId", c.app_id}, {"collectingRequests", c.collecting_requests}});
  }
  return {{"settings", {{"collectionStates", states}}}};
}

bis::ItemDetails item_details(const Args& a) {
  std::optional<bis::Image> image;
  if (auto url = a.get("image-url")) image = bis::Image(*url);
  return bis::ItemDetails(a.required("name"), a.required("price"), image);
}

bis::JsonObject options_of(const std::optional<std::string>& text) {
  return text ? bis::JsonObject::parse(*text) : bis::JsonObject();
}

std::vector<bis::CatalogReference> references(const Args& a) {
  // Each --catalog-item-id starts a reference; --app-id / --options after it belong to it.
  struct Draft {
    std::string item;
    std::string app = bis::kWixStoresAppId;
    std::optional<std::string> options;
  };
  std::vector<Draft> drafts;
  for (const auto& [k, v] : a.options) {
    if (k == "catalog-item-id") drafts.push_back({v, bis::kWixStoresAppId, std::nullopt});
    if ((k == "app-id" || k == "options") && drafts.empty())
      throw UsageError("--" + k + " before --catalog-item-id");
    if (k == "app-id") drafts.back().app = v;
    if (k == "options") drafts.back().options = v;
  }
  std::vector<bis::CatalogReference> out;
  out.reserve(drafts.size());
  for (const auto& d : drafts) out.emplace_back(d.item, d.app, options_of(d.options));
  return out;
}

bis::QueryField field_named(const std::string& name) {
  for (auto f :
       {bis::QueryField::kId, bis::QueryField::kContactId, bis::QueryField::kStatus,
        bis::QueryField::kAutoNotified, bis::QueryField::kCreatedDate, bis::QueryField::kItemUrl}) {
    if (name == bis::to_string(f)) return f;
  }
  throw UsageError("unknown field " + name);
}

bis::Query query_of(const Args& a) {
  bis::Query q;
  std::vector<bis::Filter> parts;
  std::vector<bis::FilterValue> statuses;
  for (const auto& s : a.all("status")) {
    auto status = bis::parse_status(s);
    if (status == bis::Status::kUnknown) throw UsageError("unknown status " + s);
    statuses.emplace_back(status);
  }
  if (!statuses.empty()) parts.push_back(bis::Filter::in(bis::QueryField::kStatus, statuses));
  if (auto v = a.get("auto-notified")) {
    if (*v != "true" && *v != "false") throw UsageError("--auto-notified expects true or false");
    parts.push_back(bis::Filter::eq(bis::QueryField::kAutoNotified, *v == "true"));
  }
  for (const char* bound : {"created-after", "created-before"}) {
    if (auto v = a.get(bound)) {
      auto t = bis::parse_timestamp(*v);
      if (!t) throw UsageError(std::string("--") + bound + " expects an RFC 3339 time");
      parts.push_back(std::string(bound) == "created-after"
                          ? bis::Filter::gt(bis::QueryField::kCreatedDate, *t)
                          : bis::Filter::lt(bis::QueryField::kCreatedDate, *t));
    }
  }
  if (auto v = a.get("item-url-prefix"))
    parts.push_back(bis::Filter::starts_with(bis::QueryField::kItemUrl, *v));
  if (!parts.empty()) q.filter(bis::Filter::all_of(parts));
  for (const auto& s : a.all("sort")) {
    auto colon = s.find(':');
    std::string order = colon == std::string::npos ? "asc" : s.substr(colon + 1);
    if (order != "asc" && order != "desc") throw UsageError("--sort order must be asc or desc");
    q.sort(field_named(s.substr(0, colon)),
           order == "asc" ? bis::SortOrder::kAscending : bis::SortOrder::kDescending);
  }
  if (auto v = a.get("limit")) {
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') throw UsageError("--limit expects a number");
    q.limit(static_cast<std::int32_t>(n));
  }
  if (auto v = a.get("cursor")) q.cursor(*v);
  return q;
}

int run(const std::string& command, const Args& a, const std::string& base_url) {
  auto client = make_client(base_url);
  auto one_id = [&]() -> std::string {
    if (a.positional.size() != 1) throw UsageError(command + " takes exactly one ID");
    return a.positional[0];
  };
  ordered_json out;
  if (command == "report") {
    auto ids = a.all("request-id");
    bis::TemplateParameters params;
    for (const auto& p : a.all("param")) {
      auto eq = p.find('=');
      if (eq == std::string::npos) throw UsageError("--param expects NAME=VALUE");
      params[p.substr(0, eq)] = p.substr(eq + 1);
    }
    auto refs = references(a);
    if (refs.size() > 1) throw UsageError("report takes one catalog reference");
    std::optional<bis::CatalogReference> ref;
    if (!refs.empty()) ref = refs.front();
    client.report_items_back_in_stock(
        bis::ReportItemsBackInStockRequest::from_target(ref, ids, item_details(a), params));
    out = ordered_json::object();
  } else if (command == "create") {
    auto refs = references(a);
    if (refs.size() != 1) throw UsageError("create takes one --catalog-item-id");
    out = to_json(client.create_back_in_stock_notification_request(
        bis::NewNotificationRequest(refs.front(), a.required("email"), a.get("item-url")),
        item_details(a)));
  } else if (command == "get") {
    out = to_json(client.get_back_in_stock_notification_request(one_id()));
  } else if (command == "delete") {
    client.delete_back_in_stock_notification_request(one_id());
    out = ordered_json::object();
  } else if (command == "mark-sent") {
    out = to_json(client.mark_as_notification_sent(one_id()));
  } else if (command == "query") {
    auto query = query_of(a);
    ordered_json list = ordered_json::array();
    if (a.flag("all")) {
      for (const auto& r : client.query_all_back_in_stock_notification_requests(query))
        list.push_back(to_json(r));
      out = {{"requests", list}};
    } else {
      auto page = client.query_back_in_stock_notification_requests(query);
      for (const auto& r : page.requests) list.push_back(to_json(r));
      ordered_json cursors = ordered_json::object();
      if (page.metadata.next_cursor) cursors["next"] = *page.metadata.next_cursor;
      if (page.metadata.prev_cursor) cursors["prev"] = *page.metadata.prev_cursor;
      out = {{"requests", list},
             {"metadata", {{"count", page.requests.size()}, {"cursors", cursors}}}};
    }
  } else if (command == "count") {
    auto refs = references(a);
    if (refs.empty()) throw UsageError("count needs at least one --catalog-item-id");
    ordered_json counts = ordered_json::array();
    for (const auto& c :
         client.get_back_in_stock_notification_requests_count_by_catalog_references(refs)) {
      counts.push_back({{"catalogReference", to_json(c.catalog_reference)}, {"count", c.count}});
    }
    out = {{"countsPerCatalogReference", counts}};
  } else if (command == "settings") {
    std::string action = a.positional.empty() ? "" : a.positional[0];
    std::string app = a.get("app-id").value_or(bis::kWixStoresAppId);
    if (action == "get") {
      out = to_json(client.get_settings());
    } else if (action == "start") {
      out = to_json(client.start_collecting_requests(app));
    } else if (action == "stop") {
      out = to_json(client.stop_collecting_requests(app));
    } else {
      throw UsageError("settings expects get, start or stop");
    }
  } else {
    throw UsageError("unknown command " + command);
  }
  std::cout << out.dump(2) << "\n";
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::string base_url =
      env("WIX_BASE_URL").empty() ? "https://www.wixapis.com" : env("WIX_BASE_URL");
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kMainHelp;
      return kOk;
    }
    if (a == "--base-url" && i + 1 < argc) {
      base_url = argv[++i];
      continue;
    }
    break;
  }
  if (i >= argc) {
    std::cerr << kMainHelp;
    return kUsage;
  }
  std::string command = argv[i];
  try {
    Args args = parse(argc, argv, i + 1);
    if (args.flag("help")) {
      auto help = kHelp.find(command);
      if (help == kHelp.end()) throw UsageError("unknown command " + command);
      std::cout << help->second;
      return kOk;
    }
    if (kHelp.find(command) == kHelp.end()) throw UsageError("unknown command " + command);
    return run(command, args, base_url);
  } catch (const UsageError& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    auto help = kHelp.find(command);
    std::cerr << (help != kHelp.end() ? help->second : kMainHelp);
    return kUsage;
  } catch (const bis::ValidationError& e) {
    std::cerr << "wix-backinstock: invalid " << e.field() << ": " << e.what() << "\n";
    return kInvalid;
  } catch (const bis::ApiError& e) {
    std::cerr << "wix-backinstock: " << e.canonical_code()
              << (e.application_code().empty() ? "" : " " + e.application_code()) << ": "
              << e.what() << "\nrequest id: " << (e.request_id().empty() ? "none" : e.request_id())
              << "\n";
    return kApi;
  } catch (const bis::TransportError& e) {
    std::cerr << "wix-backinstock: no answer: " << e.what() << "\n";
    return kTransport;
  } catch (const bis::Error& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    return kApi;
  }
}
