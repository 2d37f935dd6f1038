#include "wix/backinstock/json_object.h"

#include <nlohmann/json.hpp>

#include "validation.h"
#include "wix/backinstock/errors.h"

namespace wix::backinstock {

namespace {
const std::shared_ptr<const nlohmann::json>& empty_object() {
  static const auto* kEmpty =
      new std::shared_ptr<const nlohmann::json>(std::make_shared<const nlohmann::json>(
          nlohmann::json::object()));
  return *kEmpty;
}
}  // namespace

JsonObject::JsonObject() : value_(empty_object()) {}

JsonObject::JsonObject(const nlohmann::json& value, std::string_view field_name) {
  if (!value.is_object()) {
    throw ValidationError(std::string(field_name), "must be a JSON object");
  }
  try {
    (void)value.dump();  // rejects strings that are not valid UTF-8
  } catch (const nlohmann::json::exception&) {
    throw ValidationError(std::string(field_name), "holds text that is not valid UTF-8");
  }
  value_ = std::make_shared<const nlohmann::json>(value);
}

JsonObject::JsonObject(std::initializer_list<std::pair<std::string, std::string>> members) {
  auto value = nlohmann::json::object();
  for (const auto& [key, text] : members) {
    internal::check_text("options", key);
    internal::check_text("options." + key, text);
    value[key] = text;
  }
  value_ = std::make_shared<const nlohmann::json>(std::move(value));
}

JsonObject JsonObject::parse(std::string_view text, std::string_view field_name) {
  auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    throw ValidationError(std::string(field_name), "is not valid JSON");
  }
  return JsonObject(value, field_name);
}

bool JsonObject::empty() const noexcept { return value_->empty(); }

std::string JsonObject::dump() const {
  return value_->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool operator==(const JsonObject& a, const JsonObject& b) noexcept {
  return a.value_ == b.value_ || *a.value_ == *b.value_;
}

}  // namespace wix::backinstock
