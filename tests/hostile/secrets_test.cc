// No message ever contains the API key: a server that echoes it (in a header, JSON-escaped in the
// body) does not get it into a log, `what()` or an accessor; redaction never changes the type of
// the error; `what()` stays short; redirects are not followed (the key would go along).

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>

#include "credentials_cause.h"
#include "encoding.h"
#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

void expect_clean(const std::string& text, const std::string& key, const char* where) {
  EXPECT_EQ(text.find(key), std::string::npos) << where << ": " << text.substr(0, 300);
}

TEST(SecretsTest, KeyEchoedInTheRequestIdHeaderReachesNoLogAndNoError) {
  const std::string key = "hostile-secret-key-1234";
  HostileServer server([&](int fd, const WireRequest& r) {
    return HostileServer::reply(fd, 500, "{}",
                                {"x-wix-request-id: id-" + r.header("Authorization")});
  });
  auto options = test_support::one_attempt_options(server.url(), key);
  std::mutex mutex;
  std::vector<std::string> logged_ids;  // the record's views live only during the call
  options.logger = [&](const AttemptRecord& r) {
    std::lock_guard<std::mutex> guard(mutex);
    logged_ids.emplace_back(r.request_id);
  };
  Client client(options);
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    expect_clean(e.what(), key, "what()");
    expect_clean(e.request_id(), key, "request_id()");
  }
  ASSERT_EQ(logged_ids.size(), 1u);
  expect_clean(logged_ids[0], key, "logged request id");
  EXPECT_NE(logged_ids[0].find("[REDACTED]"), std::string::npos);
}

TEST(SecretsTest, KeyEchoedJsonEscapedIsRedactedAfterDecoding) {
  const std::string key = "hostile/secret+key";
  // The same key as a JSON string may be written `hostile\/secret\u002Bkey`.
  const std::string body =
      R"({"message":"bad key hostile\/secret\u002Bkey","details":{"applicationError":)"
      R"({"code":"INVALID_ITEM_IMAGE_URL","description":"for h\u006Fstile/secret+key",)"
      R"("data":{"echo":"hostile\/secret+key"}},"validationError":{"fieldViolations":)"
      R"([{"field":"x","description":"hostile\/secret\u002bkey"}]}}})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 400, body); });
  Client client(test_support::one_attempt_options(server.url(), key));
  try {
    client.get_settings();
    FAIL();
  } catch (const InvalidItemImageUrlError& e) {  // the type is still chosen by the code
    EXPECT_EQ(e.application_code(), "INVALID_ITEM_IMAGE_URL");
    expect_clean(e.what(), key, "what()");
    expect_clean(e.message(), key, "message()");
    expect_clean(e.application_description(), key, "application_description()");
    expect_clean(e.application_data(), key, "application_data()");
    expect_clean(e.field_violations().at(0).description, key, "field violation");
    EXPECT_EQ(e.raw_body().find("secret"), std::string::npos) << e.raw_body();
    EXPECT_NE(e.message().find("[REDACTED]"), std::string::npos) << e.message();
  }
}

class ShortKeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShortKeyTest, ShortKeyNeverChangesTheErrorType) {
  const std::string body =
      R"({"message":"Request not found","details":{"applicationError":)"
      R"({"code":"BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND","description":"not found"}}})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 428, body); });
  Client client(test_support::one_attempt_options(server.url(), GetParam()));
  try {
    client.mark_as_notification_sent("r1");
    FAIL();
  } catch (const BackInStockNotificationRequestNotFoundError& e) {
    EXPECT_EQ(e.application_code(), "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND");
    EXPECT_EQ(e.http_status(), 428);
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, ShortKeyTest, ::testing::Values("K", "e", "_", "NOT"));

TEST(SecretsTest, HugeErrorBodyMakesAShortWhatAndKeepsTheRawBody) {
  const std::string body = R"({"message":")" + std::string(1 << 20, 'x') + R"("})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 503, body); });
  Client client(test_support::one_attempt_options(server.url(), "hostile-secret-key"));
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    EXPECT_LE(std::string(e.what()).size(), 8192u);
    EXPECT_EQ(e.raw_body().size(), body.size());
    EXPECT_EQ(e.message().size(), std::size_t{1} << 20);
  }
}

TEST(SecretsTest, RedirectsAreNotFollowedSoTheKeyStaysHome) {
  HostileServer elsewhere(
      [](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, "{}"); });
  HostileServer server([&](int fd, const WireRequest&) {
    return HostileServer::reply(fd, 307, "{}", {"Location: " + elsewhere.url() + "/steal"});
  });
  Client client(test_support::one_attempt_options(server.url(), "hostile-secret-key"));
  EXPECT_THROW(client.report_items_back_in_stock(ReportItemsBackInStockRequest(
                   CatalogReference("orchid", kWixStoresAppId), ItemDetails("Orchid", "1"))),
               ApiError);
  EXPECT_THROW(client.get_settings(), ApiError);
  EXPECT_EQ(elsewhere.requests().size(), 0u);
  EXPECT_EQ(server.requests().size(), 2u);
}

