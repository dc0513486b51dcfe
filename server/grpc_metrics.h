#pragma once

#include <string>
#include <vector>

#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "metrics/metrics.h"

namespace ec::server {

// Records go-grpc-prometheus's grpc_server_* metrics for every call the
// server handles (our service, health checking and reflection alike), as a
// server interceptor so that no handler has to remember to.
//
// Series exist only for the methods of the services named at construction
// (all at zero from the start, as go-grpc-prometheus's InitializeMetrics
// does); a call to any other path, which any client can send without a
// token, counts under grpc_service="unknown", grpc_method="unknown", so no
// caller can grow memory or /metrics.
class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `services`: full names ("package.Service") of the services the server
  // registers, as the generated descriptor pool knows them. A name the pool
  // does not know has its calls counted as unknown.
  explicit GrpcMetricsInterceptorFactory(
      const std::vector<std::string>& services);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  // Built before the server starts and never changed: read without a lock.
  // Keyed by the path's text, not by info->method()'s pointer, which for an
  // unregistered path points into that call alone.
  absl::flat_hash_map<std::string, const metrics::GrpcMethodMetrics*>
      by_method_;
  const metrics::GrpcMethodMetrics* unknown_;
};

}  // namespace ec::server
