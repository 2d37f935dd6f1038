// TLS 1.3 lets a server write on a connection at any time without any HTTP meaning: session
// tickets and key updates. A kept-alive connection that received only those is still clean and
// carries the next call without a new handshake; one that received application data (an answer
// nobody asked for) or a close_notify is not, and the next call goes out once on a new connection.
// Handshakes are counted by the server.

#include <gtest/gtest.h>

#include <string>

#include "hostile_client.h"
#include "tls_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::AfterAnswer;
using test_support::TlsServer;

constexpr int kCalls = 6;

ClientOptions tls_options(const TlsServer& server) {
  ClientOptions options = test_support::one_attempt_options(server.url());
  options.curl.ca_file = server.ca_file();
  return options;
}

ReportItemsBackInStockRequest a_report() {
  return ReportItemsBackInStockRequest(CatalogReference("orchid", kWixStoresAppId),
                                       ItemDetails("White Orchid", "29.99"));
}

// Each call waits until the records that follow the previous answer sit in the client's socket.
void report_sequentially(TlsServer& server, Client& client) {
  for (int i = 1; i <= kCalls; ++i) {
    ASSERT_NO_THROW(client.report_items_back_in_stock(a_report())) << "call " << i;
    ASSERT_TRUE(server.wait_after_written(i)) << "call " << i;
  }
}

void report_sequentially(TlsServer& server, AsyncClient& client) {
  for (int i = 1; i <= kCalls; ++i) {
    ASSERT_NO_THROW(client.report_items_back_in_stock(a_report()).get()) << "call " << i;
    ASSERT_TRUE(server.wait_after_written(i)) << "call " << i;
  }
}

class TlsIdleRecordsTest : public ::testing::TestWithParam<AfterAnswer> {};

TEST_P(TlsIdleRecordsTest, ClientKeepsTheConnection) {
  TlsServer server(GetParam());
  Client client(tls_options(server));
  report_sequentially(server, client);
  EXPECT_EQ(server.answered(), kCalls);
  EXPECT_EQ(server.handshakes(), 1);
}

TEST_P(TlsIdleRecordsTest, AsyncClientKeepsTheConnection) {
  TlsServer server(GetParam());
  AsyncClient client(tls_options(server));
  report_sequentially(server, client);
  EXPECT_EQ(server.answered(), kCalls);
  EXPECT_EQ(server.handshakes(), 1);
}

INSTANTIATE_TEST_SUITE_P(PostHandshakeMessages, TlsIdleRecordsTest,
                         ::testing::Values(AfterAnswer::kNothing, AfterAnswer::kSessionTicket,
                                           AfterAnswer::kKeyUpdate),
                         [](const auto& info) {
                           switch (info.param) {
                             case AfterAnswer::kSessionTicket:
                               return std::string("SessionTicket");
                             case AfterAnswer::kKeyUpdate:
                               return std::string("KeyUpdate");
                             default:
                               return std::string("Nothing");
                           }
                         });

class TlsUncleanTest : public ::testing::TestWithParam<AfterAnswer> {};

// The unsolicited answer is a 500: a call that took it for its own would fail.
TEST_P(TlsUncleanTest, ClientUsesANewConnectionAndSendsOnce) {
  TlsServer server(GetParam());
  Client client(tls_options(server));
  report_sequentially(server, client);
  EXPECT_EQ(server.answered(), kCalls);
  EXPECT_EQ(server.handshakes(), kCalls);
}

TEST_P(TlsUncleanTest, AsyncClientUsesANewConnectionAndSendsOnce) {
  TlsServer server(GetParam());
  AsyncClient client(tls_options(server));
  report_sequentially(server, client);
  EXPECT_EQ(server.answered(), kCalls);
  EXPECT_EQ(server.handshakes(), kCalls);
}

INSTANTIATE_TEST_SUITE_P(ApplicationDataOrClose, TlsUncleanTest,
                         ::testing::Values(AfterAnswer::kUnsolicited, AfterAnswer::kCloseNotify),
                         [](const auto& info) {
                           return std::string(info.param == AfterAnswer::kUnsolicited
                                                  ? "UnsolicitedAnswer"
                                                  : "CloseNotify");
                         });

}  // namespace
}  // namespace wix::backinstock
