#include "domain/normalized_metadata.h"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

// Cases marked "Django:" are the inputs and expectations of the Django
// service's own tests (catalog/tests/test_serializers.py,
// catalog/tests/test_content_metadata_utils.py, api/tests/test_tasks.py).
namespace ec {
namespace {

using domain::Json;

Json Parse(const std::string& text) { return Json::parse(text); }

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

// The shape of Django's ContentMetadataFactory course, trimmed to what the
// normalization reads: one advertised run with an audit and a verified seat.
Json FactoryCourse() {
  return Parse(R"({
    "key": "edX+DemoX",
    "aggregation_key": "course:edX+DemoX",
    "uuid": "7e1e4a3c-0000-4000-8000-000000000001",
    "title": "Fake Content Title",
    "normalized_metadata": {"enroll_by_date": "2026-01-26T23:59:59Z"},
    "content_type": "course",
    "advertised_course_run_uuid": "the-run-uuid",
    "course_runs": [{
      "key": "course-v1:edX+DemoX+2T2024",
      "uuid": "the-run-uuid",
      "status": "published",
      "seats": [
        {"type": "audit", "price": "0.00", "upgrade_deadline": null,
         "upgrade_deadline_override": null, "sku": "175338C"},
        {"type": "verified", "price": "50.00",
         "upgrade_deadline": "2026-01-26T23:59:59Z",
         "upgrade_deadline_override": null, "sku": "F46BB55"}
      ],
      "start": "2024-02-12T11:00:00Z",
      "end": "2026-02-05T11:00:00Z",
      "first_enrollable_paid_seat_price": 50
    }],
    "entitlements": []
  })");
}

Json Normalize(const Json& course, bool pass_first_run) {
  if (!pass_first_run) return domain::NormalizedMetadata(course, nullptr);
  return domain::NormalizedMetadata(course, &course["course_runs"][0]);
}

TEST(NormalizedMetadataTest, SerializesFiveMembersInOrderWithPythonFloat) {
  const Json course = Parse(R"({
    "advertised_course_run_uuid": "r1",
    "course_runs": [{"uuid": "r1", "key": "k", "start": "2024-01-01T00:00:00Z",
                     "end": null, "enrollment_start": "2023-12-01T00:00:00Z",
                     "enrollment_end": "2024-01-15T00:00:00Z",
                     "first_enrollable_paid_seat_price": 50}]})");
  EXPECT_EQ(domain::NormalizedMetadata(course, nullptr).dump(),
            R"({"start_date":"2024-01-01T00:00:00Z","end_date":null,)"
            R"("enroll_by_date":"2024-01-15T00:00:00Z",)"
            R"("enroll_start_date":"2023-12-01T00:00:00Z",)"
            R"("content_price":50.0})");
}

TEST(NormalizedMetadataTest, NoRunGivesNullDatesAndZeroPrice) {
  // Django: test_update_full_metadata, course 4 (no advertised run).
  const Json course = Parse(R"({"key": "edX+superDuperFakeX",
    "advertised_course_run_uuid": null, "course_runs": []})");
  EXPECT_EQ(domain::NormalizedMetadata(course, nullptr).dump(),
            R"({"start_date":null,"end_date":null,"enroll_by_date":null,)"
            R"("enroll_start_date":null,"content_price":0.0})");
}

TEST(NormalizedMetadataTest, DatesAreCopiedVerbatim) {
  const Json course = Parse(R"({"course_runs": [{
    "start": "2024-01-01T00:00:00.123456Z", "end": "2024-06-01 00:00:00+02:00",
    "enrollment_start": "not a date"}]})");
  const Json normalized = domain::NormalizedMetadata(course, nullptr);
  EXPECT_EQ(normalized["start_date"], "2024-01-01T00:00:00.123456Z");
  EXPECT_EQ(normalized["end_date"], "2024-06-01 00:00:00+02:00");
  EXPECT_EQ(normalized["enroll_start_date"], "not a date");
}

struct EnrollByCase {
  std::string name;
  std::string course;
  bool pass_run;
  std::string expected;  // JSON
};

