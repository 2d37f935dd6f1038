#pragma once

// A minimal append-only JSON writer for the request bodies the SDK sends. Their shapes are fixed
// and their strings already validated as UTF-8, so writing them directly is several times cheaper
// than building an nlohmann document and dumping it (see bench/README.md). Free-form parts
// (catalog options, filters) are still produced by nlohmann and inserted with `raw`. Internal.
//
// The output string is kept at its full capacity and written through a pointer; `take()` cuts it
// to what was written. Each write checks the room once, whatever its length.

#include <cstring>
#include <string>
#include <string_view>

namespace wix::backinstock::internal {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { out_.resize(reserve < 16 ? 16 : reserve); }

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  /// A member name written in the SDK's source (a string literal: plain ASCII, nothing to
  /// escape); the next call writes its value.
  template <std::size_t N>
  JsonWriter& key(const char (&name)[N]) {
    char* p = room(N + 3);  // comma, quotes, colon
    if (need_comma_) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, name, N - 1);
    p += N - 1;
    *p++ = '"';
    *p++ = ':';
    size_ = static_cast<std::size_t>(p - out_.data());
    need_comma_ = false;
    return *this;
  }
  /// A member name from data (escaped); the next call writes its value.
  JsonWriter& key(std::string_view name) {
    comma();
    quoted(name);
    *room(1) = ':';
    ++size_;
    need_comma_ = false;
    return *this;
  }
  JsonWriter& value(std::string_view text) {
    comma();
    quoted(text);
    need_comma_ = true;
    return *this;
  }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(long long number) { return raw(std::to_string(number)); }
  /// Already-serialised JSON.
  JsonWriter& raw(std::string_view json) {
    comma();
    append(json.data(), json.size());
    need_comma_ = true;
    return *this;
  }
  /// A member whose name comes from data.
  JsonWriter& member(std::string_view name, std::string_view text) { return key(name).value(text); }
  /// A member whose name is a literal of the SDK's source.
  template <std::size_t N>
  JsonWriter& member(const char (&name)[N], std::string_view text) {
    return key(name).value(text);
  }

  std::string take() {
    out_.resize(size_);
    size_ = 0;
    need_comma_ = false;
    return std::move(out_);
  }

 private:
  /// Where the next `n` bytes go; the caller advances `size_` by what it wrote (at most `n`).
  char* room(std::size_t n) {
    if (out_.size() - size_ < n) grow(n);
    return out_.data() + size_;
  }
  void grow(std::size_t n);
  void append(const char* data, std::size_t n) {
    std::memcpy(room(n), data, n);
    size_ += n;
  }
  void comma() {
    if (need_comma_) {
      *room(1) = ',';
      ++size_;
    }
  }
  JsonWriter& open(char c) {
    char* p = room(2);
    if (need_comma_) *p++ = ',';
    *p++ = c;
    size_ = static_cast<std::size_t>(p - out_.data());
    need_comma_ = false;
    return *this;
  }
  JsonWriter& close(char c) {
    *room(1) = c;
    ++size_;
    need_comma_ = true;
    return *this;
  }
  void quoted(std::string_view text);

  std::string out_;       // sized to its capacity; the first `size_` bytes are written
  std::size_t size_ = 0;  // bytes written
  bool need_comma_ = false;
};

}  // namespace wix::backinstock::internal
