#include "server/grpc_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <string>

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "common/call_deadline.h"
#include "common/log.h"
#include "metrics/metrics.h"

namespace ec::server {
namespace {

namespace v1 = ::enterprise_catalog::v1;

// A caller's id is kept if it is short and printable (it is logged and
// echoed); anything else is replaced, as is a missing one.
bool UsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  snprintf(buf, sizeof(buf), "%016llx%016llx",
           static_cast<unsigned long long>(rng()),
           static_cast<unsigned long long>(rng()));
  return buf;
}

// Shed load rather than queue calls that would wait past their deadlines
// and hold memory meanwhile.
absl::Status AtLimit(int max_queued_calls) {
  return absl::ResourceExhaustedError(
      absl::StrCat("the server is at its limit of ", max_queued_calls,
                   " calls in progress or waiting; retry with backoff"));
}

}  // namespace

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  const auto& metadata = ctx.client_metadata();
  if (auto it = metadata.find(std::string(kRequestIdHeader));
      it != metadata.end()) {
    const std::string_view id(it->second.data(), it->second.size());
    if (UsableRequestId(id)) return std::string(id);
  }
  return NewRequestId();
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          std::string_view request_id) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return grpc::Status(
          code, absl::StrCat(
                    "internal error in the catalog service; its log "
                    "has the details under request id ",
                    absl::string_view(request_id.data(), request_id.size())));
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

template <typename Req, typename Resp>
grpc::ServerUnaryReactor* CatalogGrpcService::Dispatch(
    std::string_view method, grpc::CallbackServerContext* ctx, const Req* req,
    Resp* resp,
    absl::Status (core::CatalogCore::*handler)(const auth::Principal&,
                                               const Req&, Resp*),
    std::optional<absl::Status> (core::CatalogCore::*from_memory)(
        const auth::Principal&, const Req&, Resp*) const) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  // Set before anything can finish the call: initial metadata goes out with
  // the first response (or the status).
  std::string request_id = RequestIdOf(*ctx);
  ctx->AddInitialMetadata(std::string(kRequestIdHeader), request_id);
  const auto start = std::chrono::steady_clock::now();
  // Authentication first, on this thread (the token cache makes it cheap):
  // a caller without a valid token never takes a place in the queue in
  // front of the database.
  absl::StatusOr<auth::Principal> caller = [&]() {
    std::optional<std::string_view> header;
    const auto& metadata = ctx->client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      header.emplace(it->second.data(), it->second.size());
    }
    try {
      return auth_->Authenticate(header);
    } catch (const std::exception& e) {
      return absl::StatusOr<auth::Principal>(absl::InternalError(
          absl::StrCat("unexpected exception: ", e.what())));
    }
  }();
  if (!caller.ok()) {
    Finish(method, ctx, reactor, start, request_id, "", caller.status());
    return reactor;
  }
  {
    absl::MutexLock lock(&mu_);
    if (draining_) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "server is shutting down; retry"));
      return reactor;
    }
    // Counted in flight while it runs here too, so that Drain waits for it.
    if (from_memory == nullptr && in_flight_ >= max_queued_calls_) {
      Finish(method, ctx, reactor, start, request_id, caller->subject(),
             AtLimit(max_queued_calls_));
      return reactor;
    }
    ++in_flight_;
  }
  if (from_memory != nullptr) {
    std::optional<absl::Status> answered;
    try {
      answered = (core_->*from_memory)(*caller, *req, resp);
    } catch (const std::exception& e) {
      answered =
          absl::InternalError(absl::StrCat("unexpected exception: ", e.what()));
    }
    metrics::IndexMetrics::Get().Answered(answered.has_value());
    if (answered.has_value()) {
      Finish(method, ctx, reactor, start, request_id, caller->subject(),
             *answered);
      absl::MutexLock lock(&mu_);
      --in_flight_;
      return reactor;
    }
    bool over = false;
    {
      absl::MutexLock lock(&mu_);
      over = in_flight_ > max_queued_calls_;
      if (over) --in_flight_;
    }
    if (over) {
      Finish(method, ctx, reactor, start, request_id, caller->subject(),
             AtLimit(max_queued_calls_));
      return reactor;
    }
  }
  boost::asio::post(*rpc_threads_, [this, method, ctx, req, resp, handler,
                                    reactor, start, caller = std::move(*caller),
                                    request_id = std::move(request_id)] {
    absl::Status status;
    if (ctx->IsCancelled()) {
      status = absl::CancelledError("call cancelled before it started");
    } else if (ctx->deadline() <= std::chrono::system_clock::now()) {
      // The caller has given up; do not spend a connection on it.
      status = absl::DeadlineExceededError(
          "deadline passed before the call started");
    } else {
      // Nothing below should throw (statuses cross modules), but an
      // exception that escaped here would end the process and every call
      // in it: contain it to this call.
      try {
        const common::CallDeadlineScope deadline(ctx->deadline());
        status = (core_->*handler)(caller, *req, resp);
      } catch (const std::exception& e) {
        status = absl::InternalError(
            absl::StrCat("unexpected exception: ", e.what()));
      } catch (...) {
        status = absl::InternalError("unexpected exception");
      }
    }
    Finish(method, ctx, reactor, start, request_id, caller.subject(), status);
    absl::MutexLock lock(&mu_);
    --in_flight_;
  });
  return reactor;
}

