#pragma once

// The wire shape of every API method: one function per method of `Connection` in namespace
// `wire_calls`, named after the method and taking the method's own arguments (the call options
// last, unused by the shape today). Each returns the `WireCall` both clients send (verb, path,
// query string, body, safety class), or, for a method the SDK sends as several requests, a
// `SplitCall`. The blocking connection and the asynchronous one (src/clients/) write each method
// out and call these by name. What a 200 answer gives back is in answers.h. Internal.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec.h"
#include "encoding.h"
#include "validation.h"
#include "wire.h"
#include "wix/backinstock/client_options.h"
#include "wix/backinstock/model.h"
#include "wix/backinstock/paths.h"

namespace wix::backinstock::internal {

/// One API call sent as several requests (Count: at most 100 references per URL). Each part's
/// answer is matched to the references that part asked for (`decode_part`), and the parts'
/// results are concatenated in order. No parts: the answer is empty without a request.
struct SplitCall {
  std::vector<WireCall> parts;
  std::vector<std::vector<CatalogReference>> asked;  ///< per part, the references it counts
};

/// How Count splits `references`: [begin, end) ranges in input order, each of at most 100
/// references whose `.r` parameter fits in a URL (see `kMaxCountParameterLength`). Empty input:
/// no batch.
std::vector<std::pair<std::size_t, std::size_t>> count_batches(
    const std::vector<CatalogReference>& references);

namespace wire_calls {

/// An ID as one path segment: percent-encoded, and `.` / `..` spelled `%2E` so that no one
/// (libcurl, a proxy, the server) reads them as dot segments.
inline std::string checked_id(const std::string& id) {
  check_required_text("id", id);
  if (id == "." || id == "..") return id == "." ? "%2E" : "%2E%2E";
  return percent_encode(id);
}

/// `call`, marked as a call of the API method `api_method` (each builder below passes its own
/// name, `__func__`, which is the method's).
inline WireCall of_method(const char* api_method, WireCall call) {
  call.api_method = api_method;
  return call;
}

/// A path below the Notification Requests collection.
inline std::string under_requests(std::string_view rest) {
  std::string path;
  path.reserve(sizeof kRequestsPath - 1 + rest.size());
  path.append(kRequestsPath).append(rest);
  return path;
}

inline WireCall report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                           const CallOptions& /*options*/) {
  return of_method(__func__, {"POST", under_requests("/report-items-back-in-stock"), "",
                              encode_report(request), Safety::kNotIdempotent});
}

inline WireCall create_back_in_stock_notification_request(const NewNotificationRequest& request,
                                                          const ItemDetails& item_details,
                                                          const CallOptions& /*options*/) {
  return of_method(__func__, {"POST", kRequestsPath, "", encode_create(request, item_details),
                              Safety::kNotIdempotent});
}

inline WireCall get_back_in_stock_notification_request(const std::string& id,
                                                       const CallOptions& /*options*/) {
  auto encoded = checked_id(id);
  return of_method(__func__, {"GET", under_requests("/" + encoded), "id=" + encoded, "",
                              Safety::kIdempotent, id});
}

inline WireCall delete_back_in_stock_notification_request(const std::string& id,
                                                          const CallOptions& /*options*/) {
  auto encoded = checked_id(id);
  return of_method(__func__, {"DELETE", under_requests("/" + encoded), "id=" + encoded, ""});
}

inline WireCall mark_as_notification_sent(const std::string& id, const CallOptions& /*options*/) {
  auto encoded = checked_id(id);
  return of_method(__func__, {"PUT", under_requests("/" + encoded + "/mark-as-notification-sent"),
                              "", encode_id(id), Safety::kIdempotent, id});
}

inline WireCall query_back_in_stock_notification_requests(const Query& query,
                                                          const CallOptions& /*options*/) {
  return of_method(__func__, query_call(encode_query(query)));
}

/// One Count request (at most 100 references whose `.r` fits in a URL).
inline WireCall count_part(const std::vector<CatalogReference>& references) {
  return of_method("get_back_in_stock_notification_requests_count_by_catalog_references",
                   {"GET", under_requests("/count-by-catalog-reference"),
                    dot_r_parameter(encode_count(references)), ""});
}

/// Count, split as `count_batches` cuts the references.
inline SplitCall get_back_in_stock_notification_requests_count_by_catalog_references(
    const std::vector<CatalogReference>& catalog_references, const CallOptions& /*options*/) {
  SplitCall call;
  for (const auto& [begin, end] : count_batches(catalog_references)) {
    call.asked.emplace_back(catalog_references.begin() + static_cast<std::ptrdiff_t>(begin),
                            catalog_references.begin() + static_cast<std::ptrdiff_t>(end));
    call.parts.push_back(count_part(call.asked.back()));
  }
  return call;
}

/// Get Settings is a PUT with an empty object, as the service defines it.
inline WireCall get_settings(const CallOptions& /*options*/) {
  return of_method(__func__, {"PUT", under_requests("/settings"), "", "{}"});
}

inline WireCall start_collecting_requests(const std::string& app_id,
                                          const CallOptions& /*options*/) {
  check_required_text("appId", app_id);
  return of_method(
      __func__, {"POST", under_requests("/settings/start-collecting"), "", encode_app_id(app_id)});
}

inline WireCall stop_collecting_requests(const std::string& app_id,
                                         const CallOptions& /*options*/) {
  check_required_text("appId", app_id);
  return of_method(
      __func__, {"POST", under_requests("/settings/stop-collecting"), "", encode_app_id(app_id)});
}

}  // namespace wire_calls
}  // namespace wix::backinstock::internal
