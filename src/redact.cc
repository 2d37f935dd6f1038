#include "redact.h"

namespace wix::backinstock::internal {

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + sizeof(kRedacted) - 1)) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

}  // namespace wix::backinstock::internal
