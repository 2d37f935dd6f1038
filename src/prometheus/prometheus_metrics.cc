#include "wix/backinstock/prometheus_metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>
#include <vector>

#include "wix/backinstock/journal.h"

namespace wix::backinstock {

namespace {

// OpenTelemetry's advice for `http.client.request.duration`, in seconds.
const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};
  return kBuckets;
}

double seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::string text(std::string_view value) { return std::string(value); }

}  // namespace

struct PrometheusMetrics::Families {
  explicit Families(prometheus::Registry& r)
      : calls(prometheus::BuildCounter()
                  .Name("wix_backinstock_calls_total")
                  .Help("Calls of the Back-in-Stock API by method and outcome")
                  .Register(r)),
        call_duration(prometheus::BuildHistogram()
                          .Name("wix_backinstock_call_duration_seconds")
                          .Help("Duration of whole calls, every attempt and wait included")
                          .Register(r)),
        attempts(prometheus::BuildHistogram()
                     .Name("wix_backinstock_http_client_request_duration_seconds")
                     .Help("Duration of each HTTP attempt (OpenTelemetry's "
                           "http.client.request.duration)")
                     .Register(r)),
        retries(prometheus::BuildCounter()
                    .Name("wix_backinstock_retries_total")
                    .Help("Attempts that were retried, by method and cause (error.type)")
                    .Register(r)),
        token_requests(prometheus::BuildCounter()
                           .Name("wix_backinstock_token_requests_total")
                           .Help("Token requests of the credentials, by endpoint and outcome")
                           .Register(r)),
        token_duration(prometheus::BuildHistogram()
                           .Name("wix_backinstock_token_request_duration_seconds")
                           .Help("Duration of token requests")
                           .Register(r)),
        journal_reports(prometheus::BuildCounter()
                            .Name("wix_backinstock_journal_reports_total")
                            .Help("Restock events through the report journal, by outcome")
                            .Register(r)) {}

  prometheus::Family<prometheus::Counter>& calls;
  prometheus::Family<prometheus::Histogram>& call_duration;
  prometheus::Family<prometheus::Histogram>& attempts;
  prometheus::Family<prometheus::Counter>& retries;
  prometheus::Family<prometheus::Counter>& token_requests;
  prometheus::Family<prometheus::Histogram>& token_duration;
  prometheus::Family<prometheus::Counter>& journal_reports;
};

PrometheusMetrics::PrometheusMetrics(prometheus::Registry& registry)
    : families_(std::make_unique<Families>(registry)) {}

PrometheusMetrics::~PrometheusMetrics() = default;

void PrometheusMetrics::on_attempt(const AttemptEvent& event) {
  const std::string status =
      event.http_response_status_code == 0 ? "" : std::to_string(event.http_response_status_code);
  families_->attempts
      .Add({{"method", text(event.api_method)},
            {"http_request_method", text(event.http_request_method)},
            {"http_response_status_code", status},
            {"error_type", text(event.error_type)}},
           duration_buckets())
      .Observe(seconds(event.duration));
  if (event.will_retry) {
    families_->retries
        .Add({{"method", text(event.api_method)}, {"error_type", text(event.error_type)}})
        .Increment();
  }
}

void PrometheusMetrics::on_call(const CallEvent& event) {
  const prometheus::Labels labels{{"method", text(event.api_method)},
                                  {"outcome", to_string(event.outcome)}};
  families_->calls.Add(labels).Increment();
  families_->call_duration.Add(labels, duration_buckets()).Observe(seconds(event.duration));
}

void PrometheusMetrics::on_token_request(const TokenRequestEvent& event) {
  families_->token_requests
      .Add({{"url_path", text(event.url_path)},
            {"outcome", event.error_type.empty() ? "ok" : "failed"},
            {"error_type", text(event.error_type)}})
      .Increment();
  families_->token_duration.Add({{"url_path", text(event.url_path)}}, duration_buckets())
      .Observe(seconds(event.duration));
}

void PrometheusMetrics::on_journal_report(const JournalEvent& event) {
  families_->journal_reports.Add({{"outcome", text(event.outcome)}}).Increment();
}

namespace {

// Read at each scrape: what the journal holds now, not what this process saw.
class JournalEntriesGauge final : public prometheus::Collectable {
 public:
  explicit JournalEntriesGauge(ReportJournal& journal) : journal_(journal) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    constexpr std::size_t kCounted = 100'000;
    double unknown = 0;
    double in_progress = 0;
    try {
      for (const auto& entry : journal_.unsettled(2 * kCounted)) {
        if (entry.outcome == ReportOutcome::kUnknown && unknown < kCounted) ++unknown;
        if (entry.outcome == ReportOutcome::kInProgress && in_progress < kCounted) ++in_progress;
      }
    } catch (...) {
      return {};  // the database is unreachable: no value rather than a wrong one
    }
    prometheus::MetricFamily family;
    family.name = "wix_backinstock_journal_entries";
    family.help = "Journal entries waiting for an operator (unknown) or under way (in_progress)";
    family.type = prometheus::MetricType::Gauge;
    for (const auto& [state, value] :
         {std::pair{"unknown", unknown}, {"in_progress", in_progress}}) {
      prometheus::ClientMetric metric;
      metric.label.push_back({"state", state});
      metric.gauge.value = value;
      family.metric.push_back(std::move(metric));
    }
    return {std::move(family)};
  }

 private:
  ReportJournal& journal_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> journal_entries_gauge(ReportJournal& journal) {
  return std::make_shared<JournalEntriesGauge>(journal);
}

}  // namespace wix::backinstock
