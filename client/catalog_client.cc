#include "client/catalog_client.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::client {
namespace {

using StubInterface =
    enterprise_catalog::v1::EnterpriseCatalogService::StubInterface;

// This abseil build does not alias absl::string_view to std::string_view.
absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// Recovers the request and response types from a blocking stub method, so
// that the method table below needs nothing but the member pointer.
template <typename T>
struct StubMethodTraits;

template <typename Req, typename Resp>
struct StubMethodTraits<grpc::Status (StubInterface::*)(grpc::ClientContext*,
                                                        const Req&, Resp*)> {
  using Request = Req;
  using Response = Resp;
};

using Invoker = absl::StatusOr<std::string> (*)(StubInterface&,
                                                std::string_view request_json,
                                                grpc::ClientContext&,
                                                grpc::Status* rpc_status);

template <auto kMethod>
absl::StatusOr<std::string> CallJson(StubInterface& stub,
                                     std::string_view request_json,
                                     grpc::ClientContext& context,
                                     grpc::Status* rpc_status) {
  using Traits = StubMethodTraits<decltype(kMethod)>;
  typename Traits::Request request;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(request_json.data(),
                                        request_json.size()),
          &request, parse_options);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", request.GetDescriptor()->name(),
                     " JSON: ", std::string(parsed.message())));
  }

  typename Traits::Response response;
  grpc::Status status = (stub.*kMethod)(&context, request, &response);
  if (rpc_status != nullptr) *rpc_status = status;
  if (!status.ok()) {
    // grpc::StatusCode and absl::StatusCode share their numbering.
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }

  google::protobuf::util::JsonPrintOptions print_options;
  print_options.always_print_primitive_fields = true;
  print_options.preserve_proto_field_names = true;
  print_options.add_whitespace = true;
  std::string out;
  if (auto printed = google::protobuf::util::MessageToJsonString(response, &out,
                                                                 print_options);
      !printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print response as JSON: ",
                                            std::string(printed.message())));
  }
  return out;
}

struct MethodEntry {
  std::string_view name;
  Invoker invoke;
};

// Adding an RPC to the client is one line here.
constexpr std::array kMethods = {
    MethodEntry{"CreateCatalog", &CallJson<&StubInterface::CreateCatalog>},
    MethodEntry{"GetCatalog", &CallJson<&StubInterface::GetCatalog>},
    MethodEntry{"ListCatalogs", &CallJson<&StubInterface::ListCatalogs>},
    MethodEntry{"UpdateCatalog", &CallJson<&StubInterface::UpdateCatalog>},
    MethodEntry{"DeleteCatalog", &CallJson<&StubInterface::DeleteCatalog>},
    MethodEntry{"ContainsContentItems",
                &CallJson<&StubInterface::ContainsContentItems>},
    MethodEntry{"CustomerContainsContentItems",
                &CallJson<&StubInterface::CustomerContainsContentItems>},
    MethodEntry{"GetCatalogMetadata",
                &CallJson<&StubInterface::GetCatalogMetadata>},
    MethodEntry{"GetContentMetadata",
                &CallJson<&StubInterface::GetContentMetadata>},
    MethodEntry{"RefreshCatalog", &CallJson<&StubInterface::RefreshCatalog>},
    MethodEntry{"GetRefreshJob", &CallJson<&StubInterface::GetRefreshJob>},
};

}  // namespace

std::shared_ptr<grpc::Channel> MakeChannel(const ClientOptions& options) {
  grpc::ChannelArguments args;
  // A GetCatalogMetadata page of 1,000 documents can be tens of MB, far over
  // gRPC's default 4 MiB receive limit.
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(options.address,
                                   grpc::InsecureChannelCredentials(), args);
}

std::vector<std::string_view> MethodNames() {
  std::vector<std::string_view> names;
  names.reserve(kMethods.size());
  for (const MethodEntry& entry : kMethods) names.push_back(entry.name);
  return names;
}

absl::StatusOr<std::string> InvokeJson(StubInterface& stub,
                                       std::string_view method,
                                       std::string_view request_json,
                                       std::chrono::milliseconds timeout,
                                       grpc::Status* rpc_status) {
  auto entry =
      std::find_if(kMethods.begin(), kMethods.end(),
                   [&](const MethodEntry& e) { return e.name == method; });
  if (entry == kMethods.end()) {
    std::string known;
    for (const MethodEntry& e : kMethods) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", ToAbsl(e.name));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown method \"", ToAbsl(method), "\"; known methods: ", known));
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  return entry->invoke(stub, request_json, context, rpc_status);
}

absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       std::chrono::milliseconds timeout,
                                       grpc::Status* rpc_status) {
  // The stub wants shared ownership, but it lives only for this call and the
  // caller keeps the channel alive, so a non-owning alias is enough (and works
  // for channels that are not owned by a shared_ptr).
  std::shared_ptr<grpc::ChannelInterface> unowned(
      std::shared_ptr<grpc::ChannelInterface>(), &channel);
  enterprise_catalog::v1::EnterpriseCatalogService::Stub stub(unowned);
  return InvokeJson(stub, method, request_json, timeout, rpc_status);
}

}  // namespace ec::client
