#include "domain/catalog_item_fields.h"

#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "gtest/gtest.h"

// Cases marked "Django:" take their inputs and expected URLs from the Django
// service's tests (catalog/tests/test_models.py
// test_get_content_enrollment_url,
// test_get_content_enrollment_url_disabled_learner_portal,
// test_enrollment_url_exec_ed; api/v1/tests/test_views.py
// _get_expected_json_metadata), with its test settings below.
namespace ec {
namespace {

using domain::CatalogContext;
using domain::CustomerContext;
using domain::ItemFacts;
using domain::ItemFactsFromDocument;
using Json = nlohmann::ordered_json;

constexpr char kCatalogUuid[] = "7467c9d2-433c-4f7e-ba2e-c5c7798527b2";
constexpr char kEnterpriseUuid[] = "d1098ad2-6c5e-4b9e-8f0b-1e5a2a3b4c5d";
constexpr char kCourseKey[] = "edX+DemoX";
constexpr char kRunKey[] = "course-v1:edX+DemoX+2T2024";
// kRunKey as quote_plus writes it in a query.
constexpr char kQuotedRunKey[] = "course-v1%3AedX%2BDemoX%2B2T2024";

const domain::UrlSettings& Settings() {
  static const domain::UrlSettings settings{"https://edx.test.lms",
                                            "https://edx.test.learnerportal",
                                            "https://edx.test.ecommerce/"};
  return settings;
}

CatalogContext Catalog(std::string name = "Test Enterprise",
                       bool audit = false) {
  return CatalogContext{kCatalogUuid, kEnterpriseUuid, std::move(name), audit,
                        std::nullopt};
}

CustomerContext Customer(bool portal, std::optional<std::string> slug) {
  CustomerContext customer;
  customer.enable_learner_portal = portal;
  customer.slug = std::move(slug);
  return customer;
}

// The factory course: one advertised, active run.
Json Course() {
  return Json::parse(R"({
    "key": "edX+DemoX",
    "content_type": "course",
    "marketing_url": "https://www.edx.org/course/edx-demox",
    "advertised_course_run_uuid": "the-run-uuid",
    "course_runs": [{
      "key": "course-v1:edX+DemoX+2T2024", "uuid": "the-run-uuid",
      "status": "published", "is_enrollable": true, "is_marketable": true
    }]
  })");
}

ItemFacts CourseFacts() {
  return ItemFactsFromDocument(kCourseKey, "course", "", Course());
}

ItemFacts RunFacts() {
  return ItemFactsFromDocument(
      kRunKey, "courserun", kCourseKey,
      Json::parse(R"({"key": "course-v1:edX+DemoX+2T2024",
                      "content_type": "courserun", "status": "published"})"));
}

// Django: test_enrollment_url_exec_ed's course.
ItemFacts ExecEdFacts(const std::string& entitlements =
                          R"([{"mode": "paid-executive-education",
                               "sku": "happy-little-sku"}])") {
  Json doc = Json::parse(R"({"key": "the-content-key",
                             "course_type": "executive-education-2u"})");
  doc["entitlements"] = Json::parse(entitlements);
  return ItemFactsFromDocument("the-content-key", "course", "", doc);
}

std::string LmsEnroll(const std::string& run_key,
                      const std::string& query_tail) {
  return std::string("https://edx.test.lms/enterprise/") + kEnterpriseUuid +
         "/course/" + run_key + "/enroll/?catalog=" + kCatalogUuid + query_tail;
}

// --- enrollment_url --------------------------------------------------------

TEST(EnrollmentUrlTest, LearnerPortalCourse) {  // Django
  EXPECT_EQ(domain::EnrollmentUrl(CourseFacts(), Catalog(),
                                  Customer(true, "test-slug"), Settings()),
            "https://edx.test.learnerportal/test-slug/course/edX+DemoX"
            "?utm_medium=enterprise&utm_source=test-enterprise");
}

TEST(EnrollmentUrlTest, LearnerPortalRunNamesItsCourse) {  // Django
  EXPECT_EQ(domain::EnrollmentUrl(RunFacts(), Catalog(),
                                  Customer(true, "test-slug"), Settings()),
            std::string("https://edx.test.learnerportal/test-slug/course/"
                        "edX+DemoX?course_run_key=") +
                kQuotedRunKey +
                "&utm_medium=enterprise&utm_source=test-enterprise");
}

