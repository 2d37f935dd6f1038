// The Prometheus component end to end: calls against the emulator (successes, a rejection, a
// lost answer, retried 503s, a token request, Reports through the journal), then a real HTTP
// scrape of an exposer on loopback, and the exact values read from its text.

#include <curl/curl.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/journal.h"
#include "wix/backinstock/prometheus_metrics.h"

namespace wix::backinstock {
namespace {

constexpr char kApp[] = "metrics-app";
constexpr char kSecret[] = "metrics-app-secret";

ReportItemsBackInStockRequest a_report(const std::string& item = "orchid") {
  return ReportItemsBackInStockRequest(CatalogReference(item, kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// GET `url` with libcurl; the body.
std::string scrape(const std::string& url) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10'000L);
  EXPECT_EQ(curl_easy_perform(curl), CURLE_OK);
  curl_easy_cleanup(curl);
  return body;
}

// The value of the sample `series` (name and labels exactly as exposed), or -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::strtod(line.c_str() + series.size(), nullptr);
  }
  return -1;
}

class PrometheusTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options() {
    auto o = collecting();
    o.apps = {{kApp, kSecret}};
    return o;
  }
  PrometheusTest() : EmulatorFixture(options()) {
    char dir[] = "/tmp/wix-metrics-XXXXXX";
    dir_ = ::mkdtemp(dir);
  }
  ~PrometheusTest() override { std::system(("rm -rf " + dir_).c_str()); }

  void fail_next(const std::string& path, emulator::Fault::Kind kind, int status, int times = 1) {
    emulator::Fault fault;
    fault.kind = kind;
    fault.path = path;
    fault.status = status;
    fault.times = times;
    emulator_->inject(fault);
  }

  std::string dir_;
};

TEST_F(PrometheusTest, AScrapeShowsWhatTheServiceDid) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = std::make_shared<PrometheusMetrics>(*registry);

  ClientOptions options = client_options();
  options.observer = metrics;
  Client client(options);
  client.report_items_back_in_stock(a_report());
  client.report_items_back_in_stock(a_report());
  fail_next("/report-items-back-in-stock", emulator::Fault::Kind::kStatus, 400);
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), ApiError);
  fail_next("/report-items-back-in-stock", emulator::Fault::Kind::kDropAfter, 0);
  EXPECT_THROW(client.report_items_back_in_stock(a_report()), TransportError);
  fail_next("/settings", emulator::Fault::Kind::kStatus, 503, 2);
  client.get_settings();  // two 503s retried, then answered

  OAuthOptions oauth;
  oauth.base_url = emulator_->url();
  ClientOptions app_options = client_options();
  app_options.credentials = std::make_shared<OAuthClientCredentials>(kApp, kSecret, "inst", oauth);
  app_options.observer = metrics;
  Client app(app_options);
  app.get_settings();

  JournalOptions journal_options;
  journal_options.observer = metrics;
  auto journal = ReportJournal::sqlite(dir_ + "/journal.db", journal_options);
  EXPECT_EQ(journal.report(client, "restock-1", a_report("fern")).outcome, ReportOutcome::kSent);
  fail_next("/report-items-back-in-stock", emulator::Fault::Kind::kDropAfter, 0);
  EXPECT_EQ(journal.report(client, "restock-2", a_report("ivy")).outcome, ReportOutcome::kUnknown);

  prometheus::Exposer exposer("127.0.0.1:0");
  exposer.RegisterCollectable(registry);
  auto gauge = journal_entries_gauge(journal);  // exposers hold what they expose weakly
  exposer.RegisterCollectable(gauge);
  const std::string text =
      scrape("http://127.0.0.1:" + std::to_string(exposer.GetListeningPorts().at(0)) + "/metrics");

  const std::string report = R"(method="report_items_back_in_stock")";
  // Reports: 2 answered by the client itself and 1 through the journal; 1 refused; 2 lost.
  EXPECT_EQ(sample(text, "wix_backinstock_calls_total{" + report + R"(,outcome="ok"})"), 3);
  EXPECT_EQ(sample(text, "wix_backinstock_calls_total{" + report + R"(,outcome="rejected"})"), 1);
  EXPECT_EQ(sample(text, "wix_backinstock_calls_total{" + report + R"(,outcome="unknown"})"), 2);
  EXPECT_EQ(sample(text, R"(wix_backinstock_calls_total{method="get_settings",outcome="ok"})"), 2);
  EXPECT_EQ(
      sample(text, R"(wix_backinstock_retries_total{error_type="503",method="get_settings"})"), 2);
  EXPECT_EQ(sample(text, R"(wix_backinstock_http_client_request_duration_seconds_count{)"
                         R"(error_type="503",http_request_method="PUT",)"
                         R"(http_response_status_code="503",method="get_settings"})"),
            2);
  EXPECT_EQ(sample(text, R"(wix_backinstock_http_client_request_duration_seconds_count{)"
                         R"(error_type="",http_request_method="POST",)"
                         R"(http_response_status_code="400",method="report_items_back_in_stock"})"),
            -1);  // a 400 has error.type "400"
  EXPECT_EQ(sample(text, R"(wix_backinstock_http_client_request_duration_seconds_count{)"
                         R"(error_type="400",http_request_method="POST",)"
                         R"(http_response_status_code="400",method="report_items_back_in_stock"})"),
            1);
  EXPECT_EQ(sample(text, R"(wix_backinstock_token_requests_total{error_type="",outcome="ok",)"
                         R"(url_path="/oauth2/token"})"),
            1);
  EXPECT_EQ(sample(text, R"(wix_backinstock_journal_reports_total{outcome="sent"})"), 1);
  EXPECT_EQ(sample(text, R"(wix_backinstock_journal_reports_total{outcome="unknown"})"), 1);
  EXPECT_EQ(sample(text, R"(wix_backinstock_journal_entries{state="unknown"})"), 1);
  EXPECT_EQ(sample(text, R"(wix_backinstock_journal_entries{state="in_progress"})"), 0);
  // Bounded labels: no key, ID or e-mail anywhere in the exposition.
  EXPECT_EQ(text.find("restock-"), std::string::npos);
  EXPECT_EQ(text.find("orchid"), std::string::npos);
  EXPECT_EQ(text.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace wix::backinstock
