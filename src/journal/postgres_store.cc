// The journal in PostgreSQL, for workers on several machines: each step is one transaction; a
// claim inserts the key (`ON CONFLICT DO NOTHING`) or locks its row (`FOR UPDATE`) before it
// decides, so two workers never hold one key. A connection that broke is re-established at the
// next call; until it is, calls fail with `kUnavailable` and nothing is sent.

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "journal/journal_store.h"

namespace wix::backinstock::internal {
namespace {

using Kind = JournalError::Kind;

constexpr char kColumns[] =
    "key, state, generation, owner, lease_until_ms, created_ms, updated_ms, sends, http_status, "
    "code, detail";

Kind kind_of_sqlstate(const char* state) {
  std::string s = state == nullptr ? "" : state;
  if (s == "25006" || s == "42501") return Kind::kReadOnly;
  if (s == "53100" || s == "53200") return Kind::kFull;
  if (s == "XX001" || s == "XX002") return Kind::kCorrupt;
  return Kind::kUnavailable;
}

struct ClearResult {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

class PostgresStore final : public JournalStore {
 public:
  explicit PostgresStore(const std::string& conninfo) {
    // The password, to keep it out of every message (libpq's own messages do not carry it, but
    // a message is text we pass on).
    char* parse_error = nullptr;
    if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error)) {
      for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (std::string(o->keyword) == "password" && o->val != nullptr) password_ = o->val;
      }
      PQconninfoFree(options);
    } else {
      std::string reason = parse_error != nullptr ? parse_error : "not a connection string";
      PQfreemem(parse_error);
      throw JournalError(Kind::kUnavailable,
                         "report journal (PostgreSQL): the connection string is invalid: " +
                             clean(reason));
    }
    conn_.reset(PQconnectdb(conninfo.c_str()));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("cannot connect");
    durable_commits();
    Transaction tx(*this);
    run("SELECT pg_advisory_xact_lock(7152683401)", {});  // one schema creator at a time
    run(std::string("CREATE TABLE IF NOT EXISTS report_journal (key TEXT PRIMARY KEY,"
                    " state TEXT NOT NULL, generation BIGINT NOT NULL, owner TEXT NOT NULL,"
                    " lease_until_ms BIGINT NOT NULL, created_ms BIGINT NOT NULL,"
                    " updated_ms BIGINT NOT NULL, sends INTEGER NOT NULL,"
                    " http_status INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL)"),
        {});
    run("CREATE INDEX IF NOT EXISTS report_journal_by_state ON report_journal (state, updated_ms)",
        {});
    tx.commit();
  }

  std::vector<ClaimResult> claim(const std::vector<std::string>& keys, const std::string& owner,
                                 std::int64_t now_ms, std::int64_t lease_until_ms,
                                 const std::function<void()>& in_transaction) override {
    Transaction tx(*this);
    std::vector<ClaimResult> results;
    const std::string now = std::to_string(now_ms), lease = std::to_string(lease_until_ms);
    for (const auto& key : keys) {
      ClaimResult result;
      Result inserted = run(std::string("INSERT INTO report_journal (") + kColumns +
                                ") VALUES ($1, 'claimed', 1, $2, $3, $4, $4, 0, 0, '', '')"
                                " ON CONFLICT (key) DO NOTHING",
                            {key, owner, lease, now});
      if (std::string(PQcmdTuples(inserted.get())) == "1") {
        result.claimed = true;
      } else {
        std::optional<JournalRow> row = select(key, " FOR UPDATE");
        switch (claim_action(row, now_ms)) {
          case ClaimAction::kInsert:  // deleted by a prune in between: nothing to decide on
          case ClaimAction::kNone:
            break;
          case ClaimAction::kTake:
            run("UPDATE report_journal SET state = 'claimed', generation = generation + 1,"
                " owner = $2, lease_until_ms = $3, updated_ms = $4 WHERE key = $1",
                {key, owner, lease, now});
            result.claimed = true;
            break;
          case ClaimAction::kLost:
            run("UPDATE report_journal SET state = 'unknown', updated_ms = $2, detail = $3"
                " WHERE key = $1",
                {key, now, lost_detail(row->owner)});
            break;
        }
      }
      auto row = select(key, "");
      if (!row) {
        throw JournalError(Kind::kUnavailable, "report journal (PostgreSQL): a claimed row vanished");
      }
      result.row = *row;
      results.push_back(std::move(result));
    }
    if (in_transaction) in_transaction();
    tx.commit();
    return results;
  }

  std::vector<bool> begin_send(const std::vector<std::pair<std::string, std::int64_t>>& held,
                               std::int64_t now_ms) override {
    Transaction tx(*this);
    std::vector<bool> done;
    for (const auto& [key, generation] : held) {
      Result r = run(
          "UPDATE report_journal SET state = 'sending', sends = sends + 1, updated_ms = $3"
          " WHERE key = $1 AND generation = $2 AND state = 'claimed'",
          {key, std::to_string(generation), std::to_string(now_ms)});
      done.push_back(std::string(PQcmdTuples(r.get())) == "1");
    }
    tx.commit();
    return done;
  }

