#pragma once

// The documents of /api/v1/courses/ (CourseWithProgramsSerializer) and
// /api/v1/programs/?extended=True (MinimalExtendedProgramSerializer),
// reference §4. They are rendered per request from the snapshot's course
// and program documents and their models, so they agree with search/all:
// the same keys, uuids, titles, types, dates and prices, the same
// full_description (revision included) and the same `modified`. Values
// search/all does not show (seat SKUs, counts) are drawn from an RNG seeded
// by the dataset seed and the content key, so they never change.
// Implemented in full_course_documents.cc and full_program_documents.cc.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/discovery_stub/catalog_index.h"
#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/json_writer.h"
#include "tools/discovery_stub/rng.h"

namespace ec::stub {

// The request flags that decide which runs a course shows.
struct FullRenderOptions {
  // Restriction types named by include_restricted; other restricted runs
  // are left out.
  std::vector<std::string> include_restricted;
  // include_hidden_course_runs: hidden runs are left out unless set.
  bool include_hidden = false;
};

// The runs of `c` /api/v1/courses/ shows, in DB order (by start).
std::vector<const RunModel*> ServedRuns(const CourseModel& c,
                                        const FullRenderOptions& options);

// Appends course document `course`'s /api/v1/courses/ dict.
void RenderFullCourse(const Dataset& dataset, const CatalogIndex& index,
                      const Document& course, const FullRenderOptions& options,
                      std::string* out);

// Appends program document `program`'s /api/v1/programs/?extended=True
// dict.
void RenderExtendedProgram(const Dataset& dataset, const CatalogIndex& index,
                           const Document& program,
                           const FullRenderOptions& options, std::string* out);

// Shared by the two renderers.

// MinimalProgramCourseSerializer's fields (key ... course_run_statuses),
// which CourseWithProgramsSerializer starts with too; runs are full
// CourseRunSerializer dicts when `full`, else minimal ones.
void WriteMinimalCourseFields(const Dataset& dataset, const Document& course,
                              const FullRenderOptions& options, bool full,
                              JsonWriter* w);
// A program as a course's `programs` lists it: {uuid, title, type,
// type_attrs, marketing_slug, marketing_url, number_of_courses}.
void WriteNestedProgram(const CatalogIndex& index, const ProgramModel& p,
                        JsonWriter* w);
// `full_description` as search/all shows it: "<p>" padding, revision, "</p>".
std::string FullDescription(const Document& doc);
// A price as DRF writes a DecimalField: "49.00".
std::string Money(double amount);
// An RNG for values search/all does not show, fixed by the dataset seed and
// `key` (FNV-1a), so they stay the same whatever else is asked.
Rng KeyedRng(uint64_t seed, std::string_view key);
// Stable uuid for `name` (a course type, a run type, a program type).
std::string NamedUuid(std::string_view name);

}  // namespace ec::stub
