#include "framing.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace wix::backinstock::emulator::detail {

namespace {

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// A field value: visible characters, spaces, tabs and obs-text; no CR, LF, NUL or other control.
bool is_field_value(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || u >= 0x20 ? u != 0x7f : false;
  });
}

// A request target: no control character, no space.
bool is_target(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

bool is_unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

bool is_sub_delim(char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated elements of a field value, trimmed, empty ones dropped.
std::vector<std::string_view> elements(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

RequestHead refused(RequestHead head, int status, std::string problem) {
  head.refuse_status = status;
  head.problem = std::move(problem);
  head.keep_alive = false;
  return head;
}

// The origin form of an absolute-form target (`http://host:port/path?query`), or empty.
std::string origin_of_absolute(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      auto rest = target.substr(scheme.size());
      auto start = rest.find_first_of("/?");
      if (start == 0) return "";  // no authority
      if (start == std::string_view::npos) return "/";
      std::string out(rest.substr(start));
      if (out.front() == '?') out.insert(out.begin(), '/');
      return out;
    }
  }
  return "";
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::size_t head_end(std::string_view bytes) {
  std::size_t start = 0;
  while (bytes.substr(start, 2) == "\r\n") start += 2;
  if (start == bytes.size()) return std::string_view::npos;
  auto end = bytes.find("\r\n\r\n", start);
  return end == std::string_view::npos ? end : end + 4;
}

RequestHead parse_head(std::string_view bytes, const FramingLimits& limits) {
  RequestHead head;
  while (bytes.substr(0, 2) == "\r\n") {
    bytes.remove_prefix(2);
    head.skipped += 2;
  }
  auto end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return refused(head, 400, "incomplete request head");
  head.length = end + 4;
  std::string_view text = bytes.substr(0, end + 2);  // every line with its CRLF
  // A bare CR or LF, or a NUL, anywhere in the head is never a line break of ours.
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\0') return refused(head, 400, "NUL in the request head");
    if (c == '\r' && text[i + 1] != '\n') return refused(head, 400, "bare CR in the request head");
    if (c == '\n' && (i == 0 || text[i - 1] != '\r')) {
      return refused(head, 400, "bare LF in the request head");
    }
  }
  auto line_end = text.find("\r\n");
  std::string_view line = text.substr(0, line_end);
  if (line.size() > limits.max_target_bytes + 64) {
    return refused(head, 414, "request target too long");
  }
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return refused(head, 400, "the request line is not METHOD SP target SP HTTP-version");
  }
  head.method = std::string(line.substr(0, sp1));
  head.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(head.method)) return refused(head, 400, "the method is not a token");
  if (!is_target(head.target)) return refused(head, 400, "malformed request target");
  if (head.target.size() > limits.max_target_bytes) {
    return refused(head, 414, "request target too long");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return refused(head, 400, "malformed HTTP version");
  }
  if (version[5] != '1') return refused(head, 505, "only HTTP/1.x is served");
  head.minor_version = version[7] - '0';
  static constexpr std::string_view kMethods[] = {"GET",    "HEAD",  "POST",   "PUT",
                                                  "DELETE", "PATCH", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), head.method) == std::end(kMethods)) {
    return refused(head, 501, "method not implemented");
  }

  // Target forms: origin, absolute (converted), asterisk for OPTIONS only.
  if (head.target.front() == '/') {
    head.origin_target = head.target;
  } else if (head.target == "*") {
    if (head.method != "OPTIONS") return refused(head, 400, "'*' is a target of OPTIONS only");
    head.origin_target = "*";
  } else {
    head.origin_target = origin_of_absolute(head.target);
    if (head.origin_target.empty()) return refused(head, 400, "malformed request target");
  }

  // Header fields.
  std::string_view rest = text.substr(line_end + 2);
  if (rest.size() > limits.max_header_bytes) {
    return refused(head, 431, "request header fields too large");
  }
  int hosts = 0;
  std::string_view host;
  bool has_length = false;
  std::vector<std::string_view> codings;
  bool close = false;
  bool keep_alive_token = false;
  while (!rest.empty()) {
    auto eol = rest.find("\r\n");
    std::string_view field = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    if (field.front() == ' ' || field.front() == '\t') {
      return refused(head, 400, "obsolete line folding in a header field");
    }
    auto colon = field.find(':');
    if (colon == std::string_view::npos) return refused(head, 400, "a header line without ':'");
    std::string_view name = field.substr(0, colon);
    std::string_view value = trim(field.substr(colon + 1));
    if (!is_token(name)) {
      return refused(head, 400, "malformed header field name (no whitespace before ':')");
    }
    if (!is_field_value(value)) return refused(head, 400, "control character in a header field");
    if (iequals(name, "Host")) {
      ++hosts;
      host = value;
    }
    if (iequals(name, "Content-Length")) {
      for (auto item : elements(value)) {
        if (!std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return refused(head, 400, "Content-Length is not a decimal number");
        }
        if (item.size() > 18) return refused(head, 413, "request body too large");
        std::size_t n = std::stoull(std::string(item));
        if (has_length && n != head.content_length) {
          return refused(head, 400, "two different Content-Length values");
        }
        has_length = true;
        head.content_length = n;
      }
      if (elements(value).empty()) return refused(head, 400, "empty Content-Length");
    }
    if (iequals(name, "Transfer-Encoding")) {
      auto items = elements(value);
      if (items.empty()) return refused(head, 400, "empty Transfer-Encoding");
      codings.insert(codings.end(), items.begin(), items.end());
    }
    if (iequals(name, "Connection")) {
      for (auto item : elements(value)) {
        if (iequals(item, "close")) close = true;
        if (iequals(item, "keep-alive")) keep_alive_token = true;
      }
    }
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  if (head.minor_version >= 1 && hosts != 1) {
    return refused(head, 400, hosts == 0 ? "no Host header" : "more than one Host header");
  }
  if (hosts > 1) return refused(head, 400, "more than one Host header");
  if (hosts == 1 && !valid_host(host)) return refused(head, 400, "invalid Host");
  if (!codings.empty()) {
    if (head.minor_version == 0) return refused(head, 400, "Transfer-Encoding in HTTP/1.0");
    if (has_length) return refused(head, 400, "both Content-Length and Transfer-Encoding");
    // RFC 9112 §6.3: without chunked last, the body's length cannot be known (400); chunked
    // last after another coding is a coding not served (501).
    if (!iequals(codings.back(), "chunked")) {
      return refused(head, 400, "chunked is not the final transfer coding");
    }
    if (std::count_if(codings.begin(), codings.end(),
                      [](std::string_view c) { return iequals(c, "chunked"); }) > 1) {
      return refused(head, 400, "chunked applied twice");
    }
    if (codings.size() != 1)
      return refused(head, 501, "only the chunked transfer coding is served");
    head.chunked = true;
  }
  if (head.content_length > limits.max_body_bytes) {
    return refused(head, 413, "request body too large");
  }
  head.keep_alive = head.minor_version == 0 ? keep_alive_token && !close : !close;
  return head;
}

