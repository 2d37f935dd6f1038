#include <gtest/gtest.h>

#include "error_mapping.h"
#include "fixtures.h"
#include "retry_rules.h"

namespace wix::backinstock {
namespace {

using test_support::read_fixture;

HttpResponse answer(int status, std::string body,
                    HttpHeaders headers = {{"X-Wix-Request-Id", "req-42"}}) {
  return {status, std::move(headers), std::move(body)};
}

// Throws the mapped error so tests can catch it by type.
[[noreturn]] void map(const HttpResponse& r, const std::vector<std::string>& secrets = {}) {
  internal::throw_api_error(r, secrets);
}

template <typename Expected>
void expect_mapped(int status, const std::string& fixture, const std::string& app_code) {
  SCOPED_TRACE(fixture);
  try {
    map(answer(status, read_fixture(fixture)));
  } catch (const Expected& e) {
    EXPECT_EQ(e.http_status(), status);
    EXPECT_EQ(e.application_code(), app_code);
    EXPECT_EQ(e.request_id(), "req-42");
    EXPECT_EQ(e.raw_body(), read_fixture(fixture));
    EXPECT_NE(std::string(e.what()).find("req-42"), std::string::npos);
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong type: " << e.what();
    return;
  }
}

TEST(ErrorMappingTest, EveryDocumentedApplicationCodeHasItsType) {
  expect_mapped<InvalidCatalogReferenceOptionsError>(
      400, "error.invalid-catalog-reference-options.json", "INVALID_CATALOG_REFERENCE_OPTIONS");
  expect_mapped<InvalidItemImageUrlError>(400, "error.invalid-item-image-url.json",
                                          "INVALID_ITEM_IMAGE_URL");
  expect_mapped<RequestContainsBothCatalogReferenceAndRequestIdsError>(
      400, "error.both-catalog-reference-and-request-ids.json",
      "REQUEST_CONTAINS_BOTH_CATALOG_REFERENCE_AND_REQUEST_IDS");
  expect_mapped<BackInStockNotificationRequestAlreadyExistsError>(
      409, "error.already-exists.json", "BACK_IN_STOCK_NOTIFICATION_REQUEST_ALREADY_EXISTS");
  expect_mapped<RequestCollectionDisabledError>(428, "error.request-collection-disabled.json",
                                                "REQUEST_COLLECTION_DISABLED");
  expect_mapped<BackInStockNotificationRequestNotFoundError>(
      428, "error.mark-as-notification-sent.not-found.json",
      "BACK_IN_STOCK_NOTIFICATION_REQUEST_NOT_FOUND");
  expect_mapped<NotSupportedAppDefIdError>(428, "error.not-supported-app-def-id.json",
                                           "NOT_SUPPORTED_APP_DEF_ID");
}

TEST(ErrorMappingTest, ApplicationErrorsCanBeCaughtBroadly) {
  auto response = answer(400, read_fixture("error.invalid-item-image-url.json"));
  EXPECT_THROW(map(response), InvalidItemImageUrlError);
  EXPECT_THROW(map(response), InvalidArgumentError);
  EXPECT_THROW(map(response), ApiError);
  EXPECT_THROW(map(response), Error);
  EXPECT_THROW(map(response), std::runtime_error);
  auto not_found = answer(428, read_fixture("error.mark-as-notification-sent.not-found.json"));
  EXPECT_THROW(map(not_found), FailedPreconditionError);
}

TEST(ErrorMappingTest, EveryStatusHasItsType) {
  expect_mapped<UnauthenticatedError>(401, "error.unauthenticated.json", "UNAUTHENTICATED");
  expect_mapped<PermissionDeniedError>(403, "error.permission-denied.json", "PERMISSION_DENIED");
  expect_mapped<NotFoundError>(404, "error.not-found.json", "NOT_FOUND");
  expect_mapped<RateLimitedError>(429, "error.resource-exhausted.json", "RESOURCE_EXHAUSTED");
  expect_mapped<ServerError>(500, "error.system.json", "");
  EXPECT_THROW(map(answer(400, "{}")), InvalidArgumentError);
  EXPECT_THROW(map(answer(409, "{}")), AlreadyExistsError);
  EXPECT_THROW(map(answer(428, "{}")), FailedPreconditionError);
  for (int status : {500, 501, 502, 503, 504, 599})
    EXPECT_THROW(map(answer(status, "")), ServerError) << status;
  for (int status : {201, 204, 301, 408, 418, 499}) {
    try {
      map(answer(status, ""));
    } catch (const ServerError&) {
      ADD_FAILURE() << status;
    } catch (const InvalidArgumentError&) {
      ADD_FAILURE() << status;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.http_status(), status);
    }
  }
}

TEST(ErrorMappingTest, CanonicalCodesFollowTheStatusTable) {
  EXPECT_STREQ(canonical_code_for_status(428), "FAILED_PRECONDITION");
  EXPECT_STREQ(canonical_code_for_status(429), "RESOURCE_EXHAUSTED");
  EXPECT_STREQ(canonical_code_for_status(503), "UNAVAILABLE");
  EXPECT_STREQ(canonical_code_for_status(302), "UNKNOWN");
}

TEST(ErrorMappingTest, AnApplicationCodeUnderAnUnexpectedStatusKeepsTheStatusType) {
  auto response = answer(500, read_fixture("error.invalid-item-image-url.json"));
  try {
    map(response);
  } catch (const InvalidItemImageUrlError&) {
    ADD_FAILURE() << "mapped by code despite status 500";
  } catch (const ServerError& e) {
    EXPECT_EQ(e.application_code(), "INVALID_ITEM_IMAGE_URL");
  }
}

TEST(ErrorMappingTest, ValidationErrorsKeepFieldViolations) {
  try {
    map(answer(400, read_fixture("error.validation.json")));
  } catch (const InvalidArgumentError& e) {
    ASSERT_EQ(e.field_violations().size(), 2u);
    EXPECT_EQ(e.field_violations()[0].field, "request.email");
    EXPECT_EQ(e.field_violations()[0].violated_rule, "FORMAT");
    EXPECT_EQ(e.field_violations()[1].field, "itemDetails.price");
    EXPECT_EQ(e.field_violations()[1].rule_name, "DECIMAL_GTE");
    EXPECT_EQ(e.canonical_code(), "INVALID_ARGUMENT");
    EXPECT_NE(std::string(e.what()).find("request.email"), std::string::npos);
  }
}

TEST(ErrorMappingTest, EmptyNonJsonAndHtmlBodiesStillGiveTheStatus) {
  const std::string html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
  for (const auto& body :
       {std::string(), std::string("not json at all"), html, std::string("[1,2]"),
        std::string("{\"details\": \"weird\", \"message\": 7}")}) {
    try {
      map(answer(502, body));
    } catch (const ServerError& e) {
      EXPECT_EQ(e.http_status(), 502);
      EXPECT_EQ(e.canonical_code(), "BAD_GATEWAY");
      EXPECT_EQ(e.request_id(), "req-42");
      EXPECT_EQ(e.raw_body(), body);
      EXPECT_TRUE(e.application_code().empty());
    }
  }
  try {
    map(answer(404, "", {}));
  } catch (const NotFoundError& e) {
    EXPECT_TRUE(e.request_id().empty());
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos);
  }
}

