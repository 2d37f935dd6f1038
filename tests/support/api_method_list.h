#pragma once

// The API methods, listed for tests that check something of every one of them (that the mocks
// mock each method). Test-only: the library writes each method out. A new API method gets a row
// here (docs/adding-a-method.md).
//
// WIX_TEST_API_METHODS(X) expands X(Result, name, parameters) once per method, where Result is
// what the blocking `Client` method returns and parameters its parenthesised parameter types.

// clang-format off
#define WIX_TEST_API_METHODS(X)                                                                   \
  X(void, report_items_back_in_stock,                                                              \
    (const ReportItemsBackInStockRequest&, const CallOptions&))                                    \
  X(NotificationRequest, create_back_in_stock_notification_request,                                \
    (const NewNotificationRequest&, const ItemDetails&, const CallOptions&))                       \
  X(NotificationRequest, get_back_in_stock_notification_request,                                   \
    (const std::string&, const CallOptions&))                                                      \
  X(void, delete_back_in_stock_notification_request, (const std::string&, const CallOptions&))     \
  X(NotificationRequest, mark_as_notification_sent, (const std::string&, const CallOptions&))      \
  X(QueryPage, query_back_in_stock_notification_requests, (const Query&, const CallOptions&))      \
  X(std::vector<CatalogReferenceCount>,                                                            \
    get_back_in_stock_notification_requests_count_by_catalog_references,                           \
    (const std::vector<CatalogReference>&, const CallOptions&))                                    \
  X(Settings, get_settings, (const CallOptions&))                                                  \
  X(Settings, start_collecting_requests, (const std::string&, const CallOptions&))                 \
  X(Settings, stop_collecting_requests, (const std::string&, const CallOptions&))
// clang-format on
