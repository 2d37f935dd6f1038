#pragma once

// Injected faults: parsed from `POST /_emulator/faults` bodies, queued, and taken by the requests
// they match. How each kind is acted out on a connection is the HTTP server's part
// (`http_server.cc`). Thread-safe.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "replies.h"
#include "wix/backinstock/testing/emulator_options.h"

namespace wix::backinstock::emulator::detail {

/// A fault from its JSON form (`{"kind": "status", "status": 503, "times": 2, ...}`), or nullopt
/// when any field is unknown or out of range.
std::optional<Fault> fault_from_json(const json& j);

class FaultQueue {
 public:
  void push(Fault fault);
  void clear();
  /// The first fault matching `method` and `path` (by suffix), used up by one; `close_after_read`
  /// applies only to a reused connection. Paths under `/_emulator/` are never faulted.
  std::optional<Fault> take(const std::string& method, const std::string& path,
                            bool reused_connection);

 private:
  std::mutex mutex_;
  std::vector<Fault> faults_;
};

}  // namespace wix::backinstock::emulator::detail
