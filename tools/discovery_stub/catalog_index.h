#pragma once

// Lookups over one dataset snapshot for /api/v1/courses/ and
// /api/v1/programs/ (full_endpoint.cc): documents by key and uuid, the
// programs that hold each course, and the site partner's courses in key
// order. Built once per snapshot, with the Searcher that owns it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tools/discovery_stub/dataset.h"

namespace ec::stub {

// The partner of the site the stand-in plays: /api/v1/courses/ and
// /api/v1/programs/ serve only its content (reference §4), and a GET
// search/all without `partner` filters on it.
inline constexpr std::string_view kSitePartner = "edx";

class CatalogIndex {
 public:
  using Indices = std::vector<uint32_t>;  // indices into dataset.docs()

  explicit CatalogIndex(const Dataset& dataset);

  // The site partner's course documents, by key ascending (byte order).
  const Indices& site_courses() const { return site_courses_; }
  // The site partner's program documents, in dataset order.
  const Indices& site_programs() const { return site_programs_; }

  // Any partner's course document by key or by uuid; nullptr if none.
  const uint32_t* CourseByKey(std::string_view key) const;
  const uint32_t* CourseByUuid(std::string_view uuid) const;
  // Any partner's program document by uuid; nullptr if none.
  const uint32_t* ProgramByUuid(std::string_view uuid) const;
  // The program documents that hold course `key`, in dataset order.
  const Indices& ProgramsOf(std::string_view key) const;

  // Whether document `index` (a course or program) belongs to the site
  // partner.
  bool OnSite(uint32_t index) const;

 private:
  Indices site_courses_, site_programs_;
  absl::flat_hash_map<std::string, uint32_t> course_by_key_, course_by_uuid_,
      program_by_uuid_;
  absl::flat_hash_map<std::string, Indices> programs_of_;
  std::vector<bool> on_site_;
};

}  // namespace ec::stub
