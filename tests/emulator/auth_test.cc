// App OAuth against the emulator: caching, expiry, single-flight refresh, 401 refresh, failures.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "emulator_fixture.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {
namespace {

using std::chrono::seconds;

constexpr char kAppId[] = "8f1e2d3c-4b5a-4697-8a7b-6c5d4e3f2a1b";
constexpr char kSecret[] = "app-secret-DO-NOT-LOG-31f0c9";
constexpr char kInstance[] = "b4c3d2e1-f0a9-4887-9766-554433221100";

class AuthTest : public test_support::EmulatorFixture {
 protected:
  static emulator::EmulatorOptions with_app() {
    auto options = collecting();
    options.apps = {{kAppId, kSecret}};
    options.token_lifetime = seconds(3600);
    return options;
  }
  AuthTest() : EmulatorFixture(with_app()) {}
  // Credentials whose expiry clock the test moves.
  std::shared_ptr<OAuthClientCredentials> credentials(std::string secret = kSecret) {
    OAuthOptions o;
    o.base_url = emulator_->url();
    auto credentials =
        std::make_shared<OAuthClientCredentials>(kAppId, std::move(secret), kInstance, o);
    testing::set_token_clock(*credentials, [this] { return now_.load(); });
    return credentials;
  }
  Client client(std::shared_ptr<Credentials> c) {
    ClientOptions o;
    o.base_url = emulator_->url();
    o.credentials = std::move(c);
    testing::ClientSeams no_waits;
    no_waits.sleeper = [](std::chrono::milliseconds) {};
    return testing::make_client(o, no_waits);
  }
  std::size_t token_requests() const {
    return emulator_->requests_received("/oauth2/token", "POST");
  }

