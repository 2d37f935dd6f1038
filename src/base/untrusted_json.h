#pragma once

// Parsing JSON that came from elsewhere (responses, error bodies, token answers, webhooks, requests
// to the emulator). The nesting depth and the number of values are checked by a linear scan before
// nlohmann builds a tree, so no attacker-shaped tree is ever copied, dumped or destroyed
// recursively, and a body of a few MiB cannot become a tree of hundreds (`[[],[],...]` costs about
// 50 times its size). Header-only: a primitive the library and the emulator share. Internal.

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wix::backinstock::internal {

/// Deepest nesting of arrays and objects accepted from the network.
inline constexpr std::size_t kMaxJsonDepth = 100;

/// Most values (array elements and object members, each array and object counted too) accepted
/// in one document: far above any answer or request of the API (a Count of 100 references holds
/// about 500), far below what would cost memory.
inline constexpr std::size_t kMaxJsonValues = 1'000'000;
/// Most arrays and objects accepted in one document (each is a tree node of its own).
inline constexpr std::size_t kMaxJsonContainers = 100'000;

/// Why `text` is refused before it is parsed ("nested too deeply", "too many values"), or null.
/// Exact for valid JSON; for anything else the parser rejects the text anyway.
inline const char* json_shape_problem(std::string_view text, std::size_t max_depth,
                                      std::size_t max_values = kMaxJsonValues,
                                      std::size_t max_containers = kMaxJsonContainers) noexcept {
  std::size_t depth = 0;
  std::size_t values = 0;
  std::size_t containers = 0;
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
      if (++depth > max_depth) return "nested too deeply";
      if (++containers > max_containers || ++values > max_values) return "too many values";
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && ++values > max_values) {
      return "too many values";
    }
  }
  return nullptr;
}

/// Whether the arrays and objects of `text` nest at most `max_depth` deep.
inline bool json_depth_within(std::string_view text, std::size_t max_depth) noexcept {
  return json_shape_problem(text, max_depth, static_cast<std::size_t>(-1),
                            static_cast<std::size_t>(-1)) == nullptr;
}

/// The outcome of `parse_untrusted`.
struct UntrustedJson {
  nlohmann::json value;           ///< discarded unless `problem` is null
  const char* problem = nullptr;  ///< "nested too deeply", "too many values" or "not JSON"
  bool ok() const noexcept { return problem == nullptr; }
};

/// Parses `text` without exceptions, refusing nesting deeper than `max_depth` and more values
/// than kMaxJsonValues (kMaxJsonContainers arrays and objects).
inline UntrustedJson parse_untrusted(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  UntrustedJson out;
  if (const char* problem = json_shape_problem(text, max_depth)) {
    out.value = nlohmann::json(nlohmann::json::value_t::discarded);
    out.problem = problem;
    return out;
  }
  out.value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out.value.is_discarded()) out.problem = "not JSON";
  return out;
}

}  // namespace wix::backinstock::internal
