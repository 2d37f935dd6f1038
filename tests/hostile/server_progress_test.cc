// Servers whose answers do not fit the question: a pager that would walk forever (pages that do
// not move on), and Count answers in another order or short of an entry. The SDK stops with a
// typed error, or puts each count on its own reference: never an endless walk, never a count on
// the wrong product.

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#include <cstddef>
// The sanitizers' runtime counts what is allocated (GCC ships no header declaring it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "encoding.h"
#include "hostile_client.h"
#include "hostile_server.h"
#include "wix/backinstock/backinstock.h"

namespace wix::backinstock {
namespace {

using nlohmann::json;
using test_support::HostileServer;
using test_support::Then;
using test_support::WireRequest;

json a_request(const std::string& id) {
  json r = {{"catalogReference", {{"appId", kWixStoresAppId}, {"catalogItemId", "orchid"}}},
            {"email", "ann@example.com"},
            {"status", "RECEIVED"}};
  if (!id.empty()) r["id"] = id;
  return r;
}

json a_page(const std::vector<std::string>& ids) {
  json page = {{"requests", json::array()}, {"metadata", {{"count", ids.size()}}}};
  for (const auto& id : ids) page["requests"].push_back(a_request(id));
  return page;
}

// Walks every page; the number of pages the walk fetched when it ended (a stuck server stops it
// at `kOutside` pages from outside, which fails the test).
constexpr std::size_t kOutside = 300;

struct Walk {
  std::size_t items = 0;
  std::size_t pages = 0;
  bool typed_error = false;
  std::string message;
};

Walk walk(Client& client, const Query& query, PagerOptions pager = {}) {
  Walk out;
  auto all = client.query_all_back_in_stock_notification_requests(query, {}, pager);
  try {
    for (auto it = all.begin(); it != all.end(); ++it) {
      ++out.items;
      if (all.pages_fetched() > kOutside) break;
    }
  } catch (const PagingError& e) {
    out.typed_error = true;
    out.message = e.what();
  }
  out.pages = all.pages_fetched();
  return out;
}

Then page_reply(int fd, const json& page) { return HostileServer::reply(fd, 200, page.dump()); }

TEST(PagerProgressTest, OffsetIgnoredWithTwoPagesInTurnStopsWithATypedError) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    int n = served++;
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back((n % 2 ? "b-" : "a-") + std::to_string(i));
    return page_reply(fd, a_page(ids));
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(10).offset(0));
  EXPECT_TRUE(result.typed_error) << result.pages << " pages";
  EXPECT_LE(result.pages, 3u);
  EXPECT_EQ(result.items, 20u);
}

TEST(PagerProgressTest, SameItemsRotatedByOneStopWithATypedError) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    int n = served++;
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back("r-" + std::to_string((i + n) % 10));
    json page = a_page(ids);
    page["metadata"]["total"] = 2147483647;
    page["metadata"]["offset"] = n * 10;
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(10).offset(0));
  EXPECT_TRUE(result.typed_error) << result.pages << " pages";
  EXPECT_LE(result.pages, 2u);
}

TEST(PagerProgressTest, ItemsWithoutIdsStopWithATypedError) {
  HostileServer server([&](int fd, const WireRequest&) {
    return page_reply(fd, a_page(std::vector<std::string>(10, "")));
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(10).offset(0));
  EXPECT_TRUE(result.typed_error) << result.pages << " pages";
  EXPECT_EQ(result.pages, 1u);
}

TEST(PagerProgressTest, FreshCursorsOverTheSameItemsStopWithATypedError) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    json page = a_page({"c-1", "c-2"});
    page["metadata"]["cursors"]["next"] = "cursor-" + std::to_string(served++);
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(2));
  EXPECT_TRUE(result.typed_error) << result.pages << " pages";
  EXPECT_LE(result.pages, 2u);
}

TEST(PagerProgressTest, ACursorSentBeforeStopsWithATypedError) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    int n = served++;
    json page = a_page({"k-" + std::to_string(n)});
    page["metadata"]["cursors"]["next"] = n % 2 ? "A" : "B";
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(1));
  EXPECT_TRUE(result.typed_error) << result.pages << " pages";
  EXPECT_LE(result.pages, 3u);
}

TEST(PagerProgressTest, AServerThatMakesProgressForeverStopsAtTheUsersBound) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    int n = served++;
    json page = a_page({"new-" + std::to_string(n)});
    page["metadata"]["cursors"]["next"] = "cursor-" + std::to_string(n);
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  PagerOptions pager;
  pager.max_pages = 25;
  auto result = walk(client, Query().limit(1), pager);
  EXPECT_TRUE(result.typed_error);
  EXPECT_EQ(result.pages, 25u);
  EXPECT_EQ(result.items, 25u);
  EXPECT_NE(result.message.find("max_pages"), std::string::npos) << result.message;
}

// Bytes the process has allocated now (the sanitizers' own count in a sanitized build).
std::size_t allocated_bytes() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