TEST(EnrollmentUrlTest, LegacyCourseAndRunBothEnrollInTheRun) {  // Django
  const std::string expected =
      LmsEnroll(kRunKey, "&utm_medium=enterprise&utm_source=test-enterprise");
  EXPECT_EQ(domain::EnrollmentUrl(CourseFacts(), Catalog(),
                                  Customer(false, "test-slug"), Settings()),
            expected);
  EXPECT_EQ(domain::EnrollmentUrl(RunFacts(), Catalog(),
                                  Customer(false, "test-slug"), Settings()),
            expected);
}

TEST(EnrollmentUrlTest, LegacyCourseWithoutAdvertisedRunUsesItsKey) {
  Json doc = Course();
  doc["advertised_course_run_uuid"] = "another-uuid";
  const ItemFacts facts = ItemFactsFromDocument(kCourseKey, "course", "", doc);
  EXPECT_EQ(facts.advertised_run_key, std::nullopt);
  EXPECT_EQ(
      domain::EnrollmentUrl(facts, Catalog(), CustomerContext{}, Settings()),
      LmsEnroll(kCourseKey,
                "&utm_medium=enterprise&utm_source=test-enterprise"));
}

TEST(EnrollmentUrlTest, SearchAllCourseTakesFirstRunWithoutUuid) {
  // §4's None == None: no advertised uuid matches the first run without one.
  const Json doc = Json::parse(R"({"key": "edX+DemoX", "course_runs": [
      {"key": "course-v1:edX+DemoX+1T2024", "uuid": "u1"},
      {"key": "course-v1:edX+DemoX+3T2024"},
      {"key": "course-v1:edX+DemoX+4T2024"}]})");
  const ItemFacts facts = ItemFactsFromDocument(kCourseKey, "course", "", doc);
  EXPECT_EQ(facts.advertised_run_key, "course-v1:edX+DemoX+3T2024");
  EXPECT_EQ(
      domain::EnrollmentUrl(facts, Catalog(), CustomerContext{}, Settings()),
      LmsEnroll("course-v1:edX+DemoX+3T2024",
                "&utm_medium=enterprise&utm_source=test-enterprise"));
}

TEST(EnrollmentUrlTest, AuditSortsWithEveryOtherParameter) {
  EXPECT_EQ(domain::EnrollmentUrl(RunFacts(), Catalog("Test Enterprise", true),
                                  Customer(true, "test-slug"), Settings()),
            std::string("https://edx.test.learnerportal/test-slug/course/"
                        "edX+DemoX?audit=true&course_run_key=") +
                kQuotedRunKey +
                "&utm_medium=enterprise&utm_source=test-enterprise");
  EXPECT_EQ(
      domain::EnrollmentUrl(CourseFacts(), Catalog("Test Enterprise", true),
                            Customer(false, "s"), Settings()),
      std::string("https://edx.test.lms/enterprise/") + kEnterpriseUuid +
          "/course/" + kRunKey + "/enroll/?audit=true&catalog=" + kCatalogUuid +
          "&utm_medium=enterprise&utm_source=test-enterprise");
}

TEST(EnrollmentUrlTest, UtmSourceIsTheSlugifiedCatalogName) {
  const CustomerContext portal = Customer(true, "s");
  const std::string base = "https://edx.test.learnerportal/s/course/edX+DemoX";
  EXPECT_EQ(domain::EnrollmentUrl(CourseFacts(),
                                  Catalog("\xC3\x89"
                                          "cole Polytechnique!"),
                                  portal, Settings()),
            base + "?utm_medium=enterprise&utm_source=ecole-polytechnique");
  // A name that slugifies to nothing still sends an empty utm_source.
  EXPECT_EQ(domain::EnrollmentUrl(CourseFacts(), Catalog("\xC3\x9F"), portal,
                                  Settings()),
            base + "?utm_medium=enterprise&utm_source=");
  // No name, no utm_source.
  EXPECT_EQ(
      domain::EnrollmentUrl(CourseFacts(), Catalog(""), portal, Settings()),
      base + "?utm_medium=enterprise");
}

