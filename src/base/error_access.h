#pragma once

// Lets the client annotate an error with the call's attempts before it leaves. Internal.

#include <string>

#include "wix/backinstock/errors.h"

namespace wix::backinstock::internal {

struct ErrorAccess {
  /// Records how many attempts were made and why retrying stopped (shown in `what()`).
  static void annotate(Error& error, int attempts, std::string reason);
  /// Says what failed when it was not the call's own request (shown first in `what()`), e.g.
  /// "token request to /oauth2/token failed".
  static void set_context(Error& error, const std::string& context);
};

}  // namespace wix::backinstock::internal
