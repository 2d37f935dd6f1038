// The emulator's store at scale: filters answered through indexes give what a full scan gives,
// cursors walk every request once even when requests are deleted between pages, one query's work
// is bounded, the seed route fills a large store, and reads are answered while a slow query runs.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "raw_client.h"
#include "wix/backinstock/testing/emulator.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::RawClient;
using Clock = std::chrono::steady_clock;

constexpr char kPath[] = "/back-in-stock-service/v1/back-in-stock-notification-requests";
constexpr char kStores[] = "215238eb-22a5-4c36-9e7b-e7c08025e04e";

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : emulator_(options()) {}

  static emulator::EmulatorOptions options() {
    emulator::EmulatorOptions o;
    o.collecting_by_default = true;
    return o;
  }

  json call(const std::string& method, const std::string& target, const json& body = nullptr,
            int expected = 200) {
    auto reply = emulator_.handle(method, target, headers_, body.is_null() ? "" : body.dump());
    EXPECT_EQ(reply.status, expected) << method << " " << target << ": " << reply.body;
    return json::parse(reply.body, nullptr, false);
  }

  std::string create(const std::string& item, const std::string& email) {
    json body = {
        {"request",
         {{"catalogReference", {{"appId", kStores}, {"catalogItemId", item}}}, {"email", email}}},
        {"itemDetails", {{"name", "Shoe"}, {"price", "10.00"}}}};
    return call("POST", kPath, body)["request"]["id"].get<std::string>();
  }

  // Every request a filter selects, through offset pages of 100, newest first.
  std::vector<json> select(const json& filter) {
    std::vector<json> all;
    for (int offset = 0;; offset += 100) {
      json q = {{"query", {{"paging", {{"limit", 100}, {"offset", offset}}}}}};
      if (!filter.is_null()) q["query"]["filter"] = filter;
      json page = call("POST", std::string(kPath) + "/query", q);
      for (const auto& r : page["requests"]) all.push_back(r);
      if (page["requests"].size() < 100) {
        EXPECT_EQ(page["metadata"]["total"].get<std::size_t>(), all.size());
        return all;
      }
    }
  }

  static std::set<std::string> ids_of(const std::vector<json>& requests) {
    std::set<std::string> ids;
    for (const auto& r : requests) ids.insert(r["id"].get<std::string>());
    return ids;
  }

  const std::map<std::string, std::string> headers_ = {{"Authorization", "test-key"},
                                                       {"wix-site-id", "site-1"}};
  emulator::Emulator emulator_;
};

TEST_F(StoreTest, IndexedFiltersSelectWhatTheRulesSay) {
  // 3 items x 10 requests, and one more of item-0 on an undeliverable address. Item 1 is
  // reported (10 sent), the undeliverable one reported by ID (FAILED), one of item-0 marked sent,
  // one of item-2 deleted: 30 requests, 18 of them still RECEIVED.
  std::map<std::string, std::vector<std::string>> by_item;
  for (int i = 0; i < 30; ++i) {
    std::string item = "item-" + std::to_string(i % 3);
    by_item[item].push_back(create(item, "buyer" + std::to_string(i) + "@example.com"));
  }
  std::string failed = create("item-0", "nobody@example.invalid");
  call("POST", std::string(kPath) + "/report-items-back-in-stock",
       {{"catalogReference", {{"appId", kStores}, {"catalogItemId", "item-1"}}},
        {"itemDetails", {{"name", "Shoe"}, {"price", "10.00"}}}});
  call("POST", std::string(kPath) + "/report-items-back-in-stock",
       {{"requestIds", {failed}}, {"itemDetails", {{"name", "Shoe"}, {"price", "10.00"}}}});
  call("PUT", std::string(kPath) + "/" + by_item["item-0"][0] + "/mark-as-notification-sent", {});
  call("DELETE", std::string(kPath) + "/" + by_item["item-2"][0]);

  auto sent = select({{"status", "NOTIFICATION_SENT"}});
  EXPECT_EQ(sent.size(), 11u);
  for (std::size_t i = 1; i < sent.size(); ++i) {  // newest first
    EXPECT_GT(sent[i - 1]["createdDate"].get<std::string>(),
              sent[i]["createdDate"].get<std::string>());
  }
  EXPECT_EQ(select({{"status", {{"$in", {"FAILED"}}}}}).size(), 1u);
  EXPECT_EQ(select({{"status", "RECEIVED"}}).size(), 18u);
  EXPECT_EQ(select({{"catalogReference.catalogItemId", "item-2"}}).size(), 9u);
  EXPECT_EQ(select({{"catalogReference.catalogItemId", {{"$in", {"item-0", "item-2"}}}},
                    {"status", "RECEIVED"}})
                .size(),
            18u);
  // Conditions an index cannot answer alone still hold on every candidate.
  EXPECT_EQ(
      select({{"catalogReference.catalogItemId", "item-0"}, {"status", {{"$ne", "RECEIVED"}}}})
          .size(),
      2u);  // the marked one and the undeliverable one
  EXPECT_EQ(
      select({{"$or", {{{"status", "FAILED"}}, {{"catalogReference.catalogItemId", "item-1"}}}}})
          .size(),
      11u);
  EXPECT_EQ(select({{"$not", {{"catalogReference.catalogItemId", "item-1"}}}}).size(), 20u);
  EXPECT_EQ(select({{"autoNotified", {{"$exists", true}}}}).size(), 12u);
  EXPECT_EQ(select({{"autoNotified", false}}).size(), 1u);
  auto by_id = select(
      {{"id",
        {{"$in",
          {by_item["item-0"][1], by_item["item-1"][2], by_item["item-2"][0], "no-such-id"}}}}});
  EXPECT_EQ(ids_of(by_id), (std::set<std::string>{by_item["item-0"][1], by_item["item-1"][2]}));
  EXPECT_EQ(select({{"id", by_item["item-1"][3]}, {"status", "RECEIVED"}}).size(), 0u);
}

