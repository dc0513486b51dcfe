// Who may call what, decided by the core alone: every RPC for every kind of
// caller, against a catalog of the caller's own enterprise and one of
// another's, on the in-memory fakes. tests/e2e/auth_e2e_test.cc runs the
// same matrix over gRPC with real tokens on PostgreSQL.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/principal.h"
#include "common/page_token.h"
#include "common/uuid.h"
#include "core/catalog_core.h"
#include "domain/canonical_json.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_content_source.h"
#include "tests/fakes/fake_refresh_queue.h"
#include "tests/support/authorization_matrix.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using absl::StatusCode;

constexpr char kEnterpriseA[] = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
constexpr char kEnterpriseB[] = "b8e2d4f6-0a1c-4e3b-8d5f-7a9c1e3b5d46";

// What one enterprise has, for the calls to aim at.
struct Side {
  std::string enterprise;
  std::string catalog;
  std::string job;
  std::string key;
  std::string query;  // the catalog's query uuid
};

domain::CanonicalFilter Filter(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok());
  auto filter = domain::CanonicalizeFilter(s);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() ? *filter : domain::CanonicalFilter{};
}

// One RPC aimed at a side; `disposable` is a fresh catalog of that side's
// enterprise for the destructive call.
using Call = std::function<absl::Status(CatalogCore&, const auth::Principal&,
                                        const Side&, const std::string&)>;
struct Rpc {
  std::string name;
  Call call;
};

const std::vector<Rpc>& AllRpcs() {
  static const auto* rpcs = new std::vector<Rpc>{
      {"CreateCatalog",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::CreateCatalogRequest req;
         req.mutable_catalog()->set_title("New");
         req.mutable_catalog()->set_enterprise_uuid(side.enterprise);
         (*req.mutable_catalog()
               ->mutable_content_filter()
               ->mutable_fields())["content_type"]
             .set_string_value("course");
         v1::Catalog out;
         return core.CreateCatalog(p, req, &out);
       }},
      {"GetCatalog",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetCatalogRequest req;
         req.set_uuid(side.catalog);
         v1::Catalog out;
         return core.GetCatalog(p, req, &out);
       }},
      {"ListCatalogs",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::ListCatalogsRequest req;
         req.set_enterprise_uuid(side.enterprise);
         v1::ListCatalogsResponse out;
         return core.ListCatalogs(p, req, &out);
       }},
      {"UpdateCatalog",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::UpdateCatalogRequest req;
         req.mutable_catalog()->set_uuid(side.catalog);
         req.mutable_catalog()->set_title("Renamed");
         req.mutable_update_mask()->add_paths("title");
         v1::Catalog out;
         return core.UpdateCatalog(p, req, &out);
       }},
      {"DeleteCatalog",
       [](CatalogCore& core, const auth::Principal& p, const Side&,
          const std::string& disposable) {
         v1::DeleteCatalogRequest req;
         req.set_uuid(disposable);
         v1::DeleteCatalogResponse out;
         return core.DeleteCatalog(p, req, &out);
       }},
      {"ContainsContentItems",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::ContainsContentItemsRequest req;
         req.set_catalog_uuid(side.catalog);
         req.add_content_keys(side.key);
         v1::ContainsContentItemsResponse out;
         return core.ContainsContentItems(p, req, &out);
       }},
      {"CustomerContainsContentItems",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::CustomerContainsContentItemsRequest req;
         req.set_enterprise_uuid(side.enterprise);
         req.add_content_keys(side.key);
         v1::CustomerContainsContentItemsResponse out;
         return core.CustomerContainsContentItems(p, req, &out);
       }},
      {"GetCatalogMetadata",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetCatalogMetadataRequest req;
         req.set_catalog_uuid(side.catalog);
         v1::GetCatalogMetadataResponse out;
         return core.GetCatalogMetadata(p, req, &out);
       }},
      {"GetContentMetadata",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetContentMetadataRequest req;
         req.add_content_keys(side.key);
         v1::GetContentMetadataResponse out;
         return core.GetContentMetadata(p, req, &out);
       }},
      {"RefreshCatalog",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::RefreshCatalogRequest req;
         req.set_catalog_uuid(side.catalog);
         v1::RefreshJob out;
         return core.RefreshCatalog(p, req, &out);
       }},
      {"GetRefreshJob",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetRefreshJobRequest req;
         req.set_job_uuid(side.job);
         v1::RefreshJob out;
         return core.GetRefreshJob(p, req, &out);
       }},
      {"NotifyContentChanged",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::NotifyContentChangedRequest req;
         req.add_content_keys(side.key);
         v1::NotifyContentChangedResponse out;
         return core.NotifyContentChanged(p, req, &out);
       }},
      {"GetCatalogQuery",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetCatalogQueryRequest req;
         req.set_uuid(side.query);
         v1::CatalogQuery out;
         return core.GetCatalogQuery(p, req, &out);
       }},
      {"HashContentFilter",
       [](CatalogCore& core, const auth::Principal& p, const Side&,
          const std::string&) {
         v1::HashContentFilterRequest req;
         (*req.mutable_content_filter()->mutable_fields())["content_type"]
             .set_string_value("course");
         v1::HashContentFilterResponse out;
         return core.HashContentFilter(p, req, &out);
       }},
      {"UpsertEnterpriseCustomer",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::UpsertEnterpriseCustomerRequest req;
         req.mutable_customer()->set_uuid(side.enterprise);
         req.mutable_customer()->set_slug("slug");
         v1::EnterpriseCustomer out;
         return core.UpsertEnterpriseCustomer(p, req, &out);
       }},
      {"GetEnterpriseCustomer",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetEnterpriseCustomerRequest req;
         req.set_uuid(side.enterprise);
         v1::EnterpriseCustomer out;
         return core.GetEnterpriseCustomer(p, req, &out);
       }},
      {"GetCustomerContentMetadata",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::GetCustomerContentMetadataRequest req;
         req.set_enterprise_uuid(side.enterprise);
         req.set_content_identifier(side.key);
         v1::GetCustomerContentMetadataResponse out;
         return core.GetCustomerContentMetadata(p, req, &out);
       }},
      {"DiffCatalogContent",
       [](CatalogCore& core, const auth::Principal& p, const Side& side,
          const std::string&) {
         v1::DiffCatalogContentRequest req;
         req.set_catalog_uuid(side.catalog);
         req.add_content_keys(side.key);
         v1::DiffCatalogContentResponse out;
         return core.DiffCatalogContent(p, req, &out);
       }},
  };
  return *rpcs;
}

