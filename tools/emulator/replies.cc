#include "replies.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace wix::backinstock::emulator::detail {

using nlohmann::ordered_json;

Reply app_error(int status, const std::string& code, const std::string& description) {
  ordered_json body = {
      {"message", description},
      {"details",
       {{"applicationError",
         {{"code", code}, {"description", description}, {"data", json::object()}}}}}};
  return {status, body.dump()};
}

Reply validation_error(const std::vector<Violation>& violations) {
  std::string message = "INVALID_ARGUMENT:";
  ordered_json list = ordered_json::array();
  for (const auto& v : violations) {
    message += (list.empty() ? " \"" : ", \"") + v.field + "\" " + v.description;
    ordered_json entry = {
        {"field", v.field}, {"description", v.description}, {"violatedRule", v.rule}};
    if (!v.rule_name.empty()) entry["ruleName"] = v.rule_name;
    entry["data"] = json::object();
    list.push_back(std::move(entry));
  }
  ordered_json body = {{"message", message},
                       {"details", {{"validationError", {{"fieldViolations", list}}}}}};
  return {400, body.dump()};
}

Reply one_violation(const std::string& field, const std::string& description,
                    const std::string& rule) {
  return validation_error({{field, description, rule, ""}});
}

Reply not_found() { return app_error(404, "NOT_FOUND", "Not found"); }

Reply method_not_allowed() { return app_error(404, "NOT_FOUND", "No such method on this path"); }

const json* find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_or_empty(const json& object, const char* key) {
  const json* v = find(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string random_guid(std::mt19937_64& rng) {
  std::uniform_int_distribution<unsigned> hex(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
  for (auto& c : out) {
    if (c == 'x') c = kHex[hex(rng)];
  }
  return out;
}

std::string now_timestamp(long long& last_ms) {
  using namespace std::chrono;
  long long ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  if (ms <= last_ms) ms = last_ms + 1;  // strictly increasing, so creation order is sortable
  last_ms = ms;
  return format_timestamp(ms);
}

std::string format_timestamp(long long ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace wix::backinstock::emulator::detail
