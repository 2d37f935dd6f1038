#pragma once

// What the end of an asynchronous call makes of its future: the 200 body decoded by result type
// (answers.h), or the call's error; and Count's parts merged into one future. `AsyncClient`'s
// connection hands these to the engine, which knows calls, not API methods. Internal.

#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "answers.h"
#include "call.h"
#include "wix/backinstock/model.h"

namespace wix::backinstock::internal {

/// The end of a call that settles `promise`: its result decoded from the 200 body (an answer about
/// another request than `expected_id`, when given, is an error), or its error.
template <typename Result>
std::function<void(CallEnd&&)> settle(std::shared_ptr<std::promise<Result>> promise,
                                      std::string expected_id) {
  return [promise = std::move(promise), expected_id = std::move(expected_id)](CallEnd&& end) {
    if (end.error) {
      promise->set_exception(std::move(end.error));
      return;
    }
    try {
      if constexpr (std::is_void_v<Result>) {
        promise->set_value();
      } else {
        promise->set_value(decode_answer(
            [&expected_id](std::string_view text) {
              return decode_result_about<Result>(text, expected_id);
            },
            end.body, end.attempts));
      }
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  };
}

/// Count's parts, run concurrently, merged into one future: each part's answer matched to its
/// references, the results concatenated in the parts' order. The first failing part fails the
/// whole call; the others still run to their end.
class CountMerge : public std::enable_shared_from_this<CountMerge> {
 public:
  using Result = std::vector<CatalogReferenceCount>;

  /// A merge of `parts` parts (none: the future is ready at once, empty).
  static std::shared_ptr<CountMerge> make(std::size_t parts);

  std::future<Result> future() { return promise_.get_future(); }

  /// The end of part `index`, which asked for `asked`.
  std::function<void(CallEnd&&)> part(std::size_t index, std::vector<CatalogReference> asked);

 private:
  explicit CountMerge(std::size_t parts) : parts_(parts), left_(parts) {}
  void settle(std::exception_ptr error);  // with `mutex_` held

  std::mutex mutex_;
  std::vector<Result> parts_;
  std::size_t left_;
  bool settled_ = false;
  std::promise<Result> promise_;
};

}  // namespace wix::backinstock::internal
