// Who may call what, end to end: the real server with JWT authentication
// on, real tokens in gRPC metadata, a real PostgreSQL. The matrix covers
// every RPC for every kind of caller, against a catalog of the caller's
// enterprise (A) and of another (B), and asserts the exact status code.
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/catalog_server.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/support/authorization_matrix.h"
#include "tests/support/grpc_health.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

namespace v1 = ::enterprise_catalog::v1;

using ::testing::HasSubstr;
using Code = grpc::StatusCode;

constexpr char kEnterpriseA[] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
constexpr char kEnterpriseB[] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
constexpr char kKeyA[] = "edX+CourseOfA";
constexpr char kKeyB[] = "edX+CourseOfB";

// What one enterprise has, for the calls to aim at.
struct Side {
  std::string enterprise;
  std::string catalog;
  std::string job;
  std::string key;
  std::string query;  // the catalog's query uuid
};

using Stub = v1::EnterpriseCatalogService::Stub;
// One RPC, aimed at a side. `disposable` is a fresh catalog of that side's
// enterprise for the destructive calls.
using Call = std::function<grpc::Status(Stub&, grpc::ClientContext*,
                                        const Side&, const std::string&)>;

struct Rpc {
  std::string name;
  Call call;
};

google::protobuf::Struct Struct(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok());
  return s;
}

const std::vector<Rpc>& AllRpcs() {
  static const auto* rpcs = new std::vector<Rpc>{
      {"CreateCatalog",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::CreateCatalogRequest req;
         req.mutable_catalog()->set_title("New");
         req.mutable_catalog()->set_enterprise_uuid(side.enterprise);
         *req.mutable_catalog()->mutable_content_filter() =
             Struct(R"({"content_type": "course"})");
         v1::Catalog out;
         return s.CreateCatalog(c, req, &out);
       }},
      {"GetCatalog",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetCatalogRequest req;
         req.set_uuid(side.catalog);
         v1::Catalog out;
         return s.GetCatalog(c, req, &out);
       }},
      {"ListCatalogs",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::ListCatalogsRequest req;
         req.set_enterprise_uuid(side.enterprise);
         v1::ListCatalogsResponse out;
         return s.ListCatalogs(c, req, &out);
       }},
      {"UpdateCatalog",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::UpdateCatalogRequest req;
         req.mutable_catalog()->set_uuid(side.catalog);
         req.mutable_catalog()->set_title("Renamed");
         req.mutable_update_mask()->add_paths("title");
         v1::Catalog out;
         return s.UpdateCatalog(c, req, &out);
       }},
      {"DeleteCatalog",
       [](Stub& s, grpc::ClientContext* c, const Side&,
          const std::string& disposable) {
         v1::DeleteCatalogRequest req;
         req.set_uuid(disposable);
         v1::DeleteCatalogResponse out;
         return s.DeleteCatalog(c, req, &out);
       }},
      {"ContainsContentItems",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::ContainsContentItemsRequest req;
         req.set_catalog_uuid(side.catalog);
         req.add_content_keys(side.key);
         v1::ContainsContentItemsResponse out;
         return s.ContainsContentItems(c, req, &out);
       }},
      {"CustomerContainsContentItems",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::CustomerContainsContentItemsRequest req;
         req.set_enterprise_uuid(side.enterprise);
         req.add_content_keys(side.key);
         v1::CustomerContainsContentItemsResponse out;
         return s.CustomerContainsContentItems(c, req, &out);
       }},
      {"GetCatalogMetadata",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetCatalogMetadataRequest req;
         req.set_catalog_uuid(side.catalog);
         v1::GetCatalogMetadataResponse out;
         return s.GetCatalogMetadata(c, req, &out);
       }},
      {"GetContentMetadata",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetContentMetadataRequest req;
         req.add_content_keys(side.key);
         v1::GetContentMetadataResponse out;
         return s.GetContentMetadata(c, req, &out);
       }},
      {"RefreshCatalog",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::RefreshCatalogRequest req;
         req.set_catalog_uuid(side.catalog);
         v1::RefreshJob out;
         return s.RefreshCatalog(c, req, &out);
       }},
      {"GetRefreshJob",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetRefreshJobRequest req;
         req.set_job_uuid(side.job);
         v1::RefreshJob out;
         return s.GetRefreshJob(c, req, &out);
       }},
      {"NotifyContentChanged",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::NotifyContentChangedRequest req;
         req.add_content_keys(side.key);
         v1::NotifyContentChangedResponse out;
         return s.NotifyContentChanged(c, req, &out);
       }},
      {"GetCatalogQuery",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetCatalogQueryRequest req;
         req.set_uuid(side.query);
         v1::CatalogQuery out;
         return s.GetCatalogQuery(c, req, &out);
       }},
      {"HashContentFilter",
       [](Stub& s, grpc::ClientContext* c, const Side&, const std::string&) {
         v1::HashContentFilterRequest req;
         *req.mutable_content_filter() =
             Struct(R"({"content_type": "course"})");
         v1::HashContentFilterResponse out;
         return s.HashContentFilter(c, req, &out);
       }},
      {"UpsertEnterpriseCustomer",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::UpsertEnterpriseCustomerRequest req;
         req.mutable_customer()->set_uuid(side.enterprise);
         req.mutable_customer()->set_slug("slug");
         v1::EnterpriseCustomer out;
         return s.UpsertEnterpriseCustomer(c, req, &out);
       }},
      {"GetEnterpriseCustomer",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetEnterpriseCustomerRequest req;
         req.set_uuid(side.enterprise);
         v1::EnterpriseCustomer out;
         return s.GetEnterpriseCustomer(c, req, &out);
       }},
      {"GetCustomerContentMetadata",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::GetCustomerContentMetadataRequest req;
         req.set_enterprise_uuid(side.enterprise);
         req.set_content_identifier(side.key);
         v1::GetCustomerContentMetadataResponse out;
         return s.GetCustomerContentMetadata(c, req, &out);
       }},
      {"DiffCatalogContent",
       [](Stub& s, grpc::ClientContext* c, const Side& side,
          const std::string&) {
         v1::DiffCatalogContentRequest req;
         req.set_catalog_uuid(side.catalog);
         req.add_content_keys(side.key);
         v1::DiffCatalogContentResponse out;
         return s.DiffCatalogContent(c, req, &out);
       }},
  };
  return *rpcs;
}

