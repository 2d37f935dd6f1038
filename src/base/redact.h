#pragma once

// Removal of credentials from text that may reach a log or an exception message. Internal.

#include <string>
#include <vector>

namespace wix::backinstock::internal {

inline constexpr char kRedacted[] = "[REDACTED]";

/// Replaces every occurrence of every non-empty secret in `text` with "[REDACTED]".
std::string redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace wix::backinstock::internal
