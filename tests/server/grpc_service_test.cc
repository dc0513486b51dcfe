// The gRPC adapter on its own: the real server on a loopback port over the
// in-memory fakes. What the adapter adds to the core (authentication from
// metadata, the one status mapping, request ids, health, draining) without a
// database; tests/e2e/ has the same server on PostgreSQL.
#include "server/grpc_service.h"

#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "metrics/metrics.h"
#include "server/catalog_server.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_refresh_queue.h"
#include "tests/support/grpc_health.h"
#include "tests/support/test_tokens.h"

namespace ec::server {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ::testing::HasSubstr;

constexpr char kEnterprise[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";

class GrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.address = "127.0.0.1:0";
    options.rpc_threads = 2;
    options.shutdown_grace = std::chrono::seconds(1);
    options.auth.jwt = testing::TestJwtConfig();
    auto started = CatalogServer::Start(options, &store_, &queue_);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::EnterpriseCatalogService::NewStub(channel_);
  }

  std::unique_ptr<grpc::ClientContext> Context(
      const std::vector<std::string>& roles) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
    testing::TokenSpec spec;
    spec.roles = roles;
    ctx->AddMetadata("authorization", "JWT " + testing::Hs256Token(spec));
    return ctx;
  }

  grpc::Status CreateCatalog(grpc::ClientContext* ctx, v1::Catalog* out) {
    v1::CreateCatalogRequest req;
    req.mutable_catalog()->set_title("Catalog");
    req.mutable_catalog()->set_enterprise_uuid(kEnterprise);
    (*req.mutable_catalog()
          ->mutable_content_filter()
          ->mutable_fields())["content_type"]
        .set_string_value("course");
    return stub_->CreateCatalog(ctx, req, out);
  }

  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_{&store_};
  std::unique_ptr<CatalogServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::EnterpriseCatalogService::Stub> stub_;
};

TEST_F(GrpcServiceTest, TheCoreAnswersThroughTheAdapter) {
  auto ctx = Context({"enterprise_openedx_operator:*"});
  v1::Catalog created;
  ASSERT_TRUE(CreateCatalog(ctx.get(), &created).ok());
  EXPECT_EQ(created.enterprise_uuid(), kEnterprise);
  // Creating it queued the first refresh of its query.
  ASSERT_EQ(queue_.Jobs().size(), 1u);

  auto get_ctx = Context({std::string("enterprise_learner:") + kEnterprise});
  v1::GetCatalogRequest get;
  get.set_uuid(created.uuid());
  v1::Catalog read;
  ASSERT_TRUE(stub_->GetCatalog(get_ctx.get(), get, &read).ok());
  EXPECT_EQ(read.title(), "Catalog");
}

