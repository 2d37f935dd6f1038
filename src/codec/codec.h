#pragma once

// JSON encoding of requests and decoding of responses. Internal: nlohmann/json
// stays in src/. Decoding is lenient: unknown fields are ignored, null is the same as absent,
// unknown enum values are kept; a body that is not the expected JSON throws `MalformedBody`.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_object_state.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/query.h"

namespace wix::backinstock::internal {

/// Builds model objects from server data without the request-side checks.
struct ModelAccess {
  /// The state of every empty `JsonObject` (`{}`), shared.
  static const std::shared_ptr<const JsonObject::State>& empty_state();
  /// A JsonObject from a parsed (hence valid) object, without re-checking it.
  static JsonObject json_object(nlohmann::json value) {
    return JsonObject(std::make_shared<const JsonObject::State>(std::move(value)));
  }
  static CatalogReference catalog_reference(std::string catalog_item_id, std::string app_id,
                                            JsonObject options) {
    return CatalogReference(CatalogReference::Unchecked{}, std::move(catalog_item_id),
                            std::move(app_id), std::move(options));
  }
};

/// One catalog reference as JSON (`{"appId", "catalogItemId", "options"?}`).
std::string encode_catalog_reference(const CatalogReference& reference);

std::string encode_report(const ReportItemsBackInStockRequest& request);
std::string encode_create(const NewNotificationRequest& request, const ItemDetails& item_details);
std::string encode_id(const std::string& id);
std::string encode_app_id(const std::string& app_id);
/// `{"query": {...}}`; with a cursor only `cursorPaging` is sent (a cursor encodes the rest).
std::string encode_query(const Query& query);
std::string encode_count(const std::vector<CatalogReference>& references);

CatalogReference decode_catalog_reference(const nlohmann::json& value);
NotificationRequest decode_notification_request(const nlohmann::json& value);

/// A body that is not the JSON a method returns. The codec knows nothing of transports: the
/// clients turn this into `TransportError(kMalformedResponse)` (see `decode_answer`).
struct MalformedBody : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What a client reports for `body_error`: `TransportError(kMalformedResponse)` (the request
/// reached the server), its message `what` followed by the problem. The one conversion of both
/// the API's answers (`decode_answer`) and the token endpoint's (token_request.h).
inline TransportError malformed_response(const char* what, const MalformedBody& body_error) {
  return TransportError(TransportError::Kind::kMalformedResponse, true,
                        std::string(what) + body_error.what());
}

/// Parses a 200 body; throws `MalformedBody` when it is not a JSON object.
nlohmann::json parse_body(std::string_view body);

NotificationRequest decode_request_response(std::string_view body);
/// Straight from the parser's events into the page, no document (query_decoder.cc).
QueryPage decode_query_response(std::string_view body);
/// The same through a parsed document: the reference `decode_query_response` is tested and
/// fuzzed against.
QueryPage decode_query_response_dom(std::string_view body);
std::vector<CatalogReferenceCount> decode_count_response(std::string_view body);
Settings decode_settings_response(std::string_view body);

}  // namespace wix::backinstock::internal
