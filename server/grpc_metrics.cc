#include "server/grpc_metrics.h"

#include <chrono>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "metrics/metrics.h"

namespace ec::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// go-grpc-prometheus's grpc_type of a method.
std::string_view TypeOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? "bidi_stream" : "client_stream";
  }
  return method.server_streaming() ? "server_stream" : "unary";
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

GrpcMetricsInterceptorFactory::GrpcMetricsInterceptorFactory(
    const std::vector<std::string>& services)
    : unknown_(&metrics::GrpcServerMetrics::Get().ForMethod("/unknown/unknown",
                                                            "unary")) {
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      std::string path =
          absl::StrCat("/", service->full_name(), "/", method->name());
      const metrics::GrpcMethodMetrics& found =
          metrics::GrpcServerMetrics::Get().ForMethod(path, TypeOf(*method));
      by_method_.emplace(std::move(path), &found);
    }
  }
}

grpc::experimental::Interceptor*
GrpcMetricsInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  const char* method = info->method();
  const auto it = method == nullptr
                      ? by_method_.end()
                      : by_method_.find(absl::string_view(method));
  return new MetricsInterceptor(it == by_method_.end() ? *unknown_
                                                       : *it->second);
}

}  // namespace ec::server