TEST(EnrollmentUrlTest, NullSlugIsWrittenAsNone) {
  EXPECT_EQ(domain::EnrollmentUrl(CourseFacts(), Catalog(""),
                                  Customer(true, std::nullopt), Settings()),
            "https://edx.test.learnerportal/None/course/edX+DemoX"
            "?utm_medium=enterprise");
}

TEST(EnrollmentUrlTest, UnknownCustomerIsLegacy) {
  EXPECT_EQ(domain::EnrollmentUrl(RunFacts(), Catalog(""), CustomerContext{},
                                  Settings()),
            LmsEnroll(kRunKey, "&utm_medium=enterprise"));
}

TEST(EnrollmentUrlTest, ExecEdLearnerPortal) {  // Django
  EXPECT_EQ(domain::EnrollmentUrl(ExecEdFacts(), Catalog(),
                                  Customer(true, "sluggy"), Settings()),
            "https://edx.test.learnerportal/sluggy/executive-education-2u/"
            "course/the-content-key"
            "?utm_medium=enterprise&utm_source=test-enterprise");
}

TEST(EnrollmentUrlTest, ExecEdProxyLogin) {  // Django
  // Neither the slug nor `next` is encoded; the ecommerce base's trailing
  // slash doubles.
  EXPECT_EQ(
      domain::EnrollmentUrl(ExecEdFacts(), Catalog("Test Enterprise", true),
                            Customer(false, "sluggy"), Settings()),
      "https://edx.test.lms/enterprise/proxy-login/"
      "?enterprise_slug=sluggy&next=https://edx.test.ecommerce//"
      "executive-education-2u/checkout?audit=true&sku=happy-little-sku&"
      "utm_medium=enterprise&utm_source=test-enterprise");
  EXPECT_EQ(domain::EnrollmentUrl(ExecEdFacts(), Catalog(""),
                                  Customer(false, std::nullopt), Settings()),
            "https://edx.test.lms/enterprise/proxy-login/"
            "?enterprise_slug=None&next=https://edx.test.ecommerce//"
            "executive-education-2u/checkout?sku=happy-little-sku&"
            "utm_medium=enterprise");
}

TEST(EnrollmentUrlTest, ExecEdWithoutSkuHasNoUrl) {
  // No paid-executive-education entitlement at all.
  EXPECT_EQ(domain::EnrollmentUrl(
                ExecEdFacts(R"([{"mode": "verified", "sku": "x"}])"), Catalog(),
                Customer(false, "sluggy"), Settings()),
            std::nullopt);
  // The last matching entitlement decides, even without a sku.
  EXPECT_EQ(
      domain::EnrollmentUrl(ExecEdFacts(R"([{"mode": "paid-executive-education",
                                 "sku": "first"},
                                {"mode": "paid-executive-education"}])"),
                            Catalog(), Customer(false, "sluggy"), Settings()),
      std::nullopt);
  EXPECT_EQ(
      domain::EnrollmentUrl(ExecEdFacts(R"([{"mode": "paid-executive-education",
                                 "sku": ""}])"),
                            Catalog(), Customer(false, "sluggy"), Settings()),
      std::nullopt);
  // With the portal on, the sku does not matter.
  EXPECT_TRUE(domain::EnrollmentUrl(ExecEdFacts("[]"), Catalog(),
                                    Customer(true, "sluggy"), Settings())
                  .has_value());
}

TEST(EnrollmentUrlTest, OnlyCoursesAndRunsWithAKey) {
  ItemFacts program = CourseFacts();
  program.content_type = "program";
  EXPECT_EQ(domain::EnrollmentUrl(program, Catalog(), Customer(true, "s"),
                                  Settings()),
            std::nullopt);
  ItemFacts no_key = CourseFacts();
  no_key.content_key.clear();
  EXPECT_EQ(
      domain::EnrollmentUrl(no_key, Catalog(), Customer(true, "s"), Settings()),
      std::nullopt);
}

// --- ItemFacts -------------------------------------------------------------

