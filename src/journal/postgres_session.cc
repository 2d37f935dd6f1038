// One libpq session of the PostgreSQL journal (postgres_session.h).

#include "postgres_session.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "wix/backinstock/journal.h"

namespace wix::backinstock::internal {
namespace {

using Kind = JournalError::Kind;

Kind kind_of_sqlstate(const char* state) {
  std::string s = state == nullptr ? "" : state;
  if (s == "25006" || s == "42501") return Kind::kReadOnly;
  if (s == "53100" || s == "53200") return Kind::kFull;
  if (s == "XX001" || s == "XX002") return Kind::kCorrupt;
  return Kind::kUnavailable;
}

// A transaction PostgreSQL aborted to break a deadlock or a serialization conflict: run it again.
class Aborted : public JournalError {
 public:
  using JournalError::JournalError;
};

}  // namespace

PgSession::PgSession(const std::string& conninfo, int lock_timeout_ms)
    : lock_timeout_ms_(std::max(1, lock_timeout_ms)) {
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
    throw JournalError(
        Kind::kUnavailable,
        "report journal (PostgreSQL): the connection string is invalid: " + clean(reason));
  }
  conn_.reset(PQconnectdb(conninfo.c_str()));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("cannot connect");
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);  // not on our stderr
  session_settings();
}

void PgSession::run_again_if_aborted(const std::function<void()>& work) {
  for (int attempt = 1;; ++attempt) {
    try {
      work();
      return;
    } catch (const Aborted& e) {
      if (attempt == kMaxAttempts) throw JournalError(e.kind(), e.what());
    }
    std::uniform_int_distribution<int> pause_ms(1, 5 * attempt);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random_)));
  }
}

PgSession::Transaction::Transaction(PgSession& session)
    : session_(session), outer_(session.depth_ == 0) {
  if (outer_) {
    session_.reconnect_if_broken();
    session_.run("BEGIN", {});
  }
  ++session_.depth_;
}

PgSession::Transaction::~Transaction() {
  --session_.depth_;
  if (outer_ && !done_ && PQstatus(session_.conn_.get()) == CONNECTION_OK) {
    PQclear(PQexec(session_.conn_.get(), "ROLLBACK"));
  }
}

void PgSession::Transaction::commit() {
  if (outer_) {
    // A COMMIT of a transaction that failed is a ROLLBACK: check that it committed.
    Result r = session_.run("COMMIT", {});
    if (std::string(PQcmdStatus(r.get())) != "COMMIT") {
      throw JournalError(Kind::kUnavailable,
                         "report journal (PostgreSQL): a transaction was rolled back");
    }
  }
  done_ = true;
}

// `message` without the password.
std::string PgSession::clean(std::string message) const {
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

void PgSession::fail_connection(const char* what) const {
  std::string reason = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
  throw JournalError(Kind::kUnavailable,
                     std::string("report journal (PostgreSQL): ") + what + ": " + clean(reason));
}

void PgSession::reconnect_if_broken() {
  if (depth_ > 0) return;  // inside a transaction: a broken connection fails the statement
  if (PQstatus(conn_.get()) == CONNECTION_OK) return;
  PQreset(conn_.get());
  prepared_.clear();  // a new session: nothing is prepared in it
  if (PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("the connection is lost");
  session_settings();
}

// A commit is acknowledged only once it is flushed to the server's WAL, whatever the server's
// default: with asynchronous commit a claim acknowledged and then lost in a server crash would
// let a key be sent twice. A wait for a row lock ends after the lock timeout (a worker paused
// inside its claim holds no one else up for longer; the waiter fails closed, `kUnavailable`),
// and so does a transaction left idle (the paused worker's session ends, releasing its locks;
// its claim never commits).
void PgSession::session_settings() {
  const std::string ms = std::to_string(lock_timeout_ms_);
  run("SET synchronous_commit TO on; SET lock_timeout TO " + ms +
          "; SET idle_in_transaction_session_timeout TO " + ms,
      {});
}

Result PgSession::run(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const auto& p : params) {
    values.push_back(p.c_str());
    lengths.push_back(static_cast<int>(p.size()));
  }
  Result r;
  if (params.empty()) {
    r.reset(PQexec(conn_.get(), sql.c_str()));
  } else {
    // Statements with parameters are prepared once per connection (planned once).
    auto prepared = prepared_.find(sql);
    if (prepared == prepared_.end()) {
      std::string name = "wix_journal_" + std::to_string(prepared_.size());
      Result made(PQprepare(conn_.get(), name.c_str(), sql.c_str(), static_cast<int>(params.size()),
                            nullptr));
      if (!made || PQresultStatus(made.get()) != PGRES_COMMAND_OK) {
        if (!made || PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("a statement failed");
        throw JournalError(kind_of_sqlstate(PQresultErrorField(made.get(), PG_DIAG_SQLSTATE)),
                           "report journal (PostgreSQL): a statement failed: " +
                               clean(PQresultErrorMessage(made.get())));
      }
      prepared = prepared_.emplace(sql, name).first;
    }
    r.reset(PQexecPrepared(conn_.get(), prepared->second.c_str(), static_cast<int>(params.size()),
                           values.data(), lengths.data(), nullptr, 0));
  }
  ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    if (!r || PQstatus(conn_.get()) != CONNECTION_OK) fail_connection("a statement failed");
    const char* sqlstate = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    std::string message =
        "report journal (PostgreSQL): a statement failed: " + clean(PQresultErrorMessage(r.get()));
    std::string state = sqlstate == nullptr ? "" : sqlstate;
    if (state == "40P01" || state == "40001") throw Aborted(kind_of_sqlstate(sqlstate), message);
    throw JournalError(kind_of_sqlstate(sqlstate), message);
  }
  return r;
}

}  // namespace wix::backinstock::internal
