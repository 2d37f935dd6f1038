#include "async_answers.h"

#include <exception>
#include <iterator>

namespace wix::backinstock::internal {

std::shared_ptr<CountMerge> CountMerge::make(std::size_t parts) {
  std::shared_ptr<CountMerge> merge(new CountMerge(parts));
  if (parts == 0) merge->promise_.set_value({});
  return merge;
}

std::function<void(CallEnd&&)> CountMerge::part(std::size_t index,
                                                std::vector<CatalogReference> asked) {
  return [self = shared_from_this(), index, asked = std::move(asked)](CallEnd&& end) {
    std::exception_ptr error = std::move(end.error);
    Result result;
    if (!error) {
      try {
        result = decode_answer([&asked](std::string_view text) { return decode_part(asked, text); },
                               end.body, end.attempts);
      } catch (...) {
        error = std::current_exception();
      }
    }
    std::lock_guard<std::mutex> guard(self->mutex_);
    if (!error) self->parts_[index] = std::move(result);
    if (error || --self->left_ == 0) self->settle(error);
  };
}

void CountMerge::settle(std::exception_ptr error) {
  if (settled_) return;
  settled_ = true;
  if (error) {
    promise_.set_exception(std::move(error));
    return;
  }
  Result all;
  for (auto& part : parts_) std::move(part.begin(), part.end(), std::back_inserter(all));
  promise_.set_value(std::move(all));
}

}  // namespace wix::backinstock::internal
