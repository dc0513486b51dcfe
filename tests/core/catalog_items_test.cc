// The per-catalog item fields and the RPCs that serve them, in the core on
// the fakes: enrollment URLs by customer, catalog and content type, UTM
// marketing URLs, xapi ids, active, nested run URLs, content_last_modified
// and its customer term; enterprise customers; the customer lookup by key
// or uuid; GetContentMetadata by uuid; the diff; active_only. The rules'
// every corner is tests/domain/catalog_item_fields_test.cc's, the SQL
// tests/storage/pg/'s, and a crawl from the stand-in
// tests/e2e/catalog_items_e2e_test.cc's.
#include <cctype>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/principal.h"
#include "common/limits.h"
#include "common/page_token.h"
#include "core/catalog_core.h"
#include "domain/content.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "tests/fakes/fake_catalog_store.h"
#include "tests/fakes/fake_refresh_queue.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kEnterprise[] = "11111111-1111-4111-8111-111111111111";
constexpr char kOtherEnterprise[] = "22222222-2222-4222-8222-222222222222";
constexpr char kCourse[] = "edX+DemoX";
constexpr char kCourseUuid[] = "c0000000-0000-4000-8000-000000000001";
constexpr char kRun[] = "course-v1:edX+DemoX+1T2026";
constexpr char kQuotedRun[] = "course-v1%3AedX%2BDemoX%2B1T2026";
constexpr char kRunUuid[] = "a0000000-0000-4000-8000-00000000000a";
constexpr char kExecEd[] = "HarvardX+Exec";
constexpr char kProgram[] = "b0000000-0000-4000-8000-0000000000b0";

const domain::UrlSettings kUrls{"https://lms.test", "https://portal.test",
                                "https://shop.test"};

// A course with one active, advertised run; that run's own document; an
// exec-ed course with no runs (so inactive) and a paid exec-ed
// entitlement; a program.
std::vector<std::string> Documents() {
  return {
      std::string(R"({"aggregation_key": "course:edX+DemoX",
        "content_type": "course", "key": "edX+DemoX",
        "uuid": "c0000000-0000-4000-8000-000000000001", "title": "Demo",
        "marketing_url": "https://www.edx.org/course/demo",
        "advertised_course_run_uuid": "a0000000-0000-4000-8000-00000000000a",
        "course_runs": [{"key": "course-v1:edX+DemoX+1T2026",
          "uuid": "a0000000-0000-4000-8000-00000000000a",
          "status": "published", "is_enrollable": true,
          "is_marketable": true}]})"),
      std::string(R"({"aggregation_key": "courserun:edX+DemoX",
        "content_type": "courserun", "key": "course-v1:edX+DemoX+1T2026",
        "uuid": "a0000000-0000-4000-8000-00000000000a", "title": "Demo run",
        "status": "published"})"),
      std::string(R"({"aggregation_key": "course:HarvardX+Exec",
        "content_type": "course", "key": "HarvardX+Exec", "title": "Exec",
        "course_type": "executive-education-2u", "course_runs": [],
        "entitlements": [{"mode": "paid-executive-education",
                          "sku": "ABC123"}]})"),
      std::string(
          R"({"aggregation_key": "program:b0000000-0000-4000-8000-0000000000b0",
        "content_type": "program",
        "uuid": "b0000000-0000-4000-8000-0000000000b0", "title": "Prog",
        "marketing_url": "https://www.edx.org/program/p?utm_source=x"})"),
  };
}

class CatalogItemsTest : public ::testing::Test {
 protected:
  CatalogItemsTest()
      : queue_(&store_),
        core_(&store_, &queue_, domain::RefreshPolicy{},
              common::PageTokenCodec::WithRandomSecret(), common::SystemClock(),
              CatalogFieldsConfig{&store_, kUrls}) {}

