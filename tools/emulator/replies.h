#pragma once

// The shapes of the emulator's answers (Wix error bodies) and small JSON helpers every room uses.

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wix::backinstock::emulator::detail {

using nlohmann::json;

/// An answer: status and JSON body.
struct Reply {
  int status = 200;
  std::string body = "{}";
};

/// One entry of `details.validationError.fieldViolations`.
struct Violation {
  std::string field;
  std::string description;
  std::string rule;
  std::string rule_name;
};

/// `{"message", "details": {"applicationError": {code, description, data}}}`.
Reply app_error(int status, const std::string& code, const std::string& description);
/// A 400 with every violation listed, as the service answers a request that fails validation.
Reply validation_error(const std::vector<Violation>& violations);
/// A 400 with one violation.
Reply one_violation(const std::string& field, const std::string& description,
                    const std::string& rule = "REQUIRED_FIELD");
/// 404 for a path that names nothing, and for a method the path does not have.
Reply not_found();
Reply method_not_allowed();

/// The member `key` of `object`, or null when absent, null, or `object` is not an object.
const json* find(const json& object, const char* key);
/// The string member `key`, or empty.
std::string string_or_empty(const json& object, const char* key);
/// ASCII lower case.
std::string lower(std::string s);
/// A random version-4 GUID.
std::string random_guid(std::mt19937_64& rng);
/// Now as `YYYY-MM-DDTHH:MM:SS.mmmZ`, strictly after the last value handed out through `last_ms`.
std::string now_timestamp(long long& last_ms);
/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
std::string format_timestamp(long long ms);

}  // namespace wix::backinstock::emulator::detail
