// What Wix's own SDKs put on the wire and this SDK sends too: read-your-writes, both scope
// headers, a service path of a gateway's own. Seen on an in-process mock server.

#include <gtest/gtest.h>

#include <string>

#include "mock_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::CannedResponse;
using test_support::MockServer;

constexpr char kKey[] = "IST.parity-test-key";
constexpr char kSite[] = "site-1";
constexpr char kPath[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";

class ParityTest : public ::testing::Test {
 protected:
  ClientOptions options() const {
    ClientOptions o;
    o.base_url = server_.url();
    o.credentials = ApiKeyCredentials::for_site(kKey, kSite);
    return o;
  }
  // Answers settings; the n-th answer carries `X-Wix-Consistent: token-n` when `tokens` is set.
  void answer_settings(bool tokens, const std::string& token_prefix = "token-") {
    server_.set_responder(
        [tokens, token_prefix, n = 0](const test_support::RecordedRequest&) mutable {
          CannedResponse out;
          out.body = R"({"settings":{"collectionStates":[]}})";
          if (tokens) out.headers.emplace("X-Wix-Consistent", token_prefix + std::to_string(++n));
          return out;
        });
  }
  MockServer server_;
};

TEST_F(ParityTest, TheLastConsistencyTokenTravelsWithEveryLaterRequest) {
  answer_settings(true);
  Client client(options());
  Client copy = client;  // copies share the connection, and so the token
  client.start_collecting_requests();
  client.get_settings();
  copy.get_settings();
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_FALSE(requests[0].has_header("X-Wix-Consistent"));
  EXPECT_EQ(requests[1].header("X-Wix-Consistent"), "token-1");
  EXPECT_EQ(requests[2].header("X-Wix-Consistent"), "token-2");
}

TEST_F(ParityTest, ReadYourWritesCanBeSwitchedOff) {
  answer_settings(true);
  auto o = options();
  o.read_your_writes = false;
  Client client(o);
  client.start_collecting_requests();
  client.get_settings();
  for (const auto& r : server_.requests()) EXPECT_FALSE(r.has_header("X-Wix-Consistent"));
}

TEST_F(ParityTest, AnOversizedTokenIsNotSentBack) {
  answer_settings(true, std::string(2000, 'x'));
  Client client(options());
  client.get_settings();
  client.get_settings();
  for (const auto& r : server_.requests()) EXPECT_FALSE(r.has_header("X-Wix-Consistent"));
}

TEST_F(ParityTest, TheAsynchronousClientCarriesTheTokenToo) {
  answer_settings(true);
  AsyncClient client(options());
  client.start_collecting_requests().get();
  client.get_settings().get();
  auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("X-Wix-Consistent"), "token-1");
}

TEST_F(ParityTest, BothScopeHeadersWhenGivenBoth) {
  answer_settings(false);
  auto o = options();
  o.credentials = ApiKeyCredentials::for_site_and_account(kKey, kSite, "account-9");
  Client(o).get_settings();
  auto r = server_.last();
  EXPECT_EQ(r.header("Authorization"), kKey);
  EXPECT_EQ(r.header("wix-site-id"), kSite);
  EXPECT_EQ(r.header("wix-account-id"), "account-9");
  EXPECT_THROW(ApiKeyCredentials::for_site_and_account(kKey, kSite, ""), ValidationError);
  EXPECT_THROW(ApiKeyCredentials::for_site_and_account(kKey, "", "account-9"), ValidationError);
  EXPECT_THROW(ApiKeyCredentials::for_site_and_account(kKey, kSite, "a\r\nX-Evil: 1"),
               ValidationError);
}

TEST_F(ParityTest, AGatewayServesTheApiUnderItsOwnPath) {
  answer_settings(false);
  auto o = options();
  o.service_path_prefix = "/gateway/bis";
  Client(o).get_settings();
  EXPECT_EQ(server_.last().target, "/gateway/bis/v1/back-in-stock-notification-requests/settings");
  o.service_path_prefix = "";
  Client(o).get_settings();
  EXPECT_EQ(server_.last().target, "/v1/back-in-stock-notification-requests/settings");
  o.service_path_prefix.reset();
  Client(o).get_settings();
  EXPECT_EQ(server_.last().target, std::string(kPath) + "/settings");
  o.service_path_prefix = "/gateway/bis";
  AsyncClient(o).get_settings().get();
  EXPECT_EQ(server_.last().target, "/gateway/bis/v1/back-in-stock-notification-requests/settings");
}

TEST_F(ParityTest, AServicePathThatIsNotAPathPrefixIsRefusedByName) {
  for (const char* bad :
       {"gateway", "/gateway/", "/a b", "/a?b=1", "/a#b", "/a/../b", "//a", "/a\r\nX: 1", "/%zz"}) {
    auto o = options();
    o.service_path_prefix = bad;
    try {
      Client client(o);
      FAIL() << "accepted " << bad;
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.field(), "service_path_prefix") << bad;
    }
  }
}

}  // namespace
}  // namespace wix::backinstock
