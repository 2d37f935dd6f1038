// The journal in a SQLite file: WAL mode so that several processes share it, `synchronous=FULL`
// so that every commit (an intent above all) is on disk before the Report it guards is sent, and
// `BEGIN IMMEDIATE` so that two processes never decide on the same key at once. Leases are
// judged by this machine's clock, the one every process sharing the file reads. A file is a
// journal only when it says so (its application_id and schema version) or holds nothing but an
// earlier release's journal table; any other SQLite database is refused, untouched.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "journal_store.h"

namespace wix::backinstock::internal {
namespace {

using Kind = JournalError::Kind;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS report_journal ("
    " key TEXT PRIMARY KEY, state TEXT NOT NULL, generation INTEGER NOT NULL,"
    " owner TEXT NOT NULL, lease_until_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, sends INTEGER NOT NULL, http_status INTEGER NOT NULL,"
    " code TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS report_journal_by_state ON report_journal (state, updated_ms);";

std::int64_t machine_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kColumns[] =
    "key, state, generation, owner, lease_until_ms, created_ms, updated_ms, sends, http_status, "
    "code, detail";

Kind kind_of(int code) {
  switch (code & 0xff) {
    case SQLITE_READONLY:
      return Kind::kReadOnly;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Kind::kCorrupt;
    case SQLITE_FULL:
      return Kind::kFull;
    default:
      return Kind::kUnavailable;
  }
}

class SqliteStore final : public JournalStore {
 public:
  SqliteStore(std::string path, int lock_timeout_ms) : path_(std::move(path)) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path_.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(db);
    if (rc != SQLITE_OK) fail(rc, "cannot open the file");
    if (sqlite3_db_readonly(db_.get(), "main") == 1) {
      throw JournalError(Kind::kReadOnly, where() + "the file is read-only");
    }
    sqlite3_extended_result_codes(db_.get(), 1);
    sqlite3_busy_timeout(db_.get(), lock_timeout_ms);
    // Processes that open a new file together race to switch it to WAL and create the table;
    // SQLite answers some of those races with SQLITE_BUSY at once, without its busy handler
    // (and a mode switch that loses one leaves the old mode in place), so the set-up is retried
    // until it holds or the lock timeout is spent.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_timeout_ms);
    // What the file is, before anything is written to it (not even the switch to WAL).
    until_not_busy(deadline, [&] { check_is_journal(); });
    set_up("PRAGMA journal_mode=WAL", "wal", deadline);
    exec("PRAGMA synchronous=FULL");
    until_not_busy(deadline, [&] { create_schema(); });
  }

  std::vector<ClaimResult> claim(const std::vector<std::string>& keys, const std::string& owner,
                                 std::int64_t lease_ms,
                                 const std::function<void()>& in_transaction) override {
    Transaction tx(*this);
    const std::int64_t now_ms = machine_now_ms();
    const std::int64_t lease_until_ms = now_ms + lease_ms;
    std::vector<ClaimResult> results;
    for (const auto& key : keys) {
      ClaimResult result;
      std::optional<JournalRow> row = get(key);
      switch (claim_action(row, now_ms)) {
        case ClaimAction::kInsert: {
          Statement insert(*this, std::string("INSERT INTO report_journal (") + kColumns +
                                      ") VALUES (?, 'claimed', 1, ?, ?, ?, ?, 0, 0, '', '')");
          insert.bind(1, key)
              .bind(2, owner)
              .bind(3, lease_until_ms)
              .bind(4, now_ms)
              .bind(5, now_ms);
          insert.run();
          result.claimed = true;
          break;
        }
        case ClaimAction::kTake: {
          Statement take(*this,
                         "UPDATE report_journal SET state = 'claimed', generation = generation + 1,"
                         " owner = ?, lease_until_ms = ?, updated_ms = ? WHERE key = ?");
          take.bind(1, owner).bind(2, lease_until_ms).bind(3, now_ms).bind(4, key);
          take.run();
          result.claimed = true;
          break;
        }
        case ClaimAction::kLost: {
          Statement lose(*this,
                         "UPDATE report_journal SET state = 'unknown', updated_ms = ?, detail = ?"
                         " WHERE key = ?");
          lose.bind(1, now_ms).bind(2, lost_detail(row->owner)).bind(3, key);
          lose.run();
          break;
        }
        case ClaimAction::kNone:
          break;
      }
      result.row = *get(key);
      results.push_back(std::move(result));
    }
    if (in_transaction) in_transaction();
    tx.commit();
    return results;
  }

  std::vector<bool> begin_send(
      const std::vector<std::pair<std::string, std::int64_t>>& held) override {
    Transaction tx(*this);
    const std::int64_t now_ms = machine_now_ms();
    std::vector<bool> done;
    for (const auto& [key, generation] : held) {
      Statement s(*this,
                  "UPDATE report_journal SET state = 'sending', sends = sends + 1, updated_ms = ?"
                  " WHERE key = ? AND generation = ? AND state = 'claimed' AND lease_until_ms > ?");
      s.bind(1, now_ms).bind(2, key).bind(3, generation).bind(4, now_ms);
      done.push_back(s.run() == 1);
    }
    tx.commit();
    return done;
  }

  std::vector<bool> finish(const std::vector<Finish>& outcomes) override {
    Transaction tx(*this);
    const std::int64_t now_ms = machine_now_ms();
    std::vector<bool> done;
    for (const auto& f : outcomes) {
      Statement s(*this,
                  "UPDATE report_journal SET state = ?, http_status = ?, code = ?, detail = ?,"
                  " updated_ms = ?, lease_until_ms = 0 WHERE key = ? AND generation = ?"
                  " AND state IN ('claimed', 'sending')");
      s.bind(1, state_name(f.state)).bind(2, f.http_status).bind(3, f.code).bind(4, f.detail);
      s.bind(5, now_ms).bind(6, f.key).bind(7, f.generation);
      done.push_back(s.run() == 1);
      if (done.back() || f.late_note.empty()) continue;
      Statement note(*this,
                     "UPDATE report_journal SET detail = detail || ?, updated_ms = ?"
                     " WHERE key = ? AND generation = ? AND state = 'unknown'");
      note.bind(1, f.late_note).bind(2, now_ms).bind(3, f.key).bind(4, f.generation);
      note.run();
    }
    tx.commit();
    return done;
  }

  std::vector<bool> renew(const std::vector<std::pair<std::string, std::int64_t>>& held,
                          std::int64_t lease_ms) override {
    Transaction tx(*this);
    const std::int64_t lease_until_ms = machine_now_ms() + lease_ms;
    std::vector<bool> done;
    for (const auto& [key, generation] : held) {
      Statement s(*this,
                  "UPDATE report_journal SET lease_until_ms = ? WHERE key = ? AND generation = ?"
                  " AND state IN ('claimed', 'sending')");
      s.bind(1, lease_until_ms).bind(2, key).bind(3, generation);
      done.push_back(s.run() == 1);
    }
    tx.commit();
    return done;
  }

  void in_one_transaction(const std::function<void()>& steps) override {
    Transaction tx(*this);
    steps();
    tx.commit();
  }

  std::optional<JournalRow> get(const std::string& key) override {
    Statement s(*this, std::string("SELECT ") + kColumns + " FROM report_journal WHERE key = ?");
    s.bind(1, key);
    if (!s.step()) return std::nullopt;
    return s.row();
  }

  std::vector<JournalRow> unsettled(std::size_t limit) override {
    Statement s(*this, std::string("SELECT ") + kColumns +
                           " FROM report_journal WHERE state IN ('claimed', 'sending', 'unknown')"
                           " ORDER BY updated_ms LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<JournalRow> rows;
    while (s.step()) rows.push_back(s.row());
    return rows;
  }

  bool settle(const std::string& key, JournalState state, const std::string& detail) override {
    Transaction tx(*this);
    Statement s(*this,
                "UPDATE report_journal SET state = ?, detail = ?, updated_ms = ?"
                " WHERE key = ? AND state IN ('unknown', 'not_sent')");
    s.bind(1, state_name(state)).bind(2, detail).bind(3, machine_now_ms()).bind(4, key);
    bool done = s.run() == 1;
    tx.commit();
    return done;
  }

  std::size_t prune(std::int64_t retention_ms, std::size_t limit) override {
    Transaction tx(*this);
    const std::int64_t before_ms = machine_now_ms() - retention_ms;
    Statement s(*this,
                "DELETE FROM report_journal WHERE key IN (SELECT key FROM report_journal"
                " WHERE state IN ('sent', 'rejected', 'not_sent') AND updated_ms < ?"
                " ORDER BY updated_ms LIMIT ?)");
    s.bind(1, before_ms).bind(2, static_cast<std::int64_t>(limit));
    auto n = static_cast<std::size_t>(s.run());
    tx.commit();
    return n;
  }

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  class Statement {
   public:
    Statement(SqliteStore& store, const std::string& sql) : store_(store) {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v2(store.db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw,
                                  nullptr);
      stmt_.reset(raw);
      if (rc != SQLITE_OK) store.fail(rc, "cannot prepare a statement");
    }
    Statement& bind(int at, const std::string& text) {
      check(sqlite3_bind_text(stmt_.get(), at, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT));
      return *this;
    }
    Statement& bind(int at, const char* text) { return bind(at, std::string(text)); }
    Statement& bind(int at, std::int64_t value) {
      check(sqlite3_bind_int64(stmt_.get(), at, value));
      return *this;
    }
    Statement& bind(int at, int value) { return bind(at, static_cast<std::int64_t>(value)); }
    // One step: true while rows come.
    bool step() {
      int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      store_.fail(rc, "a statement failed");
    }
    // Runs a change; returns the rows changed.
    int run() {
      step();
      return sqlite3_changes(store_.db_.get());
    }
    JournalRow row() const {
      JournalRow r;
      r.key = text(0);
      r.state = state_from_name(text(1)).value_or(JournalState::kUnknown);
      r.generation = sqlite3_column_int64(stmt_.get(), 2);
      r.owner = text(3);
      r.lease_until_ms = sqlite3_column_int64(stmt_.get(), 4);
      r.created_ms = sqlite3_column_int64(stmt_.get(), 5);
      r.updated_ms = sqlite3_column_int64(stmt_.get(), 6);
      r.sends = sqlite3_column_int(stmt_.get(), 7);
      r.http_status = sqlite3_column_int(stmt_.get(), 8);
      r.code = text(9);
      r.detail = text(10);
      return r;
    }

    std::string text(int column) const {
      const auto* p = sqlite3_column_text(stmt_.get(), column);
      int n = sqlite3_column_bytes(stmt_.get(), column);
      return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

   private:
    struct Finalize {
      void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    void check(int rc) {
      if (rc != SQLITE_OK) store_.fail(rc, "cannot bind a value");
    }
    SqliteStore& store_;
    std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  };

  // BEGIN IMMEDIATE ... COMMIT, rolled back when left by an exception; inside another one, part
  // of it.
  class Transaction {
   public:
    // `write`: takes the write lock at once (BEGIN IMMEDIATE); otherwise a read (BEGIN).
    explicit Transaction(SqliteStore& store, bool write = true)
        : store_(store), outer_(store.depth_ == 0) {
      if (outer_) store_.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
      ++store_.depth_;
    }
    ~Transaction() {
      --store_.depth_;
      if (outer_ && !done_) sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      if (outer_) store_.exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& store_;
    bool outer_;
    bool done_ = false;
  };

  std::string where() const { return "report journal (SQLite " + path_ + "): "; }

  // A lock held by another process, after the busy timeout ran out.
  class Busy : public JournalError {
   public:
    using JournalError::JournalError;
  };

  [[noreturn]] void fail(int rc, const char* what) const {
    std::string reason = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      throw Busy(Kind::kUnavailable, where() + what + ": " + reason);
    }
    throw JournalError(kind_of(rc), where() + what + ": " + reason);
  }

  // Runs `sql` until it succeeds (and, with `expect`, answers it in its first column), retrying
  // while the database is busy and `deadline` is not reached.
  void set_up(const char* sql, const char* expect, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      std::string answer;
      int rc = sqlite3_exec(
          db_.get(), sql,
          [](void* out, int columns, char** values, char**) {
            if (columns > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
            return 0;
          },
          &answer, nullptr);
      bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
      if (rc == SQLITE_OK && (expect == nullptr || answer == expect)) return;
      if (rc != SQLITE_OK && !busy) fail(rc, "cannot set the file up");
      if (std::chrono::steady_clock::now() >= deadline) {
        if (rc != SQLITE_OK) fail(rc, "cannot set the file up");
        throw JournalError(Kind::kUnavailable, where() +
                                                   "cannot switch the file to WAL mode (it stays " +
                                                   answer + "): another process holds it");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Runs `work` until it is not refused for a lock held elsewhere, or `deadline` passes.
  template <typename Work>
  void until_not_busy(std::chrono::steady_clock::time_point deadline, Work&& work) {
    for (;;) {
      try {
        work();
        return;
      } catch (const Busy&) {
        if (std::chrono::steady_clock::now() >= deadline) {
          throw JournalError(Kind::kUnavailable, where() + "another process holds the file locked");
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // An integer a pragma answers.
  std::int64_t pragma(const char* name) {
    Statement s(*this, std::string("PRAGMA ") + name);
    return s.step() ? s.integer(0) : 0;
  }

  [[noreturn]] void not_a_journal(const std::string& why) const {
    throw JournalError(Kind::kCorrupt, where() + "the file is not a report journal: " + why);
  }

  // A journal file says so (application_id), or is one of an earlier release: the journal's table
  // (with its columns) and its index, nothing else. An empty file becomes one.
  void check_is_journal() {
    Transaction tx(*this, /*write=*/false);
    const std::int64_t id = pragma("application_id");
    if (id != 0 && id != kSqliteApplicationId) {
      not_a_journal("another application's database (application_id " + std::to_string(id) + ")");
    }
    const std::int64_t version = pragma("user_version");
    if (id == kSqliteApplicationId && version > kSchemaVersion) {
      not_a_journal("its schema (" + std::to_string(version) +
                    ") is of a newer release; this one reads " + std::to_string(kSchemaVersion));
    }
    Statement objects(*this,
                      "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                      " AND name NOT IN ('report_journal', 'report_journal_by_state')");
    if (objects.step()) not_a_journal("it holds other tables (" + objects.text(0) + ")");
    Statement columns(*this, "SELECT name FROM pragma_table_info('report_journal')");
    std::vector<std::string> found;
    while (columns.step()) found.push_back(columns.text(0));
    if (found.empty()) return;  // a new file
    if (found != std::vector<std::string>(std::begin(kJournalColumns), std::end(kJournalColumns))) {
      not_a_journal("its table report_journal has other columns");
    }
  }

  // The table and its index, and the file's stamp.
  void create_schema() {
    Transaction tx(*this);
    check_is_journal();  // again, under the write lock: another process may have changed it
    exec(kSchema);
    exec(("PRAGMA application_id = " + std::to_string(kSqliteApplicationId)).c_str());
    exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    tx.commit();
  }

  void exec(const char* sql) {
    int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, "a statement failed");
  }

  std::string path_;
  std::unique_ptr<sqlite3, Close> db_;
  int depth_ = 0;  // transactions open (only the outermost is real)
};

}  // namespace

std::unique_ptr<JournalStore> open_sqlite_store(const std::string& path, int lock_timeout_ms) {
  return std::make_unique<SqliteStore>(path, lock_timeout_ms);
}

}  // namespace wix::backinstock::internal
