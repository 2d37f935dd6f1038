#pragma once

// Query evaluation: filters (`$eq`, `$in`, `$and`, ...), sorting, cursor paging with the state in
// the cursor. Transport-free and stateless: it reads the requests it is given.

#include <vector>

#include "replies.h"

namespace wix::backinstock::emulator::detail {

/// The answer to a Query body (`{"query": {...}}`) over `requests` (in creation order): a page of
/// `{"requests", "metadata"}`, or the 400 the service gives for an invalid filter, sort or cursor.
Reply evaluate_query(const std::vector<json>& requests, const json& body);

}  // namespace wix::backinstock::emulator::detail