  // A catalog of `n` courses of 1 MiB each, keyed `prefix`0, `prefix`1...,
  // for the byte budgets; returns their keys and, if asked, the catalog.
  std::vector<std::string> CatalogOfLargeCourses(const std::string& prefix,
                                                 int n,
                                                 v1::Catalog* out = nullptr) {
    const v1::Catalog catalog = Create(R"({"content_type": "course"})");
    if (out != nullptr) *out = catalog;
    const std::string padding(1024 * 1024, 'x');
    std::vector<domain::ContentRecord> records;
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
      keys.push_back(prefix + std::to_string(i));
      auto parsed = domain::ParseDiscoveryDocument(
          R"({"aggregation_key": "course:)" + keys.back() +
          R"(", "content_type": "course", "key": ")" + keys.back() +
          R"(", "title": "Big", "full_description": ")" + padding + R"("})");
      EXPECT_TRUE(parsed.ok()) << parsed.status();
      if (parsed.ok()) {
        records.insert(records.end(), parsed->begin(), parsed->end());
      }
    }
    auto query = store_.QueryIdOf(catalog.uuid());
    EXPECT_TRUE(query.ok());
    if (query.ok()) {
      EXPECT_TRUE(store_.ReplaceQueryContent(*query, records).ok());
    }
    return keys;
  }

  // A catalog of `enterprise` holding every document of Documents().
  v1::Catalog Create(const std::string& filter_json,
                     const std::string& enterprise = kEnterprise,
                     const std::string& name = "Acme Corp",
                     bool audit = false) {
    v1::CreateCatalogRequest req;
    req.mutable_catalog()->set_title("Catalog");
    req.mutable_catalog()->set_enterprise_uuid(enterprise);
    req.mutable_catalog()->set_enterprise_name(name);
    req.mutable_catalog()->set_publish_audit_enrollment_urls(audit);
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(
            filter_json, req.mutable_catalog()->mutable_content_filter())
            .ok());
    v1::Catalog out;
    const absl::Status status = core_.CreateCatalog(operator_, req, &out);
    EXPECT_TRUE(status.ok()) << status;
    std::vector<domain::ContentRecord> records;
    for (const std::string& doc : Documents()) {
      auto parsed = domain::ParseDiscoveryDocument(doc);
      EXPECT_TRUE(parsed.ok()) << parsed.status() << doc;
      if (parsed.ok())
        records.insert(records.end(), parsed->begin(), parsed->end());
    }
    auto query = store_.QueryIdOf(out.uuid());
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(store_.ReplaceQueryContent(*query, records).ok());
    return out;
  }

  v1::EnterpriseCustomer Upsert(bool portal, const std::string& slug = "acme",
                                const std::string& enterprise = kEnterprise) {
    v1::UpsertEnterpriseCustomerRequest req;
    req.mutable_customer()->set_uuid(enterprise);
    req.mutable_customer()->set_slug(slug);
    req.mutable_customer()->set_name("Acme");
    req.mutable_customer()->set_enable_learner_portal(portal);
    v1::EnterpriseCustomer out;
    const absl::Status status =
        core_.UpsertEnterpriseCustomer(operator_, req, &out);
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }

  // Every item of the catalog's first page, by key.
  std::map<std::string, v1::ContentMetadata> Items(
      const v1::Catalog& catalog, bool active_only = false,
      v1::GetCatalogMetadataResponse* response = nullptr) {
    v1::GetCatalogMetadataRequest req;
    req.set_catalog_uuid(catalog.uuid());
    req.set_active_only(active_only);
    v1::GetCatalogMetadataResponse out;
    const absl::Status status = core_.GetCatalogMetadata(operator_, req, &out);
    EXPECT_TRUE(status.ok()) << status;
    std::map<std::string, v1::ContentMetadata> items;
    for (const auto& item : out.items()) items[item.content_key()] = item;
    if (response != nullptr) *response = out;
    return items;
  }

  absl::StatusOr<v1::GetCustomerContentMetadataResponse> Lookup(
      const std::string& identifier, bool coerce = false,
      const std::string& enterprise = kEnterprise,
      const auth::Principal* caller = nullptr) {
    v1::GetCustomerContentMetadataRequest req;
    req.set_enterprise_uuid(enterprise);
    req.set_content_identifier(identifier);
    req.set_coerce_to_parent_course(coerce);
    v1::GetCustomerContentMetadataResponse out;
    const absl::Status status = core_.GetCustomerContentMetadata(
        caller ? *caller : operator_, req, &out);
    if (!status.ok()) return status;
    return out;
  }

  absl::StatusOr<v1::DiffCatalogContentResponse> Diff(
      const v1::Catalog& catalog, const std::vector<std::string>& keys) {
    v1::DiffCatalogContentRequest req;
    req.set_catalog_uuid(catalog.uuid());
    for (const auto& key : keys) req.add_content_keys(key);
    v1::DiffCatalogContentResponse out;
    const absl::Status status = core_.DiffCatalogContent(learner_, req, &out);
    if (!status.ok()) return status;
    return out;
  }

  static std::vector<std::string> Keys(
      const google::protobuf::RepeatedPtrField<v1::DiffItem>& items) {
    std::vector<std::string> keys;
    for (const auto& item : items) keys.push_back(item.content_key());
    return keys;
  }

  fakes::FakeCatalogStore store_;
  fakes::FakeRefreshQueue queue_;
  CatalogCore core_;
  const auth::Principal operator_ =
      auth::Principal::FromRoles("op", {"enterprise_openedx_operator:*"});
  const auth::Principal learner_ = auth::Principal::FromRoles(
      "learner", {std::string("enterprise_learner:") + kEnterprise});
};

