#include "wix/backinstock/client.h"
#include "wix/backinstock/testing.h"

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "attempt.h"
#include "calls.h"
#include "codec.h"
#include "error_access.h"
#include "error_mapping.h"
#include "redact.h"
#include "retry_rules.h"
#include "validation.h"
#include "wire.h"
#include "wire_calls.h"
#include "wix/backinstock/version.h"

namespace wix::backinstock {

namespace {

namespace calls = internal::calls;
using internal::Safety;
using internal::WireCall;
using Clock = std::chrono::steady_clock;

class RestConnection final : public Connection {
 public:
  RestConnection(ClientOptions options, testing::ClientSeams seams)
      : builder_(options), options_(std::move(options)), seams_(std::move(seams)) {
    if (!options_.transport) options_.transport = std::make_shared<CurlTransport>(options_.curl);
  }

  // One override per row of api_methods.h: the method's wire call, sent and decoded by `run`.
#define WIX_BACKINSTOCK_REST_METHOD(Result, name, parameters, arguments) \
  Result name parameters override { return run<Result>(calls::name arguments, options); }
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_REST_METHOD)
#undef WIX_BACKINSTOCK_REST_METHOD

 private:
  Clock::time_point now() const { return seams_.clock ? seams_.clock() : Clock::now(); }

  void sleep(std::chrono::milliseconds delay) const {
    if (seams_.sleeper) {
      seams_.sleeper(delay);
    } else {
      std::this_thread::sleep_for(delay);
    }
  }

