#pragma once

/// @file paths.h
/// Paths of the services below the base URL. No dependencies: lower layers and tests use them
/// without the client.

namespace wix::backinstock {

/// Path prefix of both services on `www.wixapis.com`.
inline constexpr char kServicePrefix[] = "/back-in-stock-service";
/// Path of the notification requests collection, below the prefix.
inline constexpr char kRequestsPath[] =
    "/back-in-stock-service/v1/back-in-stock-notification-requests";

}  // namespace wix::backinstock