  std::atomic<std::chrono::steady_clock::time_point> now_{std::chrono::steady_clock::time_point{}};
};

TEST_F(AuthTest, TokenIsFetchedOnceAndCached) {
  auto creds = credentials();
  auto c = client(creds);
  for (int i = 0; i < 5; ++i) c.get_settings();
  EXPECT_EQ(token_requests(), 1u);
  EXPECT_EQ(creds->token_requests(), 1u);
  EXPECT_EQ(creds->access_token().rfind("OAUTH2.", 0), 0u);
}

TEST_F(AuthTest, TokenIsRenewedShortlyBeforeItExpires) {
  auto creds = credentials();
  auto c = client(creds);
  c.get_settings();
  now_ = now_.load() + seconds(3600 - 301);  // just before expiry minus the 5-minute margin
  c.get_settings();
  EXPECT_EQ(token_requests(), 1u);
  now_ = now_.load() + seconds(2);  // inside the margin
  c.get_settings();
  EXPECT_EQ(token_requests(), 2u);
}

TEST_F(AuthTest, ManyThreadsCauseOneTokenRequest) {
  auto creds = credentials();
  auto c = client(creds);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        c.get_settings();
        ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
  EXPECT_EQ(token_requests(), 1u);
}

TEST_F(AuthTest, A401RenewsTheTokenOnceAndConcurrent401sRenewOnce) {
  auto creds = credentials();
  auto c = client(creds);
  c.get_settings();
  auto first = creds->access_token();
  emulator_->revoke_tokens();
  EXPECT_NO_THROW(c.get_settings());
  EXPECT_EQ(token_requests(), 2u);
  EXPECT_NE(creds->access_token(), first);

  emulator_->revoke_tokens();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back([&] { c.get_settings(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(token_requests(), 3u);
}

TEST_F(AuthTest, TokenEndpointFailuresAreTypedAndKeepNoSecret) {
  auto c = client(credentials("the-wrong-secret-abcdef"));
  try {
    c.get_settings();
    FAIL();
  } catch (const CredentialsError& e) {
    EXPECT_EQ(e.token_endpoint_status(), 401);
    EXPECT_EQ(std::string(e.what()).find("the-wrong-secret-abcdef"), std::string::npos);
    try {
      std::rethrow_exception(e.cause());
    } catch (const UnauthenticatedError& token) {
      EXPECT_FALSE(token.request_id().empty());
      EXPECT_EQ(std::string(token.what()).find("the-wrong-secret-abcdef"), std::string::npos);
    }
  }
  emulator::Fault fault;
  fault.kind = emulator::Fault::Kind::kStatus;
  fault.path = "/oauth2/token";
  fault.status = 503;
  fault.body = std::string("{\"message\":\"") + kSecret + "\"}";
  emulator_->inject(fault);
  try {
    client(credentials()).get_settings();
    FAIL();
  } catch (const CredentialsError& e) {
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos);
    try {
      std::rethrow_exception(e.cause());
    } catch (const ServerError& token) {
      EXPECT_EQ(std::string(token.what()).find(kSecret), std::string::npos);
      EXPECT_EQ(token.raw_body().find(kSecret), std::string::npos);
    }
  }
  OAuthOptions unreachable;
  unreachable.base_url = "http://127.0.0.1:1";
  EXPECT_THROW(OAuthClientCredentials(kAppId, kSecret, kInstance, unreachable).access_token(),
               TransportError);
  EXPECT_THROW(OAuthClientCredentials("", kSecret, kInstance), ValidationError);
  EXPECT_THROW(OAuthClientCredentials(kAppId, kSecret, "", unreachable), ValidationError);
}

// A token request that fails leaves the API request unwritten, whatever the token endpoint did:
// the call says so (it never looks like the service's own answer), for both clients.
TEST_F(AuthTest, AFailedTokenRequestIsACredentialsErrorAndTheApiRequestWasNeverSent) {
  struct Case {
    const char* name;
    emulator::Fault fault;
    int status;
    const char* code;
  };
  auto fault_of = [](emulator::Fault::Kind kind, int status, std::string body, int delay_ms) {
    emulator::Fault f;
    f.kind = kind;
    f.path = "/oauth2/token";
    f.status = status;
    f.body = std::move(body);
    f.delay = std::chrono::milliseconds(delay_ms);
    return f;
  };
  const std::string echoed = std::string(R"({"message":"bad secret )") + kSecret + R"("})";
  std::vector<Case> cases = {
      {"503", fault_of(emulator::Fault::Kind::kStatus, 503, echoed, 0), 503, "UNAVAILABLE"},
      {"400", fault_of(emulator::Fault::Kind::kStatus, 400, echoed, 0), 400, "INVALID_ARGUMENT"},
      {"stall", fault_of(emulator::Fault::Kind::kDelay, 0, "", 3000), 0, ""},
      {"malformed", fault_of(emulator::Fault::Kind::kMalformedJson, 200, "", 0), 0, ""},
  };
  auto check = [&](const Case& c, const std::exception_ptr& thrown, const char* client) {
    SCOPED_TRACE(std::string(c.name) + " through " + client);
    try {
      std::rethrow_exception(thrown);
    } catch (const CredentialsError& e) {
      EXPECT_FALSE(e.may_have_reached_server());
      EXPECT_EQ(e.kind(), TransportError::Kind::kCredentials);
      EXPECT_EQ(e.token_endpoint_status(), c.status);
      EXPECT_EQ(e.token_endpoint_code(), c.code);
      const std::string what = e.what();
      EXPECT_NE(what.find("credentials failed"), std::string::npos) << what;
      EXPECT_NE(what.find("/oauth2/token"), std::string::npos) << what;
      EXPECT_EQ(what.find(kSecret), std::string::npos) << what;
      ASSERT_TRUE(e.cause());
      try {
        std::rethrow_exception(e.cause());
      } catch (const ApiError& api) {
        EXPECT_EQ(api.http_status(), c.status);
        EXPECT_EQ(api.raw_body().find(kSecret), std::string::npos);
      } catch (const TransportError& transport) {
        EXPECT_EQ(c.status, 0) << transport.what();
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a CredentialsError: " << e.what();
    }
  };
  const auto report = ReportItemsBackInStockRequest(CatalogReference("item-1", kWixStoresAppId),
                                                    ItemDetails("Shoe", "10.00"));
  for (const auto& c : cases) {
    OAuthOptions o;
    o.base_url = emulator_->url();
    o.timeout = std::chrono::milliseconds(300);  // the stall runs past it
    ClientOptions co;
    co.base_url = emulator_->url();
    co.retry = RetryPolicy::no_retry();
    emulator_->inject(c.fault);
    co.credentials = std::make_shared<OAuthClientCredentials>(kAppId, kSecret, kInstance, o);
    std::exception_ptr thrown;
    try {
      Client(co).report_items_back_in_stock(report);
    } catch (...) {
      thrown = std::current_exception();
    }
    check(c, thrown, "Client");
    emulator_->inject(c.fault);
    co.credentials = std::make_shared<OAuthClientCredentials>(kAppId, kSecret, kInstance, o);
    AsyncClient async(co);
    thrown = nullptr;
    try {
      async.report_items_back_in_stock(report).get();
    } catch (...) {
      thrown = std::current_exception();
    }
    check(c, thrown, "AsyncClient");
    emulator_->clear_faults();
  }
  EXPECT_EQ(emulator_->requests_received("/report-items-back-in-stock"), 0u);
  EXPECT_TRUE(outbox()["reports"].empty());
}

// Credentials of the user's own that throw: the call says nothing was sent, and keeps what they
// threw.
TEST_F(AuthTest, CredentialsOfYourOwnThatThrowEndTheCallUnsent) {
  struct Unreachable : std::runtime_error {
    Unreachable() : std::runtime_error("vault unreachable") {}
  };
  auto provider =
      std::make_shared<TokenProviderCredentials>([]() -> std::string { throw Unreachable(); });
  try {
    client(provider).get_settings();
    FAIL();
  } catch (const CredentialsError& e) {
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_EQ(e.token_endpoint_status(), 0);
    EXPECT_NE(std::string(e.what()).find("vault unreachable"), std::string::npos) << e.what();
    EXPECT_THROW(std::rethrow_exception(e.cause()), Unreachable);
  }
  EXPECT_EQ(emulator_->requests_received("/settings"), 0u);
}

TEST_F(AuthTest, ExpiredOrUnknownTokensAndMissingSiteAreRejected) {
  EXPECT_THROW(client(std::make_shared<AccessTokenCredentials>("OAUTH2.made-up")).get_settings(),
               UnauthenticatedError);
  // An API key without wix-site-id is refused, as the real service does.
  struct KeyOnly : Credentials {
    void apply(HttpHeaders& h) override { h.emplace_back("Authorization", "some-api-key"); }
    std::vector<std::string> secrets() const override { return {"some-api-key"}; }
  };
  EXPECT_THROW(client(std::make_shared<KeyOnly>()).get_settings(), PermissionDeniedError);
  // Tokens issued with a short lifetime expire on the emulator's own clock.
  emulator::EmulatorOptions short_lived;
  short_lived.apps = {{kAppId, kSecret}};
  short_lived.token_lifetime = seconds(1);
  emulator::Emulator quick(short_lived);
  quick.start();
  OAuthOptions o;
  o.base_url = quick.url();
  OAuthClientCredentials creds(kAppId, kSecret, kInstance, o);
  auto token = creds.access_token();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ClientOptions co;
  co.base_url = quick.url();
  co.credentials = std::make_shared<AccessTokenCredentials>(token);
  EXPECT_THROW(Client(co).get_settings(), UnauthenticatedError);
}

TEST_F(AuthTest, TokenProviderCredentialsAreInvalidatedAfter401) {
  OAuthOptions o;
  o.base_url = emulator_->url();
  auto oauth = std::make_shared<OAuthClientCredentials>(kAppId, kSecret, kInstance, o);
  std::vector<std::string> invalidated;
  std::string cached = "OAUTH2.stale-token";
  auto provider = std::make_shared<TokenProviderCredentials>([&] { return cached; },
                                                             [&](const std::string& rejected) {
                                                               invalidated.push_back(rejected);
                                                               cached = oauth->access_token();
                                                             });
  client(provider).get_settings();
  EXPECT_EQ(invalidated, std::vector<std::string>{"OAUTH2.stale-token"});
}

TEST_F(AuthTest, OneAppManySitesSharesTheTransport) {
  ClientOptions base;
  base.base_url = emulator_->url();
  AppClients app(kAppId, kSecret, base);
  auto site_a = app.for_instance("instance-a");
  auto site_b = app.for_instance("instance-b");
  site_a.get_settings();
  site_b.get_settings();
  app.for_instance("instance-a").get_settings();
  EXPECT_EQ(token_requests(), 2u);  // one token per instance, reused
  EXPECT_EQ(app.credentials_for("instance-a")->token_requests(), 1u);
  EXPECT_EQ(app.for_instance("instance-a").connection(), site_a.connection());
}

// An app installed on many sites keeps a bounded number of clients: the least recently used one
// is let go (its clients already handed out keep working), and one can be dropped at will.
TEST_F(AuthTest, AppClientsHoldABoundedNumberOfInstances) {
  ClientOptions base;
  base.base_url = emulator_->url();
  AppClients app(kAppId, kSecret, base, /*max_instances=*/3);
  auto a = app.for_instance("instance-a");
  a.get_settings();
  app.for_instance("instance-b").get_settings();
  app.for_instance("instance-c").get_settings();
  app.for_instance("instance-a").get_settings();  // a is now the most recently used
  app.for_instance("instance-d").get_settings();  // b, the least recently used, goes
  EXPECT_EQ(app.size(), 3u);
  EXPECT_EQ(token_requests(), 4u);
  EXPECT_EQ(app.for_instance("instance-a").connection(), a.connection()) << "a was kept";
  app.for_instance("instance-b").get_settings();  // back, with a token of its own again
  EXPECT_EQ(token_requests(), 5u);
  EXPECT_TRUE(app.forget("instance-a"));
  EXPECT_FALSE(app.forget("instance-a"));
  EXPECT_EQ(app.size(), 2u);
  a.get_settings();  // a client handed out before keeps working
  EXPECT_THROW(AppClients(kAppId, kSecret, base, 0), ValidationError);
}

}  // namespace
}  // namespace wix::backinstock
