#include "http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "encoding.h"
#include "untrusted_json.h"

namespace wix::backinstock::emulator::detail {

namespace {

// Announces `body` in full, sends its first `keep` bytes, then drops the connection.
void cut(httplib::Response& res, std::string body, std::size_t keep) {
  auto length = std::max<std::size_t>(body.size(), 2);
  res.set_content_provider(
      length, "application/json",
      [body = std::move(body), keep](std::size_t offset, std::size_t, httplib::DataSink& sink) {
        if (offset < keep) sink.write(body.data() + offset, keep - offset);
        return false;  // abort: the connection is closed mid-answer
      });
}

int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

ConnectionLimits limits_of(const EmulatorOptions& options) {
  ConnectionLimits limits;
  limits.max_target_bytes = options.max_target_bytes;
  limits.max_body_bytes = options.max_body_bytes;
  limits.idle_timeout = options.keep_alive_timeout;
  limits.threads = options.threads;
  limits.max_connections = options.max_connections;
  limits.head_timeout = options.request_timeout / 3;
  limits.body_timeout = options.request_timeout - limits.head_timeout;
  return limits;
}

}  // namespace

HttpServer::HttpServer(const EmulatorOptions& options, Router& router)
    : options_(options), router_(router), server_(limits_of(options)) {
  server_.set_tcp_nodelay(true);
  // What the Keep-Alive header says is what the connection layer does (the timeout in whole
  // seconds, rounded down: a client never counts on more than it gets).
  server_.set_keep_alive_timeout(
      static_cast<time_t>(std::max<long long>(1, options_.keep_alive_timeout.count() / 1000)));
  server_.set_keep_alive_max_count(ConnectionLimits{}.max_requests);
  // `Keep-Alive: max` says how many more requests the connection carries after this one.
  server_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    auto it = res.headers.find("Keep-Alive");
    if (it == res.headers.end()) return;
    const auto at = it->second.find("max=");
    const int left =
        static_cast<int>(ConnectionLimits{}.max_requests) - current_head_note().request_index;
    if (at != std::string::npos)
      it->second.replace(at + 4, std::string::npos, std::to_string(left));
  });
  server_.set_payload_max_length(options_.max_body_bytes);
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        return fill_error(req, res);
      }));

  // cpp-httplib listens with a backlog of 5: a burst of new connections overflows it and each
  // dropped SYN costs a client a one-second retransmission. Remember the socket to widen it.
  server_.set_socket_options([this](int fd) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    listen_fd_ = fd;
  });
  // Every route is dispatched by the router on the raw target, so that percent-encoded IDs are
  // decoded only once, as one path segment.
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Delete(".*", handler);
  server_.Patch(".*", handler);
  server_.Options(".*", handler);
}

HttpServer::~HttpServer() { stop(); }

// cpp-httplib says only that binding failed: the reason is found by trying once more.
std::string HttpServer::why_not_bindable() const {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.port);
  if (int error = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return std::string("the address cannot be resolved (") + ::gai_strerror(error) + ")";
  }
  std::string why = "unknown reason";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 1) == 0;
    const int error = errno;
    ::close(fd);
    if (bound) continue;
    why = error == EADDRINUSE ? "the port is in use"
          : error == EACCES   ? "permission denied (ports below 1024 need privileges)"
                              : std::strerror(error);
    break;
  }
  ::freeaddrinfo(found);
  return why;
}

int HttpServer::bind() {
  if (port_ != 0) return port_;
  int port = options_.port == 0
                 ? server_.bind_to_any_port(options_.host)
                 : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port <= 0) {
    throw std::runtime_error("cannot listen on " + options_.host + ":" +
                             std::to_string(options_.port) + ": " + why_not_bindable());
  }
  port_ = port;
  if (listen_fd_ >= 0) ::listen(listen_fd_, 1024);  // see the constructor
  return port;
}

