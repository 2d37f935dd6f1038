#include "json_writer.h"

#include <cstdint>
#include <cstring>

namespace wix::backinstock::internal {

namespace {

// The index of the first character of `text` at or after `from` that JSON must escape (a control
// character, `"` or `\`), or `text.size()`. Eight bytes at a time: most text has none.
std::size_t next_escape(std::string_view text, std::size_t from) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::size_t i = from;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t v;
    std::memcpy(&v, text.data() + i, 8);
    std::uint64_t quote = v ^ (kOnes * '"');
    std::uint64_t slash = v ^ (kOnes * '\\');
    std::uint64_t hit =
        ((v - kOnes * 0x20) & ~v) | ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash);
    if ((hit & kHigh) != 0) break;  // one of these eight (or a false alarm): look at each
  }
  for (; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return text.size();
}

}  // namespace

void JsonWriter::quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  std::size_t run = 0;  // start of the pending run of characters that need no escape
  for (std::size_t i = next_escape(text, 0); i < text.size(); i = next_escape(text, i + 1)) {
    auto c = static_cast<unsigned char>(text[i]);
    out_.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default:
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xF];
    }
  }
  out_.append(text.data() + run, text.size() - run);
  out_ += '"';
}

}  // namespace wix::backinstock::internal
