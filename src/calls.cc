#include "calls.h"

#include <algorithm>
#include <cctype>

#include "codec.h"
#include "redact.h"
#include "validation.h"
#include "wix/backinstock/version.h"

namespace wix::backinstock::internal {

RequestBuilder::RequestBuilder(const ClientOptions& options)
    : base_url_(checked_base_url(options.base_url, options.allow_insecure_http)),
      credentials_(options.credentials) {
  if (options.service_path_prefix) {
    prefix_ = checked_path_prefix("service_path_prefix", *options.service_path_prefix);
  }
  if (options.read_your_writes) consistency_ = std::make_shared<Consistency>();
  if (!credentials_) {
    throw ValidationError("credentials", "are required (for example ApiKeyCredentials)");
  }
  check_policy(options.retry);
  check_text("user_agent", options.user_agent, /*allow_newlines=*/false);
  user_agent_ = std::string("wix-backinstock-cpp/") + kVersion;
  if (!options.user_agent.empty()) user_agent_ += " " + options.user_agent;
}

HttpRequest RequestBuilder::build(const WireCall& call, std::chrono::milliseconds timeout) const {
  HttpRequest request;
  request.method = call.method;
  request.url.reserve(base_url_.size() + call.path.size() + call.query_string.size() + 1);
  request.url = base_url_;
  constexpr std::string_view kDefaultPrefix = kServicePrefix;
  if (prefix_ && std::string_view(call.path).substr(0, kDefaultPrefix.size()) == kDefaultPrefix) {
    request.url += *prefix_;
    request.url.append(call.path, kDefaultPrefix.size(), std::string::npos);
  } else {
    request.url += call.path;
  }
  if (!call.query_string.empty()) {
    request.url += '?';
    request.url += call.query_string;
  }
  request.headers.reserve(6);
  request.headers.emplace_back("User-Agent", user_agent_);
  if (consistency_) {
    std::lock_guard<std::mutex> guard(consistency_->mutex);
    if (!consistency_->value.empty()) {
      request.headers.emplace_back("X-Wix-Consistent", consistency_->value);
    }
  }
  if (request.method == "POST" || request.method == "PUT") {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = call.body;
  }
  // Credentials may fetch a token: within the attempt's budget, which the request then gets
  // what is left of.
  auto start = std::chrono::steady_clock::now();
  auto deadline =
      timeout.count() > 0 ? start + timeout : std::chrono::steady_clock::time_point::max();
  credentials_->apply_within(request.headers, deadline);
  if (timeout.count() > 0) {
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    timeout = std::max(std::chrono::milliseconds(1), timeout - spent);
  }
  request.timeout = timeout;
  request.idempotent = call.safety == Safety::kIdempotent;
  return request;
}

void RequestBuilder::observe(const HttpResponse& response) const {
  if (!consistency_) return;
  auto value = find_header(response.headers, "X-Wix-Consistent");
  // Sent back as a header: a value a header cannot carry (line breaks, control characters) or an
  // unreasonable size is not kept.
  if (!value || value->empty() || value->size() > 1024 || !is_header_value(*value)) return;
  std::lock_guard<std::mutex> guard(consistency_->mutex);
  consistency_->value.assign(value->data(), value->size());
}

void log_attempt(const std::function<void(const AttemptRecord&)>& logger, const WireCall& call,
                 int attempt, int status, std::chrono::steady_clock::duration duration,
                 std::string_view request_id, std::string_view error,
                 const Credentials& credentials) noexcept {
  if (!logger) return;
  try {
    AttemptRecord record;
    record.method = call.method;
    record.path = call.path;
    record.attempt = attempt;
    record.status = status;
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(duration);
    // Both come from elsewhere (a server may echo the key in its request ID): redacted.
    const auto secrets = credentials.secrets();
    std::string clean_id;
    if (!request_id.empty()) clean_id = redact(std::string(request_id), secrets);
    record.request_id = clean_id;
    std::string redacted;
    if (!error.empty()) redacted = redact(std::string(error), secrets);
    record.error = redacted;
    logger(record);
  } catch (...) {
    // Swallowed on purpose.
  }
}

RetryRun start_run(const ClientOptions& client, const CallOptions& call, Safety safety,
                   RetryRun::Clock::time_point now) {
  RetryPolicy policy = call.retry ? *call.retry : client.retry;
  if (call.deadline) policy.deadline = *call.deadline;
  if (call.retry || call.deadline) check_policy(policy);
  auto timeout = call.attempt_timeout.value_or(client.attempt_timeout);
  if (timeout.count() < 0) throw ValidationError("attempt_timeout", "must not be negative");
  return RetryRun(policy, safety, now, timeout);
}

std::vector<std::pair<std::size_t, std::size_t>> count_batches(
    const std::vector<CatalogReference>& references) {
  constexpr std::size_t kEnvelope = sizeof(R"({"catalogReferences":[]})") - 1;
  std::vector<std::pair<std::size_t, std::size_t>> batches;
  std::size_t begin = 0;
  while (begin < references.size()) {
    std::size_t end = begin;
    std::size_t json_length = kEnvelope;
    while (end < references.size() && end - begin < kMaxCountBatch) {
      std::size_t item = encode_catalog_reference(references[end]).size() + (end > begin);
      if (end > begin && dot_r_length(json_length + item) > kMaxCountParameterLength) break;
      json_length += item;
      ++end;
    }
    batches.emplace_back(begin, end);
    begin = end;
  }
  return batches;
}

std::vector<CatalogReferenceCount> match_counts(
    const std::vector<CatalogReference>& asked,
    const std::vector<CatalogReferenceCount>& answered) {
  std::vector<CatalogReferenceCount> out;
  out.reserve(asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const CatalogReferenceCount* match = nullptr;
    for (const auto& entry : answered) {
      if (!(entry.catalog_reference == asked[i])) continue;
      if (match != nullptr && match->count != entry.count) {
        throw MalformedBody("countsPerCatalogReference gives two counts for catalogReferences[" +
                            std::to_string(i) + "]");
      }
      match = &entry;
    }
    if (match == nullptr) {
      throw MalformedBody("countsPerCatalogReference has no count for catalogReferences[" +
                          std::to_string(i) + "] (catalogItemId " + asked[i].catalog_item_id() +
                          ")");
    }
    out.push_back({asked[i], match->count});
  }
  return out;
}

}  // namespace wix::backinstock::internal
