#pragma once

// The stored notification requests, compact and indexed. A request costs a fixed record (IDs as
// 128-bit values, the creation time as text, the catalog reference as an index into a table of
// distinct references) plus its e-mail and item URL; the indexes answer what the routes look up
// without a scan: by ID, by duplicate key (contact and catalog reference), by catalog reference
// (and catalog item ID), and by status. Records keep creation order, so the default sort
// (`createdDate` descending) is a walk from the newest. Not thread-safe: the store's caller holds
// the lock.

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "replies.h"

namespace wix::backinstock::emulator::detail {

/// A version-4 GUID as two 64-bit halves; text is 36 lower-case characters.
struct Guid {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;

  static Guid random(std::mt19937_64& rng);
  /// Only the canonical lower-case form parses (the only form the emulator hands out).
  static std::optional<Guid> parse(std::string_view text);
  /// Writes the 36 characters to `out`.
  void write(char* out) const;
  std::string str() const;
  bool operator==(const Guid& o) const { return hi == o.hi && lo == o.lo; }
};

enum class Status : std::uint8_t { kReceived, kNotificationSent, kFailed };
inline constexpr std::size_t kStatusCount = 3;
const char* status_name(Status s);
std::optional<Status> status_from_name(std::string_view name);

/// One stored request.
struct Record {
  std::uint64_t seq = 0;  ///< creation order, never reused
  Guid id;
  Guid contact;
  std::uint32_t form = 0;  ///< index of its catalog reference as stored
  Status status = Status::kReceived;
  std::int8_t auto_notified = -1;  ///< -1 absent, 0 false, 1 true
  bool alive = true;
  bool has_item_url = false;
  std::array<char, 24> created{};  ///< `YYYY-MM-DDTHH:MM:SS.mmmZ`
  std::string email;
  std::string item_url;

  std::string_view created_date() const { return {created.data(), created.size()}; }
};

class RequestTable {
 public:
  void clear();
  std::size_t size() const { return live_; }

  /// The catalog reference as stored (`{"appId", "catalogItemId", "options"?}`) by its index,
  /// adding it if new.
  std::uint32_t intern(const json& stored_reference);
  const json& reference(const Record& r) const { return forms_[r.form].stored; }
  std::string_view app_id(const Record& r) const;
  std::string_view catalog_item_id(const Record& r) const;
  /// The identity of a catalog reference (see `reference_key`), if any request has it.
  std::optional<std::uint32_t> identity(const json& reference) const;

  /// Adds `r` (its `seq` is assigned) and indexes it.
  Record& insert(Record r);
  void erase(const Record& r);
  void set_status(Record& r, Status s);

  Record* by_id(std::string_view id);
  const Record* by_id(std::string_view id) const;
  const Record* by_seq(std::uint64_t seq) const;
  Record* by_seq(std::uint64_t seq);
  /// The request of this contact for this catalog reference identity, if stored.
  const Record* duplicate(const Guid& contact, std::uint32_t identity) const;
  std::uint32_t identity_of(const Record& r) const { return forms_[r.form].identity; }

  /// Requests of an identity, by `seq` ascending.
  const std::vector<std::uint64_t>& of_identity(std::uint32_t identity) const;
  /// Identities whose catalog item ID is `item`.
  const std::vector<std::uint32_t>* identities_of_item(std::string_view item) const;
  const std::set<std::uint64_t>& of_status(Status s) const {
    return by_status_[static_cast<std::size_t>(s)];
  }

  /// Every live record in creation order (`newest_first` reverses), starting after the record
  /// `after` (in the walk's direction) when set; `visit` returns false to stop.
  template <typename Visit>
  void walk(bool newest_first, std::optional<std::uint64_t> after, Visit&& visit) const {
    auto first_after = std::lower_bound(records_.begin(), records_.end(), after.value_or(0),
                                        [](const Record& r, std::uint64_t s) { return r.seq < s; });
    if (newest_first) {
      auto it = after ? std::make_reverse_iterator(first_after) : records_.rbegin();
      for (; it != records_.rend(); ++it) {
        if (it->alive && !visit(*it)) return;
      }
    } else {
      auto it = first_after;
      if (after && it != records_.end() && it->seq == *after) ++it;
      for (; it != records_.end(); ++it) {
        if (it->alive && !visit(*it)) return;
      }
    }
  }

  /// The request as the API returns it.
  json to_json(const Record& r) const;

 private:
  struct Form {
    json stored;
    std::uint32_t identity;
  };
  struct DuplicateKey {
    Guid contact;
    std::uint32_t identity;
    bool operator==(const DuplicateKey& o) const {
      return contact == o.contact && identity == o.identity;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Guid& g) const { return g.hi ^ (g.lo * 0x9e3779b97f4a7c15ULL); }
    std::size_t operator()(const DuplicateKey& k) const {
      return (*this)(k.contact) ^ (std::size_t{k.identity} * 0xff51afd7ed558ccdULL);
    }
  };
  std::size_t slot_of(std::uint64_t seq) const;  // records_.size() when absent
  void compact();

  std::vector<Record> records_;  // by seq ascending; erased ones marked dead until compacted
  std::size_t live_ = 0;
  std::uint64_t next_seq_ = 1;
  std::vector<Form> forms_;
  std::unordered_map<std::string, std::uint32_t> form_index_;      // stored form's dump -> form
  std::unordered_map<std::string, std::uint32_t> identity_index_;  // identity text -> identity
  std::vector<std::vector<std::uint64_t>> identity_requests_;      // identity -> seqs
  std::unordered_map<std::string, std::vector<std::uint32_t>> item_identities_;
  std::unordered_map<Guid, std::uint64_t, KeyHash> by_id_;
  std::unordered_map<DuplicateKey, std::uint64_t, KeyHash> by_duplicate_key_;
  std::array<std::set<std::uint64_t>, kStatusCount> by_status_;
};

}  // namespace wix::backinstock::emulator::detail
