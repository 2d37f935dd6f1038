// wix-backinstock: the Back-in-Stock API from the command line. JSON on stdout, errors on stderr.
// Parsing is CLI11's: an unknown option, a missing value or a number out of range is a usage error
// (exit 2) before any request is sent.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wix/backinstock/backinstock.h"

#include "usage.h"

#ifdef WIX_BACKINSTOCK_CLI_JOURNAL
#include "journal_command.h"
#endif

namespace bis = wix::backinstock;
using cli::integer_range;
using cli::kApi;
using cli::kCredentials;
using cli::kInvalid;
using cli::kOk;
using cli::kProgram;
using cli::kTransport;
using cli::kUsage;
using cli::unknown_option;
using cli::usage_error;
using nlohmann::ordered_json;

namespace {

// A usage error found after CLI11 accepted the command line (exit 2).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char* const kFooter = R"(
Credentials come from the environment, the first kind set is used: WIX_API_KEY and WIX_SITE_ID;
or WIX_APP_ID, WIX_APP_SECRET and WIX_INSTANCE_ID (app OAuth); or WIX_ACCESS_TOKEN. A variable
missing from the kind in use is a usage error naming it. WIX_BASE_URL or --base-url points
elsewhere than https://www.wixapis.com (the emulator, say: WIX_BASE_URL=http://127.0.0.1:8080),
and WIX_SERVICE_PATH_PREFIX or --service-path-prefix serves the API under a gateway's path.

The journal commands need no credentials: they read and settle the report journal named by
--sqlite PATH or --postgres CONNINFO (or WIX_JOURNAL_SQLITE / WIX_JOURNAL_POSTGRES).

Exit codes: 0 success, 2 usage error, 3 invalid input, 4 API or journal error, 5 no answer
(transport), 6 the credentials failed (the token request; nothing was sent).)";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The variables of one kind of credentials, in order; the first one missing is a usage error.
std::vector<std::string> required_env(std::initializer_list<const char*> names) {
  std::vector<std::string> values;
  const char* first = *names.begin();
  for (const char* name : names) {
    values.push_back(env(name));
    if (values.back().empty()) {
      throw UsageError(std::string(name) + " is not set (it is needed with " + first + ")");
    }
  }
  return values;
}

