#include "validation.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "wix/backinstock/errors.h"

namespace wix::backinstock::internal {

namespace {

// Decided by parsing the address, never by a prefix: `127.attacker.test` is not loopback.
bool is_loopback_host(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (h == "localhost") return true;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
    in6_addr v6{};
    return inet_pton(AF_INET6, h.substr(1, h.size() - 2).c_str(), &v6) == 1 &&
           IN6_IS_ADDR_LOOPBACK(&v6);
  }
  in_addr v4{};  // strict dotted quad: no `127.1`, no hex
  return inet_pton(AF_INET, h.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// The host of an authority (`user@host:port`), brackets kept for IPv6; `port` gets the rest.
std::string_view host_of(std::string_view authority, std::string_view* port) {
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto host = !authority.empty() && authority.front() == '['
                  ? authority.substr(0, authority.find(']') + 1)
                  : authority.substr(0, authority.find(':'));
  if (port != nullptr) *port = authority.substr(host.size());
  return host;
}

// The authority of an absolute URL (`scheme://authority/...`).
std::string_view authority_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto authority = url.substr(scheme + 3);
  return authority.substr(0, authority.find_first_of("/?#"));
}

}  // namespace

bool targets_loopback(std::string_view url) noexcept {
  try {
    return is_loopback_host(host_of(authority_of(url), nullptr));
  } catch (...) {
    return false;
  }
}

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    unsigned int cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

void check_text(std::string_view field, std::string_view text, bool allow_newlines) {
  // One pass: printable ASCII (the common case) is skipped at once; anything else is checked.
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c >= 0x20 && c < 0x7F) {
      ++p;
      continue;
    }
    if (c == 0) throw ValidationError(std::string(field), "contains a NUL character");
    if (c < 0x80) {
      bool newline = c == '\n' || c == '\r' || c == '\t';
      if (!(allow_newlines && newline)) {
        throw ValidationError(std::string(field), "contains a control character");
      }
      ++p;
      continue;
    }
    // A multi-byte sequence: validate the rest of the text as UTF-8 and control characters once.
    std::string_view tail(reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p));
    if (!is_valid_utf8(tail)) throw ValidationError(std::string(field), "is not valid UTF-8");
    for (unsigned char t : tail) {
      if (t == 0) throw ValidationError(std::string(field), "contains a NUL character");
      bool newline = t == '\n' || t == '\r' || t == '\t';
      if ((t < 0x20 && !(allow_newlines && newline)) || t == 0x7F) {
        throw ValidationError(std::string(field), "contains a control character");
      }
    }
    return;
  }
}

void check_required_text(std::string_view field, std::string_view text) {
  if (text.empty()) throw ValidationError(std::string(field), "is required and must not be empty");
  check_text(field, text);
}

bool is_header_value(std::string_view value) noexcept {
  if (value.empty()) return false;
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

void check_header_value(std::string_view field, std::string_view value) {
  if (value.empty()) throw ValidationError(std::string(field), "is required and must not be empty");
  if (!is_header_value(value)) {
    throw ValidationError(std::string(field), "contains a control character");
  }
}

bool is_absolute_http_url(std::string_view text) noexcept {
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    rest = text.substr(8);
  } else {
    return false;
  }
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) return false;
  }
  auto host_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, host_end);
  auto at = authority.rfind('@');
  auto host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (!host.empty() && host.front() == '[')
    return host.find(']') > 1 && host.find(']') != std::string_view::npos;
  auto colon = host.find(':');
  return !host.substr(0, colon).empty();
}

bool is_non_negative_decimal(std::string_view text) noexcept {
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (digits == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  ++i;
  std::size_t fraction = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++fraction;
  return fraction > 0 && i == text.size();
}

std::string checked_base_url(std::string url, bool allow_insecure_http, const char* field) {
  check_text(field, url, /*allow_newlines=*/false);
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!is_absolute_http_url(url)) {
    throw ValidationError(field, "must be an absolute http:// or https:// URL");
  }
  // Scheme, host, port and an optional path prefix, nothing else: a query, a fragment or path
  // parameters would send every call to another path of the server.
  if (url.find_first_of("?#") != std::string::npos) {
    throw ValidationError(field, "must not have a query (?) or a fragment (#)");
  }
  const auto authority = authority_of(url);
  const auto path = std::string_view(url).substr(
      static_cast<std::size_t>(authority.data() - url.data()) + authority.size());
  if (path.find(';') != std::string_view::npos) {
    throw ValidationError(field, "must not have path parameters (;)");
  }
  if (url.compare(0, 7, "http://") == 0 && !allow_insecure_http) {
    std::string_view port;
    auto host = host_of(authority_of(url), &port);
    // After the host only a port may follow.
    bool port_ok =
        port.empty() ||
        (port.front() == ':' && port.find_first_not_of("0123456789", 1) == std::string_view::npos);
    if (!port_ok || !is_loopback_host(host)) {
      throw ValidationError(field,
                            "plain http:// is refused for non-loopback hosts (credentials would "
                            "travel unencrypted); set allow_insecure_http to override");
    }
  }
  return url;
}

std::string checked_path_prefix(const char* field, std::string prefix) {
  if (prefix.empty()) return prefix;
  if (prefix.front() != '/') throw ValidationError(field, "must start with \"/\" (or be empty)");
  if (prefix.back() == '/') throw ValidationError(field, "must not end with \"/\"");
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto c = static_cast<unsigned char>(prefix[i]);
    bool plain =
        std::isalnum(c) != 0 ||
        std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
    bool escape = c == '%' && i + 2 < prefix.size() &&
                  std::isxdigit(static_cast<unsigned char>(prefix[i + 1])) != 0 &&
                  std::isxdigit(static_cast<unsigned char>(prefix[i + 2])) != 0;
    if (!plain && !escape) {
      throw ValidationError(field, "holds a character a URL path cannot carry as is: " +
                                       std::to_string(static_cast<int>(c)) + " at " +
                                       std::to_string(i));
    }
  }
  auto ends_with = [&](std::string_view tail) {
    return prefix.size() >= tail.size() &&
           prefix.compare(prefix.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (prefix.find("/./") != std::string::npos || prefix.find("/../") != std::string::npos ||
      prefix.find("//") != std::string::npos || ends_with("/.") || ends_with("/..")) {
    throw ValidationError(field, "must not hold empty, \".\" or \"..\" segments");
  }
  return prefix;
}

}  // namespace wix::backinstock::internal
