// The OAuth flows beside app client credentials, against the emulator: visitors and members of a
// headless client, legacy apps with rotating refresh tokens, the bound-session exchange.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "credentials_cause.h"
#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using std::chrono::seconds;

constexpr char kClientId[] = "3c2b1a09-8f7e-4d6c-9b5a-493827161504";
constexpr char kSecret[] = "flow-secret-DO-NOT-LOG-5e1d";
constexpr char kInstallRefresh[] = "REFRESH.install.7d1f";

class AuthFlowsTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions options(bool rotate = false) {
    auto o = collecting();
    o.apps = {{kClientId, kSecret}};
    o.legacy_refresh_tokens = {kInstallRefresh};
    o.token_lifetime = seconds(3600);
    o.rotate_refresh_tokens = rotate;
    return o;
  }
  AuthFlowsTest() : EmulatorFixture(options()) {}
  explicit AuthFlowsTest(bool rotate) : EmulatorFixture(options(rotate)) {}

  OAuthOptions oauth() {
    OAuthOptions o;
    o.base_url = emulator_->url();
    return o;
  }
  // A client of `credentials`, whose token expiry now follows the test's clock.
  Client client_with(std::shared_ptr<Credentials> credentials) {
    if (auto* cached = dynamic_cast<CachedTokenCredentials*>(credentials.get())) {
      testing::set_token_clock(*cached, [this] { return now_.load(); });
    }
    ClientOptions o;
    o.base_url = emulator_->url();
    o.credentials = std::move(credentials);
    o.retry.initial_delay = std::chrono::milliseconds(1);
    return Client(o);
  }
  void later(seconds by) { now_.store(now_.load() + by); }

  std::atomic<std::chrono::steady_clock::time_point> now_{std::chrono::steady_clock::now()};
};

TEST_F(AuthFlowsTest, AVisitorGetsAnAnonymousTokenAndRenewsItWithItsRefreshToken) {
  auto visitor = VisitorCredentials::visitor(kClientId, oauth());
  auto c = client_with(visitor);
  c.get_settings();
  c.get_settings();
  EXPECT_EQ(visitor->token_requests(), 1u);  // cached
  std::string first_refresh = visitor->refresh_token();
  EXPECT_FALSE(first_refresh.empty());
  later(seconds(3500));  // within the renewal margin
  c.get_settings();
  EXPECT_EQ(visitor->token_requests(), 2u);
  EXPECT_EQ(visitor->refresh_token(), first_refresh);  // the same visitor, the same token
  // Another process of the same visitor (the official SDK reuses the token) is that visitor too.
  auto again = VisitorCredentials::member(kClientId, MemberTokens{"", first_refresh, seconds(0)},
                                          {}, oauth());
  EXPECT_NO_THROW(client_with(again).get_settings());
}

// Against a stricter server than the documented one: every refresh token works once, every
// answer rotates it. The SDK is correct under both.
class RotatingAuthFlowsTest : public AuthFlowsTest {
 protected:
  RotatingAuthFlowsTest() : AuthFlowsTest(/*rotate=*/true) {}
};

TEST_F(RotatingAuthFlowsTest, AVisitorRenewsWithEachRotatedRefreshToken) {
  auto visitor = VisitorCredentials::visitor(kClientId, oauth());
  auto c = client_with(visitor);
  c.get_settings();
  std::string first_refresh = visitor->refresh_token();
  later(seconds(3500));
  c.get_settings();
  EXPECT_EQ(visitor->token_requests(), 2u);
  EXPECT_NE(visitor->refresh_token(), first_refresh);  // rotated
  later(seconds(3500));
  c.get_settings();  // the rotated one works
  EXPECT_EQ(visitor->token_requests(), 3u);
}

TEST_F(AuthFlowsTest, AVisitorWhoseRefreshTokenIsRefusedStartsOver) {
  auto visitor = VisitorCredentials::visitor(kClientId, oauth());
  auto c = client_with(visitor);
  c.get_settings();
  emulator_->revoke_tokens();  // access and refresh tokens stop working
  c.get_settings();            // 401, then the refresh token is refused: a new visitor
  EXPECT_EQ(visitor->token_requests(), 2u);
}

TEST_F(RotatingAuthFlowsTest, AMemberKeepsSignedInAndHandsOutEachRotatedRefreshToken) {
  // A member signed in elsewhere: a visitor token stands in for the member's here.
  auto signin = VisitorCredentials::visitor(kClientId, oauth());
  client_with(signin).get_settings();
  std::vector<std::string> handed;
  std::mutex mutex;
  auto member = VisitorCredentials::member(
      kClientId, MemberTokens{"", signin->refresh_token(), seconds(0)},
      [&](const std::string& r) {
        std::lock_guard<std::mutex> guard(mutex);
        handed.push_back(r);
      },
      oauth());
  auto c = client_with(member);
  c.get_settings();
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0], member->refresh_token());
  later(seconds(3500));
  c.get_settings();
  ASSERT_EQ(handed.size(), 2u);
  EXPECT_NE(handed[1], handed[0]);
  // The old refresh token was used once and is refused now: a member is not silently replaced.
  auto stale =
      VisitorCredentials::member(kClientId, MemberTokens{"", handed[0], seconds(0)}, {}, oauth());
  EXPECT_THROW(test_support::token_failure([&] { client_with(stale).get_settings(); }), ApiError);
}

