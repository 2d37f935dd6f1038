#pragma once

// The report journal's core, shared by journal.cc (one report at a time) and journal_stream.cc
// (batches and streams): the helpers that turn rows and answers into outcomes, and the group
// commit that puts concurrent steps of many reports into one transaction. Internal.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "journal_store.h"
#include "wix/backinstock/journal.h"

namespace wix::backinstock {

namespace internal {

constexpr std::size_t kMaxKeyBytes = 1024;

/// Throws `JournalError` (`kInvalidKey`) naming what is wrong with `key`.
void check_key(const std::string& key);
ReportOutcome outcome_of(JournalState state);
JournalEntry entry_of(const JournalRow& row);
/// What one send's answer means for the key (the call's own retries are over).
Finish classify(const std::string& key, std::int64_t generation, const std::exception_ptr& error);
/// `host:pid:random`.
std::string default_owner();
/// The entry of a key this worker claimed (`claimed`), sent and recorded (`finish`).
JournalEntry recorded_entry(const JournalRow& claimed, const Finish& finish,
                            const std::string& owner);
/// The outcome of a claim whose lease ran out before its Report left: `not_sent`, nothing sent.
Finish lease_lost(const std::string& key, std::int64_t generation);

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

// A claim this worker holds: its generation, and until when its lease is certainly alive by this
// worker's own monotonic clock (counted from the start of the claim or of its last successful
// renewal, which is never later than the store's own count of it).
struct HeldClaim {
  std::int64_t generation = 0;
  std::chrono::steady_clock::time_point alive_until;
};

// The group commit and the claims this worker holds: what `ReportJournal` is made of.
class JournalCore {
 public:
  JournalCore(std::vector<std::unique_ptr<internal::JournalStore>> s, JournalOptions o)
      : stores_(std::move(s)), options_(std::move(o)) {
    for (auto& store : stores_) idle_.push_back(store.get());
    if (options_.owner.empty()) options_.owner = internal::default_owner();
    if (options_.lease < std::chrono::milliseconds(30))
      options_.lease = std::chrono::milliseconds(30);
    renewer_ = std::thread([this] { renew_loop(); });
  }
  ~JournalCore() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    renewer_.join();
  }

  void step(JournalStep s, const std::string& key) const {
    if (options_.on_step) options_.on_step(s, key);
  }

  // Tells `options_.observer` what a report returned to its caller.
  void observe(const JournaledReport& result) const noexcept {
    if (!options_.observer) return;
    try {
      options_.observer->on_journal_report({to_string(result.outcome), result.sent_by_this_call});
    } catch (...) {
      // An observer must not change what the journal does.
    }
  }

  // The journal's options, with the owner and the lease as used.
  const JournalOptions& options() const noexcept { return options_; }

  // Group commit: a caller that finds a connection idle_ commits every step queued so far, of
  // every kind, in one transaction; the others wait for it. With several connections
  // (PostgreSQL), groups commit side by side. `run` throws a step's error; `run_all` leaves each
  // in its step.
  void run(internal::Op& op) {
    run_all({&op});
    if (op.error) std::rethrow_exception(op.error);
  }

  void run_all(const std::vector<internal::Op*>& ops) {
    std::unique_lock<std::mutex> lock(mutex_);
    queue_.insert(queue_.end(), ops.begin(), ops.end());
    auto all_done = [&] {
      return std::all_of(ops.begin(), ops.end(), [](const internal::Op* o) { return o->done; });
    };
    while (!all_done()) {
      if (queue_.empty() || idle_.empty()) {
        committed_.wait(lock);
        continue;
      }
      internal::JournalStore* store = idle_.back();
      idle_.pop_back();
      std::vector<internal::Op*> batch(queue_.begin(), queue_.end());
      queue_.clear();
      lock.unlock();
      execute(*store, batch);
      lock.lock();
      idle_.push_back(store);
      for (internal::Op* o : batch) o->done = true;
      committed_.notify_all();
    }
  }

  // A connection for a call outside the group commits, returned when the lease ends.
  class Lease {
   public:
    explicit Lease(JournalCore& impl) : impl_(impl) {
      std::unique_lock<std::mutex> lock(impl_.mutex_);
      impl_.committed_.wait(lock, [&] { return !impl_.idle_.empty(); });
      store_ = impl_.idle_.back();
      impl_.idle_.pop_back();
    }
    ~Lease() {
      std::lock_guard<std::mutex> guard(impl_.mutex_);
      impl_.idle_.push_back(store_);
      impl_.committed_.notify_all();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    internal::JournalStore* operator->() const { return store_; }

   private:
    JournalCore& impl_;
    internal::JournalStore* store_;
  };

