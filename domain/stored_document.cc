#include "domain/stored_document.h"

#include "domain/content_merge.h"
#include "domain/normalized_metadata.h"
#include "nlohmann/json.hpp"

namespace ec::domain {
namespace {

using Json = nlohmann::ordered_json;

Json ParseObject(std::string_view text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : Json();
}

}  // namespace

bool WantsFullDocument(const ContentRecord& record) {
  return !record.derived &&
         (record.content_type == "course" || record.content_type == "program");
}

StoredDocumentUpdate MergeCrawlRecord(const ContentRecord& record,
                                      bool stored_derived,
                                      std::string_view stored_json) {
  StoredDocumentUpdate out;
  out.full_wanted = WantsFullDocument(record);
  out.title = record.title;
  if (stored_derived && !record.derived) {
    out.json_metadata = record.json_metadata;
    return out;
  }
  Json stored = ParseObject(stored_json);
  const Json entry = ParseObject(record.json_metadata);
  if (stored.is_null() || entry.is_null()) {
    out.json_metadata = record.json_metadata;
    return out;
  }
  const bool course = record.content_type == "course";
  for (const char* name : {"title", "name"}) {
    const auto it = stored.find(name);
    if (it != stored.end() && it->is_string() &&
        !it->get_ref<const std::string&>().empty()) {
      out.title = it->get<std::string>();
      break;
    }
  }
  if (course && SameDiscoveryModified(stored, entry)) {
    out.json_metadata = std::string(stored_json);
    out.full_wanted = false;
    return out;
  }
  MergeSearchEntry(stored, entry, record.content_type);
  if (course) AddNormalizedMetadata(stored);
  // dump() cannot throw here: both documents were parsed from valid UTF-8.
  out.json_metadata = stored.dump();
  return out;
}

}  // namespace ec::domain
