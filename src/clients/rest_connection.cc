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

  // Each API method: its wire call (wire_calls.h), sent and decoded by `run`.
  void report_items_back_in_stock(const ReportItemsBackInStockRequest& request,
                                  const CallOptions& options) override {
    return run<void>(wire_calls::report_items_back_in_stock(request, options), options);
  }
  NotificationRequest create_back_in_stock_notification_request(
      const NewNotificationRequest& request, const ItemDetails& item_details,
      const CallOptions& options) override {
    return run<NotificationRequest>(
        wire_calls::create_back_in_stock_notification_request(request, item_details, options),
        options);
  }
  NotificationRequest get_back_in_stock_notification_request(const std::string& id,
                                                             const CallOptions& options) override {
    return run<NotificationRequest>(wire_calls::get_back_in_stock_notification_request(id, options),
                                    options);
  }
  void delete_back_in_stock_notification_request(const std::string& id,
                                                 const CallOptions& options) override {
    return run<void>(wire_calls::delete_back_in_stock_notification_request(id, options), options);
  }
  NotificationRequest mark_as_notification_sent(const std::string& id,
                                                const CallOptions& options) override {
    return run<NotificationRequest>(wire_calls::mark_as_notification_sent(id, options), options);
  }
  QueryPage query_back_in_stock_notification_requests(const Query& query,
                                                      const CallOptions& options) override {
    return run<QueryPage>(wire_calls::query_back_in_stock_notification_requests(query, options),
                          options);
  }
  std::vector<CatalogReferenceCount>
  get_back_in_stock_notification_requests_count_by_catalog_references(
      const std::vector<CatalogReference>& catalog_references,
      const CallOptions& options) override {
    return run<std::vector<CatalogReferenceCount>>(
        wire_calls::get_back_in_stock_notification_requests_count_by_catalog_references(
            catalog_references, options),
        options);
  }
  Settings get_settings(const CallOptions& options) override {
    return run<Settings>(wire_calls::get_settings(options), options);
  }
  Settings start_collecting_requests(const std::string& app_id,
                                     const CallOptions& options) override {
    return run<Settings>(wire_calls::start_collecting_requests(app_id, options), options);
  }
  Settings stop_collecting_requests(const std::string& app_id,
                                    const CallOptions& options) override {
    return run<Settings>(wire_calls::stop_collecting_requests(app_id, options), options);
  }

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
