#include "tests/support/grpc_health.h"

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <grpcpp/generic/generic_stub.h>

namespace ec::testing {
namespace {

// HealthCheckResponse{status = 1 (an enum)} on the wire: nothing for the
// default, UNKNOWN (0); otherwise tag 0x08 (field 1, varint) and the value,
// one byte for every value the enum has. -1 for anything else.
int DecodeServingStatus(const grpc::ByteBuffer& response) {
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != 0x08 || (bytes[1] & 0x80) != 0) {
    return -1;
  }
  return bytes[1];
}

}  // namespace

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                         int* serving_status) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::GenericStub stub(channel);
  // HealthCheckRequest{service: ""} encodes to no bytes.
  grpc::Slice empty;
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  if (serving_status != nullptr) {
    *serving_status = status.ok() ? DecodeServingStatus(response) : -1;
  }
  return status;
}

}  // namespace ec::testing