TEST(NormalizedMetadataTest, EnrollByDate) {
  const std::string exec_ed_with_end = R"({
    "course_type": "executive-education-2u",
    "advertised_course_run_uuid": "the-course-run-uuid",
    "course_runs": [{"uuid": "the-course-run-uuid",
                     "enrollment_end": "2024-01-01T00:00:00Z"}]})";
  const std::string exec_ed_no_end = R"({
    "course_type": "executive-education-2u",
    "advertised_course_run_uuid": "the-course-run-uuid",
    "course_runs": [{"uuid": "the-course-run-uuid", "enrollment_end": null}]})";
  const auto verified_seat = [](bool has_override) {
    return Cat({R"({"advertised_course_run_uuid": "u",
      "course_runs": [{"uuid": "u", "seats": [{"type": "verified",
        "price": "50.00", "upgrade_deadline": "2023-12-31T00:00:00Z",
        "upgrade_deadline_override": )",
                has_override ? R"("2024-12-31T00:00:00Z")" : "null", "}]}]}"});
  };
  const std::string no_seat = R"({"advertised_course_run_uuid": "u",
    "course_runs": [{"uuid": "u", "seats": [],
                     "enrollment_end": "2023-12-31T00:00:00Z"}]})";
  const std::vector<EnrollByCase> cases = {
      // Django: test_enroll_by_date_no_advertised_run.
      {"no advertised run",
       R"({"advertised_course_run_uuid": null,
           "course_runs": [{"uuid": "x", "enrollment_end": "2024-01-01"}]})",
       false, "null"},
      // Django: test_enroll_by_date_is_exec_ed_course_with_enrollment_end.
      {"exec-ed, enrollment_end, advertised", exec_ed_with_end, false,
       R"("2024-01-01T00:00:00Z")"},
      {"exec-ed, enrollment_end, given run", exec_ed_with_end, true,
       R"("2024-01-01T00:00:00Z")"},
      // Django: test_enroll_by_date_is_exec_ed_course_no_enrollment_end.
      {"exec-ed, no enrollment_end, advertised", exec_ed_no_end, false, "null"},
      {"exec-ed, no enrollment_end, given run", exec_ed_no_end, true, "null"},
      // Django: test_enroll_by_date_verified_course_with_seat.
      {"override, advertised", verified_seat(true), false,
       R"("2024-12-31T00:00:00Z")"},
      {"no override, advertised", verified_seat(false), false,
       R"("2023-12-31T00:00:00Z")"},
      {"override, given run", verified_seat(true), true,
       R"("2024-12-31T00:00:00Z")"},
      {"no override, given run", verified_seat(false), true,
       R"("2023-12-31T00:00:00Z")"},
      // Django: test_enroll_by_date_verified_course_no_seat.
      {"no seat, advertised", no_seat, false, R"("2023-12-31T00:00:00Z")"},
      {"no seat, given run", no_seat, true, R"("2023-12-31T00:00:00Z")"},
      // The earlier of the seat deadline and enrollment_end.
      {"enrollment_end earlier than deadline",
       R"({"course_runs": [{"enrollment_end": "2023-01-01T00:00:00Z",
           "seats": [{"type": "verified",
                      "upgrade_deadline": "2023-06-01T00:00:00Z"}]}]})",
       false, R"("2023-01-01T00:00:00Z")"},
      // A string comparison, as in Python: ".5Z" sorts before "Z".
      {"string min, not time min",
       R"({"course_runs": [{"enrollment_end": "2023-01-01T00:00:00Z",
           "seats": [{"type": "verified",
                      "upgrade_deadline": "2023-01-01T00:00:00.5Z"}]}]})",
       false, R"("2023-01-01T00:00:00.5Z")"},
      {"empty override falls back to upgrade_deadline",
       R"({"course_runs": [{"seats": [{"type": "verified",
           "upgrade_deadline_override": "",
           "upgrade_deadline": "2023-06-01T00:00:00Z"}]}]})",
       false, R"("2023-06-01T00:00:00Z")"},
      {"empty strings are no candidates",
       R"({"course_runs": [{"enrollment_end": "",
           "seats": [{"type": "verified", "upgrade_deadline": ""}]}]})",
       false, "null"},
      // Exec-ed takes enrollment_end even when a seat deadline is earlier.
      {"exec-ed ignores seats",
       R"({"course_type": "executive-education-2u",
           "course_runs": [{"enrollment_end": "2024-01-01T00:00:00Z",
           "seats": [{"type": "verified",
                      "upgrade_deadline": "2020-01-01T00:00:00Z"}]}]})",
       false, R"("2024-01-01T00:00:00Z")"},
      // The course_type match is exact.
      {"course_type match is case-sensitive",
       R"({"course_type": "Executive-Education-2U",
           "course_runs": [{"enrollment_end": "2024-01-01T00:00:00Z",
           "seats": [{"type": "verified",
                      "upgrade_deadline": "2020-01-01T00:00:00Z"}]}]})",
       false, R"("2020-01-01T00:00:00Z")"},
      {"exec-ed enrollment_end is verbatim, even a number",
       R"({"course_type": "executive-education-2u",
           "course_runs": [{"enrollment_end": 17}]})",
       false, "17"},
      {"non-string deadline is ignored",
       R"({"course_runs": [{"enrollment_end": "2024-01-01",
           "seats": [{"type": "verified", "upgrade_deadline": 5}]}]})",
       false, R"("2024-01-01")"},
  };
  for (const EnrollByCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Json course = Parse(c.course);
    EXPECT_EQ(Normalize(course, c.pass_run)["enroll_by_date"].dump(),
              c.expected);
  }
}

