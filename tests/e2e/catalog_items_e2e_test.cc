// The per-catalog item fields end to end: catalogs refreshed from the
// discovery stand-in over HTTP (crawl and full pass, real worker, real
// PostgreSQL), then served by the core for customers with and without the
// learner portal and one the platform never wrote, with audit URLs on and
// off. Every item of every catalog is checked against Django's rules
// applied to the document it is served with (the rules themselves are
// pinned by tests/domain/catalog_item_fields_test.cc with Django's own
// cases), and representative items against the URL templates written out.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "domain/catalog_item_fields.h"
#include "google/protobuf/util/time_util.h"
#include "tests/e2e/refresh_fixture.h"

namespace ec::e2e_refresh {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using google::protobuf::util::TimeUtil;
using Json = nlohmann::ordered_json;

constexpr char kPortalEnterprise[] = "11111111-1111-4111-8111-111111111111";
constexpr char kLegacyEnterprise[] = "22222222-2222-4222-8222-222222222222";
constexpr char kUnknownEnterprise[] = "33333333-3333-4333-8333-333333333333";
constexpr char kRuns[] = R"({"content_type": "courserun"})";

class CatalogItemsTest : public RefreshTest {
 protected:
  CatalogItemsTest() { crawls_only_ = false; }

  v1::Catalog CreateFor(const std::string& enterprise,
                        const std::string& filter, const std::string& name,
                        bool audit) {
    v1::CreateCatalogRequest request;
    request.mutable_catalog()->set_title("Catalog");
    request.mutable_catalog()->set_enterprise_uuid(enterprise);
    request.mutable_catalog()->set_enterprise_name(name);
    request.mutable_catalog()->set_publish_audit_enrollment_urls(audit);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    filter, request.mutable_catalog()->mutable_content_filter())
                    .ok());
    v1::Catalog out;
    const absl::Status st = core_->CreateCatalog(kOperator, request, &out);
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  v1::EnterpriseCustomer Upsert(const std::string& uuid,
                                const std::string& slug, bool portal) {
    v1::UpsertEnterpriseCustomerRequest request;
    request.mutable_customer()->set_uuid(uuid);
    request.mutable_customer()->set_slug(slug);
    request.mutable_customer()->set_name(slug);
    request.mutable_customer()->set_enable_learner_portal(portal);
    v1::EnterpriseCustomer out;
    const absl::Status st =
        core_->UpsertEnterpriseCustomer(kOperator, request, &out);
    EXPECT_TRUE(st.ok()) << st;
    return out;
  }

  std::vector<v1::ContentMetadata> Served(const v1::Catalog& catalog) {
    std::vector<v1::ContentMetadata> items;
    std::string token;
    do {
      v1::GetCatalogMetadataRequest request;
      request.set_catalog_uuid(catalog.uuid());
      request.set_page_size(40);
      request.set_page_token(token);
      v1::GetCatalogMetadataResponse response;
      const absl::Status st =
          core_->GetCatalogMetadata(kOperator, request, &response);
      EXPECT_TRUE(st.ok()) << st;
      if (!st.ok()) break;
      for (const auto& item : response.items()) items.push_back(item);
      token = response.next_page_token();
    } while (!token.empty());
    return items;
  }

  // Keys of the run rows of `course` that have a document of their own.
  std::vector<std::string> RunRows(const std::string& course) {
    auto text = env_->QueryText(
        "SELECT coalesce(string_agg(content_key, ' ' ORDER BY content_key), "
        "'') FROM content_metadata WHERE NOT derived AND parent_content_key "
        "= '" +
        course + "'");
    EXPECT_TRUE(text.ok());
    std::vector<std::string> keys;
    if (text.ok() && !text->empty()) keys = absl::StrSplit(*text, ' ');
    return keys;
  }

