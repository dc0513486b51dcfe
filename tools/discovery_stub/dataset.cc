#include "tools/discovery_stub/dataset.h"

#include <utility>

#include "tools/discovery_stub/generator.h"

namespace ec::stub {

std::string_view ContentTypeName(ContentType type) {
  switch (type) {
    case ContentType::kCourse:
      return "course";
    case ContentType::kCourseRun:
      return "courserun";
    case ContentType::kProgram:
      return "program";
    case ContentType::kLearnerPathway:
      return "learnerpathway";
    case ContentType::kPerson:
      return "person";
  }
  return "";
}

std::shared_ptr<const Dataset> Dataset::Generate(const DatasetSpec& spec) {
  GeneratedCatalog catalog = GenerateCatalog(spec);
  auto data = std::shared_ptr<Dataset>(new Dataset());
  data->spec_ = spec;
  data->pool_ = std::move(catalog.pool);
  data->tables_ = std::move(catalog.tables);
  data->docs_ = std::move(catalog.docs);
  return data;
}

}  // namespace ec::stub
