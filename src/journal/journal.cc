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

#include "journal_impl.h"
#include "validation.h"

namespace wix::backinstock {

namespace internal {

using Kind = JournalError::Kind;

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

namespace {
using Clock = std::chrono::system_clock;
}  // namespace

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
  if (!is_valid_utf8(key)) throw JournalError(Kind::kInvalidKey, "journal key: is not valid UTF-8");
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
Finish classify(const std::string& key, std::int64_t generation, const std::exception_ptr& error) {
  Finish f{key, generation, JournalState::kSent, 200, "", "", true, ""};
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
  } catch (const CredentialsError& e) {
    // The token request failed, whatever its endpoint answered (a 4xx of it included): the
    // Report was never written, so the key goes out once the credentials work again.
    f.http_status = 0;
    f.detail = e.what();
    f.state = JournalState::kNotSent;
    f.left = false;
  } catch (const TransportError& e) {
    f.http_status = 0;
    f.detail = e.what();
    f.state = e.may_have_reached_server() ? JournalState::kUnknown : JournalState::kNotSent;
    f.left = e.may_have_reached_server();
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

std::string late_note(const std::string& owner, const Finish& finish) {
  std::string note = "; the worker " + owner +
                     " answered after its claim was given up: " + state_name(finish.state);
  if (finish.http_status != 0) note += " (HTTP " + std::to_string(finish.http_status) + ")";
  if (!finish.left) note += ", nothing was sent";
  return note;
}

Finish lease_lost(const std::string& key, std::int64_t generation) {
  Finish f{key, generation, JournalState::kNotSent, 0, "", "", false, ""};
  f.detail =
      "the claim's lease ran out before the send (the worker was paused, or could not renew it): "
      "nothing was sent";
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
JournalEntry recorded_entry(const JournalRow& claimed, const Finish& finish,
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

}  // namespace internal

namespace {

using internal::check_key;
using internal::classify;
using internal::entry_of;
using internal::JournalState;
using internal::kMaxKeyBytes;
using internal::Op;
using internal::outcome_of;
using internal::recorded_entry;
using Kind = JournalError::Kind;

// A claim whose lease ran out, by this worker's own clock, before its Report left: nothing is
// sent. Its entry becomes `not_sent` when the claim is still this worker's in the journal (the
// next caller sends it); otherwise what others made of it stands and is returned.
JournaledReport give_up_before_send(internal::JournalCore& d, const std::string& key,
                                    std::int64_t generation) {
  d.release(key);
  Op lost;
  lost.kind = Op::kFinish;
  lost.key = key;
  lost.finish = internal::lease_lost(key, generation);
  try {
    d.run(lost);
  } catch (const JournalError&) {
    // The journal cannot be written (why the lease was not renewed, perhaps): the claim lapses
    // for the next caller, or ends unknown if it was sending. Nothing was sent.
  }
  internal::JournalCore::Lease store(d);
  auto row = store->get(key);
  if (!row) return {ReportOutcome::kNotSent, false, JournalEntry{}};
  JournaledReport result{outcome_of(row->state), false, entry_of(*row)};
  if (row->generation == generation &&
      (row->state == JournalState::kClaimed || row->state == JournalState::kSending)) {
    result.outcome = ReportOutcome::kNotSent;  // not written: the claim lapses all the same
    result.entry.detail = lost.finish.detail;
  }
  return result;
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

ReportJournal::ReportJournal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReportJournal::ReportJournal(ReportJournal&&) noexcept = default;
ReportJournal& ReportJournal::operator=(ReportJournal&&) noexcept = default;
ReportJournal::~ReportJournal() = default;

ReportJournal ReportJournal::sqlite(const std::string& path, JournalOptions options) {
  // One connection: SQLite commits one writer at a time anyway.
  std::vector<std::unique_ptr<internal::JournalStore>> stores;
  stores.push_back(
      internal::open_sqlite_store(path, static_cast<int>(options.lock_timeout.count())));
  return ReportJournal(std::make_unique<Impl>(std::move(stores), std::move(options)));
}

ReportJournal ReportJournal::postgres(const std::string& conninfo, JournalOptions options) {
#ifdef WIX_BACKINSTOCK_JOURNAL_POSTGRES
  std::vector<std::unique_ptr<internal::JournalStore>> stores;
  for (int i = 0; i < std::max(1, options.connections); ++i) {
    stores.push_back(
        internal::open_postgres_store(conninfo, static_cast<int>(options.lock_timeout.count())));
  }
  return ReportJournal(std::make_unique<Impl>(std::move(stores), std::move(options)));
#else
  (void)conninfo;
  (void)options;
  throw JournalError(Kind::kUnavailable,
                     "report journal: this build has no PostgreSQL support "
                     "(WIX_BACKINSTOCK_JOURNAL_POSTGRES=OFF)");
#endif
}

namespace {

JournaledReport report_through(internal::JournalCore& d, Client& client, const std::string& key,
                               const ReportItemsBackInStockRequest& request,
                               const CallOptions& options) {
  auto wait_until = std::chrono::steady_clock::now() + d.options().in_progress_wait;
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
  if (!d.lease_alive(key, generation)) return give_up_before_send(d, key, generation);
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
  if (!begin.ok) {  // the lease ran out (another may have taken the key): its outcome stands
    d.release(key);
    return d.as_recorded(key, false);
  }
  d.step(JournalStep::kSending, key);
  // The last moment before the Report leaves: a lease that ran out meanwhile (this worker was
  // paused) may have been given up for lost, and an operator may have allowed a resend.
  if (!d.lease_alive(key, generation)) return give_up_before_send(d, key, generation);
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
  finish.finish.late_note = internal::late_note(d.options().owner, finish.finish);
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
  // Fenced out: another worker gave the claim up for lost while this one sent, and its entry
  // (or what an operator made of it) stands, with this worker's answer noted in its detail.
  if (!finish.ok) return d.as_recorded(key, finish.finish.left);
  d.step(JournalStep::kRecorded, key);
  return {result, finish.finish.left,
          recorded_entry(claim.claim.row, finish.finish, d.options().owner)};
}

}  // namespace

JournaledReport ReportJournal::report(Client& client, const std::string& key,
                                      const ReportItemsBackInStockRequest& request,
                                      const CallOptions& options) {
  check_key(key);
  JournaledReport result = report_through(*impl_, client, key, request, options);
  impl_->observe(result);
  return result;
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
  if (!store->settle(key, sent ? JournalState::kSent : JournalState::kNotSent, detail)) {
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
  auto retention =
      std::chrono::duration_cast<std::chrono::milliseconds>(impl_->options().retention);
  return store->prune(retention.count(), max_entries);
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
