#pragma once

// One libpq session of the PostgreSQL journal: the connection (re-established when it broke),
// statements prepared once per session, transactions, and messages without the password.
// Internal to postgres_store.cc.

#include <libpq-fe.h>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace wix::backinstock::internal {

struct ClearResult {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

class PgSession {
 public:
  // Connects (throws `JournalError` kUnavailable, the password never in its message) and sets
  // the session's settings, bounded by `lock_timeout_ms`.
  PgSession(const std::string& conninfo, int lock_timeout_ms);

  // Runs `sql` with `params` (prepared once per session when there are any); throws
  // `JournalError` of the kind the SQLSTATE says.
  Result run(const std::string& sql, const std::vector<std::string>& params);

  // Transactions that change many rows (a group's steps, the renewal of every lease held, a
  // prune) can deadlock with another journal's touching the same rows in another order;
  // PostgreSQL then aborts one (40P01), as it may for a serialization failure (40001). Nothing of
  // an aborted transaction was committed, so `work` runs again, a few times, after a short random
  // pause.
  void run_again_if_aborted(const std::function<void()>& work);

  // Outside a transaction, re-establishes a connection that broke (throws kUnavailable when it
  // cannot); inside one, a broken connection fails the statement.
  void reconnect_if_broken();

  // BEGIN ... COMMIT, rolled back when left by an exception; inside another one, part of it.
  class Transaction {
   public:
    explicit Transaction(PgSession& session);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    PgSession& session_;
    bool outer_;
    bool done_ = false;
  };

 private:
  struct CloseConnection {
    void operator()(PGconn* c) const { PQfinish(c); }
  };

  // `message` without the password.
  std::string clean(std::string message) const;
  [[noreturn]] void fail_connection(const char* what) const;
  void session_settings();

  static constexpr int kMaxAttempts = 10;
  int lock_timeout_ms_;
  std::string password_;
  std::unique_ptr<PGconn, CloseConnection> conn_;
  std::minstd_rand random_{std::random_device{}()};
  int depth_ = 0;                                // transactions open (only the outermost is real)
  std::map<std::string, std::string> prepared_;  // statement -> its name in this session
};

}  // namespace wix::backinstock::internal
