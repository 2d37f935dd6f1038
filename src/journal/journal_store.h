#pragma once

// The journal's storage, one implementation per database (SQLite, PostgreSQL). Each method is
// one transaction (or part of the one `in_one_transaction` opened), applied to a batch of keys so
// that a group of reports costs one commit. Implementations throw JournalError and are called
// under the journal's lock (one call at a time per store).
//
// Times are milliseconds since the epoch, and each store reads them from the clock that judges
// its leases: SQLite from this machine's (every process sharing the file runs on it), PostgreSQL
// from the database server's (`clock_timestamp()`), so that no worker's own clock decides whether
// another worker's claim is alive. Callers pass durations, never times.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wix/backinstock/journal.h"

namespace wix::backinstock::internal {

/// States as stored. `claimed` and `sending` are the two halves of "in progress".
enum class JournalState { kClaimed, kSending, kSent, kNotSent, kRejected, kUnknown };
const char* state_name(JournalState state) noexcept;
std::optional<JournalState> state_from_name(const std::string& name) noexcept;

struct JournalRow {
  std::string key;
  JournalState state = JournalState::kClaimed;
  std::int64_t generation = 0;  // +1 at every claim: a fencing token for the claim's holder
  std::string owner;
  std::int64_t lease_until_ms = 0;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  int sends = 0;
  int http_status = 0;
  std::string code;
  std::string detail;
};

/// What a claim found: `claimed` when this worker now holds the key (at `row.generation`).
struct ClaimResult {
  bool claimed = false;
  JournalRow row;
};

/// The outcome to write for a key held at `generation`. `late_note` is added to the entry's detail
/// instead when another worker gave the claim up for lost meanwhile (the entry stays `unknown`).
struct Finish {
  std::string key;
  std::int64_t generation = 0;
  JournalState state = JournalState::kUnknown;
  int http_status = 0;
  std::string code;
  std::string detail;
  /// Whether the Report may have left this process (false: the credentials failed or no byte
  /// was written, so nothing was sent).
  bool left = true;
  std::string late_note;
};

/// What a claim does to the row it finds (the same rule for every database).
enum class ClaimAction {
  kInsert,  ///< no row: a new claim
  kTake,    ///< `not_sent`, or `claimed` by a worker whose lease ran out before it began to send
  kLost,    ///< `sending` by a worker whose lease ran out: it may have sent, so `unknown`
  kNone,    ///< settled, or held by a live worker: returned as it is
};
inline ClaimAction claim_action(const std::optional<JournalRow>& row, std::int64_t now_ms) {
  if (!row) return ClaimAction::kInsert;
  bool expired = row->lease_until_ms <= now_ms;
  if (row->state == JournalState::kNotSent) return ClaimAction::kTake;
  if (row->state == JournalState::kClaimed && expired) return ClaimAction::kTake;
  if (row->state == JournalState::kSending && expired) return ClaimAction::kLost;
  return ClaimAction::kNone;
}

/// The detail written when a sending worker's lease runs out.
inline std::string lost_detail(const std::string& owner) {
  return "the worker " + owner + " stopped renewing its claim after it began to send";
}

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  /// For each key: a new row, a `not_sent` one, or a `claimed` one whose lease ran out becomes
  /// `claimed` by `owner` for `lease_ms` from now; a `sending` one whose lease ran out becomes
  /// `unknown`; any other is returned as it is. `in_transaction` runs before the commit.
  virtual std::vector<ClaimResult> claim(const std::vector<std::string>& keys,
                                         const std::string& owner, std::int64_t lease_ms,
                                         const std::function<void()>& in_transaction) = 0;
  /// `claimed` -> `sending` (sends + 1) for each key still held at its generation with its lease
  /// not run out; returns which were.
  virtual std::vector<bool> begin_send(
      const std::vector<std::pair<std::string, std::int64_t>>& held) = 0;
  /// Writes the outcomes of keys still held at their generation (`claimed` or `sending`), and
  /// never over an entry that another worker or an operator settled; where another worker gave
  /// the claim up for lost (`unknown` at the same generation), adds `late_note` to its detail
  /// instead. Returns which outcomes were written.
  virtual std::vector<bool> finish(const std::vector<Finish>& outcomes) = 0;
  /// Extends by `lease_ms` from now the leases of keys still held at their generation; returns
  /// which were.
  virtual std::vector<bool> renew(const std::vector<std::pair<std::string, std::int64_t>>& held,
                                  std::int64_t lease_ms) = 0;
  /// Runs `steps` (calls of claim, begin_send and finish) in one transaction: a group commit of
  /// different kinds of steps costs one commit. If any step throws, none of them is committed.
  virtual void in_one_transaction(const std::function<void()>& steps) = 0;
  virtual std::optional<JournalRow> get(const std::string& key) = 0;
  /// Rows in `claimed`, `sending` or `unknown`, oldest update first.
  virtual std::vector<JournalRow> unsettled(std::size_t limit) = 0;
  /// `unknown` or `not_sent` -> `state` (`sent` or `not_sent`); false when the row is not in one
  /// of those states (or absent: `get` tells which).
  virtual bool settle(const std::string& key, JournalState state, const std::string& detail) = 0;
  /// Deletes up to `limit` rows in `sent`, `rejected` or `not_sent` last updated longer than
  /// `retention_ms` ago. Rows that need an operator (`unknown`) or are under way (`claimed`,
  /// `sending`) are never deleted, whatever their age: without its row, a key would be sent
  /// again.
  virtual std::size_t prune(std::int64_t retention_ms, std::size_t limit) = 0;
};

/// The schema version this release writes and reads (`PRAGMA user_version` in SQLite, the
/// table's comment in PostgreSQL), and SQLite's `application_id` of a journal file ("WBIS").
inline constexpr int kSchemaVersion = 1;
inline constexpr std::int32_t kSqliteApplicationId = 0x57424953;
/// The columns of the journal's table, in order.
inline constexpr const char* kJournalColumns[] = {
    "key",        "state", "generation",  "owner", "lease_until_ms", "created_ms",
    "updated_ms", "sends", "http_status", "code",  "detail"};

/// The detail a fenced-out outcome leaves on an entry another worker gave up for lost.
std::string late_note(const std::string& owner, const Finish& finish);

std::unique_ptr<JournalStore> open_sqlite_store(const std::string& path, int lock_timeout_ms);
/// `lock_timeout_ms` bounds the session's waits for a row lock and how long a transaction may
/// stay idle before the server ends it (releasing what it holds).
std::unique_ptr<JournalStore> open_postgres_store(const std::string& conninfo, int lock_timeout_ms);

}  // namespace wix::backinstock::internal
