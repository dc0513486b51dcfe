#include "server/catalog_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "common/log.h"

namespace ec {

CatalogServer::CatalogServer(const ServerOptions& options,
                             storage::CatalogStore* store)
    : options_(options),
      core_(store),
      workers_(static_cast<size_t>(options.worker_threads)),
      service_(&core_, &workers_) {}

absl::StatusOr<std::unique_ptr<CatalogServer>> CatalogServer::Start(
    const ServerOptions& options, storage::CatalogStore* store) {
  if (options.worker_threads < 1) {
    return absl::InvalidArgumentError("worker_threads must be at least 1");
  }
  std::unique_ptr<CatalogServer> server(new CatalogServer(options, store));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.RegisterService(&server->service_);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->shut_down_ = true;
    return absl::UnavailableError("cannot listen on " + options.address +
                                  " (address in use or invalid)");
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

CatalogServer::~CatalogServer() { Shutdown(); }

void CatalogServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  LogInfo("server", "draining",
          {{"grace_seconds", options_.shutdown_grace.count()}});
  server_->Shutdown(std::chrono::system_clock::now() + options_.shutdown_grace);
  server_->Wait();
  workers_.join();
  LogInfo("server", "stopped");
}

}  // namespace ec
