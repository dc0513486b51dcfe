#include "server/settings.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ec::server {

common::SettingsGroup<ServerOptions> ServerSettings() {
  using common::BoolSetting;
  using common::StringSetting;
  using std::chrono::seconds;
  using Options = ServerOptions;

  common::Setting<Options> address{
      "grpc-address", "ENTERPRISE_CATALOG_GRPC_ADDRESS",
      "host:port the gRPC server listens on (port 0 picks a free port)",
      "host:port"};
  address.parse = [](Options& o, const std::string& v) -> absl::Status {
    if (v.empty() || v.find(':') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected host:port, got \"", v, "\""));
    }
    o.address = v;
    return absl::OkStatus();
  };
  address.show = [](const Options& o) { return o.address; };

  common::Setting<Options> rpc_threads = common::IntegerSetting<Options>(
      "rpc-threads", "ENTERPRISE_CATALOG_RPC_THREADS",
      "threads for blocking RPC work; 0 means one per connection of "
      "db-pool-size",
      &Options::rpc_threads, 0, 256);
  rpc_threads.env_aliases = {"ENTERPRISE_CATALOG_WORKER_THREADS"};
  rpc_threads.flag_aliases = {"worker-threads"};

  common::Setting<Options> page_token_secret{
      "page-token-secret", "ENTERPRISE_CATALOG_PAGE_TOKEN_SECRET",
      "signs page tokens; set the same value (16+ bytes) on every replica",
      "16 or more bytes"};
  page_token_secret.parse = [](Options& o,
                               const std::string& v) -> absl::Status {
    if (v.size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("must be at least 16 bytes, got ", v.size()));
    }
    o.page_token_secret = v;
    return absl::OkStatus();
  };
  page_token_secret.show = [](const Options& o) { return o.page_token_secret; };
  page_token_secret.unset_note = "(random per process)";

  static constexpr const char* kCallLevels[] = {"trace", "debug", "info",
                                                "warn"};
  common::Setting<Options> call_log_level{
      "call-log-level", "ENTERPRISE_CATALOG_CALL_LOG_LEVEL",
      "level of the one line per RPC (method, request id, code, duration); "
      "server faults log at warn regardless",
      "trace, debug, info or warn"};
  call_log_level.parse = [](Options& o, const std::string& v) -> absl::Status {
    for (const char* level : kCallLevels) {
      if (v == level) {
        o.call_log_level = spdlog::level::from_str(v);
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected trace, debug, info or warn, got \"", v, "\""));
  };
  call_log_level.show = [](const Options& o) {
    const auto name = spdlog::level::to_string_view(o.call_log_level);
    return std::string(name.data(), name.size());
  };

  return {
      "gRPC server (serve, all)",
      {
          address,
          rpc_threads,
          common::IntegerSetting<Options>(
              "max-receive-message-bytes",
              "ENTERPRISE_CATALOG_MAX_RECEIVE_MESSAGE_BYTES",
              "largest request the server accepts",
              &Options::max_receive_message_bytes, 1024,
              std::numeric_limits<int>::max()),
          common::IntegerSetting<Options>(
              "max-queued-calls", "ENTERPRISE_CATALOG_MAX_QUEUED_CALLS",
              "authenticated calls in progress or waiting for an RPC thread; "
              "more are answered RESOURCE_EXHAUSTED at once",
              &Options::max_queued_calls, 1, 1000000),
          common::IntegerSetting<Options>(
              "max-concurrent-streams",
              "ENTERPRISE_CATALOG_MAX_CONCURRENT_STREAMS",
              "concurrent calls (HTTP/2 streams) per client connection",
              &Options::max_concurrent_streams, 1, 100000),
          common::IntegerSetting<Options>(
              "grpc-memory-quota-mb", "ENTERPRISE_CATALOG_GRPC_MEMORY_QUOTA_MB",
              "memory gRPC may use for message buffers; above it, it stops "
              "reading from connections",
              &Options::grpc_memory_quota_mb, 16, 65536),
          common::DurationSetting<seconds, Options>(
              "shutdown-grace-seconds",
              "ENTERPRISE_CATALOG_SHUTDOWN_GRACE_SECONDS",
              "on SIGTERM, how long in-flight calls may finish",
              &Options::shutdown_grace, 0, 3600),
          page_token_secret,
          StringSetting<Options>(
              "tls-cert-file", "ENTERPRISE_CATALOG_TLS_CERT_FILE",
              "PEM certificate chain for the gRPC port (enables TLS)",
              [](auto& o) -> auto& { return o.tls.cert_file; }),
          StringSetting<Options>(
              "tls-key-file", "ENTERPRISE_CATALOG_TLS_KEY_FILE",
              "PEM private key for the certificate",
              [](auto& o) -> auto& { return o.tls.key_file; }),
          StringSetting<Options>(
              "tls-client-ca-file", "ENTERPRISE_CATALOG_TLS_CLIENT_CA_FILE",
              "PEM CA bundle; set to require client certificates it signed "
              "(mTLS)",
              [](auto& o) -> auto& { return o.tls.client_ca_file; }),
          BoolSetting<Options>(
              "plaintext", "ENTERPRISE_CATALOG_PLAINTEXT",
              "serve gRPC without TLS (behind a mesh or on loopback); "
              "required when no TLS certificate is set",
              [](auto& o) -> auto& { return o.tls.plaintext; }),
          BoolSetting<Options>(
              "reflection", "ENTERPRISE_CATALOG_REFLECTION",
              "serve gRPC reflection (no token needed; exposes the API "
              "schema only)",
              &Options::reflection),
          call_log_level,
          StringSetting<Options>(
              "lms-base-url", "ENTERPRISE_CATALOG_LMS_BASE_URL",
              "LMS root of legacy enrollment URLs, xapi_activity_id and "
              "the exec-ed proxy login (no trailing /)",
              [](auto& o) -> auto& { return o.urls.lms_base_url; }),
          StringSetting<Options>(
              "learner-portal-base-url",
              "ENTERPRISE_CATALOG_LEARNER_PORTAL_BASE_URL",
              "learner portal root of enrollment URLs for customers with "
              "the portal on (no trailing /)",
              [](auto& o) -> auto& { return o.urls.learner_portal_base_url; }),
          StringSetting<Options>(
              "ecommerce-base-url", "ENTERPRISE_CATALOG_ECOMMERCE_BASE_URL",
              "ecommerce root of the exec-ed checkout in enrollment URLs "
              "(no trailing /)",
              [](auto& o) -> auto& { return o.urls.ecommerce_base_url; }),
      }};
}

}  // namespace ec::server
