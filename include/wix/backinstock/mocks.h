#pragma once

/// @file mocks.h
/// A GoogleMock `MockConnection` for unit tests of code that uses `Client`, without a network:
///
///     auto mock = std::make_shared<wix::backinstock::MockConnection>();
///     EXPECT_CALL(*mock, report_items_back_in_stock(_, _)).Times(1);
///     wix::backinstock::Client client(mock);
///     MyRestockService service(client);   // the code under test
///
/// Link `wix::backinstock_mocks` (header-only; brings GoogleMock). Thread safety: as gmock.

#include <gmock/gmock.h>

#include <string>
#include <vector>

#include "wix/backinstock/client.h"

namespace wix::backinstock {

/// A `Connection` whose every method is a gmock mock.
class MockConnection : public Connection {
 public:
  /// Mock of `Connection::report_items_back_in_stock`.
  MOCK_METHOD(void, report_items_back_in_stock,
              (const ReportItemsBackInStockRequest& request, const CallOptions& options),
              (override));
  /// Mock of `Connection::create_back_in_stock_notification_request`.
  MOCK_METHOD(NotificationRequest, create_back_in_stock_notification_request,
              (const NewNotificationRequest& request, const ItemDetails& item_details,
               const CallOptions& options),
              (override));
  /// Mock of `Connection::get_back_in_stock_notification_request`.
  MOCK_METHOD(NotificationRequest, get_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::delete_back_in_stock_notification_request`.
  MOCK_METHOD(void, delete_back_in_stock_notification_request,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::mark_as_notification_sent`.
  MOCK_METHOD(NotificationRequest, mark_as_notification_sent,
              (const std::string& id, const CallOptions& options), (override));
  /// Mock of `Connection::query_back_in_stock_notification_requests`.
  MOCK_METHOD(QueryPage, query_back_in_stock_notification_requests,
              (const Query& query, const CallOptions& options), (override));
  /// Mock of `Connection::get_back_in_stock_notification_requests_count_by_catalog_references`.
  MOCK_METHOD(std::vector<CatalogReferenceCount>,
              get_back_in_stock_notification_requests_count_by_catalog_references,
              (const std::vector<CatalogReference>& catalog_references, const CallOptions& options),
              (override));
  /// Mock of `Connection::get_settings`.
  MOCK_METHOD(Settings, get_settings, (const CallOptions& options), (override));
  /// Mock of `Connection::start_collecting_requests`.
  MOCK_METHOD(Settings, start_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
  /// Mock of `Connection::stop_collecting_requests`.
  MOCK_METHOD(Settings, stop_collecting_requests,
              (const std::string& app_id, const CallOptions& options), (override));
};

}  // namespace wix::backinstock
