#include "redact.h"

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "encoding.h"

namespace wix::backinstock::internal {

namespace {

// The byte `count` hex digits at `text[at]` spell, or -1.
int hex_at(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    int digit = hex_value(text[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// The JSON short escape letter of `c` (`n` for a line feed...), or 0.
char short_escape(char c) {
  switch (c) {
    case '"':
    case '/':
      return c;
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return 0;
  }
}

// The length of an HTML character reference at `text[at]` (`&#43;`, `&#x2B;`, `&amp;`...) that
// stands for the byte `want`, or 0.
std::size_t html_reference_at(std::string_view text, std::size_t at, char want) {
  static constexpr std::array<std::pair<std::string_view, char>, 5> kNamed = {
      {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
  for (const auto& [name, c] : kNamed) {
    if (c == want && text.substr(at, name.size()) == name) return name.size();
  }
  if (text.substr(at, 2) != "&#") return 0;
  std::size_t pos = at + 2;
  const bool hex = pos < text.size() && (text[pos] == 'x' || text[pos] == 'X');
  if (hex) ++pos;
  long value = 0;
  const std::size_t digits = pos;
  while (pos < text.size() && pos - digits < 8) {
    int digit =
        hex ? hex_value(text[pos]) : (text[pos] >= '0' && text[pos] <= '9' ? text[pos] - '0' : -1);
    if (digit < 0) break;
    value = value * (hex ? 16 : 10) + digit;
    ++pos;
  }
  if (pos == digits || pos >= text.size() || text[pos] != ';') return 0;
  return value == static_cast<unsigned char>(want) ? pos + 1 - at : 0;
}

// How many bytes of `text` from `at` spell the byte `want`: itself; percent-encoded (`%2B`, any
// case), `+` for a space; JSON-escaped behind one or more backslashes (`\u002B`, `\\u002b`, `\/`,
// `\\/`, `\n`); an HTML character reference (`&#43;`, `&#x2B;`, `&gt;`); or 0 when none does.
std::size_t spelling_at(std::string_view text, std::size_t at, char want) {
  const char c = text[at];
  if (c == want) return want == '\\' && at + 1 < text.size() && text[at + 1] == '\\' ? 2 : 1;
  if (c == '%') return hex_at(text, at + 1, 2) == static_cast<unsigned char>(want) ? 3 : 0;
  if (c == '&') return html_reference_at(text, at, want);
  if (c == '+' && want == ' ') return 1;
  if (c != '\\') return 0;
  std::size_t escape = at;
  while (escape < text.size() && text[escape] == '\\') ++escape;
  if (escape >= text.size()) return 0;
  if (text[escape] == 'u' && hex_at(text, escape + 1, 4) == static_cast<unsigned char>(want)) {
    return escape + 5 - at;
  }
  char letter = short_escape(want);
  if (letter != 0 && text[escape] == letter) return escape + 1 - at;
  return 0;
}

// The length of a spelling of `secret` starting at `text[at]`, or 0.
std::size_t match_at(std::string_view text, std::size_t at, std::string_view secret) {
  std::size_t pos = at;
  for (char want : secret) {
    if (pos >= text.size()) return 0;
    std::size_t n = spelling_at(text, pos, want);
    if (n == 0) return 0;
    pos += n;
  }
  return pos - at;
}

bool is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Below this length a secret (a dummy key in a test, say) is redacted only where it stands as a
// whole token, so that ordinary words around it are not shredded; real keys and tokens are far
// longer and are redacted wherever they appear.
constexpr std::size_t kWholeTokenBelow = 8;

// Every spelling of `secret` in `text` replaced by kRedacted.
std::string redact_spellings(std::string_view text, std::string_view secret) {
  const bool whole_token = secret.size() < kWholeTokenBelow;
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t n = match_at(text, at, secret);
    if (n != 0 && whole_token &&
        ((at > 0 && is_word(text[at - 1])) || (at + n < text.size() && is_word(text[at + n])))) {
      n = 0;
    }
    if (n == 0) {
      ++at;
      continue;
    }
    out.append(text, copied, at - copied).append(kRedacted);
    at += n;
    copied = at;
  }
  if (copied == 0) return std::string(text);
  out.append(text, copied, std::string_view::npos);
  return out;
}

// The parts of the base64 spellings of `secret` that depend on its bytes alone, at each of the
// three alignments it can have inside a longer encoded value, in both alphabets.
std::vector<std::string> base64_cores(std::string_view secret) {
  std::vector<std::string> cores;
  for (std::size_t lead = 0; lead < 3; ++lead) {
    std::string data(lead, '\0');
    data.append(secret);
    data.append(2, '\0');
    std::string url = base64url_encode(data);
    // Character j covers bits [6j, 6j + 6); the secret's bits are [8 lead, 8 (lead + size)).
    const std::size_t first = (8 * lead + 5) / 6;
    const std::size_t last = (8 * (lead + secret.size())) / 6;  // one past
    if (last <= first + 4) continue;
    std::string core = url.substr(first, last - first);
    std::string standard = core;
    for (auto& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
    cores.push_back(core);
    if (standard != core) cores.push_back(standard);
  }
  return cores;
}

}  // namespace

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    text = redact_spellings(text, secret);
    if (secret.size() >= kWholeTokenBelow) {
      // The base64 of the secret, in any of the spellings above too (percent-encoded, JSON- or
      // HTML-escaped): an encoding inside an encoding.
      for (const auto& core : base64_cores(secret)) text = redact_spellings(text, core);
    }
  }
  return text;
}

}  // namespace wix::backinstock::internal
