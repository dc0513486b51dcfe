#include "server/catalog_server.h"

#include <algorithm>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "grpc/health/v1/health.pb.h"
#include "metrics/metrics.h"
#include "server/grpc_metrics.h"

namespace ec::server {

namespace v1 = ::enterprise_catalog::v1;

namespace {

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view setting) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": cannot read ", path));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const TlsOptions& tls) {
  if (tls.cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  EC_ASSIGN_OR_RETURN(
      pair.cert_chain,
      ReadPemFile(tls.cert_file, "ENTERPRISE_CATALOG_TLS_CERT_FILE"));
  EC_ASSIGN_OR_RETURN(
      pair.private_key,
      ReadPemFile(tls.key_file, "ENTERPRISE_CATALOG_TLS_KEY_FILE"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    EC_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                        ReadPemFile(tls.client_ca_file,
                                    "ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// Reflection on or off for this server. Linking grpc++_reflection registers
// its plugin for every server in the process (a static initializer), so
// "off" has to take it out of this builder's list rather than not add it.
class ReflectionSetting final : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionSetting(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    grpc::reflection::ProtoServerReflectionPlugin reference;
    const auto is_reflection = [&](const auto& plugin) {
      return plugin->name() == reference.name();
    };
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(), is_reflection),
        plugins->end());
    if (enabled_) {
      plugins->push_back(
          std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  const bool enabled_;
};

// Creates the grpc_server_* series of every method of our service at zero,
// so that dashboards and ratios see all methods before their first call.
// gRPC's built-in health service registers no descriptor, so reflection
// (grpcurl describe, grpcurl ... Health/Check) could list it but not describe
// it. Referencing our generated copy keeps the linker from dropping it out of
// the static library, which puts it in the generated pool reflection reads.
void HealthDescriptorForReflection() {
  [[maybe_unused]] const google::protobuf::FileDescriptor* file =
      grpc::health::v1::HealthCheckResponse::descriptor()->file();
}

// A unary request that does not parse (a proto3 string field that is not
// UTF-8, nesting past protobuf's 100 levels, bytes that are not the message)
// is answered by gRPC before any handler runs: by the callback API of gRPC
// 1.51 with UNIMPLEMENTED and no message, as if the method did not exist,
// and by the synchronous one with INTERNAL, a fault of ours that the error
// alert counts. The caller sent bad input, so it gets INVALID_ARGUMENT,
// naming the message its bytes should have been. It runs first, so that the
// metrics count the answer the caller gets.
class UnparsableRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  // `method`: the registered method's path, which outlives the call.
  explicit UnparsableRequestInterceptor(const char* method) : method_(method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      unparsable_ = methods->GetRecvMessage() == nullptr;
    }
    if (unparsable_ && methods->QueryInterceptionHookPoint(
                           InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::StatusCode code = methods->GetSendStatus().error_code();
      if (code == grpc::StatusCode::UNIMPLEMENTED ||
          code == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, Message()));
      }
    }
    methods->Proceed();
  }

 private:
  std::string Message() const {
    // "/package.Service/Method" names method "package.Service.Method".
    std::string name = method_ == nullptr ? "" : method_;
    if (!name.empty()) name.erase(0, 1);
    if (const size_t slash = name.rfind('/'); slash != std::string::npos) {
      name[slash] = '.';
    }
    const google::protobuf::MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            name);
    return absl::StrCat(
        "the request does not parse as ",
        method == nullptr ? "this method's request message"
                          : method->input_type()->full_name(),
        ": a string field that is not UTF-8, nesting deeper than 100 "
        "levels, or bytes that are not that message");
  }

  const char* const method_;
  bool unparsable_ = false;
};

class UnparsableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Unary methods only: a stream's last read ends without a message, and
    // an unknown path (served as a stream) must stay UNIMPLEMENTED.
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) {
      return nullptr;
    }
    return new UnparsableRequestInterceptor(info->method());
  }
};

}  // namespace

absl::Status ValidateTransport(const TlsOptions& tls) {
  const bool has_tls = !tls.cert_file.empty() || !tls.key_file.empty();
  if (has_tls && (tls.cert_file.empty() || tls.key_file.empty())) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_TLS_CERT_FILE and ENTERPRISE_CATALOG_TLS_KEY_FILE "
        "must be set together");
  }
  if (!tls.client_ca_file.empty() && !has_tls) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE (mutual TLS) needs "
        "ENTERPRISE_CATALOG_TLS_CERT_FILE and ENTERPRISE_CATALOG_TLS_KEY_FILE");
  }
  if (has_tls && tls.plaintext) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_PLAINTEXT=true contradicts the TLS certificate "
        "settings; set one or the other");
  }
  if (!has_tls && !tls.plaintext) {
    return absl::InvalidArgumentError(
        "no TLS certificate: set ENTERPRISE_CATALOG_TLS_CERT_FILE and "
        "ENTERPRISE_CATALOG_TLS_KEY_FILE, or ENTERPRISE_CATALOG_PLAINTEXT=true "
        "to serve without TLS (behind a service mesh, or on loopback)");
  }
  return absl::OkStatus();
}