TEST_F(StoreTest, QueryOfAnUnfilterableFieldIsRefused) {
  auto reply = emulator_.handle("POST", std::string(kPath) + "/query", headers_,
                                R"({"query":{"filter":{"email":"x"}}})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("query.filter.email"), std::string::npos) << reply.body;
}

TEST_F(StoreTest, CursorPagesReturnEveryRequestOnceWhenRequestsAreDeletedBetweenPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i)
    ids.push_back(create("item", "b" + std::to_string(i) + "@example.com"));
  json first = call("POST", std::string(kPath) + "/query",
                    {{"query", {{"cursorPaging", {{"limit", 100}}}}}});
  ASSERT_EQ(first["requests"].size(), 100u);
  std::set<std::string> seen = ids_of(first["requests"].get<std::vector<json>>());
  // Two requests of the first page are deleted before the next one is asked for.
  for (int i : {0, 50}) {
    call("DELETE", std::string(kPath) + "/" + first["requests"][i]["id"].get<std::string>());
  }
  std::string cursor = first["metadata"]["cursors"]["next"];
  std::size_t pages = 1;
  while (!cursor.empty()) {
    json page = call("POST", std::string(kPath) + "/query",
                     {{"query", {{"cursorPaging", {{"limit", 100}, {"cursor", cursor}}}}}});
    for (const auto& r : page["requests"]) {
      EXPECT_TRUE(seen.insert(r["id"].get<std::string>()).second) << "returned twice: " << r["id"];
    }
    cursor = page["metadata"]["cursors"].value("next", "");
    ASSERT_LE(++pages, 4u);
  }
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end())) << "a request was skipped";
}

TEST_F(StoreTest, OneFiltersWorkIsBounded) {
  auto filter_of = [](std::size_t conditions) {
    json any = json::array();
    for (std::size_t i = 1; i < conditions; ++i)
      any.push_back({{"contactId", "c" + std::to_string(i)}});
    return json{{"query", {{"filter", {{"$or", any}}}}}};
  };
  create("item", "a@example.com");
  call("POST", std::string(kPath) + "/query", filter_of(emulator::kMaxQueryFilterOperators));
  json refused = call("POST", std::string(kPath) + "/query",
                      filter_of(emulator::kMaxQueryFilterOperators + 1), 400);
  auto violation = refused["details"]["validationError"]["fieldViolations"][0];
  EXPECT_EQ(violation["field"], "query.filter");
  EXPECT_EQ(violation["violatedRule"], "MAX_SIZE");
  EXPECT_NE(violation["description"].get<std::string>().find(
                std::to_string(emulator::kMaxQueryFilterOperators)),
            std::string::npos);
  // Values of $in are not operators: 100,000 of them are looked up, not compared one by one.
  json values = json::array();
  for (int i = 0; i < 100000; ++i) values.push_back("id-" + std::to_string(i));
  json q = {{"query", {{"filter", {{"id", {{"$in", values}}}}}}}};
  EXPECT_EQ(call("POST", std::string(kPath) + "/query", q)["requests"].size(), 0u);
}

