#pragma once

// Parsing JSON that came from elsewhere (responses, error bodies, token answers, webhooks, requests
// to the emulator). The nesting depth is checked by a linear scan before nlohmann builds a tree, so
// no attacker-shaped tree is ever copied, dumped or destroyed recursively. Header-only: a primitive
// the library and the emulator share. Internal.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wix::backinstock::internal {

/// Deepest nesting of arrays and objects accepted from the network.
inline constexpr std::size_t kMaxJsonDepth = 100;

/// Whether the arrays and objects of `text` nest at most `max_depth` deep. Exact for valid JSON;
/// for anything else the parser rejects the text anyway.
inline bool json_depth_within(std::string_view text, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

/// The outcome of `parse_untrusted`.
struct UntrustedJson {
  nlohmann::json value;           ///< discarded unless `problem` is null
  const char* problem = nullptr;  ///< "nested too deeply" or "not JSON"
  bool ok() const noexcept { return problem == nullptr; }
};

/// Parses `text` without exceptions, refusing nesting deeper than `max_depth`.
inline UntrustedJson parse_untrusted(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  UntrustedJson out;
  if (!json_depth_within(text, max_depth)) {
    out.value = nlohmann::json(nlohmann::json::value_t::discarded);
    out.problem = "nested too deeply";
    return out;
  }
  out.value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out.value.is_discarded()) out.problem = "not JSON";
  return out;
}

}  // namespace wix::backinstock::internal
