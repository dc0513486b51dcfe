#include "client/catalog_client.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/channel.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::client {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using StubInterface = CatalogClient::StubInterface;

// This abseil build does not alias absl::string_view to std::string_view.
absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// grpc::StatusCode and absl::StatusCode share their numbering.
absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Upper end of the backoff before retry `retry` (1-based):
// initial * 2^(retry-1), capped at max, without overflowing on the way.
std::chrono::milliseconds BackoffCap(const RetryOptions& options, int retry) {
  using std::chrono::milliseconds;
  const milliseconds max = std::max(options.max_backoff, milliseconds(0));
  milliseconds cap = std::clamp(options.initial_backoff, milliseconds(0), max);
  for (int i = 1; i < retry && cap < max; ++i) {
    cap = cap > max / 2 ? max : cap * 2;
  }
  return cap;
}

// Uniform in [0, cap]. One generator per thread, so that a client shared by
// threads needs no lock here.
std::chrono::milliseconds FullJitter(std::chrono::milliseconds cap) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uniform_int_distribution<int64_t> pick(0, cap.count());
  return std::chrono::milliseconds(pick(generator));
}

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

}  // namespace

// The per-RPC glue between CatalogClient's one call path (Run) and the stub's
// per-RPC methods. A class, so that CatalogClient can befriend it.
class MethodDispatch {
 public:
  template <auto kMethod>
  using Request = typename StubMethodTraits<decltype(kMethod)>::Request;
  template <auto kMethod>
  using Response = typename StubMethodTraits<decltype(kMethod)>::Response;

  template <auto kMethod>
  static absl::Status Call(const CatalogClient& client, bool idempotent,
                           const Request<kMethod>& request,
                           Response<kMethod>* response, const CallOptions& call,
                           grpc::Status* rpc_status) {
    StubInterface& stub = *client.stub_;
    return client.Run(
        idempotent, call,
        [&](grpc::ClientContext& context) {
          // A failed attempt may have left part of a response behind.
          response->Clear();
          return (stub.*kMethod)(&context, request, response);
        },
        rpc_status);
  }

  template <auto kMethod>
  static absl::StatusOr<std::string> CallJson(const CatalogClient& client,
                                              bool idempotent,
                                              std::string_view request_json,
                                              const CallOptions& call,
                                              grpc::Status* rpc_status) {
    Request<kMethod> request;
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

    Response<kMethod> response;
    if (absl::Status status = Call<kMethod>(client, idempotent, request,
                                            &response, call, rpc_status);
        !status.ok()) {
      return status;
    }

    google::protobuf::util::JsonPrintOptions print_options;
    print_options.always_print_primitive_fields = true;
    print_options.preserve_proto_field_names = true;
    print_options.add_whitespace = true;
    std::string out;
    if (auto printed = google::protobuf::util::MessageToJsonString(
            response, &out, print_options);
        !printed.ok()) {
      return absl::InternalError(absl::StrCat("cannot print response as JSON: ",
                                              std::string(printed.message())));
    }
    return out;
  }
};