TEST_F(GrpcServiceTest, PublishEventsReachTheQueueThroughTheAdapter) {
  auto ctx = Context({"enterprise_catalog_service:*"});
  v1::NotifyContentChangedRequest req;
  req.add_content_keys("edX+Unknown");
  v1::NotifyContentChangedResponse out;
  ASSERT_TRUE(stub_->NotifyContentChanged(ctx.get(), req, &out).ok());
  EXPECT_THAT(out.unknown_keys(), ::testing::ElementsAre("edX+Unknown"));
  EXPECT_FALSE(out.has_full_job());

  auto learner = Context({std::string("enterprise_learner:") + kEnterprise});
  EXPECT_EQ(stub_->NotifyContentChanged(learner.get(), req, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GrpcServiceTest, NoTokenIsUnauthenticatedWithAnActionableMessage) {
  grpc::ClientContext ctx;
  v1::GetCatalogRequest req;
  req.set_uuid("6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24");
  v1::Catalog out;
  const grpc::Status status = stub_->GetCatalog(&ctx, req, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("authorization: JWT"));
}

TEST_F(GrpcServiceTest, CoreStatusesKeepTheirCodeAndMessage) {
  auto ctx = Context({"enterprise_openedx_operator:*"});
  v1::GetCatalogRequest req;
  req.set_uuid("not-a-uuid");
  v1::Catalog out;
  const grpc::Status invalid = stub_->GetCatalog(ctx.get(), req, &out);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(invalid.error_message(), HasSubstr("uuid"));

  store_.FailEveryCall(absl::UnavailableError("database is restarting"));
  auto down_ctx = Context({"enterprise_openedx_operator:*"});
  req.set_uuid(kEnterprise);
  const grpc::Status down = stub_->GetCatalog(down_ctx.get(), req, &out);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(down.error_message(), "database is restarting");
}

TEST_F(GrpcServiceTest, EveryAbslCodeMapsToTheSameGrpcCode) {
  for (int code = 0; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code),
                              code == 0 ? "" : "why");
    const grpc::Status mapped = ToGrpcStatus(status, "req-1");
    EXPECT_EQ(static_cast<int>(mapped.error_code()), code);
    const bool fault = code == static_cast<int>(absl::StatusCode::kInternal) ||
                       code == static_cast<int>(absl::StatusCode::kUnknown) ||
                       code == static_cast<int>(absl::StatusCode::kDataLoss);
    if (fault) {
      EXPECT_EQ(mapped.error_message(),
                "internal error in the catalog service; its log has the "
                "details under request id req-1");
    } else {
      EXPECT_EQ(mapped.error_message(), code == 0 ? "" : "why");
    }
  }
}

// A database error's text (SQL, relation and column names, hints) stays in
// the log; the caller gets the request id to quote (issue 14, defect 9).
TEST_F(GrpcServiceTest, InternalErrorsDoNotLeakTheirText) {
  store_.FailEveryCall(absl::InternalError(
      "reading catalog: ERROR:  relation \"enterprise_catalog\" does not "
      "exist\nHINT:  Perhaps you meant to reference the table"));
  auto ctx = Context({"enterprise_openedx_operator:*"});
  ctx->AddMetadata("x-request-id", "trace-me-42");
  v1::GetCatalogRequest req;
  req.set_uuid(kEnterprise);
  v1::Catalog out;
  const grpc::Status status = stub_->GetCatalog(ctx.get(), req, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("trace-me-42"));
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr("enterprise_catalog")));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("HINT")));
}