CatalogServer::CatalogServer(const ServerOptions& options,
                             storage::CatalogStore* store,
                             storage::RefreshQueue* queue,
                             storage::CustomerStore* customers,
                             const index::LiveMembership* membership,
                             storage::MetadataReader* metadata_reads,
                             std::unique_ptr<auth::Authenticator> auth)
    : options_(options),
      auth_(std::move(auth)),
      core_(store, queue, options.refresh,
            options.page_token_secret.empty()
                ? common::PageTokenCodec::WithRandomSecret()
                : common::PageTokenCodec(options.page_token_secret),
            options.clock, core::CatalogFieldsConfig{customers, options.urls},
            membership, metadata_reads),
      rpc_threads_(static_cast<size_t>(options.rpc_threads)),
      service_(&core_, auth_.get(), &rpc_threads_, options.call_log_level,
               options.max_queued_calls) {}

absl::StatusOr<std::unique_ptr<CatalogServer>> CatalogServer::Start(
    const ServerOptions& options, storage::CatalogStore* store,
    storage::RefreshQueue* queue, storage::CustomerStore* customers,
    const index::LiveMembership* membership,
    storage::MetadataReader* metadata_reads) {
  if (options.rpc_threads < 1) {
    return absl::InvalidArgumentError("rpc_threads must be at least 1");
  }
  if (!options.page_token_secret.empty() &&
      options.page_token_secret.size() < 16) {
    return absl::InvalidArgumentError(
        "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET must be at least 16 bytes");
  }
  EC_ASSIGN_OR_RETURN(std::unique_ptr<auth::Authenticator> auth,
                      auth::Authenticator::Create(options.auth, options.clock));
  EC_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                      Credentials(options.tls));
  std::unique_ptr<CatalogServer> server(
      new CatalogServer(options, store, queue, customers, membership,
                        metadata_reads, std::move(auth)));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionSetting>(options.reflection));
  builder.AddListeningPort(options.address, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  grpc::ResourceQuota quota("enterprise-catalog");
  quota.Resize(static_cast<size_t>(options.grpc_memory_quota_mb) * 1024 * 1024);
  builder.SetResourceQuota(quota);
  builder.RegisterService(&server->service_);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<UnparsableRequestInterceptorFactory>());
  if (options.grpc_metrics) {
    // Every service the server registers: health checking and reflection
    // included (gRPC's own, whose descriptors are in the generated pool).
    interceptors.push_back(std::make_unique<GrpcMetricsInterceptorFactory>(
        std::vector<std::string>{
            v1::EnterpriseCatalogService::service_full_name(),
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection"}));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  HealthDescriptorForReflection();
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    absl::MutexLock lock(&server->health_mu_);
    server->shut_down_ = true;
    return absl::UnavailableError("cannot listen on " + options.address +
                                  " (address in use or invalid)");
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

CatalogServer::~CatalogServer() { Shutdown(); }

void CatalogServer::SetDatabaseHealthy(bool healthy) {
  absl::MutexLock lock(&health_mu_);
  // After shutdown began the status stays NOT_SERVING.
  if (shut_down_) return;
  server_->GetHealthCheckService()->SetServingStatus(healthy);
}

void CatalogServer::Shutdown() {
  {
    absl::MutexLock lock(&health_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    server_->GetHealthCheckService()->SetServingStatus(false);
  }
  common::LogInfo("server", "draining",
                  {{"grace_seconds", options_.shutdown_grace.count()}});
  const auto start = std::chrono::system_clock::now();
  const auto deadline = start + options_.shutdown_grace;
  if (const int left = service_.Drain(deadline); left > 0) {
    common::LogWarn("server", "grace period over; cancelling calls",
                    {{"in_flight", left}});
  }
  // Keep answering UNAVAILABLE a little longer: a client whose call just
  // finished may already be sending its next one, and once the gRPC core
  // shuts down such calls are reset (CANCELLED) instead of refused.
  std::this_thread::sleep_until(
      std::min(deadline, start + std::chrono::milliseconds(500)));
  // Nothing of ours is running any more. The core server would otherwise
  // wait out the deadline for idle client connections to close, so give it
  // only a moment before it closes them (and cancels any straggler).
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(100));
  server_->Wait();
  rpc_threads_.join();
  common::LogInfo("server", "stopped");
}

}  // namespace ec::server
