// Dataset::WithMutated and WithRemoved: new snapshots that share every
// document they do not change.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/rng.h"

namespace ec::stub {
namespace {

// A changed course's `modified`: a minute after the later of its old value
// and the dataset's clock, so every change moves it.
int64_t Bumped(int64_t modified, int64_t now) {
  return std::max(modified, now) + 60;
}

}  // namespace

std::vector<size_t> Dataset::ChooseServed(double fraction,
                                          uint64_t seed) const {
  std::vector<size_t> population;
  for (size_t i = 0; i < docs_.size(); ++i) {
    const Document& d = *docs_[i];
    if (d.type == ContentType::kCourseRun && !d.restriction_type.empty())
      continue;
    population.push_back(i);
  }
  if (population.empty() || !(fraction > 0)) return {};
  auto count = static_cast<size_t>(std::llround(
      std::min(1.0, fraction) * static_cast<double>(population.size())));
  count = std::clamp<size_t>(count, 1, population.size());
  Rng rng(seed ^ 0x5eed5eed5eed5eedULL);
  for (size_t i = 0; i < count; ++i) {
    std::swap(population[i], population[i + rng.Below(population.size() - i)]);
  }
  population.resize(count);
  std::sort(population.begin(), population.end());
  return population;
}

std::shared_ptr<const Dataset> Dataset::WithMutated(
    double fraction, uint64_t seed, std::vector<std::string>* keys) const {
  auto next = std::shared_ptr<Dataset>(new Dataset(*this));
  keys->clear();
  for (const size_t i : ChooseServed(fraction, seed)) {
    auto changed = std::make_shared<Document>(*docs_[i]);
    ++changed->revision;
    if (changed->type == ContentType::kCourse) {
      changed->modified = Bumped(changed->modified, now());
    }
    keys->push_back(changed->key);
    next->docs_[i] = std::move(changed);
  }
  std::sort(keys->begin(), keys->end());
  return next;
}

std::shared_ptr<const Dataset> Dataset::WithMutatedCourses(
    const std::vector<std::string>& course_keys,
    std::vector<std::string>* existing) const {
  const std::set<std::string> wanted(course_keys.begin(), course_keys.end());
  auto next = std::shared_ptr<Dataset>(new Dataset(*this));
  existing->clear();
  for (size_t i = 0; i < docs_.size(); ++i) {
    const Document& d = *docs_[i];
    if (d.type != ContentType::kCourse || !wanted.contains(d.key)) continue;
    auto changed = std::make_shared<Document>(d);
    ++changed->revision;
    changed->modified = Bumped(changed->modified, now());
    existing->push_back(changed->key);
    next->docs_[i] = std::move(changed);
  }
  std::sort(existing->begin(), existing->end());
  existing->erase(std::unique(existing->begin(), existing->end()),
                  existing->end());
  return next;
}

std::shared_ptr<const Dataset> Dataset::WithRemoved(
    double fraction, uint64_t seed, std::vector<std::string>* keys) const {
  std::set<std::string> removed_keys;
  std::set<std::string> removed_courses;
  std::map<std::string, std::set<std::string>> removed_runs_by_course;
  std::vector<bool> drop(docs_.size(), false);
  for (const size_t i : ChooseServed(fraction, seed)) {
    const Document& d = *docs_[i];
    drop[i] = true;
    removed_keys.insert(d.key);
    if (d.type == ContentType::kCourse) {
      removed_courses.insert(d.key);
      for (const NestedRun& r : d.runs) removed_keys.insert(r.key);
    } else if (d.type == ContentType::kCourseRun) {
      removed_runs_by_course[d.aggregation_key.substr(sizeof("courserun:") - 1)]
          .insert(d.key);
    }
  }
  auto next = std::shared_ptr<Dataset>(new Dataset(*this));
  next->docs_.clear();
  for (size_t i = 0; i < docs_.size(); ++i) {
    const Document& d = *docs_[i];
    if (drop[i]) continue;
    if (d.type == ContentType::kCourseRun &&
        removed_courses.contains(
            d.aggregation_key.substr(sizeof("courserun:") - 1))) {
      continue;  // its course went, and took it along
    }
    if (d.type == ContentType::kCourse &&
        removed_runs_by_course.contains(d.key)) {
      const std::set<std::string>& gone = removed_runs_by_course[d.key];
      auto model = std::make_shared<CourseModel>(*d.course_model);
      std::erase_if(model->runs,
                    [&](const RunModel& r) { return gone.contains(r.key); });
      std::shared_ptr<Document> rebuilt = BuildCourse(model, *tables_, now());
      rebuilt->revision = d.revision;
      rebuilt->modified = Bumped(d.modified, now());
      next->docs_.push_back(std::move(rebuilt));
      continue;
    }
    next->docs_.push_back(docs_[i]);
  }
  keys->assign(removed_keys.begin(), removed_keys.end());
  return next;
}

}  // namespace ec::stub
