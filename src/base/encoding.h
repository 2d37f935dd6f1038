#pragma once

// Byte encodings of the wire (percent-encoding, base64url), shared by the library and the
// emulator so that neither carries its own copy. No knowledge of the API. Internal.

#include <string>
#include <string_view>

namespace wix::backinstock::internal {

/// Percent-encodes everything but RFC 3986 unreserved characters (so `/`, `?`, `#`, space, `%`
/// can never change the route).
std::string percent_encode(std::string_view text);

/// base64url without padding (RFC 4648 §5).
std::string base64url_encode(std::string_view data);

/// Inverse of `base64url_encode`; accepts padding and the standard alphabet too. Returns false on
/// malformed input.
bool base64url_decode(std::string_view text, std::string& out);

/// Strict inverse of `base64url_encode`: the URL alphabet only, no padding, zero unused bits, so
/// that one byte string has exactly one accepted spelling. Returns false otherwise.
bool base64url_decode_canonical(std::string_view text, std::string& out);

/// The value of a hex digit (either case), or -1.
int hex_value(char c) noexcept;

/// Decodes `%XX` escapes (either case); a `%` not followed by two hex digits stays as it is.
/// `plus_is_space`: `+` means a space, as in a form-encoded query string (not in a path).
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace wix::backinstock::internal
