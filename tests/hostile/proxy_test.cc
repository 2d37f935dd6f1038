// Proxies and the plaintext rule: `http://` is allowed to loopback only, and that holds for every
// hop. With a proxy in the environment (`http_proxy`, `ALL_PROXY`) or in the options, a request
// to a loopback target (an API call, a token request) goes straight to it, never through the
// proxy, which would otherwise read the key in cleartext. The "proxy" here is a raw-socket server
// on loopback that records what reaches it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

constexpr char kToken[] = R"({"access_token":"proxy-test-token","expires_in":3600})";

// Sets environment variables for the test's lifetime, then clears them.
class ProxyEnvironment {
 public:
  ProxyEnvironment(const std::vector<std::string>& names, const std::string& value)
      : names_(names) {
    for (const auto& name : names_) setenv(name.c_str(), value.c_str(), 1);
  }
  ~ProxyEnvironment() {
    for (const auto& name : names_) unsetenv(name.c_str());
  }
  ProxyEnvironment(const ProxyEnvironment&) = delete;
  ProxyEnvironment& operator=(const ProxyEnvironment&) = delete;

 private:
  std::vector<std::string> names_;
};

class ProxyTest : public ::testing::Test {
 protected:
  ProxyTest()
      : target_([](int fd, const WireRequest& r) {
          return HostileServer::reply(fd, 200, r.target == "/oauth2/token" ? kToken : "{}");
        }),
        proxy_([](int fd, const WireRequest&) {  // a proxy that would forward: answers 200
          return HostileServer::reply(fd, 200, kToken);
        }) {}

  ReportItemsBackInStockRequest report() const {
    return ReportItemsBackInStockRequest(CatalogReference("item-1", kWixStoresAppId),
                                         ItemDetails("Shoe", "10.00"));
  }

  // The key never reached the proxy, and the target got what was sent.
  void expect_direct(std::size_t target_requests) {
    EXPECT_EQ(proxy_.requests().size(), 0u) << "a request went through the proxy";
    for (const auto& r : proxy_.requests()) {
      EXPECT_EQ(r.head.find(test_support::kHostileKey), std::string::npos) << r.head;
    }
    EXPECT_EQ(target_.requests().size(), target_requests);
  }

  HostileServer target_;
  HostileServer proxy_;
};

TEST_F(ProxyTest, ALoopbackTargetIsNeverReachedThroughAProxyFromTheEnvironment) {
  for (const char* variable : {"http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"}) {
    SCOPED_TRACE(variable);
    ProxyEnvironment environment({variable}, proxy_.url());
    const std::size_t before = target_.requests().size();
    Client(test_support::one_attempt_options(target_.url())).report_items_back_in_stock(report());
    AsyncClient async(test_support::one_attempt_options(target_.url()));
    async.report_items_back_in_stock(report()).get();
    expect_direct(before + 2);
  }
}

TEST_F(ProxyTest, ALoopbackTargetIsNeverReachedThroughTheOptionsProxy) {
  auto options = test_support::one_attempt_options(target_.url());
  options.curl.proxy = proxy_.url();
  Client(options).report_items_back_in_stock(report());
  AsyncClient(options).report_items_back_in_stock(report()).get();
  expect_direct(2);
}

TEST_F(ProxyTest, TokenRequestsToALoopbackEndpointNeverGoThroughAProxy) {
  ProxyEnvironment environment({"http_proxy", "ALL_PROXY"}, proxy_.url());
  OAuthOptions oauth;
  oauth.base_url = target_.url();
  ClientOptions options;
  options.base_url = target_.url();
  options.retry = RetryPolicy::no_retry();
  options.credentials =
      std::make_shared<OAuthClientCredentials>("app", "app-secret-via-proxy", "inst", oauth);
  Client(options).report_items_back_in_stock(report());
  expect_direct(2);  // the token request and the Report
  for (const auto& r : proxy_.requests()) {
    EXPECT_EQ(r.body.find("app-secret-via-proxy"), std::string::npos);
  }
}

}  // namespace
}  // namespace wix::backinstock
