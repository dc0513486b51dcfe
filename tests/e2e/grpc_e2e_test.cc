// End-to-end: the real server on a loopback port, a real PostgreSQL, and the
// generated C++ stub.
#include <algorithm>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "domain/content.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "metrics/metrics.h"
#include "server/catalog_server.h"
#include "storage/pg/membership_feed.h"
#include "tests/support/test_env.h"

namespace ec {
namespace {

namespace v1 = ::enterprise_catalog::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kEnterpriseA[] = "11111111-1111-4111-8111-111111111111";
constexpr char kEnterpriseB[] = "22222222-2222-4222-8222-222222222222";

google::protobuf::Struct Struct(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  return s;
}

// With EC_TEST_MEMBERSHIP_INDEX=1 (ctest's e2e_contains_from_memory) the
// server answers the contains RPCs from the membership index, as serve
// does, and every contains call of the suite first waits until the index has
// caught up with the database (as a replica has within milliseconds of a
// commit): the same tests, the same answers.
bool MembershipIndexOn() {
  const char* on = std::getenv("EC_TEST_MEMBERSHIP_INDEX");
  return on != nullptr && std::string(on) == "1";
}

class GrpcTest : public testing::SharedStoreTest<> {
 protected:
  static void SetUpTestSuite() {
    SharedStoreTest::SetUpTestSuite();
    if (env_ == nullptr) return;
    if (MembershipIndexOn()) {
      membership_ = new index::LiveMembership();
      storage::pg::MembershipFeedOptions feed;
      feed.database = env_->config();
      feed.retry_backoff = std::chrono::milliseconds(50);
      membership_feed_ = new storage::pg::MembershipFeed(feed, membership_);
      membership_feed_->Start();
    }
    server::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.rpc_threads = 2;
    options.shutdown_grace = std::chrono::seconds(2);
    // These tests are about the API's behaviour; who may call it is
    // auth_e2e_test's subject.
    options.auth.disabled = true;
    auto server = server::CatalogServer::Start(options, env_->store(), nullptr,
                                               nullptr, membership_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    delete channel_;
    delete server_;
    delete membership_feed_;
    delete membership_;
    SharedStoreTest::TearDownTestSuite();
  }

  // With the index on: waits until it has caught up with the writes so far.
  static void SyncIndex() {
    if (membership_ != nullptr) {
      ASSERT_NE(env_->WaitForMembership(*membership_), nullptr);
    }
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(env_->Truncate().ok());
    stub_ = v1::EnterpriseCatalogService::NewStub(*channel_);
  }

  std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    return ctx;
  }

  grpc::Status CreateRaw(const v1::Catalog& catalog, v1::Catalog* out) {
    v1::CreateCatalogRequest req;
    *req.mutable_catalog() = catalog;
    return stub_->CreateCatalog(Ctx().get(), req, out);
  }

  v1::Catalog NewCatalog(const std::string& filter_json,
                         const std::string& enterprise = kEnterpriseA) {
    v1::Catalog c;
    c.set_title("Catalog");
    c.set_enterprise_uuid(enterprise);
    c.set_enterprise_name("Acme");
    *c.mutable_content_filter() = Struct(filter_json);
    return c;
  }