TEST(ItemFactsTest, ExecEdOnlyForCourseRows) {
  const Json doc = Json::parse(R"({"key": "k",
      "course_type": "executive-education-2u"})");
  EXPECT_TRUE(ItemFactsFromDocument("k", "course", "", doc).exec_ed);
  EXPECT_FALSE(ItemFactsFromDocument("k", "courserun", "p", doc).exec_ed);
  EXPECT_FALSE(ItemFactsFromDocument(
                   "k", "course", "",
                   Json::parse(R"({"course_type": "executive-education"})"))
                   .exec_ed);
}

TEST(ItemFactsTest, SkuOfTheLastPaidExecEdEntitlement) {
  const ItemFacts facts = ExecEdFacts(R"([
      {"mode": "paid-executive-education", "sku": "first"},
      {"mode": "verified", "sku": "not-this"},
      {"mode": "paid-executive-education", "sku": "last"}])");
  EXPECT_EQ(facts.exec_ed_sku, "last");
  EXPECT_FALSE(facts.exec_ed_entitlement_without_mode);
}

TEST(ItemFactsTest, EntitlementWithoutModeIsSkippedAndFlagged) {
  const ItemFacts facts = ExecEdFacts(R"([
      {"mode": "paid-executive-education", "sku": "kept"},
      {"sku": "no-mode"}, 7, null])");
  EXPECT_EQ(facts.exec_ed_sku, "kept");
  EXPECT_TRUE(facts.exec_ed_entitlement_without_mode);
}

TEST(ItemFactsTest, HostileShapesNeverThrow) {
  for (const char* text :
       {"null", "[]", "\"text\"", R"({"course_runs": null, "entitlements": 5,
          "key": 12, "marketing_url": 3, "course_type": null})",
        R"({"course_runs": [null, 1, {"is_enrollable": true, "status": 7,
            "is_marketable": true}], "advertised_course_run_uuid": null})"}) {
    const ItemFacts facts =
        ItemFactsFromDocument("k", "course", "", Json::parse(text));
    EXPECT_EQ(facts.json_key, "") << text;
    EXPECT_EQ(facts.marketing_url, std::nullopt) << text;
    EXPECT_EQ(facts.exec_ed_sku, std::nullopt) << text;
    EXPECT_EQ(facts.active, false) << text;
    EXPECT_EQ(facts.advertised_run_key, std::nullopt) << text;
  }
}

// --- active ----------------------------------------------------------------

struct ActiveCase {
  const char* run;
  bool active;
};

// gtest would print the bytes of the struct.
void PrintTo(const ActiveCase& c, std::ostream* os) { *os << c.run; }

class ActiveTest : public ::testing::TestWithParam<ActiveCase> {};

TEST_P(ActiveTest, AnyRunActive) {
  Json doc = Json::parse(R"({"key": "k", "course_runs": [
      {"status": "unpublished", "is_enrollable": true, "is_marketable": true}
  ]})");
  doc["course_runs"].push_back(Json::parse(GetParam().run));
  EXPECT_EQ(ItemFactsFromDocument("k", "course", "", doc).active,
            GetParam().active)
      << GetParam().run;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ActiveTest,
    ::testing::Values(
        ActiveCase{R"({"status": "published", "is_enrollable": true,
                       "is_marketable": true})",
                   true},
        ActiveCase{R"({"status": "PUBLISHED", "is_enrollable": 1,
                       "is_marketable": "yes"})",
                   true},
        ActiveCase{R"({"status": "published", "is_enrollable": false,
                       "is_marketable": true})",
                   false},
        ActiveCase{R"({"status": "published", "is_enrollable": true,
                       "is_marketable": false})",
                   false},
        ActiveCase{R"({"status": null, "is_enrollable": true,
                       "is_marketable": true})",
                   false},
        ActiveCase{R"({"status": "unpublished", "is_enrollable": true,
                       "is_marketable_external": true})",
                   true},
        ActiveCase{R"({"status": "published", "is_enrollable": false,
                       "is_marketable_external": true})",
                   false},
        ActiveCase{R"({"is_enrollable": true, "is_marketable": true})", false},
        ActiveCase{R"({})", false}));

TEST(ActiveFactTest, OnlyCourses) {
  EXPECT_EQ(CourseFacts().active, true);
  EXPECT_EQ(ItemFactsFromDocument("k", "course", "", Json::parse("{}")).active,
            false);
  EXPECT_EQ(RunFacts().active, std::nullopt);
}

