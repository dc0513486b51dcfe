#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec::stub {

class QueryParams;

// 2026-09-01T00:00:00Z. The dataset has its own fixed clock so that the same
// seed always yields byte-identical documents and the same expired runs.
inline constexpr int64_t kDefaultDatasetNow = 1788220800;

// What to generate. Same spec (seed included) -> byte-identical documents.
struct DatasetSpec {
  uint64_t seed = 1;
  int courses = 200, runs = 480, programs = 20, pathways = 5, persons = 10;
  // Target size of each top-level document's JSON, rendered with default
  // flags (approximate: padded through full_description / overview / bio and
  // skills; a course with many runs can exceed max_doc_bytes).
  int min_doc_bytes = 5000, max_doc_bytes = 25000;
  // The stand-in's "now" (Unix seconds): run dates, availability, expiry and
  // is_enrollable are all computed against it, never the wall clock.
  int64_t now_unix_seconds = kDefaultDatasetNow;
};

enum class ContentType : uint8_t {
  kCourse,
  kCourseRun,
  kProgram,
  kLearnerPathway,
  kPerson
};
inline constexpr size_t kContentTypeCount = 5;

// "course", "courserun", "program", "learnerpathway", "person".
std::string_view ContentTypeName(ContentType type);

// Keyword-like filter fields (reference §2.2). Values of `.lower` fields are
// stored lower-cased; booleans as "true"/"false". An empty list means the
// document lacks the field.
enum class TermField : uint8_t {
  kAggregationKey,
  kContentType,
  kPartner,  // .lower
  kOrg,      // .lower
  kKeyRaw,
  kStatus,
  kAvailability,
  kLevelType,
  kAuthoringOrganizations,  // .lower, "KEY: Name"
  kAuthoringOrganizationUuids,
  kSubjectUuids,
  kCourseType,
  kProductSource,
  kExternalCourseMarketingType,
  kEnterpriseSubscriptionInclusion,  // bool
  kCourseEnds,
  kLanguages,
  kPacingType,
  kNumber,
  kType,                // .lower: run type_legacy or program type name
  kIsActive,            // bool
  kHasEnrollableSeats,  // bool
  kHidden,              // bool
  kPublished,           // bool
  kSkillNames,
};
inline constexpr size_t kTermFieldCount = 25;

// Numeric and date fields; dates as Unix seconds.
enum class NumField : uint8_t {
  kFirstEnrollablePaidSeatPrice,
  kStart,
  kEnd,
  kEndDate,
};
inline constexpr size_t kNumFieldCount = 4;

// A course run as nested in its course's `course_runs`, with what the
// request-dependent selection (§3.2) needs.
struct NestedRun {
  std::string key;
  // `{"key":...,"fixed_price_usd":...` without the closing brace.
  std::string json;
  // `,"staff":[...],"content_language":...` (only with detail_fields).
  std::string detail_json;
  std::optional<int64_t> end;
  std::string restriction_type;  // "" = unrestricted
  std::string status, pacing_type, availability, title;
  std::string language;  // "" = none
  std::vector<std::string> seat_types;
  bool enrollable = false;
  bool marketable = false;
};

struct CourseModel;
struct ProgramModel;

// One top-level search/all document: what filters read and what the
// serializer writes. Immutable once in a Dataset.
struct Document {
  ContentType type = ContentType::kCourse;
  // The content key a consumer stores: `key`, or `uuid` for programs,
  // learner pathways and persons.
  std::string key;
  std::string aggregation_key;
  std::string restriction_type;  // courserun documents; "" = unrestricted
  // Sort values of `start`: a course holds all its visible runs' starts.
  std::optional<int64_t> min_start, max_start;
  int revision = 0;
  // Courses: their `modified` (Unix seconds), as search/all shows it with
  // detail_fields or include_modified and /api/v1/courses/ always. A change
  // to the course's document moves it later.
  int64_t modified = 0;

