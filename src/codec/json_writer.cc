#include "json_writer.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wix::backinstock::internal {

namespace {

// Whether one of the 16 bytes at `p` is a character JSON must escape (a control character, `"` or
// `\`): the mask of those bytes, one bit each.
#if defined(__SSE2__)
unsigned escapes16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i slash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  // Unsigned v <= 0x1F exactly when min(v, 0x1F) == v.
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, slash), control)));
}
#else
unsigned escapes16(const char* p) {
  unsigned mask = 0;
  for (unsigned i = 0; i < 16; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\') mask |= 1U << i;
  }
  return mask;
}
#endif

// The index of the first character of `text` at or after `from` that JSON must escape, or
// `text.size()`. Sixteen bytes at a time; the last partial block is scanned from a copy padded
// with a character that needs no escape. Most text has none.
std::size_t next_escape(std::string_view text, std::size_t from) {
  std::size_t i = from;
  for (; i + 16 <= text.size(); i += 16) {
    if (unsigned mask = escapes16(text.data() + i)) {
      return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
  }
  if (i == text.size()) return i;
  char tail[16];
  std::memset(tail, 'a', sizeof tail);
  std::memcpy(tail, text.data() + i, text.size() - i);
  if (unsigned mask = escapes16(tail)) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  return text.size();
}

}  // namespace

void JsonWriter::grow(std::size_t n) {
  std::size_t want = size_ + n;
  std::size_t next = out_.size() * 2;
  out_.resize(next > want ? next : want);
}

void JsonWriter::quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t i = next_escape(text, 0);
  if (i == text.size()) {  // nothing to escape: one copy between the quotes
    char* p = room(text.size() + 2);
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p[text.size()] = '"';
    size_ += text.size() + 2;
    return;
  }
  *room(1) = '"';
  ++size_;
  std::size_t run = 0;  // start of the pending run of characters that need no escape
  for (; i < text.size(); i = next_escape(text, i + 1)) {
    auto c = static_cast<unsigned char>(text[i]);
    append(text.data() + run, i - run);
    run = i + 1;
    char* p = room(6);
    p[0] = '\\';
    switch (c) {
      case '"':
      case '\\':
        p[1] = static_cast<char>(c);
        break;
      case '\b':
        p[1] = 'b';
        break;
      case '\f':
        p[1] = 'f';
        break;
      case '\n':
        p[1] = 'n';
        break;
      case '\r':
        p[1] = 'r';
        break;
      case '\t':
        p[1] = 't';
        break;
      default:
        p[1] = 'u';
        p[2] = '0';
        p[3] = '0';
        p[4] = kHex[c >> 4];
        p[5] = kHex[c & 0xF];
        size_ += 4;
    }
    size_ += 2;
  }
  append(text.data() + run, text.size() - run);
  *room(1) = '"';
  ++size_;
}

}  // namespace wix::backinstock::internal
