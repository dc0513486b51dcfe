#pragma once

#include <string>
#include <string_view>

#include "domain/content.h"

namespace ec::domain {

// What a crawl's record makes of a stored row that already exists.
struct StoredDocumentUpdate {
  // The document to store (the stored one, unchanged, when the record
  // brings nothing new).
  std::string json_metadata;
  // The stored document's "title" (or "name"): a course keeps its title
  // when the record's differs, as its document does.
  std::string title;
  // The record asks for the row's full document to be fetched again.
  bool full_wanted = false;
};

// The stored document after a crawl's `record` reached a row that exists
// with `stored_json` (django-rules.md §2, with this service's derived runs):
//   - a full document replaces a run known only from its course, whole;
//   - a course whose discovery "modified" did not change keeps its document
//     (Django's _should_skip_course_update);
//   - otherwise the record is merged in: a course takes only the truthy
//     plucked search/all fields, anything else takes the whole record; keys
//     are never deleted; a course's normalized metadata is computed again.
// A stored document that is not a JSON object (never written by this
// service) is replaced by the record. Never throws.
StoredDocumentUpdate MergeCrawlRecord(const ContentRecord& record,
                                      bool stored_derived,
                                      std::string_view stored_json);

// Whether the full pass fetches this kind of row: courses and programs with
// a document of their own (not runs known only from their course).
bool WantsFullDocument(const ContentRecord& record);

}  // namespace ec::domain