TEST_F(CatalogItemsTest, LearnerPortalCustomerItems) {
  Upsert(true);
  const v1::Catalog catalog = Create(R"({"a": 1})");
  auto items = Items(catalog);
  ASSERT_EQ(items.size(), 4u);
  const v1::ContentMetadata& course = items[kCourse];
  EXPECT_EQ(course.enrollment_url(),
            "https://portal.test/acme/course/edX+DemoX"
            "?utm_medium=enterprise&utm_source=acme-corp");
  EXPECT_EQ(course.marketing_url(),
            "https://www.edx.org/course/demo"
            "?utm_medium=enterprise&utm_source=acme-corp");
  EXPECT_EQ(course.xapi_activity_id(),
            "https://lms.test/xapi/activities/course/edX+DemoX");
  ASSERT_TRUE(course.has_active());
  EXPECT_TRUE(course.active());
  // The run has a document of its own, so its course lists its URL.
  ASSERT_EQ(course.course_run_enrollment_urls().size(), 1);
  EXPECT_EQ(course.course_run_enrollment_urls().at(kRun),
            std::string("https://portal.test/acme/course/edX+DemoX"
                        "?course_run_key=") +
                kQuotedRun + "&utm_medium=enterprise&utm_source=acme-corp");
  const v1::ContentMetadata& run = items[kRun];
  EXPECT_EQ(run.enrollment_url(), course.course_run_enrollment_urls().at(kRun));
  EXPECT_EQ(run.xapi_activity_id(),
            std::string("https://lms.test/xapi/activities/courserun/") + kRun);
  EXPECT_FALSE(run.has_active());
  const v1::ContentMetadata& exec_ed = items[kExecEd];
  EXPECT_EQ(exec_ed.enrollment_url(),
            "https://portal.test/acme/executive-education-2u/course/"
            "HarvardX+Exec?utm_medium=enterprise&utm_source=acme-corp");
  EXPECT_FALSE(exec_ed.active());
  EXPECT_TRUE(exec_ed.course_run_enrollment_urls().empty());
  const v1::ContentMetadata& program = items[kProgram];
  EXPECT_EQ(program.enrollment_url(), "");
  EXPECT_EQ(program.xapi_activity_id(), "");
  EXPECT_FALSE(program.has_active());
  // An existing utm_source is replaced by the catalog's.
  EXPECT_EQ(program.marketing_url(),
            "https://www.edx.org/program/p"
            "?utm_medium=enterprise&utm_source=acme-corp");
}

TEST_F(CatalogItemsTest, LegacyEnrollmentAuditAndExecEdProxyLogin) {
  Upsert(false);
  const v1::Catalog catalog = Create(R"({"a": 1})", kEnterprise, "Acme Corp",
                                     /*audit=*/true);
  auto items = Items(catalog);
  // The course enrolls in its advertised run; every parameter sorted.
  EXPECT_EQ(items[kCourse].enrollment_url(),
            std::string("https://lms.test/enterprise/") + kEnterprise +
                "/course/" + kRun + "/enroll/?audit=true&catalog=" +
                catalog.uuid() + "&utm_medium=enterprise&utm_source=acme-corp");
  EXPECT_EQ(items[kRun].enrollment_url(), items[kCourse].enrollment_url());
  EXPECT_EQ(
      items[kExecEd].enrollment_url(),
      "https://lms.test/enterprise/proxy-login/?enterprise_slug=acme"
      "&next=https://shop.test/executive-education-2u/checkout"
      "?audit=true&sku=ABC123&utm_medium=enterprise&utm_source=acme-corp");
}

