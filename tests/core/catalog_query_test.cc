// GetCatalogQuery and HashContentFilter in the core: validation messages,
// both lookups, the catalog count, and a hash that matches what
// CreateCatalog stores. On the fakes; the SQL is tests/storage/pg/'s.
#include <cctype>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/principal.h"
#include "common/page_token.h"
#include "core/catalog_core.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_content_source.h"
#include "tests/fakes/fake_refresh_queue.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ::testing::HasSubstr;

constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";

google::protobuf::Struct Struct(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok())
      << json;
  return s;
}

class CatalogQueryTest : public ::testing::Test {
 protected:
  CatalogQueryTest()
      : queue_(&store_),
        core_(&store_, &queue_, domain::RefreshPolicy{},
              common::PageTokenCodec::WithRandomSecret()) {}

  // Through the core, so the stored hash is CreateCatalog's own.
  v1::Catalog Create(const std::string& filter_json) {
    v1::CreateCatalogRequest req;
    req.mutable_catalog()->set_title("Catalog");
    req.mutable_catalog()->set_enterprise_uuid(kEnterprise);
    *req.mutable_catalog()->mutable_content_filter() = Struct(filter_json);
    v1::Catalog out;
    const absl::Status status = core_.CreateCatalog(operator_, req, &out);
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }

  absl::Status ByUuid(const std::string& uuid, v1::CatalogQuery* out,
                      const auth::Principal* caller = nullptr) {
    v1::GetCatalogQueryRequest req;
    req.set_uuid(uuid);
    return core_.GetCatalogQuery(caller ? *caller : operator_, req, out);
  }

  absl::Status ByHash(const std::string& hash, v1::CatalogQuery* out) {
    v1::GetCatalogQueryRequest req;
    req.set_content_filter_hash(hash);
    return core_.GetCatalogQuery(operator_, req, out);
  }

  absl::StatusOr<v1::HashContentFilterResponse> Hash(
      const std::string& filter_json, const auth::Principal* caller = nullptr) {
    v1::HashContentFilterRequest req;
    *req.mutable_content_filter() = Struct(filter_json);
    v1::HashContentFilterResponse out;
    absl::Status status =
        core_.HashContentFilter(caller ? *caller : operator_, req, &out);
    if (!status.ok()) return status;
    return out;
  }

  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_;
  CatalogCore core_;
  const auth::Principal operator_ = auth::Principal::FromRoles(
      "operator", {std::string(auth::kOperatorRole) + ":*"});
};

TEST_F(CatalogQueryTest, AKeyIsRequired) {
  v1::CatalogQuery out;
  const absl::Status status =
      core_.GetCatalogQuery(operator_, v1::GetCatalogQueryRequest(), &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("uuid or content_filter_hash is required"));
  EXPECT_THAT(status.message(), HasSubstr("HashContentFilter"));
}

TEST_F(CatalogQueryTest, MalformedKeysNameTheField) {
  v1::CatalogQuery out;
  absl::Status status = ByUuid("not-a-uuid", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "uuid must be a uuid like 123e4567-e89b-42d3-a456-426614174000, "
            "got \"not-a-uuid\"");
  // An empty uuid that was set is still the uuid case, and is missing.
  status = ByUuid("", &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "uuid is required");

  for (const std::string hash : {"", "abc", "0123456789ABCDEF0123456789abcdef",
                                 "0123456789abcdef0123456789abcdeg",
                                 "0123456789abcdef0123456789abcdef0"}) {
    status = ByHash(hash, &out);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << hash;
    EXPECT_EQ(status.message(),
              "content_filter_hash must be 32 lower-case hex characters (a "
              "catalog's content_filter_hash, or HashContentFilter's answer "
              "for a filter), got \"" +
                  hash + "\"")
        << hash;
  }
  // Caller input of any size is echoed cut.
  status = ByHash(std::string(1000, 'x'), &out);
  EXPECT_THAT(status.message(), HasSubstr(std::string(64, 'x') + "...\""));
  EXPECT_THAT(status.message(),
              ::testing::Not(HasSubstr(std::string(65, 'x'))));
}

TEST_F(CatalogQueryTest, FindsTheQueryByUuidAndByHash) {
  const v1::Catalog catalog =
      Create(R"({"content_type": "course", "partner": "edx"})");
  auto id = store_.QueryIdOf(catalog.uuid());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(
      store_.ReplaceQueryContent(*id, fakes::CourseRecords({"edX+A", "edX+B"}))
          .ok());

  v1::CatalogQuery by_uuid;
  ASSERT_TRUE(ByUuid(catalog.catalog_query_uuid(), &by_uuid).ok());
  EXPECT_EQ(by_uuid.uuid(), catalog.catalog_query_uuid());
  EXPECT_EQ(by_uuid.content_filter_hash(), catalog.content_filter_hash());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      by_uuid.content_filter(), catalog.content_filter()));
  EXPECT_EQ(by_uuid.content_count(), 2);
  EXPECT_TRUE(by_uuid.has_content_refreshed());
  EXPECT_EQ(by_uuid.catalog_count(), 1);

  v1::CatalogQuery by_hash;
  ASSERT_TRUE(ByHash(catalog.content_filter_hash(), &by_hash).ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(by_hash, by_uuid));

  // Upper case is a uuid still, normalized like every uuid field.
  v1::CatalogQuery upper;
  std::string shouted = catalog.catalog_query_uuid();
  for (char& c : shouted) c = static_cast<char>(std::toupper(c));
  ASSERT_TRUE(ByUuid(shouted, &upper).ok());
  EXPECT_EQ(upper.uuid(), catalog.catalog_query_uuid());
}