  std::array<std::vector<std::string>, kTermFieldCount> terms;
  std::array<std::vector<double>, kNumFieldCount> numbers;
  std::vector<std::string> key_tokens;  // `key` (text field)
  std::string short_description;
  // What free-text `q` searches besides key and title (§2.4, approximated).
  std::string title;
  std::string search_text;

  // Rendering: head + padding + revision marker + tail. `padding` points
  // into the owning Dataset's text pool.
  std::string head;
  std::string_view padding;
  std::string tail;
  // Courses only: the request-dependent parts (see RenderDocument).
  std::vector<NestedRun> runs;
  std::vector<std::string> course_parts;
  std::shared_ptr<const CourseModel> course_model;
  // Programs only: what /api/v1/programs/ renders.
  std::shared_ptr<const ProgramModel> program_model;
};

// Request flags that change how documents are serialized (§3.2).
struct RenderOptions {
  int64_t now = kDefaultDatasetNow;
  bool exclude_expired = false;
  bool detail_fields = false;
  // include_modified: a course carries `modified` (detail_fields adds it
  // too).
  bool include_modified = false;
  // Restriction types named by include_restricted.
  std::vector<std::string> include_restricted;
  // All request parameters, for should_include_course_run's quirk (a run
  // whose attribute equals a value of a same-named parameter is kept even
  // when expired). May be null.
  const QueryParams* params = nullptr;
};

// Appends the compact JSON of `doc` to `out`.
void RenderDocument(const Document& doc, const RenderOptions& options,
                    std::string* out);

struct Tables;

// An immutable generated catalog. Share through shared_ptr<const Dataset>;
// changes produce a new Dataset that shares unchanged documents.
class Dataset {
 public:
  // Generates the catalog of `spec`. Deterministic in `spec`.
  static std::shared_ptr<const Dataset> Generate(const DatasetSpec& spec);

  // Returns a copy in which round(fraction * N) documents (at least one when
  // fraction > 0), chosen with `seed` among the documents a default crawl
  // serves (all but restricted courserun documents), have a new revision:
  // courses and runs in full_description, programs in subtitle, pathways in
  // overview, persons in bio. A changed course also gets a later `modified`.
  // Nothing any filter reads changes, and a course's nested course_runs are
  // untouched. `keys` gets the changed content keys.
  std::shared_ptr<const Dataset> WithMutated(
      double fraction, uint64_t seed, std::vector<std::string>* keys) const;

  // Returns a copy without round(fraction * N) documents chosen as in
  // WithMutated. A removed course takes all its runs with it; a removed run
  // also leaves its course's course_runs (so that course's document and
  // course-level fields change, and so does its `modified`). `keys` gets
  // every content key that no longer exists anywhere, sorted.
  std::shared_ptr<const Dataset> WithRemoved(
      double fraction, uint64_t seed, std::vector<std::string>* keys) const;

  // Returns a copy in which the courses named by `course_keys` have a new
  // revision (full_description) and a later `modified`, as WithMutated
  // changes a course. `existing` gets the keys that name a course, sorted
  // and without duplicates.
  std::shared_ptr<const Dataset> WithMutatedCourses(
      const std::vector<std::string>& course_keys,
      std::vector<std::string>* existing) const;

  const DatasetSpec& spec() const { return spec_; }
  // The fragments the documents share (organizations, skills, persons).
  const Tables& tables() const { return *tables_; }
  int64_t now() const { return spec_.now_unix_seconds; }
  const std::vector<std::shared_ptr<const Document>>& docs() const {
    return docs_;
  }

 private:
  Dataset() = default;
  std::vector<size_t> ChooseServed(double fraction, uint64_t seed) const;

  DatasetSpec spec_;
  std::shared_ptr<const std::string> pool_;
  std::shared_ptr<const Tables> tables_;
  std::vector<std::shared_ptr<const Document>> docs_;
};

}  // namespace ec::stub