// -- every spelling, whatever the body
// -------------------------------------------------------------

const std::string kSlashPlusKey = "IST.eyJraWQiOi/Jhb+GciOi=JSUzI1NiJ9";

std::string percent(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// `secret` with `/`, `+` and `=` JSON-escaped; `backslashes` per escape (2: JSON inside a string).
std::string json_escaped(const std::string& secret, int backslashes) {
  const std::string slash(static_cast<std::size_t>(backslashes), '\\');
  std::string out;
  for (char c : secret) {
    if (c == '/') {
      out += slash + "/";
    } else if (c == '+') {
      out += slash + "u002B";
    } else if (c == '=') {
      out += slash + "u003d";
    } else {
      out += c;
    }
  }
  return out;
}

std::string base64_standard(const std::string& text) {
  std::string out = internal::base64url_encode(text);
  for (auto& c : out) c = c == '-' ? '+' : c == '_' ? '/' : c;
  return out;
}

// The spellings of `secret` a server may echo: raw, JSON-escaped once and twice, percent-encoded,
// base64url, and base64 inside a larger encoded value (a Basic header, say).
std::vector<std::string> spellings(const std::string& secret) {
  return {secret,
          json_escaped(secret, 1),
          json_escaped(secret, 2),
          percent(secret),
          internal::base64url_encode(secret),
          base64_standard("user:" + secret)};
}

void expect_no_spelling(const std::string& text, const std::string& secret, const char* where) {
  for (const auto& spelling : spellings(secret)) {
    // The middle half: what any spelling of the secret holds whatever surrounds it.
    std::string core = spelling.substr(spelling.size() / 4, spelling.size() / 2);
    EXPECT_EQ(text.find(core), std::string::npos)
        << where << " holds a spelling of the secret: " << text.substr(0, 400);
  }
}

// `text` with every character other than a letter or a digit written as an HTML character
// reference, decimal (`&#43;`) or hexadecimal (`&#x2B;`).
std::string html_references(const std::string& text, bool hex) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, hex ? "&#x%X;" : "&#%d;", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out;
}

// The key under two encodings at once: base64 inside percent-encoding and inside JSON escapes,
// and HTML character references of the key and of its base64, in an HTML error page.
TEST(SecretsTest, AKeyUnderTwoEncodingsAtOnceIsRedacted) {
  // Its base64 holds `+` and `/` at every alignment, which percent-encoding and JSON escape.
  const std::string key = "hostile-key-?>~?>~?>~-0123456789";
  const std::string b64 = base64_standard("user:" + key);
  ASSERT_NE(b64.find_first_of("+/"), std::string::npos) << "the test needs + or / in the base64";
  const std::vector<std::string> forms = {percent(b64),
                                          json_escaped(b64, 1),
                                          json_escaped(b64, 2),
                                          html_references(key, false),
                                          html_references(key, true),
                                          html_references(b64, false),
                                          html_references(b64, true)};
  std::string page = "<html><body><h1>502</h1><p>";
  for (const auto& form : forms) page += form + "<br>";
  page += "</p></body></html>";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 502, page); });
  Client client(test_support::one_attempt_options(server.url(), key));
  try {
    client.get_settings();
    FAIL();
  } catch (const ServerError& e) {
    for (const auto& form : forms) {
      const std::string core = form.substr(form.size() / 4, form.size() / 2);
      EXPECT_EQ(e.raw_body().find(core), std::string::npos) << form << " in " << e.raw_body();
      EXPECT_EQ(std::string(e.what()).find(core), std::string::npos) << form;
    }
  }
}

// A 400 whose body is cut short (not JSON), echoing the key in each spelling.
TEST(SecretsTest, KeyEchoedInAnySpellingInABodyThatDoesNotParseIsRedacted) {
  const auto forms = spellings(kSlashPlusKey);
  std::string body = R"({"message":"bad key )";
  for (const auto& form : forms) body += form + " ";
  body += R"(","details":{"applicationError":{"code":"INVALID_ITEM_IMA)";  // cut short
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 400, body); });
  Client client(test_support::one_attempt_options(server.url(), kSlashPlusKey));
  try {
    client.get_settings();
    FAIL();
  } catch (const InvalidArgumentError& e) {
    expect_no_spelling(e.raw_body(), kSlashPlusKey, "raw_body()");
    expect_no_spelling(e.what(), kSlashPlusKey, "what()");
    expect_no_spelling(e.message(), kSlashPlusKey, "message()");
    EXPECT_NE(e.raw_body().find("bad key"), std::string::npos) << e.raw_body();
  }
}

