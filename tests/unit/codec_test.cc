#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "answers.h"
#include "codec.h"
#include "fixtures.h"
#include "json_writer.h"
#include "wix/backinstock/errors.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::read_fixture;

ItemDetails orchid_with_image() {
  return ItemDetails("White Orchid", "29.99",
                     Image("https://static.wixstatic.com/media/"
                           "a1b2c3_5f0e9d8c7b6a4e3f9a8b7c6d5e4f3a2b~mv2.jpg"));
}

CatalogReference fixture_reference() {
  return CatalogReference("c8539b66-7a44-fe18-affc-afec4be8562a", kWixStoresAppId,
                          {{"variantId", "00000000-0000-0000-0000-000000000000"}});
}

TEST(CodecDatesTest, ACreatedDateOutsideTheClockIsKeptAsTextNotMisread) {
  const std::string body =
      R"({"request":{"id":"r1","createdDate":"9999-12-31T23:59:59.999Z","status":"RECEIVED"}})";
  auto r = internal::decode_request_response(body);
  EXPECT_FALSE(r.created_date.has_value()) << format_timestamp(*r.created_date);
  EXPECT_EQ(r.created_date_text, "9999-12-31T23:59:59.999Z");
  auto page = internal::decode_query_response(
      R"({"requests":[{"id":"r1","createdDate":"0001-01-01T00:00:00Z"}]})");
  ASSERT_EQ(page.requests.size(), 1u);
  EXPECT_FALSE(page.requests[0].created_date.has_value());
  EXPECT_EQ(page.requests[0].created_date_text, "0001-01-01T00:00:00Z");
}

TEST(CodecTest, ReportByCatalogReferenceMatchesFixture) {
  ReportItemsBackInStockRequest request(
      fixture_reference(), orchid_with_image(),
      {{"storeName", "Green Thumb Nursery"}, {"restockNote", "Limited quantity available"}});
  EXPECT_EQ(
      json::parse(internal::encode_report(request)),
      json::parse(read_fixture("report-items-back-in-stock.by-catalog-reference.request.json")));
}

