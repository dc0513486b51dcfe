#pragma once

// What the generator draws before it renders any document: courses with
// their runs, programs and persons, indices into the vocabulary rather than
// strings where they can be. A course's model outlives generation (the
// Document keeps it) so that removing a run can rebuild the course.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec::stub {

class Rng;

// Appends `value` unless `values` holds it: the generated lists keep the
// order of first appearance, as the real serializer's do.
template <typename T>
void AddUnique(std::vector<T>* values, const T& value) {
  if (std::find(values->begin(), values->end(), value) == values->end()) {
    values->push_back(value);
  }
}

// Per-dataset pre-rendered fragments shared by many documents.
struct Tables {
  std::vector<std::string>
      skill_json;  // {name, description, category, subcategory}
  std::vector<std::string> skill_short_json;  // {name, description}
  std::vector<std::string> org_json;          // OrganizationSerializer dict
  // The minimal organization dict /api/v1/programs/ embeds.
  std::vector<std::string> org_minimal_json;
  std::vector<std::string> person_uuid;
  std::vector<std::string> person_minimal_json;
};

struct RunModel {
  std::string key, uuid, sku;
  int64_t start = 0;
  std::optional<int64_t> end, enrollment_start, enrollment_end, go_live;
  int64_t modified = 0;
  std::string availability, status, pacing_type, type_legacy, restriction_type;
  int language = 0;  // index into kVocabLanguages
  bool spanish_transcript = false;
  int min_effort = 0, max_effort = 0, weeks = 0;
  std::optional<int> price;  // the paid seat's price while the run is not over
  int list_price = 0;        // the paid seat's price, over or not
  bool hidden = false, marketable = true, mobile = true, enrollable = false;
  std::vector<std::string> seat_types;
  std::vector<int> staff;  // person indices
  int target_bytes = 0;

  bool Ended(int64_t now) const { return end && *end <= now; }
};

struct CourseModel {
  std::string key, uuid, number, title, short_description, image_url,
      card_image_url, outcome;
  // Indices into kVocabOrgs and kVocabTopics; sponsor -1 = none.
  int org = 0, topic = 0, sponsor = -1;
  int language = 0;  // index into kVocabLanguages; most runs use it
  // course_type as discovery's slug ("verified-audit", ...,
  // "executive-education-2u", "bootcamp-2u", "empty"); product_source "edx",
  // "2u" or "emeritus" (generator.cc, AddInclusionRuleContent).
  std::string level_type, course_type, product_source, marketing_type,
      course_length;
  std::optional<bool> subscription_inclusion;
  std::optional<double> fixed_price;
  std::vector<int> subjects, skills;
  int64_t modified = 0;
  std::vector<RunModel> runs;  // DB order (by start)
  std::string_view padding;
  int target_bytes = 0;
};

struct PersonModel {
  std::string uuid, given, family, salutation, position;
  int org = 0;  // index into kVocabOrgs
};

struct ProgramModel {
  std::string uuid, title, subtitle, type, status, marketing_url,
      card_image_url;
  int org = 0, second_org = -1;  // indices into kVocabOrgs; -1 = none
  bool hidden = false;
  std::vector<int> courses;              // indices into the course models
  std::vector<std::string> course_keys;  // the same courses' keys
};

// Content enterprise-catalog's inclusion rule rejects or singles out
// (/work/shared/reference/django-rules.md §1), so that every dataset of 20
// courses or more has some: round(3%) of the ordinary edX courses (product
// source "edx") get course_type "empty", as many more become
// "executive-education-2u" courses of product source "emeritus", and when
// the draws gave no "bootcamp-2u" or no "executive-education-2u" course, an
// edX course becomes one. Draws from its own stream, seeded by `seed`, so
// every other value of a dataset stays as it was.
void AddInclusionRuleContent(
    uint64_t seed, const std::vector<std::shared_ptr<CourseModel>>& courses);

// Draws a run of course `c` starting at `start`, with staff among the first
// `persons` persons.
RunModel MakeRun(const CourseModel& c, int64_t start, int persons, int64_t now,
                 Rng* rng);

}  // namespace ec::stub
