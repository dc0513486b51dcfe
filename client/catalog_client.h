#pragma once

// Clients for EnterpriseCatalogService: a typed one (CatalogClient) for C++
// callers, and a JSON-in, JSON-out one (InvokeJson) so that operators and
// scripts can call any RPC by name without a gRPC toolchain of their own. Both
// share one call path: deadline, token and retries behave the same.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::client {

// Returns the token for the next attempt (the bare token, as
// ClientOptions::token). Called before every attempt, so it may refresh an
// expiring token. An error fails the call with that status and no RPC is
// made; return UNAUTHENTICATED when no token can be had. Must be thread-safe
// if the client is shared between threads.
using TokenProvider = std::function<absl::StatusOr<std::string>()>;

// When and how often idempotent calls are repeated. See CatalogClient.
struct RetryOptions {
  // Attempts per call, the first included; 1 turns retries off. Values
  // below 1 count as 1.
  int max_attempts = 4;
  // Backoff before retry n (n = 1, 2, ...) is drawn uniformly from
  // [0, min(max_backoff, initial_backoff * 2^(n-1))] ("full jitter", so that
  // clients failed by the same outage do not come back in step).
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};

  // Test hooks. `sleep` waits between attempts (default: waits while
  // watching the channel, so that reconnects progress; see Sleep in the .cc).
  // `jitter` picks the backoff in [0, cap] (default: uniform random).
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::milliseconds(std::chrono::milliseconds cap)>
      jitter;
};

struct ClientOptions {
  std::string address = "127.0.0.1:50051";
  // Default deadline of a call, covering all its attempts and the backoff
  // between them. CallOptions::timeout overrides it per call.
  std::chrono::milliseconds timeout{10000};

  // Caller token, sent as "authorization: JWT <token>" metadata on every call
  // when non-empty. Only the bare token: printable ASCII without spaces.
  // Never included in errors or logs.
  std::string token;
  // If set, replaces `token`: asked for the token before every attempt.
  TokenProvider token_provider;

  RetryOptions retry;

  // Transport security. TLS is used when `tls` is set or any of the files
  // below is given; otherwise the channel is insecure (plaintext).
  bool tls = false;
  // PEM roots that verify the server's certificate. Empty: gRPC's default
  // roots ($GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, else the system store).
  std::string ca_file;
  // Client certificate chain and private key (PEM) for mutual TLS. Both or
  // neither.
  std::string cert_file;
  std::string key_file;
  // Host name to verify the server's certificate against instead of the one in
  // `address` (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG): for tests and IP
  // addresses. Requires TLS.
  std::string server_name_override;
};

// True if `options` asks for TLS (see ClientOptions::tls).
bool UsesTls(const ClientOptions& options);

// Creates a channel to options.address: SSL credentials when UsesTls(),
// insecure ones otherwise. The receive size is unlimited, as large metadata
// pages need. INVALID_ARGUMENT, naming the option, if a file cannot be read or
// holds no PEM, if only one of cert_file and key_file is given, if key_file is
// encrypted or not the key of cert_file's certificate, or if
// server_name_override is given without TLS. The channel connects lazily:
// an unreachable server or a failed handshake shows up as the status of the
// first call (usually UNAVAILABLE).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

// Reads a token from `path` as catalogctl --token-file does: trailing
// whitespace (such as the final newline) is dropped. INVALID_ARGUMENT if the
// file cannot be read or holds no token. The message names the path, never
// the contents.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Names of the RPCs InvokeJson can call, in service declaration order.
std::vector<std::string_view> MethodNames();

// True if `method` (e.g. "GetCatalog") may be retried: the reads,
// RefreshCatalog, whose repeat joins the job the first call queued,
// NotifyContentChanged, whose repeat flags the same content and joins the same
// jobs, and UpsertEnterpriseCustomer, whose repeat writes the same customer
// again (an identical upsert changes nothing). False for CreateCatalog,
// UpdateCatalog, DeleteCatalog and unknown names.
bool IsIdempotent(std::string_view method);