using Expectations = testing::AuthzExpectations;
constexpr StatusCode OK = StatusCode::kOk;
constexpr StatusCode NF = StatusCode::kNotFound;
constexpr StatusCode PD = StatusCode::kPermissionDenied;

class AuthorizationTest : public ::testing::Test {
 protected:
  AuthorizationTest()
      : queue_(&store_),
        core_(&store_, &queue_, domain::RefreshPolicy{},
              common::PageTokenCodec::WithRandomSecret(), common::SystemClock(),
              CatalogFieldsConfig{&store_, {}}) {}

  void SetUp() override {
    // Filters no other catalog of the test uses (CreateCatalog makes
    // {"content_type": "course"} ones): a shared query would let one
    // enterprise's admin watch the other's job.
    a_ = MakeSide(kEnterpriseA, "edX+A101",
                  R"({"content_type": "course", "a": 1})");
    b_ = MakeSide(kEnterpriseB, "edX+B202",
                  R"({"content_type": "course", "b": 1})");
  }

  std::string StoreCatalog(const std::string& enterprise,
                           const std::string& filter) {
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Catalog";
    c.enterprise_uuid = enterprise;
    c.filter = Filter(filter);
    c.enabled_course_modes = {"verified"};
    auto row = store_.CreateCatalog(c);
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? row->uuid : "";
  }

  Side MakeSide(const std::string& enterprise, const std::string& key,
                const std::string& filter) {
    const std::string catalog = StoreCatalog(enterprise, filter);
    auto query_id = store_.QueryIdOf(catalog);
    EXPECT_TRUE(query_id.ok());
    EXPECT_TRUE(
        store_.ReplaceQueryContent(*query_id, fakes::CourseRecords({key}))
            .ok());
    // The platform wrote the customer, so that reading it can succeed.
    storage::EnterpriseCustomerRow customer;
    customer.uuid = enterprise;
    customer.slug = "customer";
    EXPECT_TRUE(store_.UpsertEnterpriseCustomer(customer).ok());
    auto job = queue_.EnqueueForCatalog(catalog, storage::JobReason::kRequested,
                                        std::nullopt, 3, 1);
    EXPECT_TRUE(job.ok()) << job.status();
    auto row = store_.GetCatalog(catalog);
    EXPECT_TRUE(row.ok()) << row.status();
    return Side{enterprise, catalog, job.ok() ? job->job.uuid : "", key,
                row.ok() ? row->catalog_query_uuid : ""};
  }