TEST_F(CatalogItemsTest, UnknownCustomerIsLegacyWithNoCustomerTerm) {
  const v1::Catalog catalog = Create(R"({"a": 1})");
  v1::GetEnterpriseCustomerRequest req;
  req.set_uuid(kEnterprise);
  v1::EnterpriseCustomer customer;
  EXPECT_EQ(core_.GetEnterpriseCustomer(operator_, req, &customer).code(),
            absl::StatusCode::kNotFound);
  auto items = Items(catalog);
  EXPECT_THAT(items[kCourse].enrollment_url(),
              HasSubstr("https://lms.test/enterprise/"));
  EXPECT_EQ(items[kExecEd].enrollment_url(),
            "https://lms.test/enterprise/proxy-login/?enterprise_slug="
            "&next=https://shop.test/executive-education-2u/checkout"
            "?sku=ABC123&utm_medium=enterprise&utm_source=acme-corp");
  for (const auto& [key, item] : items) {
    EXPECT_EQ(item.content_last_modified(),
              std::max(item.modified(), catalog.modified()))
        << key;
  }
}

TEST_F(CatalogItemsTest, ChangingTheCustomerMovesContentLastModified) {
  const v1::Catalog catalog = Create(R"({"a": 1})");
  const v1::EnterpriseCustomer first = Upsert(false);
  auto before = Items(catalog);
  for (const auto& [key, item] : before) {
    EXPECT_EQ(item.content_last_modified(), first.modified()) << key;
  }
  // The same record again changes nothing.
  EXPECT_EQ(Upsert(false).modified(), first.modified());
  EXPECT_EQ(Items(catalog)[kCourse].content_last_modified(), first.modified());
  // Turning the portal on changes every enrollment URL, and the date says
  // so, as Django's content_last_modified does.
  const v1::EnterpriseCustomer second = Upsert(true);
  EXPECT_GT(second.modified(), first.modified());
  auto after = Items(catalog);
  EXPECT_NE(after[kCourse].enrollment_url(), before[kCourse].enrollment_url());
  for (const auto& [key, item] : after) {
    EXPECT_EQ(item.content_last_modified(), second.modified()) << key;
  }
  v1::GetEnterpriseCustomerRequest req;
  req.set_uuid(kEnterprise);
  v1::EnterpriseCustomer read;
  ASSERT_TRUE(core_.GetEnterpriseCustomer(operator_, req, &read).ok());
  EXPECT_EQ(read.slug(), "acme");
  EXPECT_TRUE(read.enable_learner_portal());
  EXPECT_EQ(read.modified(), second.modified());
}

TEST_F(CatalogItemsTest, CustomerWritesAreValidated) {
  v1::UpsertEnterpriseCustomerRequest req;
  v1::EnterpriseCustomer out;
  EXPECT_EQ(core_.UpsertEnterpriseCustomer(operator_, req, &out).code(),
            absl::StatusCode::kInvalidArgument);
  req.mutable_customer()->set_uuid(kEnterprise);
  req.mutable_customer()->set_slug(std::string(256, 's'));
  const absl::Status long_slug =
      core_.UpsertEnterpriseCustomer(operator_, req, &out);
  EXPECT_EQ(long_slug.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_slug.message(), HasSubstr("customer.slug"));
}

