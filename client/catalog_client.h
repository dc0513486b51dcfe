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

  // Caller token, sent as "authorization: JWT <token>" metadata on every call
  // when non-empty. Only the bare token: printable ASCII without spaces.
  // Never included in errors or logs.
  std::string token;

  // Transport security. TLS is used when `tls` is set or any of the files
  // below is given; otherwise the channel is insecure (plaintext).
  bool tls = false;
  // PEM roots that verify the server's certificate. Empty: gRPC's default
  // roots ($GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, else the system store).
  std::string ca_file;
  // Client certificate chain and private key (PEM) for mutual TLS. Both or
  // neither.
  std::string cert_file;
  std::string key_file;
  // Host name to verify the server's certificate against instead of the one in
  // `address` (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG): for tests and IP
  // addresses. Requires TLS.
  std::string server_name_override;
};

// True if `options` asks for TLS (see ClientOptions::tls).
bool UsesTls(const ClientOptions& options);

// Creates a channel to options.address: SSL credentials when UsesTls(),
// insecure ones otherwise. The receive size is unlimited, as large metadata
// pages need. INVALID_ARGUMENT, naming the option, if a file cannot be read or
// holds no PEM, if only one of cert_file and key_file is given, if key_file is
// encrypted or not the key of cert_file's certificate, or if
// server_name_override is given without TLS. The channel connects lazily:
// an unreachable server or a failed handshake shows up as the status of the
// first call (usually UNAVAILABLE).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

// Reads a token from `path` as catalogctl --token-file does: trailing
// whitespace (such as the final newline) is dropped. INVALID_ARGUMENT if the
// file cannot be read or holds no token. The message names the path, never
// the contents.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Names of the RPCs InvokeJson can call, in service declaration order.
std::vector<std::string_view> MethodNames();

// Calls `method` (e.g. "GetCatalog") with a request given in the proto3 JSON
// mapping (lowerCamelCase and original field names are both accepted; unknown
// fields are rejected so that typos do not silently become empty requests).
// Returns the response as indented JSON using original proto field names and
// printing default-valued fields, so scripts see a stable set of keys.
//
// From `options` it uses `timeout` (the call's deadline) and `token` (sent as
// "authorization: JWT <token>" when non-empty); the channel's options are
// fixed when it is made, by MakeChannel.
//
// Errors:
//  - unknown method, unparsable request, or a token that cannot be sent as
//    gRPC metadata: INVALID_ARGUMENT, no RPC is made and *rpc_status is left
//    untouched;
//  - the RPC failed: the same code and message as the RPC status, which is
//    also stored in *rpc_status (a missing or rejected token is the server's
//    UNAUTHENTICATED).
// Callers tell the two apart by *rpc_status (initially OK). `rpc_status` may
// be null. Error messages never contain the token.
absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status);

// As above, against any stub (tests pass the generated mock stub).
absl::StatusOr<std::string> InvokeJson(
    enterprise_catalog::v1::EnterpriseCatalogService::StubInterface& stub,
    std::string_view method, std::string_view request_json,
    const ClientOptions& options, grpc::Status* rpc_status);

}  // namespace ec::client
