#include "rules.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace wix::backinstock::emulator::detail {

bool is_http_url(const std::string& url) {
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  return std::none_of(url.begin(), url.end(),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool is_decimal(const std::string& s) {
  std::size_t i = 0, digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  std::size_t frac = 0;
  for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++frac;
  return frac > 0 && i == s.size();
}

bool is_email(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string::npos && s.find('.', at) != std::string::npos &&
         std::none_of(s.begin(), s.end(),
                      [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// Checks `itemDetails` as the service does; nullopt when valid.
std::optional<Reply> check_item_details(const json& body) {
  const json* details = find(body, "itemDetails");
  std::vector<Violation> violations;
  if (details == nullptr || !details->is_object()) {
    violations.push_back({"itemDetails", "is required", "REQUIRED_FIELD", ""});
    return validation_error(violations);
  }
  if (string_or_empty(*details, "name").empty()) {
    violations.push_back({"itemDetails.name", "is required", "REQUIRED_FIELD", ""});
  }
  const json* price = find(*details, "price");
  if (price != nullptr && !price->is_string()) {
    violations.push_back(
        {"itemDetails.price", "must be a string holding a decimal number", "FORMAT", ""});
  } else if (price == nullptr || price->get<std::string>().empty()) {
    violations.push_back({"itemDetails.price", "is required", "REQUIRED_FIELD", ""});
  } else if (!is_decimal(price->get<std::string>())) {
    violations.push_back(
        {"itemDetails.price", "must be greater than or equal to 0", "OTHER", "DECIMAL_GTE"});
  }
  if (!violations.empty()) return validation_error(violations);
  if (const json* image = find(*details, "image")) {
    std::string url = string_or_empty(*image, "url");
    if (!image->is_object() || (!is_http_url(url) && url.rfind("wix:image://", 0) != 0)) {
      return app_error(400, "INVALID_ITEM_IMAGE_URL", "Item image URL is invalid");
    }
  }
  return std::nullopt;
}

// Checks a catalog reference at `path`; nullopt when valid.
std::optional<Reply> check_catalog_reference(const json& reference, const std::string& path) {
  if (!reference.is_object()) return one_violation(path, "is required");
  std::string item = string_or_empty(reference, "catalogItemId");
  if (item.empty()) return one_violation(path + ".catalogItemId", "is required");
  if (item.size() > 36) {
    return one_violation(path + ".catalogItemId", "must be at most 36 characters", "MAX_LENGTH");
  }
  if (string_or_empty(reference, "appId").empty()) {
    return one_violation(path + ".appId", "is required");
  }
  return std::nullopt;
}

// The identity of a catalog reference: appId, catalogItemId and options compared structurally.
json reference_key(const json& reference) {
  json key = {{"appId", string_or_empty(reference, "appId")},
              {"catalogItemId", string_or_empty(reference, "catalogItemId")}};
  const json* options = find(reference, "options");
  key["options"] = options != nullptr && options->is_object() ? *options : json::object();
  return key;
}

}  // namespace wix::backinstock::emulator::detail
