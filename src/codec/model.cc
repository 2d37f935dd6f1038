#include "wix/backinstock/model.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <utility>

#include "validation.h"

namespace wix::backinstock {

using internal::check_required_text;
using internal::check_text;

CatalogReference::CatalogReference(std::string catalog_item_id, std::string app_id,
                                   JsonObject options)
    : catalog_item_id_(std::move(catalog_item_id)),
      app_id_(std::move(app_id)),
      options_(std::move(options)) {
  check_required_text("catalogReference.catalogItemId", catalog_item_id_);
  if (catalog_item_id_.size() > 36) {
    throw ValidationError("catalogReference.catalogItemId", "must be at most 36 characters");
  }
  check_required_text("catalogReference.appId", app_id_);
}

CatalogReference::CatalogReference(Unchecked, std::string catalog_item_id, std::string app_id,
                                   JsonObject options)
    : catalog_item_id_(std::move(catalog_item_id)),
      app_id_(std::move(app_id)),
      options_(std::move(options)) {}

bool operator==(const CatalogReference& a, const CatalogReference& b) noexcept {
  return a.catalog_item_id_ == b.catalog_item_id_ && a.app_id_ == b.app_id_ &&
         a.options_ == b.options_;
}

namespace {
bool is_wix_media_uri(std::string_view url) noexcept {
  return url.substr(0, 12) == "wix:image://" && url.size() > 12;
}
}  // namespace

Image::Image(std::string url, std::optional<std::string> alt_text, std::optional<std::string> id)
    : url_(std::move(url)), alt_text_(std::move(alt_text)), id_(std::move(id)) {
  check_required_text("itemDetails.image.url", url_);
  if (!internal::is_absolute_http_url(url_) && !is_wix_media_uri(url_)) {
    throw ValidationError("itemDetails.image.url",
                          "must be an absolute http(s) URL or a wix:image:// URI");
  }
  if (alt_text_) check_text("itemDetails.image.altText", *alt_text_);
  if (id_) check_text("itemDetails.image.id", *id_);
}

ItemDetails::ItemDetails(std::string name, std::string price, std::optional<Image> image)
    : name_(std::move(name)), price_(std::move(price)), image_(std::move(image)) {
  check_required_text("itemDetails.name", name_);
  if (price_.empty())
    throw ValidationError("itemDetails.price", "is required and must not be empty");
  if (!internal::is_non_negative_decimal(price_)) {
    throw ValidationError("itemDetails.price",
                          "must be a non-negative decimal string such as \"29.99\"");
  }
}

namespace {
void check_parameters(const TemplateParameters& parameters) {
  for (const auto& [name, value] : parameters) {
    if (name.empty()) {
      throw ValidationError("extraAutomationTemplateParameters", "has an empty parameter name");
    }
    check_text("extraAutomationTemplateParameters", name);
    check_text("extraAutomationTemplateParameters." + name, value);
  }
}
}  // namespace

ReportItemsBackInStockRequest::ReportItemsBackInStockRequest(CatalogReference catalog_reference,
                                                             ItemDetails item_details,
                                                             TemplateParameters extra_parameters)
    : catalog_reference_(std::move(catalog_reference)),
      item_details_(std::move(item_details)),
      extra_parameters_(std::move(extra_parameters)) {
  check_parameters(extra_parameters_);
}

ReportItemsBackInStockRequest::ReportItemsBackInStockRequest(std::vector<std::string> request_ids,
                                                             ItemDetails item_details,
                                                             TemplateParameters extra_parameters)
    : request_ids_(std::move(request_ids)),
      item_details_(std::move(item_details)),
      extra_parameters_(std::move(extra_parameters)) {
  if (request_ids_.empty()) {
    throw ValidationError("requestIds", "must hold at least one request ID");
  }
  for (std::size_t i = 0; i < request_ids_.size(); ++i) {
    check_required_text("requestIds[" + std::to_string(i) + "]", request_ids_[i]);
  }
  check_parameters(extra_parameters_);
}

ReportItemsBackInStockRequest ReportItemsBackInStockRequest::from_target(
    std::optional<CatalogReference> catalog_reference, std::vector<std::string> request_ids,
    ItemDetails item_details, TemplateParameters extra_parameters) {
  if (catalog_reference && !request_ids.empty()) {
    throw ValidationError("catalogReference/requestIds",
                          "exactly one of catalogReference and requestIds may be given, not both");
  }
  if (catalog_reference) {
    return ReportItemsBackInStockRequest(std::move(*catalog_reference), std::move(item_details),
                                         std::move(extra_parameters));
  }
  if (request_ids.empty()) {
    throw ValidationError("catalogReference/requestIds",
                          "one of catalogReference and requestIds is required");
  }
  return ReportItemsBackInStockRequest(std::move(request_ids), std::move(item_details),
                                       std::move(extra_parameters));
}

NewNotificationRequest::NewNotificationRequest(CatalogReference catalog_reference,
                                               std::string email,
                                               std::optional<std::string> item_url)
    : catalog_reference_(std::move(catalog_reference)),
      email_(std::move(email)),
      item_url_(std::move(item_url)) {
  check_required_text("request.email", email_);
  auto at = email_.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email_.size() ||
      email_.find('@', at + 1) != std::string::npos ||
      std::any_of(email_.begin(), email_.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
    throw ValidationError("request.email", "must be an e-mail address (local@domain)");
  }
  if (item_url_) {
    check_text("request.itemUrl", *item_url_);
    if (!internal::is_absolute_http_url(*item_url_)) {
      throw ValidationError("request.itemUrl", "must be an absolute http(s) URL");
    }
  }
}

namespace {
constexpr std::pair<Status, const char*> kStatusNames[] = {
    {Status::kUnspecified, "UNSPECIFIED"}, {Status::kReceived, "RECEIVED"},
    {Status::kProcessing, "PROCESSING"},   {Status::kNotificationSent, "NOTIFICATION_SENT"},
    {Status::kFailed, "FAILED"},
};
}  // namespace

const char* to_string(Status status) noexcept {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "UNKNOWN";
}

Status parse_status(std::string_view text) noexcept {
  for (const auto& [value, name] : kStatusNames) {
    if (text == name) return value;
  }
  return Status::kUnknown;
}

bool Settings::is_collecting(std::string_view app_id) const noexcept {
  return std::any_of(
      collection_states.begin(), collection_states.end(),
      [&](const CollectionState& s) { return s.app_id == app_id && s.collecting_requests; });
}

std::string format_timestamp(Timestamp t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = ms / 1000;
  auto millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

std::optional<Timestamp> parse_timestamp(std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    auto* first = s.data() + pos;
    auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && ptr == first + len;
  };
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !num(0, 4, year) || s[4] != '-' || !num(5, 2, month) || s[7] != '-' ||
      !num(8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, hour) ||
      s[13] != ':' || !num(14, 2, minute) || s[16] != ':' || !num(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    long long scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
  }
  long offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!num(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !num(pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600L + om * 60L) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Days since 1970-01-01 of the proleptic Gregorian date (years counted from March, so that the
  // leap day is the last of its year).
  const long long y = year - (month <= 2 ? 1 : 0);
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long year_of_era = y - era * 400;
  const long long day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long long day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const long long days = era * 146097 + day_of_era - 719468;
  const long long seconds_since_epoch =
      days * 86400 + hour * 3600LL + minute * 60LL + second - offset_seconds;
  // Only what the clock can hold: the whole seconds and the fraction within its range.
  using namespace std::chrono;
  using Duration = system_clock::duration;
  constexpr long long kMaxSeconds = duration_cast<seconds>(Duration::max()).count() - 1;
  constexpr long long kMinSeconds = duration_cast<seconds>(Duration::min()).count() + 1;
  if (seconds_since_epoch > kMaxSeconds || seconds_since_epoch < kMinSeconds) return std::nullopt;
  return system_clock::time_point(duration_cast<Duration>(seconds(seconds_since_epoch)) +
                                  duration_cast<Duration>(nanoseconds(nanos)));
}

}  // namespace wix::backinstock
