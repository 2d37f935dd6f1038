// Batches and streams through the journal. The caller's thread drives every event through its
// three commits (claim, send begun, outcome) in rounds: each round commits the steps of every
// event that is ready for one, in one transaction (the group commit of journal_impl.h), while the
// Reports of earlier events are on the wire through AsyncClient's callback form. The source is
// read on a thread of its own, so a source that waits for its next event delays nothing already
// taken. Memory is bounded by the events under way (at most twice `in_flight`), not by the feed.

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "journal_impl.h"

namespace wix::backinstock {

namespace {

using internal::JournalCore;
using internal::Op;
using Kind = JournalError::Kind;

// One event under way, from the moment it is taken to the moment its result is given.
struct Event {
  Event(std::size_t i, ReportJournal::Item e) : index(i), item(std::move(e)) {}
  std::list<Event>::iterator self;  // where it is held
  std::size_t index;
  ReportJournal::Item item;
  internal::JournalRow claimed;      // the row as this worker claimed it
  std::vector<std::size_t> repeats;  // later events of the stream with the same key
  Op op;                             // its step in the round being committed
  bool lease_lost = false;           // its lease ran out before the send: nothing was sent
};

// What the client's callbacks and the source's thread hand to the driver. Shared with them, so
// that a callback that outlives the driver is harmless.
struct Inbox {
  std::mutex mutex;
  std::condition_variable arrived;  // the driver's: an answer, an event, or the source's end
  std::condition_variable room;     // the source's thread's: room for an event, or a stop
  std::vector<std::pair<Event*, std::exception_ptr>> answers;
  std::deque<ReportJournal::Item> events;  // taken from the source, not yet seen by the driver
  std::size_t held = 0;                    // events and repeats under way, and events not yet seen
  std::size_t taken = 0;                   // events the source yielded
  bool source_ended = false;               // `next` returned nullopt or threw (`source_error`)
  std::exception_ptr source_error;
  bool stopping = false;  // the driver takes no more events
};

constexpr std::size_t kMaxInFlight = std::size_t{1} << 20;

class Pipeline {
 public:
  using OnResult = std::function<void(std::size_t, const JournaledReport&)>;
  using Source = std::function<std::optional<ReportJournal::Item>()>;

  Pipeline(JournalCore& journal, AsyncClient& client, const CallOptions& options,
           std::size_t in_flight, OnResult on_result)
      : journal_(journal),
        client_(client),
        options_(options),
        in_flight_(std::clamp<std::size_t>(in_flight, 1, kMaxInFlight)),
        on_result_(std::move(on_result)),
        inbox_(std::make_shared<Inbox>()) {}

  // The source is read on a thread of its own, so that a source that waits for its next event
  // (a queue consumer) holds nothing up: the events already taken are claimed, sent and recorded
  // meanwhile, and their results given. Each round commits what is ready; none waits for more.
  std::size_t run(const Source& next) {
    std::thread source([this, &next] { read_source(next); });
    try {
      drive();
    } catch (...) {  // not expected (each step keeps its error), but never a thread left behind
      stop(std::current_exception());
    }
    stop_source();
    source.join();  // once a call of `next` under way returns
    if (stop_) std::rethrow_exception(stop_);
    return inbox_->taken;
  }

 private:
  void drive() {
    for (;;) {
      take();
      collect_answers();
      start_sends();
      std::vector<Op*> round;
      for (Event* e : claims_) round.push_back(&e->op);
      for (Event* e : begins_) round.push_back(&e->op);
      for (Event* e : finishes_) round.push_back(&e->op);
      if (round.empty()) {
        if (events_.empty() && (exhausted_ || stop_)) return;
        wait();
        continue;
      }
      journal_.run_all(round);
      settle_claims();
      settle_begins();
      settle_finishes();
    }
  }

  // The source's thread: takes events from `next` while fewer than 2 * in_flight are held.
  void read_source(const Source& next) {
    const std::size_t limit = 2 * in_flight_;
    std::unique_lock<std::mutex> lock(inbox_->mutex);
    for (;;) {
      inbox_->room.wait(lock, [&] { return inbox_->stopping || inbox_->held < limit; });
      if (inbox_->stopping) break;
      lock.unlock();
      std::optional<ReportJournal::Item> item;
      std::exception_ptr error;
      try {
        item = next();
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error || !item) {
        inbox_->source_error = error;
        break;
      }
      ++inbox_->taken;
      ++inbox_->held;
      inbox_->events.push_back(std::move(*item));
      inbox_->arrived.notify_one();
    }
    inbox_->source_ended = true;
    inbox_->arrived.notify_one();
  }

  void stop(std::exception_ptr error) {
    if (!stop_) stop_ = std::move(error);
    stop_source();
  }

  // The source's thread takes no more events (a call of `next` under way still returns).
  void stop_source() {
    {
      std::lock_guard<std::mutex> guard(inbox_->mutex);
      inbox_->stopping = true;
    }
    inbox_->room.notify_all();
  }

