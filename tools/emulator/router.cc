#include "router.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <optional>
#include <string_view>

#include "encoding.h"
#include "untrusted_json.h"

namespace wix::backinstock::emulator::detail {

Router::Router(const EmulatorOptions& options)
    : webhooks_(options.webhook_private_key_pem.empty()
                    ? WebhookSigner::generate()
                    : WebhookSigner(options.webhook_private_key_pem),
                options.instance_id, options.webhook_url),
      store_(options.collecting_by_default,
             options.duplicate_create == EmulatorOptions::DuplicateCreate::kConflict,
             [this](const char* slug, const json& entity) { webhooks_.emit(slug, entity); }),
      auth_(options),
      requests_path_(options.service_path_prefix + "/v1/back-in-stock-notification-requests"),
      rng_(std::random_device{}()) {}

void Router::record(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto key = std::make_pair(method, path);
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    ++it->second;
  } else if (seen_.size() < kMaxCountedPaths) {
    seen_.emplace(std::move(key), 1);
  } else {
    ++uncounted_;  // bounded memory: a count per path for the first kMaxCountedPaths paths
  }
}

std::size_t Router::received(const std::string& path_suffix, const std::string& method) const {
  std::lock_guard<std::mutex> guard(mutex_);
  std::size_t total = 0;
  for (const auto& [key, count] : seen_) {
    const auto& [m, path] = key;
    if ((method.empty() || m == method) && path.size() >= path_suffix.size() &&
        path.compare(path.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0) {
      total += count;
    }
  }
  return total;
}

std::string Router::request_id() {
  std::lock_guard<std::mutex> guard(mutex_);
  return random_guid(rng_);
}

void Router::reset() {
  {
    std::unique_lock<std::shared_mutex> store_lock(store_mutex_);
    std::lock_guard<std::mutex> guard(mutex_);
    store_.reset();
    auth_.revoke_tokens();
    faults_.clear();
    webhooks_.reset_sequences();
    seen_.clear();
    uncounted_ = 0;
  }
#ifdef __GLIBC__
  // What the store held was allocated by whichever workers served the writes, each in an arena of
  // its own that keeps freed memory for later: give it back, so that a reset returns the
  // emulator to about its starting size.
  ::malloc_trim(0);
#endif
}

std::string Router::outbox_json() const {
  std::shared_lock<std::shared_mutex> lock(store_mutex_);
  return store_.outbox_json();
}

std::string Router::requests_json() const {
  std::shared_lock<std::shared_mutex> lock(store_mutex_);
  return store_.requests_json();
}

std::size_t Router::notification_count() const {
  std::shared_lock<std::shared_mutex> lock(store_mutex_);
  return store_.notification_count();
}

void Router::revoke_tokens() {
  std::lock_guard<std::mutex> guard(mutex_);
  auth_.revoke_tokens();
}

Reply Router::route(const RouteRequest& request) {
  std::string_view target = request.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);
  const std::string& m = request.method;

  if (path == "/_emulator/outbox" && m == "GET") {
    return read([](const Store& s) { return Reply{200, s.outbox_json()}; });
  }
  if (path == "/_emulator/requests" && m == "GET") {
    return read([](const Store& s) { return Reply{200, s.requests_json()}; });
  }
  if (path == "/_emulator/seed" && m == "POST") {
    json body = internal::parse_untrusted(request.body).value;
    return change([&](Store& s) { return s.seed(body); });
  }
  if (path == "/_emulator/reset" && m == "POST") {
    reset();
    return {200, "{}"};
  }
  if (path == "/_emulator/faults") {
    if (m == "DELETE") {
      faults_.clear();
      return {200, "{}"};
    }
    if (m != "POST") return method_not_allowed();
    auto fault = fault_from_json(internal::parse_untrusted(request.body).value);
    if (!fault) return one_violation("fault", "is not a valid fault", "FORMAT");
    faults_.push(std::move(*fault));
    return {200, "{}"};
  }
  if (path == "/_emulator/webhooks" && m == "POST") {
    json body = internal::parse_untrusted(request.body).value;
    if (!body.is_object() || !body.contains("url") || !body["url"].is_string()) {
      return one_violation("url", "is required");
    }
    webhooks_.set_url(body["url"].get<std::string>());
    return {200, "{}"};
  }
  if (path == "/_emulator/revoke-tokens" && m == "POST") {
    revoke_tokens();
    return {200, "{}"};
  }
  if (path == "/oauth/access" || path == "/oauth2/token") {
    if (m != "POST") return method_not_allowed();
    json body = internal::parse_untrusted(request.body).value;
    if (!body.is_object()) return one_violation("body", "is not a JSON object", "FORMAT");
    std::lock_guard<std::mutex> guard(mutex_);
    return path == "/oauth/access" ? auth_.legacy_access(body, rng_)
                                   : auth_.issue_token(body, rng_);
  }
  std::string_view prefix = requests_path_;
  if (path.substr(0, prefix.size()) != prefix) return not_found();
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (auto denied = auth_.authenticate(request.authorization, request.site_id)) return *denied;
  }
  return route_api(request, path.substr(prefix.size()), query);
}