void HttpServer::start() {
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::run() {
  if (port_ == 0) bind();
  server_.listen_after_bind();
}

void HttpServer::stop() {
  {
    std::lock_guard<std::mutex> guard(stop_mutex_);
    stopping_ = true;  // delay faults end now
  }
  stopped_.notify_all();
  router_.webhooks().stop();    // queued deliveries dropped, one under way cut short
  server_.close_connections();  // idle keep-alive connections do not delay the stop
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

void HttpServer::handle(const httplib::Request& req, httplib::Response& res) {
  received_.fetch_add(1);
  // Logged before the answer is written, so that a client that got it finds its line.
  struct LogOnExit {
    const HttpServer& server;
    const httplib::Request& req;
    const httplib::Response& res;
    ~LogOnExit() {
      if (server.options_.request_log || server.options_.keep_log) server.log(req, res);
    }
  } log_on_exit{*this, req, res};
  struct Gauge {
    HttpServer* server;
    explicit Gauge(HttpServer* s) : server(s) {
      auto now = ++server->concurrent_;
      auto seen = server->max_concurrent_.load();
      while (now > seen && !server->max_concurrent_.compare_exchange_weak(seen, now)) {
      }
    }
    ~Gauge() { --server->concurrent_; }
  } gauge(this);
  res.set_header("x-wix-request-id", router_.request_id());
  if (const HeadNote& note = current_head_note(); note.refuse_status != 0) {
    res.status = note.refuse_status;
    std::string limit = std::to_string(note.limit);
    Reply reply;
    switch (note.refuse_status) {
      case 413:
        reply =
            app_error(413, "PAYLOAD_TOO_LARGE", "Request body is larger than " + limit + " bytes");
        break;
      case 414:
        reply = app_error(414, "URI_TOO_LONG", "Request target is longer than " + limit + " bytes");
        break;
      case 431:
        reply = app_error(431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
                          "Request headers are larger than " + limit + " bytes");
        break;
      case 501:
        reply = app_error(501, "NOT_IMPLEMENTED", "Not implemented: " + note.problem);
        break;
      case 505:
        reply = app_error(505, "HTTP_VERSION_NOT_SUPPORTED", note.problem);
        break;
      default:
        reply =
            app_error(note.refuse_status, "BAD_REQUEST", "Malformed HTTP request: " + note.problem);
    }
    res.set_content(reply.body, "application/json");
    return;
  }
  if (req.method == "OPTIONS" && req.target == "*") {  // the server's own options
    res.status = 204;
    res.set_header("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
    return;
  }
  std::string path = req.target.substr(0, req.target.find('?'));
  std::optional<Fault> fault;
  router_.record(req.method, path);
  // Reused: not the first request of its connection (the connection itself says so; a new
  // connection from a source port seen before is new).
  const bool reused = current_head_note().request_index > 1;
  fault = router_.faults().take(req.method, path, reused);
  using Kind = Fault::Kind;
  if (fault && fault->kind == Kind::kDelay) {
    std::unique_lock<std::mutex> lock(stop_mutex_);
    stopped_.wait_for(lock, fault->delay, [this] { return stopping_; });
  }
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
  if (req.has_header("X-Wix-Consistent")) consistent_received_.fetch_add(1);
  // HEAD is answered as GET would be, without the body (cpp-httplib leaves it out).
  reply =
      router_.route({req.method == "HEAD" ? std::string("GET") : req.method, req.target, req.body,
                     req.get_header_value("Authorization"), req.get_header_value("wix-site-id")});
  res.status = reply.status;
  // Like the service, a successful write names the state a later read should see.
  if (reply.status == 200 && req.method != "GET" &&
      path.rfind(options_.service_path_prefix + "/v1/", 0) == 0) {
    res.set_header("X-Wix-Consistent", "emulator-" + std::to_string(writes_.fetch_add(1) + 1));
  }
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
                               return sink.write(kChunk.data(), std::min(left - 1, kChunk.size()));
                             });
  }
}

