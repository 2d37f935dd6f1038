#pragma once

// Webhooks as the service sends them: each change of a request becomes a signed event (RS256
// JWS, see `webhook_signer.h`) posted to the configured URL by one worker thread, in order.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>

#include <httplib.h>

#include "replies.h"
#include "webhook_signer.h"

namespace wix::backinstock::emulator::detail {

class WebhookDelivery {
 public:
  WebhookDelivery(WebhookSigner signer, std::string instance_id, std::string url);
  ~WebhookDelivery();
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  /// Where events go from now on; empty: nowhere.
  void set_url(std::string url);
  /// Queues the event `slug` (`created`, `updated`, `deleted`) of `entity`, if a URL is set.
  void emit(const char* slug, const json& entity);
  /// Entity event sequences start again (after a reset of the state).
  void reset_sequences();

  std::size_t delivered() const;
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;
  std::string public_key_pem() const { return signer_.public_key_pem(); }

  /// Stops delivering now: what is queued is dropped and a delivery under way is cut short.
  void stop();

 private:
  void deliver_loop();
  void post(const std::string& url, const std::string& body);

  const WebhookSigner signer_;
  const std::string instance_id_;

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable cv_;
  std::string url_;
  std::map<std::string, long long> sequences_;  // entity ID -> last entityEventSequence
  std::mt19937_64 rng_{std::random_device{}()};
  long long last_event_ms_ = 0;
  std::deque<std::pair<std::string, std::string>> outgoing_;  // (url, body)
  std::size_t delivered_ = 0;
  bool stop_ = false;
  httplib::Client* active_ = nullptr;  // the delivery under way, cut short by stop()
  std::thread thread_;
};

}  // namespace wix::backinstock::emulator::detail
