#include "answers.h"

#include <string>

namespace wix::backinstock::internal {

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
    if (match == nullptr) {  // left out: counted as 0, and said so
      out.push_back({asked[i], 0, false});
      continue;
    }
    out.push_back({asked[i], match->count, true});
  }
  return out;
}

}  // namespace wix::backinstock::internal