struct BestSeatCase {
  std::string name;
  std::string seats;
  std::string expected;  // the chosen seat's deadline, as JSON
};

// The best seat is observed through enroll_by_date: every seat has its own
// upgrade_deadline, and the run has no enrollment_end.
TEST(NormalizedMetadataTest, BestModeSeat) {
  const std::vector<BestSeatCase> cases = {
      // Django: test_find_best_mode_seat, 4 rows.
      {"no seats", "[]", "null"},
      {"verified beats professional",
       R"([{"type": "professional", "upgrade_deadline": "SKU-1"},
           {"type": "verified", "upgrade_deadline": "SKU-2"}])",
       R"("SKU-2")"},
      {"a mode outside the order does not win",
       R"([{"type": "paid-executive-education", "upgrade_deadline": "SKU-1"},
           {"type": "professional", "upgrade_deadline": "SKU-2"},
           {"type": "verified", "upgrade_deadline": "SKU-3"}])",
       R"("SKU-3")"},
      {"a mode outside the order is still chosen alone",
       R"([{"type": "paid-executive-education", "upgrade_deadline": "SKU-1"}])",
       R"("SKU-1")"},
      // The whole order, and stability.
      {"professional beats no-id-professional",
       R"([{"type": "no-id-professional", "upgrade_deadline": "A"},
           {"type": "professional", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"no-id-professional beats unpaid-executive-education",
       R"([{"type": "unpaid-executive-education", "upgrade_deadline": "A"},
           {"type": "no-id-professional", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"unpaid-executive-education beats audit",
       R"([{"type": "audit", "upgrade_deadline": "A"},
           {"type": "unpaid-executive-education", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"audit beats other modes",
       R"([{"type": "honor", "upgrade_deadline": "A"},
           {"type": "audit", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"equal ranks: the first wins (stable sort)",
       R"([{"type": "verified", "upgrade_deadline": "B"},
           {"type": "verified", "upgrade_deadline": "A"}])",
       R"("B")"},
      {"the best seat's null deadline is not replaced by another seat's",
       R"([{"type": "audit", "upgrade_deadline": "A"},
           {"type": "verified", "upgrade_deadline": null}])",
       "null"},
      {"mode match is case-sensitive",
       R"([{"type": "Verified", "upgrade_deadline": "A"},
           {"type": "audit", "upgrade_deadline": "B"}])",
       R"("B")"},
      // Django raises KeyError; here a seat without a type ranks last.
      {"seat without type ranks as other",
       R"([{"upgrade_deadline": "A"},
           {"type": "honor", "upgrade_deadline": "B"}])",
       R"("A")"},
      {"seat with a non-string type ranks as other",
       R"([{"type": ["verified"], "upgrade_deadline": "A"},
           {"type": "audit", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"non-object seats are skipped",
       R"([null, "verified", 3, {"type": "audit", "upgrade_deadline": "B"}])",
       R"("B")"},
      {"seats not an array", R"({"type": "verified"})", "null"},
      {"seats null", "null", "null"},
  };
  for (const BestSeatCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Json course =
        Parse(Cat({R"({"course_runs": [{"seats": )", c.seats, "}]}"}));
    EXPECT_EQ(
        domain::NormalizedMetadata(course, nullptr)["enroll_by_date"].dump(),
        c.expected);
  }
}

