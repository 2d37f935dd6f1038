#pragma once

// Request framing as RFC 9112 sets it, decided before cpp-httplib sees a byte: the request line,
// the header fields, and how the body is delimited. A head that is ambiguous or malformed is
// refused with a status and a reason, and the connection closes after the answer; cpp-httplib is
// handed only heads it cannot misread (one `Content-Length`, no `Transfer-Encoding`: chunked
// bodies are decoded here, within the body limit). Pure functions on bytes, so that unit tests
// and the fuzz target reach every rule without a socket.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wix::backinstock::emulator::detail {

/// One request head, as parsed.
struct RequestHead {
  std::size_t skipped = 0;    ///< empty lines before the request line (ignored, RFC 9112 §2.2)
  std::size_t length = 0;     ///< bytes of the head from the request line to its blank line
  std::string method;         ///< as received
  std::string target;         ///< as received
  std::string origin_target;  ///< the target in origin form (absolute form converted)
  int minor_version = 1;      ///< HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  ///< every field, in order
  bool keep_alive = true;                                    ///< false: close after the answer
  bool chunked = false;  ///< the body is chunked (decoded by `decode_chunked`)
  std::size_t content_length = 0;
  int refuse_status = 0;  ///< 400, 413, 414, 431, 501 or 505: answer it and close
  std::string problem;    ///< why, for the error message
};

struct FramingLimits {
  std::size_t max_target_bytes;
  std::size_t max_header_bytes;
  std::size_t max_body_bytes;
};

/// ASCII case-insensitive equality (field names, tokens).
bool iequals(std::string_view a, std::string_view b);

/// Where the head at the start of `bytes` ends: the index just past its blank line (leading empty
/// lines included), or npos when it is not complete yet.
std::size_t head_end(std::string_view bytes);

/// Parses the complete head `bytes[0, head_end(bytes))`. Never throws for any input.
RequestHead parse_head(std::string_view bytes, const FramingLimits& limits);

/// Whether `value` is a valid Host field value (RFC 9112 §3.2, RFC 3986 §3.2.2): a reg-name, an
/// IPv4 address or a bracketed IP literal, then an optional `:port` of digits; empty is valid.
bool valid_host(std::string_view value);

/// Decodes a chunked body as it arrives, looking at each byte once (chunk sizes in hex digits
/// only, chunk extensions checked and ignored, CRLF after each chunk's data, trailer fields checked
/// and dropped). Refuses with 413 as soon as the decoded size would exceed `max_body_bytes`, with
/// 400 when the chunk extensions of the body together exceed `max_framing_bytes`, and with 431
/// when its trailer section does.
class ChunkedDecoder {
 public:
  enum class State { kNeedMore, kDone, kRefused };

  ChunkedDecoder(std::size_t max_body_bytes, std::size_t max_framing_bytes);

  /// Takes the next bytes of the body (those after what earlier calls took); returns how many it
  /// took: all of them until the body ends (kDone), whose last byte is the last one taken.
  std::size_t feed(std::string_view bytes);
  State state() const noexcept { return state_; }
  /// The decoded data so far (the whole body once kDone).
  std::string& body() noexcept { return body_; }
  int refuse_status() const noexcept { return refuse_status_; }  ///< 400, 413 or 431 (kRefused)
  const std::string& problem() const noexcept { return problem_; }

 private:
  enum class Part { kSizeLine, kData, kDataEnd, kTrailer };
  void refuse(int status, const char* problem);
  void end_of_line();  // `line_` holds a complete line of the current part, without its CRLF

  std::size_t max_body_;
  std::size_t max_framing_;
  State state_ = State::kNeedMore;
  Part part_ = Part::kSizeLine;
  std::string line_;            // the line being read (size line, trailer field)
  std::size_t remaining_ = 0;   // of the current chunk's data
  std::size_t extensions_ = 0;  // bytes of chunk extensions so far
  std::size_t trailers_ = 0;    // bytes of the trailer section so far
  std::string body_;
  int refuse_status_ = 0;
  std::string problem_;
};

/// The result of decoding a chunked body from the start of `bytes`.
struct ChunkedBody {
  using State = ChunkedDecoder::State;
  State state = State::kNeedMore;
  std::string body;          ///< the decoded data (when kDone)
  std::size_t consumed = 0;  ///< bytes of `bytes` the chunked body took (when kDone)
  int refuse_status = 0;     ///< 400, 413 or 431 (when kRefused)
  std::string problem;
};

/// Chunk extensions and trailer sections are bounded as a head is (64 KiB).
inline constexpr std::size_t kMaxChunkFramingBytes = std::size_t{64} << 10;

/// `ChunkedDecoder` over all of `bytes` at once (extensions and trailers bounded by
/// `kMaxChunkFramingBytes`).
ChunkedBody decode_chunked(std::string_view bytes, std::size_t max_body_bytes);

}  // namespace wix::backinstock::emulator::detail