  // Checks every item of `catalog` against Django's rules applied to the
  // document it is served with; returns the items by key.
  std::map<std::string, v1::ContentMetadata> CheckCatalog(
      const v1::Catalog& catalog, const domain::CustomerContext& customer,
      const google::protobuf::Timestamp* customer_modified) {
    const domain::CatalogContext context{
        catalog.uuid(), catalog.enterprise_uuid(), catalog.enterprise_name(),
        catalog.publish_audit_enrollment_urls(), std::nullopt};
    std::map<std::string, v1::ContentMetadata> by_key;
    for (const v1::ContentMetadata& item : Served(catalog)) {
      SCOPED_TRACE(item.content_key());
      by_key[item.content_key()] = item;
      const domain::ItemFacts facts = domain::ItemFactsFromDocument(
          item.content_key(), item.content_type(), item.parent_content_key(),
          Json::parse(item.json_metadata()));
      EXPECT_EQ(
          item.enrollment_url(),
          domain::EnrollmentUrl(facts, context, customer, kUrls).value_or(""));
      EXPECT_EQ(item.marketing_url(),
                domain::CatalogMarketingUrl(facts, context).value_or(""));
      EXPECT_EQ(item.xapi_activity_id(),
                domain::XapiActivityId(facts, kUrls).value_or(""));
      EXPECT_EQ(item.has_active(), item.content_type() == "course");
      if (item.has_active()) {
        EXPECT_EQ(item.active(), *facts.active);
      }
      std::map<std::string, std::string> runs;
      // Django enriches the course_runs entries that have a row.
      std::vector<std::string> nested = RunRows(item.content_key());
      std::erase_if(nested, [&](const std::string& run) {
        return std::find(facts.run_keys.begin(), facts.run_keys.end(), run) ==
               facts.run_keys.end();
      });
      for (auto& [run, url] : domain::CourseRunEnrollmentUrls(
               facts, nested, context, customer, kUrls)) {
        runs[run] = url;
      }
      const std::map<std::string, std::string> served(
          item.course_run_enrollment_urls().begin(),
          item.course_run_enrollment_urls().end());
      EXPECT_EQ(served, runs);
      google::protobuf::Timestamp latest =
          std::max(item.modified(), catalog.modified());
      if (customer_modified != nullptr) {
        latest = std::max(latest, *customer_modified);
      }
      EXPECT_EQ(item.content_last_modified(), latest);
    }
    return by_key;
  }

  static bool ExecEd(const v1::ContentMetadata& item) {
    return item.content_type() == "course" &&
           Json::parse(item.json_metadata()).value("course_type", "") ==
               "executive-education-2u";
  }

  // The sku Django reads: the last paid-executive-education entitlement's.
  static std::string ExecEdSku(const v1::ContentMetadata& item) {
    std::string sku;
    for (const Json& e : Json::parse(item.json_metadata())
                             .value("entitlements", Json::array())) {
      if (e.value("mode", "") == "paid-executive-education") {
        sku = e.value("sku", "");
      }
    }
    return sku;
  }

  // The advertised run's key (django-rules.md §4), for a course whose
  // advertised_course_run_uuid names one of its runs.
  static std::string AdvertisedRun(const v1::ContentMetadata& item) {
    const Json doc = Json::parse(item.json_metadata());
    const Json uuid = doc.value("advertised_course_run_uuid", Json());
    if (!uuid.is_string()) return "";
    for (const Json& run : doc.value("course_runs", Json::array())) {
      if (run.value("uuid", Json()) == uuid) return run.value("key", "");
    }
    return "";
  }
};

