#pragma once

// What the generator draws before it renders any document: courses with
// their runs, programs and persons, indices into the vocabulary rather than
// strings where they can be. A course's model outlives generation (the
// Document keeps it) so that removing a run can rebuild the course.

#include <algorithm>
#include <cstdint>
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
  std::optional<int> price;
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
  std::vector<int> courses;  // indices into the course models
};

// Draws a run of course `c` starting at `start`, with staff among the first
// `persons` persons.
RunModel MakeRun(const CourseModel& c, int64_t start, int persons, int64_t now,
                 Rng* rng);

}  // namespace ec::stub