namespace {

using JsonInvoker = absl::StatusOr<std::string> (*)(
    const CatalogClient& client, bool idempotent, std::string_view request_json,
    const CallOptions& call, grpc::Status* rpc_status);

struct MethodEntry {
  std::string_view name;
  // May be retried (see CatalogClient). Listed per RPC rather than defaulted,
  // so that a new mutating RPC cannot become retryable by omission.
  bool idempotent;
  JsonInvoker invoke;
};

template <auto kMethod>
constexpr JsonInvoker kJson = &MethodDispatch::CallJson<kMethod>;

// Adding an RPC to the client is one line here, plus its typed method.
// RefreshCatalog is idempotent: the server joins the job that is queued or
// running for the catalog's query (RefreshQueue::EnqueueForCatalog) instead of
// queuing another, so a repeat after a lost reply returns the same job.
// NotifyContentChanged likewise: a repeat flags the same content again and
// joins the crawls and the full-metadata job the first call queued.
// UpsertEnterpriseCustomer replaces the customer with the request's fields, so
// a repeat after a lost reply writes the same customer again, and an identical
// upsert keeps its `modified`.
constexpr std::array kMethods = {
    MethodEntry{"CreateCatalog", false, kJson<&StubInterface::CreateCatalog>},
    MethodEntry{"GetCatalog", true, kJson<&StubInterface::GetCatalog>},
    MethodEntry{"ListCatalogs", true, kJson<&StubInterface::ListCatalogs>},
    MethodEntry{"UpdateCatalog", false, kJson<&StubInterface::UpdateCatalog>},
    MethodEntry{"DeleteCatalog", false, kJson<&StubInterface::DeleteCatalog>},
    MethodEntry{"ContainsContentItems", true,
                kJson<&StubInterface::ContainsContentItems>},
    MethodEntry{"CustomerContainsContentItems", true,
                kJson<&StubInterface::CustomerContainsContentItems>},
    MethodEntry{"GetCatalogMetadata", true,
                kJson<&StubInterface::GetCatalogMetadata>},
    MethodEntry{"GetContentMetadata", true,
                kJson<&StubInterface::GetContentMetadata>},
    MethodEntry{"RefreshCatalog", true, kJson<&StubInterface::RefreshCatalog>},
    MethodEntry{"GetRefreshJob", true, kJson<&StubInterface::GetRefreshJob>},
    MethodEntry{"NotifyContentChanged", true,
                kJson<&StubInterface::NotifyContentChanged>},
    MethodEntry{"GetCatalogQuery", true,
                kJson<&StubInterface::GetCatalogQuery>},
    MethodEntry{"HashContentFilter", true,
                kJson<&StubInterface::HashContentFilter>},
    MethodEntry{"UpsertEnterpriseCustomer", true,
                kJson<&StubInterface::UpsertEnterpriseCustomer>},
    MethodEntry{"GetEnterpriseCustomer", true,
                kJson<&StubInterface::GetEnterpriseCustomer>},
    MethodEntry{"GetCustomerContentMetadata", true,
                kJson<&StubInterface::GetCustomerContentMetadata>},
    MethodEntry{"DiffCatalogContent", true,
                kJson<&StubInterface::DiffCatalogContent>},
};

const MethodEntry* FindMethod(std::string_view name) {
  auto entry =
      std::find_if(kMethods.begin(), kMethods.end(),
                   [&](const MethodEntry& e) { return e.name == name; });
  return entry == kMethods.end() ? nullptr : &*entry;
}

// The table's idempotency for a typed call, at compile time: a typed method
// whose RPC is missing from the table does not compile.
template <auto kMethod>
constexpr bool IdempotentFor() {
  for (const MethodEntry& entry : kMethods) {
    if (entry.invoke == kJson<kMethod>) return entry.idempotent;
  }
  throw "RPC missing from kMethods";  // a compile error in constant evaluation
}

template <auto kMethod>
absl::StatusOr<MethodDispatch::Response<kMethod>> Typed(
    const CatalogClient& client,
    const MethodDispatch::Request<kMethod>& request, const CallOptions& call) {
  constexpr bool kIdempotent = IdempotentFor<kMethod>();
  MethodDispatch::Response<kMethod> response;
  if (absl::Status status = MethodDispatch::Call<kMethod>(
          client, kIdempotent, request, &response, call, nullptr);
      !status.ok()) {
    return status;
  }
  return response;
}

}  // namespace

std::vector<std::string_view> MethodNames() {
  std::vector<std::string_view> names;
  names.reserve(kMethods.size());
  for (const MethodEntry& entry : kMethods) names.push_back(entry.name);
  return names;
}

bool IsIdempotent(std::string_view method) {
  const MethodEntry* entry = FindMethod(method);
  return entry != nullptr && entry->idempotent;
}

absl::StatusOr<std::unique_ptr<CatalogClient>> CatalogClient::Create(
    ClientOptions options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  return std::make_unique<CatalogClient>(
      std::shared_ptr<grpc::ChannelInterface>(*std::move(channel)),
      std::move(options));
}

CatalogClient::CatalogClient(std::shared_ptr<grpc::ChannelInterface> channel,
                             ClientOptions options)
    : channel_(channel),
      stub_(enterprise_catalog::v1::EnterpriseCatalogService::NewStub(
          std::move(channel))),
      options_(std::move(options)) {}

CatalogClient::CatalogClient(std::shared_ptr<StubInterface> stub,
                             ClientOptions options)
    : stub_(std::move(stub)), options_(std::move(options)) {}

