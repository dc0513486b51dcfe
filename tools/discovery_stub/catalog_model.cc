#include "tools/discovery_stub/catalog_model.h"

#include <algorithm>
#include <cmath>

#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

// Run term from its start month: 1T Jan-Apr, 2T May-Aug, 3T Sep-Dec.
std::string RunTerm(int64_t start) {
  return Cat((MonthOf(start) - 1) / 4 + 1, "T", YearOf(start));
}

std::string Availability(const RunModel& r, int64_t now) {
  if (r.Ended(now)) return "Archived";
  if (r.start <= now) return "Current";
  if (r.start - 60 * kSecondsPerDay < now) return "Starting Soon";
  return "Upcoming";
}

}  // namespace

RunModel MakeRun(const CourseModel& c, int64_t start, int persons, int64_t now,
                 Rng* rng) {
  RunModel r;
  r.start = start;
  r.key = Cat("course-v1:", c.key, "+", RunTerm(start));
  r.uuid = rng->Uuid();
  r.sku = rng->HexUpper(7);
  r.weeks = rng->Int(4, 16);
  r.pacing_type = rng->Chance(0.45) ? "self_paced" : "instructor_paced";
  if (!rng->Chance(0.03)) {
    const int64_t length =
        r.pacing_type == "self_paced"
            ? rng->Range(180, 730) * kSecondsPerDay
            : r.weeks * 7 * kSecondsPerDay + rng->Range(0, 60) * kSecondsPerDay;
    r.end = start + length;
  }
  if (!rng->Chance(0.1))
    r.enrollment_start = start - rng->Range(14, 90) * kSecondsPerDay;
  if (r.end && rng->Chance(0.6)) r.enrollment_end = r.end;
  if (rng->Chance(0.25)) r.go_live = start - 7 * kSecondsPerDay;
  r.modified = std::min(now, start + rng->Range(-120, 400) * kSecondsPerDay) -
               rng->Range(0, 86399);
  r.status = std::string(rng->Choice({{"published", 78},
                                      {"unpublished", 12},
                                      {"reviewed", 4},
                                      {"review_by_internal", 3},
                                      {"review_by_legal", 3}}));
  r.type_legacy = std::string(rng->Choice({{"verified", 70},
                                           {"audit", 12},
                                           {"professional", 8},
                                           {"credit", 4},
                                           {"honor", 3},
                                           {"", 3}}));
  if (r.type_legacy == "verified") {
    r.seat_types = {"audit", "verified"};
  } else if (r.type_legacy == "audit") {
    r.seat_types = {"audit"};
  } else if (r.type_legacy == "professional") {
    r.seat_types = {"professional"};
  } else if (r.type_legacy == "credit") {
    r.seat_types = {"audit", "verified", "credit"};
  } else if (r.type_legacy == "honor") {
    r.seat_types = {"honor"};
  }
  static constexpr int kPrices[] = {49,  99,  149, 199, 249,
                                    299, 349, 399, 499, 999};
  const bool paid = r.type_legacy == "verified" ||
                    r.type_legacy == "professional" ||
                    r.type_legacy == "credit";
  const int price = rng->Pick(kPrices);
  r.list_price = price;
  if (paid && !r.Ended(now)) r.price = price;
  r.restriction_type = std::string(
      rng->Choice({{"", 95}, {"custom-b2b-enterprise", 3}, {"custom-b2c", 2}}));
  r.marketable = !rng->Chance(0.03);
  r.hidden = rng->Chance(0.04);
  r.mobile = rng->Chance(0.7);
  r.min_effort = rng->Int(2, 6);
  r.max_effort = r.min_effort + rng->Int(1, 6);
  r.spanish_transcript = rng->Chance(0.2);
  r.language = rng->Chance(0.95)
                   ? c.language
                   : static_cast<int>(rng->Weighted(
                         kVocabLanguages,
                         [](const VocabLanguage& l) { return l.weight; }));
  r.enrollable = (!r.enrollment_start || *r.enrollment_start <= now) &&
                 (!r.enrollment_end || *r.enrollment_end > now);
  r.availability = Availability(r, now);
  if (persons > 0) {
    const int staff = rng->Int(1, std::min(3, persons));
    for (int i = 0; i < staff; ++i) {
      AddUnique(&r.staff,
                static_cast<int>(rng->Below(static_cast<uint64_t>(persons))));
    }
  }
  return r;
}

void AddInclusionRuleContent(
    uint64_t seed, const std::vector<std::shared_ptr<CourseModel>>& courses) {
  if (courses.size() < 20) return;
  Rng rng(seed ^ 0x1c1d5e0b5e55ed01ULL);
  std::vector<size_t> ordinary;
  bool bootcamp = false, exec_ed = false;
  for (size_t i = 0; i < courses.size(); ++i) {
    const CourseModel& c = *courses[i];
    bootcamp = bootcamp || c.course_type == "bootcamp-2u";
    exec_ed = exec_ed || c.course_type == "executive-education-2u";
    if (c.product_source == "edx") ordinary.push_back(i);
  }
  for (size_t i = ordinary.size(); i > 1; --i) {
    std::swap(ordinary[i - 1], ordinary[rng.Below(i)]);
  }
  const auto each = static_cast<size_t>(std::max<int64_t>(
      1, std::llround(0.03 * static_cast<double>(courses.size()))));
  size_t next = 0;
  auto take = [&]() -> CourseModel* {
    return next < ordinary.size() ? courses[ordinary[next++]].get() : nullptr;
  };
  auto make_external = [&](CourseModel* c, std::string_view type,
                           std::string_view source) {
    c->course_type = std::string(type);
    c->product_source = std::string(source);
    c->fixed_price = static_cast<double>(rng.Int(20, 60) * 100 - 10);
    c->subscription_inclusion = false;
    c->marketing_type =
        type == "executive-education-2u"
            ? std::string(rng.Choice(
                  {{"short_course", 6}, {"sprint", 2}, {"course_stack", 2}}))
            : std::string();
  };
  for (size_t k = 0; k < each; ++k) {
    if (CourseModel* c = take()) c->course_type = "empty";
  }
  for (size_t k = 0; k < each; ++k) {
    if (CourseModel* c = take()) {
      make_external(c, "executive-education-2u", "emeritus");
    }
  }
  if (!bootcamp) {
    if (CourseModel* c = take()) make_external(c, "bootcamp-2u", "2u");
  }
  if (!exec_ed) {
    if (CourseModel* c = take()) {
      make_external(c, "executive-education-2u", "2u");
    }
  }
}

}  // namespace ec::stub
