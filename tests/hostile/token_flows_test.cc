// Token endpoints that rate-limit, rotate a refresh token beside an unusable access token, refuse a
// refresh token, or fail mid-way: the user's session (a visitor, a member, an app's refresh token)
// survives everything that is temporary, a rotated refresh token is never lost, a refused one is
// never sent again, and a failed token request says that it was one.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "credentials_cause.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

const std::string kSettings = R"({"settings":{"collectionStates":[]}})";

// A token endpoint scripted per token request (numbered from 0), beside an API that answers every
// call; records the grants it saw and the Authorization of each API call.
class TokenPeer {
 public:
  using Answer = std::function<Then(int fd, const json& grant, int number)>;
  explicit TokenPeer(Answer answer)
      : answer_(std::move(answer)),
        server_([this](int fd, const WireRequest& r) { return serve(fd, r); }) {}

  std::string url() const { return server_.url(); }
  std::vector<json> grants() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return grants_;
  }
  std::vector<std::string> api_tokens() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return api_tokens_;
  }

 private:
  Then serve(int fd, const WireRequest& r) {
    if (r.target.rfind("/oauth", 0) == 0) {
      json grant = json::parse(r.body, nullptr, false);
      int number = 0;
      {
        std::lock_guard<std::mutex> guard(mutex_);
        number = static_cast<int>(grants_.size());
        grants_.push_back(grant);
      }
      return answer_(fd, grant, number);
    }
    {
      std::lock_guard<std::mutex> guard(mutex_);
      api_tokens_.push_back(r.header("Authorization"));
    }
    return HostileServer::reply(fd, 200, kSettings);
  }

  Answer answer_;
  mutable std::mutex mutex_;
  std::vector<json> grants_;
  std::vector<std::string> api_tokens_;
  HostileServer server_;
};

// A clock the test moves.
struct TestClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] { return now; };
  }
};

OAuthOptions oauth_for(const TokenPeer& peer) {
  OAuthOptions oauth;
  oauth.base_url = peer.url();
  return oauth;
}

Client client_for(const TokenPeer& peer, std::shared_ptr<Credentials> credentials) {
  ClientOptions options;
  options.base_url = peer.url();
  options.credentials = std::move(credentials);
  options.retry = RetryPolicy::no_retry();
  return Client(options);
}

std::string grant_type(const json& grant) {
  if (grant.contains("grantType")) return grant["grantType"];
  return grant.value("grant_type", "");
}

std::string refresh_sent(const json& grant) {
  if (grant.contains("refreshToken")) return grant["refreshToken"];
  return grant.value("refresh_token", "");
}

// -- visitors: only a refusal starts a new visitor ----------------------------------------------

TEST(TokenFlowsTest, AVisitorRateLimitedOnRefreshStaysTheSameVisitor) {
  TokenPeer peer([](int fd, const json& grant, int number) {
    if (number == 0) {
      return HostileServer::reply(
          fd, 200, R"({"access_token":"a1","refresh_token":"r1","expires_in":3600})");
    }
    if (number == 1) {
      return HostileServer::reply(fd, 429, R"({"message":"slow down"})", {"Retry-After: 1"});
    }
    (void)grant;
    return HostileServer::reply(fd, 200,
                                R"({"access_token":"a2","refresh_token":"r2","expires_in":3600})");
  });
  TestClock clock;
  auto visitor = VisitorCredentials::visitor("client-1", oauth_for(peer));
  testing::set_token_clock(*visitor, clock.fn());
  auto client = client_for(peer, visitor);
  client.get_settings();
  clock.now += std::chrono::hours(2);
  EXPECT_THROW(test_support::token_failure([&] { client.get_settings(); }), RateLimitedError);
  client.get_settings();
  auto grants = peer.grants();
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grant_type(grants[0]), "anonymous");
  EXPECT_EQ(grant_type(grants[1]), "refresh_token");
  EXPECT_EQ(refresh_sent(grants[1]), "r1");
  EXPECT_EQ(grant_type(grants[2]), "refresh_token") << "a 429 threw the visitor away";
  EXPECT_EQ(refresh_sent(grants[2]), "r1");
  EXPECT_EQ(visitor->refresh_token(), "r2");
}

