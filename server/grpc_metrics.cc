#include "server/grpc_metrics.h"

#include <chrono>
#include <string_view>

#include "metrics/metrics.h"

namespace ec::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

std::string_view TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(const metrics::GrpcMethodMetrics& m)
      : metrics_(m), start_(std::chrono::steady_clock::now()) {
    metrics_.started->Increment();
  }

  // A call that ends without a status of ours (the client went away) is
  // counted as go-grpc-prometheus counts it: Canceled.
  ~MetricsInterceptor() override {
    if (!finished_) Finish(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      metrics_.msg_received->Increment();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      metrics_.msg_sent->Increment();
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Finish(grpc::StatusCode code) {
    finished_ = true;
    const int index = static_cast<int>(code);
    const auto& handled = metrics_.handled;
    handled[index >= 0 && index < static_cast<int>(handled.size())
                ? static_cast<size_t>(index)
                : static_cast<size_t>(grpc::StatusCode::UNKNOWN)]
        ->Increment();
    metrics_.handling_seconds->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count());
  }

  const metrics::GrpcMethodMetrics& metrics_;
  const std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
};

}  // namespace

grpc::experimental::Interceptor*
GrpcMetricsInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  const char* method = info->method();
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = by_method_.find(method); it != by_method_.end()) {
      return new MetricsInterceptor(*it->second);
    }
  }
  const metrics::GrpcMethodMetrics& found =
      metrics::GrpcServerMetrics::Get().ForMethod(
          method == nullptr ? "unknown" : method, TypeName(info->type()));
  absl::MutexLock lock(&mu_);
  by_method_.emplace(method, &found);
  return new MetricsInterceptor(found);
}

}  // namespace ec::server