TEST_F(CatalogQueryTest, ANeverRefreshedQueryHasNoContentYet) {
  const v1::Catalog catalog = Create(R"({"content_type": "program"})");
  v1::CatalogQuery out;
  ASSERT_TRUE(ByUuid(catalog.catalog_query_uuid(), &out).ok());
  EXPECT_EQ(out.content_count(), 0);
  EXPECT_FALSE(out.has_content_refreshed());
  EXPECT_EQ(out.catalog_count(), 1);
}

TEST_F(CatalogQueryTest, CountsTheCatalogsUsingTheQuery) {
  const v1::Catalog first =
      Create(R"({"content_type": "course", "partner": "edx"})");
  // Another key order: the same canonical filter, so the same query.
  const v1::Catalog second =
      Create(R"({"partner": "edx", "content_type": "course"})");
  ASSERT_EQ(second.catalog_query_uuid(), first.catalog_query_uuid());
  Create(R"({"content_type": "course"})");
  v1::CatalogQuery out;
  ASSERT_TRUE(ByUuid(first.catalog_query_uuid(), &out).ok());
  EXPECT_EQ(out.catalog_count(), 2);

  // A query outlives its last catalog, with a count of 0.
  for (const v1::Catalog& catalog : {first, second}) {
    v1::DeleteCatalogRequest del;
    del.set_uuid(catalog.uuid());
    v1::DeleteCatalogResponse deleted;
    ASSERT_TRUE(core_.DeleteCatalog(operator_, del, &deleted).ok());
  }
  ASSERT_TRUE(ByUuid(first.catalog_query_uuid(), &out).ok());
  EXPECT_EQ(out.catalog_count(), 0);
}

TEST_F(CatalogQueryTest, NotFoundSaysWhichKey) {
  Create(R"({"content_type": "course"})");
  v1::CatalogQuery out;
  const std::string uuid = "22222222-2222-4222-8222-222222222222";
  absl::Status status = ByUuid(uuid, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "catalog query " + uuid + " not found");
  const std::string hash = "0123456789abcdef0123456789abcdef";
  status = ByHash(hash, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "no catalog query has content_filter_hash " + hash);
}

TEST_F(CatalogQueryTest, OnlyOperatorsAndServicesReadQueries) {
  const v1::Catalog catalog = Create(R"({"content_type": "course"})");
  v1::CatalogQuery out;
  const auth::Principal service = auth::Principal::FromRoles(
      "svc", {std::string(auth::kServiceRole) + ":*"});
  EXPECT_TRUE(ByUuid(catalog.catalog_query_uuid(), &out, &service).ok());
  for (const std::string& role :
       {std::string(auth::kCatalogAdminRole) + ":*",
        std::string(auth::kEnterpriseAdminRole) + ":" + kEnterprise,
        std::string(auth::kLearnerRole) + ":*"}) {
    const auth::Principal caller = auth::Principal::FromRoles("who", {role});
    const absl::Status status =
        ByUuid(catalog.catalog_query_uuid(), &out, &caller);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << role;
    EXPECT_THAT(status.message(),
                HasSubstr("caller who may not read catalog queries"));
  }
}

TEST_F(CatalogQueryTest, HashIsTheOneCreateCatalogStores) {
  const v1::Catalog catalog = Create(
      R"({"partner": "edx", "content_type": ["course", "program"],
          "level_type": "Introductory", "max": 5})");
  const auth::Principal learner = auth::Principal::FromRoles(
      "learner", {std::string(auth::kLearnerRole) + ":" + kEnterprise});
  // Other key order, any authenticated caller.
  auto hashed = Hash(
      R"({"max": 5.0, "level_type": "Introductory",
          "content_type": ["course", "program"], "partner": "edx"})",
      &learner);
  ASSERT_TRUE(hashed.ok()) << hashed.status();
  EXPECT_EQ(hashed->content_filter_hash(), catalog.content_filter_hash());
  EXPECT_EQ(hashed->canonical_content_filter(),
            R"({"content_type": ["course", "program"], )"
            R"("level_type": "Introductory", "max": 5, "partner": "edx"})");

  // Roles do not matter: the answer reveals nothing stored.
  const auth::Principal nobody = auth::Principal::FromRoles("x", {});
  auto no_roles = Hash(R"({"content_type": "course"})", &nobody);
  ASSERT_TRUE(no_roles.ok()) << no_roles.status();
  EXPECT_EQ(no_roles->content_filter_hash().size(), 32u);

  // And it finds the query.
  v1::CatalogQuery out;
  ASSERT_TRUE(ByHash(hashed->content_filter_hash(), &out).ok());
  EXPECT_EQ(out.uuid(), catalog.catalog_query_uuid());
}

TEST_F(CatalogQueryTest, HashingRejectsWhatCreateCatalogRejects) {
  v1::HashContentFilterResponse out;
  absl::Status status =
      core_.HashContentFilter(operator_, v1::HashContentFilterRequest(), &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "content_filter is required (a JSON object such as "
            "{\"content_type\": \"course\"})");

  // Too deep, for both.
  std::string deep = R"({"a": )";
  for (int i = 0; i < 40; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  auto hashed = Hash(deep);
  EXPECT_EQ(hashed.status().code(), absl::StatusCode::kInvalidArgument);
  v1::CreateCatalogRequest create;
  create.mutable_catalog()->set_title("Deep");
  create.mutable_catalog()->set_enterprise_uuid(kEnterprise);
  *create.mutable_catalog()->mutable_content_filter() = Struct(deep);
  v1::Catalog created;
  const absl::Status create_status =
      core_.CreateCatalog(operator_, create, &created);
  EXPECT_EQ(create_status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(hashed.status().message(), create_status.message());
}

}  // namespace
}  // namespace ec::core
