#pragma once

// Checks shared by the request types' constructors. Internal.

#include <string>
#include <string_view>

namespace wix::backinstock::internal {

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Throws `ValidationError(field)` unless `text` is valid UTF-8 without NUL or other C0 control
/// characters (tab, CR and LF excepted when `allow_newlines`).
void check_text(std::string_view field, std::string_view text, bool allow_newlines = true);

/// `check_text`, and non-empty.
void check_required_text(std::string_view field, std::string_view text);

/// Throws `ValidationError(field)` when a header value (key, token, ID) is empty or holds a
/// control character. The message never repeats the value, which may be a secret.
void check_header_value(std::string_view field, std::string_view value);

/// True when `value` can be sent as a header value: non-empty, no control character (CR, LF, NUL,
/// ...). For values that come from elsewhere (a token endpoint's answer).
bool is_header_value(std::string_view value) noexcept;

/// True for `http://host...` / `https://host...` with a non-empty host and no whitespace.
bool is_absolute_http_url(std::string_view text) noexcept;

/// True when the host of the absolute URL `url` is loopback (127.0.0.0/8, `[::1]`, `localhost`,
/// decided by parsing the address).
bool targets_loopback(std::string_view url) noexcept;

/// A validated, normalised base URL (no trailing slash). Plain `http://` is refused for hosts
/// other than loopback (decided by parsing the address) unless `allow_insecure_http`. Throws
/// `ValidationError(field)`.
std::string checked_base_url(std::string url, bool allow_insecure_http,
                             const char* field = "base_url");

/// A path prefix for URLs: empty, or `/` followed by path characters (letters, digits,
/// `-._~!$&'()*+,;=:@/` and percent escapes), not ending with `/`. Throws `ValidationError(field)`.
std::string checked_path_prefix(const char* field, std::string prefix);

/// True for a non-negative decimal: digits, optionally a point and more digits.
bool is_non_negative_decimal(std::string_view text) noexcept;

}  // namespace wix::backinstock::internal
