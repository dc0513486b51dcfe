#pragma once

#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "metrics/metrics.h"

namespace ec::server {

// Records go-grpc-prometheus's grpc_server_* metrics for every call the
// server handles (our service, health checking and reflection alike), as a
// server interceptor so that no handler has to remember to.
class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  // Every call asks for its method's metrics. The method name is a pointer
  // into the server's method table, stable for the server's life, so the
  // lookup is keyed by it: no string built or hashed per call.
  absl::Mutex mu_;
  absl::flat_hash_map<const char*, const metrics::GrpcMethodMetrics*> by_method_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace ec::server
