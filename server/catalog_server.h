#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <boost/asio/thread_pool.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "auth/authenticator.h"
#include "core/catalog_core.h"
#include "index/live_membership.h"
#include "server/grpc_service.h"
#include "storage/catalog_store.h"

namespace ec::server {

// TLS for the gRPC port. Without cert_file the port is plaintext, which
// ValidateTransport allows only when `plaintext` says so explicitly.
struct TlsOptions {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
  // Set: clients must present a certificate signed by one of these CAs
  // (mutual TLS).
  std::string client_ca_file;
  bool plaintext = false;
};

// OK if the transport settings are consistent: TLS files complete, or
// plaintext asked for explicitly. INVALID_ARGUMENT names the setting.
absl::Status ValidateTransport(const TlsOptions& tls);

struct ServerOptions {
  std::string address = "0.0.0.0:50051";
  // Threads that run the core's blocking database work for RPCs; at least 1.
  // 0 in the settings means "one per database connection", which the
  // composition root resolves (the server does not know the pool).
  int rpc_threads = 0;
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Authenticated calls in progress or waiting for an RPC thread; beyond
  // it a call is answered RESOURCE_EXHAUSTED at once (issue 14).
  int max_queued_calls = 512;
  // HTTP/2 streams one connection may have open; further ones wait in the
  // client.
  int max_concurrent_streams = 100;
  // gRPC's memory quota for its buffers (received and outgoing messages);
  // over it gRPC stops reading from connections until memory is freed.
  int grpc_memory_quota_mb = 512;
  std::chrono::seconds shutdown_grace{15};
  // When a catalog change queues a refresh (the workers' policy too).
  domain::RefreshPolicy refresh;
  // Token expiry and refresh staleness are judged by this clock.
  common::Clock clock = common::SystemClock();
  // Caller authentication; on unless explicitly disabled.
  auth::AuthConfig auth;
  // Signs page tokens; shared by all replicas. Empty: a random per-process
  // secret (tokens then page only on the replica that issued them).
  std::string page_token_secret;
  TlsOptions tls;
  // Server reflection (grpcurl without .proto files). Like health checking,
  // it needs no token; it reveals only the public API schema.
  bool reflection = true;
  // Level of the per-call log line (method, request id, code, duration).
  // Server faults are logged at warn and refused callers at info or above
  // whatever this says.
  spdlog::level::level_enum call_log_level = spdlog::level::info;
  // grpc_server_* metrics through an interceptor. Off only to measure what
  // they cost (ec_bench --no-grpc-metrics).
  bool grpc_metrics = true;
  // Where the per-catalog fields of catalog items point (Django's
  // LMS_BASE_URL, ENTERPRISE_LEARNER_PORTAL_BASE_URL, ECOMMERCE_BASE_URL;
  // the defaults are the Open edX devstack's).
  domain::UrlSettings urls{"http://localhost:18000", "http://localhost:8734",
                           "http://localhost:18130"};
};

// A running gRPC server: the catalog service plus grpc.health.v1 and server
// reflection, so that grpcurl works without .proto files.
class CatalogServer {
 public:
  // Starts listening. INVALID_ARGUMENT for unusable auth or TLS settings
  // (naming the setting). Does not take ownership of `store` or `queue`, which
  // must outlive the server. Without a queue the refresh RPCs are
  // UNIMPLEMENTED and catalog changes trigger no refresh. With
  // `membership`, the contains RPCs answer from it when it can (on the gRPC
  // thread) and from `store` otherwise. With `metadata_reads` (a read
  // replica), the metadata RPCs read through it.
  static absl::StatusOr<std::unique_ptr<CatalogServer>> Start(
      const ServerOptions& options, storage::CatalogStore* store,
      storage::RefreshQueue* queue = nullptr,
      storage::CustomerStore* customers = nullptr,
      const index::LiveMembership* membership = nullptr,
      storage::MetadataReader* metadata_reads = nullptr);

  ~CatalogServer();

  // The bound port (useful with port 0).
  int port() const { return port_; }

  // Health checking reports SERVING only while this is true (and the server
  // is not shutting down). The process's monitor calls it with the outcome
  // of each database check.
  void SetDatabaseHealthy(bool healthy);

  // Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish
  // within the grace period (then cancels them) and joins the RPC threads.
  // Idempotent. Never call it from a gRPC or RPC thread: it waits for them.
  void Shutdown();

 private:
  CatalogServer(const ServerOptions& options, storage::CatalogStore* store,
                storage::RefreshQueue* queue, storage::CustomerStore* customers,
                const index::LiveMembership* membership,
                storage::MetadataReader* metadata_reads,
                std::unique_ptr<auth::Authenticator> auth);

  const ServerOptions options_;
  std::unique_ptr<auth::Authenticator> auth_;
  core::CatalogCore core_;
  boost::asio::thread_pool rpc_threads_;
  CatalogGrpcService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Mutex health_mu_;
  bool shut_down_ ABSL_GUARDED_BY(health_mu_) = false;
};

}  // namespace ec::server