struct AdvertisedCase {
  std::string name;
  std::string course;
  std::string expected_start;  // JSON: the chosen run's "start", or null
};

TEST(NormalizedMetadataTest, AdvertisedRun) {
  const std::string two_runs = R"([
    {"key": "course-v1:org+course+1T2021", "uuid": "ADVERTISED",
     "start": "2013-10-16T14:00:00Z"},
    {"key": "course-v1:org+course+1T2021", "uuid": "other",
     "start": "2016-10-16T14:00:00Z"}])";
  const std::vector<AdvertisedCase> cases = {
      // Django: test_get_advertised_course, 4 rows.
      {"advertised run among several",
       Cat({R"({"advertised_course_run_uuid": "ADVERTISED", "course_runs": )",
            two_runs, "}"}),
       R"("2013-10-16T14:00:00Z")"},
      {"advertised uuid not among the runs",
       R"({"advertised_course_run_uuid": "ADVERTISED",
           "course_runs": [{"uuid": "x", "start": "s"}]})",
       "null"},
      {"no runs and no advertised uuid",
       R"({"advertised_course_run_uuid": null, "course_runs": []})", "null"},
      {"runs with uuids and no advertised uuid",
       Cat({R"({"advertised_course_run_uuid": null, "course_runs": )", two_runs,
            "}"}),
       "null"},
      // Python's None == None: with no advertised uuid, the first run
      // without a uuid is chosen (search/all's nested runs have none).
      {"no advertised uuid matches the first run without uuid",
       R"({"course_runs": [{"uuid": "x", "start": "a"}, {"start": "b"},
                           {"start": "c"}]})",
       R"("b")"},
      {"explicit null uuid matches a null advertised uuid",
       R"({"advertised_course_run_uuid": null,
           "course_runs": [{"uuid": null, "start": "a"}]})",
       R"("a")"},
      {"the first match wins",
       R"({"advertised_course_run_uuid": "u",
           "course_runs": [{"uuid": "u", "start": "a"},
                           {"uuid": "u", "start": "b"}]})",
       R"("a")"},
      {"uuid match is exact",
       R"({"advertised_course_run_uuid": "ABC",
           "course_runs": [{"uuid": "abc", "start": "a"}]})",
       "null"},
      // Python's ==: 1 == 1.0 == True.
      {"numbers compare as Python numbers",
       R"({"advertised_course_run_uuid": 1,
           "course_runs": [{"uuid": "1", "start": "a"},
                           {"uuid": 1.0, "start": "b"}]})",
       R"("b")"},
      {"a found run that is {} counts as no run",
       R"({"course_runs": [{}, {"start": "b"}]})", "null"},
      {"course_runs null", R"({"course_runs": null})", "null"},
      {"course_runs an object", R"({"course_runs": {"uuid": null}})", "null"},
      {"non-object runs are skipped",
       R"({"course_runs": [null, "run", 3, {"start": "d"}]})", R"("d")"},
      {"course not an object", R"(["course_runs"])", "null"},
  };
  for (const AdvertisedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Json course = Parse(c.course);
    EXPECT_EQ(domain::NormalizedMetadata(course, nullptr)["start_date"].dump(),
              c.expected_start);
  }
}

