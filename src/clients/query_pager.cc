// QueryPager: the walk of every page of a Query, with its guards against a server that makes no
// progress.

#include <openssl/evp.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <set>
#include <unordered_set>

#include "wix/backinstock/client.h"

namespace wix::backinstock {

namespace {

// What the progress checks keep of an ID or a cursor: 120 bits of its SHA-256 (a collision is
// beyond reach), in a string short enough to hold them without an allocation of its own, so that
// the walk's memory does not grow with what the server chose to send.
std::string fingerprint(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), 15);
}

}  // namespace

// The walk's state.
struct QueryPager::Impl {
  Impl(Client client, Query query, CallOptions options, PagerOptions pager)
      : client(std::move(client)), query(std::move(query)), options(options), limits(pager) {}

  bool advance();         // moves to the next item, fetching as needed; false at the end
  bool fetch();           // loads the next page; false when there is none
  void check_progress();  // throws PagingError when the page just fetched does not move on

  Client client;
  Query query;
  Query query_sent;  // the query of the current page
  // Fingerprints (15 bytes each, whatever the server sent) of the cursors followed (a server that
  // cycles through cursors is not walked twice) and of every request returned so far.
  std::set<std::string> cursors_sent;
  std::unordered_set<std::string> ids_seen;
  CallOptions options;
  PagerOptions limits;
  QueryPage page;
  std::size_t index = 0;
  std::size_t pages_fetched = 0;
  bool started = false;
  bool done = false;
};

QueryPager::QueryPager(Client client, Query query, CallOptions options, PagerOptions pager)
    : impl_(std::make_unique<Impl>(std::move(client), std::move(query), options, pager)) {}
QueryPager::QueryPager(QueryPager&&) noexcept = default;
QueryPager& QueryPager::operator=(QueryPager&&) noexcept = default;
QueryPager::~QueryPager() = default;

std::size_t QueryPager::pages_fetched() const noexcept { return impl_->pages_fetched; }

bool QueryPager::Impl::fetch() {
  if (done) return false;
  // Checked only when another page is needed: a walk of exactly max_pages pages ends normally.
  auto next_page = [this](const Query& asked) {
    if (limits.max_pages != 0 && pages_fetched >= limits.max_pages) {
      done = true;
      throw PagingError("query walk stopped after " + std::to_string(pages_fetched) +
                            " pages (PagerOptions::max_pages)",
                        pages_fetched);
    }
    page = client.query_back_in_stock_notification_requests(asked, options);
  };
  if (started && query.offset()) {
    // Offset paging: the next page starts after this one; an empty page, a short page or the
    // total ends the walk (and so does an offset past what a 32-bit offset can say).
    const auto got = static_cast<std::int64_t>(page.requests.size());
    const std::int64_t next = static_cast<std::int64_t>(*query_sent.offset()) + got;
    const bool short_page = query.limit() && got < *query.limit();
    if (got == 0 || short_page || (page.metadata.total && next >= *page.metadata.total) ||
        next > std::numeric_limits<std::int32_t>::max()) {
      done = true;
      return false;
    }
    query_sent.offset(static_cast<std::int32_t>(next));
    next_page(query_sent);
  } else if (started) {
    if (!page.has_next()) {
      done = true;
      return false;
    }
    // A server that answers with a cursor already sent (A, A or A, B, A...) would be walked
    // forever.
    if (!cursors_sent.insert(fingerprint(*page.metadata.next_cursor)).second) {
      done = true;
      throw PagingError("query walk stopped: page " + std::to_string(pages_fetched) +
                            " handed out a cursor already followed (the server makes no progress)",
                        pages_fetched);
    }
    query_sent = Query();
    if (query.limit()) query_sent.limit(*query.limit());
    try {
      query_sent.cursor(*page.metadata.next_cursor);
    } catch (const ValidationError& e) {  // the server's cursor, not the caller's query
      done = true;
      throw PagingError("query walk stopped: page " + std::to_string(pages_fetched) +
                            " handed out a cursor that cannot be sent back (" + e.what() + ")",
                        pages_fetched);
    }
    next_page(query_sent);
  } else {
    started = true;
    query_sent = query;
    next_page(query);
  }
  ++pages_fetched;
  index = 0;
  check_progress();
  return true;
}

void QueryPager::Impl::check_progress() {
  // Every request of the page is new, and has an ID that tells it apart: a page that repeats an
  // earlier one (an ignored offset, a rotated window, a fresh cursor over the same items) stops
  // the walk before any of its requests is handed out twice.
  for (const auto& request : page.requests) {
    const char* problem = nullptr;
    if (request.id.empty()) {
      problem = "holds a request without an ID (progress cannot be told)";
    } else if (!ids_seen.insert(fingerprint(request.id)).second) {
      problem = "repeats a request already returned (the server makes no progress)";
    }
    if (problem != nullptr) {
      done = true;
      page.requests.clear();
      throw PagingError("query walk stopped: page " + std::to_string(pages_fetched) + " " + problem,
                        pages_fetched);
    }
  }
}

bool QueryPager::Impl::advance() {
  ++index;
  while (index >= page.requests.size()) {
    if (!fetch()) return false;
  }
  return true;
}

QueryPager::iterator QueryPager::begin() {
  Impl& walk = *impl_;
  if (!walk.started) {
    if (!walk.fetch()) return end();
    while (walk.page.requests.empty()) {
      if (!walk.fetch()) return end();
    }
    return iterator(this);
  }
  return (walk.done || walk.index >= walk.page.requests.size()) ? end() : iterator(this);
}

const NotificationRequest& QueryPager::iterator::operator*() const {
  return pager_->impl_->page.requests[pager_->impl_->index];
}

QueryPager::iterator& QueryPager::iterator::operator++() {
  if (!pager_->impl_->advance()) pager_ = nullptr;
  return *this;
}

}  // namespace wix::backinstock