bis::Client make_client(const std::string& base_url,
                        const std::optional<std::string>& path_prefix) {
  bis::ClientOptions options;
  options.base_url = base_url;
  options.service_path_prefix = path_prefix;
  options.user_agent = "wix-backinstock-cli";
  if (!env("WIX_API_KEY").empty()) {
    auto v = required_env({"WIX_API_KEY", "WIX_SITE_ID"});
    options.credentials = bis::ApiKeyCredentials::for_site(v[0], v[1]);
  } else if (!env("WIX_APP_ID").empty()) {
    auto v = required_env({"WIX_APP_ID", "WIX_APP_SECRET", "WIX_INSTANCE_ID"});
    bis::OAuthOptions oauth;
    oauth.base_url = base_url;
    options.credentials = std::make_shared<bis::OAuthClientCredentials>(v[0], v[1], v[2], oauth);
  } else if (!env("WIX_ACCESS_TOKEN").empty()) {
    options.credentials = std::make_shared<bis::AccessTokenCredentials>(env("WIX_ACCESS_TOKEN"));
  } else {
    throw UsageError(
        "no credentials: set WIX_API_KEY and WIX_SITE_ID (or WIX_APP_ID, WIX_APP_SECRET and "
        "WIX_INSTANCE_ID, or WIX_ACCESS_TOKEN)");
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

// Catalog references given as `--catalog-item-id ID [--app-id ID] [--options JSON]`, repeated:
// each --catalog-item-id starts a reference, --app-id and --options after it belong to it.
struct ReferenceOptions {
  CLI::Option* item = nullptr;
  CLI::Option* app = nullptr;
  CLI::Option* options = nullptr;

  void add_to(CLI::App* command, bool repeated) {
    item = command->add_option("--catalog-item-id", CLI::callback_t{},
                               repeated ? "catalog item ID (repeat for more)" : "catalog item ID",
                               false);
    app = command->add_option("--app-id",
                              "catalog app ID of the reference before it (default: "
                              "Wix Stores)");
    options = command->add_option("--options", "JSON object of the reference before it");
    for (auto* o : {item, app, options}) {
      o->type_size(1)->allow_extra_args(false);
      // One reference: a second occurrence is a usage error. Several: every value, in order.
      o->multi_option_policy(repeated ? CLI::MultiOptionPolicy::TakeAll
                                      : CLI::MultiOptionPolicy::Throw);
    }
    app->needs(item);
    options->needs(item);
  }

  std::vector<bis::CatalogReference> collect(const CLI::App& command) const {
    struct Draft {
      std::string item;
      std::string app = bis::kWixStoresAppId;
      std::optional<std::string> options;
    };
    std::vector<Draft> drafts;
    std::size_t next_item = 0, next_app = 0, next_options = 0;
    for (const CLI::Option* o : command.parse_order()) {
      if (o == item) {
        drafts.push_back({item->results().at(next_item++), bis::kWixStoresAppId, std::nullopt});
      } else if (o == app || o == options) {
        if (drafts.empty())
          throw UsageError("--" + o->get_single_name() + " before --catalog-item-id");
        if (o == app) drafts.back().app = app->results().at(next_app++);
        if (o == options) drafts.back().options = options->results().at(next_options++);
      }
    }
    std::vector<bis::CatalogReference> out;
    out.reserve(drafts.size());
    for (const auto& d : drafts) {
      out.emplace_back(d.item, d.app,
                       d.options ? bis::JsonObject::parse(*d.options) : bis::JsonObject());
    }
    return out;
  }
};

// --name, --price, --image-url.
struct ItemOptions {
  std::string name, price, image_url;
  void add_to(CLI::App* command) {
    command->add_option("--name", name, "item name shown to customers")->required();
    command->add_option("--price", price, "item price, as text (e.g. 29.99)")->required();
    command->add_option("--image-url", image_url, "absolute http(s) URL of the item image");
  }
  bis::ItemDetails details() const {
    std::optional<bis::Image> image;
    if (!image_url.empty()) image = bis::Image(image_url);
    return bis::ItemDetails(name, price, image);
  }
};

bis::QueryField field_named(const std::string& name) {
  for (auto f :
       {bis::QueryField::kId, bis::QueryField::kContactId, bis::QueryField::kStatus,
        bis::QueryField::kAutoNotified, bis::QueryField::kCreatedDate, bis::QueryField::kItemUrl,
        bis::QueryField::kCatalogItemId, bis::QueryField::kCatalogAppId}) {
    if (name == bis::to_string(f)) return f;
  }
  throw UsageError("--sort: unknown field " + name);
}

struct QueryOptions {
  std::vector<std::string> statuses;
  std::string auto_notified, created_after, created_before, item_url_prefix, cursor;
  std::vector<std::string> sorts, catalog_item_ids, catalog_app_ids;
  std::int32_t limit = 0;
  std::int32_t offset = 0;
  CLI::Option* limit_option = nullptr;
  CLI::Option* offset_option = nullptr;
  bool all = false;

  void add_to(CLI::App* command) {
    command->add_option("--status", statuses, "RECEIVED, NOTIFICATION_SENT or FAILED (repeatable)");
    command->add_option("--auto-notified", auto_notified)->check(CLI::IsMember({"true", "false"}));
    command->add_option("--created-after", created_after, "RFC 3339 time");
    command->add_option("--created-before", created_before, "RFC 3339 time");
    command->add_option("--item-url-prefix", item_url_prefix);
    command->add_option("--sort", sorts, "FIELD[:asc|:desc] (repeatable)");
    limit_option =
        command->add_option("--limit", limit, "page size, 1 to 100")->check(integer_range(1, 100));
    command->add_option("--cursor", cursor, "continue from this cursor");
    command->add_option("--catalog-item-id", catalog_item_ids,
                        "requests waiting for this product (repeatable: any of them)");
    command->add_option("--catalog-app-id", catalog_app_ids,
                        "requests for items of this catalog app (repeatable: any of them)");
    offset_option =
        command
            ->add_option("--offset", offset, "page by offset from here (0 and up), not by cursor")
            ->check(integer_range(0, std::numeric_limits<std::int32_t>::max()))
            ->excludes("--cursor");
    command->add_flag("--all", all, "walk every page");
  }

  bis::Query query() const {
    bis::Query q;
    std::vector<bis::Filter> parts;
    std::vector<bis::FilterValue> values;
    for (const auto& s : statuses) {
      auto status = bis::parse_status(s);
      if (status == bis::Status::kUnknown || status == bis::Status::kUnspecified) {
        throw UsageError("--status: unknown status " + s);
      }
      values.emplace_back(status);
    }
    if (!values.empty()) parts.push_back(bis::Filter::in(bis::QueryField::kStatus, values));
    if (!auto_notified.empty()) {
      parts.push_back(bis::Filter::eq(bis::QueryField::kAutoNotified, auto_notified == "true"));
    }
    for (const auto* bound : {&created_after, &created_before}) {
      if (bound->empty()) continue;
      auto t = bis::parse_timestamp(*bound);
      bool after = bound == &created_after;
      if (!t) {
        throw UsageError(std::string(after ? "--created-after" : "--created-before") +
                         " expects an RFC 3339 time");
      }
      parts.push_back(after ? bis::Filter::gt(bis::QueryField::kCreatedDate, *t)
                            : bis::Filter::lt(bis::QueryField::kCreatedDate, *t));
    }
    if (!item_url_prefix.empty()) {
      parts.push_back(bis::Filter::starts_with(bis::QueryField::kItemUrl, item_url_prefix));
    }
    for (const auto& [field, ids] : {std::pair{bis::QueryField::kCatalogItemId, &catalog_item_ids},
                                     std::pair{bis::QueryField::kCatalogAppId, &catalog_app_ids}}) {
      if (ids->empty()) continue;
      std::vector<bis::FilterValue> any(ids->begin(), ids->end());
      parts.push_back(ids->size() == 1 ? bis::Filter::eq(field, any.front())
                                       : bis::Filter::in(field, any));
    }
    if (!parts.empty()) q.filter(bis::Filter::all_of(parts));
    for (const auto& s : sorts) {
      auto colon = s.find(':');
      std::string order = colon == std::string::npos ? "asc" : s.substr(colon + 1);
      if (order != "asc" && order != "desc") throw UsageError("--sort order must be asc or desc");
      q.sort(field_named(s.substr(0, colon)),
             order == "asc" ? bis::SortOrder::kAscending : bis::SortOrder::kDescending);
    }
    if (limit_option->count() > 0) q.limit(limit);
    if (!cursor.empty()) q.cursor(cursor);
    if (offset_option->count() > 0) q.offset(offset);
    return q;
  }
};

std::vector<std::string> template_parameters_check(const std::vector<std::string>& params) {
  for (const auto& p : params) {
    if (p.find('=') == std::string::npos) throw UsageError("--param expects NAME=VALUE");
  }
  return params;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The Wix Back-in-Stock API from the command line: JSON on stdout, errors on stderr.",
               "wix-backinstock"};
  app.footer(kFooter);
  app.set_version_flag("--version", std::string("wix-backinstock ") + bis::kVersion);
  app.require_subcommand(1, 1);
  std::string base_url = "https://www.wixapis.com";
  app.add_option("--base-url", base_url, "API base URL (default https://www.wixapis.com)")
      ->envname("WIX_BASE_URL");
  std::optional<std::string> path_prefix;
  app.add_option("--service-path-prefix", path_prefix,
                 "path the API is served under (default /back-in-stock-service; \"\" for none)")
      ->envname("WIX_SERVICE_PATH_PREFIX");

  // report
  auto* report = app.add_subcommand(
      "report", "notify every customer waiting for an item, or exactly the given requests");
  std::vector<std::string> request_ids, params;
  ReferenceOptions report_ref;
  ItemOptions report_item;
  auto* ids_option =
      report->add_option("--request-id", request_ids, "notification request ID (repeatable)");
  report_ref.add_to(report, /*repeated=*/false);
  report_item.add_to(report);
  report->add_option("--param", params, "template parameter NAME=VALUE (repeatable)");
  ids_option->excludes(report_ref.item);
  report_ref.item->excludes(ids_option);

  // create
  auto* create = app.add_subcommand("create", "create a notification request");
  ReferenceOptions create_ref;
  ItemOptions create_item;
  std::string email, item_url;
  create_ref.add_to(create, /*repeated=*/false);
  create_ref.item->required();
  create->add_option("--email", email, "customer e-mail")->required();
  create->add_option("--item-url", item_url, "URL of the item page");
  create_item.add_to(create);

  // get, delete, mark-sent
  std::string id;
  auto* get = app.add_subcommand("get", "get a notification request");
  auto* remove = app.add_subcommand("delete", "delete a notification request");
  auto* mark = app.add_subcommand("mark-sent", "mark a request as notified outside Wix");
  for (auto* c : {get, remove, mark}) c->add_option("id", id, "request ID")->required();

  // query
  auto* query = app.add_subcommand("query", "list notification requests (one page, or --all)");
  QueryOptions query_options;
  query_options.add_to(query);

  // count
  auto* count = app.add_subcommand("count", "count requests per catalog item");
  ReferenceOptions count_refs;
  count_refs.add_to(count, /*repeated=*/true);
  count_refs.item->required();

  // settings get | start | stop
  auto* settings = app.add_subcommand("settings", "read settings, start or stop collecting");
  settings->require_subcommand(1, 1);
  auto* settings_get = settings->add_subcommand("get", "read the collection settings");
  std::string app_id = bis::kWixStoresAppId;
  auto* settings_start = settings->add_subcommand("start", "start collecting requests");
  auto* settings_stop = settings->add_subcommand("stop", "stop collecting requests");
  for (auto* c : {settings_start, settings_stop}) {
    c->add_option("--app-id", app_id, "catalog app ID (default: Wix Stores)");
  }

#ifdef WIX_BACKINSTOCK_CLI_JOURNAL
  cli::JournalCommand journal;
  journal.add_to(app);
#endif

  if (std::string unknown = unknown_option(app, argc, argv); !unknown.empty()) {
    return usage_error(unknown);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e) == 0 ? kOk : kUsage;
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e, argc, argv);
  }

  try {
#ifdef WIX_BACKINSTOCK_CLI_JOURNAL
    if (journal.parsed()) {
      try {
        journal.run();
      } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
      }
      return kOk;
    }
