#pragma once

#include <memory>

#include <grpcpp/grpcpp.h>

namespace ec::testing {

// Calls grpc.health.v1.Health/Check for the server as a whole (an empty
// HealthCheckRequest), as a probe or grpcurl would, with a 5-second
// deadline. It goes through grpc::GenericStub with hand-encoded bytes, so no
// generated health stub is needed.
//
// If `serving_status` is not null it is set to the reported
// HealthCheckResponse.status (0 UNKNOWN, 1 SERVING, 2 NOT_SERVING,
// 3 SERVICE_UNKNOWN), or to -1 if the call failed or the response does not
// decode.
grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         int* serving_status = nullptr);

}  // namespace ec::testing