// Retries are this loop rather than gRPC's own (a retryPolicy in the channel's
// service config) because:
//  - the token must be asked for per attempt, so a refreshed token is used.
//    Inside gRPC's retry that needs call credentials, which gRPC transfers
//    only over secure channels, so plaintext deployments (behind a mesh, and
//    in development) would send no token at all;
//  - the policy then lives in one place for InvokeJson, catalogctl and the
//    typed methods, and per client rather than per channel;
//  - the tests can drive it through the generated mock stub with a fake
//    sleep, which gRPC's retry, running inside the channel, never reaches.
absl::Status CatalogClient::Run(
    bool idempotent, const CallOptions& call,
    const std::function<grpc::Status(grpc::ClientContext&)>& attempt,
    grpc::Status* rpc_status) const {
  const std::chrono::system_clock::time_point deadline =
      std::chrono::system_clock::now() +
      call.timeout.value_or(options_.timeout);
  const RetryOptions& retry = options_.retry;
  const int max_attempts = idempotent ? std::max(1, retry.max_attempts) : 1;
  if (!options_.token_provider) {
    if (absl::Status valid = CheckToken(options_.token); !valid.ok()) {
      return valid;
    }
  }

  for (int attempt_number = 1;; ++attempt_number) {
    std::string token;
    if (options_.token_provider) {
      absl::StatusOr<std::string> provided = options_.token_provider();
      if (!provided.ok()) {
        return absl::Status(
            provided.status().code(),
            absl::StrCat("token provider: ", provided.status().message()));
      }
      if (absl::Status valid = CheckToken(*provided); !valid.ok()) {
        return absl::UnauthenticatedError(
            absl::StrCat("token provider: ", valid.message()));
      }
      token = *std::move(provided);
    } else {
      token = options_.token;
    }

    grpc::ClientContext context;
    // Every attempt gets the call's deadline, not a slice of it: the server
    // bounds its own work (SQL statement timeouts) by the deadline it sees.
    context.set_deadline(deadline);
    if (!token.empty()) {
      context.AddMetadata("authorization", absl::StrCat("JWT ", token));
    }
    const grpc::Status status = attempt(context);
    const bool retryable =
        status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        attempt_number < max_attempts;
    std::chrono::milliseconds backoff{0};
    if (retryable) {
      const std::chrono::milliseconds cap = BackoffCap(retry, attempt_number);
      backoff = std::clamp(retry.jitter ? retry.jitter(cap) : FullJitter(cap),
                           std::chrono::milliseconds(0), cap);
    }
    // A retry that cannot start before the deadline would only turn the
    // server's UNAVAILABLE into our own DEADLINE_EXCEEDED, hiding the cause.
    if (!retryable || std::chrono::system_clock::now() + backoff >= deadline) {
      if (rpc_status != nullptr) *rpc_status = status;
      return FromGrpc(status);
    }
    Sleep(backoff);
  }
}

void CatalogClient::Sleep(std::chrono::milliseconds backoff) const {
  if (options_.retry.sleep) {
    options_.retry.sleep(backoff);
    return;
  }
  const auto until = std::chrono::system_clock::now() + backoff;
  if (channel_ == nullptr) {
    std::this_thread::sleep_until(until);
    return;
  }
  // A blocking client makes gRPC progress only while some call or watch
  // polls. Between attempts none does, and after a failed connect the channel
  // fails calls at once, without polling; so the outcome of a reconnect
  // started in the background would be noticed only by gRPC's backup poller,
  // every 5 s. Watching the channel's state for the length of the backoff
  // keeps reconnects moving, and the next attempt finds the server if it is
  // back. The full backoff is still waited: an UNAVAILABLE from a connected
  // server (one that is draining, say) must not be retried at once.
  grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY && state != GRPC_CHANNEL_SHUTDOWN &&
         channel_->WaitForStateChange(state, until)) {
    state = channel_->GetState(/*try_to_connect=*/true);
  }
  std::this_thread::sleep_until(until);
}

absl::StatusOr<std::string> CatalogClient::CallJson(
    std::string_view method, std::string_view request_json,
    const CallOptions& call, grpc::Status* rpc_status) const {
  const MethodEntry* entry = FindMethod(method);
  if (entry == nullptr) {
    std::string known;
    for (const MethodEntry& e : kMethods) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", ToAbsl(e.name));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown method \"", ToAbsl(method), "\"; known methods: ", known));
  }
  return entry->invoke(*this, entry->idempotent, request_json, call,
                       rpc_status);
}

absl::StatusOr<v1::Catalog> CatalogClient::CreateCatalog(
    const v1::CreateCatalogRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::CreateCatalog>(*this, request, call);
}

absl::StatusOr<v1::Catalog> CatalogClient::GetCatalog(
    const v1::GetCatalogRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::GetCatalog>(*this, request, call);
}