TEST(TokenFlowsTest, AVisitorWhoseRefreshTokenIsRefusedStartsOver) {
  TokenPeer peer([](int fd, const json& grant, int) {
    if (grant_type(grant) == "refresh_token") {
      return HostileServer::reply(fd, 400, R"({"message":"invalid refresh token"})");
    }
    return HostileServer::reply(fd, 200,
                                R"({"access_token":"a","refresh_token":"r","expires_in":3600})");
  });
  TestClock clock;
  auto visitor = VisitorCredentials::visitor("client-1", oauth_for(peer));
  testing::set_token_clock(*visitor, clock.fn());
  auto client = client_for(peer, visitor);
  client.get_settings();
  clock.now += std::chrono::hours(2);
  client.get_settings();
  auto grants = peer.grants();
  ASSERT_EQ(grants.size(), 3u);
  EXPECT_EQ(grant_type(grants[2]), "anonymous");
}

// -- a rotated refresh token is handed over before the access token is judged ------------------

const char* const kRotatedWithBadAccess =
    R"({"refresh_token":"r2","access_token":"bad\r\nInjected: 1","expires_in":3600})";
const char* const kRotatedWithoutAccess = R"({"refresh_token":"r2","expires_in":3600})";

class RotatedTokenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RotatedTokenTest, AnAppKeepsAndHandsOverTheRotatedRefreshToken) {
  const std::string answer = GetParam();
  TokenPeer peer([&](int fd, const json&, int number) {
    if (number == 0) return HostileServer::reply(fd, 200, answer);
    return HostileServer::reply(fd, 200, R"({"access_token":"a3","refresh_token":"r3"})");
  });
  std::vector<std::string> handed;
  auto credentials = std::make_shared<RefreshTokenCredentials>(
      "app", "app-secret", "r1", [&](const std::string& r) { handed.push_back(r); },
      oauth_for(peer));
  auto client = client_for(peer, credentials);
  EXPECT_THROW(test_support::token_failure([&] { client.get_settings(); }), TransportError);
  EXPECT_EQ(handed, std::vector<std::string>{"r2"});
  EXPECT_EQ(credentials->refresh_token(), "r2");
  client.get_settings();
  auto grants = peer.grants();
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(refresh_sent(grants[1]), "r2") << "the spent refresh token was sent again";
}

TEST_P(RotatedTokenTest, AMemberKeepsAndHandsOverTheRotatedRefreshToken) {
  const std::string answer = GetParam();
  TokenPeer peer([&](int fd, const json&, int number) {
    if (number == 0) return HostileServer::reply(fd, 200, answer);
    return HostileServer::reply(fd, 200,
                                R"({"access_token":"a3","refresh_token":"r3","expires_in":3600})");
  });
  std::vector<std::string> handed;
  MemberTokens tokens;
  tokens.refresh_token = "r1";
  auto member = VisitorCredentials::member(
      "client-1", tokens, [&](const std::string& r) { handed.push_back(r); }, oauth_for(peer));
  auto client = client_for(peer, member);
  EXPECT_THROW(test_support::token_failure([&] { client.get_settings(); }), TransportError);
  EXPECT_EQ(handed, std::vector<std::string>{"r2"});
  client.get_settings();
  auto grants = peer.grants();
  ASSERT_EQ(grants.size(), 2u);
  EXPECT_EQ(refresh_sent(grants[1]), "r2") << "the spent refresh token was sent again";
}

INSTANTIATE_TEST_SUITE_P(UnusableAccessToken, RotatedTokenTest,
                         ::testing::Values(kRotatedWithBadAccess, kRotatedWithoutAccess),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return info.index == 0 ? std::string("LineBreakInAccessToken")
                                                  : std::string("NoAccessToken");
                         });

// -- a refused refresh token is never sent again -----------------------------------------------

