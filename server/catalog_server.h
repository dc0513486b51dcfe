#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/statusor.h"
#include "server/catalog_core.h"
#include "server/grpc_service.h"
#include "storage/catalog_store.h"

namespace ec {

struct ServerOptions {
  std::string address = "0.0.0.0:50051";
  int worker_threads = 4;
  int max_receive_message_bytes = 4 * 1024 * 1024;
  std::chrono::seconds shutdown_grace{15};
  RefreshPolicy refresh;
};

// A running gRPC server: the catalog service plus grpc.health.v1 and server
// reflection, so that grpcurl works without .proto files.
class CatalogServer {
 public:
  // Starts listening. Does not take ownership of `store` or `queue`, which
  // must outlive the server. Without a queue the refresh RPCs are
  // UNIMPLEMENTED and catalog changes trigger no refresh.
  static absl::StatusOr<std::unique_ptr<CatalogServer>> Start(
      const ServerOptions& options, storage::CatalogStore* store,
      storage::RefreshQueue* queue = nullptr);

  ~CatalogServer();

  // The bound port (useful with port 0).
  int port() const { return port_; }

  // Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish
  // within the grace period (then cancels them) and joins the workers.
  // Idempotent. Never call it from a gRPC or worker thread: it waits for them.
  void Shutdown();

 private:
  CatalogServer(const ServerOptions& options, storage::CatalogStore* store,
                storage::RefreshQueue* queue);

  const ServerOptions options_;
  CatalogCore core_;
  boost::asio::thread_pool workers_;
  CatalogGrpcService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace ec
