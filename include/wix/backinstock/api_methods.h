#pragma once

/// @file api_methods.h
/// The API methods of the Back In Stock Notification Requests and Back In Stock Settings services,
/// listed once. The mocks (mocks.h) and the overrides of the SDK's own connections are generated
/// from this list; `Client` and `AsyncClient` forward by hand. A new method is one row here, its
/// declarations and forwards in client.h and async_client.h, and its wire call (see
/// docs/adding-a-method.md).
///
/// `WIX_BACKINSTOCK_API_METHODS(X)` expands `X(Result, name, parameters, arguments)` once per
/// method, where `Result` is what the blocking `Client` method returns, `parameters` the
/// parenthesised parameter list (without default arguments; the last one is always
/// `const CallOptions& options`) and `arguments` the parenthesised names to forward. Expand it
/// inside `namespace wix::backinstock`, after including client.h. For example, a decorator
/// `Connection` that forwards every method to another one:
///
///     #define FORWARD(R, name, params, args) R name params override { return inner_->name args; }
///     class ForwardingConnection : public Connection {
///       WIX_BACKINSTOCK_API_METHODS(FORWARD)
///       std::shared_ptr<Connection> inner_;
///     };

// clang-format off
/// One `X(Result, name, parameters, arguments)` per API method; see the file comment.
#define WIX_BACKINSTOCK_API_METHODS(X)                                                          \
  X(void, report_items_back_in_stock,                                                           \
    (const ReportItemsBackInStockRequest& request, const CallOptions& options),                 \
    (request, options))                                                                          \
  X(NotificationRequest, create_back_in_stock_notification_request,                              \
    (const NewNotificationRequest& request, const ItemDetails& item_details,                    \
     const CallOptions& options),                                                                \
    (request, item_details, options))                                                            \
  X(NotificationRequest, get_back_in_stock_notification_request,                                 \
    (const std::string& id, const CallOptions& options), (id, options))                          \
  X(void, delete_back_in_stock_notification_request,                                             \
    (const std::string& id, const CallOptions& options), (id, options))                          \
  X(NotificationRequest, mark_as_notification_sent,                                              \
    (const std::string& id, const CallOptions& options), (id, options))                          \
  X(QueryPage, query_back_in_stock_notification_requests,                                        \
    (const Query& query, const CallOptions& options), (query, options))                          \
  X(std::vector<CatalogReferenceCount>,                                                          \
    get_back_in_stock_notification_requests_count_by_catalog_references,                         \
    (const std::vector<CatalogReference>& catalog_references, const CallOptions& options),      \
    (catalog_references, options))                                                               \
  X(Settings, get_settings, (const CallOptions& options), (options))                             \
  X(Settings, start_collecting_requests,                                                         \
    (const std::string& app_id, const CallOptions& options), (app_id, options))                  \
  X(Settings, stop_collecting_requests,                                                          \
    (const std::string& app_id, const CallOptions& options), (app_id, options))
// clang-format on
