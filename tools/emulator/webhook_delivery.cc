#include "webhook_delivery.h"

#include <httplib.h>

namespace wix::backinstock::emulator::detail {

WebhookDelivery::WebhookDelivery(WebhookSigner signer, std::string instance_id, std::string url)
    : signer_(std::move(signer)), instance_id_(std::move(instance_id)), url_(std::move(url)) {}

WebhookDelivery::~WebhookDelivery() { stop(); }

void WebhookDelivery::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stop_ = true;
    outgoing_.clear();
    if (active_ != nullptr) active_->stop();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void WebhookDelivery::set_url(std::string url) {
  std::lock_guard<std::mutex> guard(mutex_);
  url_ = std::move(url);
}

void WebhookDelivery::reset_sequences() {
  std::lock_guard<std::mutex> guard(mutex_);
  sequences_.clear();
}

std::size_t WebhookDelivery::delivered() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return delivered_;
}

bool WebhookDelivery::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return delivered_ >= count; });
}

void WebhookDelivery::emit(const char* slug, const json& entity) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (url_.empty() || stop_) return;
  using namespace std::chrono;
  std::string id = entity["id"].get<std::string>();
  long long sequence = ++sequences_[id];
  json domain = {{"id", random_guid(rng_)},
                 {"entityFqdn", "wix.ecom.v1.back_in_stock_notification_request"},
                 {"slug", slug},
                 {"entityId", id},
                 {"eventTime", now_timestamp(last_event_ms_)},
                 {"triggeredByAnonymizeRequest", false},
                 {"entityEventSequence", std::to_string(sequence)}};
  std::string event_type = std::string("wix.ecom.v1.back_in_stock_notification_request_") + slug;
  if (std::string(slug) == "created") domain["createdEvent"] = {{"entity", entity}};
  if (std::string(slug) == "updated") domain["updatedEvent"] = {{"currentEntity", entity}};
  if (std::string(slug) == "deleted") domain["deletedEvent"] = json::object();
  long long now_s = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  std::string body = signer_.sign_event(event_type, instance_id_, domain.dump(),
                                        R"({"identityType":"APP"})", now_s, now_s + 3600);
  if (!thread_.joinable()) thread_ = std::thread([this] { deliver_loop(); });
  outgoing_.emplace_back(url_, std::move(body));
  cv_.notify_all();
}
void WebhookDelivery::deliver_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !outgoing_.empty(); });
    if (outgoing_.empty()) return;  // stopping, nothing left
    auto [url, body] = std::move(outgoing_.front());
    outgoing_.pop_front();
    lock.unlock();
    post(url, body);
    lock.lock();
    ++delivered_;
    cv_.notify_all();
    if (stop_ && outgoing_.empty()) return;
  }
}

void WebhookDelivery::post(const std::string& url, const std::string& body) {
  // url: scheme://host[:port][/path]
  auto scheme_end = url.find("://");
  auto path_start =
      scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (stop_) return;
    active_ = &client;
  }
  client.Post(path.c_str(), body, "text/plain");
  std::lock_guard<std::mutex> guard(mutex_);
  active_ = nullptr;
}

}  // namespace wix::backinstock::emulator::detail