  std::vector<bool> finish(const std::vector<Finish>& outcomes, std::int64_t now_ms) override {
    Transaction tx(*this);
    std::vector<bool> done;
    for (const auto& f : outcomes) {
      Result r = run(
          "UPDATE report_journal SET state = $3, http_status = $4, code = $5, detail = $6,"
          " updated_ms = $7, lease_until_ms = 0 WHERE key = $1 AND generation = $2"
          " AND state IN ('claimed', 'sending', 'unknown')",
          {f.key, std::to_string(f.generation), state_name(f.state), std::to_string(f.http_status),
           f.code, f.detail, std::to_string(now_ms)});
      done.push_back(std::string(PQcmdTuples(r.get())) == "1");
    }
    tx.commit();
    return done;
  }

  void renew(const std::vector<std::pair<std::string, std::int64_t>>& held,
             std::int64_t lease_until_ms) override {
    Transaction tx(*this);
    for (const auto& [key, generation] : held) {
      run("UPDATE report_journal SET lease_until_ms = $3 WHERE key = $1 AND generation = $2"
          " AND state IN ('claimed', 'sending')",
          {key, std::to_string(generation), std::to_string(lease_until_ms)});
    }
    tx.commit();
  }

  std::optional<JournalRow> get(const std::string& key) override {
    reconnect_if_broken();
    return select(key, "");
  }

  std::vector<JournalRow> unsettled(std::size_t limit) override {
    reconnect_if_broken();
    Result r = run(std::string("SELECT ") + kColumns +
                       " FROM report_journal WHERE state IN ('claimed', 'sending', 'unknown')"
                       " ORDER BY updated_ms LIMIT $1",
                   {std::to_string(limit)});
    std::vector<JournalRow> rows;
    for (int i = 0; i < PQntuples(r.get()); ++i) rows.push_back(row_at(r.get(), i));
    return rows;
  }

  bool settle(const std::string& key, JournalState state, const std::string& detail,
              std::int64_t now_ms) override {
    Transaction tx(*this);
    Result r = run(
        "UPDATE report_journal SET state = $2, detail = $3, updated_ms = $4"
        " WHERE key = $1 AND state IN ('unknown', 'not_sent')",
        {key, state_name(state), detail, std::to_string(now_ms)});
    bool done = std::string(PQcmdTuples(r.get())) == "1";
    tx.commit();
    return done;
  }

  std::size_t prune(std::int64_t before_ms, std::size_t limit) override {
    Transaction tx(*this);
    Result r = run(
        "DELETE FROM report_journal WHERE key IN (SELECT key FROM report_journal"
        " WHERE state IN ('sent', 'rejected', 'not_sent', 'unknown') AND updated_ms < $1"
        " ORDER BY updated_ms LIMIT $2)",
        {std::to_string(before_ms), std::to_string(limit)});
    auto n = static_cast<std::size_t>(std::stoull(PQcmdTuples(r.get())));
    tx.commit();
    return n;
  }

 private:
  struct Finish_ {
    void operator()(PGconn* c) const { PQfinish(c); }
  };

  class Transaction {
   public:
    explicit Transaction(PostgresStore& store) : store_(store) {
      store_.reconnect_if_broken();
      store_.run("BEGIN", {});
    }
    ~Transaction() {
      if (!done_ && PQstatus(store_.conn_.get()) == CONNECTION_OK) {
        PQclear(PQexec(store_.conn_.get(), "ROLLBACK"));
      }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      store_.run("COMMIT", {});
      done_ = true;
    }

   private:
    PostgresStore& store_;
    bool done_ = false;
  };

  // `message` without the password.
  std::string clean(std::string message) const {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    if (password_.empty()) return message;
    for (auto at = message.find(password_); at != std::string::npos;
         at = message.find(password_, at)) {
      message.replace(at, password_.size(), "[REDACTED]");
    }
    return message;
  }

  [[noreturn]] void fail_connection(const char* what) const {
    std::string reason = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    throw JournalError(Kind::kUnavailable,
                       std::string("report journal (PostgreSQL): ") + what + ": " + clean(reason));
  }

  void reconnect_if_broken() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("the connection is lost");
    durable_commits();
  }

  // A commit is acknowledged only once it is flushed to the server's WAL, whatever the server's
  // default: with asynchronous commit a claim acknowledged and then lost in a server crash would
  // let a key be sent twice.
  void durable_commits() { run("SET synchronous_commit TO on", {}); }

  Result run(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const auto& p : params) {
      values.push_back(p.c_str());
      lengths.push_back(static_cast<int>(p.size()));
    }
    Result r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                          values.data(), lengths.data(), nullptr, 0));
    ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (!r || PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("a statement failed");
      const char* sqlstate = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      throw JournalError(kind_of_sqlstate(sqlstate),
                         "report journal (PostgreSQL): a statement failed: " +
                             clean(PQresultErrorMessage(r.get())));
    }
    return r;
  }

  std::optional<JournalRow> select(const std::string& key, const char* suffix) {
    Result r = run(std::string("SELECT ") + kColumns + " FROM report_journal WHERE key = $1" +
                       suffix,
                   {key});
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

  std::string password_;
  std::unique_ptr<PGconn, Finish_> conn_;
};

}  // namespace

std::unique_ptr<JournalStore> open_postgres_store(const std::string& conninfo) {
  return std::make_unique<PostgresStore>(conninfo);
}

}  // namespace wix::backinstock::internal
