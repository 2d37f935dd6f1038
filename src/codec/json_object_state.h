#pragma once

// What a JsonObject holds: the value and its compact text. Internal.

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "wix/backinstock/json_object.h"

namespace wix::backinstock {

/// The value, and its compact text made on first use (decoded options are rarely dumped).
struct JsonObject::State {
  explicit State(nlohmann::json v) : value(std::move(v)) {}
  State(nlohmann::json v, std::string t) : value(std::move(v)), text_(std::move(t)) {
    std::call_once(once_, [] {});
  }
  const std::string& dump() const {
    std::call_once(once_, [this] {
      text_ = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    });
    return text_;
  }

  nlohmann::json value;

 private:
  mutable std::once_flag once_;
  mutable std::string text_;
};

}  // namespace wix::backinstock