TEST(CodecTest, ReportByRequestIdsMatchesFixtureAndOmitsAbsentOptionals) {
  ReportItemsBackInStockRequest request(
      std::vector<std::string>{"6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f",
                               "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
      ItemDetails("White Orchid", "29.99"));
  auto text = internal::encode_report(request);
  EXPECT_EQ(json::parse(text),
            json::parse(read_fixture("report-items-back-in-stock.request-ids.request.json")));
  EXPECT_EQ(text.find("null"), std::string::npos);
  EXPECT_EQ(text.find("extraAutomationTemplateParameters"), std::string::npos);
  EXPECT_EQ(text.find("catalogReference"), std::string::npos);
}

TEST(CodecTest, ImageIsAnObjectWithAltTextAndId) {
  ReportItemsBackInStockRequest request(
      std::vector<std::string>{"r1"},
      ItemDetails(
          "Orchid", "1",
          Image("https://x.example/a.jpg", std::string("An orchid"), std::string("media-1"))));
  auto image = json::parse(internal::encode_report(request))["itemDetails"]["image"];
  EXPECT_EQ(
      image,
      json({{"id", "media-1"}, {"url", "https://x.example/a.jpg"}, {"altText", "An orchid"}}));
}

TEST(CodecTest, CreateMatchesFixture) {
  NewNotificationRequest request(fixture_reference(), "jane.doe@example.com",
                                 std::string("https://www.example.com/product-page/white-orchid"));
  EXPECT_EQ(json::parse(internal::encode_create(request, orchid_with_image())),
            json::parse(read_fixture("create.request.json")));
}

TEST(CodecTest, SettingsAndMarkBodiesMatchFixtures) {
  EXPECT_EQ(json::parse(internal::encode_app_id(kWixStoresAppId)),
            json::parse(read_fixture("settings.start-collecting.request.json")));
  EXPECT_EQ(json::parse(internal::encode_id("6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f")),
            json::parse(read_fixture("mark-as-notification-sent.request.json")));
}

TEST(CodecTest, DecodesGetResponse) {
  auto r = internal::decode_request_response(read_fixture("get.response.json"));
  EXPECT_EQ(r.id, "6f3c2a1e-8b4d-4c7a-9e2f-1a0b3c5d7e9f");
  EXPECT_EQ(r.catalog_reference, fixture_reference());
  EXPECT_EQ(r.email, "jane.doe@example.com");
  EXPECT_EQ(r.contact_id, "2d8e4b6a-1c3f-4e5a-8b7d-9f0e1a2b3c4d");
  EXPECT_EQ(r.status, Status::kReceived);
  EXPECT_FALSE(r.auto_notified.has_value());
  ASSERT_TRUE(r.created_date.has_value());
  EXPECT_EQ(format_timestamp(*r.created_date), "2024-03-14T09:26:53.589Z");
  EXPECT_EQ(r.item_url, "https://www.example.com/product-page/white-orchid");
}

TEST(CodecTest, DecodesEveryResponseFixture) {
  for (const char* name :
       {"create.response.json", "get.response.json", "mark-as-notification-sent.response.json"}) {
    auto r = internal::decode_request_response(read_fixture(name));
    EXPECT_FALSE(r.id.empty()) << name;
    EXPECT_NE(r.status, Status::kUnknown) << name;
  }
  auto marked =
      internal::decode_request_response(read_fixture("mark-as-notification-sent.response.json"));
  EXPECT_EQ(marked.status, Status::kNotificationSent);
  EXPECT_EQ(marked.auto_notified, false);

  auto page = internal::decode_query_response(read_fixture("query.response.json"));
  ASSERT_EQ(page.requests.size(), 2u);
  EXPECT_EQ(page.requests[1].status, Status::kFailed);
  EXPECT_EQ(page.requests[1].auto_notified, true);
  EXPECT_EQ(page.metadata.count, 2);
  EXPECT_TRUE(page.has_next());
  auto last = internal::decode_query_response(read_fixture("query.response.last-page.json"));
  EXPECT_FALSE(last.has_next());
  EXPECT_TRUE(last.metadata.prev_cursor.has_value());
  EXPECT_TRUE(last.requests[0].catalog_reference.options().empty());

  auto counts = internal::decode_count_response(read_fixture("count.response.json"));
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].count, 2);
  EXPECT_EQ(counts[0].catalog_reference, fixture_reference());
  EXPECT_EQ(counts[1].count, 0);

  for (const char* name :
       {"settings.get.response.json", "settings.start-collecting.response.json"}) {
    auto settings = internal::decode_settings_response(read_fixture(name));
    EXPECT_TRUE(settings.is_collecting(kWixStoresAppId)) << name;
  }
  EXPECT_FALSE(
      internal::decode_settings_response(read_fixture("settings.stop-collecting.response.json"))
          .is_collecting(kWixStoresAppId));
}

TEST(CodecTest, ToleratesUnknownFieldsNullsAndUnknownEnums) {
  auto r = internal::decode_request_response(R"({
    "request": {"id": "x", "status": "ON_HOLD", "surprise": {"a": 1}, "itemUrl": null,
                "autoNotified": null, "createdDate": null, "contactId": null,
                "catalogReference": {"appId": "a", "catalogItemId": "b", "options": null}},
    "extra": [1, 2, 3]})");
  EXPECT_EQ(r.status, Status::kUnknown);
  EXPECT_EQ(r.status_text, "ON_HOLD");
  EXPECT_FALSE(r.item_url.has_value());
  EXPECT_FALSE(r.auto_notified.has_value());
  EXPECT_FALSE(r.created_date.has_value());
  EXPECT_TRUE(r.catalog_reference.options().empty());
  // A server-sent catalog item ID longer than the request-side limit is still readable.
  auto long_id = internal::decode_request_response(
      R"({"request":{"catalogReference":{"appId":"a","catalogItemId":")" + std::string(50, 'z') +
      R"("}}})");
  EXPECT_EQ(long_id.catalog_reference.catalog_item_id().size(), 50u);
}

