#pragma once

/// @file backinstock.h
/// Umbrella header of the Wix Back-in-Stock C++ SDK.

#include "wix/backinstock/async_client.h"  // IWYU pragma: export
#include "wix/backinstock/client.h"        // IWYU pragma: export
#include "wix/backinstock/credentials.h"   // IWYU pragma: export
#include "wix/backinstock/errors.h"        // IWYU pragma: export
#include "wix/backinstock/json_object.h"   // IWYU pragma: export
#include "wix/backinstock/model.h"         // IWYU pragma: export
#include "wix/backinstock/paths.h"         // IWYU pragma: export
#include "wix/backinstock/query.h"         // IWYU pragma: export
#include "wix/backinstock/retry.h"         // IWYU pragma: export
#include "wix/backinstock/transport.h"     // IWYU pragma: export
#include "wix/backinstock/version.h"       // IWYU pragma: export
#include "wix/backinstock/webhooks.h"      // IWYU pragma: export
