#pragma once

/// @file journal.h
/// At most one Report per restock event, across crashes, restarts and fleets of workers: the
/// report journal. Link `wix::backinstock_journal`.
///
/// Every Report e-mails the customers waiting for an item, and the API has no idempotency key, so
/// a service that sees the same restock twice (a queue that delivers at least once, two workers
/// during a rebalance, a retried webhook) must not report it twice. The journal names each
/// restock event by a key of yours, records the intent to report it durably before a byte is
/// sent, sends once, and records the outcome; every later caller for the key, in any process on
/// any machine sharing the journal, gets the recorded outcome without sending.
///
/// | outcome | meaning | a later `report()` for the key |
/// |---|---|---|
/// | `kSent` | answered 200 | returns it, sends nothing |
/// | `kRejected` | a 4xx that will not change (validation, not found, ...) | returns it |
/// | `kNotSent` | proven never to have reached the server (no connection, or the credentials'
/// token request failed, whatever its endpoint answered), or refused with 401/403/429 | claims it
/// and sends |
/// | `kUnknown` | may have reached the server; never sent again automatically | returns it |
/// | `kInProgress` | another live worker holds the claim | waits up to `in_progress_wait`, then
/// returns it |
///
/// A claim is a lease that its worker renews while it sends. A worker that dies before it began
/// to send leaves a claim that the next caller takes over; one that dies after it began to send
/// leaves `kUnknown` (the request may have gone out). An operator settles unknown entries with
/// `resolve()` (or `wix-backinstock journal resolve`).
///
/// Clocks: on PostgreSQL leases are set and judged by the database server's clock, on SQLite by
/// the clock of the machine holding the file; a worker's own clock never decides whether
/// another worker's claim is alive. A worker begins a send only while its lease, counted by its
/// own monotonic clock from the start of its last successful renewal, has not run out (a worker
/// paused past its lease sends nothing when it resumes, and its result is `kNotSent`), and every
/// outcome it writes is fenced by its claim: it never replaces an entry that another worker or
/// an operator settled meanwhile (what it saw is added to that entry's detail).
///
/// Fail closed: if the intent cannot be recorded (database down, read-only or corrupted file,
/// disk full), nothing is sent and `JournalError` says why. If the outcome cannot be recorded
/// after a send, `JournalError` (`kOutcomeNotRecorded`) reports it and the entry ends as
/// `kUnknown`, never as a second send.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wix/backinstock/async_client.h"
#include "wix/backinstock/client.h"  // IWYU pragma: export
#include "wix/backinstock/errors.h"  // IWYU pragma: export
#include "wix/backinstock/model.h"
#include "wix/backinstock/observer.h"

