#include "request_table.h"

#include <algorithm>

namespace wix::backinstock::emulator::detail {

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kDashes[] = {8, 13, 18, 23};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: IDs are compared as the emulator wrote them
}

const std::string& string_member(const json& object, const char* key) {
  static const std::string kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ref<const std::string&>() : kEmpty;
}

// The identity of a catalog reference as `reference_key` defines it, as one string: app ID,
// catalog item ID, and the options (an object, or `{}`), without building JSON.
std::string identity_text(const json& reference) {
  std::string text = string_member(reference, "appId");
  text += '\x1f';
  text += string_member(reference, "catalogItemId");
  text += '\x1f';
  auto options = reference.find("options");
  text += options != reference.end() && options->is_object() ? options->dump() : "{}";
  return text;
}

}  // namespace

Guid Guid::random(std::mt19937_64& rng) {
  Guid g{rng(), rng()};
  // Version 4 and the variant as `random_guid` writes them: ...-4xxx-8xxx-...
  g.hi = (g.hi & ~0xF000ULL) | 0x4000ULL;
  g.lo = (g.lo & ~(0xFULL << 60)) | (0x8ULL << 60);
  return g;
}

std::optional<Guid> Guid::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Guid g;
  int nibbles = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::find(std::begin(kDashes), std::end(kDashes), i) != std::end(kDashes)) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    int d = hex_digit(text[i]);
    if (d < 0) return std::nullopt;
    std::uint64_t& half = nibbles < 16 ? g.hi : g.lo;
    half = (half << 4) | static_cast<std::uint64_t>(d);
    ++nibbles;
  }
  return g;
}

void Guid::write(char* out) const {
  int nibble = 0;
  for (std::size_t i = 0; i < 36; ++i) {
    if (std::find(std::begin(kDashes), std::end(kDashes), i) != std::end(kDashes)) {
      out[i] = '-';
      continue;
    }
    std::uint64_t half = nibble < 16 ? hi : lo;
    out[i] = kHex[(half >> (60 - 4 * (nibble % 16))) & 0xF];
    ++nibble;
  }
}

std::string Guid::str() const {
  std::string s(36, '\0');
  write(s.data());
  return s;
}

const char* status_name(Status s) {
  switch (s) {
    case Status::kReceived:
      return "RECEIVED";
    case Status::kNotificationSent:
      return "NOTIFICATION_SENT";
    case Status::kFailed:
      return "FAILED";
  }
  return "RECEIVED";
}

std::optional<Status> status_from_name(std::string_view name) {
  for (auto s : {Status::kReceived, Status::kNotificationSent, Status::kFailed}) {
    if (name == status_name(s)) return s;
  }
  return std::nullopt;
}

void RequestTable::clear() { *this = RequestTable(); }

std::uint32_t RequestTable::intern(const json& stored_reference) {
  auto [form, added] =
      form_index_.try_emplace(stored_reference.dump(), static_cast<std::uint32_t>(forms_.size()));
  if (!added) return form->second;
  auto [identity, new_identity] = identity_index_.try_emplace(
      identity_text(stored_reference), static_cast<std::uint32_t>(identity_requests_.size()));
  if (new_identity) {
    identity_requests_.emplace_back();
    item_identities_[string_member(stored_reference, "catalogItemId")].push_back(identity->second);
  }
  forms_.push_back({stored_reference, identity->second});
  return form->second;
}

std::string_view RequestTable::app_id(const Record& r) const {
  return string_member(forms_[r.form].stored, "appId");
}

std::string_view RequestTable::catalog_item_id(const Record& r) const {
  return string_member(forms_[r.form].stored, "catalogItemId");
}

std::optional<std::uint32_t> RequestTable::identity(const json& reference) const {
  if (!reference.is_object()) return std::nullopt;
  auto it = identity_index_.find(identity_text(reference));
  if (it == identity_index_.end()) return std::nullopt;
  return it->second;
}

