#pragma once

#include <string_view>

#include <boost/asio/thread_pool.hpp>

#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "server/catalog_core.h"

namespace ec {

// The gRPC adapter: each unary call is handed to the worker pool (the core
// blocks on PostgreSQL, which callback reactions must never do) and finished
// from there. No business logic lives here.
class CatalogGrpcService final
    : public v1::EnterpriseCatalogService::CallbackService {
 public:
  // Does not take ownership; both must outlive the service.
  CatalogGrpcService(CatalogCore* core, boost::asio::thread_pool* workers)
      : core_(core), workers_(workers) {}

  grpc::ServerUnaryReactor* CreateCatalog(grpc::CallbackServerContext* ctx,
                                          const v1::CreateCatalogRequest* req,
                                          v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* GetCatalog(grpc::CallbackServerContext* ctx,
                                       const v1::GetCatalogRequest* req,
                                       v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* ListCatalogs(grpc::CallbackServerContext* ctx,
                                         const v1::ListCatalogsRequest* req,
                                         v1::ListCatalogsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateCatalog(grpc::CallbackServerContext* ctx,
                                          const v1::UpdateCatalogRequest* req,
                                          v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* DeleteCatalog(grpc::CallbackServerContext* ctx,
                                          const v1::DeleteCatalogRequest* req,
                                          v1::DeleteCatalogResponse* resp) override;
  grpc::ServerUnaryReactor* ContainsContentItems(
      grpc::CallbackServerContext* ctx,
      const v1::ContainsContentItemsRequest* req,
      v1::ContainsContentItemsResponse* resp) override;
  grpc::ServerUnaryReactor* CustomerContainsContentItems(
      grpc::CallbackServerContext* ctx,
      const v1::CustomerContainsContentItemsRequest* req,
      v1::CustomerContainsContentItemsResponse* resp) override;
  grpc::ServerUnaryReactor* GetCatalogMetadata(
      grpc::CallbackServerContext* ctx, const v1::GetCatalogMetadataRequest* req,
      v1::GetCatalogMetadataResponse* resp) override;
  grpc::ServerUnaryReactor* GetContentMetadata(
      grpc::CallbackServerContext* ctx, const v1::GetContentMetadataRequest* req,
      v1::GetContentMetadataResponse* resp) override;

 private:
  template <typename Req, typename Resp>
  grpc::ServerUnaryReactor* Dispatch(
      std::string_view method, grpc::CallbackServerContext* ctx,
      const Req* req, Resp* resp,
      absl::Status (CatalogCore::*handler)(const Req&, Resp*));

  CatalogCore* core_;
  boost::asio::thread_pool* workers_;
};

// The one mapping from absl to gRPC status: both use the google.rpc.Code
// numbering.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ec
