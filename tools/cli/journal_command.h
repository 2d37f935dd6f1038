#pragma once

// `wix-backinstock journal list|show|resolve|prune`: what an operator does with the report
// journal (see wix/backinstock/journal.h). Needs no API credentials: it reads and settles the
// journal only, and never sends a Report.

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>

namespace cli {

class JournalCommand {
 public:
  /// Adds `journal` and its subcommands to `app`.
  void add_to(CLI::App& app);
  bool parsed() const { return journal_->parsed(); }
  /// Runs the parsed subcommand; prints JSON on stdout. Throws `wix::backinstock::Error`s, and
  /// `std::invalid_argument` for a usage error (the journal not named, or named twice).
  void run() const;

 private:
  CLI::App* journal_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* resolve_ = nullptr;
  CLI::App* prune_ = nullptr;
  std::string sqlite_;
  std::string postgres_;
  std::string key_;
  bool sent_ = false;
  bool allow_resend_ = false;
  std::size_t limit_ = 1000;
  std::size_t retention_days_ = 30;
  std::size_t max_entries_ = 10000;
};

}  // namespace cli