TEST_F(CatalogItemsTest, EveryItemFollowsDjangosRules) {
  const v1::EnterpriseCustomer portal =
      Upsert(kPortalEnterprise, "acme-learning", true);
  const v1::EnterpriseCustomer legacy =
      Upsert(kLegacyEnterprise, "beta", false);
  const v1::Catalog portal_courses =
      CreateFor(kPortalEnterprise, kCourses, "Acme Learning, Inc.", false);
  // Its crawl gives the runs documents of their own: they are enriched.
  const v1::Catalog portal_runs =
      CreateFor(kPortalEnterprise, kRuns, "Acme Learning, Inc.", false);
  const v1::Catalog portal_programs =
      CreateFor(kPortalEnterprise, kPrograms, "Acme Learning, Inc.", false);
  const v1::Catalog legacy_courses =
      CreateFor(kLegacyEnterprise, kCourses, "Beta Corp", true);
  const v1::Catalog unknown_courses =
      CreateFor(kUnknownEnterprise, kCourses, "Gamma", false);
  Drain();
  // Every stored document's facts were stored with it.
  EXPECT_EQ(Int("SELECT count(*) FROM content_metadata "
                "WHERE facts_hash IS DISTINCT FROM document_hash"),
            0);

  domain::CustomerContext portal_context;
  portal_context.enable_learner_portal = true;
  portal_context.slug = "acme-learning";
  domain::CustomerContext legacy_context;
  legacy_context.slug = "beta";
  const domain::CustomerContext unknown_context;

  auto courses =
      CheckCatalog(portal_courses, portal_context, &portal.modified());
  auto runs = CheckCatalog(portal_runs, portal_context, &portal.modified());
  auto programs =
      CheckCatalog(portal_programs, portal_context, &portal.modified());
  auto legacy_items =
      CheckCatalog(legacy_courses, legacy_context, &legacy.modified());
  auto unknown_items = CheckCatalog(unknown_courses, unknown_context, nullptr);
  ASSERT_EQ(static_cast<int64_t>(courses.size()), kCourseMembers);
  ASSERT_FALSE(runs.empty());
  ASSERT_FALSE(programs.empty());

  // The templates, written out, on representative items.
  int exec_ed = 0, ordinary = 0, enriched = 0;
  for (const auto& [key, item] : courses) {
    SCOPED_TRACE(key);
    const std::string utm =
        "utm_medium=enterprise&utm_source=acme-learning-inc";
    if (ExecEd(item)) {
      ++exec_ed;
      EXPECT_EQ(item.enrollment_url(),
                "https://portal.example.com/acme-learning/"
                "executive-education-2u/course/" +
                    key + "?" + utm);
      EXPECT_TRUE(item.course_run_enrollment_urls().empty());
      const v1::ContentMetadata& proxied = legacy_items.at(key);
      const std::string sku = ExecEdSku(proxied);
      if (sku.empty()) {
        EXPECT_EQ(proxied.enrollment_url(), "");
      } else {
        EXPECT_EQ(proxied.enrollment_url(),
                  "https://lms.example.com/enterprise/proxy-login/"
                  "?enterprise_slug=beta&next=https://shop.example.com/"
                  "executive-education-2u/checkout?audit=true&sku=" +
                      sku + "&utm_medium=enterprise&utm_source=beta-corp");
      }
      continue;
    }
    ++ordinary;
    EXPECT_EQ(
        item.enrollment_url(),
        "https://portal.example.com/acme-learning/course/" + key + "?" + utm);
    EXPECT_EQ(item.xapi_activity_id(),
              "https://lms.example.com/xapi/activities/course/" + key);
    enriched += !item.course_run_enrollment_urls().empty();
    for (const auto& [run, url] : item.course_run_enrollment_urls()) {
      EXPECT_EQ(url, runs.at(run).enrollment_url()) << run;
      EXPECT_NE(url.find("?course_run_key="), std::string::npos) << url;
    }
    // The unknown customer's legacy URL enrolls in the advertised run.
    const std::string advertised = AdvertisedRun(item);
    if (!advertised.empty()) {
      EXPECT_EQ(unknown_items.at(key).enrollment_url(),
                std::string("https://lms.example.com/enterprise/") +
                    kUnknownEnterprise + "/course/" + advertised +
                    "/enroll/?catalog=" + unknown_courses.uuid() +
                    "&utm_medium=enterprise&utm_source=gamma");
    }
  }
  EXPECT_GT(exec_ed, 0);
  EXPECT_GT(ordinary, 0);
  EXPECT_GT(enriched, 0);
  for (const auto& [key, program] : programs) {
    EXPECT_EQ(program.enrollment_url(), "") << key;
    EXPECT_EQ(program.xapi_activity_id(), "") << key;
  }

  // Turning the portal off changes every URL and moves every item's
  // content_last_modified to the customer's change.
  const v1::EnterpriseCustomer off =
      Upsert(kPortalEnterprise, "acme-learning", false);
  EXPECT_GT(off.modified(), portal.modified());
  domain::CustomerContext off_context;
  off_context.slug = "acme-learning";
  auto after = CheckCatalog(portal_courses, off_context, &off.modified());
  for (const auto& [key, item] : after) {
    EXPECT_NE(item.enrollment_url(), courses.at(key).enrollment_url()) << key;
  }
}

