// The journal in PostgreSQL, for workers on several machines: each step is one transaction; a
// claim inserts the key (`ON CONFLICT DO NOTHING`) or locks its row (`FOR UPDATE`) before it
// decides, so two workers never hold one key. Every time (leases above all) is the database
// server's clock, read in the statement that uses it: workers' clocks may differ, the server's is
// one. Sessions bound their waits for a row lock and how long a transaction may stay idle (a
// worker paused inside one), both by the journal's lock timeout. A connection that broke is
// re-established at the next call; until it is, calls fail with `kUnavailable` and nothing is
// sent.

#include <libpq-fe.h>

#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal_store.h"
#include "postgres_session.h"

namespace wix::backinstock::internal {
namespace {

using Kind = JournalError::Kind;
using Transaction = PgSession::Transaction;

// Milliseconds since the epoch by the server's clock, when the statement reads it.
#define WIX_JOURNAL_NOW "(extract(epoch from clock_timestamp()) * 1000)::bigint"

constexpr char kColumns[] =
    "key, state, generation, owner, lease_until_ms, created_ms, updated_ms, sends, http_status, "
    "code, detail";

class PostgresStore final : public JournalStore {
 public:
  PostgresStore(const std::string& conninfo, int lock_timeout_ms) : db_(conninfo, lock_timeout_ms) {
    Transaction tx(db_);
    db_.run("SELECT pg_advisory_xact_lock(7152683401)", {});  // one schema creator at a time
    // Created only when absent: creating an index (even one that exists) locks the table against
    // the claims under way, which a new worker must not wait for.
    if (!check_is_journal()) {
      db_.run(
          std::string("CREATE TABLE IF NOT EXISTS report_journal (key TEXT PRIMARY KEY,"
                      " state TEXT NOT NULL, generation BIGINT NOT NULL, owner TEXT NOT NULL,"
                      " lease_until_ms BIGINT NOT NULL, created_ms BIGINT NOT NULL,"
                      " updated_ms BIGINT NOT NULL, sends INTEGER NOT NULL,"
                      " http_status INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL)"),
          {});
    }
    Result index = db_.run("SELECT to_regclass('report_journal_by_state') IS NULL", {});
    if (std::string(PQgetvalue(index.get(), 0, 0)) == "t") {
      db_.run(
          "CREATE INDEX IF NOT EXISTS report_journal_by_state ON report_journal"
          " (state, updated_ms)",
          {});
    }
    stamp();
    tx.commit();
  }

