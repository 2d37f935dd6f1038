#include "wix/backinstock/client.h"

#include <utility>

namespace wix::backinstock {

Client::Client(ClientOptions options) : connection_(make_connection(std::move(options))) {}

Client::Client(std::shared_ptr<Connection> connection) : connection_(std::move(connection)) {
  if (!connection_) throw ValidationError("connection", "must not be null");
}

QueryPager Client::query_all_back_in_stock_notification_requests(Query query, CallOptions options,
                                                                 PagerOptions pager) {
  return QueryPager(*this, std::move(query), options, pager);
}

}  // namespace wix::backinstock