  // `key`'s entry as the journal holds it now (for a claim that is no longer this worker's), with
  // `sent` as `sent_by_this_call`.
  JournaledReport as_recorded(const std::string& key, bool sent) {
    Lease store(*this);
    auto row = store->get(key);
    return {row ? outcome_of(row->state) : ReportOutcome::kInProgress, sent,
            row ? entry_of(*row) : JournalEntry{}};
  }

  // Whether this worker's claim of `key` at `generation` is certainly still its own by its own
  // monotonic clock: a lease that ran out since the claim or its last renewal (a pause, renewals
  // that failed) is lost, whatever the store says yet.
  bool lease_alive(const std::string& key, std::int64_t generation) {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = held_.find(key);
    return it != held_.end() && it->second.generation == generation &&
           std::chrono::steady_clock::now() < it->second.alive_until;
  }

  void release(const std::string& key) {
    std::lock_guard<std::mutex> guard(mutex_);
    held_.erase(key);
  }

 private:
  // Every step of the group in one transaction: one commit (one fsync) for the group. If it
  // fails, no step of the group is committed_ and every caller in it gets the error.
  void execute(internal::JournalStore& store, const std::vector<internal::Op*>& batch) {
    std::vector<internal::Op*> claims, begins, finishes;
    for (internal::Op* o : batch) {
      (o->kind == internal::Op::kClaim   ? claims
       : o->kind == internal::Op::kBegin ? begins
                                         : finishes)
          .push_back(o);
    }
    // Read before the transaction starts: the store counts a new lease from a later moment.
    const auto started = std::chrono::steady_clock::now();
    std::vector<internal::ClaimResult> claimed;
    try {
      store.in_one_transaction([&] {
        if (!claims.empty()) {
          std::vector<std::string> keys;
          keys.reserve(claims.size());
          for (internal::Op* o : claims) keys.push_back(o->key);
          claimed = store.claim(keys, options_.owner, options_.lease.count(), [&] {
            for (internal::Op* o : claims) step(JournalStep::kClaimOpen, o->key);
          });
        }
        if (!begins.empty()) {
          std::vector<std::pair<std::string, std::int64_t>> keys;
          keys.reserve(begins.size());
          for (internal::Op* o : begins) keys.emplace_back(o->key, o->generation);
          auto results = store.begin_send(keys);
          for (std::size_t i = 0; i < begins.size(); ++i) begins[i]->ok = results[i];
        }
        if (!finishes.empty()) {
          std::vector<internal::Finish> outcomes;
          outcomes.reserve(finishes.size());
          for (internal::Op* o : finishes) outcomes.push_back(o->finish);
          auto results = store.finish(outcomes);
          for (std::size_t i = 0; i < finishes.size(); ++i) finishes[i]->ok = results[i];
        }
      });
    } catch (...) {
      for (internal::Op* o : batch) o->error = std::current_exception();
      return;
    }
    std::lock_guard<std::mutex> guard(mutex_);
    for (std::size_t i = 0; i < claims.size(); ++i) {
      claims[i]->claim = claimed[i];
      if (claimed[i].claimed) {
        held_[claims[i]->key] = {claimed[i].row.generation, started + options_.lease};
      }
    }
  }

  // Extends the leases of the keys this worker holds, every third of a lease.
  void renew_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, options_.lease / 3);
      if (stopping_ || held_.empty()) continue;
      std::vector<std::pair<std::string, std::int64_t>> keys;
      keys.reserve(held_.size());
      for (const auto& [key, claim] : held_) keys.emplace_back(key, claim.generation);
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      std::vector<bool> renewed;
      try {
        Lease store(*this);
        renewed = store->renew(keys, options_.lease.count());
      } catch (const JournalError&) {
        // The leases lapse: this worker begins no send on them (lease_alive), a claim not yet
        // sending is taken over by the next caller, one sending ends unknown. Never a second
        // send.
      }
      lock.lock();
      for (std::size_t i = 0; i < renewed.size(); ++i) {
        auto it = held_.find(keys[i].first);
        if (renewed[i] && it != held_.end() && it->second.generation == keys[i].second) {
          it->second.alive_until = started + options_.lease;
        }
      }
    }
  }

  std::vector<std::unique_ptr<internal::JournalStore>> stores_;  // connections
  JournalOptions options_;
  std::mutex mutex_;                           // guards everything below
  std::vector<internal::JournalStore*> idle_;  // connections not in use
  std::condition_variable wake_;
  std::condition_variable committed_;
  std::deque<internal::Op*> queue_;
  std::map<std::string, HeldClaim> held_;  // while claimed or sending
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace internal

struct ReportJournal::Impl : internal::JournalCore {
  using JournalCore::JournalCore;
};

}  // namespace wix::backinstock