  // Each step is a few statements whatever the batch's size: the keys go as one JSON parameter
  // (jsonb_to_recordset), so a group commit costs the same round trips as a single report.
  std::vector<ClaimResult> claim(const std::vector<std::string>& keys, const std::string& owner,
                                 std::int64_t lease_ms,
                                 const std::function<void()>& in_transaction) override {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& key : keys) list.push_back({{"key", key}});
    const std::string batch = list.dump(), lease = std::to_string(lease_ms);
    Transaction tx(db_);
    Result inserted =
        db_.run(std::string("INSERT INTO report_journal (") + kColumns +
                    ") SELECT DISTINCT u.key, 'claimed', 1, $2::text,"
                    " " WIX_JOURNAL_NOW " + $3::bigint, " WIX_JOURNAL_NOW ", " WIX_JOURNAL_NOW
                    ", 0, 0, '', ''"
                    " FROM jsonb_to_recordset($1::jsonb) AS u(key text)"
                    " ON CONFLICT (key) DO NOTHING RETURNING key",
                {batch, owner, lease});
    std::set<std::string> fresh;
    for (int i = 0; i < PQntuples(inserted.get()); ++i)
      fresh.insert(PQgetvalue(inserted.get(), i, 0));
    // The rows, locked, and the server's clock to judge their leases by: read with each row (in
    // the same round trip); if a lock was waited for, it may be read before the wait ended, which
    // only makes a lease look less expired (the claim is then left to its holder).
    std::int64_t now_ms = 0;
    std::map<std::string, JournalRow> rows = select_batch(batch, " FOR UPDATE", &now_ms);
    nlohmann::json takes = nlohmann::json::array(), lost = nlohmann::json::array();
    std::set<std::string> decided;
    for (const auto& [key, row] : rows) {
      if (fresh.count(key) != 0) continue;
      switch (claim_action(row, now_ms)) {
        case ClaimAction::kTake:
          takes.push_back({{"key", key}});
          decided.insert(key);
          break;
        case ClaimAction::kLost:
          lost.push_back({{"key", key}, {"detail", lost_detail(row.owner)}});
          break;
        default:
          break;
      }
    }
    if (!takes.empty()) {
      db_.run(
          "UPDATE report_journal j SET state = 'claimed', generation = j.generation + 1,"
          " owner = $2, lease_until_ms = " WIX_JOURNAL_NOW
          " + $3::bigint,"
          " updated_ms = " WIX_JOURNAL_NOW
          " FROM jsonb_to_recordset($1::jsonb) AS u(key text) WHERE j.key = u.key",
          {takes.dump(), owner, lease});
    }
    if (!lost.empty()) {
      db_.run("UPDATE report_journal j SET state = 'unknown', updated_ms = " WIX_JOURNAL_NOW
              ", detail = u.detail"
              " FROM jsonb_to_recordset($1::jsonb) AS u(key text, detail text) WHERE j.key = u.key",
              {lost.dump()});
    }
    if (!takes.empty() || !lost.empty()) rows = select_batch(batch, "");
    std::vector<ClaimResult> results;
    std::set<std::string> handed;  // a key twice in one batch: the second caller finds it held
    for (const auto& key : keys) {
      ClaimResult result;
      auto row = rows.find(key);
      if (row == rows.end()) {
        throw JournalError(Kind::kUnavailable,
                           "report journal (PostgreSQL): a claimed row vanished");
      }
      result.row = row->second;
      result.claimed =
          (fresh.count(key) != 0 || decided.count(key) != 0) && handed.insert(key).second;
      results.push_back(std::move(result));
    }
    if (in_transaction) in_transaction();
    tx.commit();
    return results;
  }

  std::vector<bool> begin_send(
      const std::vector<std::pair<std::string, std::int64_t>>& held) override {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [key, generation] : held)
      list.push_back({{"key", key}, {"generation", generation}});
    db_.reconnect_if_broken();  // one statement: a transaction of its own
    Result r = db_.run(
        "UPDATE report_journal j SET state = 'sending', sends = j.sends + 1,"
        " updated_ms = " WIX_JOURNAL_NOW
        " FROM jsonb_to_recordset($1::jsonb) AS u(key text, generation bigint)"
        " WHERE j.key = u.key AND j.generation = u.generation AND j.state = 'claimed'"
        " AND j.lease_until_ms > " WIX_JOURNAL_NOW " RETURNING j.key",
        {list.dump()});
    return keys_in(r, held);
  }