Record& RequestTable::insert(Record r) {
  r.seq = next_seq_++;
  r.alive = true;
  std::uint32_t identity = forms_[r.form].identity;
  by_id_[r.id] = r.seq;
  by_duplicate_key_[{r.contact, identity}] = r.seq;
  identity_requests_[identity].push_back(r.seq);
  by_status_[static_cast<std::size_t>(r.status)].insert(r.seq);
  records_.push_back(std::move(r));
  ++live_;
  return records_.back();
}

void RequestTable::erase(const Record& r) {
  std::uint32_t identity = forms_[r.form].identity;
  by_id_.erase(r.id);
  by_duplicate_key_.erase({r.contact, identity});
  auto& seqs = identity_requests_[identity];
  auto at = std::lower_bound(seqs.begin(), seqs.end(), r.seq);
  if (at != seqs.end() && *at == r.seq) seqs.erase(at);
  by_status_[static_cast<std::size_t>(r.status)].erase(r.seq);
  records_[slot_of(r.seq)].alive = false;
  --live_;
  compact();
}

void RequestTable::set_status(Record& r, Status s) {
  if (r.status == s) return;
  by_status_[static_cast<std::size_t>(r.status)].erase(r.seq);
  by_status_[static_cast<std::size_t>(s)].insert(r.seq);
  r.status = s;
}

std::size_t RequestTable::slot_of(std::uint64_t seq) const {
  auto at = std::lower_bound(records_.begin(), records_.end(), seq,
                             [](const Record& r, std::uint64_t s) { return r.seq < s; });
  if (at == records_.end() || at->seq != seq || !at->alive) return records_.size();
  return static_cast<std::size_t>(at - records_.begin());
}

void RequestTable::compact() {
  std::size_t dead = records_.size() - live_;
  if (dead < 1024 || dead < live_) return;  // amortised: each compaction halves the records
  records_.erase(
      std::remove_if(records_.begin(), records_.end(), [](const Record& r) { return !r.alive; }),
      records_.end());
}

const Record* RequestTable::by_seq(std::uint64_t seq) const {
  std::size_t slot = slot_of(seq);
  return slot == records_.size() ? nullptr : &records_[slot];
}

Record* RequestTable::by_seq(std::uint64_t seq) {
  std::size_t slot = slot_of(seq);
  return slot == records_.size() ? nullptr : &records_[slot];
}

const Record* RequestTable::by_id(std::string_view id) const {
  auto guid = Guid::parse(id);
  if (!guid) return nullptr;
  auto it = by_id_.find(*guid);
  return it == by_id_.end() ? nullptr : by_seq(it->second);
}

Record* RequestTable::by_id(std::string_view id) {
  return const_cast<Record*>(static_cast<const RequestTable&>(*this).by_id(id));
}

const Record* RequestTable::duplicate(const Guid& contact, std::uint32_t identity) const {
  auto it = by_duplicate_key_.find({contact, identity});
  return it == by_duplicate_key_.end() ? nullptr : by_seq(it->second);
}

const std::vector<std::uint64_t>& RequestTable::of_identity(std::uint32_t identity) const {
  return identity_requests_[identity];
}

const std::vector<std::uint32_t>* RequestTable::identities_of_item(std::string_view item) const {
  auto it = item_identities_.find(std::string(item));
  return it == item_identities_.end() ? nullptr : &it->second;
}

json RequestTable::to_json(const Record& r) const {
  json out = {{"id", r.id.str()},
              {"catalogReference", forms_[r.form].stored},
              {"email", r.email},
              {"contactId", r.contact.str()},
              {"status", status_name(r.status)},
              {"createdDate", std::string(r.created_date())}};
  if (r.has_item_url) out["itemUrl"] = r.item_url;
  if (r.auto_notified >= 0) out["autoNotified"] = r.auto_notified == 1;
  return out;
}

}  // namespace wix::backinstock::emulator::detail