  // Runs every RPC against both sides and compares each code.
  void CheckRow(const std::string& caller, const auth::Principal& principal,
                const Side& own, const Side& other,
                const Expectations& expected) {
    for (const Rpc& rpc : AllRpcs()) {
      const auto& [own_code, other_code] = expected.at(rpc.name);
      const absl::Status on_own =
          rpc.call(core_, principal, own,
                   StoreCatalog(own.enterprise, R"({"content_type": "x"})"));
      EXPECT_EQ(on_own.code(), own_code)
          << caller << " " << rpc.name
          << " on own enterprise's target: " << on_own;
      const absl::Status on_other =
          rpc.call(core_, principal, other,
                   StoreCatalog(other.enterprise, R"({"content_type": "x"})"));
      EXPECT_EQ(on_other.code(), other_code)
          << caller << " " << rpc.name
          << " on the other's target: " << on_other;
    }
  }

  static auth::Principal Roles(std::vector<std::string> roles) {
    return auth::Principal::FromRoles("tester", std::move(roles));
  }

  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_;
  CatalogCore core_;
  Side a_;
  Side b_;
};

// The table covers the whole service: a new RPC cannot be added without
// deciding who may call it.
TEST(AuthorizationMatrixTest, CoversEveryRpcOfTheService) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "enterprise_catalog.v1.EnterpriseCatalogService");
  ASSERT_NE(service, nullptr);
  std::vector<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    methods.push_back(service->method(i)->name());
  }
  std::vector<std::string> tested;
  for (const Rpc& rpc : AllRpcs()) tested.push_back(rpc.name);
  EXPECT_THAT(tested, ::testing::UnorderedElementsAreArray(methods));
  EXPECT_THAT(testing::CatalogRpcNames(),
              ::testing::UnorderedElementsAreArray(methods));
}

TEST_F(AuthorizationTest, NoRolesGrantNothing) {
  CheckRow("no roles", Roles({}), a_, b_, testing::NoRolesExpectations());
}

TEST_F(AuthorizationTest, LearnerOfA) {
  CheckRow("learner of A",
           Roles({std::string(auth::kLearnerRole) + ":" + kEnterpriseA}), a_,
           b_, testing::LearnerOfOwnExpectations());
}

TEST_F(AuthorizationTest, AdminOfA) {
  CheckRow("catalog admin of A",
           Roles({std::string(auth::kCatalogAdminRole) + ":" + kEnterpriseA}),
           a_, b_, testing::AdminOfOwnExpectations());
  CheckRow(
      "enterprise admin of A",
      Roles({std::string(auth::kEnterpriseAdminRole) + ":" + kEnterpriseA}), a_,
      b_, testing::AdminOfOwnExpectations());
}

TEST_F(AuthorizationTest, AdminOfBMirrorsAdminOfA) {
  CheckRow("catalog admin of B",
           Roles({std::string(auth::kCatalogAdminRole) + ":" + kEnterpriseB}),
           b_, a_, testing::AdminOfOwnExpectations());
}

TEST_F(AuthorizationTest, OperatorMayDoEverything) {
  CheckRow("operator", Roles({std::string(auth::kOperatorRole) + ":*"}), a_, b_,
           testing::UniformExpectations(OK));
}

TEST_F(AuthorizationTest, ServiceReadsEverythingAndChangesNothing) {
  CheckRow("service", Roles({std::string(auth::kServiceRole) + ":*"}), a_, b_,
           testing::ServiceExpectations());
}

TEST_F(AuthorizationTest, AForeignCatalogLooksExactlyLikeAMissingOne) {
  const auth::Principal admin =
      Roles({std::string(auth::kCatalogAdminRole) + ":" + kEnterpriseA});
  for (const std::string& uuid : {b_.catalog, common::NewUuidV4()}) {
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(uuid);
    v1::GetCatalogMetadataResponse out;
    const absl::Status status = core_.GetCatalogMetadata(admin, req, &out);
    EXPECT_EQ(status.code(), NF);
    EXPECT_EQ(status.message(), "catalog " + uuid + " not found");
  }
}

