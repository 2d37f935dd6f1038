// Query responses decoded straight into `QueryPage` from nlohmann's SAX events, without building
// a document first: a page of 100 requests is the largest body the SDK reads often. The rules are
// the codec's (codec.h), kept exactly, and tested against the document-based decoder
// (`decode_query_response_dom`): unknown fields ignored, `null` and values of the wrong type read
// as absent (a later duplicate key wins, as in a document), a count that is not an integer from 0
// to 2147483647 and a `requests` that is not an array are malformed, and nesting deeper than
// `kMaxJsonDepth` is refused. Catalog options, which are free-form, are built as a small
// document of their own.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec.h"
#include "untrusted_json.h"

namespace wix::backinstock::internal {

namespace {

using nlohmann::json;

// Builds one free-form value (the catalog options) from SAX events.
class DocumentBuilder {
 public:
  bool active() const noexcept { return active_; }
  void start() {
    active_ = true;
    root_ = json();
    stack_.clear();
  }
  // A scalar inside the value being built.
  void scalar(json value) { place(std::move(value)); }
  void open(json container) { stack_.push_back(place(std::move(container))); }
  // Closes a container; true when the value is complete.
  bool close() {
    stack_.pop_back();
    return stack_.empty();
  }
  void key(const std::string& name) { key_ = name; }
  json take() {
    active_ = false;
    return std::move(root_);
  }

 private:
  json* place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  bool active_ = false;
  json root_;
  std::vector<json*> stack_;
  std::string key_;
};

class QueryPageReader {
 public:
  // The SAX interface of nlohmann::json; names are the library's.
  // NOLINTBEGIN(readability-identifier-naming)
  // Inside the catalog options every value goes to their document as it is; elsewhere it is read
  // as a `Value` of the field it belongs to.
  bool null() { return builder_.active() ? built(json()) : scalar(Value{}); }
  bool boolean(bool v) {
    if (builder_.active()) return built(json(v));
    Value value;
    value.kind = Value::kBool;
    value.flag = v;
    return scalar(std::move(value));
  }
  bool number_integer(json::number_integer_t v) {
    if (builder_.active()) return built(json(v));
    Value value;
    value.kind = v >= 0 ? Value::kCount : Value::kOtherNumber;
    value.number = static_cast<std::uint64_t>(v);
    return scalar(std::move(value));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (builder_.active()) return built(json(v));
    Value value;
    value.kind = Value::kCount;
    value.number = v;
    return scalar(std::move(value));
  }
  bool number_float(json::number_float_t v, const json::string_t&) {
    if (builder_.active()) return built(json(v));
    Value value;
    value.kind = Value::kOtherNumber;
    return scalar(std::move(value));
  }
  // Strings are copied, not moved: the lexer reuses its buffer for the next token, and a
  // moved-from buffer would grow again character by character.
  bool string(json::string_t& v) {
    if (builder_.active()) return built(json(v));
    if (skip_ > 0) return true;
    Value value;
    value.kind = Value::kString;
    value.text = v;
    return scalar(std::move(value));
  }
  bool binary(json::binary_t&) { return false; }  // not produced by the JSON lexer
  bool start_object(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(false); }
  bool end_array() { return close(); }
  bool key(json::string_t& name) {
    if (builder_.active()) {
      builder_.key(name);
      return true;
    }
    if (skip_ == 0) key_ = field_of(name);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    problem_ = "not JSON";
    return false;
  }
  // NOLINTEND(readability-identifier-naming)

  const char* problem() const noexcept { return problem_; }
  QueryPage take() { return std::move(page_); }

 private:
  // Where the reader is: the object or array whose members it reads now.
  enum class Place { kRoot, kTop, kRequests, kRequest, kReference, kMetadata, kCursors };
  enum class Field {
    kOther,
    kRequests,
    kMetadata,
    kId,
    kCatalogReference,
    kEmail,
    kContactId,
    kStatus,
    kAutoNotified,
    kCreatedDate,
    kItemUrl,
    kCatalogItemId,
    kAppId,
    kOptions,
    kCount,
    kOffset,
    kTotal,
    kCursors,
    kNext,
    kPrev,
  };
  struct Value {
    enum Kind { kNull, kBool, kCount, kOtherNumber, kString } kind = kNull;
    bool flag = false;
    std::uint64_t number = 0;
    std::string text;
  };

