#include "wire_calls.h"

namespace wix::backinstock::internal {

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

}  // namespace wix::backinstock::internal
