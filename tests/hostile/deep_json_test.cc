// JSON nested 100,000 and 1,000,000 deep, from every place untrusted bytes come from: a 200 answer,
// an error body, a token endpoint, a signed webhook, a request to the emulator. Each is a typed
// error, never a stack overflow, also on a thread with a 256 KiB stack.

#include <gtest/gtest.h>
#include <pthread.h>

#include <functional>

#include "hostile_client.h"
#include "hostile_server.h"
#include "webhook_signer.h"
#include "wix/backinstock/backinstock.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

using test_support::HostileServer;
using test_support::nested_arrays;
using test_support::Then;
using test_support::WireRequest;

// Runs `body` on a thread whose stack is 256 KiB, as a small worker pool might have.
void on_small_stack(const std::function<void()>& body) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::size_t{256} << 10);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<const std::function<void()>*>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&body)),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

class DeepJsonTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  std::size_t depth() const { return GetParam(); }
};

TEST_P(DeepJsonTest, OkAnswerWithDeepOptionsIsMalformed) {
  std::string body =
      R"({"request":{"id":"r1","catalogReference":{"catalogItemId":"c","options":{"a":)" +
      nested_arrays(depth()) + "}}}}";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, body); });
  auto call = [&] {
    Client client(test_support::one_attempt_options(server.url()));
    try {
      client.get_back_in_stock_notification_request("r1");
      ADD_FAILURE() << "accepted";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse) << e.what();
      EXPECT_NE(std::string(e.what()).find("nested"), std::string::npos) << e.what();
    }
  };
  call();
  on_small_stack(call);
}

TEST_P(DeepJsonTest, ErrorBodyWithDeepDataKeepsItsStatusType) {
  std::string body =
      R"({"message":"bad","details":{"applicationError":{"code":"INVALID_ITEM_IMAGE_URL","data":{"x":)" +
      nested_arrays(depth()) + "}}}}";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 400, body); });
  auto call = [&] {
    Client client(test_support::one_attempt_options(server.url()));
    try {
      client.get_settings();
      ADD_FAILURE() << "accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_EQ(e.http_status(), 400);
      EXPECT_LE(std::string(e.what()).size(), 8192u);
    }
  };
  call();
  on_small_stack(call);
}

TEST_P(DeepJsonTest, TokenAnswerNestedDeeplyIsATypedError) {
  std::string body = R"({"access_token":"t","expires_in":)" + nested_arrays(depth()) + "}";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, body); });
  auto call = [&] {
    OAuthOptions oauth;
    oauth.base_url = server.url();
    OAuthClientCredentials credentials("app", "secret", "instance", oauth);
    EXPECT_THROW(credentials.access_token(), TransportError);
  };
  call();
  on_small_stack(call);
}

TEST_P(DeepJsonTest, SignedWebhookNestedDeeplyIsMalformed) {
  static const auto kSigner = emulator::WebhookSigner::generate();
  webhooks::Verifier verifier(kSigner.public_key_pem());
  std::string entity =
      R"({"id":"r1","catalogReference":{"options":{"a":)" + nested_arrays(depth()) + "}}}";
  std::string domain = R"({"id":"e1","entityId":"r1","createdEvent":{"entity":)" + entity + "}}";
  std::string body =
      kSigner.sign_event(std::string(webhooks::kCreatedEventType), "i1", domain, "{}", 0, 0);
  auto call = [&] {
    try {
      verifier.verify(body);
      ADD_FAILURE() << "accepted";
    } catch (const webhooks::WebhookError& e) {
      EXPECT_EQ(e.reason(), webhooks::WebhookError::Reason::kMalformed) << e.what();
    }
  };
  call();
  on_small_stack(call);
}

TEST_P(DeepJsonTest, EmulatorRefusesADeepRequestWith400) {
  emulator::Emulator emulator;
  std::string body = R"({"request":{"catalogReference":{"catalogItemId":"c","options":{"a":)" +
                     nested_arrays(depth()) +
                     R"(}},"email":"a@example.com"},"itemDetails":{"name":"n","price":"1"}})";
  auto call = [&] {
    auto reply = emulator.handle("POST", std::string(kRequestsPath),
                                 {{"Authorization", "k"}, {"wix-site-id", "s"}}, body);
    EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 200);
  };
  call();
  on_small_stack(call);
}

// Wide instead of deep: a body of about 4 MiB made of empty arrays would become a tree of about
// 200 MB. Refused before it is parsed, with the reason, by the emulator and by the library.
std::string wide_arrays(std::size_t count) {
  std::string out = "[";
  out.reserve(count * 3 + 2);
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "[]" : ",[]";
  return out + "]";
}

TEST(WideJsonTest, EmulatorRefusesAWideRequestBeforeParsingIt) {
  emulator::Emulator emulator;
  std::string body = R"({"catalogReference":{"catalogItemId":"c","appId":"a"},"x":)" +
                     wide_arrays(1'300'000) + "}";
  auto reply = emulator.handle("POST", std::string(kRequestsPath) + "/report-items-back-in-stock",
                               {{"Authorization", "k"}, {"wix-site-id", "s"}}, body);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("too many values"), std::string::npos) << reply.body.substr(0, 300);
}

TEST(WideJsonTest, AWideAnswerIsAMalformedResponse) {
  const std::string body = R"({"request":{"id":"r","x":)" + wide_arrays(1'300'000) + "}}";
  HostileServer server(
      [&](int fd, const WireRequest&) { return HostileServer::reply(fd, 200, body); });
  Client client(test_support::one_attempt_options(server.url()));
  try {
    client.get_back_in_stock_notification_request("r");
    FAIL() << "a wide answer was accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse);
    EXPECT_NE(std::string(e.what()).find("too many values"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Depths, DeepJsonTest, ::testing::Values(100'000, 1'000'000),
                         [](const auto& info) { return "Depth" + std::to_string(info.param); });

}  // namespace
}  // namespace wix::backinstock
