#pragma once

/// @file fwd.h
/// Declarations of the SDK's public types without their definitions, for headers of yours that
/// only name them (a pointer, a reference, a function's parameter): including this costs nothing
/// next to client.h. Include the type's own header where you use it.

// Declarations only, by design: each type is defined in its own header.
// NOLINTBEGIN(bugprone-forward-declaration-namespace)
namespace wix::backinstock {

// Clients and their seams (client.h, connection.h, async_client.h, async_connection.h,
// app_clients.h, query_pager.h).
class Client;
class Connection;
class AsyncClient;
class AsyncConnection;
class AppClients;
class QueryPager;

// Options and outcomes (client_options.h, async_options.h, batch_result.h, retry.h,
// attempt_record.h, curl_transport.h).
struct ClientOptions;
struct CallOptions;
struct PagerOptions;
struct AsyncOptions;
struct BatchResult;
struct RetryPolicy;
struct AttemptRecord;
struct CurlTransportOptions;

// The wire seam (transport.h, curl_transport.h).
struct HttpRequest;
struct HttpResponse;
class Transport;
class CurlTransport;

// Credentials (credentials.h).
class Credentials;
class ApiKeyCredentials;
class AccessTokenCredentials;
class TokenProviderCredentials;
class CachedTokenCredentials;
class OAuthClientCredentials;
class VisitorCredentials;
class RefreshTokenCredentials;
class BoundTokenCredentials;
struct OAuthOptions;

// Requests, results and queries (model.h, json_object.h, query.h).
class JsonObject;
class CatalogReference;
class Image;
class ItemDetails;
class ReportItemsBackInStockRequest;
class NewNotificationRequest;
struct NotificationRequest;
struct CatalogReferenceCount;
struct CollectionState;
struct Settings;
struct PagingMetadata;
struct QueryPage;
class Query;
class Filter;
enum class QueryField;
enum class SortOrder;

// Errors (errors.h).
class Error;
class ValidationError;
class UnimplementedError;
class TransportError;
class CredentialsError;
class PagingError;
class ApiError;
class RateLimitedError;
struct ApiErrorDetails;
struct FieldViolation;

// Observing calls (observer.h).
class Observer;
struct AttemptEvent;
struct CallEvent;
struct TokenRequestEvent;
struct JournalEvent;
enum class CallOutcome;

// Webhooks (webhooks.h).
namespace webhooks {
class Verifier;
class WebhookError;
struct Event;
}  // namespace webhooks

// The report journal (journal.h, its own component).
class ReportJournal;
class JournalError;
struct JournalOptions;
struct JournalEntry;
struct JournaledReport;
enum class Resolution;

}  // namespace wix::backinstock
// NOLINTEND(bugprone-forward-declaration-namespace)