TEST(CodecTest, MalformedBodiesAreTypedErrors) {
  for (const char* body :
       {"", "<html>oops</html>", "[]", "{\"request\": 5}", "{\"requests\": {}}"}) {
    try {
      if (std::string(body).find("requests") != std::string::npos) {
        internal::decode_answer(internal::decode_query_response, body, 1);
      } else {
        internal::decode_answer(internal::decode_request_response, body, 1);
      }
      ADD_FAILURE() << "accepted " << body;
    } catch (const TransportError& e) {  // what both clients throw for a malformed 200 answer
      EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse) << body;
      EXPECT_TRUE(e.may_have_reached_server());
      EXPECT_EQ(e.attempts(), 1);
    }
    EXPECT_THROW(internal::decode_request_response(body), internal::MalformedBody) << body;
  }
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

// The writer's escaping agrees with nlohmann's for every ASCII character at every position of
// strings long enough to take the sixteen-bytes-at-a-time path twice and end in a partial block.
TEST(JsonWriterEscapeTest, AgreesWithNlohmannForEveryAsciiCharacterAtEveryOffset) {
  for (int c = 0; c < 128; ++c) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(c);
        internal::JsonWriter w;
        w.value(text);
        ASSERT_EQ(w.take(), nlohmann::json(text).dump()) << "char " << c << " at " << at;
      }
    }
  }
  internal::JsonWriter w;
  w.value("caf\xC3\xA9 \xE2\x82\xAC \"q\" \\ \x01 end of a longer text");
  EXPECT_EQ(w.take(),
            nlohmann::json("caf\xC3\xA9 \xE2\x82\xAC \"q\" \\ \x01 end of a longer text").dump());
}

// Bytes above 0x7F (UTF-8 sequences) are written as they are, wherever they fall in a block, and
// a quote after them is still found.
TEST(JsonWriterEscapeTest, WritesUtf8AsItIsAtEveryOffset) {
  for (std::size_t length = 2; length <= 40; ++length) {
    for (std::size_t at = 0; at + 2 <= length; ++at) {
      std::string text(length, 'b');
      text[at] = '\xC3';
      text[at + 1] = '\xA9';
      internal::JsonWriter w;
      w.value(text).value(text + "\"");
      ASSERT_EQ(w.take(), nlohmann::json(text).dump() + "," + nlohmann::json(text + "\"").dump())
          << "at " << at << " of " << length;
    }
  }
}

// A document far larger than the writer's first buffer comes out whole, in order, and a writer
// can be used again after `take`.
TEST(JsonWriterTest, GrowsPastItsFirstBufferAndStartsAgainAfterTake) {
  internal::JsonWriter w(16);
  std::string expected = "[";
  w.begin_array();
  for (int i = 0; i < 500; ++i) {
    std::string text = "item \"" + std::to_string(i) + "\"\n" + std::string(i % 37, 'x');
    w.begin_object().member("name", text).key("n").value(static_cast<long long>(i)).end_object();
    if (i > 0) expected += ',';
    expected += R"({"name":)" + nlohmann::json(text).dump() + R"(,"n":)" + std::to_string(i) + "}";
  }
  w.end_array();
  EXPECT_EQ(w.take(), expected + "]");
  w.begin_object().member("id", "again").end_object();
  EXPECT_EQ(w.take(), R"({"id":"again"})");
}

}  // namespace
}  // namespace wix::backinstock