ChunkedDecoder::ChunkedDecoder(std::size_t max_body_bytes, std::size_t max_framing_bytes)
    : max_body_(max_body_bytes), max_framing_(max_framing_bytes) {}

void ChunkedDecoder::refuse(int status, const char* problem) {
  state_ = State::kRefused;
  refuse_status_ = status;
  problem_ = problem;
  body_.clear();
  line_.clear();
}

std::size_t ChunkedDecoder::feed(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size() && state_ == State::kNeedMore) {
    if (part_ == Part::kData) {
      const std::size_t n = std::min(remaining_, bytes.size() - pos);
      body_.append(bytes.data() + pos, n);
      pos += n;
      remaining_ -= n;
      if (remaining_ == 0) part_ = Part::kDataEnd;
      continue;
    }
    if (part_ == Part::kDataEnd) {  // exactly CRLF after the data
      const char expected = line_.empty() ? '\r' : '\n';
      if (bytes[pos++] != expected) {
        refuse(400, "no CRLF after chunk data");
        break;
      }
      if (expected == '\r') {
        line_.push_back('\r');
      } else {
        line_.clear();
        part_ = Part::kSizeLine;
      }
      continue;
    }
    // A size line or a trailer field, up to its LF: bounded as it arrives, never held whole when
    // it is over the bound.
    const auto lf = bytes.find('\n', pos);
    const std::size_t end = lf == std::string_view::npos ? bytes.size() : lf;
    const bool size_line = part_ == Part::kSizeLine;
    constexpr std::size_t kSizeDigits = 16;  // hex digits and the CR beyond the extensions
    const std::size_t used = size_line ? extensions_ : trailers_;
    const std::size_t bound =
        (max_framing_ - std::min(max_framing_, used)) + (size_line ? kSizeDigits : 2);
    if (line_.size() + (end - pos) > bound) {
      refuse(size_line ? 400 : 431,
             size_line ? "chunk extensions too large" : "trailer fields too large");
      break;
    }
    line_.append(bytes.data() + pos, end - pos);
    pos = end;
    if (lf == std::string_view::npos) break;  // the rest of the line is still to come
    ++pos;                                    // the LF
    if (line_.empty() || line_.back() != '\r') {
      refuse(400, "bare LF in chunked framing");
      break;
    }
    line_.pop_back();
    if (line_.find('\r') != std::string::npos) {
      refuse(400, "bare CR in chunked framing");
      break;
    }
    end_of_line();
  }
  return pos;
}

