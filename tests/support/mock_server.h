#pragma once

// An in-process HTTP server for client tests: records every request, answers with what the test
// programmed, and counts TCP connections (by client port).
// Misbehaving peers on raw sockets: `HostileServer` (hostile_server.h).

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wix::backinstock::test_support {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query string, as sent
  std::string path;
  std::string query_string;
  httplib::Headers headers;
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
};

struct CannedResponse {
  int status = 200;
  std::string body = "{}";
  httplib::Headers headers = {{"x-wix-request-id", "test-request-id"}};
};

class MockServer {
 public:
  MockServer() {
    server_.set_keep_alive_max_count(100000);
    server_.set_tcp_nodelay(true);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      CannedResponse reply;
      {
        std::lock_guard<std::mutex> guard(mutex_);
        auto target = req.target;
        auto q = target.find('?');
        requests_.push_back({req.method, target, target.substr(0, q),
                             q == std::string::npos ? "" : target.substr(q + 1), req.headers,
                             req.body});
        client_ports_.insert(req.remote_port);
        if (responder_) {
          reply = responder_(requests_.back());
        } else if (!queue_.empty()) {
          reply = queue_.front();
          queue_.pop_front();
        } else {
          reply = default_;
        }
      }
      res.status = reply.status;
      for (const auto& [k, v] : reply.headers) res.set_header(k, v);
      res.set_content(reply.body, "application/json");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~MockServer() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void respond(CannedResponse r) {
    std::lock_guard<std::mutex> guard(mutex_);
    queue_.push_back(std::move(r));
  }
  void respond(int status, std::string body) {
    CannedResponse r;
    r.status = status;
    r.body = std::move(body);
    respond(std::move(r));
  }
  void set_default(CannedResponse r) {
    std::lock_guard<std::mutex> guard(mutex_);
    default_ = std::move(r);
  }
  /// Computes every answer from the request (takes precedence over queued answers).
  void set_responder(std::function<CannedResponse(const RecordedRequest&)> responder) {
    std::lock_guard<std::mutex> guard(mutex_);
    responder_ = std::move(responder);
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return requests_;
  }
  RecordedRequest last() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return requests_.back();
  }
  std::size_t connections() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return client_ports_.size();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
  std::set<int> client_ports_;
  std::deque<CannedResponse> queue_;
  CannedResponse default_;
  std::function<CannedResponse(const RecordedRequest&)> responder_;
};

}  // namespace wix::backinstock::test_support
