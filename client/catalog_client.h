#pragma once

// A JSON-in, JSON-out client for EnterpriseCatalogService, so that operators
// and scripts can call any RPC by name without a gRPC toolchain of their own.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::client {

struct ClientOptions {
  std::string address = "127.0.0.1:50051";
  std::chrono::milliseconds timeout{10000};
};

// Insecure credentials for now; TLS arrives with the transport-security issue.
std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options);

// Names of the RPCs InvokeJson can call, in service declaration order.
std::vector<std::string_view> MethodNames();

// Calls `method` (e.g. "GetCatalog") with a request given in the proto3 JSON
// mapping (lowerCamelCase and original field names are both accepted; unknown
// fields are rejected so that typos do not silently become empty requests).
// Returns the response as indented JSON using original proto field names and
// printing default-valued fields, so scripts see a stable set of keys.
//
// Errors:
//  - unknown method or unparsable request: INVALID_ARGUMENT, no RPC is made
//    and *rpc_status is left untouched;
//  - the RPC failed: the same code and message as the RPC status, which is
//    also stored in *rpc_status.
// Callers tell the two apart by *rpc_status (initially OK). `rpc_status` may
// be null.
absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       std::chrono::milliseconds timeout,
                                       grpc::Status* rpc_status);

// As above, against any stub (tests pass the generated mock stub).
absl::StatusOr<std::string> InvokeJson(
    enterprise_catalog::v1::EnterpriseCatalogService::StubInterface& stub,
    std::string_view method, std::string_view request_json,
    std::chrono::milliseconds timeout, grpc::Status* rpc_status);

}  // namespace ec::client