#endif
    auto client = make_client(base_url, path_prefix);
    ordered_json out = ordered_json::object();
    if (report->parsed()) {
      bis::TemplateParameters parameters;
      for (const auto& p : template_parameters_check(params)) {
        auto eq = p.find('=');
        parameters[p.substr(0, eq)] = p.substr(eq + 1);
      }
      auto refs = report_ref.collect(*report);
      std::optional<bis::CatalogReference> ref;
      if (!refs.empty()) ref = refs.front();
      if (!ref && request_ids.empty()) {
        throw UsageError("report needs --catalog-item-id or --request-id");
      }
      client.report_items_back_in_stock(bis::ReportItemsBackInStockRequest::from_target(
          ref, request_ids, report_item.details(), parameters));
    } else if (create->parsed()) {
      std::optional<std::string> url;
      if (!item_url.empty()) url = item_url;
      out = to_json(client.create_back_in_stock_notification_request(
          bis::NewNotificationRequest(create_ref.collect(*create).front(), email, url),
          create_item.details()));
    } else if (get->parsed()) {
      out = to_json(client.get_back_in_stock_notification_request(id));
    } else if (remove->parsed()) {
      client.delete_back_in_stock_notification_request(id);
    } else if (mark->parsed()) {
      out = to_json(client.mark_as_notification_sent(id));
    } else if (query->parsed()) {
      auto q = query_options.query();
      ordered_json list = ordered_json::array();
      if (query_options.all) {
        for (const auto& r : client.query_all_back_in_stock_notification_requests(q)) {
          list.push_back(to_json(r));
        }
        out = {{"requests", list}};
      } else {
        auto page = client.query_back_in_stock_notification_requests(q);
        for (const auto& r : page.requests) list.push_back(to_json(r));
        ordered_json metadata = {{"count", page.requests.size()}};
        if (q.offset()) {
          if (page.metadata.offset) metadata["offset"] = *page.metadata.offset;
          if (page.metadata.total) metadata["total"] = *page.metadata.total;
        } else {
          ordered_json cursors = ordered_json::object();
          if (page.metadata.next_cursor) cursors["next"] = *page.metadata.next_cursor;
          if (page.metadata.prev_cursor) cursors["prev"] = *page.metadata.prev_cursor;
          metadata["cursors"] = cursors;
        }
        out = {{"requests", list}, {"metadata", metadata}};
      }
    } else if (count->parsed()) {
      ordered_json counts = ordered_json::array();
      for (const auto& c :
           client.get_back_in_stock_notification_requests_count_by_catalog_references(
               count_refs.collect(*count))) {
        counts.push_back({{"catalogReference", to_json(c.catalog_reference)},
                          {"count", c.count},
                          {"counted", c.counted}});
      }
      out = {{"countsPerCatalogReference", counts}};
    } else if (settings_get->parsed()) {
      out = to_json(client.get_settings());
    } else if (settings_start->parsed()) {
      out = to_json(client.start_collecting_requests(app_id));
    } else if (settings_stop->parsed()) {
      out = to_json(client.stop_collecting_requests(app_id));
    }
    std::cout << out.dump(2) << "\n";
    return kOk;
  } catch (const UsageError& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\nRun with --help for more information.\n";
    return kUsage;
  } catch (const bis::ValidationError& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    return kInvalid;
  } catch (const bis::ApiError& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    return kApi;
  } catch (const bis::CredentialsError& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    return kCredentials;
  } catch (const bis::TransportError& e) {
    std::cerr << "wix-backinstock: no answer: " << e.what() << "\n";
    return kTransport;
  } catch (const bis::Error& e) {
    std::cerr << "wix-backinstock: " << e.what() << "\n";
    return kApi;
  }
}