  std::vector<bool> finish(const std::vector<Finish>& outcomes) override {
    nlohmann::json list = nlohmann::json::array();
    std::vector<std::pair<std::string, std::int64_t>> keys;
    for (const auto& f : outcomes) {
      list.push_back({{"key", f.key},
                      {"generation", f.generation},
                      {"state", state_name(f.state)},
                      {"http_status", f.http_status},
                      {"code", f.code},
                      {"detail", f.detail}});
      keys.emplace_back(f.key, f.generation);
    }
    db_.reconnect_if_broken();  // one statement: a transaction of its own
    Result r = db_.run(
        "UPDATE report_journal j SET state = u.state, http_status = u.http_status, code = u.code,"
        " detail = u.detail, updated_ms = " WIX_JOURNAL_NOW
        ", lease_until_ms = 0"
        " FROM jsonb_to_recordset($1::jsonb) AS u(key text, generation bigint, state text,"
        " http_status integer, code text, detail text)"
        " WHERE j.key = u.key AND j.generation = u.generation"
        " AND j.state IN ('claimed', 'sending') RETURNING j.key",
        {list.dump()});
    std::vector<bool> done = keys_in(r, keys);
    nlohmann::json notes = nlohmann::json::array();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      if (done[i] || outcomes[i].late_note.empty()) continue;
      notes.push_back({{"key", outcomes[i].key},
                       {"generation", outcomes[i].generation},
                       {"note", outcomes[i].late_note}});
    }
    if (!notes.empty()) {  // rare: a worker whose claim was given up for lost while it sent
      db_.run(
          "UPDATE report_journal j SET detail = j.detail || u.note,"
          " updated_ms = " WIX_JOURNAL_NOW
          " FROM jsonb_to_recordset($1::jsonb) AS u(key text, generation bigint, note text)"
          " WHERE j.key = u.key AND j.generation = u.generation AND j.state = 'unknown'",
          {notes.dump()});
    }
    return done;
  }

  std::vector<bool> renew(const std::vector<std::pair<std::string, std::int64_t>>& held,
                          std::int64_t lease_ms) override {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [key, generation] : held)
      list.push_back({{"key", key}, {"generation", generation}});
    db_.reconnect_if_broken();  // one statement: a transaction of its own
    std::vector<bool> done;
    db_.run_again_if_aborted([&] {
      Result r = db_.run("UPDATE report_journal j SET lease_until_ms = " WIX_JOURNAL_NOW
                         " + $2::bigint"
                         " FROM jsonb_to_recordset($1::jsonb) AS u(key text, generation bigint)"
                         " WHERE j.key = u.key AND j.generation = u.generation"
                         " AND j.state IN ('claimed', 'sending') RETURNING j.key",
                         {list.dump(), std::to_string(lease_ms)});
      done = keys_in(r, held);
    });
    return done;
  }

  void in_one_transaction(const std::function<void()>& steps) override {
    db_.run_again_if_aborted([&] {
      Transaction tx(db_);
      steps();
      tx.commit();
    });
  }

  std::optional<JournalRow> get(const std::string& key) override {
    db_.reconnect_if_broken();
    return select(key, "");
  }

  std::vector<JournalRow> unsettled(std::size_t limit) override {
    db_.reconnect_if_broken();
    Result r = db_.run(std::string("SELECT ") + kColumns +
                           " FROM report_journal WHERE state IN ('claimed', 'sending', 'unknown')"
                           " ORDER BY updated_ms LIMIT $1",
                       {std::to_string(limit)});
    std::vector<JournalRow> rows;
    rows.reserve(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.push_back(row_at(r.get(), i));
    return rows;
  }

  bool settle(const std::string& key, JournalState state, const std::string& detail) override {
    db_.reconnect_if_broken();  // one statement: a transaction of its own
    Result r =
        db_.run("UPDATE report_journal SET state = $2, detail = $3, updated_ms = " WIX_JOURNAL_NOW
                " WHERE key = $1 AND state IN ('unknown', 'not_sent')",
                {key, state_name(state), detail});
    bool done = std::string(PQcmdTuples(r.get())) == "1";
    return done;
  }

  std::size_t prune(std::int64_t retention_ms, std::size_t limit) override {
    db_.reconnect_if_broken();  // one statement: a transaction of its own
    std::size_t n = 0;
    db_.run_again_if_aborted([&] {
      Result r = db_.run(
          "DELETE FROM report_journal WHERE key IN (SELECT key FROM report_journal"
          " WHERE state IN ('sent', 'rejected', 'not_sent')"
          " AND updated_ms < " WIX_JOURNAL_NOW
          " - $1::bigint"
          " ORDER BY updated_ms LIMIT $2)",
          {std::to_string(retention_ms), std::to_string(limit)});
      n = static_cast<std::size_t>(std::stoull(PQcmdTuples(r.get())));
    });
    return n;
  }

 private:
  [[noreturn]] static void not_a_journal(const std::string& why) {
    throw JournalError(Kind::kCorrupt,
                       "report journal (PostgreSQL): the table report_journal is not a report "
                       "journal: " +
                           why);
  }

  // A table of the journal's name in the session's schema must have the journal's columns, and
  // no stamp of another schema version. Returns whether there is one.
  bool check_is_journal() {
    Result columns = db_.run(
        "SELECT column_name::text FROM information_schema.columns WHERE table_schema ="
        " current_schema() AND table_name = 'report_journal' ORDER BY ordinal_position",
        {});
    if (PQntuples(columns.get()) == 0) return false;  // none yet
    std::vector<std::string> found;
    found.reserve(static_cast<std::size_t>(PQntuples(columns.get())));
    for (int i = 0; i < PQntuples(columns.get()); ++i) {
      found.emplace_back(PQgetvalue(columns.get(), i, 0));
    }
    if (found != std::vector<std::string>(std::begin(kJournalColumns), std::end(kJournalColumns))) {
      not_a_journal("it has other columns");
    }
    Result comment = db_.run(
        "SELECT coalesce(obj_description(to_regclass('report_journal'), 'pg_class'), '')", {});
    std::string stamp = PQgetvalue(comment.get(), 0, 0);
    if (!stamp.empty() && stamp != kStamp) not_a_journal("its comment says \"" + stamp + "\"");
    return true;
  }

  // The table's comment names the journal and its schema version (set by whoever may: a worker
  // that does not own the table leaves it as it is).
  void stamp() {
    Result comment = db_.run(
        "SELECT coalesce(obj_description(to_regclass('report_journal'), 'pg_class'), '')", {});
    if (std::string(PQgetvalue(comment.get(), 0, 0)) == kStamp) return;
    db_.run("SAVEPOINT wix_journal_stamp", {});
    try {
      db_.run(std::string("COMMENT ON TABLE report_journal IS '") + kStamp + "'", {});
      db_.run("RELEASE SAVEPOINT wix_journal_stamp", {});
    } catch (const JournalError&) {
      db_.run("ROLLBACK TO SAVEPOINT wix_journal_stamp", {});
    }
  }

  static constexpr const char* kStamp = "wix-backinstock report journal, schema 1";

  // The rows of a batch's keys, by key.
  // The rows of a batch's keys, by key; with `now_ms`, also the server's clock (the earliest
  // reading of the rows').
  std::map<std::string, JournalRow> select_batch(const std::string& batch, const char* suffix,
                                                 std::int64_t* now_ms = nullptr) {
    Result r = db_.run(std::string("SELECT ") + kColumns +
                           ", " WIX_JOURNAL_NOW
                           " FROM report_journal WHERE key IN"
                           " (SELECT u.key FROM jsonb_to_recordset($1::jsonb) AS u(key text))" +
                           suffix,
                       {batch});
    std::map<std::string, JournalRow> rows;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      JournalRow row = row_at(r.get(), i);
      std::int64_t now = std::stoll(PQgetvalue(r.get(), i, 11));
      if (now_ms != nullptr && (i == 0 || now < *now_ms)) *now_ms = now;
      rows.emplace(row.key, std::move(row));
    }
    return rows;
  }

  // Which of `asked` a `RETURNING key` statement changed.
  static std::vector<bool> keys_in(const Result& r,
                                   const std::vector<std::pair<std::string, std::int64_t>>& asked) {
    std::set<std::string> changed;
    for (int i = 0; i < PQntuples(r.get()); ++i) changed.insert(PQgetvalue(r.get(), i, 0));
    std::vector<bool> done;
    done.reserve(asked.size());
    for (const auto& [key, generation] : asked) done.push_back(changed.count(key) != 0);
    return done;
  }

  std::optional<JournalRow> select(const std::string& key, const char* suffix) {
    Result r = db_.run(
        std::string("SELECT ") + kColumns + " FROM report_journal WHERE key = $1" + suffix, {key});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return row_at(r.get(), 0);
  }

  static JournalRow row_at(PGresult* r, int i) {
    auto text = [&](int c) { return std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)); };
    JournalRow row;
    row.key = text(0);
    row.state = state_from_name(text(1)).value_or(JournalState::kUnknown);
    row.generation = std::stoll(text(2));
    row.owner = text(3);
    row.lease_until_ms = std::stoll(text(4));
    row.created_ms = std::stoll(text(5));
    row.updated_ms = std::stoll(text(6));
    row.sends = std::stoi(text(7));
    row.http_status = std::stoi(text(8));
    row.code = text(9);
    row.detail = text(10);
    return row;
  }

  PgSession db_;
};

}  // namespace

std::unique_ptr<JournalStore> open_postgres_store(const std::string& conninfo,
                                                  int lock_timeout_ms) {
  return std::make_unique<PostgresStore>(conninfo, lock_timeout_ms);
}

}  // namespace wix::backinstock::internal
