#pragma once

/// @file async_options.h
/// Settings of `AsyncClient` (`AsyncOptions`), apart from the client itself.

#include <cstddef>

namespace wix::backinstock {

/// Settings of the asynchronous client.
struct AsyncOptions {
  /// Requests on the wire at once (also the number of connections kept).
  std::size_t max_in_flight = 64;
};

}  // namespace wix::backinstock