TEST(NormalizedMetadataTest, FalsyOrUnusableRunFallsBackToAdvertised) {
  const Json course = Parse(R"({"advertised_course_run_uuid": "a",
    "course_runs": [{"uuid": "b", "start": "run b"},
                    {"uuid": "a", "start": "run a"}]})");
  const Json given = Parse(R"({"start": "given"})");
  EXPECT_EQ(domain::NormalizedMetadata(course, &given)["start_date"], "given");
  for (const char* run :
       {"{}", "null", "[]", "\"\"", "0", "false", "\"x\"", "[1]", "7"}) {
    SCOPED_TRACE(run);
    const Json unusable = Parse(run);
    EXPECT_EQ(domain::NormalizedMetadata(course, &unusable)["start_date"],
              "run a");
  }
}

struct PriceCase {
  std::string name;
  std::string course;
  std::string expected;  // the dumped content_price
};

TEST(NormalizedMetadataTest, ContentPriceDjangoCases) {
  // Django: test_content_price, 7 rows. The factory course with the given
  // entitlements and course_type, the run's prices set, the run passed.
  struct Row {
    std::string first_enrollable_paid_seat_price;
    std::string fixed_price_usd;
    std::string entitlements;
    std::string course_type;
    bool has_advertised_course_run;
    std::string expected;
  };
  const std::string paid_entitlement =
      R"([{"mode": "paid-executive-education", "price": "200.00",
           "currency": "USD", "sku": "1234", "expires": null}])";
  const std::string null_price_entitlement =
      R"([{"mode": "paid-executive-education", "price": null,
           "currency": "USD", "sku": "1234", "expires": null}])";
  const std::vector<Row> rows = {
      {"50", "null", "[]", "verified-audit", true, "50.0"},
      {"null", "null", "[]", "verified-audit", true, "0.0"},
      {"50", R"("100.00")", "[]", "verified-audit", true, "100.0"},
      {"null", "null", paid_entitlement, "executive-education-2u", true,
       "200.0"},
      {"null", "null", null_price_entitlement, "executive-education-2u", true,
       "0.0"},
      {"null", "null", paid_entitlement, "executive-education-2u", false,
       "200.0"},
      {"null", "null", null_price_entitlement, "executive-education-2u", false,
       "0.0"},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    SCOPED_TRACE(i);
    Json course = FactoryCourse();
    course["entitlements"] = Parse(row.entitlements);
    course["course_type"] = row.course_type;
    Json& run = course["course_runs"][0];
    run["fixed_price_usd"] = Parse(row.fixed_price_usd);
    run["first_enrollable_paid_seat_price"] =
        Parse(row.first_enrollable_paid_seat_price);
    if (!row.has_advertised_course_run) {
      course["advertised_course_run_uuid"] = nullptr;
    }
    const Json normalized = Normalize(course, /*pass_first_run=*/true);
    EXPECT_TRUE(normalized["content_price"].is_number_float());
    EXPECT_EQ(normalized["content_price"].dump(), row.expected);
  }
}