TEST_F(CatalogItemsTest, CustomerLookupAndDiffOnACrawledCatalog) {
  Upsert(kPortalEnterprise, "acme-learning", true);
  const v1::Catalog courses =
      CreateFor(kPortalEnterprise, kCourses, "Acme", false);
  // Created second: the course catalog is the customer's oldest.
  CreateFor(kPortalEnterprise, kRuns, "Acme", false);
  Drain();
  const std::vector<v1::ContentMetadata> items = Served(courses);
  ASSERT_FALSE(items.empty());
  const v1::ContentMetadata& course = items.front();
  const std::string course_uuid = course.content_uuid();
  ASSERT_FALSE(course_uuid.empty());

  auto lookup = [&](const std::string& id, bool coerce) {
    v1::GetCustomerContentMetadataRequest request;
    request.set_enterprise_uuid(kPortalEnterprise);
    request.set_content_identifier(id);
    request.set_coerce_to_parent_course(coerce);
    v1::GetCustomerContentMetadataResponse response;
    const absl::Status st =
        core_->GetCustomerContentMetadata(kOperator, request, &response);
    EXPECT_TRUE(st.ok()) << st << " " << id;
    return response;
  };
  for (const std::string& id : {course.content_key(), course_uuid}) {
    const auto found = lookup(id, false);
    EXPECT_EQ(found.catalog_uuid(), courses.uuid()) << id;
    EXPECT_EQ(found.item().content_key(), course.content_key()) << id;
    EXPECT_EQ(found.item().enrollment_url(), course.enrollment_url()) << id;
  }
  // A run of the course is served as itself, by the older course catalog
  // (which contains it through its course); coerced, as its course.
  const Json doc = Json::parse(course.json_metadata());
  std::string run;
  for (const Json& r : doc.value("course_runs", Json::array())) {
    run = r.value("key", "");
    if (!run.empty()) break;
  }
  ASSERT_FALSE(run.empty());
  const auto as_run = lookup(run, false);
  EXPECT_EQ(as_run.item().content_key(), run);
  EXPECT_EQ(as_run.catalog_uuid(), courses.uuid());
  EXPECT_EQ(lookup(run, true).item().content_key(), course.content_key());

  // The diff: what a channel holding half the catalog and two stale keys
  // must change.
  v1::DiffCatalogContentRequest request;
  request.set_catalog_uuid(courses.uuid());
  std::vector<std::string> held;
  for (size_t i = 0; i < items.size(); i += 2) {
    held.push_back(items[i].content_key());
  }
  held.push_back("Gone+1");
  held.push_back("Gone+2");
  for (const auto& key : held) request.add_content_keys(key);
  v1::DiffCatalogContentResponse diff;
  ASSERT_TRUE(core_->DiffCatalogContent(kOperator, request, &diff).ok());
  EXPECT_EQ(diff.items_not_found_size(), 2);
  EXPECT_EQ(static_cast<size_t>(diff.items_found_size()), held.size() - 2);
  EXPECT_EQ(static_cast<size_t>(diff.items_not_included_size()),
            items.size() - (held.size() - 2));
  std::map<std::string, google::protobuf::Timestamp> modified;
  for (const auto& item : items) {
    modified[item.content_key()] = item.content_last_modified();
  }
  for (const auto& item : diff.items_found()) {
    EXPECT_EQ(item.date_updated(), modified.at(item.content_key()));
  }
}

}  // namespace
}  // namespace ec::e2e_refresh