  static Field field_of(const std::string& name) {
    switch (name.size()) {
      case 2:
        return name == "id" ? Field::kId : Field::kOther;
      case 4:
        return name == "next" ? Field::kNext : name == "prev" ? Field::kPrev : Field::kOther;
      case 5:
        return name == "email"   ? Field::kEmail
               : name == "appId" ? Field::kAppId
               : name == "count" ? Field::kCount
               : name == "total" ? Field::kTotal
                                 : Field::kOther;
      case 6:
        return name == "status"   ? Field::kStatus
               : name == "offset" ? Field::kOffset
                                  : Field::kOther;
      case 7:
        return name == "itemUrl"   ? Field::kItemUrl
               : name == "options" ? Field::kOptions
               : name == "cursors" ? Field::kCursors
                                   : Field::kOther;
      case 8:
        return name == "requests"   ? Field::kRequests
               : name == "metadata" ? Field::kMetadata
                                    : Field::kOther;
      case 9:
        return name == "contactId" ? Field::kContactId : Field::kOther;
      case 11:
        return name == "createdDate" ? Field::kCreatedDate : Field::kOther;
      case 12:
        return name == "autoNotified" ? Field::kAutoNotified : Field::kOther;
      case 13:
        return name == "catalogItemId" ? Field::kCatalogItemId : Field::kOther;
      case 16:
        return name == "catalogReference" ? Field::kCatalogReference : Field::kOther;
      default:
        return Field::kOther;
    }
  }

  [[noreturn]] static void malformed(const char* what) { throw MalformedBody(what); }

  NotificationRequest& request() { return page_.requests.back(); }

  static std::string text_of(Value& v) {
    return v.kind == Value::kString ? std::move(v.text) : std::string();
  }
  static std::optional<std::string> optional_text_of(Value& v) {
    if (v.kind != Value::kString) return std::nullopt;
    return std::move(v.text);
  }

  // A count: null is absent; anything but an integer from 0 to INT32_MAX is malformed.
  static void count(Value& v, std::optional<std::int32_t>& out, const char* name) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
    if (v.kind == Value::kNull) {
      out.reset();
    } else if (v.kind == Value::kCount && v.number <= kMax) {
      out = static_cast<std::int32_t>(v.number);
    } else {
      throw MalformedBody(std::string(name) + " is not a count (an integer from 0 to 2147483647)");
    }
  }

  bool built(json value) {
    builder_.scalar(std::move(value));
    return true;
  }

  // A scalar value for the member `key_` of the current place.
  bool scalar(Value&& v) {
    if (skip_ > 0) return true;
    switch (places_.empty() ? Place::kRoot : places_.back()) {
      case Place::kRoot:
        malformed("not a JSON object");
      case Place::kTop:
        if (key_ == Field::kRequests) {
          page_.requests.clear();
          created_.clear();
          if (v.kind != Value::kNull) malformed("\"requests\" is not an array");
        } else if (key_ == Field::kMetadata) {
          page_.metadata = PagingMetadata{};
        }
        return true;
      case Place::kRequests:
        malformed("a notification request is not an object");
      case Place::kRequest:
        request_field(v);
        return true;
      case Place::kReference:
        reference_field(v);
        return true;
      case Place::kMetadata:
        if (key_ == Field::kCount) count(v, page_.metadata.count, "metadata.count");
        if (key_ == Field::kOffset) count(v, page_.metadata.offset, "metadata.offset");
        if (key_ == Field::kTotal) count(v, page_.metadata.total, "metadata.total");
        if (key_ == Field::kCursors) cursors_absent();
        return true;
      case Place::kCursors:
        if (key_ == Field::kNext) page_.metadata.next_cursor = optional_text_of(v);
        if (key_ == Field::kPrev) page_.metadata.prev_cursor = optional_text_of(v);
        return true;
    }
    return true;
  }

  void request_field(Value& v) {
    NotificationRequest& r = request();
    switch (key_) {
      case Field::kId:
        r.id = text_of(v);
        break;
      case Field::kEmail:
        r.email = text_of(v);
        break;
      case Field::kContactId:
        r.contact_id = text_of(v);
        break;
      case Field::kStatus:
        r.status_text = text_of(v);
        break;
      case Field::kItemUrl:
        r.item_url = optional_text_of(v);
        break;
      case Field::kAutoNotified:
        r.auto_notified = v.kind == Value::kBool ? std::optional<bool>(v.flag) : std::nullopt;
        break;
      case Field::kCreatedDate:
        created_[page_.requests.size() - 1] = optional_text_of(v);
        break;
      case Field::kCatalogReference:  // not an object: an empty reference
        r.catalog_reference = internal::ModelAccess::catalog_reference("", "", JsonObject());
        break;
      default:
        break;
    }
  }

  void reference_field(Value& v) {
    switch (key_) {
      case Field::kCatalogItemId:
        item_id_ = text_of(v);
        break;
      case Field::kAppId:
        app_id_ = text_of(v);
        break;
      case Field::kOptions:
        options_ = JsonObject();
        break;
      default:
        break;
    }
  }

