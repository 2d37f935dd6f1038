#pragma once

// A minimal append-only JSON writer for the request bodies the SDK sends. Their shapes are fixed
// and their strings already validated as UTF-8, so writing them directly is several times cheaper
// than building an nlohmann document and dumping it (see bench/README.md). Free-form parts
// (catalog options, filters) are still produced by nlohmann and inserted with `raw`. Internal.

#include <string>
#include <string_view>

namespace wix::backinstock::internal {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 256) { out_.reserve(reserve); }

  JsonWriter& begin_object() {
    comma();
    out_ += '{';
    need_comma_ = false;
    return *this;
  }
  JsonWriter& end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
  }
  JsonWriter& begin_array() {
    comma();
    out_ += '[';
    need_comma_ = false;
    return *this;
  }
  JsonWriter& end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
  }
  /// A member name written in the SDK's source (a string literal: plain ASCII, nothing to
  /// escape); the next call writes its value.
  template <std::size_t N>
  JsonWriter& key(const char (&name)[N]) {
    comma();
    out_ += '"';
    out_.append(name, N - 1);
    out_.append("\":", 2);
    need_comma_ = false;
    return *this;
  }
  /// A member name from data (escaped); the next call writes its value.
  JsonWriter& key(std::string_view name) {
    comma();
    quoted(name);
    out_ += ':';
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
  JsonWriter& value(long long number) {
    comma();
    out_ += std::to_string(number);
    need_comma_ = true;
    return *this;
  }
  /// Already-serialised JSON.
  JsonWriter& raw(std::string_view json) {
    comma();
    out_ += json;
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

  std::string take() { return std::move(out_); }

 private:
  void comma() {
    if (need_comma_) out_ += ',';
  }
  void quoted(std::string_view text);

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace wix::backinstock::internal
