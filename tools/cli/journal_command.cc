#include "journal_command.h"

#include <ctime>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "wix/backinstock/journal.h"

namespace cli {
namespace {

namespace bis = wix::backinstock;
using nlohmann::ordered_json;

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

ordered_json to_json(const bis::JournalEntry& e) {
  return {{"key", e.key},
          {"outcome", bis::to_string(e.outcome)},
          {"owner", e.owner},
          {"sends", e.sends},
          {"httpStatus", e.http_status},
          {"code", e.code},
          {"detail", e.detail},
          {"created", iso_time(e.created)},
          {"updated", iso_time(e.updated)}};
}

}  // namespace

void JournalCommand::add_to(CLI::App& app) {
  journal_ = app.add_subcommand(
      "journal", "see and settle the report journal (unknown and in-progress reports)");
  journal_->require_subcommand(1, 1);
  journal_->add_option("--sqlite", sqlite_, "the journal's SQLite file")
      ->envname("WIX_JOURNAL_SQLITE");
  journal_->add_option("--postgres", postgres_, "the journal's PostgreSQL connection string")
      ->envname("WIX_JOURNAL_POSTGRES");
  list_ = journal_->add_subcommand("list", "entries that are unknown or in progress, oldest first");
  list_->add_option("--limit", limit_, "at most this many (default 1000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  show_ = journal_->add_subcommand("show", "one key's entry");
  show_->add_option("key", key_, "the restock event's key")->required();
  resolve_ = journal_->add_subcommand(
      "resolve", "settle an unknown entry: --sent (it went out) or --allow-resend (it did not)");
  resolve_->add_option("key", key_, "the restock event's key")->required();
  auto* sent = resolve_->add_flag("--sent", sent_, "the Report went out: never send it");
  auto* resend = resolve_->add_flag("--allow-resend", allow_resend_,
                                    "it did not go out: the next report of the key sends it");
  sent->excludes(resend);
  prune_ = journal_->add_subcommand(
      "prune",
      "remove sent, rejected and not_sent entries older than the retention; unknown and "
      "in-progress entries are never removed (settle them with resolve first)");
  prune_->add_option("--retention-days", retention_days_, "keep this many days (default 30)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{36500}));
  prune_->add_option("--max", max_entries_, "remove at most this many (default 10000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000000}));
  // --sqlite and --postgres may follow the subcommand too.
  for (auto* c : {list_, show_, resolve_, prune_}) c->fallthrough();
}

void JournalCommand::run() const {
  if (sqlite_.empty() == postgres_.empty()) {
    throw std::invalid_argument(
        "journal needs exactly one of --sqlite PATH and --postgres CONNINFO (or "
        "WIX_JOURNAL_SQLITE / WIX_JOURNAL_POSTGRES)");
  }
  if (resolve_->parsed() && sent_ == allow_resend_) {
    throw std::invalid_argument("journal resolve needs --sent or --allow-resend");
  }
  bis::JournalOptions options;
  options.retention = std::chrono::hours(24) * static_cast<long>(retention_days_);
  auto journal = sqlite_.empty() ? bis::ReportJournal::postgres(postgres_, options)
                                 : bis::ReportJournal::sqlite(sqlite_, options);
  ordered_json out;
  if (list_->parsed()) {
    ordered_json entries = ordered_json::array();
    for (const auto& e : journal.unsettled(limit_)) entries.push_back(to_json(e));
    out = {{"entries", entries}};
  } else if (show_->parsed()) {
    auto entry = journal.find(key_);
    if (!entry) {
      throw bis::JournalError(bis::JournalError::Kind::kNotFound,
                              "report journal: no entry for this key");
    }
    out = to_json(*entry);
  } else if (resolve_->parsed()) {
    out = to_json(
        journal.resolve(key_, sent_ ? bis::Resolution::kMarkSent : bis::Resolution::kAllowResend));
  } else if (prune_->parsed()) {
    out = {{"removed", journal.prune(max_entries_)}};
  }
  std::cout << out.dump(2) << "\n";
}

}  // namespace cli
