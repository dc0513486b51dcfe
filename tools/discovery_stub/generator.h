#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/discovery_stub/dataset.h"

namespace ec::stub {

// What Dataset::Generate wraps: the documents, and what they point into.
struct GeneratedCatalog {
  std::shared_ptr<const std::string> pool;  // the padding's prose
  std::shared_ptr<const Tables> tables;
  std::vector<std::shared_ptr<const Document>> docs;
};

// Draws the catalog of `spec`: persons, courses, runs and programs first,
// then the documents. Every step draws from one RNG stream in a fixed order,
// which is what makes a seed reproducible.
GeneratedCatalog GenerateCatalog(const DatasetSpec& spec);

}  // namespace ec::stub