TEST_F(StoreTest, TheSeedRouteFillsTheStoreAndRefusesWhatItCannotDo) {
  json seeded = call("POST", "/_emulator/seed", {{"count", 5000}, {"catalogItems", 50}});
  EXPECT_EQ(seeded["total"], 5000);
  std::string first = create("seed-item-7", "late@example.com");
  json q = {{"query", {{"paging", {{"limit", 1}}}}}};
  json page = call("POST", std::string(kPath) + "/query", q);
  EXPECT_EQ(page["metadata"]["total"], 5001);
  EXPECT_EQ(page["requests"][0]["id"], first) << "seeded requests are older than later creates";
  json of_item = {{"query",
                   {{"filter", {{"catalogReference.catalogItemId", "seed-item-7"}}},
                    {"paging", {{"limit", 1}}}}}};
  EXPECT_EQ(call("POST", std::string(kPath) + "/query", of_item)["metadata"]["total"], 101);
  for (const json& bad : {json{{"count", 0}}, json{{"count", 1000001}}, json{{"count", "5"}},
                          json{{"count", 10}, {"catalogItems", 11}}, json::object()}) {
    call("POST", "/_emulator/seed", bad, 400);
  }
  call("POST", "/_emulator/reset");
  EXPECT_EQ(call("POST", std::string(kPath) + "/query", q)["requests"].size(), 0u);
}

// A query that reads every stored request and tests 200 conditions on each (none matches).
std::string slow_query() {
  json any = json::array();
  for (std::size_t i = 1; i < emulator::kMaxQueryFilterOperators; ++i) {
    any.push_back({{"contactId", {{"$startsWith", "z" + std::to_string(i)}}}});
  }
  return json{{"query", {{"filter", {{"$or", any}}}, {"cursorPaging", {{"limit", 100}}}}}}.dump();
}

std::string http_request(const std::string& method, const std::string& target,
                         const std::string& body) {
  return method + " " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: test-key\r\n" +
         "wix-site-id: site-1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(StoreTest, ReadsAreAnsweredWhileASlowQueryRuns) {
  int port = emulator_.start();
  std::string id = create("item", "reader@example.com");
  // Grows the store until the slow query takes over a second and a half here (sanitizers and a
  // loaded machine make it slower, never faster), so the reads below certainly overlap it.
  const std::string query = slow_query();
  std::size_t stored = 1;
  for (;;) {
    call("POST", "/_emulator/seed", {{"count", stored < 20000 ? 20000 : stored}});
    stored += stored < 20000 ? 20000 : stored;
    auto t0 = Clock::now();
    RawClient probe(port);
    ASSERT_TRUE(probe.send(http_request("POST", std::string(kPath) + "/query", query)));
    auto answer = probe.read_answer(std::chrono::seconds(120));
    ASSERT_TRUE(answer && answer->status == 200);
    if (Clock::now() - t0 > std::chrono::milliseconds(1500) || stored > 1000000) break;
  }
  std::atomic<bool> query_done{false};
  std::thread slow([&] {
    RawClient client(port);
    ASSERT_TRUE(client.send(http_request("POST", std::string(kPath) + "/query", query)));
    auto answer = client.read_answer(std::chrono::seconds(120));
    query_done = true;
    EXPECT_TRUE(answer && answer->status == 200);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the query is under way
  RawClient reader(port);
  ASSERT_TRUE(reader.send(http_request("GET", std::string(kPath) + "/" + id, "")));
  auto got = reader.read_answer(std::chrono::seconds(120));
  bool got_during_query = !query_done;
  ASSERT_TRUE(reader.send(http_request("GET", "/no-such-route", "")));
  auto missing = reader.read_answer(std::chrono::seconds(120));
  bool missing_during_query = !query_done;
  slow.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_NE(got->body.find(id), std::string::npos);
  EXPECT_TRUE(got_during_query) << "the Get waited for the query";
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(missing_during_query) << "the 404 waited for the query";
}

}  // namespace
}  // namespace wix::backinstock
