#pragma once

// Builds the top-level search/all documents (§3) from the catalog model: the
// filter values a Document holds and its pre-rendered JSON, cut where the
// padding and the request-dependent parts go (see RenderDocument).
// Implemented per document type in course_documents.cc (courses and course
// runs), program_documents.cc, pathway_documents.cc and person_documents.cc;
// the helpers they share are in document_fields.cc.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/json_writer.h"

namespace ec::stub {

class Rng;

// A course document, with its nested runs. `now` decides course_ends.
std::shared_ptr<Document> BuildCourse(
    const std::shared_ptr<const CourseModel>& model, const Tables& t,
    int64_t now);

// A courserun document for run `r` of course `c`; `program_types` are the
// types of the programs holding the course.
std::shared_ptr<Document> BuildRun(
    const CourseModel& c, const RunModel& r,
    const std::vector<std::string>& program_types, const Tables& t,
    int64_t now);

// A program document with `skills`. Draws its effort and degree figures
// from `rng`.
std::shared_ptr<Document> BuildProgram(
    const ProgramModel& p,
    const std::vector<std::shared_ptr<CourseModel>>& courses,
    const std::vector<int>& skills, const Tables& t, Rng* rng);

// The `index`-th learner pathway, drawn from `rng`: its steps embed courses
// and programs as they are now (a later removal leaves them stale, as a
// lagging index would). No padding yet.
std::shared_ptr<Document> BuildPathway(
    int index, const std::vector<std::shared_ptr<CourseModel>>& courses,
    const std::vector<ProgramModel>& programs, const Tables& t, int64_t now,
    Rng* rng);

// A person document. No padding yet.
std::shared_ptr<Document> BuildPerson(const PersonModel& p);

// The minimal person dict that course runs embed as `staff`.
std::string PersonMinimalJson(const PersonModel& p);

// Shared by the builders.

void SetTerm(Document* doc, TermField field, std::vector<std::string> values);
void SetTerm(Document* doc, TermField field, std::string value);
std::vector<double>& NumValues(Document* doc, NumField field);
// aggregation_key, content_type and (lower-cased) partner.
void SetCommonTerms(Document* doc, std::string_view partner);
// Splits `json`, rendered with one marker where the padding goes, into the
// document's head and tail.
void SetHeadTail(Document* doc, const std::string& json);

// A boolean as the index holds it: "true" or "false".
std::string BoolTerm(bool value);
// "KEY: Name" of organization `org`, as authoring_organizations holds it.
std::string OrgLabel(int org);
std::string LogoUrl(int org);
// Lower-case letters and digits, other runs of bytes as one '-'.
std::string Slugify(std::string_view text);
std::vector<std::string> SkillNames(const std::vector<int>& skills);
// "skills": the full dicts, or {name, description} when `short_form`.
void WriteSkills(JsonWriter* w, const std::vector<int>& skills, const Tables& t,
                 bool short_form);

// The size of `doc` rendered with default flags, which is what the padding
// is measured against.
size_t RenderedSize(const Document& doc, int64_t now);

}  // namespace ec::stub
