#pragma once

// The service's own checks of request fields (documented validation rules), shared by the
// handlers of the store.

#include <optional>
#include <string>

#include "replies.h"

namespace wix::backinstock::emulator::detail {

/// The Wix Stores catalog app, the only app Start Collecting accepts.
inline constexpr char kWixStoresAppId[] = "215238eb-22a5-4c36-9e7b-e7c08025e04e";

/// `http://host...` or `https://host...` without whitespace.
bool is_http_url(const std::string& url);
/// A non-negative decimal (`29.99`, `0`).
bool is_decimal(const std::string& s);
/// Loosely an e-mail address: one `@`, a dot after it, no whitespace.
bool is_email(const std::string& s);

/// Checks `itemDetails` of a Report or Create body; nullopt when valid.
std::optional<Reply> check_item_details(const json& body);
/// Checks a catalog reference found at `path`; nullopt when valid.
std::optional<Reply> check_catalog_reference(const json& reference, const std::string& path);
/// The identity of a catalog reference: appId, catalogItemId and options compared structurally.
json reference_key(const json& reference);

}  // namespace wix::backinstock::emulator::detail
