#include "wix/backinstock/journal.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "journal/journal_store.h"
#include "validation.h"

namespace wix::backinstock {

namespace internal {

const char* state_name(JournalState state) noexcept {
  switch (state) {
    case JournalState::kClaimed:
      return "claimed";
    case JournalState::kSending:
      return "sending";
    case JournalState::kSent:
      return "sent";
    case JournalState::kNotSent:
      return "not_sent";
    case JournalState::kRejected:
      return "rejected";
    case JournalState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<JournalState> state_from_name(const std::string& name) noexcept {
  for (auto s : {JournalState::kClaimed, JournalState::kSending, JournalState::kSent,
                 JournalState::kNotSent, JournalState::kRejected, JournalState::kUnknown}) {
    if (name == state_name(s)) return s;
  }
  return std::nullopt;
}

}  // namespace internal

namespace {

using internal::JournalRow;
using internal::JournalState;
using Kind = JournalError::Kind;
using Clock = std::chrono::system_clock;

constexpr std::size_t kMaxKeyBytes = 1024;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

void check_key(const std::string& key) {
  if (key.empty()) throw JournalError(Kind::kInvalidKey, "journal key: is empty");
  if (key.size() > kMaxKeyBytes) {
    throw JournalError(Kind::kInvalidKey, "journal key: is " + std::to_string(key.size()) +
                                              " bytes; at most " + std::to_string(kMaxKeyBytes));
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c == 0x7f) {
      throw JournalError(Kind::kInvalidKey, "journal key: holds a control character (byte " +
                                                std::to_string(c) + ") at offset " +
                                                std::to_string(i));
    }
  }
  if (!internal::is_valid_utf8(key))
    throw JournalError(Kind::kInvalidKey, "journal key: is not valid UTF-8");
}

ReportOutcome outcome_of(JournalState state) {
  switch (state) {
    case JournalState::kSent:
      return ReportOutcome::kSent;
    case JournalState::kNotSent:
      return ReportOutcome::kNotSent;
    case JournalState::kRejected:
      return ReportOutcome::kRejected;
    case JournalState::kUnknown:
      return ReportOutcome::kUnknown;
    case JournalState::kClaimed:
    case JournalState::kSending:
      return ReportOutcome::kInProgress;
  }
  return ReportOutcome::kUnknown;
}

JournalEntry entry_of(const JournalRow& row) {
  JournalEntry e;
  e.key = row.key;
  e.outcome = outcome_of(row.state);
  e.owner = row.owner;
  e.sends = row.sends;
  e.http_status = row.http_status;
  e.code = row.code;
  e.detail = row.detail;
  e.created = Clock::time_point(std::chrono::milliseconds(row.created_ms));
  e.updated = Clock::time_point(std::chrono::milliseconds(row.updated_ms));
  return e;
}

// What one send's answer means for the key (the call's own retries are over).
internal::Finish classify(const std::string& key, std::int64_t generation,
                          const std::exception_ptr& error) {
  internal::Finish f{key, generation, JournalState::kSent, 200, "", ""};
  if (!error) return f;
  try {
    std::rethrow_exception(error);
  } catch (const ApiError& e) {
    f.http_status = e.http_status();
    f.code = e.application_code().empty() ? e.canonical_code() : e.application_code();
    f.detail = e.what();
    int s = e.http_status();
    if (s == 401 || s == 403 || s == 429) {
      f.state = JournalState::kNotSent;  // refused before the service acted: may be sent later
    } else if (s >= 400 && s < 500) {
      f.state = JournalState::kRejected;
    } else {
      f.state = JournalState::kUnknown;  // a 5xx: the service may have acted before it failed
    }
  } catch (const TransportError& e) {
    f.http_status = 0;
    f.detail = e.what();
    f.state = e.may_have_reached_server() ? JournalState::kUnknown : JournalState::kNotSent;
  } catch (const ValidationError& e) {
    f.http_status = 0;
    f.code = "CLIENT_VALIDATION";
    f.detail = e.what();
    f.state = JournalState::kRejected;
  } catch (const std::exception& e) {
    f.http_status = 0;
    f.detail = e.what();
    f.state = JournalState::kUnknown;  // not known to be unsent
  } catch (...) {
    f.http_status = 0;
    f.detail = "the call threw a non-standard exception";
    f.state = JournalState::kUnknown;
  }
  return f;
}

std::string default_owner() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device random;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

// The entry of a key this worker claimed (`claimed`), sent and recorded (`finish`).
JournalEntry recorded_entry(const JournalRow& claimed, const internal::Finish& finish,
                            const std::string& owner) {
  JournalEntry entry = entry_of(claimed);
  entry.outcome = outcome_of(finish.state);
  entry.owner = owner;
  entry.sends = claimed.sends + 1;
  entry.http_status = finish.http_status;
  entry.code = finish.code;
  entry.detail = finish.detail;
  entry.updated = Clock::now();
  return entry;
}

}  // namespace

const char* to_string(ReportOutcome outcome) noexcept {
  switch (outcome) {
    case ReportOutcome::kSent:
      return "sent";
    case ReportOutcome::kNotSent:
      return "not_sent";
    case ReportOutcome::kRejected:
      return "rejected";
    case ReportOutcome::kUnknown:
      return "unknown";
    case ReportOutcome::kInProgress:
      return "in_progress";
  }
  return "unknown";
}

JournalError::JournalError(Kind kind, const std::string& message, ReportOutcome outcome)
    : Error(message), kind_(kind), outcome_(outcome) {}

// One step of one report waiting for the next group commit.
struct Op {
  enum Kind { kClaim, kBegin, kFinish } kind = kClaim;
  std::string key;
  std::int64_t generation = 0;
  internal::Finish finish;
  // Results.
  bool done = false;
  std::exception_ptr error;
  internal::ClaimResult claim;
  bool ok = false;
};

struct ReportJournal::Impl {
  Impl(std::vector<std::unique_ptr<internal::JournalStore>> s, JournalOptions o)
      : stores(std::move(s)), options(std::move(o)) {
    for (auto& store : stores) idle.push_back(store.get());
    if (options.owner.empty()) options.owner = default_owner();
    if (options.lease < std::chrono::milliseconds(30))
      options.lease = std::chrono::milliseconds(30);
    renewer = std::thread([this] { renew_loop(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> guard(mutex);
      stopping = true;
    }
    wake.notify_all();
    renewer.join();
  }

  void step(JournalStep s, const std::string& key) const {
    if (options.on_step) options.on_step(s, key);
  }

  // Group commit: a caller that finds a connection idle commits every step queued so far, one
  // transaction per kind of step (claims, sends begun, outcomes); the others wait for it. With
  // several connections (PostgreSQL), groups commit side by side.
  void run(Op& op) { run_all({&op}); }

  void run_all(const std::vector<Op*>& ops) {
    std::unique_lock<std::mutex> lock(mutex);
    queue.insert(queue.end(), ops.begin(), ops.end());
    auto all_done = [&] {
      return std::all_of(ops.begin(), ops.end(), [](const Op* o) { return o->done; });
    };
    while (!all_done()) {
      if (queue.empty() || idle.empty()) {
        committed.wait(lock);
        continue;
      }
      internal::JournalStore* store = idle.back();
      idle.pop_back();
      std::vector<Op*> batch(queue.begin(), queue.end());
      queue.clear();
      lock.unlock();
      execute(*store, batch);
      lock.lock();
      idle.push_back(store);
      for (Op* o : batch) o->done = true;
      committed.notify_all();
    }
    if (ops.size() == 1 && ops.front()->error) std::rethrow_exception(ops.front()->error);
  }

  // A connection for a call outside the group commits, returned when the lease ends.
  class Lease {
   public:
    explicit Lease(Impl& impl) : impl_(impl) {
      std::unique_lock<std::mutex> lock(impl_.mutex);
      impl_.committed.wait(lock, [&] { return !impl_.idle.empty(); });
      store_ = impl_.idle.back();
      impl_.idle.pop_back();
    }
    ~Lease() {
      std::lock_guard<std::mutex> guard(impl_.mutex);
      impl_.idle.push_back(store_);
      impl_.committed.notify_all();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    internal::JournalStore* operator->() const { return store_; }

   private:
    Impl& impl_;
    internal::JournalStore* store_;
  };

  // Every step of the group in one transaction: one commit (one fsync) for the group. If it
  // fails, no step of the group is committed and every caller in it gets the error.
  void execute(internal::JournalStore& store, const std::vector<Op*>& batch) {
    std::vector<Op*> claims, begins, finishes;
    for (Op* o : batch) {
      (o->kind == Op::kClaim ? claims : o->kind == Op::kBegin ? begins : finishes).push_back(o);
    }
    std::int64_t now = now_ms();
    std::vector<internal::ClaimResult> claimed;
    try {
      store.in_one_transaction([&] {
        if (!claims.empty()) {
          std::vector<std::string> keys;
          keys.reserve(claims.size());
          for (Op* o : claims) keys.push_back(o->key);
          claimed = store.claim(keys, options.owner, now, now + options.lease.count(), [&] {
            for (Op* o : claims) step(JournalStep::kClaimOpen, o->key);
          });
        }
        if (!begins.empty()) {
          std::vector<std::pair<std::string, std::int64_t>> keys;
          keys.reserve(begins.size());
          for (Op* o : begins) keys.emplace_back(o->key, o->generation);
          auto results = store.begin_send(keys, now);
          for (std::size_t i = 0; i < begins.size(); ++i) begins[i]->ok = results[i];
        }
        if (!finishes.empty()) {
          std::vector<internal::Finish> outcomes;
          outcomes.reserve(finishes.size());
          for (Op* o : finishes) outcomes.push_back(o->finish);
          auto results = store.finish(outcomes, now);
          for (std::size_t i = 0; i < finishes.size(); ++i) finishes[i]->ok = results[i];
        }
      });
    } catch (...) {
      for (Op* o : batch) o->error = std::current_exception();
      return;
    }
    std::lock_guard<std::mutex> guard(mutex);
    for (std::size_t i = 0; i < claims.size(); ++i) {
      claims[i]->claim = claimed[i];
      if (claimed[i].claimed) held[claims[i]->key] = claimed[i].row.generation;
    }
  }

  // Extends the leases of the keys this worker holds, every third of a lease.
  void renew_loop() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, options.lease / 3);
      if (stopping || held.empty()) continue;
      std::vector<std::pair<std::string, std::int64_t>> keys(held.begin(), held.end());
      lock.unlock();
      try {
        Lease store(*this);
        store->renew(keys, now_ms() + options.lease.count());
      } catch (const JournalError&) {
        // The leases lapse: a claim not yet sending is taken over (this worker's begin_send then
        // finds it gone and sends nothing); one sending ends unknown. Never a second send.
      }
      lock.lock();
    }
  }

