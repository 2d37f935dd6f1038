#pragma once

// What the 200 answer of each API method gives back: the decoding of its body by result type,
// Count's counts matched to the references a part asked for, and the one place where a body that
// is not the expected JSON becomes `TransportError(kMalformedResponse)`. Both clients decode
// through these. Internal.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "codec.h"
#include "error_access.h"
#include "wix/backinstock/model.h"

namespace wix::backinstock::internal {

/// The result of a 200 body, per result type of the API methods.
template <typename Result>
Result decode_result(std::string_view body);
template <>
inline void decode_result<void>(std::string_view /*body*/) {}
template <>
inline NotificationRequest decode_result<NotificationRequest>(std::string_view body) {
  return decode_request_response(body);
}
template <>
inline QueryPage decode_result<QueryPage>(std::string_view body) {
  return decode_query_response(body);
}
template <>
inline std::vector<CatalogReferenceCount> decode_result<std::vector<CatalogReferenceCount>>(
    std::string_view body) {
  return decode_count_response(body);
}
template <>
inline Settings decode_result<Settings>(std::string_view body) {
  return decode_settings_response(body);
}

/// The result of a 200 body of a call that asked about request `expected_id` (empty: any): an
/// answer about another request (another customer's) throws `MalformedBody`, never success.
template <typename Result>
Result decode_result_about(std::string_view body, const std::string& expected_id) {
  if constexpr (std::is_same_v<Result, NotificationRequest>) {
    NotificationRequest request = decode_result<Result>(body);
    if (!expected_id.empty() && request.id != expected_id) {
      throw MalformedBody("the answer is about another request than the one asked for");
    }
    return request;
  } else {
    return decode_result<Result>(body);
  }
}

/// The counts of one Count answer, put on the references asked for, in the order asked: each
/// reference gets the count the answer gives for an equal reference (never a count on another
/// product). A reference the answer leaves out is counted 0 with `counted` false; one it covers
/// twice with different counts throws `MalformedBody`; references it answers but were not asked
/// for are ignored.
std::vector<CatalogReferenceCount> match_counts(const std::vector<CatalogReference>& asked,
                                                const std::vector<CatalogReferenceCount>& answered);

/// The result of a Count part that asked for `asked`, from its 200 body.
inline std::vector<CatalogReferenceCount> decode_part(const std::vector<CatalogReference>& asked,
                                                      std::string_view body) {
  return match_counts(asked, decode_count_response(body));
}

/// Decodes the body of a successful call with `decode`. A body that is not the expected JSON ends
/// the call as `TransportError(kMalformedResponse)`; any error is annotated with `attempts`.
template <typename Decode>
auto decode_answer(Decode&& decode, std::string_view body, int attempts) -> decltype(decode(body)) {
  try {
    try {
      return decode(body);
    } catch (const MalformedBody& e) {
      throw malformed_response("malformed response body: ", e);
    }
  } catch (Error& e) {
    internal::ErrorAccess::annotate(e, attempts, "not retryable");
    throw;
  }
}

}  // namespace wix::backinstock::internal