// --- marketing_url ---------------------------------------------------------

TEST(CatalogMarketingUrlTest, AddsUtmParameters) {  // Django
  EXPECT_EQ(domain::CatalogMarketingUrl(CourseFacts(), Catalog()),
            "https://www.edx.org/course/edx-demox"
            "?utm_medium=enterprise&utm_source=test-enterprise");
}

TEST(CatalogMarketingUrlTest, MergesExistingQuery) {
  ItemFacts facts = CourseFacts();
  facts.marketing_url =
      "https://www.edx.org/course/x?utm_source=old&ref=a%3Ab&blank=#top";
  EXPECT_EQ(domain::CatalogMarketingUrl(facts, Catalog("Acme Corp")),
            "https://www.edx.org/course/x?ref=a%3Ab&utm_medium=enterprise&"
            "utm_source=acme-corp#top");
  // An empty name keeps the existing utm_source.
  EXPECT_EQ(domain::CatalogMarketingUrl(facts, Catalog("")),
            "https://www.edx.org/course/x?ref=a%3Ab&utm_medium=enterprise&"
            "utm_source=old#top");
}

TEST(CatalogMarketingUrlTest, NoneWithoutMarketingUrl) {
  EXPECT_EQ(domain::CatalogMarketingUrl(RunFacts(), Catalog()), std::nullopt);
  EXPECT_EQ(ItemFactsFromDocument("k", "course", "",
                                  Json::parse(R"({"marketing_url": ""})"))
                .marketing_url,
            std::nullopt);
}

// --- xapi_activity_id ------------------------------------------------------

TEST(XapiActivityIdTest, FromTypeAndDocumentKey) {  // Django
  EXPECT_EQ(domain::XapiActivityId(CourseFacts(), Settings()),
            "https://edx.test.lms/xapi/activities/course/edX+DemoX");
  EXPECT_EQ(domain::XapiActivityId(RunFacts(), Settings()),
            "https://edx.test.lms/xapi/activities/courserun/"
            "course-v1:edX+DemoX+2T2024");
  // The document's key, not the row's.
  EXPECT_EQ(domain::XapiActivityId(
                ItemFactsFromDocument("row-key", "course", "",
                                      Json::parse(R"({"key": "doc key"})")),
                Settings()),
            "https://edx.test.lms/xapi/activities/course/doc key");
}

TEST(XapiActivityIdTest, NoneWithoutKeyOrForOtherTypes) {
  EXPECT_EQ(domain::XapiActivityId(
                ItemFactsFromDocument("k", "course", "", Json::parse("{}")),
                Settings()),
            std::nullopt);
  EXPECT_EQ(domain::XapiActivityId(
                ItemFactsFromDocument("k", "program", "",
                                      Json::parse(R"({"key": "k"})")),
                Settings()),
            std::nullopt);
}

}  // namespace
}  // namespace ec

