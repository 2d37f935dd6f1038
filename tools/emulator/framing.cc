#include "framing.h"

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
    if (iequals(name, "Host")) ++hosts;
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
  if (!codings.empty()) {
    if (head.minor_version == 0) return refused(head, 400, "Transfer-Encoding in HTTP/1.0");
    if (has_length) return refused(head, 400, "both Content-Length and Transfer-Encoding");
    if (codings.size() != 1 || !iequals(codings.back(), "chunked")) {
      bool chunked_last = iequals(codings.back(), "chunked");
      return chunked_last &&
                     std::count_if(codings.begin(), codings.end(),
                                   [](std::string_view c) { return iequals(c, "chunked"); }) > 1
                 ? refused(head, 400, "chunked applied twice")
                 : refused(head, 501, "only the chunked transfer coding is served");
    }
    head.chunked = true;
  }
  if (head.content_length > limits.max_body_bytes) {
    return refused(head, 413, "request body too large");
  }
  head.keep_alive = head.minor_version == 0 ? keep_alive_token && !close : !close;
  return head;
}

ChunkedBody decode_chunked(std::string_view bytes, std::size_t max_body_bytes) {
  ChunkedBody out;
  auto refuse = [&out](int status, const char* problem) {
    out.state = ChunkedBody::State::kRefused;
    out.refuse_status = status;
    out.problem = problem;
    out.body.clear();
    return out;
  };
  std::size_t pos = 0;
  for (;;) {
    auto eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (bytes.size() - pos > 1024) return refuse(400, "malformed chunk size line");
      return out;  // need more
    }
    std::string_view line = bytes.substr(pos, eol - pos);
    std::size_t digits = 0;
    while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
      ++digits;
    }
    if (digits == 0) return refuse(400, "malformed chunk size");
    std::string_view extension = line.substr(digits);
    if (!extension.empty() && (extension.front() != ';' || !is_field_value(extension))) {
      return refuse(400, "malformed chunk size");
    }
    if (digits > 15) return refuse(413, "request body too large");
    std::size_t size = std::stoull(std::string(line.substr(0, digits)), nullptr, 16);
    if (out.body.size() + size > max_body_bytes) return refuse(413, "request body too large");
    pos = eol + 2;
    if (size == 0) break;
    if (bytes.size() < pos + size + 2) return out;  // need more
    if (bytes.substr(pos + size, 2) != "\r\n") return refuse(400, "no CRLF after chunk data");
    out.body.append(bytes.substr(pos, size));
    pos += size + 2;
  }
  // Trailer fields, checked as header fields and dropped, then the blank line.
  for (;;) {
    auto eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (bytes.size() - pos > 8192) return refuse(400, "malformed trailer");
      return out;
    }
    std::string_view field = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    if (field.empty()) break;
    auto colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon)) ||
        !is_field_value(field.substr(colon + 1))) {
      return refuse(400, "malformed trailer field");
    }
  }
  out.state = ChunkedBody::State::kDone;
  out.consumed = pos;
  return out;
}

}  // namespace wix::backinstock::emulator::detail