  v1::Catalog Create(const std::string& filter_json,
                     const std::string& enterprise = kEnterpriseA) {
    v1::Catalog out;
    grpc::Status s = CreateRaw(NewCatalog(filter_json, enterprise), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // Content arrives through storage, as the refresh workers will deliver it.
  void Load(const v1::Catalog& catalog, const std::vector<std::string>& docs) {
    auto id = env_->QueryInt("SELECT id FROM catalog_query WHERE uuid = '" +
                             catalog.catalog_query_uuid() + "'");
    ASSERT_TRUE(id.ok()) << id.status();
    auto r = env_->store()->ReplaceQueryContent(*id, testing::Records(docs));
    ASSERT_TRUE(r.ok()) << r.status();
  }

  grpc::StatusCode Contains(const std::string& catalog_uuid,
                            const std::vector<std::string>& keys,
                            v1::ContainsContentItemsResponse* out) {
    v1::ContainsContentItemsRequest req;
    req.set_catalog_uuid(catalog_uuid);
    for (const auto& k : keys) req.add_content_keys(k);
    SyncIndex();
    return stub_->ContainsContentItems(Ctx().get(), req, out).error_code();
  }

  static index::LiveMembership* membership_;
  static storage::pg::MembershipFeed* membership_feed_;
  static server::CatalogServer* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
  std::unique_ptr<v1::EnterpriseCatalogService::Stub> stub_;
};

index::LiveMembership* GrpcTest::membership_ = nullptr;
storage::pg::MembershipFeed* GrpcTest::membership_feed_ = nullptr;
server::CatalogServer* GrpcTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* GrpcTest::channel_ = nullptr;

TEST_F(GrpcTest, CreateGeneratesUuidAndHashesLikeDjango) {
  v1::Catalog created =
      Create(R"({"content_type": ["political", "unit", "market"]})");
  EXPECT_TRUE(common::NormalizeUuid(created.uuid()).has_value())
      << created.uuid();
  EXPECT_EQ(created.content_filter_hash(), "35584b583415a5bd4e51cc70d898a0eb");
  EXPECT_FALSE(created.catalog_query_uuid().empty());
  EXPECT_THAT(created.enabled_course_modes(),
              ElementsAre("verified", "professional", "no-id-professional",
                          "audit", "honor"));
  EXPECT_TRUE(created.has_created());
  EXPECT_FALSE(created.has_content_refreshed());
  EXPECT_EQ(created.content_count(), 0);

  v1::Catalog run = Create(R"({"content_type": "courserun"})");
  EXPECT_EQ(run.content_filter_hash(), "58652973bc814f1a8df3942010c57c84");
}

TEST_F(GrpcTest, ClientSuppliedUuidIsKeptAndDuplicatesAreRejected) {
  v1::Catalog c = NewCatalog(R"({"a": 1})");
  c.set_uuid("ABCDEF12-3456-4789-8ABC-DEF123456789");
  v1::Catalog out;
  ASSERT_TRUE(CreateRaw(c, &out).ok());
  EXPECT_EQ(out.uuid(), "abcdef12-3456-4789-8abc-def123456789");
  c.set_title("Another");
  grpc::Status dup = CreateRaw(c, &out);
  EXPECT_EQ(dup.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(dup.error_message(),
              HasSubstr("abcdef12-3456-4789-8abc-def123456789"));
  v1::GetCatalogRequest get;
  get.set_uuid(c.uuid());
  v1::Catalog got;
  ASSERT_TRUE(stub_->GetCatalog(Ctx().get(), get, &got).ok());
  EXPECT_EQ(got.title(), "Catalog");
}

TEST_F(GrpcTest, CreateRejectsBadInputWithActionableMessages) {
  struct Case {
    std::string name;
    std::function<void(v1::Catalog&)> mutate;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"no title", [](v1::Catalog& c) { c.clear_title(); },
       "catalog.title is required"},
      {"long title", [](v1::Catalog& c) { c.set_title(std::string(256, 't')); },
       "limit is 255"},
      {"bad uuid", [](v1::Catalog& c) { c.set_uuid("not-a-uuid"); },
       "catalog.uuid must be a uuid"},
      {"no enterprise", [](v1::Catalog& c) { c.clear_enterprise_uuid(); },
       "catalog.enterprise_uuid is required"},
      {"bad enterprise", [](v1::Catalog& c) { c.set_enterprise_uuid("1234"); },
       "catalog.enterprise_uuid must be a uuid"},
      {"no filter", [](v1::Catalog& c) { c.clear_content_filter(); },
       "catalog.content_filter is required"},
      {"huge filter",
       [](v1::Catalog& c) {
         (*c.mutable_content_filter()->mutable_fields())["big"]
             .set_string_value(std::string(70 * 1024, 'x'));
       },
       "65536"},
      {"NUL in filter",
       [](v1::Catalog& c) {
         (*c.mutable_content_filter()->mutable_fields())["k"].set_string_value(
             std::string("a\0b", 3));
       },
       "NUL"},
      {"NUL in title",
       [](v1::Catalog& c) { c.set_title(std::string("a\0b", 3)); }, "NUL"},
  };
  for (const auto& tc : cases) {
    v1::Catalog c = NewCatalog(R"({"ok": true})");
    tc.mutate(c);
    v1::Catalog out;
    grpc::Status s = CreateRaw(c, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << tc.name;
    EXPECT_THAT(s.error_message(), HasSubstr(tc.message)) << tc.name;
  }
  // Nothing was stored by any of them.
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM enterprise_catalog"), 0);
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM catalog_query"), 0);
}

TEST_F(GrpcTest, GetAndDeleteReportNotFoundAndInvalidUuid) {
  v1::GetCatalogRequest get;
  get.set_uuid(common::NewUuidV4());
  v1::Catalog out;
  EXPECT_EQ(stub_->GetCatalog(Ctx().get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  get.set_uuid("'; DROP TABLE enterprise_catalog; --");
  EXPECT_EQ(stub_->GetCatalog(Ctx().get(), get, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::Catalog c = Create(R"({"d": 1})");
  v1::DeleteCatalogRequest del;
  del.set_uuid(c.uuid());
  v1::DeleteCatalogResponse dresp;
  EXPECT_TRUE(stub_->DeleteCatalog(Ctx().get(), del, &dresp).ok());
  EXPECT_EQ(stub_->DeleteCatalog(Ctx().get(), del, &dresp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcTest, UpdateHonoursTheFieldMask) {
  v1::Catalog a = Create(R"({"content_type": "course"})");
  v1::Catalog b = Create(R"({"content_type": "course"})");
  Load(a, {testing::CourseDoc("edX+DemoX", "Demo")});

  v1::UpdateCatalogRequest req;
  req.mutable_catalog()->set_uuid(a.uuid());
  req.mutable_catalog()->set_title("New title");
  req.mutable_catalog()->set_enterprise_name("ignored: not in the mask");
  *req.mutable_catalog()->mutable_content_filter() =
      Struct(R"({"content_type": "program"})");
  req.mutable_update_mask()->add_paths("title");
  req.mutable_update_mask()->add_paths("content_filter");
  v1::Catalog updated;
  ASSERT_TRUE(stub_->UpdateCatalog(Ctx().get(), req, &updated).ok());
  EXPECT_EQ(updated.title(), "New title");
  EXPECT_EQ(updated.enterprise_name(), "Acme");
  EXPECT_NE(updated.catalog_query_uuid(), b.catalog_query_uuid());
  EXPECT_FALSE(updated.has_content_refreshed());

  v1::ContainsContentItemsResponse resp;
  ASSERT_EQ(Contains(b.uuid(), {"edX+DemoX"}, &resp), grpc::StatusCode::OK);
  EXPECT_TRUE(resp.contains_any()) << "another catalog's content changed";
  ASSERT_EQ(Contains(a.uuid(), {"edX+DemoX"}, &resp), grpc::StatusCode::OK);
  EXPECT_FALSE(resp.contains_any());

  for (const std::string path :
       {"", "enterprise_uuid", "uuid", "content_count", "no_such_field"}) {
    v1::UpdateCatalogRequest bad;
    bad.mutable_catalog()->set_uuid(a.uuid());
    if (!path.empty()) bad.mutable_update_mask()->add_paths(path);
    grpc::Status s = stub_->UpdateCatalog(Ctx().get(), bad, &updated);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(s.error_message(), HasSubstr("update_mask")) << path;
  }
  v1::UpdateCatalogRequest missing = req;
  missing.mutable_catalog()->set_uuid(common::NewUuidV4());
  EXPECT_EQ(stub_->UpdateCatalog(Ctx().get(), missing, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcTest, ListCatalogsPaginatesWithOpaqueScopedTokens) {
  std::vector<std::string> a;
  for (int i = 0; i < 7; ++i) {
    a.push_back(Create(R"({"i": )" + std::to_string(i) + "}").uuid());
    Create(R"({"j": )" + std::to_string(i) + "}", kEnterpriseB);
  }
  v1::ListCatalogsRequest req;
  req.set_enterprise_uuid(kEnterpriseA);
  req.set_page_size(3);
  std::vector<std::string> seen;
  std::string first_token;
  for (int page = 0; page < 10; ++page) {
    v1::ListCatalogsResponse resp;
    ASSERT_TRUE(stub_->ListCatalogs(Ctx().get(), req, &resp).ok());
    for (const auto& c : resp.catalogs()) seen.push_back(c.uuid());
    if (resp.next_page_token().empty()) break;
    if (first_token.empty()) first_token = resp.next_page_token();
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(seen, a);

  v1::ListCatalogsResponse resp;
  v1::ListCatalogsRequest other;
  other.set_enterprise_uuid(kEnterpriseB);
  other.set_page_token(first_token);
  grpc::Status s = stub_->ListCatalogs(Ctx().get(), other, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
  other.set_enterprise_uuid(kEnterpriseA);
  other.set_page_token(first_token.substr(0, first_token.size() - 2) + "zz");
  EXPECT_EQ(stub_->ListCatalogs(Ctx().get(), other, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  other.set_page_token("!!!not base64!!!");
  EXPECT_EQ(stub_->ListCatalogs(Ctx().get(), other, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  other.clear_page_token();
  other.set_page_size(1001);
  s = stub_->ListCatalogs(Ctx().get(), other, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("1000"));
}

TEST_F(GrpcTest, ContainsAnswersPerKeyInRequestOrder) {
  v1::Catalog c = Create(R"({"c": 1})");
  Load(c,
       {testing::CourseDoc("edX+DemoX", "Demo", {"course-v1:edX+DemoX+1T2026"}),
        testing::RunDoc("course-v1:MITx+1+2T2026", "MITx+1")});
  v1::ContainsContentItemsResponse resp;
  ASSERT_EQ(
      Contains(c.uuid(),
               {"nope", "course-v1:edX+DemoX+1T2026", "MITx+1", "nope"}, &resp),
      grpc::StatusCode::OK);
  EXPECT_TRUE(resp.contains_any());
  EXPECT_FALSE(resp.contains_all());
  ASSERT_EQ(resp.results_size(), 4);
  EXPECT_EQ(resp.results(0).content_key(), "nope");
  EXPECT_FALSE(resp.results(0).contained());
  EXPECT_TRUE(resp.results(1).contained());
  EXPECT_TRUE(resp.results(2).contained());
  EXPECT_FALSE(resp.results(3).contained());

  ASSERT_EQ(Contains(c.uuid(), {"edX+DemoX", "course-v1:MITx+1+2T2026"}, &resp),
            grpc::StatusCode::OK);
  EXPECT_TRUE(resp.contains_all());

  EXPECT_EQ(Contains(common::NewUuidV4(), {"edX+DemoX"}, &resp),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Contains("bad", {"edX+DemoX"}, &resp),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Contains(c.uuid(), {}, &resp), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcTest, KeyLimitsAreEnforcedWithTheLimitNamed) {
  v1::Catalog c = Create(R"({"limits": 1})");
  v1::ContainsContentItemsRequest req;
  req.set_catalog_uuid(c.uuid());
  for (int i = 0; i < 1000; ++i)
    req.add_content_keys("key-" + std::to_string(i));
  v1::ContainsContentItemsResponse resp;
  ASSERT_TRUE(stub_->ContainsContentItems(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.results_size(), 1000);
  req.add_content_keys("one too many");
  grpc::Status s = stub_->ContainsContentItems(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("1000"));

  req.clear_content_keys();
  req.add_content_keys(std::string(255, 'k'));
  EXPECT_TRUE(stub_->ContainsContentItems(Ctx().get(), req, &resp).ok());
  req.add_content_keys(std::string(256, 'k'));
  s = stub_->ContainsContentItems(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("255"));

  req.clear_content_keys();
  req.add_content_keys(std::string("a\0b", 3));
  s = stub_->ContainsContentItems(Ctx().get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("NUL"));
}

// 63 quotes, 48 backslashes, 40 three-byte and 2 four-byte characters: 239
// bytes, near the 255-byte key limit.
std::string LongUtf8Key() {
  std::string key = std::string(63, '\'') + std::string(48, '\\');
  for (int i = 0; i < 40; ++i) key += "\xe5\xad\xa6";
  return key + "\xf0\x9f\x98\x80\xf0\x9f\x98\x80";
}

// Keys that would break naive SQL or array-literal quoting, served through
// the whole stack: stored byte for byte, matched only exactly.
TEST_F(GrpcTest, HostileKeysAreStoredAndMatchedExactly) {
  const std::vector<std::string> hostile = {
      R"(it's "quoted")",
      R"(back\slash\\double)",
      "'); DROP TABLE content_metadata; --",
      R"({a,b},"c")",
      "NULL",
      "%_wild%_",
      "$1",
      " padded ",
      "\xe5\xad\xa6\xe7\xbf\x92\xf0\x9f\x8e\x93 e\xcc\x81",  // 学習🎓 é
      LongUtf8Key()};
  const auto catalog = Create(R"({"content_type": "course"})");
  std::vector<std::string> docs;
  for (const auto& key : hostile) docs.push_back(testing::CourseDoc(key, key));
  Load(catalog, docs);

  std::vector<std::string> asked = hostile;
  // Near misses: escaping, case, trimming, one byte more.
  for (const std::string& miss :
       {std::string(R"(it\'s "quoted")"), std::string("null"),
        std::string("padded"), std::string(R"(back\\slash\\double)"),
        std::string("$1 ")}) {
    asked.push_back(miss);
  }
  v1::ContainsContentItemsResponse contains;
  ASSERT_EQ(Contains(catalog.uuid(), asked, &contains), grpc::StatusCode::OK);
  ASSERT_EQ(contains.results_size(), static_cast<int>(asked.size()));
  for (int i = 0; i < contains.results_size(); ++i) {
    EXPECT_EQ(contains.results(i).content_key(), asked[i]);
    EXPECT_EQ(contains.results(i).contained(),
              i < static_cast<int>(hostile.size()))
        << asked[i];
  }
  EXPECT_FALSE(contains.contains_all());

  // Read back exactly, through both metadata RPCs.
  v1::GetContentMetadataRequest by_key;
  for (const auto& key : hostile) by_key.add_content_keys(key);
  v1::GetContentMetadataResponse content;
  ASSERT_TRUE(stub_->GetContentMetadata(Ctx().get(), by_key, &content).ok());
  ASSERT_EQ(content.items_size(), static_cast<int>(hostile.size()));
  for (int i = 0; i < content.items_size(); ++i) {
    EXPECT_EQ(content.items(i).content_key(), hostile[i]);
    EXPECT_EQ(content.items(i).title(), hostile[i]);
  }
  std::vector<std::string> paged;
  v1::GetCatalogMetadataRequest page_req;
  page_req.set_catalog_uuid(catalog.uuid());
  page_req.set_page_size(3);
  do {
    v1::GetCatalogMetadataResponse page;
    ASSERT_TRUE(stub_->GetCatalogMetadata(Ctx().get(), page_req, &page).ok());
    for (const auto& item : page.items()) paged.push_back(item.content_key());
    page_req.set_page_token(page.next_page_token());
  } while (!page_req.page_token().empty());
  std::vector<std::string> sorted_paged = paged;
  std::sort(sorted_paged.begin(), sorted_paged.end());
  std::vector<std::string> expected = hostile;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sorted_paged, expected);
  // Nothing else in the database was touched.
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM content_metadata"),
            static_cast<int64_t>(hostile.size()));
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM enterprise_catalog"), 1);
}

// PostgreSQL text cannot hold NUL, so every field that reaches it refuses
// NUL up front: INVALID_ARGUMENT naming the field, never INTERNAL.
TEST_F(GrpcTest, NulAnywhereIsInvalidArgument) {
  const auto catalog = Create(R"({"content_type": "course"})");
  const std::string nul("a\0b", 3);
  auto expect_invalid = [](const grpc::Status& s, const std::string& what) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << what << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("NUL")) << what;
  };
  {
    v1::ContainsContentItemsRequest req;
    req.set_catalog_uuid(catalog.uuid());
    req.add_content_keys("ok");
    req.add_content_keys(nul);
    v1::ContainsContentItemsResponse out;
    expect_invalid(stub_->ContainsContentItems(Ctx().get(), req, &out),
                   "contains");
  }
  {
    v1::CustomerContainsContentItemsRequest req;
    req.set_enterprise_uuid(kEnterpriseA);
    req.add_content_keys(nul);
    v1::CustomerContainsContentItemsResponse out;
    expect_invalid(stub_->CustomerContainsContentItems(Ctx().get(), req, &out),
                   "customer contains");
  }
  {
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(catalog.uuid());
    req.add_content_keys(nul);
    v1::GetCatalogMetadataResponse out;
    expect_invalid(stub_->GetCatalogMetadata(Ctx().get(), req, &out),
                   "catalog metadata");
  }
  {
    v1::GetContentMetadataRequest req;
    req.add_content_keys(nul);
    v1::GetContentMetadataResponse out;
    expect_invalid(stub_->GetContentMetadata(Ctx().get(), req, &out),
                   "content metadata");
  }
  {
    // A NUL in a filter's field name, and in a course mode.
    v1::Catalog c = NewCatalog(R"({"content_type": "course"})");
    (*c.mutable_content_filter()->mutable_fields())[nul].set_string_value("x");
    v1::Catalog out;
    expect_invalid(CreateRaw(c, &out), "filter key");
    c = NewCatalog(R"({"content_type": "course"})");
    c.add_enabled_course_modes(nul);
    expect_invalid(CreateRaw(c, &out), "course mode");
    c = NewCatalog(R"({"content_type": "course"})");
    c.set_enterprise_name(nul);
    expect_invalid(CreateRaw(c, &out), "enterprise name");
  }
  {
    v1::UpdateCatalogRequest req;
    req.mutable_catalog()->set_uuid(catalog.uuid());
    req.mutable_catalog()->set_title(nul);
    req.mutable_update_mask()->add_paths("title");
    v1::Catalog out;
    expect_invalid(stub_->UpdateCatalog(Ctx().get(), req, &out), "update");
  }
  EXPECT_EQ(*env_->QueryInt("SELECT count(*) FROM enterprise_catalog"), 1);
  EXPECT_EQ(*env_->QueryText("SELECT title FROM enterprise_catalog"),
            "Catalog");
}

TEST_F(GrpcTest, CustomerContainsListsMatchingCatalogs) {
  v1::Catalog a1 = Create(R"({"x": 1})");
  v1::Catalog a2 = Create(R"({"x": 2})");
  v1::Catalog b1 = Create(R"({"x": 1})", kEnterpriseB);
  Load(a1, {testing::CourseDoc("edX+DemoX", "Demo")});
  Load(a2, {testing::CourseDoc("Other+1", "Other")});
  SyncIndex();
  const double from_memory =
      metrics::IndexMetrics::Get().AnsweredTotal(/*from_memory=*/true);
  v1::CustomerContainsContentItemsRequest req;
  req.set_enterprise_uuid(kEnterpriseA);
  req.add_content_keys("edX+DemoX");
  v1::CustomerContainsContentItemsResponse resp;
  ASSERT_TRUE(
      stub_->CustomerContainsContentItems(Ctx().get(), req, &resp).ok());
  EXPECT_TRUE(resp.contains_any());
  EXPECT_THAT(resp.catalog_uuids(), ElementsAre(a1.uuid()));
  // With the index on, that answer came from memory.
  EXPECT_EQ(metrics::IndexMetrics::Get().AnsweredTotal(true),
            from_memory + (membership_ != nullptr ? 1 : 0));
  req.set_enterprise_uuid(common::NewUuidV4());
  ASSERT_TRUE(
      stub_->CustomerContainsContentItems(Ctx().get(), req, &resp).ok());
  EXPECT_FALSE(resp.contains_any());
  EXPECT_THAT(resp.catalog_uuids(), IsEmpty());
  req.set_enterprise_uuid("x");
  EXPECT_EQ(
      stub_->CustomerContainsContentItems(Ctx().get(), req, &resp).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcTest, CatalogMetadataPagesThroughEverythingOnce) {
  v1::Catalog c = Create(R"({"m": 1})");
  std::vector<std::string> docs;
  std::vector<std::string> keys;
  for (int i = 0; i < 250; ++i) {
    const std::string key = "Org+Course" + std::to_string(i);
    docs.push_back(testing::CourseDoc(key, "Course " + std::to_string(i)));
    keys.push_back(key);
  }
  Load(c, docs);
  std::sort(keys.begin(), keys.end());
  v1::GetCatalogMetadataRequest req;
  req.set_catalog_uuid(c.uuid());
  std::vector<std::string> seen;
  int pages = 0;
  std::string token_of_c;
  while (true) {
    v1::GetCatalogMetadataResponse resp;
    grpc::Status s = stub_->GetCatalogMetadata(Ctx().get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ++pages;
    EXPECT_EQ(resp.total_count(), 250);
    EXPECT_EQ(resp.catalog_uuid(), c.uuid());
    EXPECT_EQ(resp.catalog_title(), "Catalog");
    EXPECT_EQ(resp.enterprise_uuid(), kEnterpriseA);
    for (const auto& item : resp.items()) {
      seen.push_back(item.content_key());
      EXPECT_EQ(item.content_type(), "course");
      EXPECT_THAT(item.json_metadata(),
                  HasSubstr("\"key\":\"" + item.content_key() + "\""));
    }
    if (resp.next_page_token().empty()) break;
    if (token_of_c.empty()) token_of_c = resp.next_page_token();
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(pages, 3);  // default page size 100
  EXPECT_EQ(seen, keys);

  // A token is bound to its catalog and filters.
  v1::Catalog other = Create(R"({"m": 2})");
  v1::GetCatalogMetadataRequest misuse;
  misuse.set_catalog_uuid(other.uuid());
  misuse.set_page_token(token_of_c);
  v1::GetCatalogMetadataResponse resp;
  EXPECT_EQ(stub_->GetCatalogMetadata(Ctx().get(), misuse, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  misuse.set_catalog_uuid(c.uuid());
  misuse.add_content_types("course");
  EXPECT_EQ(stub_->GetCatalogMetadata(Ctx().get(), misuse, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  misuse.clear_page_token();
  misuse.add_content_types("video");
  grpc::Status s = stub_->GetCatalogMetadata(Ctx().get(), misuse, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("video"));

  v1::GetCatalogMetadataRequest big;
  big.set_catalog_uuid(c.uuid());
  big.set_page_size(1000);
  ASSERT_TRUE(stub_->GetCatalogMetadata(Ctx().get(), big, &resp).ok());
  EXPECT_EQ(resp.items_size(), 250);
  EXPECT_TRUE(resp.next_page_token().empty());
  big.set_page_size(1001);
  EXPECT_EQ(stub_->GetCatalogMetadata(Ctx().get(), big, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  big.set_page_size(-1);
  EXPECT_EQ(stub_->GetCatalogMetadata(Ctx().get(), big, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  big.set_page_size(0);
  big.set_catalog_uuid(common::NewUuidV4());
  EXPECT_EQ(stub_->GetCatalogMetadata(Ctx().get(), big, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcTest, ContentMetadataInRequestOrderWithMissingKeysReported) {
  v1::Catalog c = Create(R"({"cm": 1})");
  const std::string doc =
      testing::CourseDoc("B+2", "Two", {"course-v1:B+2+R1"});
  Load(c, {testing::CourseDoc("A+1", "One"), doc});
  v1::GetContentMetadataRequest req;
  for (const char* k : {"B+2", "missing", "A+1", "B+2", "course-v1:B+2+R1"})
    req.add_content_keys(k);
  v1::GetContentMetadataResponse resp;
  ASSERT_TRUE(stub_->GetContentMetadata(Ctx().get(), req, &resp).ok());
  ASSERT_EQ(resp.items_size(), 3);
  EXPECT_EQ(resp.items(0).content_key(), "B+2");
  // Served as stored: the document as the crawl's parser made it (a course
  // with its normalized metadata).
  EXPECT_EQ(resp.items(0).json_metadata(),
            domain::ParseDiscoveryDocument(doc)->front().json_metadata);
  EXPECT_EQ(resp.items(1).content_key(), "A+1");
  EXPECT_EQ(resp.items(2).content_type(), "courserun");
  EXPECT_EQ(resp.items(2).parent_content_key(), "B+2");
  EXPECT_THAT(resp.not_found_keys(), ElementsAre("missing"));
  req.clear_content_keys();
  EXPECT_EQ(stub_->GetContentMetadata(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcTest, HealthCheckReportsServing) {
  grpc::GenericStub generic(*channel_);
  // An empty HealthCheckRequest asks about the server as a whole.
  grpc::Slice empty("", 0);
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  auto ctx = Ctx();
  generic.UnaryCall(ctx.get(), "/grpc.health.v1.Health/Check",
                    grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(s); });
  grpc::Status s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // HealthCheckResponse{status: SERVING(1)} encodes as field 1, varint 1.
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

TEST_F(GrpcTest, ReflectionListsTheService) {
  grpc::GenericStub generic(*channel_);
  grpc::CompletionQueue cq;
  auto ctx = Ctx();
  auto call = generic.PrepareCall(
      ctx.get(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto next = [&cq]() {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(next());
  // ServerReflectionRequest{list_services: ""} is field 7, length 0.
  const std::string list_services("\x3a\x00", 2);
  grpc::Slice slice(list_services);
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(next());
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(next());
  call->WritesDone(reinterpret_cast<void*>(4));
  next();
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  next();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes,
              HasSubstr("enterprise_catalog.v1.EnterpriseCatalogService"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(GrpcUnavailableTest, UnreachableDatabaseIsUnavailable) {
  const storage::pg::PgConfig config = testing::UnreachableDatabaseConfig();
  auto opened = storage::pg::PgStorage::Open(config);
  ASSERT_TRUE(opened.ok());
  server::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.rpc_threads = 1;
  options.auth.disabled = true;
  auto server = server::CatalogServer::Start(options, (*opened)->store());
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::EnterpriseCatalogService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::ContainsContentItemsRequest req;
  req.set_catalog_uuid(common::NewUuidV4());
  req.add_content_keys("edX+DemoX");
  v1::ContainsContentItemsResponse resp;
  grpc::Status s = stub->ContainsContentItems(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("database"));
}

}  // namespace
}  // namespace ec
