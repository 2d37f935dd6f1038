#pragma once

// Query evaluation: filters (`$eq`, `$in`, `$and`, ...), sorting, cursor paging with the state in
// the cursor. Transport-free and stateless: it reads the requests it is given.
//
// A filter is checked and compiled once (at most `kMaxQueryFilterOperators`; `$in` values go into
// a hash set), then it picks its candidates from an index when one applies (ID, status, catalog
// item) and walks them in the order asked. The default order (`createdDate`) is creation order, so
// a page of the newest requests reads about as many records as it returns; the cursor of such a
// page remembers the last request returned, so the next page starts there.

#include <cstddef>

#include "replies.h"
#include "request_table.h"

namespace wix::backinstock::emulator::detail {

/// The answer to a Query body (`{"query": {...}}`) over `requests`: a page of
/// `{"requests", "metadata"}`, or the 400 the service gives for an invalid filter, sort or cursor.
Reply evaluate_query(const RequestTable& requests, const json& body);

}  // namespace wix::backinstock::emulator::detail
