#include "server/catalog_server.h"

#include <algorithm>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "common/log.h"

namespace ec {

CatalogServer::CatalogServer(const ServerOptions& options,
                             storage::CatalogStore* store,
                             storage::RefreshQueue* queue)
    : options_(options),
      core_(store, queue, options.refresh),
      workers_(static_cast<size_t>(options.worker_threads)),
      service_(&core_, &workers_) {}

absl::StatusOr<std::unique_ptr<CatalogServer>> CatalogServer::Start(
    const ServerOptions& options, storage::CatalogStore* store,
    storage::RefreshQueue* queue) {
  if (options.worker_threads < 1) {
    return absl::InvalidArgumentError("worker_threads must be at least 1");
  }
  std::unique_ptr<CatalogServer> server(
      new CatalogServer(options, store, queue));
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
  const auto start = std::chrono::system_clock::now();
  const auto deadline = start + options_.shutdown_grace;
  if (const int left = service_.Drain(deadline); left > 0) {
    LogWarn("server", "grace period over; cancelling calls",
            {{"in_flight", left}});
  }
  // Keep answering UNAVAILABLE a little longer: a client whose call just
  // finished may already be sending its next one, and once the gRPC core
  // shuts down such calls are reset (CANCELLED) instead of refused.
  std::this_thread::sleep_until(
      std::min(deadline, start + std::chrono::milliseconds(500)));
  // Nothing of ours is running any more. The core server would otherwise
  // wait out the deadline for idle client connections to close, so give it
  // only a moment before it closes them (and cancels any straggler).
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(100));
  server_->Wait();
  workers_.join();
  LogInfo("server", "stopped");
}

}  // namespace ec
