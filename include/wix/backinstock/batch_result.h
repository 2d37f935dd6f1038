#pragma once

/// @file batch_result.h
/// `BatchResult`: the outcome of one item of a batch, a stream or a callback of `AsyncClient`.

#include <exception>

namespace wix::backinstock {

/// The outcome of one item of a batch.
struct BatchResult {
  std::exception_ptr error;  ///< null on success
  /// True when the item succeeded.
  bool ok() const noexcept { return !error; }
  /// Throws the item's typed error; does nothing on success.
  void rethrow() const {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace wix::backinstock