TEST_F(AuthorizationTest, ARefusedChangeChangesNothing) {
  const auth::Principal learner =
      Roles({std::string(auth::kLearnerRole) + ":" + kEnterpriseA});
  v1::UpdateCatalogRequest update;
  update.mutable_catalog()->set_uuid(a_.catalog);
  update.mutable_catalog()->set_title("Renamed");
  update.mutable_update_mask()->add_paths("title");
  v1::Catalog out;
  EXPECT_EQ(core_.UpdateCatalog(learner, update, &out).code(), PD);
  v1::DeleteCatalogRequest del;
  del.set_uuid(a_.catalog);
  v1::DeleteCatalogResponse deleted;
  EXPECT_EQ(core_.DeleteCatalog(learner, del, &deleted).code(), PD);
  const size_t jobs = queue_.Jobs().size();
  v1::RefreshCatalogRequest refresh;
  refresh.set_catalog_uuid(a_.catalog);
  v1::RefreshJob job;
  EXPECT_EQ(core_.RefreshCatalog(learner, refresh, &job).code(), PD);

  v1::NotifyContentChangedRequest notify;
  notify.add_content_keys(a_.key);
  v1::NotifyContentChangedResponse notified;
  const auth::Principal admin =
      Roles({std::string(auth::kCatalogAdminRole) + ":*"});
  EXPECT_EQ(core_.NotifyContentChanged(admin, notify, &notified).code(), PD);

  auto row = store_.GetCatalog(a_.catalog);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->title, "Catalog");
  EXPECT_EQ(queue_.Jobs().size(), jobs);
  EXPECT_THAT(queue_.FlaggedForFullFetch(), ::testing::IsEmpty());
}

// The full-metadata job serves every enterprise's content, so it belongs to
// none: only the roles that see all content may watch it.
TEST_F(AuthorizationTest, OnlyGlobalRolesSeeTheFullMetadataJob) {
  v1::NotifyContentChangedRequest notify;
  notify.add_content_keys(a_.key);
  v1::NotifyContentChangedResponse notified;
  ASSERT_TRUE(core_
                  .NotifyContentChanged(
                      Roles({std::string(auth::kOperatorRole) + ":*"}), notify,
                      &notified)
                  .ok());
  ASSERT_EQ(notified.full_job().kind(), v1::RefreshJob::FULL_METADATA);
  v1::GetRefreshJobRequest req;
  req.set_job_uuid(notified.full_job().uuid());
  for (const std::string& role : {std::string(auth::kOperatorRole) + ":*",
                                  std::string(auth::kServiceRole) + ":*"}) {
    v1::RefreshJob out;
    EXPECT_TRUE(core_.GetRefreshJob(Roles({role}), req, &out).ok()) << role;
    EXPECT_EQ(out.kind(), v1::RefreshJob::FULL_METADATA) << role;
    EXPECT_EQ(out.catalog_query_uuid(), "") << role;
  }
  for (const std::string& role :
       {std::string(auth::kCatalogAdminRole) + ":*",
        std::string(auth::kCatalogAdminRole) + ":" + kEnterpriseA,
        std::string(auth::kLearnerRole) + ":*"}) {
    v1::RefreshJob out;
    const absl::Status status = core_.GetRefreshJob(Roles({role}), req, &out);
    EXPECT_EQ(status.code(), NF) << role;
    EXPECT_EQ(status.message(),
              "refresh job " + notified.full_job().uuid() + " not found")
        << role;
  }
}

TEST_F(AuthorizationTest, ListingShowsOnlyTheCallersEnterprises) {
  const auth::Principal learner =
      Roles({std::string(auth::kLearnerRole) + ":" + kEnterpriseA});
  v1::ListCatalogsRequest all;
  v1::ListCatalogsResponse out;
  ASSERT_TRUE(core_.ListCatalogs(learner, all, &out).ok());
  ASSERT_EQ(out.catalogs_size(), 1);
  EXPECT_EQ(out.catalogs(0).uuid(), a_.catalog);
  EXPECT_EQ(out.catalogs(0).enterprise_uuid(), kEnterpriseA);
}

}  // namespace
}  // namespace ec::core
