// Fuzzes webhook verification. The first byte picks the mode: even, the rest is a raw request body
// (header, payload and signature all attacker-chosen); odd, the rest is a claims payload that is
// validly signed with a key the verifier trusts, so the fuzzer reaches every check after the
// signature (expiry, nested JSON-in-string, the entity). Any exception other than `WebhookError`,
// or any crash, is a finding.

#include <cstddef>
#include <cstdint>
#include <string>

#include "webhook_signer.h"
#include "wix/backinstock/webhooks.h"

using namespace wix::backinstock;

namespace {
const emulator::WebhookSigner& signer() {
  static const auto s = emulator::WebhookSigner::generate();
  return s;
}
const webhooks::Verifier& verifier() {
  static const webhooks::Verifier v(signer().public_key_pem());
  return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body = data[0] % 2 == 0 ? rest : signer().sign(R"({"alg":"RS256"})", rest);
  try {
    auto event = verifier().verify(body);
    (void)event;
  } catch (const webhooks::WebhookError& e) {
    (void)e.what();
  }
  return 0;
}