// As Wix documents `POST /oauth/access`: the refresh token never expires and comes back
// unchanged; the answer has no `expires_in`, so the SDK keeps an access token for 5 minutes.
TEST_F(AuthFlowsTest, ALegacyAppKeepsItsRefreshTokenAndAnotherProcessMayUseItToo) {
  std::vector<std::string> persisted;
  auto app = std::make_shared<RefreshTokenCredentials>(
      kClientId, kSecret, kInstallRefresh, [&](const std::string& r) { persisted.push_back(r); },
      oauth());
  auto c = client_with(app);
  c.get_settings();
  EXPECT_TRUE(persisted.empty());  // nothing new to persist
  EXPECT_EQ(app->refresh_token(), kInstallRefresh);
  later(seconds(100));
  c.get_settings();
  EXPECT_EQ(app->token_requests(), 1u);  // within the 5-minute fallback lifetime, less the margin
  later(seconds(100));
  c.get_settings();
  EXPECT_EQ(app->token_requests(), 2u);
  // A second process with the install's token is served too.
  auto again = std::make_shared<RefreshTokenCredentials>(kClientId, kSecret, kInstallRefresh,
                                                         nullptr, oauth());
  EXPECT_NO_THROW(client_with(again).get_settings());
}

TEST_F(RotatingAuthFlowsTest, ALegacyAppRotatesItsRefreshTokenOnEveryExchange) {
  std::vector<std::string> persisted;
  auto app = std::make_shared<RefreshTokenCredentials>(
      kClientId, kSecret, kInstallRefresh, [&](const std::string& r) { persisted.push_back(r); },
      oauth());
  auto c = client_with(app);
  c.get_settings();
  ASSERT_EQ(persisted.size(), 1u);
  EXPECT_NE(persisted[0], kInstallRefresh);
  EXPECT_EQ(app->refresh_token(), persisted[0]);
  later(seconds(3500));
  c.get_settings();
  ASSERT_EQ(persisted.size(), 2u);
  // The install token was used: a second app built from it is refused.
  auto again = std::make_shared<RefreshTokenCredentials>(kClientId, kSecret, kInstallRefresh,
                                                         nullptr, oauth());
  EXPECT_THROW(test_support::token_failure([&] { client_with(again).get_settings(); }), ApiError);
}

TEST_F(AuthFlowsTest, ALegacyAppWithAWrongSecretIsRefusedWithoutTheSecretInTheError) {
  auto app = std::make_shared<RefreshTokenCredentials>(kClientId, "not-the-secret-4410",
                                                       kInstallRefresh, nullptr, oauth());
  try {
    test_support::token_failure([&] { client_with(app).get_settings(); });
    FAIL() << "a wrong secret was accepted";
  } catch (const UnauthenticatedError& e) {
    EXPECT_EQ(std::string(e.what()).find("not-the-secret-4410"), std::string::npos) << e.what();
  }
}

TEST_F(AuthFlowsTest, ABoundTokenIsExchangedOnceBeforeTheFirstCall) {
  auto bound = std::make_shared<BoundTokenCredentials>(kSecret, "BOUND.session.token.1", oauth());
  auto c = client_with(bound);
  c.get_settings();
  c.query_back_in_stock_notification_requests();
  EXPECT_EQ(emulator_->requests_received("/oauth2/token", "POST"), 1u);
  auto wrong = std::make_shared<BoundTokenCredentials>("wrong-secret", "BOUND.x", oauth());
  EXPECT_THROW(test_support::token_failure([&] { client_with(wrong).get_settings(); }),
               UnauthenticatedError);
}

TEST_F(AuthFlowsTest, CredentialsRefuseUnusableValuesByName) {
  auto field_of = [](auto make) {
    try {
      make();
    } catch (const ValidationError& e) {
      return e.field();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field_of([] { VisitorCredentials::visitor(""); }), "clientId");
  EXPECT_EQ(field_of([] {
              VisitorCredentials::member(kClientId, MemberTokens{"a", "", seconds(1)});
            }),
            "refreshToken");
  EXPECT_EQ(field_of([] { RefreshTokenCredentials(kClientId, kSecret, "r\nX: 1", nullptr); }),
            "refreshToken");
  EXPECT_EQ(field_of([] { BoundTokenCredentials(kSecret, ""); }), "accessToken");
}

}  // namespace
}  // namespace wix::backinstock