using Expectations = testing::AuthzExpectations;

class AuthTest : public testing::SharedStoreTest<> {
 protected:
  static void SetUpTestSuite() {
    SharedStoreTest::SetUpTestSuite();
    if (env_ == nullptr) return;
    server::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.rpc_threads = 2;
    options.shutdown_grace = std::chrono::seconds(2);
    options.auth.jwt = testing::TestJwtConfig();
    auto server = server::CatalogServer::Start(
        options, env_->store(), env_->queue(), env_->customers());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    delete channel_;
    delete server_;
    SharedStoreTest::TearDownTestSuite();
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(env_->Truncate().ok());
    stub_ = v1::EnterpriseCatalogService::NewStub(*channel_);
    a_ = MakeSide(kEnterpriseA, kKeyA, R"({"content_type": "course", "a": 1})");
    b_ = MakeSide(kEnterpriseB, kKeyB, R"({"content_type": "course", "b": 1})");
  }

  storage::CatalogRow StoreCatalog(const std::string& enterprise,
                                   const std::string& filter) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = enterprise;
    c.filter = testing::Filter(filter);
    c.enabled_course_modes = {"verified"};
    auto row = env_->store()->CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::CatalogRow{};
  }

  Side MakeSide(const std::string& enterprise, const std::string& key,
                const std::string& filter) {
    const storage::CatalogRow row = StoreCatalog(enterprise, filter);
    auto id = env_->QueryInt("SELECT id FROM catalog_query WHERE uuid = '" +
                             row.catalog_query_uuid + "'");
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(env_->store()
                    ->ReplaceQueryContent(
                        *id, testing::Records({testing::CourseDoc(key, "C")}))
                    .ok());
    // The platform wrote the customer, so that reading it can succeed.
    storage::EnterpriseCustomerRow customer;
    customer.uuid = enterprise;
    customer.slug = "customer";
    EXPECT_TRUE(env_->customers()->UpsertEnterpriseCustomer(customer).ok());
    auto job = env_->queue()->EnqueueForCatalog(
        row.uuid, storage::JobReason::kRequested, std::nullopt, 3,
        common::SystemNowMicros());
    EXPECT_TRUE(job.ok()) << job.status();
    return Side{enterprise, row.uuid, job.ok() ? job->job.uuid : "", key,
                row.catalog_query_uuid};
  }

  grpc::Status Invoke(const Rpc& rpc, const Side& side,
                      const std::optional<std::string>& authorization) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    if (authorization) ctx.AddMetadata("authorization", *authorization);
    const std::string disposable =
        StoreCatalog(side.enterprise, R"({"content_type": "course"})").uuid;
    return rpc.call(*stub_, &ctx, side, disposable);
  }

  // Runs every RPC against both sides and compares each code.
  void CheckRow(const std::string& caller,
                const std::optional<std::string>& authorization,
                const Side& own, const Side& other,
                const Expectations& expected) {
    for (const Rpc& rpc : AllRpcs()) {
      const auto& [own_code, other_code] = expected.at(rpc.name);
      const grpc::Status on_own = Invoke(rpc, own, authorization);
      EXPECT_EQ(on_own.error_code(), static_cast<Code>(own_code))
          << caller << " " << rpc.name
          << " on own enterprise's target: " << on_own.error_message();
      const grpc::Status on_other = Invoke(rpc, other, authorization);
      EXPECT_EQ(on_other.error_code(), static_cast<Code>(other_code))
          << caller << " " << rpc.name
          << " on the other's target: " << on_other.error_message();
    }
  }

  static std::string Jwt(const std::vector<std::string>& roles) {
    testing::TokenSpec spec;
    spec.roles = roles;
    return "JWT " + testing::Hs256Token(spec);
  }

  static server::CatalogServer* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
  std::unique_ptr<Stub> stub_;
  Side a_;
  Side b_;
};