// Per-call settings.
struct CallOptions {
  // The call's deadline, counted from the start of the call and covering
  // every attempt and backoff. Unset: ClientOptions::timeout.
  std::optional<std::chrono::milliseconds> timeout;
};

// A typed client: one method per RPC, each returning the response or the
// call's final status (grpc::StatusCode and absl::StatusCode share their
// numbering, so codes carry over unchanged).
//
// Each call:
//  - has one deadline (CallOptions::timeout, else ClientOptions::timeout)
//    for all its attempts; every attempt is sent with that same deadline, so
//    the server sees how much time is really left;
//  - sends "authorization: JWT <token>" from token_provider (asked before
//    every attempt) or else from the static token. A provider error fails the
//    call with the provider's status and no RPC; a provider token that cannot
//    be sent as metadata is UNAUTHENTICATED; a static token that cannot is
//    INVALID_ARGUMENT, before any RPC;
//  - is repeated, for idempotent RPCs only (IsIdempotent), while the attempt
//    failed UNAVAILABLE, fewer than retry.max_attempts attempts were made, and
//    the backoff ends before the deadline. Otherwise the last attempt's status
//    is returned: a retry that would not fit returns the UNAVAILABLE, not a
//    DEADLINE_EXCEEDED of our own making.
//
// DEADLINE_EXCEEDED is never retried: an attempt carries the whole remaining
// deadline, so when it expires nothing is left for another. Nor are the other
// codes: they describe the request (INVALID_ARGUMENT, NOT_FOUND, ...) or the
// caller (UNAUTHENTICATED, PERMISSION_DENIED), which a repeat of the same
// request does not change. Create, Update and Delete are never repeated by this
// client, whatever the code: UNAVAILABLE does not say whether the server
// applied the change, and a blind repeat could, e.g., turn a successful create
// into ALREADY_EXISTS.
//
// Thread-safe if the token provider and the retry hooks are.
class CatalogClient {
 public:
  using StubInterface =
      enterprise_catalog::v1::EnterpriseCatalogService::StubInterface;

  // Makes the channel with MakeChannel(options); its errors are returned.
  static absl::StatusOr<std::unique_ptr<CatalogClient>> Create(
      ClientOptions options);

  // Calls through `channel`, which the client keeps alive.
  CatalogClient(std::shared_ptr<grpc::ChannelInterface> channel,
                ClientOptions options);
  // Calls through `stub` (tests pass the generated mock stub).
  CatalogClient(std::shared_ptr<StubInterface> stub, ClientOptions options);

  const ClientOptions& options() const { return options_; }