namespace wix::backinstock {

/// What happened to the Report of one key.
enum class ReportOutcome { kSent, kNotSent, kRejected, kUnknown, kInProgress };

/// `sent`, `not_sent`, `rejected`, `unknown`, `in_progress`.
const char* to_string(ReportOutcome outcome) noexcept;

/// One key's entry in the journal.
struct JournalEntry {
  /// The restock event's key.
  std::string key;
  /// What became of its Report (`kInProgress` while a worker holds it).
  ReportOutcome outcome = ReportOutcome::kInProgress;
  /// The worker that holds or held the claim (`host:pid:random`).
  std::string owner;
  /// Sends started for this key (more than 1 only after `resolve(..., kAllowResend)` or a
  /// `kNotSent` outcome).
  int sends = 0;
  /// The HTTP status of the last answer (0: none).
  int http_status = 0;
  /// The application code of a rejection, e.g. `INVALID_ARGUMENT` or the service's own code.
  std::string code;
  /// Why the outcome is what it is (the error's message, secrets redacted), or empty.
  std::string detail;
  /// When the key was first claimed.
  std::chrono::system_clock::time_point created;
  /// When the entry last changed.
  std::chrono::system_clock::time_point updated;
};

/// The result of `ReportJournal::report`.
struct JournaledReport {
  /// What became of the key's Report (sent by this call or before).
  ReportOutcome outcome = ReportOutcome::kInProgress;
  /// True when this call sent the Report (whatever the answer); false when the outcome was
  /// found recorded, and when nothing left this process (the credentials' token request failed,
  /// or the connection was never established: `kNotSent`).
  bool sent_by_this_call = false;
  /// The key's entry as this call left it.
  JournalEntry entry;
};

/// Steps of `report()`, for fault-injection tests and tracing (`JournalOptions::on_step`).
enum class JournalStep {
  kClaimOpen,  ///< inside the claim's transaction, before it commits
  kClaimed,    ///< the claim is committed; nothing is marked as being sent yet
  kSending,    ///< the send is recorded as started; the Report goes out next
  kAnswered,   ///< the Report's call returned or threw; the outcome is not written yet
  kRecorded,   ///< the outcome is committed
};

/// How a `ReportJournal` behaves.
struct JournalOptions {
  /// How long a claim lives without renewal. The worker renews it every third of this while it
  /// sends; a claim not renewed for this long belongs to a dead worker.
  std::chrono::milliseconds lease{30'000};
  /// How long `report()` waits for another live worker's outcome before it returns
  /// `kInProgress` (0: return at once).
  std::chrono::milliseconds in_progress_wait{0};
  /// How long settled entries are kept (`prune()` removes older sent, rejected and not sent
  /// ones; unknown and in-progress entries are kept until an operator settles them).
  std::chrono::hours retention{24 * 30};
  /// How long a step waits for another worker's lock before it fails (`JournalError`
  /// `kUnavailable`; nothing is sent when the step was an intent): SQLite's busy timeout, and on
  /// PostgreSQL the sessions' `lock_timeout` and `idle_in_transaction_session_timeout`, so that a
  /// worker paused inside its claim's transaction loses its session (and its claim) after this
  /// long instead of holding the key's row for others.
  std::chrono::milliseconds lock_timeout{10'000};
  /// PostgreSQL: connections the journal opens; concurrent reports commit their steps in groups,
  /// one group per connection at a time (SQLite uses one connection).
  int connections = 2;
  /// This worker's name in the journal; empty: `host:pid:random`.
  std::string owner;
  /// Called at each step of `report()` with the key (may be empty). For tests that stop a
  /// process at a chosen point, and for tracing; must not throw.
  std::function<void(JournalStep, const std::string& key)> on_step;
  /// Told the outcome of every restock event `report`, `report_batch` and `report_stream`
  /// return (observer.h); null: none.
  std::shared_ptr<Observer> observer;
};

/// The journal could not do what was asked. Nothing was sent unless `kind()` is
/// `kOutcomeNotRecorded`.
class JournalError : public Error {
 public:
  /// What went wrong.
  enum class Kind {
    kUnavailable,         ///< the database cannot be reached or opened
    kReadOnly,            ///< the database refuses writes (read-only file or role)
    kCorrupt,             ///< not a journal (another application's database or table, a
                          ///< newer schema), or damaged
    kFull,                ///< disk or quota full
    kInvalidKey,          ///< the key is empty, over 1024 bytes, or holds control characters
    kNotFound,            ///< `resolve()` of a key the journal does not hold
    kConflict,            ///< `resolve()` of an entry that is not unknown or not sent
    kOutcomeNotRecorded,  ///< the Report was sent (or may have been) but its outcome was not
                          ///< written
  };
  /// An error of `kind` with `message` as its `what()`; `outcome` for `kOutcomeNotRecorded`.
  JournalError(Kind kind, const std::string& message,
               ReportOutcome outcome = ReportOutcome::kUnknown);
  /// What went wrong.
  Kind kind() const noexcept { return kind_; }
  /// For `kOutcomeNotRecorded`: the outcome the send had (the entry itself ends `kUnknown`).
  ReportOutcome outcome() const noexcept { return outcome_; }

 private:
  Kind kind_;
  ReportOutcome outcome_;
};

/// How an operator settles an entry.
enum class Resolution {
  kMarkSent,     ///< the Report went out (checked by other means): never send it
  kAllowResend,  ///< it did not go out: the next `report()` for the key sends it once more
};

/// The report journal. Open one per process (it holds a database connection and a thread that
/// renews its claims) and share it: `report()` may be called from many threads at once.
class ReportJournal {
 public:
  /// A journal in a SQLite file, created if absent. Several processes on one machine may share
  /// the file (WAL mode; every commit is synced before a Report is sent). Throws `JournalError`
  /// (`kCorrupt` for a SQLite database that is not a journal: it is left untouched).
  static ReportJournal sqlite(const std::string& path, JournalOptions options = {});
  /// A journal in PostgreSQL (a libpq connection string, e.g. `host=db dbname=shop user=worker`),
  /// for workers on several machines; the table is created if absent (`kCorrupt` when a table of
  /// its name has other columns). Throws `JournalError`
  /// (the password never appears in a message).
  static ReportJournal postgres(const std::string& conninfo, JournalOptions options = {});

  /// Moves the journal (its connections and renewal thread) into a new object.
  ReportJournal(ReportJournal&&) noexcept;
  /// Moves the journal; the one replaced is closed.
  ReportJournal& operator=(ReportJournal&&) noexcept;
  /// Closes the journal: its renewal thread stops, so claims it still holds lapse.
  ~ReportJournal();

  /// Reports `request` at most once for `key` (see the file comment for the outcomes). Errors of
  /// the call become the outcome (its detail in the entry); `JournalError` when the journal
  /// itself fails.
  JournaledReport report(Client& client, const std::string& key,
                         const ReportItemsBackInStockRequest& request,
                         const CallOptions& options = {});

  /// One restock event of a batch: its key and its Report.
  struct Item {
    std::string key;                        ///< the restock event's key
    ReportItemsBackInStockRequest request;  ///< its Report
  };
  /// Reports many events through `client`, each at most once as `report()` does, through
  /// `report_stream()` (see there): the journal's commits overlap the sends, `in_flight` Reports
  /// on their way at a time. One result per item, in input order. Every key is checked before
  /// anything is sent (`JournalError` `kInvalidKey` names the first bad one by its index). A
  /// journal that fails throws `JournalError` once the Reports already on their way are
  /// answered and recorded (or marked `kUnknown` when they cannot be): no Report goes out
  /// without its recorded intent.
  std::vector<JournaledReport> report_batch(AsyncClient& client, const std::vector<Item>& items,
                                            const CallOptions& options = {},
                                            std::size_t in_flight = 64);

  /// Reports every event `next` yields until it returns `std::nullopt`, each at most once as
  /// `report()` does, for a feed of any length in memory bounded by `in_flight`: at most
  /// `in_flight` Reports are on their way (sent through
  /// `AsyncClient::report_items_back_in_stock_then`; the client's own `max_in_flight` should be
  /// at least as large) and at most `2 * in_flight` events are held at once. Each event's three
  /// steps (claim, send begun, outcome) are committed together with other events' steps, one
  /// transaction per round, while earlier Reports are on the wire, so the journal's commits
  /// overlap the sends instead of waiting for them.
  ///
  /// Whatever the pace of the source: `next` may block until its next event arrives (a queue
  /// consumer). It is called on a thread of the stream's own, one call at a time, while the
  /// calling thread claims, sends and records the events already taken; a round commits what
  /// is ready and never waits for more events, so an event followed by a quiet queue is reported
  /// and its result given at once.
  ///
  /// `on_result(index, result)` gets each event's outcome (0-based, in the order `next` yielded
  /// them), in completion order, on the calling thread, one call at a time. `next` and
  /// `on_result` may run at the same time: state they share needs a lock. An event whose key
  /// another event of the stream holds at that moment waits for it and gets its outcome
  /// (`sent_by_this_call` false); an event held by another worker is `kInProgress` at once
  /// (`JournalOptions::in_progress_wait` applies to `report()` only). Returns the number of
  /// events taken from `next`.
  ///
  /// Stops taking events at the first of: a key that is not valid (`JournalError`
  /// `kInvalidKey` naming its index), a journal that fails (`JournalError`), or an exception
  /// from `next` or `on_result`. Reports already on their way are then answered, their outcomes
  /// recorded and given to `on_result` (an outcome that cannot be recorded makes the entry and
  /// the result `kUnknown`), and the error is rethrown once a call of `next` under way has
  /// returned (a source that can block should be able to end: close the queue). Events taken and
  /// not sent get no result: nothing was sent for them, and their claims, if any, lapse for the
  /// next caller.
  std::size_t report_stream(AsyncClient& client, std::function<std::optional<Item>()> next,
                            std::function<void(std::size_t, const JournaledReport&)> on_result,
                            const CallOptions& options = {}, std::size_t in_flight = 64);

  /// The entry of `key`, if the journal holds one.
  std::optional<JournalEntry> find(const std::string& key);
  /// Entries that need an operator or are under way: `kUnknown` and `kInProgress` (claims whose
  /// worker may have died show as `kInProgress` until their lease runs out), oldest first.
  std::vector<JournalEntry> unsettled(std::size_t limit = 1000);
  /// Settles an unknown (or not sent) entry. `JournalError` `kNotFound` / `kConflict` otherwise.
  JournalEntry resolve(const std::string& key, Resolution resolution);
  /// Removes up to `max_entries` entries whose outcome is `kSent`, `kRejected` or `kNotSent` and
  /// that last changed longer ago than the retention; returns how many. Entries that need an
  /// operator (`kUnknown`) and claims under way (`kInProgress`, a dead worker's included) are
  /// never removed, whatever their age: a later `report()` of a removed key would send it again.
  /// Settle them with `resolve()` first.
  std::size_t prune(std::size_t max_entries = 10'000);

 private:
  struct Impl;
  explicit ReportJournal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A key for a restock event: the catalog reference (app, item, options) and a generation of
/// your choosing (an inventory version, a restock counter, or a time bucket such as
/// `2026-12-02`), as one printable string. Long references are hashed so the key stays under
/// 1024 bytes.
std::string restock_key(const CatalogReference& reference, const std::string& generation);

}  // namespace wix::backinstock