namespace ec {
namespace {

// Django: _augment_serialized_runs_for_course, with the nested run's URL
// built from the run row (course_run_key with the portal on, the run in the
// legacy path).
TEST(CourseRunEnrollmentUrlsTest, RunsWithARowOfTheirOwn) {
  const ItemFacts course = CourseFacts();
  EXPECT_EQ(course.run_keys, std::vector<std::string>{kRunKey});
  const auto portal = domain::CourseRunEnrollmentUrls(
      course, {kRunKey}, Catalog(), Customer(true, "test-enterprise"),
      Settings());
  ASSERT_EQ(portal.size(), 1u);
  EXPECT_EQ(portal[0].first, kRunKey);
  EXPECT_EQ(portal[0].second,
            std::string("https://edx.test.learnerportal/test-enterprise/course/"
                        "edX+DemoX?course_run_key=") +
                kQuotedRunKey +
                "&utm_medium=enterprise&utm_source=test-enterprise");
  const auto legacy = domain::CourseRunEnrollmentUrls(
      course, {kRunKey}, Catalog(), Customer(false, ""), Settings());
  ASSERT_EQ(legacy.size(), 1u);
  EXPECT_EQ(legacy[0].second,
            std::string("https://edx.test.lms/enterprise/") + kEnterpriseUuid +
                "/course/" + kRunKey + "/enroll/?catalog=" + kCatalogUuid +
                "&utm_medium=enterprise&utm_source=test-enterprise");
  // The same URL as the run row's own enrollment_url.
  EXPECT_EQ(legacy[0].second,
            domain::EnrollmentUrl(RunFacts(), Catalog(), Customer(false, ""),
                                  Settings()));
}

TEST(CourseRunEnrollmentUrlsTest, OnlyCoursesThatAreNotExecEd) {
  EXPECT_TRUE(domain::CourseRunEnrollmentUrls(RunFacts(), {kRunKey}, Catalog(),
                                              Customer(true, "s"), Settings())
                  .empty());
  ItemFacts exec_ed = ExecEdFacts();
  exec_ed.run_keys = {kRunKey};
  EXPECT_TRUE(domain::CourseRunEnrollmentUrls(exec_ed, {kRunKey}, Catalog(),
                                              Customer(true, "s"), Settings())
                  .empty());
}

TEST(CourseRunEnrollmentUrlsTest, RunKeysInDocumentOrderSkippingKeyless) {
  const ItemFacts facts = ItemFactsFromDocument(
      kCourseKey, "course", "",
      Json::parse(R"({"course_runs": [{"key": "b"}, {"uuid": "x"},
                                      {"key": 7}, {"key": "a"}]})"));
  EXPECT_EQ(facts.run_keys, (std::vector<std::string>{"b", "a"}));
  const auto urls = domain::CourseRunEnrollmentUrls(
      facts, {"a", "b"}, Catalog(), Customer(false, ""), Settings());
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0].first, "a");
  EXPECT_EQ(urls[1].first, "b");
}

// A prepared catalog appends its parameters where that gives the same text
// as UpdateQueryParameters: every URL of every kind must come out the same
// as the unprepared catalog's, including where appending would be wrong.
TEST(PrepareCatalogContextTest, SameUrlsAsUpdatingEachOne) {
  std::vector<ItemFacts> items = {CourseFacts(), RunFacts(), ExecEdFacts(),
                                  ExecEdFacts("[]")};
  for (const char* key : {"edX+Demo?X", "edX+Demo#X", "a b", "\xC3\xA9+x"}) {
    ItemFacts odd = CourseFacts();
    odd.content_key = key;
    odd.advertised_run_key = std::string(key) + "+run";
    items.push_back(odd);
    ItemFacts run = RunFacts();
    run.content_key = key;
    items.push_back(run);
  }
  for (const char* url :
       {"https://www.edx.org/course/demo", "https://m.test/p?utm_source=old",
        "https://m.test/p#frag", "HTTPS://m.test/p", "https://m.test/a b"}) {
    ItemFacts marketed = CourseFacts();
    marketed.marketing_url = url;
    items.push_back(marketed);
  }
  const std::vector<domain::UrlSettings> settings = {
      Settings(),
      {"https://lms.test/", "https://portal.test?x=1", "https://shop.test"}};
  for (const char* name : {"Test Enterprise", "", "Ünïcode & Co. 100%"}) {
    for (const bool audit : {false, true}) {
      const CatalogContext raw = Catalog(name, audit);
      const CatalogContext prepared = domain::PrepareCatalogContext(raw);
      ASSERT_TRUE(prepared.prepared.has_value());
      for (const auto& customer :
           {Customer(true, "slug"), Customer(false, "slug"),
            Customer(false, std::nullopt), Customer(true, "")}) {
        for (const auto& s : settings) {
          for (const ItemFacts& item : items) {
            SCOPED_TRACE(item.content_key + " " + name);
            EXPECT_EQ(domain::EnrollmentUrl(item, prepared, customer, s),
                      domain::EnrollmentUrl(item, raw, customer, s));
          }
        }
      }
      for (const ItemFacts& item : items) {
        EXPECT_EQ(domain::CatalogMarketingUrl(item, prepared),
                  domain::CatalogMarketingUrl(item, raw));
      }
    }
  }
  EXPECT_EQ(domain::PrepareCatalogContext(Catalog("Ünïcode  Enterprise, Inc."))
                .prepared->utm_source,
            "unicode-enterprise-inc");
}

}  // namespace
}  // namespace ec