  absl::StatusOr<enterprise_catalog::v1::Catalog> CreateCatalog(
      const enterprise_catalog::v1::CreateCatalogRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::Catalog> GetCatalog(
      const enterprise_catalog::v1::GetCatalogRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::ListCatalogsResponse> ListCatalogs(
      const enterprise_catalog::v1::ListCatalogsRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::Catalog> UpdateCatalog(
      const enterprise_catalog::v1::UpdateCatalogRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::DeleteCatalogResponse> DeleteCatalog(
      const enterprise_catalog::v1::DeleteCatalogRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::ContainsContentItemsResponse>
  ContainsContentItems(
      const enterprise_catalog::v1::ContainsContentItemsRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::CustomerContainsContentItemsResponse>
  CustomerContainsContentItems(
      const enterprise_catalog::v1::CustomerContainsContentItemsRequest&
          request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::GetCatalogMetadataResponse>
  GetCatalogMetadata(
      const enterprise_catalog::v1::GetCatalogMetadataRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::GetContentMetadataResponse>
  GetContentMetadata(
      const enterprise_catalog::v1::GetContentMetadataRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::RefreshJob> RefreshCatalog(
      const enterprise_catalog::v1::RefreshCatalogRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::RefreshJob> GetRefreshJob(
      const enterprise_catalog::v1::GetRefreshJobRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::NotifyContentChangedResponse>
  NotifyContentChanged(
      const enterprise_catalog::v1::NotifyContentChangedRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::CatalogQuery> GetCatalogQuery(
      const enterprise_catalog::v1::GetCatalogQueryRequest& request,
      const CallOptions& call = {}) const;
  // Computed by the server, so the hash always matches what CreateCatalog
  // stores, whatever the client's JSON library does to numbers and keys.
  absl::StatusOr<enterprise_catalog::v1::HashContentFilterResponse>
  HashContentFilter(
      const enterprise_catalog::v1::HashContentFilterRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::EnterpriseCustomer>
  UpsertEnterpriseCustomer(
      const enterprise_catalog::v1::UpsertEnterpriseCustomerRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::EnterpriseCustomer>
  GetEnterpriseCustomer(
      const enterprise_catalog::v1::GetEnterpriseCustomerRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::GetCustomerContentMetadataResponse>
  GetCustomerContentMetadata(
      const enterprise_catalog::v1::GetCustomerContentMetadataRequest& request,
      const CallOptions& call = {}) const;
  absl::StatusOr<enterprise_catalog::v1::DiffCatalogContentResponse>
  DiffCatalogContent(
      const enterprise_catalog::v1::DiffCatalogContentRequest& request,
      const CallOptions& call = {}) const;

  // InvokeJson's engine; see there. `rpc_status` may be null.
  absl::StatusOr<std::string> CallJson(std::string_view method,
                                       std::string_view request_json,
                                       const CallOptions& call,
                                       grpc::Status* rpc_status) const;

 private:
  friend class MethodDispatch;  // the per-RPC glue in catalog_client.cc

  // The one call path: makes attempts (each by calling `attempt` with a fresh
  // context carrying the deadline and token) as the class comment describes.
  // Stores the last attempt's status in *rpc_status if an RPC was made.
  absl::Status Run(
      bool idempotent, const CallOptions& call,
      const std::function<grpc::Status(grpc::ClientContext&)>& attempt,
      grpc::Status* rpc_status) const;

  // Waits `backoff` between attempts: retry.sleep if set, else see the .cc.
  void Sleep(std::chrono::milliseconds backoff) const;

  // Null when the client was given a stub.
  std::shared_ptr<grpc::ChannelInterface> channel_;
  std::shared_ptr<StubInterface> stub_;
  ClientOptions options_;
};

// Calls `method` (e.g. "GetCatalog") with a request given in the proto3 JSON
// mapping (lowerCamelCase and original field names are both accepted; unknown
// fields are rejected so that typos do not silently become empty requests).
// Returns the response as indented JSON using original proto field names and
// printing default-valued fields, so scripts see a stable set of keys.
//
// From `options` it uses `timeout` (the call's deadline), `token` and
// `token_provider` (see ClientOptions) and `retry`: the call goes through
// CatalogClient, so idempotent RPCs are retried as described there. The
// channel's options are fixed when it is made, by MakeChannel.
//
// Errors:
//  - unknown method, unparsable request, or a token that cannot be sent as
//    gRPC metadata: INVALID_ARGUMENT, no RPC is made and *rpc_status is left
//    untouched;
//  - the token provider failed: its status, no RPC is made and *rpc_status
//    is left untouched;
//  - the RPC failed: the same code and message as the last attempt's status,
//    which is also stored in *rpc_status (a missing or rejected token is the
//    server's UNAUTHENTICATED).
// Callers tell the two apart by *rpc_status (initially OK). `rpc_status` may
// be null. Error messages never contain the token.
absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status);

// As above, against any stub (tests pass the generated mock stub).
absl::StatusOr<std::string> InvokeJson(
    enterprise_catalog::v1::EnterpriseCatalogService::StubInterface& stub,
    std::string_view method, std::string_view request_json,
    const ClientOptions& options, grpc::Status* rpc_status);

}  // namespace ec::client