void CatalogGrpcService::Finish(std::string_view method,
                                grpc::CallbackServerContext* ctx,
                                grpc::ServerUnaryReactor* reactor,
                                std::chrono::steady_clock::time_point start,
                                const std::string& request_id,
                                const std::string& subject,
                                const absl::Status& status) {
  const bool server_fault = status.code() == absl::StatusCode::kInternal ||
                            status.code() == absl::StatusCode::kUnavailable ||
                            status.code() == absl::StatusCode::kUnknown ||
                            status.code() == absl::StatusCode::kDataLoss;
  // Refused callers are worth seeing at the default level: a
  // misconfigured client, or someone probing.
  const bool refused = status.code() == absl::StatusCode::kUnauthenticated ||
                       status.code() == absl::StatusCode::kPermissionDenied;
  const auto level = server_fault ? spdlog::level::warn
                     : refused ? std::max(spdlog::level::info, call_log_level_)
                               : call_log_level_;
  // Checked first: building the line costs more than most calls.
  if (spdlog::default_logger_raw()->should_log(level)) {
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count();
    common::Log(level, "grpc", "rpc",
                {{"method", method},
                 {"request_id", request_id},
                 {"code", absl::StatusCodeToString(status.code())},
                 {"duration_ms", ms},
                 {"peer", ctx->peer()},
                 {"subject", subject},
                 {"error", std::string(status.message())}});
  }
  reactor->Finish(ToGrpcStatus(status, request_id));
}

int CatalogGrpcService::Drain(std::chrono::system_clock::time_point deadline) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0;
  };
  mu_.AwaitWithDeadline(absl::Condition(&idle), absl::FromChrono(deadline));
  return in_flight_;
}

#define EC_DISPATCH(Method, Req, Resp)                                        \
  grpc::ServerUnaryReactor* CatalogGrpcService::Method(                       \
      grpc::CallbackServerContext* ctx, const v1::Req* req, v1::Resp* resp) { \
    return Dispatch(#Method, ctx, req, resp, &core::CatalogCore::Method);     \
  }
// A method the membership index may answer on the gRPC thread.
#define EC_DISPATCH_FROM_MEMORY(Method, Req, Resp)                            \
  grpc::ServerUnaryReactor* CatalogGrpcService::Method(                       \
      grpc::CallbackServerContext* ctx, const v1::Req* req, v1::Resp* resp) { \
    return Dispatch(#Method, ctx, req, resp, &core::CatalogCore::Method,      \
                    &core::CatalogCore::Method##FromMemory);                  \
  }

EC_DISPATCH(CreateCatalog, CreateCatalogRequest, Catalog)
EC_DISPATCH(GetCatalog, GetCatalogRequest, Catalog)
EC_DISPATCH(ListCatalogs, ListCatalogsRequest, ListCatalogsResponse)
EC_DISPATCH(UpdateCatalog, UpdateCatalogRequest, Catalog)
EC_DISPATCH(DeleteCatalog, DeleteCatalogRequest, DeleteCatalogResponse)
EC_DISPATCH_FROM_MEMORY(ContainsContentItems, ContainsContentItemsRequest,
                        ContainsContentItemsResponse)
EC_DISPATCH_FROM_MEMORY(CustomerContainsContentItems,
                        CustomerContainsContentItemsRequest,
                        CustomerContainsContentItemsResponse)
EC_DISPATCH(GetCatalogMetadata, GetCatalogMetadataRequest,
            GetCatalogMetadataResponse)
EC_DISPATCH(GetContentMetadata, GetContentMetadataRequest,
            GetContentMetadataResponse)
EC_DISPATCH(RefreshCatalog, RefreshCatalogRequest, RefreshJob)
EC_DISPATCH(GetRefreshJob, GetRefreshJobRequest, RefreshJob)
EC_DISPATCH(NotifyContentChanged, NotifyContentChangedRequest,
            NotifyContentChangedResponse)
EC_DISPATCH(GetCatalogQuery, GetCatalogQueryRequest, CatalogQuery)
EC_DISPATCH(HashContentFilter, HashContentFilterRequest,
            HashContentFilterResponse)
EC_DISPATCH(UpsertEnterpriseCustomer, UpsertEnterpriseCustomerRequest,
            EnterpriseCustomer)
EC_DISPATCH(GetEnterpriseCustomer, GetEnterpriseCustomerRequest,
            EnterpriseCustomer)
EC_DISPATCH(GetCustomerContentMetadata, GetCustomerContentMetadataRequest,
            GetCustomerContentMetadataResponse)
EC_DISPATCH(DiffCatalogContent, DiffCatalogContentRequest,
            DiffCatalogContentResponse)

#undef EC_DISPATCH_FROM_MEMORY
#undef EC_DISPATCH

}  // namespace ec::server