Reply Router::route_api(const RouteRequest& request, std::string_view rest,
                        std::string_view query) {
  const char* body_problem = "is not a JSON object";
  auto body_json = [&]() -> std::optional<json> {
    auto parsed = internal::parse_untrusted(request.body);
    // A body refused before parsing says why (nesting, or more values than any request holds).
    if (!parsed.ok() && std::string_view(parsed.problem) != "not JSON") {
      body_problem = parsed.problem;
      return std::nullopt;
    }
    if (!parsed.value.is_object()) return std::nullopt;
    return std::move(parsed.value);
  };
  auto dot_r = [&]() -> std::optional<json> {
    std::string_view qs = query;
    while (!qs.empty()) {
      auto amp = qs.find('&');
      auto pair = qs.substr(0, amp);
      if (pair.substr(0, 3) == ".r=") {
        std::string decoded;
        if (!internal::base64url_decode(internal::percent_decode(pair.substr(3), true), decoded)) {
          return std::nullopt;
        }
        json body = internal::parse_untrusted(decoded).value;
        if (body.is_discarded() || !body.is_object()) return std::nullopt;
        return body;
      }
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
    return json::object();
  };
  auto bad_body_reply = [&] { return one_violation("body", body_problem, "FORMAT"); };
  const std::string& m = request.method;

  if (rest.empty() || rest == "/") {
    if (m == "POST") {
      auto body = body_json();
      return body ? change([&](Store& s) { return s.create(*body); }) : bad_body_reply();
    }
    if (m == "GET") {
      auto body = dot_r();
      return body ? read([&](const Store& s) { return s.query(*body); })
                  : one_violation(".r", "is not base64url JSON", "FORMAT");
    }
    return method_not_allowed();
  }
  if (rest == "/query") {
    if (m != "POST") return method_not_allowed();
    auto body = body_json();
    return body ? read([&](const Store& s) { return s.query(*body); }) : bad_body_reply();
  }
  if (rest == "/count-by-catalog-reference") {
    if (m != "GET") return method_not_allowed();
    auto body = dot_r();
    return body ? read([&](const Store& s) { return s.count(*body); })
                : one_violation(".r", "is not base64url JSON", "FORMAT");
  }
  if (rest == "/report-items-back-in-stock") {
    if (m != "POST") return method_not_allowed();
    auto body = body_json();
    return body ? change([&](Store& s) { return s.report(*body); }) : bad_body_reply();
  }
  if (rest == "/settings") {
    if (m != "PUT") return method_not_allowed();
    return read([](const Store& s) { return s.settings(); });
  }
  if (rest == "/settings/start-collecting" || rest == "/settings/stop-collecting") {
    if (m != "POST") return method_not_allowed();
    auto body = body_json();
    bool on = rest == "/settings/start-collecting";
    return body ? change([&](Store& s) { return s.set_collecting(*body, on); }) : bad_body_reply();
  }
  // /{id} and /{id}/mark-as-notification-sent; the ID is one percent-encoded segment.
  std::string_view segment = rest.substr(1);
  constexpr std::string_view kMark = "/mark-as-notification-sent";
  bool mark =
      segment.size() > kMark.size() && segment.substr(segment.size() - kMark.size()) == kMark;
  if (mark) segment.remove_suffix(kMark.size());
  if (segment.empty() || segment.find('/') != std::string_view::npos) return not_found();
  std::string id = internal::percent_decode(segment, /*plus_is_space=*/false);
  if (mark) {
    return m == "PUT" ? change([&](Store& s) { return s.mark_sent(id); }) : method_not_allowed();
  }
  if (m == "GET") return read([&](const Store& s) { return s.get(id); });
  if (m == "DELETE") return change([&](Store& s) { return s.remove(id); });
  return method_not_allowed();
}

}  // namespace wix::backinstock::emulator::detail