  double random01() {
    if (seams_.random) return seams_.random();
    std::lock_guard<std::mutex> guard(random_mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  }

  // Sends `call`, retrying as the policy and the method's safety allow. Returns the 200 answer or
  // throws the typed error of the last attempt, annotated with attempts and the stop reason.
  struct Sent {
    HttpResponse response;
    int attempts = 0;
  };

  template <typename Result>
  Result run(const WireCall& call, const CallOptions& options) {
    Sent sent = send(call, options);
    return internal::decode_answer(internal::decode_result<Result>, sent.response.body,
                                   sent.attempts);
  }

  // The parts one after the other, each answer matched to its references, in order.
  template <typename Result>
  Result run(const internal::SplitCall& call, const CallOptions& options) {
    Result all;
    for (std::size_t i = 0; i < call.parts.size(); ++i) {
      Sent sent = send(call.parts[i], options);
      const auto& asked = call.asked[i];
      auto some = internal::decode_answer(
          [&asked](std::string_view body) { return internal::decode_part(asked, body); },
          sent.response.body, sent.attempts);
      std::move(some.begin(), some.end(), std::back_inserter(all));
    }
    return all;
  }

  Sent send(const WireCall& call, const CallOptions& options) {
    internal::RetryRun run = internal::start_run(options_, options, call.safety, now());
    const std::function<double()> random = [this] { return random01(); };
    const internal::AttemptContext context{call, run, builder_.credentials(), options_.logger,
                                           random};
    for (;; run.advance()) {
      // Built outside the decision: a failing token endpoint is its own error, not this call's.
      HttpRequest request = builder_.build(call, run.timeout(now()));
      auto attempt_start = now();
      std::optional<HttpResponse> response;
      std::optional<TransportError> error;
      try {
        response = options_.transport->send(request);
        builder_.observe(*response);
      } catch (const TransportError& e) {
        error = e;
      }
      auto decision = internal::decide(context, request, response ? &*response : nullptr,
                                       error ? &*error : nullptr, now(), now() - attempt_start);
      switch (decision.action) {
        case internal::AttemptDecision::Action::kSucceed:
          return {std::move(*response), run.attempt()};
        case internal::AttemptDecision::Action::kFail:
          std::rethrow_exception(decision.error);
        case internal::AttemptDecision::Action::kRetry:
          sleep(decision.delay);
          break;
      }
    }
  }

  internal::RequestBuilder builder_;
  ClientOptions options_;
  testing::ClientSeams seams_;
  std::mutex random_mutex_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace

std::shared_ptr<Connection> make_connection(ClientOptions options) {
  return std::make_shared<RestConnection>(std::move(options), testing::ClientSeams{});
}

std::shared_ptr<Connection> testing::make_connection(ClientOptions options, ClientSeams seams) {
  return std::make_shared<RestConnection>(std::move(options), std::move(seams));
}

Client testing::make_client(ClientOptions options, ClientSeams seams) {
  return Client(testing::make_connection(std::move(options), std::move(seams)));
}

Client::Client(ClientOptions options) : connection_(make_connection(std::move(options))) {}

Client::Client(std::shared_ptr<Connection> connection) : connection_(std::move(connection)) {
  if (!connection_) throw ValidationError("connection", "must not be null");
}

QueryPager Client::query_all_back_in_stock_notification_requests(Query query, CallOptions options,
                                                                 PagerOptions pager) {
  return QueryPager(*this, std::move(query), options, pager);
}

// AppClients ------------------------------------------------------------------------------------
struct AppClients::Impl {
  std::string app_id;
  std::string app_secret;
  ClientOptions options;
  std::mutex mutex;
  std::map<std::string, std::pair<Client, std::shared_ptr<OAuthClientCredentials>>> clients;
};

AppClients::AppClients(std::string app_id, std::string app_secret, ClientOptions options)
    : impl_(std::make_shared<Impl>()) {
  if (!options.transport) options.transport = std::make_shared<CurlTransport>(options.curl);
  internal::check_header_value("clientId", app_id);
  internal::check_header_value("clientSecret", app_secret);
  impl_->app_id = std::move(app_id);
  impl_->app_secret = std::move(app_secret);
  impl_->options = std::move(options);
}

std::shared_ptr<OAuthClientCredentials> AppClients::credentials_for(
    const std::string& instance_id) {
  for_instance(instance_id);
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->clients.at(instance_id).second;
}

Client AppClients::for_instance(const std::string& instance_id) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  auto it = impl_->clients.find(instance_id);
  if (it != impl_->clients.end()) return it->second.first;
  OAuthOptions oauth;
  oauth.base_url = impl_->options.base_url;
  oauth.transport = impl_->options.transport;
  oauth.timeout = impl_->options.attempt_timeout;
  oauth.allow_insecure_http = impl_->options.allow_insecure_http;
  auto credentials = std::make_shared<OAuthClientCredentials>(impl_->app_id, impl_->app_secret,
                                                              instance_id, std::move(oauth));
  ClientOptions options = impl_->options;
  options.credentials = credentials;
  Client client(std::move(options));
  impl_->clients.emplace(instance_id, std::make_pair(client, credentials));
  return client;
}

// QueryPager ------------------------------------------------------------------------------------

QueryPager::QueryPager(Client client, Query query, CallOptions options, PagerOptions pager)
    : client_(std::move(client)), query_(std::move(query)), options_(options), pager_(pager) {}

bool QueryPager::fetch() {
  if (done_) return false;
  // Checked only when another page is needed: a walk of exactly max_pages pages ends normally.
  auto next_page = [this](const Query& query) {
    if (pager_.max_pages != 0 && pages_fetched_ >= pager_.max_pages) {
      done_ = true;
      throw PagingError("query walk stopped after " + std::to_string(pages_fetched_) +
                            " pages (PagerOptions::max_pages)",
                        pages_fetched_);
    }
    page_ = client_.query_back_in_stock_notification_requests(query, options_);
  };
  if (started_ && query_.offset()) {
    // Offset paging: the next page starts after this one; an empty page, a short page or the
    // total ends the walk (and so does an offset past what a 32-bit offset can say).
    const auto got = static_cast<std::int64_t>(page_.requests.size());
    const std::int64_t next = static_cast<std::int64_t>(*query_sent_.offset()) + got;
    const bool short_page = query_.limit() && got < *query_.limit();
    if (got == 0 || short_page || (page_.metadata.total && next >= *page_.metadata.total) ||
        next > std::numeric_limits<std::int32_t>::max()) {
      done_ = true;
      return false;
    }
    query_sent_.offset(static_cast<std::int32_t>(next));
    next_page(query_sent_);
  } else if (started_) {
    if (!page_.has_next()) {
      done_ = true;
      return false;
    }
    // A server that answers with a cursor already sent (A, A or A, B, A...) would be walked
    // forever.
    if (!cursors_sent_.insert(*page_.metadata.next_cursor).second) {
      done_ = true;
      throw PagingError("query walk stopped: page " + std::to_string(pages_fetched_) +
                            " handed out a cursor already followed (the server makes no progress)",
                        pages_fetched_);
    }
    query_sent_ = Query();
    if (query_.limit()) query_sent_.limit(*query_.limit());
    query_sent_.cursor(*page_.metadata.next_cursor);
    next_page(query_sent_);
  } else {
    started_ = true;
    query_sent_ = query_;
    next_page(query_);
  }
  ++pages_fetched_;
  index_ = 0;
  check_progress();
  return true;
}

void QueryPager::check_progress() {
  // Every request of the page is new, and has an ID that tells it apart: a page that repeats an
  // earlier one (an ignored offset, a rotated window, a fresh cursor over the same items) stops
  // the walk before any of its requests is handed out twice.
  for (const auto& request : page_.requests) {
    const char* problem = nullptr;
    if (request.id.empty()) {
      problem = "holds a request without an ID (progress cannot be told)";
    } else if (!ids_seen_.insert(request.id).second) {
      problem = "repeats a request already returned (the server makes no progress)";
    }
    if (problem != nullptr) {
      done_ = true;
      page_.requests.clear();
      throw PagingError(
          "query walk stopped: page " + std::to_string(pages_fetched_) + " " + problem,
          pages_fetched_);
    }
  }
}

bool QueryPager::advance() {
  ++index_;
  while (index_ >= page_.requests.size()) {
    if (!fetch()) return false;
  }
  return true;
}

QueryPager::iterator QueryPager::begin() {
  if (!started_) {
    if (!fetch()) return end();
    while (page_.requests.empty()) {
      if (!fetch()) return end();
    }
    return iterator(this);
  }
  return (done_ || index_ >= page_.requests.size()) ? end() : iterator(this);
}

const NotificationRequest& QueryPager::iterator::operator*() const {
  return pager_->page_.requests[pager_->index_];
}

QueryPager::iterator& QueryPager::iterator::operator++() {
  if (!pager_->advance()) pager_ = nullptr;
  return *this;
}

}  // namespace wix::backinstock
