#pragma once

// Paths, encodings and request shapes of the service. Internal.

#include <cstddef>
#include <string>
#include <string_view>

namespace wix::backinstock::internal {

/// Above this many characters of query string, Query switches from GET `.r` to POST `/query`.
inline constexpr std::size_t kMaxQueryStringLength = 4000;

/// Count has no body form, so its `.r` parameter must fit in a URL: batches are cut so that the
/// parameter stays under this length (8 KiB request lines are a common server limit).
inline constexpr std::size_t kMaxCountParameterLength = 7800;
/// At most this many references per Count call (documented limit).
inline constexpr std::size_t kMaxCountBatch = 100;

/// Length of `.r=` + base64url (unpadded) of `json_length` bytes.
constexpr std::size_t dot_r_length(std::size_t json_length) {
  return 3 + (json_length * 4 + 2) / 3;
}

/// The `.r=<base64url(json)>` parameter string for a complex GET (without the leading `?`).
std::string dot_r_parameter(std::string_view json);

/// Whether a call may be repeated without changing the outcome. A call that is not idempotent
/// (Report e-mails customers, Create creates contacts) is never sent twice once any byte of it
/// may have reached the server.
enum class Safety { kIdempotent, kNotIdempotent };

/// Shape of one request on the wire: verb, path below the base URL, optional query string, body,
/// and the safety class of the API method it belongs to.
struct WireCall {
  const char* method;
  std::string path;
  std::string query_string;  ///< without '?', empty for none
  std::string body;          ///< sent for POST and PUT only
  Safety safety = Safety::kIdempotent;
  /// The ID the answer's request must have (Get, Mark As Notification Sent); empty: none.
  std::string expected_id{};
  /// The API method it is a call of, named as the `Client` method (for observers); set by its
  /// builder in wire_calls.h.
  const char* api_method = "";
};

/// Query: GET `.r` unless the parameter would exceed 4000 characters or the query is empty.
WireCall query_call(std::string request_json);

}  // namespace wix::backinstock::internal
