#pragma once

/// @file json_object.h
/// `JsonObject`: a free-form JSON object, used where the wire carries one
/// (`catalogReference.options`). It only forward-declares nlohmann::json, so including it stays
/// cheap; code that wants to build or read the value as `nlohmann::json` includes
/// `<nlohmann/json.hpp>` itself.

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json_fwd.hpp>

namespace wix::backinstock {

namespace internal {
struct ModelAccess;
}  // namespace internal

/// An immutable JSON object (never an array, string or number). Compared structurally.
/// Thread safety: immutable, safe to share. Copy: one reference count.
class JsonObject {
 public:
  /// The empty object `{}`.
  JsonObject();
  /// Takes a copy of `value`. Throws `ValidationError` (field `field_name`) unless it is an object.
  JsonObject(const nlohmann::json& value, std::string_view field_name = "options");  // NOLINT
  /// The common case of string values only: `{{"variantId", "..."}}`.
  JsonObject(std::initializer_list<std::pair<std::string, std::string>> members);  // NOLINT

  /// Parses JSON text; throws `ValidationError` (field `field_name`) unless it is an object.
  static JsonObject parse(std::string_view text, std::string_view field_name = "options");

  /// True for `{}`.
  bool empty() const noexcept;
  /// Compact JSON text (computed once, at construction).
  const std::string& dump() const noexcept;
  /// The value itself; use it with `<nlohmann/json.hpp>` included.
  const nlohmann::json& json() const noexcept;

  /// Structural equality.
  friend bool operator==(const JsonObject& a, const JsonObject& b) noexcept;
  /// Negation of `==`.
  friend bool operator!=(const JsonObject& a, const JsonObject& b) noexcept { return !(a == b); }

 private:
  struct State;  // the value and its text (json_object_state.h)
  friend struct internal::ModelAccess;
  explicit JsonObject(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace wix::backinstock
