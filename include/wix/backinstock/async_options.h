#pragma once

/// @file async_options.h
/// Settings of `AsyncClient` (`AsyncOptions`) and the outcome of one item of a batch, a stream or
/// a callback (`BatchResult`), apart from the client itself.

#include <cstddef>
#include <exception>

namespace wix::backinstock {

/// Settings of the asynchronous client.
struct AsyncOptions {
  /// Requests on the wire at once (also the number of connections kept).
  std::size_t max_in_flight = 64;
};

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
