#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace ec {

// Records go-grpc-prometheus's grpc_server_* metrics for every call the
// server handles (our service, health checking and reflection alike), as a
// server interceptor so that no handler has to remember to.
class GrpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace ec
