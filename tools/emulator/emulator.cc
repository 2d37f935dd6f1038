// The public facade of the emulator. The rooms behind it (see
// docs/decisions/emulator-structure.md):
//   store.cc            the service's state and rules (requests, contacts, settings, outbox)
//   rules.cc            validation of request fields
//   query_eval.cc       filters, sorting, cursor paging
//   auth.cc             API keys, `wix-site-id`, OAuth tokens (every 401 and 403)
//   faults.cc           injected faults, parsed and queued
//   webhook_delivery.cc signed webhook events posted to a URL
//   router.cc           one request to the room that answers it; the lock around the state
//   http_server.cc      cpp-httplib, request IDs, JSON for HTTP-layer errors, the request log,
//                       acting out faults on the connection
//   connections.cc      keep-alive and idle connections, prompt stops, head limits and fix-ups
//   replies.cc          Wix-shaped error bodies and JSON helpers

#include "wix/backinstock/testing/emulator.h"

#include <nlohmann/json.hpp>

#include "http_server.h"
#include "router.h"

namespace wix::backinstock::emulator {

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)), router(options), http(options, router) {}

  EmulatorOptions options;
  detail::Router router;
  detail::HttpServer http;
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() { stop(); }

int Emulator::start() {
  int port = bind();
  impl_->http.start();
  return port;
}

void Emulator::run() { impl_->http.run(); }

int Emulator::bind() { return impl_->http.bind(); }

void Emulator::stop() { impl_->http.stop(); }

int Emulator::port() const noexcept { return impl_->http.port(); }

std::string Emulator::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->http.port());
}

void Emulator::reset() {
  impl_->router.reset();
  impl_->http.clear_kept_log();
}

std::string Emulator::outbox_json() const { return impl_->router.outbox_json(); }

namespace {

using nlohmann::json;

std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string member_text(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? std::string() : text_of(*it);
}

std::vector<std::string> strings_of(const json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& item : *it) out.push_back(text_of(item));
  return out;
}

std::map<std::string, std::string> parameters_of(const json& object) {
  std::map<std::string, std::string> out;
  auto it = object.find("template");
  if (it == object.end() || !it->is_object()) return out;
  for (const auto& [name, value] : it->items()) out.emplace(name, text_of(value));
  return out;
}

}  // namespace

Outbox Emulator::outbox() const {
  // The store's own JSON, which it writes (never a client's bytes).
  const json all = json::parse(impl_->router.outbox_json());
  Outbox out;
  for (const auto& r : all.at("reports")) {
    ReportRecord report;
    if (auto ref = r.find("catalogReference"); ref != r.end() && ref->is_object()) {
      report.app_id = member_text(*ref, "appId");
      report.catalog_item_id = member_text(*ref, "catalogItemId");
    }
    report.request_ids = strings_of(r, "requestIds");
    report.template_parameters = parameters_of(r);
    report.notified_request_ids = strings_of(r, "notifiedRequestIds");
    out.reports.push_back(std::move(report));
  }
  for (const auto& n : all.at("notifications")) {
    out.notifications.push_back(
        {member_text(n, "requestId"), member_text(n, "email"), parameters_of(n)});
  }
  return out;
}

std::vector<StoredRequest> Emulator::stored_requests() const {
  const json all = json::parse(impl_->router.requests_json());
  std::vector<StoredRequest> out;
  for (const auto& r : all.at("requests")) {
    StoredRequest stored;
    stored.id = member_text(r, "id");
    stored.email = member_text(r, "email");
    stored.contact_id = member_text(r, "contactId");
    stored.status = member_text(r, "status");
    stored.created_date = member_text(r, "createdDate");
    if (auto ref = r.find("catalogReference"); ref != r.end() && ref->is_object()) {
      stored.app_id = member_text(*ref, "appId");
      stored.catalog_item_id = member_text(*ref, "catalogItemId");
    }
    stored.item_url = member_text(r, "itemUrl");
    if (auto notified = r.find("autoNotified"); notified != r.end() && notified->is_boolean()) {
      stored.auto_notified = notified->get<bool>();
    }
    out.push_back(std::move(stored));
  }
  return out;
}

std::vector<LoggedRequest> Emulator::request_log() const { return impl_->http.kept_log(); }

std::size_t Emulator::notification_count() const { return impl_->router.notification_count(); }

std::size_t Emulator::requests_received() const { return impl_->http.received(); }

std::size_t Emulator::max_concurrent_requests() const { return impl_->http.max_concurrent(); }

std::size_t Emulator::consistent_requests_received() const {
  return impl_->http.consistent_received();
}

std::size_t Emulator::requests_received(const std::string& path_suffix,
                                        const std::string& method) const {
  return impl_->router.received(path_suffix, method);
}

std::string Emulator::webhook_public_key_pem() const {
  return impl_->router.webhooks().public_key_pem();
}

void Emulator::set_webhook_url(std::string url) {
  impl_->router.webhooks().set_url(std::move(url));
}

std::size_t Emulator::webhooks_delivered() const { return impl_->router.webhooks().delivered(); }

bool Emulator::wait_for_webhooks(std::size_t count, std::chrono::milliseconds timeout) const {
  return impl_->router.webhooks().wait_for(count, timeout);
}

void Emulator::revoke_tokens() { impl_->router.revoke_tokens(); }

void Emulator::inject(Fault fault) { impl_->router.faults().push(std::move(fault)); }

void Emulator::clear_faults() { impl_->router.faults().clear(); }

EmulatorReply Emulator::handle(const std::string& method, const std::string& target,
                               const std::map<std::string, std::string>& headers,
                               const std::string& body) {
  auto header = [&](const char* name) {  // header names are case-insensitive
    for (const auto& [key, value] : headers) {
      if (detail::lower(key) == detail::lower(name)) return value;
    }
    return std::string();
  };
  detail::Reply reply =
      impl_->router.route({method, target, body, header("Authorization"), header("wix-site-id")});
  return {reply.status, std::move(reply.body)};
}

}  // namespace wix::backinstock::emulator