TEST_F(CatalogItemsTest, ActiveOnlyLeavesOutInactiveCourses) {
  const v1::Catalog catalog = Create(R"({"a": 1})");
  v1::GetCatalogMetadataResponse all, active;
  Items(catalog, false, &all);
  auto items = Items(catalog, true, &active);
  EXPECT_EQ(all.total_count(), 4);
  EXPECT_EQ(active.total_count(), 3);
  EXPECT_EQ(items.count(kExecEd), 0u);
  EXPECT_EQ(items.count(kCourse), 1u);
  // With content_keys, Django keeps inactive courses.
  v1::GetCatalogMetadataRequest req;
  req.set_catalog_uuid(catalog.uuid());
  req.set_active_only(true);
  req.add_content_keys(kExecEd);
  v1::GetCatalogMetadataResponse keyed;
  ASSERT_TRUE(core_.GetCatalogMetadata(operator_, req, &keyed).ok());
  ASSERT_EQ(keyed.items_size(), 1);
  // A page token is bound to active_only.
  v1::GetCatalogMetadataRequest first;
  first.set_catalog_uuid(catalog.uuid());
  first.set_page_size(1);
  first.set_active_only(true);
  v1::GetCatalogMetadataResponse page;
  ASSERT_TRUE(core_.GetCatalogMetadata(operator_, first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::GetCatalogMetadataRequest next;
  next.set_catalog_uuid(catalog.uuid());
  next.set_page_size(1);
  next.set_page_token(page.next_page_token());
  EXPECT_EQ(core_.GetCatalogMetadata(operator_, next, &page).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogItemsTest, CustomerLookupByKeyOrUuidFromTheOldestCatalog) {
  Upsert(true);
  const v1::Catalog oldest = Create(R"({"a": 1})");
  const v1::Catalog newer = Create(R"({"a": 2})");
  Create(R"({"a": 3})", kOtherEnterprise);

  auto by_key = Lookup(kCourse, false, kEnterprise, &learner_);
  ASSERT_TRUE(by_key.ok()) << by_key.status();
  EXPECT_EQ(by_key->catalog_uuid(), oldest.uuid());
  EXPECT_EQ(by_key->item().content_key(), kCourse);
  EXPECT_EQ(by_key->item().enrollment_url(),
            Items(oldest)[kCourse].enrollment_url());
  EXPECT_EQ(by_key->item().course_run_enrollment_urls().size(), 1);

  // A content uuid, in any letter case.
  std::string upper = kCourseUuid;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  auto by_uuid = Lookup(upper);
  ASSERT_TRUE(by_uuid.ok()) << by_uuid.status();
  EXPECT_EQ(by_uuid->item().content_key(), kCourse);
  auto program = Lookup(kProgram);
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(program->item().content_type(), "program");

  // A run is itself, or its course when coerced; by key or by uuid.
  auto run = Lookup(kRun);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->item().content_key(), kRun);
  EXPECT_THAT(run->item().enrollment_url(), HasSubstr("course_run_key="));
  for (const char* id : {kRun, kRunUuid}) {
    auto coerced = Lookup(id, true);
    ASSERT_TRUE(coerced.ok()) << id;
    EXPECT_EQ(coerced->item().content_key(), kCourse) << id;
  }

  // Only the customer's own catalogs count, and only if they exist.
  ASSERT_TRUE(
      store_.DeleteCatalog(oldest.uuid(), oldest.enterprise_uuid()).ok());
  EXPECT_EQ(Lookup(kCourse)->catalog_uuid(), newer.uuid());
  ASSERT_TRUE(store_.DeleteCatalog(newer.uuid(), newer.enterprise_uuid()).ok());
  const auto none = Lookup(kCourse);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr(kCourse));
  EXPECT_EQ(Lookup("no+such").status().code(), absl::StatusCode::kNotFound);
  // A learner of another enterprise may not ask.
  EXPECT_EQ(Lookup(kCourse, false, kOtherEnterprise, &learner_).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Lookup("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogItemsTest, ContentMetadataByUuidAndCoercedToCourses) {
  Create(R"({"a": 1})");
  v1::GetContentMetadataRequest req;
  // A content uuid in any letter case.
  std::string upper_run = kRunUuid;
  for (char& c : upper_run) c = static_cast<char>(std::toupper(c));
  req.add_content_keys(upper_run);
  req.add_content_keys(kProgram);
  req.add_content_keys(kCourse);
  req.add_content_keys("f0000000-0000-4000-8000-00000000000f");
  v1::GetContentMetadataResponse plain;
  ASSERT_TRUE(core_.GetContentMetadata(operator_, req, &plain).ok());
  std::vector<std::string> keys;
  for (const auto& item : plain.items()) keys.push_back(item.content_key());
  EXPECT_THAT(keys, ElementsAre(kRun, kProgram, kCourse));
  EXPECT_THAT(plain.not_found_keys(),
              ElementsAre("f0000000-0000-4000-8000-00000000000f"));
  // No catalog, so no per-catalog fields.
  EXPECT_EQ(plain.items(2).enrollment_url(), "");
  EXPECT_FALSE(plain.items(2).has_content_last_modified());

  req.set_coerce_to_parent_course(true);
  v1::GetContentMetadataResponse coerced;
  ASSERT_TRUE(core_.GetContentMetadata(operator_, req, &coerced).ok());
  keys.clear();
  for (const auto& item : coerced.items()) keys.push_back(item.content_key());
  // The run's course comes first, and once.
  EXPECT_THAT(keys, ElementsAre(kCourse, kProgram));
}

TEST_F(CatalogItemsTest, DiffFollowsTheRequestAndDatesFoundItems) {
  const v1::EnterpriseCustomer customer = Upsert(false);
  const v1::Catalog catalog = Create(R"({"a": 1})");
  auto diff = Diff(catalog, {"gone+2", kExecEd, "gone+1", kCourse, kExecEd});
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_THAT(Keys(diff->items_not_found()), ElementsAre("gone+2", "gone+1"));
  EXPECT_THAT(Keys(diff->items_found()), ElementsAre(kExecEd, kCourse));
  // Exact keys only: the course's run is not "found" through its course.
  EXPECT_THAT(Keys(diff->items_not_included()), ElementsAre(kProgram, kRun));
  // date_updated is the item's content_last_modified in this catalog.
  auto items = Items(catalog);
  for (const auto& item : diff->items_found()) {
    EXPECT_EQ(item.date_updated(),
              items[item.content_key()].content_last_modified());
    EXPECT_GE(item.date_updated(), customer.modified());
  }
  auto empty = Diff(catalog, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->items_not_included_size(), 4);
  EXPECT_THAT(empty->items_found(), IsEmpty());

  std::vector<std::string> too_many(10001, "k");
  EXPECT_EQ(Diff(catalog, too_many).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::string> most(10000, "k");
  EXPECT_TRUE(Diff(catalog, most).ok());
}

// Issue 14, defect 7: a page of large documents stops at the byte budget
// and its token continues where it stopped; every item comes exactly once.
// Issue 14: GetContentMetadata has no pages; by keys alone it used to build
// an answer of any size (1,000 keys of large documents: hundreds of MB).
TEST_F(CatalogItemsTest, ContentByKeysPastTheByteBudgetIsRefused) {
  const std::vector<std::string> keys = CatalogOfLargeCourses("BigY+C", 6);
  v1::GetContentMetadataRequest all, three;
  for (size_t i = 0; i < keys.size(); ++i) {
    all.add_content_keys(keys[i]);
    if (i < 3) three.add_content_keys(keys[i]);
  }

  v1::GetContentMetadataResponse out;
  const absl::Status refused = core_.GetContentMetadata(operator_, all, &out);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("ask for fewer keys per call"));
  v1::GetContentMetadataResponse fits;
  ASSERT_TRUE(core_.GetContentMetadata(operator_, three, &fits).ok());
  EXPECT_EQ(fits.items_size(), 3);
}

TEST_F(CatalogItemsTest, APageOfLargeDocumentsStopsAtTheByteBudget) {
  v1::Catalog catalog;
  CatalogOfLargeCourses("BigX+C", 10, &catalog);

  v1::GetCatalogMetadataRequest req;
  req.set_catalog_uuid(catalog.uuid());
  req.set_page_size(1000);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    v1::GetCatalogMetadataResponse page;
    ASSERT_TRUE(core_.GetCatalogMetadata(operator_, req, &page).ok());
    size_t bytes = 0;
    for (const auto& item : page.items()) {
      bytes += item.json_metadata().size();
      seen.push_back(item.content_key());
    }
    EXPECT_LE(bytes, common::kMaxPageBytes);
    EXPECT_GE(page.items_size(), 1);
    req.set_page_token(page.next_page_token());
    ++pages;
  } while (!req.page_token().empty() && pages < 20);
  EXPECT_EQ(pages, 4);  // 3 documents of a little over 1 MiB per page
  ASSERT_EQ(seen.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(seen[static_cast<size_t>(i)], "BigX+C" + std::to_string(i));
  }
}

}  // namespace
}  // namespace ec::core