namespace wix::backinstock {
namespace {

// The outcome of a decoder: the page, or that the body was malformed.
struct Decoded {
  bool malformed = false;
  std::string page;  // every field of the page, printed
};

std::string describe(const QueryPage& page) {
  std::string out;
  for (const auto& r : page.requests) {
    out += r.id + "|" + r.catalog_reference.catalog_item_id() + "|" + r.catalog_reference.app_id() +
           "|" + r.catalog_reference.options().dump() + "|" + r.email + "|" + r.contact_id + "|" +
           to_string(r.status) + "|" + r.status_text + "|" +
           (r.auto_notified ? (*r.auto_notified ? "true" : "false") : "-") + "|" +
           (r.created_date ? std::to_string(r.created_date->time_since_epoch().count()) : "-") +
           "|" + r.item_url.value_or("-") + "\n";
  }
  out += "count=" + (page.metadata.count ? std::to_string(*page.metadata.count) : "-");
  out += " next=" + page.metadata.next_cursor.value_or("-");
  out += " prev=" + page.metadata.prev_cursor.value_or("-");
  out += " offset=" + (page.metadata.offset ? std::to_string(*page.metadata.offset) : "-");
  out += " total=" + (page.metadata.total ? std::to_string(*page.metadata.total) : "-");
  return out;
}

template <typename Decode>
Decoded run(Decode decode, const std::string& body) {
  Decoded d;
  try {
    d.page = describe(decode(body));
  } catch (const internal::MalformedBody&) {
    d.malformed = true;
  }
  return d;
}

// The streaming decoder reads every body exactly as the document-based one: same page, or
// malformed for both. The cases are the codec's leniency rules and their edges.
TEST(QueryDecoderTest, AgreesWithTheDocumentDecoderOnEveryRule) {
  const std::string r1 = R"({"id":"r1","catalogReference":{"catalogItemId":"c1","appId":"a1",)"
                         R"("options":{"variantId":"v1","x":[1,{"y":null}]}},"email":"e@x.com",)"
                         R"("contactId":"k1","status":"NOTIFICATION_SENT","autoNotified":true,)"
                         R"("createdDate":"2024-05-01T10:11:12.345Z","itemUrl":"https://x/y"})";
  const std::vector<std::string> bodies = {
      read_fixture("query.response.json"),
      read_fixture("query.response.last-page.json"),
      "{}",
      R"({"requests":[],"metadata":{"count":0}})",
      R"({"requests":[)" + r1 + "," + r1 +
          R"(],"metadata":{"count":2,"cursors":{"next":"n","prev":"p"}}})",
      R"({"requests":null,"metadata":null})",
      R"({"requests":[{}]})",
      R"({"requests":[{"id":5,"email":null,"status":"FUTURE_STATUS","autoNotified":"yes"}]})",
      R"({"requests":[{"catalogReference":"c"}]})",
      R"({"requests":[{"catalogReference":[1,2]}]})",
      R"({"requests":[{"catalogReference":{"options":{}}}]})",
      R"({"requests":[{"catalogReference":{"options":{"on":true,"off":false,"n":-2.5,"u":7}}}]})",
      R"({"requests":[{"catalogReference":{"options":"v","appId":{"a":1}}}]})",
      R"({"requests":[{"id":"a","id":"b","id":7}]})",
      R"({"requests":[{"catalogReference":{"appId":"a"},"catalogReference":{"catalogItemId":"c"}}]})",
      R"({"requests":[{"createdDate":"not a date","itemUrl":5}]})",
      R"({"requests":[{"unknown":{"deep":[{"requests":5}]},"id":"x"}],"other":[[["x"]]]})",
      R"({"requests":[)" + r1 + R"(],"requests":[]})",
      R"({"metadata":{"count":2147483647,"cursors":{"next":null,"prev":5}}})",
      R"({"metadata":{"cursors":"c"}})",
      R"({"metadata":{"cursors":{"next":"a"},"cursors":{"prev":"b"}}})",
      R"({"metadata":{"count":5},"metadata":{}})",
      R"({"metadata":[1,2]})",
      R"({"metadata":{"count":3,"offset":6,"total":7}})",
      R"({"metadata":{"offset":null,"total":0}})",
      // Malformed for both:
      "",
      "[]",
      "5",
      "\"text\"",
      "null",
      "{",
      R"({"requests":5})",
      R"({"requests":{}})",
      R"({"requests":[5]})",
      R"({"requests":[null]})",
      R"({"requests":[[]]})",
      R"({"metadata":{"count":-1}})",
      R"({"metadata":{"count":2147483648}})",
      R"({"metadata":{"count":1.5}})",
      R"({"metadata":{"count":"3"}})",
      R"({"metadata":{"count":{}}})",
      R"({"metadata":{"count":[]}})",
      R"({} trailing)",
      std::string(101, '[') + std::string(101, ']'),
      R"({"a":)" + std::string(100, '[') + std::string(100, ']') + "}",
      R"({"requests":[{"catalogReference":{"options":)" + std::string(98, '[') +
          std::string(98, ']') + "}}]}",
  };
  for (const auto& body : bodies) {
    Decoded sax = run(internal::decode_query_response, body);
    Decoded dom = run(internal::decode_query_response_dom, body);
    EXPECT_EQ(sax.malformed, dom.malformed) << body.substr(0, 200);
    EXPECT_EQ(sax.page, dom.page) << body.substr(0, 200);
  }
}

}  // namespace
}  // namespace wix::backinstock