// A token endpoint that echoes the client secret in an HTML page, or in a truncated JSON body.
TEST(SecretsTest, ClientSecretEchoedByTheTokenEndpointInAnySpellingIsRedacted) {
  const std::string secret = "app/secret+of=the-app-0123456789";
  for (const std::string shape : {"html", "json"}) {
    HostileServer server([&](int fd, const WireRequest&) {
      std::string body = shape == "html" ? "<html><body>Unknown client " : R"({"error":"x )";
      for (const auto& form : spellings(secret)) body += form + " ";
      return HostileServer::reply(fd, 400, body);
    });
    OAuthOptions oauth;
    oauth.base_url = server.url();
    ClientOptions options;
    options.base_url = server.url();
    options.credentials = std::make_shared<OAuthClientCredentials>("app", secret, "inst", oauth);
    options.retry = RetryPolicy::no_retry();
    std::string logged;
    options.logger = [&](const AttemptRecord& r) { logged += std::string(r.error) + "\n"; };
    Client client(options);
    try {
      client.get_settings();
      FAIL() << shape;
    } catch (const CredentialsError& outer) {
      expect_no_spelling(outer.what(), secret, "CredentialsError::what()");
      EXPECT_EQ(outer.token_endpoint_status(), 400);
      try {
        std::rethrow_exception(outer.cause());
      } catch (const ApiError& e) {
        expect_no_spelling(e.raw_body(), secret, "raw_body()");
        expect_no_spelling(e.what(), secret, "what()");
        expect_no_spelling(e.message(), secret, "message()");
      }
    }
    expect_no_spelling(logged, secret, "log");
  }
}

// A refresh token echoed back by the token endpoint that refuses it.
TEST(SecretsTest, RefreshTokenEchoedByTheTokenEndpointIsRedacted) {
  const std::string refresh = "refresh/token+value=0123456789abcdef";
  HostileServer server([&](int fd, const WireRequest&) {
    std::string body = R"({"message":"refresh token )";
    for (const auto& form : spellings(refresh)) body += form + " ";
    return HostileServer::reply(fd, 400, body + "is invalid");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  auto credentials = std::make_shared<RefreshTokenCredentials>("app", "secret-0123456789", refresh,
                                                               nullptr, oauth);
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = credentials;
  options.retry = RetryPolicy::no_retry();
  Client client(options);
  try {
    client.get_settings();
    FAIL();
  } catch (const CredentialsError& outer) {
    expect_no_spelling(outer.what(), refresh, "CredentialsError::what()");
    try {
      std::rethrow_exception(outer.cause());
    } catch (const ApiError& e) {
      expect_no_spelling(e.raw_body(), refresh, "raw_body()");
      expect_no_spelling(e.what(), refresh, "what()");
    }
  }
}

// A short dummy key must not shred ordinary words, and a whole-token echo is still redacted.
TEST(SecretsTest, AShortKeyIsRedactedAsAWholeTokenWithoutShreddingWords) {
  const std::string body =
      R"({"message":"Back in stock notification request not found for key k","details":{}})";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 404, body); });
  Client client(test_support::one_attempt_options(server.url(), "k"));
  try {
    client.get_settings();
    FAIL();
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.message(), "Back in stock notification request not found for key [REDACTED]");
  }
}

// A token that cannot be a header (or of absurd size) is refused when it arrives: one error, no
// API request, and no renewal that keeps failing for the token's lifetime.
TEST(SecretsTest, AHugeAccessTokenIsRefusedWhenItArrives) {
  std::atomic<int> token_requests{0};
  std::atomic<int> api_requests{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    if (r.target == "/oauth2/token") {
      ++token_requests;
      return HostileServer::reply(
          fd, 200, R"({"access_token":")" + std::string(1 << 20, 'a') + R"(","expires_in":3600})");
    }
    ++api_requests;
    return HostileServer::reply(fd, 200, "{}");
  });
  OAuthOptions oauth;
  oauth.base_url = server.url();
  ClientOptions options;
  options.base_url = server.url();
  options.credentials = std::make_shared<OAuthClientCredentials>("app", "secret", "inst", oauth);
  Client client(options);
  try {
    test_support::token_failure([&] { client.get_settings(); });
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse) << e.what();
  }
  EXPECT_EQ(token_requests.load(), 1);
  EXPECT_EQ(api_requests.load(), 0);
}

}  // namespace
}  // namespace wix::backinstock