  // Takes the events the source yielded since the last round.
  void take() {
    std::deque<ReportJournal::Item> fresh;
    bool ended = false;
    std::exception_ptr source_error;
    {
      std::lock_guard<std::mutex> guard(inbox_->mutex);
      fresh.swap(inbox_->events);
      ended = inbox_->source_ended;
      source_error = inbox_->source_error;
    }
    for (auto& item : fresh) {
      if (stop_) break;  // taken, and nothing sent for it: no result
      const std::size_t index = next_index_++;
      try {
        internal::check_key(item.key);
      } catch (const JournalError& e) {
        stop(std::make_exception_ptr(JournalError(
            Kind::kInvalidKey, "event " + std::to_string(index) + " of the stream: " + e.what())));
        break;
      }
      auto same = by_key_.find(item.key);
      if (same != by_key_.end()) {  // under way in this stream: it gets that one's outcome
        same->second->repeats.push_back(index);
        continue;
      }
      Event& e = events_.emplace_back(index, std::move(item));
      e.self = std::prev(events_.end());
      e.op.kind = Op::kClaim;
      e.op.key = e.item.key;
      by_key_.emplace(e.item.key, &e);
      claims_.push_back(&e);
    }
    if (ended && !exhausted_) {
      exhausted_ = true;
      if (source_error) stop(source_error);
    }
  }

  // Answers that arrived become outcomes to record in the next round.
  void collect_answers() {
    std::vector<std::pair<Event*, std::exception_ptr>> ready;
    {
      std::lock_guard<std::mutex> guard(inbox_->mutex);
      ready.swap(inbox_->answers);
    }
    for (auto& [e, error] : ready) {
      --sending_;
      journal_.step(JournalStep::kAnswered, e->item.key);
      Op& op = e->op;
      op = Op{};
      op.kind = Op::kFinish;
      op.key = e->item.key;
      op.finish = internal::classify(e->item.key, e->claimed.generation, error);
      op.finish.late_note = internal::late_note(journal_.options().owner, op.finish);
      journal_.release(e->item.key);  // from now on its lease lapses if the write fails
      finishes_.push_back(e);
    }
  }

  // Claimed events are marked as being sent, as Report slots allow.
  void start_sends() {
    while (!claimed_.empty() && (stop_ || sending_ < in_flight_)) {
      Event* e = claimed_.front();
      claimed_.pop_front();
      if (stop_) {  // nothing was sent: its claim lapses for the next caller
        journal_.release(e->item.key);
        forget(*e);
        continue;
      }
      if (!journal_.lease_alive(e->item.key, e->claimed.generation)) {
        give_up(*e);
        continue;
      }
      ++sending_;
      Op& op = e->op;
      op = Op{};
      op.kind = Op::kBegin;
      op.key = e->item.key;
      op.generation = e->claimed.generation;
      begins_.push_back(e);
    }
  }

  // An event whose claim's lease ran out, by this worker's clock, before its Report left (the
  // worker was paused, or could not renew it): nothing is sent; the next round records it
  // `not_sent` if the claim is still this worker's in the journal.
  void give_up(Event& e) {
    journal_.release(e.item.key);
    e.lease_lost = true;
    Op& op = e.op;
    op = Op{};
    op.kind = Op::kFinish;
    op.key = e.item.key;
    op.finish = internal::lease_lost(e.item.key, e.claimed.generation);
    finishes_.push_back(&e);
  }

  // Waits for an answer, an event from the source, or the source's end.
  void wait() {
    std::unique_lock<std::mutex> lock(inbox_->mutex);
    inbox_->arrived.wait(lock, [&] {
      return !inbox_->answers.empty() || !inbox_->events.empty() ||
             (inbox_->source_ended && !exhausted_);
    });
  }

  void settle_claims() {
    for (Event* e : std::exchange(claims_, {})) {
      if (e->op.error) {  // not claimed: nothing is sent for it
        stop(e->op.error);
        forget(*e);
        continue;
      }
      if (!e->op.claim.claimed) {  // settled, or held by another worker
        const internal::JournalRow& row = e->op.claim.row;
        give(*e, {internal::outcome_of(row.state), false, internal::entry_of(row)});
        continue;
      }
      e->claimed = e->op.claim.row;
      journal_.step(JournalStep::kClaimed, e->item.key);
      claimed_.push_back(e);
    }
  }

  void settle_begins() {
    for (Event* e : std::exchange(begins_, {})) {
      if (e->op.error || !e->op.ok) {
        --sending_;
        journal_.release(e->item.key);  // nothing was sent
        if (e->op.error) {
          stop(e->op.error);
          forget(*e);
        } else {  // its lease ran out (another worker may have taken the key)
          give(*e, as_recorded(*e, false));
        }
        continue;
      }
      journal_.step(JournalStep::kSending, e->item.key);
      // The last moment before the Report leaves (see report()).
      if (!journal_.lease_alive(e->item.key, e->claimed.generation)) {
        --sending_;
        give_up(*e);
        continue;
      }
      std::weak_ptr<Inbox> weak = inbox_;
      auto answered = [weak, e](const BatchResult& result) {
        auto inbox = weak.lock();
        if (!inbox) return;
        std::lock_guard<std::mutex> guard(inbox->mutex);
        inbox->answers.emplace_back(e, result.error);
        inbox->arrived.notify_one();
      };
      try {
        client_.report_items_back_in_stock_then(e->item.request, answered, options_);
      } catch (...) {  // a connection that throws instead of calling back: an answer too
        answered(BatchResult{std::current_exception()});
      }
    }
  }