// Closes the connection `req` came on without writing a byte: cpp-httplib does not hand out the
// socket, so it is found by its two addresses, and shut down (the server's later write fails).
void HttpServer::close_silently(const httplib::Request& req) const {
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_storage local{}, remote{};
    socklen_t local_len = sizeof local, remote_len = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) {
      continue;
    }
    if (port_of(local) == port_ && port_of(remote) == req.remote_port) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

httplib::Server::HandlerResponse HttpServer::fill_error(const httplib::Request& req,
                                                        httplib::Response& res) {
  (void)req;
  if (!res.body.empty() || res.status < 400) return httplib::Server::HandlerResponse::Unhandled;
  if (!res.has_header("x-wix-request-id")) res.set_header("x-wix-request-id", router_.request_id());
  Reply reply = res.status == 413 ? app_error(413, "PAYLOAD_TOO_LARGE", "Request body is too large")
                : res.status == 414 ? app_error(414, "URI_TOO_LONG", "Request target is too long")
                : res.status == 404
                    ? not_found()
                    : app_error(res.status, "BAD_REQUEST", "Malformed HTTP request");
  res.set_content(reply.body, "application/json");
  if (options_.request_log || options_.keep_log) log(req, res);
  return httplib::Server::HandlerResponse::Handled;
}

std::vector<LoggedRequest> HttpServer::kept_log() const {
  std::lock_guard<std::mutex> guard(log_mutex_);
  return {kept_.begin(), kept_.end()};
}

void HttpServer::clear_kept_log() {
  std::lock_guard<std::mutex> guard(log_mutex_);
  std::deque<LoggedRequest>().swap(kept_);
}

// One line: time, method, target, status, application code, milliseconds, request ID; and the
// same as a value when the log is kept.
void HttpServer::log(const httplib::Request& req, const httplib::Response& res) const {
  try {
    const HeadNote& note = current_head_note();
    auto took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - note.started);
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::string code = "-";
    if (res.status >= 400) {
      json body = internal::parse_untrusted(res.body).value;
      const json* details = find(body, "details");
      const json* application = details != nullptr ? find(*details, "applicationError") : nullptr;
      if (application != nullptr) {
        code = string_or_empty(*application, "code");
      } else if (details != nullptr && find(*details, "validationError") != nullptr) {
        code = "INVALID_ARGUMENT";
      }
    }
    // A refused request is logged as received, not as the stand-in that was answered.
    const bool refused = note.refuse_status != 0;
    std::string method = refused ? note.method_received : req.method;
    std::string target = refused ? note.target_received : req.target;
    if (target.empty()) target = refused ? "-" : "/";
    if (target.size() > 200) target = target.substr(0, 200) + "...";
    for (std::string* text : {&method, &target}) {  // one line, whatever a client sent
      for (char& c : *text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
      }
    }
    if (options_.keep_log) {
      constexpr std::size_t kKept = 100'000;
      LoggedRequest kept{method, target, res.status, code == "-" ? std::string() : code,
                         res.get_header_value("x-wix-request-id")};
      std::lock_guard<std::mutex> guard(log_mutex_);
      if (kept_.size() == kKept) kept_.pop_front();
      kept_.push_back(std::move(kept));
    }
    if (!options_.request_log) return;
    std::ostringstream line;
    line << stamp << ' ' << (method.empty() ? "-" : method) << ' ' << target << ' ' << res.status
         << ' ' << (code.empty() ? "-" : code) << ' ';
    line.setf(std::ios::fixed);
    line.precision(1);
    line << took.count() << "ms " << res.get_header_value("x-wix-request-id");
    if (options_.log_decoded_queries) {
      auto at = req.target.find(".r=");
      if (at != std::string::npos) {
        std::string value = req.target.substr(at + 3, req.target.find('&', at) - at - 3);
        std::string decoded;
        if (internal::base64url_decode(internal::percent_decode(value, true), decoded)) {
          line << " .r=" << decoded;
        }
      }
    }
    options_.request_log(line.str());
  } catch (...) {
    // A log line must never change an answer.
  }
}

}  // namespace wix::backinstock::emulator::detail
