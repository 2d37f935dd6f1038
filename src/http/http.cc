// Transport-neutral helpers of the HTTP seam (`transport.h`).

#include <algorithm>
#include <cctype>

#include "wix/backinstock/transport.h"

namespace wix::backinstock {

std::optional<std::string_view> find_header(const HttpHeaders& headers,
                                            std::string_view name) noexcept {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          // ASCII case folding (header names are ASCII); no locale lookup per character.
          auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
          return fold(a) == fold(b);
        })) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace wix::backinstock