  // The entry of `e` as the journal holds it now (its claim is no longer this worker's).
  JournaledReport as_recorded(const Event& e, bool sent) {
    try {
      return journal_.as_recorded(e.item.key, sent);
    } catch (const JournalError&) {
      // Unreadable now: said as in progress, which a caller retries later.
      return {ReportOutcome::kInProgress, sent, internal::entry_of(e.claimed)};
    }
  }

  void settle_finishes() {
    for (Event* e : std::exchange(finishes_, {})) {
      const internal::Finish& f = e->op.finish;
      ReportOutcome outcome = internal::outcome_of(f.state);
      if (e->lease_lost) {  // nothing was sent
        JournaledReport result{ReportOutcome::kNotSent, false, internal::entry_of(e->claimed)};
        result.entry.outcome = ReportOutcome::kNotSent;
        result.entry.detail = f.detail;
        // Not written: the claim is no longer this worker's, and what others made of it stands.
        if (!e->op.error && !e->op.ok) result = as_recorded(*e, false);
        give(*e, result);
        continue;
      }
      if (!e->op.error && !e->op.ok) {  // fenced out: what others settled stands (see report())
        give(*e, as_recorded(*e, f.left));
        continue;
      }
      if (e->op.error) {  // sent, not recorded: the entry ends unknown, and so does the result
        JournalEntry entry = internal::entry_of(e->claimed);
        entry.outcome = ReportOutcome::kUnknown;
        entry.sends = e->claimed.sends + 1;
        entry.detail = std::string("the outcome (") + to_string(outcome) +
                       ") could not be recorded; the entry ends unknown";
        give(*e, {ReportOutcome::kUnknown, f.left, entry});
        continue;
      }
      journal_.step(JournalStep::kRecorded, e->item.key);
      give(*e,
           {outcome, f.left, internal::recorded_entry(e->claimed, f, journal_.options().owner)});
    }
  }

  // Hands the event's result (and its repeats') to the caller and lets it go.
  void give(Event& e, JournaledReport result) {
    deliver(e.index, result);
    result.sent_by_this_call = false;
    for (std::size_t index : e.repeats) deliver(index, result);
    forget(e);
  }

  void deliver(std::size_t index, const JournaledReport& result) {
    journal_.observe(result);
    if (!on_result_) return;
    try {
      on_result_(index, result);
    } catch (...) {
      stop(std::current_exception());
    }
  }

  void forget(Event& e) {
    {
      std::lock_guard<std::mutex> guard(inbox_->mutex);
      inbox_->held -= 1 + e.repeats.size();
    }
    inbox_->room.notify_one();
    by_key_.erase(e.item.key);
    events_.erase(e.self);
  }

  JournalCore& journal_;
  AsyncClient& client_;
  const CallOptions& options_;
  const std::size_t in_flight_;
  OnResult on_result_;
  std::shared_ptr<Inbox> inbox_;

  std::list<Event> events_;  // under way (stable addresses: the callbacks hold them)
  std::unordered_map<std::string, Event*> by_key_;
  std::vector<Event*> claims_, begins_, finishes_;  // the next round's steps
  std::deque<Event*> claimed_;                      // claimed, waiting for a Report slot
  std::size_t next_index_ = 0;                      // of the next event the driver takes
  std::size_t sending_ = 0;                         // begun and not answered
  bool exhausted_ = false;
  std::exception_ptr stop_;
};

}  // namespace

std::size_t ReportJournal::report_stream(
    AsyncClient& client, std::function<std::optional<Item>()> next,
    std::function<void(std::size_t, const JournaledReport&)> on_result, const CallOptions& options,
    std::size_t in_flight) {
  if (!next) throw ValidationError("next", "must be set");
  Pipeline pipeline(*impl_, client, options, in_flight, std::move(on_result));
  auto source = std::move(next);
  return pipeline.run(source);
}

std::vector<JournaledReport> ReportJournal::report_batch(AsyncClient& client,
                                                         const std::vector<Item>& items,
                                                         const CallOptions& options,
                                                         std::size_t in_flight) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    try {
      internal::check_key(items[i].key);
    } catch (const JournalError& e) {
      throw JournalError(Kind::kInvalidKey,
                         "item " + std::to_string(i) + " of the batch: " + e.what());
    }
  }
  std::vector<JournaledReport> results(items.size());
  std::size_t at = 0;
  report_stream(
      client,
      [&]() -> std::optional<Item> {
        if (at == items.size()) return std::nullopt;
        return items[at++];
      },
      [&](std::size_t index, const JournaledReport& result) { results[index] = result; }, options,
      in_flight);
  return results;
}

}  // namespace wix::backinstock
