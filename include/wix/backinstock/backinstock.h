#pragma once

/// @file backinstock.h
/// Umbrella header of the Wix Back-in-Stock C++ SDK: every header of the library (not of its
/// components: journal.h, prometheus_metrics.h, mocks.h, testing/).

#include "wix/backinstock/app_clients.h"       // IWYU pragma: export
#include "wix/backinstock/async_client.h"      // IWYU pragma: export
#include "wix/backinstock/async_connection.h"  // IWYU pragma: export
#include "wix/backinstock/async_options.h"     // IWYU pragma: export
#include "wix/backinstock/attempt_record.h"    // IWYU pragma: export
#include "wix/backinstock/batch_result.h"      // IWYU pragma: export
#include "wix/backinstock/client.h"            // IWYU pragma: export
#include "wix/backinstock/client_options.h"    // IWYU pragma: export
#include "wix/backinstock/connection.h"        // IWYU pragma: export
#include "wix/backinstock/credentials.h"       // IWYU pragma: export
#include "wix/backinstock/curl_transport.h"    // IWYU pragma: export
#include "wix/backinstock/errors.h"            // IWYU pragma: export
#include "wix/backinstock/fwd.h"               // IWYU pragma: export
#include "wix/backinstock/json_object.h"       // IWYU pragma: export
#include "wix/backinstock/model.h"             // IWYU pragma: export
#include "wix/backinstock/observer.h"          // IWYU pragma: export
#include "wix/backinstock/paths.h"             // IWYU pragma: export
#include "wix/backinstock/query.h"             // IWYU pragma: export
#include "wix/backinstock/query_pager.h"       // IWYU pragma: export
#include "wix/backinstock/retry.h"             // IWYU pragma: export
#include "wix/backinstock/transport.h"         // IWYU pragma: export
#include "wix/backinstock/version.h"           // IWYU pragma: export
#include "wix/backinstock/webhooks.h"          // IWYU pragma: export