void ChunkedDecoder::end_of_line() {
  if (part_ == Part::kTrailer) {
    if (line_.empty()) {
      state_ = State::kDone;
      return;
    }
    std::string_view field(line_);
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon)) ||
        !is_field_value(field.substr(colon + 1))) {
      refuse(400, "malformed trailer field");
      return;
    }
    trailers_ += line_.size() + 2;
    if (trailers_ > max_framing_) {
      refuse(431, "trailer fields too large");
      return;
    }
    line_.clear();
    return;
  }
  std::string_view line(line_);
  std::size_t digits = 0;
  while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
    ++digits;
  }
  if (digits == 0) return refuse(400, "malformed chunk size");
  const std::string_view extension = line.substr(digits);
  if (!extension.empty() && (extension.front() != ';' || !is_field_value(extension))) {
    return refuse(400, "malformed chunk size");
  }
  extensions_ += extension.size();
  if (extensions_ > max_framing_) return refuse(400, "chunk extensions too large");
  if (digits > 15) return refuse(413, "request body too large");
  const std::size_t size = std::stoull(std::string(line.substr(0, digits)), nullptr, 16);
  if (body_.size() + size > max_body_) return refuse(413, "request body too large");
  line_.clear();
  if (size == 0) {
    part_ = Part::kTrailer;
  } else {
    remaining_ = size;
    part_ = Part::kData;
  }
}

ChunkedBody decode_chunked(std::string_view bytes, std::size_t max_body_bytes) {
  ChunkedDecoder decoder(max_body_bytes, kMaxChunkFramingBytes);
  ChunkedBody out;
  const std::size_t taken = decoder.feed(bytes);
  out.state = decoder.state();
  if (out.state == ChunkedBody::State::kDone) {
    out.body = std::move(decoder.body());
    out.consumed = taken;
  } else if (out.state == ChunkedBody::State::kRefused) {
    out.refuse_status = decoder.refuse_status();
    out.problem = decoder.problem();
  }
  return out;
}

bool valid_host(std::string_view value) {
  if (value.empty()) return true;
  std::string_view port;
  if (value.front() == '[') {  // IP-literal: IPv6address or IPvFuture
    const auto close = value.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view literal = value.substr(1, close - 1);
    const std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
    }
    if (!literal.empty() && (literal.front() == 'v' || literal.front() == 'V')) {
      const auto dot = literal.find('.');
      if (dot == std::string_view::npos || dot < 2 || dot + 1 == literal.size()) return false;
      if (!std::all_of(literal.begin() + 1, literal.begin() + static_cast<std::ptrdiff_t>(dot),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
        return false;
      }
      if (!std::all_of(literal.begin() + static_cast<std::ptrdiff_t>(dot) + 1, literal.end(),
                       [](char c) { return is_unreserved(c) || is_sub_delim(c) || c == ':'; })) {
        return false;
      }
    } else {
      unsigned char address[16];
      if (::inet_pton(AF_INET6, std::string(literal).c_str(), address) != 1) return false;
    }
  } else {  // reg-name (an IPv4 address is one too)
    const auto colon = value.find(':');
    const std::string_view name = value.substr(0, colon);
    if (colon != std::string_view::npos) port = value.substr(colon + 1);
    for (std::size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      if (is_unreserved(c) || is_sub_delim(c)) continue;
      if (c == '%' && i + 2 < name.size() &&
          std::isxdigit(static_cast<unsigned char>(name[i + 1])) != 0 &&
          std::isxdigit(static_cast<unsigned char>(name[i + 2])) != 0) {
        i += 2;
        continue;
      }
      return false;
    }
  }
  return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace wix::backinstock::emulator::detail