  void release(const std::string& key) {
    std::lock_guard<std::mutex> guard(mutex);
    held.erase(key);
  }

  std::vector<std::unique_ptr<internal::JournalStore>> stores;  // connections
  JournalOptions options;
  std::mutex mutex;                           // guards everything below
  std::vector<internal::JournalStore*> idle;  // connections not in use
  std::condition_variable wake;
  std::condition_variable committed;
  std::deque<Op*> queue;
  bool committing = false;
  std::map<std::string, std::int64_t> held;  // key -> generation, while claimed or sending
  bool stopping = false;
  std::thread renewer;
};

ReportJournal::ReportJournal(std::vector<std::unique_ptr<internal::JournalStore>> stores,
                             JournalOptions options)
    : impl_(std::make_unique<Impl>(std::move(stores), std::move(options))) {}
ReportJournal::ReportJournal(ReportJournal&&) noexcept = default;
ReportJournal& ReportJournal::operator=(ReportJournal&&) noexcept = default;
ReportJournal::~ReportJournal() = default;

ReportJournal ReportJournal::sqlite(const std::string& path, JournalOptions options) {
  // One connection: SQLite commits one writer at a time anyway.
  std::vector<std::unique_ptr<internal::JournalStore>> stores;
  stores.push_back(
      internal::open_sqlite_store(path, static_cast<int>(options.lock_timeout.count())));
  return ReportJournal(std::move(stores), std::move(options));
}

ReportJournal ReportJournal::postgres(const std::string& conninfo, JournalOptions options) {
#ifdef WIX_BACKINSTOCK_JOURNAL_POSTGRES
  std::vector<std::unique_ptr<internal::JournalStore>> stores;
  for (int i = 0; i < std::max(1, options.connections); ++i) {
    stores.push_back(internal::open_postgres_store(conninfo));
  }
  return ReportJournal(std::move(stores), std::move(options));
#else
  (void)conninfo;
  (void)options;
  throw JournalError(Kind::kUnavailable,
                     "report journal: this build has no PostgreSQL support "
                     "(WIX_BACKINSTOCK_JOURNAL_POSTGRES=OFF)");
#endif
}

JournaledReport ReportJournal::report(Client& client, const std::string& key,
                                      const ReportItemsBackInStockRequest& request,
                                      const CallOptions& options) {
  check_key(key);
  Impl& d = *impl_;
  auto wait_until = std::chrono::steady_clock::now() + d.options.in_progress_wait;
  Op claim;
  for (;;) {
    claim = Op{};
    claim.kind = Op::kClaim;
    claim.key = key;
    d.run(claim);
    if (claim.claim.claimed) break;
    ReportOutcome found = outcome_of(claim.claim.row.state);
    if (found != ReportOutcome::kInProgress || std::chrono::steady_clock::now() >= wait_until) {
      return {found, false, entry_of(claim.claim.row)};
    }
    auto left = wait_until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
  d.step(JournalStep::kClaimed, key);
  const std::int64_t generation = claim.claim.row.generation;
  Op begin;
  begin.kind = Op::kBegin;
  begin.key = key;
  begin.generation = generation;
  try {
    d.run(begin);
  } catch (...) {
    d.release(key);  // the claim lapses and another caller takes it: nothing was sent
    throw;
  }
  if (!begin.ok) {  // this worker's lease ran out and another took the key: its outcome stands
    d.release(key);
    Impl::Lease store(d);
    auto row = store->get(key);
    return {row ? outcome_of(row->state) : ReportOutcome::kInProgress, false,
            row ? entry_of(*row) : JournalEntry{}};
  }
  d.step(JournalStep::kSending, key);
  std::exception_ptr error;
  try {
    client.report_items_back_in_stock(request, options);
  } catch (...) {
    error = std::current_exception();
  }
  d.step(JournalStep::kAnswered, key);
  Op finish;
  finish.kind = Op::kFinish;
  finish.key = key;
  finish.finish = classify(key, generation, error);
  ReportOutcome result = outcome_of(finish.finish.state);
  d.release(key);  // from now on its lease lapses if the write below fails
  try {
    d.run(finish);
  } catch (const JournalError& e) {
    throw JournalError(Kind::kOutcomeNotRecorded,
                       std::string("report journal: the Report of this key was sent and its "
                                   "outcome (") +
                           to_string(result) +
                           ") could not be recorded; the entry ends unknown: " + e.what(),
                       result);
  }
  d.step(JournalStep::kRecorded, key);
  return {result, true, recorded_entry(claim.claim.row, finish.finish, d.options.owner)};
}

std::vector<JournaledReport> ReportJournal::report_batch(AsyncClient& client,
                                                         const std::vector<Item>& items,
                                                         const CallOptions& options,
                                                         std::size_t chunk) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    try {
      check_key(items[i].key);
    } catch (const JournalError& e) {
      throw JournalError(Kind::kInvalidKey,
                         "item " + std::to_string(i) + " of the batch: " + e.what());
    }
  }
  Impl& d = *impl_;
  chunk = std::max<std::size_t>(chunk, 1);
  std::vector<JournaledReport> results(items.size());
  for (std::size_t begin_at = 0; begin_at < items.size(); begin_at += chunk) {
    const std::size_t end_at = std::min(items.size(), begin_at + chunk);
    // One claim per distinct key; repeats take the first one's result at the end.
    std::map<std::string, std::size_t> first;
    std::vector<std::size_t> distinct;
    for (std::size_t i = begin_at; i < end_at; ++i) {
      if (first.emplace(items[i].key, i).second) distinct.push_back(i);
    }
    std::vector<Op> claims(distinct.size());
    std::vector<Op*> pointers;
    pointers.reserve(distinct.size());
    for (std::size_t k = 0; k < distinct.size(); ++k) {
      claims[k].kind = Op::kClaim;
      claims[k].key = items[distinct[k]].key;
      pointers.push_back(&claims[k]);
    }
    d.run_all(pointers);
    for (const Op& c : claims) {
      if (c.error) std::rethrow_exception(c.error);  // nothing of this chunk was sent
    }
    std::vector<Op> begins;
    std::vector<std::size_t> begun_items;
    for (std::size_t k = 0; k < distinct.size(); ++k) {
      std::size_t i = distinct[k];
      if (!claims[k].claim.claimed) {
        results[i] = {outcome_of(claims[k].claim.row.state), false, entry_of(claims[k].claim.row)};
        continue;
      }
      d.step(JournalStep::kClaimed, items[i].key);
      Op b;
      b.kind = Op::kBegin;
      b.key = items[i].key;
      b.generation = claims[k].claim.row.generation;
      begins.push_back(std::move(b));
      begun_items.push_back(k);
    }
    pointers.clear();
    for (Op& b : begins) pointers.push_back(&b);
    d.run_all(pointers);
    for (const Op& b : begins) {
      if (!b.error) continue;
      for (const Op& other : begins) d.release(other.key);  // nothing sent: the claims lapse
      std::rethrow_exception(b.error);
    }
    std::vector<std::future<void>> sends;
    std::vector<std::size_t> sent_items;  // indexes into distinct
    for (std::size_t n = 0; n < begins.size(); ++n) {
      std::size_t k = begun_items[n];
      if (!begins[n].ok) {  // the lease ran out and another worker took the key
        d.release(items[distinct[k]].key);
        results[distinct[k]] = {ReportOutcome::kInProgress, false, entry_of(claims[k].claim.row)};
        continue;
      }
      d.step(JournalStep::kSending, items[distinct[k]].key);
      sends.push_back(client.report_items_back_in_stock(items[distinct[k]].request, options));
      sent_items.push_back(k);
    }
    std::vector<Op> finishes(sends.size());
    for (std::size_t n = 0; n < sends.size(); ++n) {
      std::exception_ptr error;
      try {
        sends[n].get();
      } catch (...) {
        error = std::current_exception();
      }
      std::size_t k = sent_items[n];
      const std::string& key = items[distinct[k]].key;
      d.step(JournalStep::kAnswered, key);
      finishes[n].kind = Op::kFinish;
      finishes[n].key = key;
      finishes[n].finish = classify(key, claims[k].claim.row.generation, error);
      d.release(key);
    }
    pointers.clear();
    for (Op& f : finishes) pointers.push_back(&f);
    d.run_all(pointers);
    for (std::size_t n = 0; n < finishes.size(); ++n) {
      std::size_t k = sent_items[n];
      const internal::Finish& f = finishes[n].finish;
      ReportOutcome result = outcome_of(f.state);
      if (finishes[n].error) {
        // Sent, not recorded: the entry ends unknown; say so in this item's result.
        JournalEntry entry = entry_of(claims[k].claim.row);
        entry.outcome = ReportOutcome::kUnknown;
        entry.detail = std::string("the outcome (") + to_string(result) +
                       ") could not be recorded; the entry ends unknown";
        results[distinct[k]] = {ReportOutcome::kUnknown, true, entry};
        continue;
      }
      d.step(JournalStep::kRecorded, f.key);
      results[distinct[k]] = {result, true,
                              recorded_entry(claims[k].claim.row, f, d.options.owner)};
    }
    for (std::size_t i = begin_at; i < end_at; ++i) {
      std::size_t at = first[items[i].key];
      if (at != i) {
        results[i] = results[at];
        results[i].sent_by_this_call = false;
      }
    }
  }
  return results;
}

std::optional<JournalEntry> ReportJournal::find(const std::string& key) {
  check_key(key);
  Impl::Lease store(*impl_);
  auto row = store->get(key);
  if (!row) return std::nullopt;
  return entry_of(*row);
}

std::vector<JournalEntry> ReportJournal::unsettled(std::size_t limit) {
  Impl::Lease store(*impl_);
  std::vector<JournalEntry> entries;
  for (const auto& row : store->unsettled(limit)) entries.push_back(entry_of(row));
  return entries;
}

JournalEntry ReportJournal::resolve(const std::string& key, Resolution resolution) {
  check_key(key);
  Impl::Lease store(*impl_);
  bool sent = resolution == Resolution::kMarkSent;
  std::string detail =
      sent ? "resolved by an operator: sent" : "resolved by an operator: may be sent once more";
  if (!store->settle(key, sent ? JournalState::kSent : JournalState::kNotSent, detail, now_ms())) {
    auto row = store->get(key);
    if (!row) throw JournalError(Kind::kNotFound, "report journal: no entry for this key");
    throw JournalError(Kind::kConflict, std::string("report journal: the entry is ") +
                                            internal::state_name(row->state) +
                                            "; only unknown or not_sent entries are resolved");
  }
  return entry_of(*store->get(key));
}

std::size_t ReportJournal::prune(std::size_t max_entries) {
  Impl::Lease store(*impl_);
  auto retention = std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options.retention);
  return store->prune(now_ms() - retention.count(), max_entries);
}

std::string restock_key(const CatalogReference& reference, const std::string& generation) {
  std::string key = "restock:" + reference.app_id() + ":" + reference.catalog_item_id();
  if (!reference.options().json().empty()) key += ":" + reference.options().dump();
  key += "@" + generation;
  if (key.size() <= kMaxKeyBytes) return key;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hashed = "restock-sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    hashed += kHex[digest[i] >> 4];
    hashed += kHex[digest[i] & 0xf];
  }
  return hashed;
}

}  // namespace wix::backinstock