server::CatalogServer* AuthTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* AuthTest::channel_ = nullptr;

TEST_F(AuthTest, NoTokenIsUnauthenticated) {
  CheckRow("no token", std::nullopt, a_, b_,
           testing::UniformExpectations(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthTest, ExpiredTokenIsUnauthenticated) {
  testing::TokenSpec spec;
  spec.roles = {"enterprise_openedx_operator:*"};
  spec.expires_in_seconds = -3600;
  CheckRow("expired", "JWT " + testing::Hs256Token(spec), a_, b_,
           testing::UniformExpectations(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthTest, WrongSignatureIsUnauthenticated) {
  testing::TokenSpec spec;
  spec.roles = {"enterprise_openedx_operator:*"};
  CheckRow("wrong signature",
           "JWT " + testing::Hs256Token(spec, "not-the-servers-secret-at-all"),
           a_, b_,
           testing::UniformExpectations(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthTest, WrongAudienceIsUnauthenticated) {
  testing::TokenSpec spec;
  spec.roles = {"enterprise_openedx_operator:*"};
  spec.audience = "another-service";
  CheckRow("wrong audience", "Bearer " + testing::Hs256Token(spec), a_, b_,
           testing::UniformExpectations(absl::StatusCode::kUnauthenticated));
}

TEST_F(AuthTest, LearnerOfA) {
  CheckRow("learner of A",
           Jwt({std::string("enterprise_learner:") + kEnterpriseA}), a_, b_,
           testing::LearnerOfOwnExpectations());
}

TEST_F(AuthTest, AdminOfA) {
  CheckRow("admin of A",
           Jwt({std::string("enterprise_catalog_admin:") + kEnterpriseA}), a_,
           b_, testing::AdminOfOwnExpectations());
  // enterprise_admin carries the same rights.
  CheckRow("enterprise_admin of A",
           Jwt({std::string("enterprise_admin:") + kEnterpriseA}), a_, b_,
           testing::AdminOfOwnExpectations());
}

TEST_F(AuthTest, AdminOfB) {
  // Mirror image: B's admin against B's catalogs (own) and A's (other).
  CheckRow("admin of B",
           Jwt({std::string("enterprise_catalog_admin:") + kEnterpriseB}), b_,
           a_, testing::AdminOfOwnExpectations());
}

TEST_F(AuthTest, Operator) {
  CheckRow("operator", Jwt({"enterprise_openedx_operator:*"}), a_, b_,
           testing::UniformExpectations(absl::StatusCode::kOk));
}

TEST_F(AuthTest, ServiceRole) {
  CheckRow("service", Jwt({"enterprise_catalog_service:*"}), a_, b_,
           testing::ServiceExpectations());
}

TEST_F(AuthTest, ForeignCatalogLooksExactlyLikeAMissingOne) {
  const std::string header =
      Jwt({std::string("enterprise_catalog_admin:") + kEnterpriseA});
  for (const std::string& uuid : {b_.catalog, common::NewUuidV4()}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", header);
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(uuid);
    v1::GetCatalogMetadataResponse out;
    const grpc::Status s = stub_->GetCatalogMetadata(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), Code::NOT_FOUND);
    EXPECT_EQ(s.error_message(), "catalog " + uuid + " not found");
  }
}

// Issue 14, defect 9: catalog uuids are global and chosen by callers, so a
// create with a uuid that another enterprise holds cannot succeed. It is
// answered exactly as a create with a uuid of the caller's own enterprise:
// same code, same message, nothing of the other catalog, which is left
// unchanged (docs/security.md).
TEST_F(AuthTest, ACollidingUuidIsReportedAlikeForOwnAndForeignCatalogs) {
  auto create = [&](const char* enterprise) {
    grpc::ClientContext ctx;
    ctx.AddMetadata(
        "authorization",
        Jwt({std::string("enterprise_catalog_admin:") + enterprise}));
    v1::CreateCatalogRequest req;
    v1::Catalog* c = req.mutable_catalog();
    c->set_uuid(b_.catalog);
    c->set_title("Taken");
    c->set_enterprise_uuid(enterprise);
    (*c->mutable_content_filter()->mutable_fields())["content_type"]
        .set_string_value("course");
    v1::Catalog out;
    return stub_->CreateCatalog(&ctx, req, &out);
  };
  const grpc::Status foreign = create(kEnterpriseA);
  const grpc::Status own = create(kEnterpriseB);
  EXPECT_EQ(foreign.error_code(), Code::ALREADY_EXISTS);
  EXPECT_EQ(own.error_code(), Code::ALREADY_EXISTS);
  EXPECT_EQ(foreign.error_message(), own.error_message());
  EXPECT_EQ(foreign.error_message(),
            "a catalog with uuid " + b_.catalog + " already exists");

  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", Jwt({"enterprise_openedx_operator:*"}));
  v1::GetCatalogRequest get;
  get.set_uuid(b_.catalog);
  v1::Catalog got;
  ASSERT_TRUE(stub_->GetCatalog(&ctx, get, &got).ok());
  EXPECT_EQ(got.enterprise_uuid(), kEnterpriseB);
  EXPECT_NE(got.title(), "Taken");
}

TEST_F(AuthTest, ListingIsScopedToTheCallersEnterprises) {
  auto list = [&](const std::string& header, const std::string& token,
                  v1::ListCatalogsResponse* out) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", header);
    v1::ListCatalogsRequest req;
    req.set_page_size(1);
    req.set_page_token(token);
    return stub_->ListCatalogs(&ctx, req, out);
  };
  StoreCatalog(kEnterpriseA, R"({"x": 2})");
  const std::string a_admin =
      Jwt({std::string("enterprise_catalog_admin:") + kEnterpriseA});
  std::vector<std::string> seen;
  std::string token;
  std::string first_token;
  do {
    v1::ListCatalogsResponse out;
    ASSERT_TRUE(list(a_admin, token, &out).ok());
    for (const auto& c : out.catalogs()) {
      EXPECT_EQ(c.enterprise_uuid(), kEnterpriseA);
      seen.push_back(c.uuid());
    }
    token = out.next_page_token();
    if (first_token.empty()) first_token = token;
  } while (!token.empty());
  // The fixture's catalog, the extra one, and one disposable per side.
  EXPECT_EQ(seen.size(), 2u);
  ASSERT_FALSE(first_token.empty());

  // A page token is bound to the caller's enterprise set: B's admin cannot
  // page with A's token, and a hand-edited token is refused.
  v1::ListCatalogsResponse out;
  EXPECT_EQ(list(Jwt({std::string("enterprise_catalog_admin:") + kEnterpriseB}),
                 first_token, &out)
                .error_code(),
            Code::INVALID_ARGUMENT);
  std::string edited = first_token;
  edited[edited.size() / 2] = edited[edited.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(list(a_admin, edited, &out).error_code(), Code::INVALID_ARGUMENT);

  // Someone with no enterprise roles sees nothing, rather than everything.
  ASSERT_TRUE(list(Jwt({"enterprise_learner:not-a-uuid"}), "", &out).ok());
  EXPECT_EQ(out.catalogs_size(), 0);
}

TEST_F(AuthTest, MutationsAreAudited) {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "audit-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  logger->set_pattern("{%v}");
  logger->set_level(spdlog::level::info);
  spdlog::set_default_logger(logger);

  testing::TokenSpec admin;
  admin.subject = "alice";
  admin.roles = {std::string("enterprise_catalog_admin:") + kEnterpriseA};
  const std::string header = "JWT " + testing::Hs256Token(admin);
  for (const Rpc& rpc : AllRpcs()) {
    if (rpc.name == "UpdateCatalog" || rpc.name == "DeleteCatalog") {
      Invoke(rpc, a_, header);
      Invoke(rpc, b_, header);
    }
  }
  spdlog::set_default_logger(previous);

  std::vector<std::string> audit;
  std::istringstream lines(captured.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(R"("component":"audit")") != std::string::npos) {
      audit.push_back(line);
    }
  }
  ASSERT_EQ(audit.size(), 4u) << captured.str();
  EXPECT_THAT(audit[0], HasSubstr(R"("action":"UpdateCatalog")"));
  EXPECT_THAT(audit[0], HasSubstr(R"("subject":"alice")"));
  EXPECT_THAT(audit[0], HasSubstr(R"("catalog_uuid":")" + a_.catalog));
  EXPECT_THAT(audit[0],
              HasSubstr(R"("enterprise_uuid":")" + std::string(kEnterpriseA)));
  EXPECT_THAT(audit[0], HasSubstr(R"("result":"OK")"));
  // The refused attempt on B's catalog is recorded too.
  EXPECT_THAT(audit[1], HasSubstr(R"("catalog_uuid":")" + b_.catalog));
  EXPECT_THAT(audit[1], HasSubstr(R"("result":"NOT_FOUND")"));
  EXPECT_THAT(audit[2], HasSubstr(R"("action":"DeleteCatalog")"));
  EXPECT_THAT(audit[2], HasSubstr(R"("result":"OK")"));
  EXPECT_THAT(audit[3], HasSubstr(R"("result":"NOT_FOUND")"));
}

// One ServerReflectionRequest{list_services: ""} over the bidi stream, as
// grpcurl's first step; returns the status and the raw response bytes.
std::pair<grpc::Status, std::string> ListServices(
    const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub generic(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      &cq);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](intptr_t id) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), id);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  // Field 7 (list_services), length-delimited, empty.
  grpc::Slice slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(2);
  call->WritesDone(reinterpret_cast<void*>(3));
  step(3);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  std::string bytes;
  if (step(4)) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    for (const auto& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  return {status, bytes};
}

TEST_F(AuthTest, HealthAndReflectionNeedNoToken) {
  const grpc::Status health = testing::HealthCheck(*channel_);
  EXPECT_TRUE(health.ok()) << health.error_message();
  const auto [status, bytes] = ListServices(*channel_);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(bytes,
              HasSubstr("enterprise_catalog.v1.EnterpriseCatalogService"));
}

TEST_F(AuthTest, ReflectionCanBeTurnedOff) {
  server::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.rpc_threads = 1;
  options.auth.jwt = testing::TestJwtConfig();
  options.reflection = false;
  auto server =
      server::CatalogServer::Start(options, env_->store(), env_->queue());
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                          grpc::InsecureChannelCredentials());
  EXPECT_EQ(ListServices(channel).first.error_code(), Code::UNIMPLEMENTED);
  EXPECT_TRUE(testing::HealthCheck(channel).ok());
}

}  // namespace
}  // namespace ec
