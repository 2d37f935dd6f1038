// A program of a user of the prometheus component: the SDK's metrics in its registry, then
// serialized as a scrape would see them.
#include <iostream>
#include <memory>
#include <string>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <wix/backinstock/prometheus_metrics.h>

int main() {
  namespace bis = wix::backinstock;
  auto registry = std::make_shared<prometheus::Registry>();
  bis::PrometheusMetrics metrics(*registry);
  metrics.on_call({"report_items_back_in_stock", bis::CallOutcome::kOk, "", 1, {}});
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  const std::string line =
      "wix_backinstock_calls_total{method=\"report_items_back_in_stock\",outcome=\"ok\"} 1";
  if (text.find(line) == std::string::npos) return 1;
  std::cout << "metrics registered; " << line << "\n";
  return 0;
}
