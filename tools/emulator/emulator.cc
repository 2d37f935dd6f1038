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

#include "emulator.h"

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

void Emulator::reset() { impl_->router.reset(); }

std::string Emulator::outbox_json() const { return impl_->router.outbox_json(); }

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