absl::StatusOr<v1::ListCatalogsResponse> CatalogClient::ListCatalogs(
    const v1::ListCatalogsRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::ListCatalogs>(*this, request, call);
}

absl::StatusOr<v1::Catalog> CatalogClient::UpdateCatalog(
    const v1::UpdateCatalogRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::UpdateCatalog>(*this, request, call);
}

absl::StatusOr<v1::DeleteCatalogResponse> CatalogClient::DeleteCatalog(
    const v1::DeleteCatalogRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::DeleteCatalog>(*this, request, call);
}

absl::StatusOr<v1::ContainsContentItemsResponse>
CatalogClient::ContainsContentItems(
    const v1::ContainsContentItemsRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::ContainsContentItems>(*this, request, call);
}

absl::StatusOr<v1::CustomerContainsContentItemsResponse>
CatalogClient::CustomerContainsContentItems(
    const v1::CustomerContainsContentItemsRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::CustomerContainsContentItems>(*this, request,
                                                             call);
}

absl::StatusOr<v1::GetCatalogMetadataResponse>
CatalogClient::GetCatalogMetadata(const v1::GetCatalogMetadataRequest& request,
                                  const CallOptions& call) const {
  return Typed<&StubInterface::GetCatalogMetadata>(*this, request, call);
}

absl::StatusOr<v1::GetContentMetadataResponse>
CatalogClient::GetContentMetadata(const v1::GetContentMetadataRequest& request,
                                  const CallOptions& call) const {
  return Typed<&StubInterface::GetContentMetadata>(*this, request, call);
}

absl::StatusOr<v1::RefreshJob> CatalogClient::RefreshCatalog(
    const v1::RefreshCatalogRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::RefreshCatalog>(*this, request, call);
}

absl::StatusOr<v1::RefreshJob> CatalogClient::GetRefreshJob(
    const v1::GetRefreshJobRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::GetRefreshJob>(*this, request, call);
}

absl::StatusOr<v1::NotifyContentChangedResponse>
CatalogClient::NotifyContentChanged(
    const v1::NotifyContentChangedRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::NotifyContentChanged>(*this, request, call);
}

absl::StatusOr<v1::CatalogQuery> CatalogClient::GetCatalogQuery(
    const v1::GetCatalogQueryRequest& request, const CallOptions& call) const {
  return Typed<&StubInterface::GetCatalogQuery>(*this, request, call);
}

absl::StatusOr<v1::HashContentFilterResponse> CatalogClient::HashContentFilter(
    const v1::HashContentFilterRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::HashContentFilter>(*this, request, call);
}

absl::StatusOr<v1::EnterpriseCustomer> CatalogClient::UpsertEnterpriseCustomer(
    const v1::UpsertEnterpriseCustomerRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::UpsertEnterpriseCustomer>(*this, request, call);
}

absl::StatusOr<v1::EnterpriseCustomer> CatalogClient::GetEnterpriseCustomer(
    const v1::GetEnterpriseCustomerRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::GetEnterpriseCustomer>(*this, request, call);
}

absl::StatusOr<v1::GetCustomerContentMetadataResponse>
CatalogClient::GetCustomerContentMetadata(
    const v1::GetCustomerContentMetadataRequest& request,
    const CallOptions& call) const {
  return Typed<&StubInterface::GetCustomerContentMetadata>(*this, request,
                                                           call);
}

absl::StatusOr<v1::DiffCatalogContentResponse>
CatalogClient::DiffCatalogContent(const v1::DiffCatalogContentRequest& request,
                                  const CallOptions& call) const {
  return Typed<&StubInterface::DiffCatalogContent>(*this, request, call);
}

absl::StatusOr<std::string> InvokeJson(StubInterface& stub,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status) {
  // The client wants shared ownership, but it lives only for this call and
  // the caller keeps the stub alive, so a non-owning alias is enough.
  const CatalogClient client(
      std::shared_ptr<StubInterface>(std::shared_ptr<StubInterface>(), &stub),
      options);
  return client.CallJson(method, request_json, CallOptions(), rpc_status);
}

absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status) {
  // As above, for the channel (which need not be owned by a shared_ptr).
  std::shared_ptr<grpc::ChannelInterface> unowned(
      std::shared_ptr<grpc::ChannelInterface>(), &channel);
  const CatalogClient client(std::move(unowned), options);
  return client.CallJson(method, request_json, CallOptions(), rpc_status);
}

}  // namespace ec::client