// Issue 14, defect 9: an exception that escapes the core must end the call
// (INTERNAL, with the request id) and leave the server serving; before,
// it terminated the process.
TEST_F(GrpcServiceTest, AnExceptionEndsTheCallNotTheServer) {
  store_.ThrowOnGetCatalog(true);
  auto ctx = Context({"enterprise_openedx_operator:*"});
  ctx->AddMetadata("x-request-id", "thrown-1");
  v1::GetCatalogRequest req;
  req.set_uuid(kEnterprise);
  v1::Catalog out;
  const grpc::Status status = stub_->GetCatalog(ctx.get(), req, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("thrown-1"));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr("fake")));
  store_.ThrowOnGetCatalog(false);
  auto again = Context({"enterprise_openedx_operator:*"});
  EXPECT_EQ(stub_->GetCatalog(again.get(), req, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Issue 14, defect 7: calls beyond the queue's bound are shed at once, and
// a caller without a valid token is refused before it can take a place in
// the queue (before, it waited behind the busy thread until its deadline).
TEST_F(GrpcServiceTest, OverTheQueueBoundCallsAreShedAndBadTokensNeverQueue) {
  server_.reset();
  ServerOptions options;
  options.address = "127.0.0.1:0";
  options.rpc_threads = 1;
  options.max_queued_calls = 1;
  options.shutdown_grace = std::chrono::seconds(1);
  options.auth.jwt = testing::TestJwtConfig();
  auto started = CatalogServer::Start(options, &store_, &queue_);
  ASSERT_TRUE(started.ok()) << started.status();
  server_ = std::move(*started);
  stub_ = v1::EnterpriseCatalogService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                          grpc::InsecureChannelCredentials()));

  absl::Notification entered, release;
  store_.OnGetCatalog([&] {
    entered.Notify();
    release.WaitForNotification();
  });
  v1::GetCatalogRequest req;
  req.set_uuid(kEnterprise);
  v1::Catalog out;
  grpc::Status first;
  std::thread busy([&] {
    auto ctx = Context({"enterprise_openedx_operator:*"});
    first = stub_->GetCatalog(ctx.get(), req, &out);
  });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(10)));

  auto over = Context({"enterprise_openedx_operator:*"});
  const grpc::Status shed = stub_->GetCatalog(over.get(), req, &out);
  EXPECT_EQ(shed.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(shed.error_message(), HasSubstr("retry with backoff"));

  grpc::ClientContext bad;
  bad.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  bad.AddMetadata("authorization", "JWT not.a.token");
  EXPECT_EQ(stub_->GetCatalog(&bad, req, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  store_.OnGetCatalog(nullptr);
  release.Notify();
  busy.join();
  EXPECT_EQ(first.error_code(), grpc::StatusCode::NOT_FOUND);
  auto after = Context({"enterprise_openedx_operator:*"});
  EXPECT_EQ(stub_->GetCatalog(after.get(), req, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServiceTest, RequestIdsAreEchoedOrMade) {
  for (const std::string& sent :
       {std::string("caller-id-42"), std::string("bad id with spaces"),
        std::string()}) {
    grpc::ClientContext ctx;
    if (!sent.empty()) ctx.AddMetadata("x-request-id", sent);
    v1::GetCatalogRequest req;
    v1::Catalog out;
    stub_->GetCatalog(&ctx, req, &out);
    const auto& headers = ctx.GetServerInitialMetadata();
    const auto it = headers.find("x-request-id");
    ASSERT_NE(it, headers.end()) << sent;
    const std::string echoed(it->second.data(), it->second.size());
    if (sent == "caller-id-42") {
      EXPECT_EQ(echoed, sent);
    } else {
      EXPECT_THAT(echoed, ::testing::MatchesRegex("[0-9a-f]{32}")) << sent;
    }
  }
}

TEST_F(GrpcServiceTest, HealthFollowsTheDatabaseAndShutdown) {
  int serving = -1;
  ASSERT_TRUE(testing::HealthCheck(channel_, &serving).ok());
  EXPECT_EQ(serving, 1);
  server_->SetDatabaseHealthy(false);
  ASSERT_TRUE(testing::HealthCheck(channel_, &serving).ok());
  EXPECT_EQ(serving, 2);
  server_->SetDatabaseHealthy(true);
  ASSERT_TRUE(testing::HealthCheck(channel_, &serving).ok());
  EXPECT_EQ(serving, 1);
}

// Unregistered paths need no token to reach the server. Each used to create
// its own grpc_server_* series (and cache a pointer into its own call), so
// any client could grow memory and /metrics without bound.
TEST_F(GrpcServiceTest, UnknownMethodsShareOneSetOfMetricSeries) {
  auto series = [] {
    size_t n = 0;
    for (const auto& family : metrics::Registry()->Collect()) {
      if (family.name.rfind("grpc_server_", 0) == 0) n += family.metric.size();
    }
    return n;
  };
  const metrics::GrpcMethodMetrics& unknown =
      metrics::GrpcServerMetrics::Get().ForMethod("/unknown/unknown", "unary");
  const double started_before = unknown.started->Value();
  const size_t before = series();
  grpc::GenericStub generic(channel_);
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(
        &ctx,
        "/random" + std::to_string(i * 7919) + ".Service/M" + std::to_string(i),
        grpc::StubOptions(), &request, &response,
        [&done](grpc::Status status) { done.set_value(status); });
    EXPECT_EQ(done.get_future().get().error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  EXPECT_EQ(series(), before);
  EXPECT_EQ(unknown.started->Value() - started_before, 200);
  // A registered method still has its own series.
  EXPECT_NE(metrics::Scrape().find(
                "grpc_server_started_total{grpc_method=\"CreateCatalog\""),
            std::string::npos);
}

}  // namespace
}  // namespace ec::server
