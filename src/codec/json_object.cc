#include "wix/backinstock/json_object.h"

#include <nlohmann/json.hpp>

#include "codec.h"
#include "json_object_state.h"
#include "json_writer.h"
#include "untrusted_json.h"
#include "validation.h"
#include "wix/backinstock/errors.h"

namespace wix::backinstock {

const std::shared_ptr<const JsonObject::State>& internal::ModelAccess::empty_state() {
  static const auto* const kEmpty = new std::shared_ptr<const JsonObject::State>(
      std::make_shared<const JsonObject::State>(nlohmann::json::object(), "{}"));
  return *kEmpty;
}

JsonObject::JsonObject() : state_(internal::ModelAccess::empty_state()) {}

JsonObject::JsonObject(const nlohmann::json& value, std::string_view field_name) {
  if (!value.is_object()) {
    throw ValidationError(std::string(field_name), "must be a JSON object");
  }
  std::string text;
  try {
    text = value.dump();  // also rejects strings that are not valid UTF-8
  } catch (const nlohmann::json::exception&) {
    throw ValidationError(std::string(field_name), "holds text that is not valid UTF-8");
  }
  state_ = std::make_shared<const State>(value, std::move(text));
}

JsonObject::JsonObject(std::initializer_list<std::pair<std::string, std::string>> members) {
  auto value = nlohmann::json::object();
  for (const auto& [key, text] : members) {
    internal::check_text("options", key);
    internal::check_text("options." + key, text);
    value[key] = text;
  }
  // Written directly, in the key order nlohmann's object keeps (sorted), for the same text.
  internal::JsonWriter writer(64);
  writer.begin_object();
  for (const auto& [key, text] : value.items())
    writer.member(key, text.get_ref<const std::string&>());
  writer.end_object();
  state_ = std::make_shared<const State>(std::move(value), writer.take());
}

JsonObject JsonObject::parse(std::string_view text, std::string_view field_name) {
  auto parsed = internal::parse_untrusted(text);
  if (!parsed.ok()) {
    throw ValidationError(std::string(field_name),
                          std::string("is not valid JSON (") + parsed.problem + ")");
  }
  return JsonObject(parsed.value, field_name);
}

bool JsonObject::empty() const noexcept { return state_->value.empty(); }

const std::string& JsonObject::dump() const noexcept { return state_->dump(); }

const nlohmann::json& JsonObject::json() const noexcept { return state_->value; }

bool operator==(const JsonObject& a, const JsonObject& b) noexcept {
  return a.state_ == b.state_ || a.state_->value == b.state_->value;
}

}  // namespace wix::backinstock
