#include "tools/discovery_stub/catalog_index.h"

#include <algorithm>

#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

CatalogIndex::CatalogIndex(const Dataset& dataset)
    : on_site_(dataset.docs().size(), false) {
  const auto& docs = dataset.docs();
  for (size_t i = 0; i < docs.size(); ++i) {
    const Document& d = *docs[i];
    const auto index = static_cast<uint32_t>(i);
    if (d.type == ContentType::kCourse && d.course_model != nullptr) {
      course_by_key_.emplace(d.key, index);
      course_by_uuid_.emplace(d.course_model->uuid, index);
      on_site_[i] = kVocabOrgs[d.course_model->org].partner == kSitePartner;
      if (on_site_[i]) site_courses_.push_back(index);
    } else if (d.type == ContentType::kProgram && d.program_model != nullptr) {
      program_by_uuid_.emplace(d.key, index);
      on_site_[i] = kVocabOrgs[d.program_model->org].partner == kSitePartner;
      if (on_site_[i]) site_programs_.push_back(index);
      for (const std::string& key : d.program_model->course_keys) {
        programs_of_[key].push_back(index);
      }
    }
  }
  std::sort(
      site_courses_.begin(), site_courses_.end(),
      [&](uint32_t a, uint32_t b) { return docs[a]->key < docs[b]->key; });
}

namespace {

const uint32_t* Find(const absl::flat_hash_map<std::string, uint32_t>& map,
                     std::string_view key) {
  auto it = map.find(std::string(key));
  return it == map.end() ? nullptr : &it->second;
}

}  // namespace

const uint32_t* CatalogIndex::CourseByKey(std::string_view key) const {
  return Find(course_by_key_, key);
}

const uint32_t* CatalogIndex::CourseByUuid(std::string_view uuid) const {
  return Find(course_by_uuid_, uuid);
}

const uint32_t* CatalogIndex::ProgramByUuid(std::string_view uuid) const {
  return Find(program_by_uuid_, uuid);
}

const CatalogIndex::Indices& CatalogIndex::ProgramsOf(
    std::string_view key) const {
  static const Indices* const kNone = new Indices();
  auto it = programs_of_.find(std::string(key));
  return it == programs_of_.end() ? *kNone : it->second;
}

bool CatalogIndex::OnSite(uint32_t index) const {
  return index < on_site_.size() && on_site_[index];
}

}  // namespace ec::stub
