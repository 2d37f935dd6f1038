#pragma once

/// @file prometheus_metrics.h
/// The SDK's metrics in a `prometheus::Registry` (prometheus-cpp), for a service that reports
/// restocks unattended: the optional `prometheus` component (`wix::backinstock_prometheus`).
///
///     auto registry = std::make_shared<prometheus::Registry>();
///     auto metrics = std::make_shared<bis::PrometheusMetrics>(*registry);
///     options.observer = metrics;          // ClientOptions: calls, attempts, token requests
///     journal_options.observer = metrics;  // JournalOptions: restock outcomes
///     prometheus::Exposer exposer("127.0.0.1:9464");
///     exposer.RegisterCollectable(registry);
///     auto gauge = bis::journal_entries_gauge(journal);  // keep it: exposers hold it weakly
///     exposer.RegisterCollectable(gauge);
///
/// Label values are bounded: API method names, outcomes, HTTP methods and status codes, error
/// types; never IDs, e-mails or keys. The README's Metrics section says what each metric means.

#include <memory>

#include "wix/backinstock/observer.h"

namespace prometheus {
class Registry;
class Collectable;
}  // namespace prometheus

namespace wix::backinstock {

class ReportJournal;

/// An observer that counts and times what it is told, in metrics registered in `registry`:
/// - `wix_backinstock_calls_total{method, outcome}` and
///   `wix_backinstock_call_duration_seconds{method, outcome}` (histogram): calls by API method and
///   outcome (`ok`, `rejected`, `failed`, `unknown`; see `CallOutcome`);
/// - `wix_backinstock_http_client_request_duration_seconds{method, http_request_method,
///   http_response_status_code, error_type}` (histogram): every HTTP attempt;
/// - `wix_backinstock_retries_total{method, error_type}`: attempts retried, by their cause;
/// - `wix_backinstock_token_requests_total{url_path, outcome, error_type}` and
///   `wix_backinstock_token_request_duration_seconds{url_path}`: the credentials' token requests
///   (`outcome` `ok` or `failed`);
/// - `wix_backinstock_journal_reports_total{outcome}`: restock events through the journal
///   (`sent`, `not_sent`, `rejected`, `unknown`, `in_progress`).
/// Thread safety: all members may be called concurrently. `registry` must outlive it.
class PrometheusMetrics final : public Observer {
 public:
  /// Registers the metrics above in `registry`.
  explicit PrometheusMetrics(prometheus::Registry& registry);
  ~PrometheusMetrics() override;
  PrometheusMetrics(const PrometheusMetrics&) = delete;
  PrometheusMetrics& operator=(const PrometheusMetrics&) = delete;

  void on_attempt(const AttemptEvent& event) override;
  void on_call(const CallEvent& event) override;
  void on_token_request(const TokenRequestEvent& event) override;
  void on_journal_report(const JournalEvent& event) override;

 private:
  struct Families;
  std::unique_ptr<Families> families_;
};

/// `wix_backinstock_journal_entries{state}`: the entries of `journal` that wait for an operator
/// (`state="unknown"`: alert when above zero) and the claims under way (`state="in_progress"`),
/// read from the journal at each scrape (counted up to 100,000 each). Register it with your
/// exposer beside the registry and keep the pointer (an exposer holds what it exposes weakly);
/// `journal` must outlive it. A scrape while the journal's database is unreachable leaves the
/// gauge out.
std::shared_ptr<prometheus::Collectable> journal_entries_gauge(ReportJournal& journal);

}  // namespace wix::backinstock
