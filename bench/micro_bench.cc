// Micro-benchmarks of the SDK's own work, without the network.

#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include "codec.h"
#include "error_mapping.h"
#include "wire.h"
#include "wix/backinstock/backinstock.h"

namespace bis = wix::backinstock;

namespace {

void BM_BuildValidateSerializeReport(benchmark::State& state) {
  for (auto _ : state) {
    bis::ReportItemsBackInStockRequest request(
        bis::CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", bis::kWixStoresAppId,
                              {{"variantId", "00000000-0000-0000-0000-000000000000"}}),
        bis::ItemDetails("White Orchid", "29.99",
                         bis::Image("https://static.wixstatic.com/media/orchid.jpg")),
        {{"storeName", "Green Thumb Nursery"}});
    auto body = bis::internal::encode_report(request);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_BuildValidateSerializeReport);

std::string query_page(int n) {
  nlohmann::json requests = nlohmann::json::array();
  for (int i = 0; i < n; ++i) {
    requests.push_back({{"id", "6f3c2a1e-8b4d-4c7a-9e2f-" + std::to_string(100000000000 + i)},
                        {"catalogReference",
                         {{"appId", bis::kWixStoresAppId},
                          {"catalogItemId", "c8539b66-7a44-fe18-affc-afec4be8562a"},
                          {"options", {{"variantId", "00000000-0000-0000-0000-000000000000"}}}}},
                        {"email", "customer" + std::to_string(i) + "@example.com"},
                        {"contactId", "2d8e4b6a-1c3f-4e5a-8b7d-9f0e1a2b3c4d"},
                        {"status", "RECEIVED"},
                        {"createdDate", "2024-03-14T09:26:53.589Z"},
                        {"itemUrl", "https://www.example.com/product-page/white-orchid"}});
  }
  return nlohmann::json{
      {"requests", requests},
      {"metadata", {{"count", n}, {"cursors", {{"next", "eyJ2YWx1ZSI6IjIwMjQifQ"}}}}}}
      .dump();
}

void BM_DecodeQueryPage100(benchmark::State& state) {
  const std::string body = query_page(100);
  for (auto _ : state) {
    auto page = bis::internal::decode_query_response(body);
    benchmark::DoNotOptimize(page);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeQueryPage100);

// The reference for decoding: nlohmann's parser alone on the same bytes, no model built.
void BM_NlohmannParseQueryPage100(benchmark::State& state) {
  const std::string body = query_page(100);
  for (auto _ : state) {
    auto parsed = nlohmann::json::parse(body);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_NlohmannParseQueryPage100);

// nlohmann's SAX parser with a handler that does nothing: what any decoder built on the project's
// JSON library pays before it keeps a single value.
struct NoopSax {
  // NOLINTBEGIN(readability-identifier-naming)
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(nlohmann::json::number_integer_t) { return true; }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return true; }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(nlohmann::json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
  // NOLINTEND(readability-identifier-naming)
};

void BM_NlohmannSaxNoopQueryPage100(benchmark::State& state) {
  const std::string body = query_page(100);
  for (auto _ : state) {
    NoopSax sax;
    benchmark::DoNotOptimize(nlohmann::json::sax_parse(body, &sax));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_NlohmannSaxNoopQueryPage100);

void BM_DotREncoding(benchmark::State& state) {
  auto query = bis::Query()
                   .filter(bis::Filter::in(bis::QueryField::kStatus,
                                           {bis::Status::kReceived, bis::Status::kFailed}) &&
                           bis::Filter::exists(bis::QueryField::kItemUrl))
                   .sort(bis::QueryField::kCreatedDate, bis::SortOrder::kDescending)
                   .limit(50);
  for (auto _ : state) {
    auto call = bis::internal::query_call(bis::internal::encode_query(query));
    benchmark::DoNotOptimize(call);
  }
}
BENCHMARK(BM_DotREncoding);

void BM_ErrorMapping(benchmark::State& state) {
  bis::HttpResponse response{
      400,
      {{"x-wix-request-id", "1700000000.1234"}},
      R"({"message":"Item image URL is invalid","details":{"applicationError":{"code":"INVALID_ITEM_IMAGE_URL","description":"Item image URL is invalid","data":{}}}})"};
  const std::vector<std::string> secrets = {"IST.some-api-key"};
  for (auto _ : state) {
    try {
      bis::internal::throw_api_error(response, secrets);
    } catch (const bis::InvalidItemImageUrlError& e) {
      benchmark::DoNotOptimize(e.what());
    }
  }
}
BENCHMARK(BM_ErrorMapping);

}  // namespace

// `micro_bench --decode-loop MODE N` decodes the 100-item page N times and exits, so that
// callgrind can count instructions per decode ((N2 - N1) runs): MODE is `sdk` (the SDK's
// decoder), `parse` (nlohmann::json::parse) or `sax` (nlohmann's SAX pass with a no-op handler).
int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--decode-loop") {
    const std::string mode = argv[2];
    const long runs = std::atol(argv[3]);
    const std::string body = query_page(100);
    std::size_t sink = 0;
    for (long i = 0; i < runs; ++i) {
      if (mode == "sdk") {
        sink += bis::internal::decode_query_response(body).requests.size();
      } else if (mode == "parse") {
        sink += nlohmann::json::parse(body).size();
      } else {
        NoopSax sax;
        sink += nlohmann::json::sax_parse(body, &sax) ? 1 : 0;
      }
    }
    return sink == 0 ? 1 : 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