TEST(NormalizedMetadataTest, ContentPrice) {
  const auto run_prices = [](const std::string& fixed,
                             const std::string& first) {
    return Cat({R"({"course_runs": [{"fixed_price_usd": )", fixed,
                R"(, "first_enrollable_paid_seat_price": )", first, "}]}"});
  };
  const auto exec_ed = [](const std::string& entitlements,
                          const std::string& runs) {
    return Cat({R"({"course_type": "executive-education-2u", "entitlements": )",
                entitlements, R"(, "course_runs": )", runs, "}"});
  };
  const std::vector<PriceCase> cases = {
      // Python float reprs.
      {"int price", run_prices("null", "2900"), "2900.0"},
      {"float price", run_prices("null", "49.99"), "49.99"},
      {"string price", run_prices(R"("149.00")", "null"), "149.0"},
      {"large price", run_prices(R"("1e16")", "null"), "1e+16"},
      {"small price", run_prices(R"("0.00001")", "null"), "1e-05"},
      {"long int", run_prices("null", "123456789012345678"),
       "1.2345678901234568e+17"},
      {"negative zero", run_prices(R"("-0")", "5"), "-0.0"},
      // Truthiness decides, not the number: "0.00" is a non-empty string.
      {"fixed price 0.00 string wins", run_prices(R"("0.00")", "50"), "0.0"},
      {"fixed price 0 is falsy", run_prices("0", "50"), "50.0"},
      {"fixed price 0.0 is falsy", run_prices("0.0", "50"), "50.0"},
      {"fixed price empty string is falsy", run_prices(R"("")", "50"), "50.0"},
      {"fixed price number", run_prices("100", "50"), "100.0"},
      {"fixed price true is float(True)", run_prices("true", "50"), "1.0"},
      // Python's float() text grammar.
      {"surrounding whitespace", run_prices(R"(" 12.5\n")", "50"), "12.5"},
      {"unicode whitespace", run_prices(R"("\u00a012.5\u3000")", "50"), "12.5"},
      {"underscores between digits", run_prices(R"("1_000.5")", "50"),
       "1000.5"},
      {"leading plus and exponent", run_prices(R"("+2.5E2")", "50"), "250.0"},
      {"trailing dot", run_prices(R"("7.")", "50"), "7.0"},
      {"leading dot", run_prices(R"(".5")", "50"), "0.5"},
      {"negative leading dot", run_prices(R"("-.5")", "50"), "-0.5"},
      {"underflow is zero", run_prices(R"("1e-400")", "50"), "0.0"},
      // What float() rejects, or what JSON cannot hold, does not match.
      {"unparsable text falls through", run_prices(R"("abc")", "50"), "50.0"},
      {"whitespace only falls through", run_prices(R"("  ")", "50"), "50.0"},
      {"double underscore falls through", run_prices(R"("1__0")", "50"),
       "50.0"},
      {"trailing underscore falls through", run_prices(R"("10_")", "50"),
       "50.0"},
      {"hex falls through", run_prices(R"("0x10")", "50"), "50.0"},
      {"bare exponent falls through", run_prices(R"("e5")", "50"), "50.0"},
      {"inf falls through", run_prices(R"("inf")", "50"), "50.0"},
      {"nan falls through", run_prices(R"("NaN")", "50"), "50.0"},
      {"overflow falls through", run_prices(R"("1e400")", "50"), "50.0"},
      {"list falls through", run_prices("[1]", "50"), "50.0"},
      {"object falls through", run_prices(R"({"usd": 1})", "50"), "50.0"},
      {"everything unparsable gives 0.0", run_prices(R"("x")", R"("y")"),
       "0.0"},
      // Entitlements: exec-ed only, the first truthy paid-exec-ed price.
      {"exec-ed entitlement without a run",
       exec_ed(R"([{"mode": "paid-executive-education", "price": "300"}])",
               "[]"),
       "300.0"},
      {"exec-ed fixed price beats entitlement",
       exec_ed(R"([{"mode": "paid-executive-education", "price": "300"}])",
               R"([{"fixed_price_usd": "250"}])"),
       "250.0"},
      {"exec-ed entitlement beats seat price",
       exec_ed(R"([{"mode": "paid-executive-education", "price": "300"}])",
               R"([{"first_enrollable_paid_seat_price": 90}])"),
       "300.0"},
      {"other modes are skipped",
       exec_ed(R"([{"mode": "verified", "price": "10"},
                   {"mode": "paid-executive-education", "price": "300"}])",
               "[]"),
       "300.0"},
      {"a falsy price moves to the next entitlement",
       exec_ed(R"([{"mode": "paid-executive-education", "price": null},
                   {"mode": "paid-executive-education", "price": ""},
                   {"mode": "paid-executive-education", "price": 0},
                   {"mode": "paid-executive-education", "price": "310"}])",
               "[]"),
       "310.0"},
      {"a \"0\" price string is truthy",
       exec_ed(R"([{"mode": "paid-executive-education", "price": "0"},
                   {"mode": "paid-executive-education", "price": "310"}])",
               "[]"),
       "0.0"},
      {"an unparsable price moves to the next entitlement",
       exec_ed(R"([{"mode": "paid-executive-education", "price": "free"},
                   {"mode": "paid-executive-education", "price": "310"}])",
               "[]"),
       "310.0"},
      {"non-exec-ed ignores entitlements",
       R"({"course_type": "verified-audit",
           "entitlements": [{"mode": "paid-executive-education",
                             "price": "300"}], "course_runs": []})",
       "0.0"},
      {"entitlements not an array",
       exec_ed(R"({"mode": "paid-executive-education", "price": "300"})",
               R"([{"first_enrollable_paid_seat_price": 90}])"),
       "90.0"},
      {"non-object entitlements are skipped",
       exec_ed(R"([null, "paid-executive-education",
                   {"mode": "paid-executive-education", "price": 320}])",
               "[]"),
       "320.0"},
  };
  for (const PriceCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Json course = Parse(c.course);
    const Json price =
        domain::NormalizedMetadata(course, nullptr)["content_price"];
    EXPECT_TRUE(price.is_number_float());
    EXPECT_EQ(price.dump(), c.expected);
  }
}