// Pages of requests with 1 MiB IDs: what the pager keeps to tell progress does not grow with the
// IDs' size (before, every ID and cursor was kept whole: about 1 MiB more per page).
TEST(PagerProgressTest, WhatThePagerKeepsDoesNotGrowWithTheServersIds) {
  const std::string filler(std::size_t{1} << 20, 'i');
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    int n = served++;
    json page = a_page({"id-" + std::to_string(n) + "-" + filler});
    page["metadata"]["cursors"]["next"] = "cursor-" + std::to_string(n);
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  PagerOptions pager;
  pager.max_pages = 24;
  auto all = client.query_all_back_in_stock_notification_requests(Query().limit(1), {}, pager);
  const std::size_t before = allocated_bytes();
  std::size_t items = 0;
  try {
    for (auto it = all.begin(); it != all.end(); ++it) ++items;
  } catch (const PagingError&) {  // the bound of 24 pages
  }
  const std::size_t after = allocated_bytes();
  EXPECT_EQ(items, 24u);
  EXPECT_LT(after > before ? after - before : 0, std::size_t{8} << 20)
      << "the pager kept " << (after - before) / 1024 << " KiB for 24 pages";
}

// A cursor too long to send back is the server's fault: a PagingError, not a ValidationError
// naming the caller's query.
TEST(PagerProgressTest, ACursorTooLongToSendBackIsAPagingError) {
  HostileServer server([&](int fd, const WireRequest&) {
    json page = a_page({"only-" + std::to_string(std::rand())});
    page["metadata"]["cursors"]["next"] = std::string(20000, 'c');
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(1));
  EXPECT_TRUE(result.typed_error) << result.message;
  EXPECT_EQ(result.items, 1u);
  EXPECT_NE(result.message.find("cursor"), std::string::npos) << result.message;
}

TEST(PagerProgressTest, AnHonestOffsetWalkEndsWithoutError) {
  std::atomic<int> served{0};
  HostileServer server([&](int fd, const WireRequest&) {
    // 25 items in pages of 10.
    int page_number = served++;
    std::vector<std::string> ids;
    for (int i = page_number * 10; i < std::min(25, page_number * 10 + 10); ++i) {
      ids.push_back("h-" + std::to_string(i));
    }
    json page = a_page(ids);
    page["metadata"]["total"] = 25;
    return page_reply(fd, page);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto result = walk(client, Query().limit(10).offset(0));
  EXPECT_FALSE(result.typed_error) << result.message;
  EXPECT_EQ(result.items, 25u);
  EXPECT_EQ(result.pages, 3u);
}

// -- Count ---------------------------------------------------------------------------------------

std::vector<CatalogReference> references(int n) {
  std::vector<CatalogReference> out;
  for (int i = 0; i < n; ++i) out.emplace_back("item-" + std::to_string(i), kWixStoresAppId);
  return out;
}

std::string base64url_decode(std::string text) {
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4) text += '=';
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : text) {
    if (c == '=') break;
    value = (value << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

// The references of a Count request, decoded from its `.r` parameter.
json asked_references(const WireRequest& request) {
  auto at = request.target.find(".r=");
  std::string r = request.target.substr(at + 3);
  r = r.substr(0, r.find('&'));
  return json::parse(base64url_decode(r))["catalogReferences"];
}

// Each reference counted as its item number; `shape` reorders or cuts the answer of a batch.
Then count_answer(int fd, const WireRequest& request,
                  const std::function<void(json&, int batch)>& shape, std::atomic<int>& batches) {
  json counts = json::array();
  for (const auto& ref : asked_references(request)) {
    std::string item = ref["catalogItemId"];
    counts.push_back({{"catalogReference", ref}, {"count", std::stoi(item.substr(5))}});
  }
  shape(counts, batches++);
  return HostileServer::reply(fd, 200, json{{"countsPerCatalogReference", counts}}.dump());
}

// The service documents no promise that every reference comes back (a count service may leave
// out references without requests): one left out is counted 0 and says it was not counted; the
// others keep their own counts, whatever the order.
void expect_left_out_counted_zero(const std::vector<CatalogReferenceCount>& counts,
                                  const std::vector<CatalogReference>& refs) {
  ASSERT_EQ(counts.size(), refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(counts[i].catalog_reference, refs[i]) << i;
    const bool left_out = i == 149;
    EXPECT_EQ(counts[i].counted, !left_out) << i;
    EXPECT_EQ(counts[i].count, left_out ? 0 : static_cast<int>(i)) << i;
  }
}

// Each answer reversed, and item-149 left out (whichever batch carries it: the asynchronous client
// sends its batches at once).
void reverse_and_leave_out_149(json& counts, int) {
  std::reverse(counts.begin(), counts.end());
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    if ((*it)["catalogReference"]["catalogItemId"] == "item-149") {
      counts.erase(it);
      return;
    }
  }
}

TEST(CountMatchingTest, AReferenceTheAnswerLeavesOutIsCountedZeroAndSaysSo) {
  std::atomic<int> batches{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    return count_answer(fd, r, reverse_and_leave_out_149, batches);
  });
  auto refs = references(150);
  Client client(test_support::one_attempt_options(server.url()));
  expect_left_out_counted_zero(
      client.get_back_in_stock_notification_requests_count_by_catalog_references(refs), refs);
  batches = 0;
  AsyncClient async(test_support::one_attempt_options(server.url()));
  expect_left_out_counted_zero(
      async.get_back_in_stock_notification_requests_count_by_catalog_references(refs).get(), refs);
}

TEST(CountMatchingTest, TwoDifferentCountsForOneReferenceAreAnErrorAndUnaskedOnesAreIgnored) {
  std::atomic<int> batches{0};
  HostileServer twice([&](int fd, const WireRequest& r) {
    return count_answer(
        fd, r,
        [](json& counts, int) {
          json again = counts[0];
          again["count"] = 999;
          counts.push_back(again);
        },
        batches);
  });
  Client client(test_support::one_attempt_options(twice.url()));
  try {
    client.get_back_in_stock_notification_requests_count_by_catalog_references(references(3));
    FAIL() << "two counts for one reference were accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse);
  }
  HostileServer extra([&](int fd, const WireRequest& r) {
    return count_answer(
        fd, r,
        [](json& counts, int) {
          counts.push_back({{"catalogReference",
                             {{"appId", kWixStoresAppId}, {"catalogItemId", "item-unasked"}}},
                            {"count", 5}});
        },
        batches);
  });
  auto refs = references(3);
  auto counts = Client(test_support::one_attempt_options(extra.url()))
                    .get_back_in_stock_notification_requests_count_by_catalog_references(refs);
  ASSERT_EQ(counts.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(counts[i].counted);
    EXPECT_EQ(counts[i].catalog_reference, refs[i]);
  }
}

TEST(CountMatchingTest, AnswersInAnyOrderAreReturnedInInputOrder) {
  std::atomic<int> batches{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    return count_answer(
        fd, r, [](json& counts, int) { std::reverse(counts.begin(), counts.end()); }, batches);
  });
  auto refs = references(150);
  Client client(test_support::one_attempt_options(server.url()));
  auto counts = client.get_back_in_stock_notification_requests_count_by_catalog_references(refs);
  ASSERT_EQ(counts.size(), refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(counts[i].catalog_reference, refs[i]) << i;
    EXPECT_EQ(counts[i].count, static_cast<int>(i)) << i;
  }
  AsyncClient async(test_support::one_attempt_options(server.url()));
  auto async_counts =
      async.get_back_in_stock_notification_requests_count_by_catalog_references(refs).get();
  ASSERT_EQ(async_counts.size(), refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(async_counts[i].count, static_cast<int>(i)) << i;
  }
}

TEST(CountMatchingTest, AnAnswerForAReferenceNotAskedIsNotTakenForAnother) {
  std::atomic<int> batches{0};
  HostileServer server([&](int fd, const WireRequest& r) {
    return count_answer(
        fd, r,
        [](json& counts, int) { counts[0]["catalogReference"]["catalogItemId"] = "someone-else"; },
        batches);
  });
  Client client(test_support::one_attempt_options(server.url()));
  auto counts =
      client.get_back_in_stock_notification_requests_count_by_catalog_references(references(3));
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_FALSE(counts[0].counted) << "another product's count was put on item-0";
  EXPECT_EQ(counts[0].count, 0);
  EXPECT_TRUE(counts[1].counted);
  EXPECT_EQ(counts[1].count, 1);
}

// -- an answer about another resource ------------------------------------------------------------

// Get and Mark As Notification Sent of request A answered with request B (another customer's
// e-mail): never success, for both clients.
TEST(AnswerIdentityTest, AnAnswerAboutAnotherRequestIsMalformedNotSuccess) {
  HostileServer server([](int fd, const WireRequest&) {
    json other = a_request("request-B");
    other["email"] = "someone.else@example.com";
    return HostileServer::reply(fd, 200, json{{"request", other}}.dump());
  });
  Client client(test_support::one_attempt_options(server.url()));
  AsyncClient async(test_support::one_attempt_options(server.url()));
  auto expect_malformed = [](auto&& call, const char* what) {
    try {
      call();
      ADD_FAILURE() << what << " returned another request as success";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.kind(), TransportError::Kind::kMalformedResponse) << what << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find("someone.else"), std::string::npos) << e.what();
    }
  };
  expect_malformed([&] { client.get_back_in_stock_notification_request("request-A"); }, "Get");
  expect_malformed([&] { client.mark_as_notification_sent("request-A"); }, "Mark");
  expect_malformed([&] { async.get_back_in_stock_notification_request("request-A").get(); },
                   "async Get");
  expect_malformed([&] { async.mark_as_notification_sent("request-A").get(); }, "async Mark");
  // The same answer for the request asked for is success.
  EXPECT_EQ(client.get_back_in_stock_notification_request("request-B").id, "request-B");
  EXPECT_EQ(async.mark_as_notification_sent("request-B").get().id, "request-B");
}

}  // namespace
}  // namespace wix::backinstock