  void cursors_absent() {
    page_.metadata.next_cursor.reset();
    page_.metadata.prev_cursor.reset();
  }

  bool open(bool object) {
    if (++depth_ > kMaxJsonDepth) {
      problem_ = "nested too deeply";
      return false;
    }
    if (builder_.active()) {
      builder_.open(object ? json::object() : json::array());
      return true;
    }
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    Place place = places_.empty() ? Place::kRoot : places_.back();
    std::optional<Place> next;
    switch (place) {
      case Place::kRoot:
        if (!object) malformed("not a JSON object");
        next = Place::kTop;
        break;
      case Place::kTop:
        if (key_ == Field::kRequests) {
          if (object) malformed("\"requests\" is not an array");
          page_.requests.clear();
          created_.clear();
          next = Place::kRequests;
        } else if (key_ == Field::kMetadata) {
          page_.metadata = PagingMetadata{};
          if (object) next = Place::kMetadata;
        }
        break;
      case Place::kRequests:
        if (!object) malformed("a notification request is not an object");
        page_.requests.push_back(
            NotificationRequest{{},
                                internal::ModelAccess::catalog_reference("", "", JsonObject()),
                                {},
                                {},
                                Status::kUnspecified,
                                {},
                                std::nullopt,
                                std::nullopt,
                                std::nullopt,
                                {}});
        created_.emplace_back();
        next = Place::kRequest;
        break;
      case Place::kRequest:
        if (key_ == Field::kCatalogReference) {
          item_id_.clear();
          app_id_.clear();
          options_ = JsonObject();
          if (object) {
            next = Place::kReference;
          } else {
            request().catalog_reference =
                internal::ModelAccess::catalog_reference("", "", JsonObject());
          }
        } else {
          Value none;
          request_field(none);  // a container where a value was expected: absent
        }
        break;
      case Place::kReference:
        if (key_ == Field::kOptions && object) {
          builder_.start();
          builder_.open(json::object());
          return true;
        }
        if (key_ == Field::kCatalogItemId) item_id_.clear();
        if (key_ == Field::kAppId) app_id_.clear();
        if (key_ == Field::kOptions) options_ = JsonObject();
        break;
      case Place::kMetadata:
        if (key_ == Field::kCount || key_ == Field::kOffset || key_ == Field::kTotal) {
          malformed("metadata is not a count");
        }
        if (key_ == Field::kCursors) {
          cursors_absent();
          if (object) next = Place::kCursors;
        }
        break;
      case Place::kCursors:
        if (key_ == Field::kNext) page_.metadata.next_cursor.reset();
        if (key_ == Field::kPrev) page_.metadata.prev_cursor.reset();
        break;
    }
    if (next) {
      places_.push_back(*next);
    } else {
      skip_ = 1;
    }
    return true;
  }

  bool close() {
    --depth_;
    if (builder_.active()) {
      if (builder_.close()) {
        json options = builder_.take();
        options_ =
            options.empty() ? JsonObject() : internal::ModelAccess::json_object(std::move(options));
      }
      return true;
    }
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    Place place = places_.back();
    places_.pop_back();
    if (place == Place::kReference) {
      request().catalog_reference = internal::ModelAccess::catalog_reference(
          std::move(item_id_), std::move(app_id_), options_);
    }
    // The member whose value just ended is done; a later key names the next one.
    key_ = Field::kOther;
    return true;
  }

 public:
  // After the parse: fields that depend on others.
  void finish() {
    for (std::size_t i = 0; i < page_.requests.size(); ++i) {
      NotificationRequest& r = page_.requests[i];
      r.status = r.status_text.empty() ? Status::kUnspecified : parse_status(r.status_text);
      if (created_[i]) {
        r.created_date = parse_timestamp(*created_[i]);
        r.created_date_text = std::move(*created_[i]);
      }
    }
  }

 private:
  QueryPage page_;
  std::vector<Place> places_;
  std::vector<std::optional<std::string>> created_;  // createdDate of each request, parsed last
  Field key_ = Field::kOther;
  std::size_t skip_ = 0;  // depth inside a value that is ignored
  std::size_t depth_ = 0;
  DocumentBuilder builder_;
  std::string item_id_;
  std::string app_id_;
  JsonObject options_;
  const char* problem_ = nullptr;
};

}  // namespace

QueryPage decode_query_response(std::string_view body) {
  QueryPageReader reader;
  bool ok = json::sax_parse(body, &reader);
  if (!ok) throw MalformedBody(reader.problem() != nullptr ? reader.problem() : "not JSON");
  reader.finish();
  return reader.take();
}

}  // namespace wix::backinstock::internal