TEST(NormalizedMetadataTest, HostileShapesNeverThrow) {
  for (
      const char* text : {
          "null",
          "[]",
          "\"course\"",
          "5",
          "{}",
          R"({"course_runs": null, "entitlements": null})",
          R"({"course_runs": [null, 1, "x", [], {}]})",
          R"({"course_runs": [{"seats": [null, {"type": null}], "start": 3}]})",
          R"({"course_type": "executive-education-2u", "entitlements": 7,
               "course_runs": [{"enrollment_end": {"a": 1}}]})",
          R"({"advertised_course_run_uuid": {"a": [1, 2]},
               "course_runs": [{"uuid": {"a": [1, 2.0]}, "start": "s"}]})",
      }) {
    SCOPED_TRACE(text);
    const Json course = Parse(text);
    Json normalized;
    EXPECT_NO_THROW(normalized = domain::NormalizedMetadata(course, nullptr));
    EXPECT_EQ(normalized.size(), 5u);
    EXPECT_TRUE(normalized["content_price"].is_number_float());
    Json copy = course;
    EXPECT_NO_THROW(domain::AddNormalizedMetadata(copy));
  }
}

TEST(AddNormalizedMetadataTest, DjangoUpdateFullMetadataCourses) {
  // Django: test_update_full_metadata, courses 2 and 3, after the merge.
  Json course2 = Parse(R"({"key": "edX+testX",
    "advertised_course_run_uuid": "run-2",
    "course_runs": [{"uuid": "run-2", "key": "course-v1:edX+testX+1",
      "start": "2023-03-01T00:00:00Z", "end": "2023-03-01T00:00:00Z",
      "first_enrollable_paid_seat_price": null,
      "seats": [{"type": "verified",
                 "upgrade_deadline": "2023-03-15T00:00:00Z"}],
      "enrollment_start": "2023-02-01T00:00:00Z"}]})");
  domain::AddNormalizedMetadata(course2);
  const std::string expected2 =
      R"({"start_date":"2023-03-01T00:00:00Z","end_date":"2023-03-01T00:00:00Z",)"
      R"("enroll_by_date":"2023-03-15T00:00:00Z",)"
      R"("enroll_start_date":"2023-02-01T00:00:00Z","content_price":0.0})";
  EXPECT_EQ(course2["normalized_metadata"].dump(), expected2);
  EXPECT_EQ(course2["normalized_metadata_by_run"].dump(),
            Cat({R"({"course-v1:edX+testX+1":)", expected2, "}"}));

  Json course3 = Parse(R"({"key": "edX+fooX",
    "course_runs": [{"key": "course-v1:edX+fooX+1", "uuid": "run-3",
      "start": "2023-03-01T00:00:00Z", "end": "2023-03-01T00:00:00Z",
      "first_enrollable_paid_seat_price": 90,
      "seats": [{"type": "verified",
                 "upgrade_deadline": "2023-02-01T00:00:00Z"},
                {"type": "professional",
                 "upgrade_deadline": "2022-02-01T00:00:00Z"}],
      "enrollment_start": "2023-02-01T00:00:00Z"}],
    "advertised_course_run_uuid": "run-3"})");
  domain::AddNormalizedMetadata(course3);
  const std::string expected3 =
      R"({"start_date":"2023-03-01T00:00:00Z","end_date":"2023-03-01T00:00:00Z",)"
      R"("enroll_by_date":"2023-02-01T00:00:00Z",)"
      R"("enroll_start_date":"2023-02-01T00:00:00Z","content_price":90.0})";
  EXPECT_EQ(course3["normalized_metadata"].dump(), expected3);
  EXPECT_EQ(course3["normalized_metadata_by_run"].dump(),
            Cat({R"({"course-v1:edX+fooX+1":)", expected3, "}"}));
}