TEST(TokenFlowsTest, ARefusedMemberRefreshTokenIsSentOnce) {
  TokenPeer peer([](int fd, const json&, int) {
    return HostileServer::reply(fd, 400, R"({"message":"invalid refresh token"})");
  });
  MemberTokens tokens;
  tokens.refresh_token = "r1";
  auto client =
      client_for(peer, VisitorCredentials::member("client-1", tokens, nullptr, oauth_for(peer)));
  for (int i = 0; i < 4; ++i) {
    try {
      test_support::token_failure([&] { client.get_settings(); });
      FAIL() << "call " << i;
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(peer.grants().size(), 1u);
}

TEST(TokenFlowsTest, ARefusedAppRefreshTokenIsSentOnce) {
  TokenPeer peer([](int fd, const json&, int) {
    return HostileServer::reply(fd, 401, R"({"message":"invalid refresh token"})");
  });
  auto client = client_for(peer, std::make_shared<RefreshTokenCredentials>(
                                     "app", "app-secret", "r1", nullptr, oauth_for(peer)));
  for (int i = 0; i < 4; ++i) {
    EXPECT_THROW(test_support::token_failure([&] { client.get_settings(); }), UnauthenticatedError);
  }
  EXPECT_EQ(peer.grants().size(), 1u);
}

// -- a failed token request says so --------------------------------------------------------------

TEST(TokenFlowsTest, AFailedTokenRequestSaysItWasOneAndWhetherTheRefreshTokenMayBeSpent) {
  TokenPeer failing([](int fd, const json&, int) {
    return HostileServer::reply(fd, 500, R"({"message":"internal"})");
  });
  auto app = client_for(failing, std::make_shared<RefreshTokenCredentials>(
                                     "app", "app-secret", "r1", nullptr, oauth_for(failing)));
  try {
    test_support::token_failure([&] { app.get_settings(); });
    FAIL();
  } catch (const ServerError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("token request"), std::string::npos) << what;
    EXPECT_NE(what.find("may have been spent"), std::string::npos) << what;
  }

  TokenPeer closing([](int, const json&, int) { return Then::kClose; });
  OAuthOptions oauth = oauth_for(closing);
  auto visitor = client_for(closing, VisitorCredentials::visitor("client-1", oauth));
  try {
    test_support::token_failure([&] { visitor.get_settings(); });
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_NE(std::string(e.what()).find("token request"), std::string::npos) << e.what();
  }
}

// -- lifetimes the clock cannot hold
// ---------------------------------------------------------------

TEST(TokenFlowsTest, AMembersHugeExpiresInIsClampedNotOverflowed) {
  for (auto lifetime : {std::chrono::seconds(10'000'000'000LL), std::chrono::seconds::max()}) {
    TokenPeer peer([](int fd, const json&, int) {
      return HostileServer::reply(fd, 200, R"({"access_token":"renewed","refresh_token":"r2"})");
    });
    MemberTokens tokens;
    tokens.access_token = "a0";
    tokens.refresh_token = "r1";
    tokens.expires_in = lifetime;
    auto member = VisitorCredentials::member("client-1", tokens, nullptr, oauth_for(peer));
    auto client = client_for(peer, member);
    client.get_settings();
    client.get_settings();
    EXPECT_EQ(peer.grants().size(), 0u) << lifetime.count();
    EXPECT_EQ(peer.api_tokens(), (std::vector<std::string>{"a0", "a0"}));
  }
}

// -- the user's callback throws ------------------------------------------------------------------

struct PersistFailed : std::runtime_error {
  PersistFailed() : std::runtime_error("disk full") {}
};

TEST(TokenFlowsTest, AThrowingOnRefreshTokenReachesTheCallerAndLosesNothing) {
  TokenPeer peer([](int fd, const json&, int) {
    return HostileServer::reply(fd, 200, R"({"access_token":"a2","refresh_token":"r2"})");
  });
  auto credentials = std::make_shared<RefreshTokenCredentials>(
      "app", "app-secret", "r1", [](const std::string&) { throw PersistFailed(); },
      oauth_for(peer));
  auto client = client_for(peer, credentials);
  EXPECT_THROW(test_support::token_failure([&] { client.get_settings(); }), PersistFailed);
  EXPECT_EQ(credentials->refresh_token(), "r2");
  client.get_settings();  // the access token of that answer, without another token request
  EXPECT_EQ(peer.grants().size(), 1u);
  EXPECT_EQ(peer.api_tokens(), std::vector<std::string>{"a2"});
}

}  // namespace
}  // namespace wix::backinstock
