#pragma once

#include <chrono>
#include <string_view>

#include <boost/asio/thread_pool.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "auth/authenticator.h"
#include "core/catalog_core.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "spdlog/spdlog.h"

namespace ec::server {

// The gRPC adapter: each unary call's authorization metadata is turned into
// a Principal on the gRPC thread, then the call is handed to the RPC thread
// pool (the core blocks on PostgreSQL, which callback reactions must never
// do) and finished from there. The contains RPCs are first offered to the
// core's in-memory answer on the gRPC thread: a thread hand-off costs more
// than the answer (about 25 us against 3 on this machine class), so only
// the calls memory cannot answer take it. No business logic lives here.
class CatalogGrpcService final : public ::enterprise_catalog::v1::
                                     EnterpriseCatalogService::CallbackService {
 public:
  // Does not take ownership; all must outlive the service.
  // Each call is logged at `call_log_level` (server faults at warn, refused
  // callers at info or above regardless). At most `max_queued_calls`
  // authenticated calls wait for or run on `rpc_threads`; more are answered
  // RESOURCE_EXHAUSTED at once.
  CatalogGrpcService(core::CatalogCore* core, const auth::Authenticator* auth,
                     boost::asio::thread_pool* rpc_threads,
                     spdlog::level::level_enum call_log_level,
                     int max_queued_calls)
      : core_(core),
        auth_(auth),
        rpc_threads_(rpc_threads),
        call_log_level_(call_log_level),
        max_queued_calls_(max_queued_calls) {}

  grpc::ServerUnaryReactor* CreateCatalog(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::CreateCatalogRequest* req,
      ::enterprise_catalog::v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* GetCatalog(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetCatalogRequest* req,
      ::enterprise_catalog::v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* ListCatalogs(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::ListCatalogsRequest* req,
      ::enterprise_catalog::v1::ListCatalogsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateCatalog(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::UpdateCatalogRequest* req,
      ::enterprise_catalog::v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* DeleteCatalog(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::DeleteCatalogRequest* req,
      ::enterprise_catalog::v1::DeleteCatalogResponse* resp) override;
  grpc::ServerUnaryReactor* ContainsContentItems(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::ContainsContentItemsRequest* req,
      ::enterprise_catalog::v1::ContainsContentItemsResponse* resp) override;
  grpc::ServerUnaryReactor* CustomerContainsContentItems(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::CustomerContainsContentItemsRequest* req,
      ::enterprise_catalog::v1::CustomerContainsContentItemsResponse* resp)
      override;
  grpc::ServerUnaryReactor* GetCatalogMetadata(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetCatalogMetadataRequest* req,
      ::enterprise_catalog::v1::GetCatalogMetadataResponse* resp) override;
  grpc::ServerUnaryReactor* GetContentMetadata(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetContentMetadataRequest* req,
      ::enterprise_catalog::v1::GetContentMetadataResponse* resp) override;
  grpc::ServerUnaryReactor* RefreshCatalog(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::RefreshCatalogRequest* req,
      ::enterprise_catalog::v1::RefreshJob* resp) override;
  grpc::ServerUnaryReactor* GetRefreshJob(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetRefreshJobRequest* req,
      ::enterprise_catalog::v1::RefreshJob* resp) override;
  grpc::ServerUnaryReactor* NotifyContentChanged(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::NotifyContentChangedRequest* req,
      ::enterprise_catalog::v1::NotifyContentChangedResponse* resp) override;
  grpc::ServerUnaryReactor* GetCatalogQuery(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetCatalogQueryRequest* req,
      ::enterprise_catalog::v1::CatalogQuery* resp) override;
  grpc::ServerUnaryReactor* HashContentFilter(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::HashContentFilterRequest* req,
      ::enterprise_catalog::v1::HashContentFilterResponse* resp) override;
  grpc::ServerUnaryReactor* UpsertEnterpriseCustomer(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::UpsertEnterpriseCustomerRequest* req,
      ::enterprise_catalog::v1::EnterpriseCustomer* resp) override;
  grpc::ServerUnaryReactor* GetEnterpriseCustomer(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetEnterpriseCustomerRequest* req,
      ::enterprise_catalog::v1::EnterpriseCustomer* resp) override;
  grpc::ServerUnaryReactor* GetCustomerContentMetadata(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::GetCustomerContentMetadataRequest* req,
      ::enterprise_catalog::v1::GetCustomerContentMetadataResponse* resp)
      override;
  grpc::ServerUnaryReactor* DiffCatalogContent(
      grpc::CallbackServerContext* ctx,
      const ::enterprise_catalog::v1::DiffCatalogContentRequest* req,
      ::enterprise_catalog::v1::DiffCatalogContentResponse* resp) override;

  // Starts draining: from now on new calls are answered UNAVAILABLE at once
  // (clients retry elsewhere), while calls already running continue. Waits
  // until none is running or `deadline` passes; returns the number still
  // running. gRPC 1.51 resets calls that arrive while the core server shuts
  // down (clients see CANCELLED), so the server is only shut down after this.
  int Drain(std::chrono::system_clock::time_point deadline);

 private:
  // `from_memory`, when given, is tried first on the calling gRPC thread: it
  // must not block, and answers nullopt to pass the call on to `handler`.
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Dispatch(
      std::string_view method, grpc::CallbackServerContext* ctx, const Req* req,
      Resp* resp,
      absl::Status (core::CatalogCore::*handler)(const auth::Principal&,
                                                 const Req&, Resp*),
      std::optional<absl::Status> (core::CatalogCore::*from_memory)(
          const auth::Principal&, const Req&, Resp*) const = nullptr);
  // Logs the call's line and finishes it with `status`.
  void Finish(std::string_view method, grpc::CallbackServerContext* ctx,
              grpc::ServerUnaryReactor* reactor,
              std::chrono::steady_clock::time_point start,
              const std::string& request_id, const std::string& subject,
              const absl::Status& status);

  core::CatalogCore* core_;
  const auth::Authenticator* auth_;
  boost::asio::thread_pool* rpc_threads_;
  const spdlog::level::level_enum call_log_level_;
  const int max_queued_calls_;
  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// Correlates a call across services: taken from the caller's metadata,
// generated when absent, logged with the call and sent back in the response
// headers.
inline constexpr std::string_view kRequestIdHeader = "x-request-id";

// The call's request id: the caller's x-request-id if usable (1-128
// printable ASCII characters), else a new random 32-hex-digit one.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);

// The one mapping from absl to gRPC status: both use the google.rpc.Code
// numbering, and the message is kept, except for the server's own faults
// (INTERNAL, UNKNOWN, DATA_LOSS): their text can hold SQL, table names and
// PostgreSQL's hints, so the caller gets what failed in general and the
// call's request id, under which the full text is logged.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          std::string_view request_id);

}  // namespace ec::server