TEST(AddNormalizedMetadataTest, MemberPositionsAndRunKeys) {
  // An existing normalized_metadata keeps its position and is replaced
  // whole; normalized_metadata_by_run is appended.
  Json course = FactoryCourse();
  domain::AddNormalizedMetadata(course);
  std::vector<std::string> keys;
  for (const auto& [key, value] : course.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "key", "aggregation_key", "uuid", "title",
                      "normalized_metadata", "content_type",
                      "advertised_course_run_uuid", "course_runs",
                      "entitlements", "normalized_metadata_by_run"}));
  EXPECT_EQ(course["normalized_metadata"].dump(),
            R"({"start_date":"2024-02-12T11:00:00Z",)"
            R"("end_date":"2026-02-05T11:00:00Z",)"
            R"("enroll_by_date":"2026-01-26T23:59:59Z",)"
            R"("enroll_start_date":null,"content_price":50.0})");
  EXPECT_EQ(course["normalized_metadata_by_run"].size(), 1u);
  EXPECT_EQ(course["normalized_metadata_by_run"]["course-v1:edX+DemoX+2T2024"],
            course["normalized_metadata"]);

  // Duplicate keys: first position, last value. Runs without a string key
  // are skipped.
  Json runs = Parse(R"({"course_runs": [
    {"key": "a", "start": "a1"}, {"key": "b", "start": "b"},
    {"key": "a", "start": "a2"}, {"start": "no key"}, {"key": 5},
    {"key": null}, "not a run"]})");
  domain::AddNormalizedMetadata(runs);
  const Json& by_run = runs["normalized_metadata_by_run"];
  ASSERT_EQ(by_run.size(), 2u);
  EXPECT_EQ(by_run.begin().key(), "a");
  EXPECT_EQ(by_run["a"]["start_date"], "a2");
  EXPECT_EQ(by_run["b"]["start_date"], "b");
  // The course-level value uses the advertised run: no advertised uuid and
  // no run without a uuid -> the first run without a "uuid" member.
  EXPECT_EQ(runs["normalized_metadata"]["start_date"], "a1");
}

TEST(AddNormalizedMetadataTest, MissingOrInvalidRunsGiveEmptyByRun) {
  for (const char* text :
       {R"({})", R"({"course_runs": null})", R"({"course_runs": {"key": 1}})",
        R"({"course_runs": []})"}) {
    SCOPED_TRACE(text);
    Json course = Parse(text);
    domain::AddNormalizedMetadata(course);
    EXPECT_EQ(course["normalized_metadata_by_run"].dump(), "{}");
    EXPECT_EQ(course["normalized_metadata"]["content_price"].dump(), "0.0");
  }
}

TEST(AddNormalizedMetadataTest, NonObjectIsUnchanged) {
  for (const char* text : {"null", "[1]", "\"x\"", "3"}) {
    Json value = Parse(text);
    domain::AddNormalizedMetadata(value);
    EXPECT_EQ(value.dump(), text);
  }
}

}  // namespace
}  // namespace ec
