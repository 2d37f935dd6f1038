#include "faults.h"

#include <utility>

namespace wix::backinstock::emulator::detail {

std::optional<Fault> fault_from_json(const json& j) {
  static const std::pair<const char*, Fault::Kind> kKinds[] = {
      {"delay", Fault::Kind::kDelay},
      {"status", Fault::Kind::kStatus},
      {"drop_before", Fault::Kind::kDropBefore},
      {"drop_after", Fault::Kind::kDropAfter},
      {"truncated", Fault::Kind::kTruncatedBody},
      {"malformed", Fault::Kind::kMalformedJson},
      {"html", Fault::Kind::kHtmlError},
      {"oversized", Fault::Kind::kOversizedBody},
      {"close_after_read", Fault::Kind::kCloseAfterRead}};
  if (!j.is_object()) return std::nullopt;
  Fault fault;
  std::string kind = string_or_empty(j, "kind");
  bool known = false;
  for (const auto& [name, value] : kKinds) {
    if (kind == name) {
      fault.kind = value;
      known = true;
    }
  }
  if (!known) return std::nullopt;
  fault.method = string_or_empty(j, "method");
  fault.path = string_or_empty(j, "path");
  auto number = [&](const char* key, long long fallback,
                    long long max) -> std::optional<long long> {
    const json* v = find(j, key);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer() || v->get<long long>() < 0 || v->get<long long>() > max) {
      return std::nullopt;
    }
    return v->get<long long>();
  };
  auto times = number("times", 1, 1'000'000);
  auto status = number("status", 500, 599);
  auto delay = number("delay_ms", 0, 60'000);
  auto size = number("size", 16 << 20, 1LL << 30);
  if (!times || !status || !delay || !size || *status < 100) return std::nullopt;
  fault.times = static_cast<int>(*times);
  fault.status = static_cast<int>(*status);
  fault.delay = std::chrono::milliseconds(*delay);
  fault.size = static_cast<std::size_t>(*size);
  if (const json* body = find(j, "body")) {
    if (!body->is_string()) return std::nullopt;
    fault.body = body->get<std::string>();
  }
  if (const json* headers = find(j, "headers")) {
    if (!headers->is_object()) return std::nullopt;
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) return std::nullopt;
      fault.headers[name] = value.get<std::string>();
    }
  }
  return fault;
}

void FaultQueue::push(Fault fault) {
  std::lock_guard<std::mutex> guard(mutex_);
  faults_.push_back(std::move(fault));
}

void FaultQueue::clear() {
  std::lock_guard<std::mutex> guard(mutex_);
  faults_.clear();
}

std::optional<Fault> FaultQueue::take(const std::string& method, const std::string& path,
                                      bool reused_connection) {
  std::lock_guard<std::mutex> guard(mutex_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->kind == Fault::Kind::kCloseAfterRead && !reused_connection) continue;
    bool method_ok = it->method.empty() || it->method == method;
    bool path_ok = it->path.empty() ||
                   (path.size() >= it->path.size() &&
                    path.compare(path.size() - it->path.size(), it->path.size(), it->path) == 0);
    if (!method_ok || !path_ok || path.rfind("/_emulator/", 0) == 0) continue;
    Fault fault = *it;
    if (--it->times <= 0) faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

}  // namespace wix::backinstock::emulator::detail
