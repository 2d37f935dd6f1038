#pragma once

// Runs journal_worker processes for the journal's crash and fleet tests: starts one on a feed,
// reads its acknowledgements, kills it with SIGKILL when asked, and reads the emulator's outbox.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace wix::backinstock::journal_test {

inline std::string temp_dir() {
  char pattern[] = "/tmp/journal-crash-XXXXXX";
  const char* dir = mkdtemp(pattern);
  return dir != nullptr ? dir : "/tmp";
}

/// A feed file: one key per line.
struct Feed {
  Feed(std::string file, const std::vector<std::string>& keys) : path(std::move(file)) {
    std::ofstream out(path);
    for (const auto& k : keys) out << k << "\n";
  }
  std::string path;
};

struct Ack {
  long index = 0;
  std::string key;
  std::string outcome;
};

/// What one worker process did.
struct WorkerRun {
  bool killed = false;  ///< ended by SIGKILL
  int exit_code = -1;   ///< when it exited
  std::vector<Ack> acks;
  long last_index = -1;  ///< the last feed line it answered for (ack or journal error)
  int journal_errors = 0;
  std::set<long> answered;  ///< every feed line it answered for

  /// Where a queue that delivers at least once starts again: the first line from `from` on that
  /// was not answered (a stream answers out of order).
  long redeliver_from(long from) const {
    while (answered.count(from) != 0) ++from;
    return from;
  }
};

class WorkerProcess {
 public:
  /// `prefix`: a command that runs the worker (e.g. `faketime +2h`), or none.
  static WorkerProcess start(const std::string& journal, const std::string& url,
                             const std::string& feed, long from, long lease_ms, long wait_ms,
                             const std::string& crash, const std::string& mode = "report",
                             const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> args = prefix;
    for (const std::string& a :
         {std::string(JOURNAL_WORKER), journal, url, feed, std::to_string(from),
          std::to_string(lease_ms), std::to_string(wait_ms), crash, mode}) {
      args.push_back(a);
    }
    int out[2];
    if (pipe(out) != 0) std::abort();
    pid_t pid = fork();
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    return WorkerProcess(pid, out[0]);
  }

  pid_t pid() const { return pid_; }

  /// Waits until the worker stopped itself (SIGSTOP, crash mode `stop:STEP:KEY`); false when it
  /// did not within `bound`.
  bool wait_until_stopped(std::chrono::milliseconds bound = std::chrono::seconds(30)) const {
    auto until = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
      std::string pid_text, name, state;
      stat >> pid_text >> name >> state;  // the name has no spaces: journal_worker
      if (state == "T" || state == "t") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  /// Lets a stopped worker go on.
  void resume() const { kill(pid_, SIGCONT); }

  /// start() and finish().
  static WorkerRun run(const std::string& journal, const std::string& url, const std::string& feed,
                       long from, long lease_ms, long wait_ms, const std::string& crash,
                       std::optional<std::chrono::milliseconds> kill_after = std::nullopt) {
    return start(journal, url, feed, from, lease_ms, wait_ms, crash).finish(kill_after);
  }

  WorkerProcess(WorkerProcess&& o) noexcept : pid_(o.pid_), fd_(o.fd_) {
    o.pid_ = -1;
    o.fd_ = -1;
  }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  ~WorkerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }

  /// When to SIGKILL a worker: `after` this long from finish(), or once it acknowledged `acks`
  /// lines and then `after` more (a point that moves with its speed, so that a slow build, such as
  /// a sanitized one, still makes progress between kills).
  struct Kill {
    std::chrono::milliseconds after{0};
    std::size_t acks = 0;
  };

  /// Reads its output until it ends; with `kill_after`, SIGKILLs it that long after this call.
  WorkerRun finish(std::optional<std::chrono::milliseconds> kill_after = std::nullopt) {
    if (!kill_after) return finish_with(std::nullopt);
    return finish_with(Kill{*kill_after, 0});
  }

  WorkerRun finish_with(std::optional<Kill> kill_at_point) {
    using Clock = std::chrono::steady_clock;
    auto kill_at = Clock::time_point::max();
    if (kill_at_point && kill_at_point->acks == 0) kill_at = Clock::now() + kill_at_point->after;
    std::string buffer;
    std::size_t acks = 0;
    bool sent_kill = false;
    for (;;) {
      int timeout = 1000;
      if (!sent_kill && kill_at != Clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - Clock::now());
        if (left.count() <= 0) {
          kill(pid_, SIGKILL);
          sent_kill = true;
        } else {
          timeout = static_cast<int>(left.count());
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout) <= 0) continue;
      char chunk[4096];
      ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (kill_at_point && kill_at_point->acks > 0 && kill_at == Clock::time_point::max()) {
        for (ssize_t i = 0; i < n; ++i) acks += chunk[i] == '\n' ? 1 : 0;
        if (acks >= kill_at_point->acks) kill_at = Clock::now() + kill_at_point->after;
      }
    }
    WorkerRun run;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    run.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    std::istringstream lines(buffer);
    std::string line;
    while (std::getline(lines, line)) {  // a last line cut by the kill has no newline: skipped
      if (lines.eof()) break;
      std::istringstream words(line);
      std::string what;
      words >> what;
      if (what == "ack") {
        Ack ack;
        words >> ack.index >> ack.key >> ack.outcome;
        run.last_index = std::max(run.last_index, ack.index);
        run.answered.insert(ack.index);
        run.acks.push_back(ack);
      } else if (what == "journal-error") {
        long index = 0;
        words >> index;
        run.last_index = std::max(run.last_index, index);
        run.answered.insert(index);
        ++run.journal_errors;
      }
    }
    return run;
  }

 private:
  WorkerProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  pid_t pid_;
  int fd_;
};

/// Reports in the emulator's outbox per `eventKey` template parameter.
inline std::map<std::string, int> reports_received(const std::string& outbox_json) {
  std::map<std::string, int> counts;
  auto outbox = nlohmann::json::parse(outbox_json);
  for (const auto& report : outbox["reports"]) {
    const auto& t = report["template"];
    if (t.contains("eventKey")) ++counts[t["eventKey"].get<std::string>()];
  }
  return counts;
}

}  // namespace wix::backinstock::journal_test
