// The SDK's blocking connection: each API method's wire call, driven through its attempts by the
// blocking loop below and decoded. The asynchronous driver of the same `Call` is the curl-multi
// loop of async_engine.cc.

#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "answers.h"
#include "call.h"
#include "wire_calls.h"
#include "wix/backinstock/client.h"
#include "wix/backinstock/testing.h"

namespace wix::backinstock {

namespace {

namespace wire_calls = internal::wire_calls;
using internal::Call;

class RestConnection final : public Connection {
 public:
  RestConnection(ClientOptions options, internal::Seams seams)
      : setup_(with_transport(std::move(options)), std::move(seams)),
        transport_(setup_.options().transport),
        curl_(dynamic_cast<CurlTransport*>(transport_.get())) {}

  // One override per row of api_methods.h: the method's wire call, sent and decoded by `run`.
#define WIX_BACKINSTOCK_REST_METHOD(Result, name, parameters, arguments) \
  Result name parameters override { return run<Result>(wire_calls::name arguments, options); }
  WIX_BACKINSTOCK_API_METHODS(WIX_BACKINSTOCK_REST_METHOD)
#undef WIX_BACKINSTOCK_REST_METHOD

 private:
  static ClientOptions with_transport(ClientOptions options) {
    if (!options.transport) options.transport = std::make_shared<CurlTransport>(options.curl);
    return options;
  }

  template <typename Result>
  Result run(internal::WireCall wire, const CallOptions& options) {
    std::string expected_id = std::move(wire.expected_id);  // for the answer, not the request
    return send(std::move(wire), options, [&expected_id](std::string_view body, int attempts) {
      return internal::decode_answer(
          [&expected_id](std::string_view text) {
            return internal::decode_result_about<Result>(text, expected_id);
          },
          body, attempts);
    });
  }

  // The parts one after the other, each answer matched to its references, in order.
  template <typename Result>
  Result run(internal::SplitCall split, const CallOptions& options) {
    Result all;
    for (std::size_t i = 0; i < split.parts.size(); ++i) {
      const auto& asked = split.asked[i];
      auto some =
          send(std::move(split.parts[i]), options, [&asked](std::string_view body, int attempts) {
            return internal::decode_answer(
                [&asked](std::string_view text) { return internal::decode_part(asked, text); },
                body, attempts);
          });
      std::move(some.begin(), some.end(), std::back_inserter(all));
    }
    return all;
  }

  // The blocking driver: each attempt prepared, sent and finished in turn on the caller's thread.
  // Returns what `decode(body, attempts)` makes of the 200 answer (decoded where it was written,
  // so that its storage serves a later call), or throws the typed error of the last attempt.
  template <typename Decode>
  auto send(internal::WireCall wire, const CallOptions& options, Decode&& decode) {
    Call call(setup_, std::move(wire), options);
    HttpResponse& answer = call.answer_storage();
    for (;;) {
      call.prepare();  // failing credentials end the call: CredentialsError, nothing sent
      std::optional<TransportError> error;
      try {
        if (curl_ != nullptr) {
          curl_->send_into(call.start(), answer);
        } else {
          answer = transport_->send(call.start());
        }
      } catch (const TransportError& e) {
        error = e;
      }
      const int attempt = call.attempt();
      auto next = call.finish(error ? nullptr : &answer, error ? &*error : nullptr);
      switch (next.action) {
        case Call::Next::Action::kSucceed:
          return decode(std::string_view(answer.body), attempt);
        case Call::Next::Action::kFail:
          std::rethrow_exception(next.error);
        case Call::Next::Action::kRetry:
          setup_.sleep(next.delay);
          break;
      }
    }
  }

  internal::CallSetup setup_;
  std::shared_ptr<Transport> transport_;
  // `transport_`, when it is libcurl's: answers written in place. Found once here rather than
  // through a new virtual of `Transport`, which would change the vtable of users' transports
  // (ABI 0.6).
  CurlTransport* curl_;
};

}  // namespace

std::shared_ptr<Connection> make_connection(ClientOptions options) {
  return std::make_shared<RestConnection>(std::move(options), internal::Seams{});
}

std::shared_ptr<Connection> testing::make_connection(ClientOptions options, ClientSeams seams) {
  return std::make_shared<RestConnection>(
      std::move(options),
      internal::Seams{std::move(seams.clock), std::move(seams.sleeper), std::move(seams.random)});
}

Client testing::make_client(ClientOptions options, ClientSeams seams) {
  return Client(testing::make_connection(std::move(options), std::move(seams)));
}

}  // namespace wix::backinstock