TEST(ErrorMappingTest, NumericApplicationCodesAreKeptAsText) {
  try {
    map(answer(404,
               R"({"message":"x","details":{"applicationError":{"code":404,"description":"x"}}})"));
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.application_code(), "404");
  }
}

TEST(ErrorMappingTest, RetryAfterIsParsedInBothForms) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(internal::parse_retry_after("120", now), std::chrono::milliseconds(120000));
  EXPECT_EQ(internal::parse_retry_after(" 0 ", now), std::chrono::milliseconds(0));
  EXPECT_EQ(internal::parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            std::chrono::milliseconds(10000));
  EXPECT_EQ(internal::parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            std::chrono::milliseconds(0));
  // Too many digits to count is a very long wait (a day), not garbage; a date far ahead is too.
  EXPECT_EQ(internal::parse_retry_after("99999999999999999999999", now),
            std::chrono::milliseconds(86'400'000));
  EXPECT_EQ(internal::parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            std::chrono::milliseconds(86'400'000));
  for (const char* bad : {"", "soon", "-5", "1.5", "Sun, 99 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(internal::parse_retry_after(bad, now).has_value()) << bad;
  }
  try {
    map(answer(429, "{}", {{"Retry-After", "7"}}));
  } catch (const RateLimitedError& e) {
    EXPECT_EQ(e.retry_after(), std::chrono::milliseconds(7000));
  }
}

TEST(ErrorMappingTest, SecretsAreRedactedEverywhere) {
  const std::string key = "IST.fake-api-key-0123456789abcdef";
  auto body = R"({"message":"bad key )" + key +
              R"(","details":{"applicationError":{"code":"UNAUTHENTICATED","description":"key )" +
              key + R"( rejected"}}})";
  try {
    map(answer(401, body, {{"x-wix-request-id", key}}), {key});
  } catch (const ApiError& e) {
    EXPECT_EQ(std::string(e.what()).find(key), std::string::npos) << e.what();
    EXPECT_EQ(e.raw_body().find(key), std::string::npos);
    EXPECT_EQ(e.message().find(key), std::string::npos);
    EXPECT_EQ(e.application_description().find(key), std::string::npos);
    EXPECT_EQ(e.request_id().find(key), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[REDACTED]"), std::string::npos);
  }
}

}  // namespace
}  // namespace wix::backinstock
