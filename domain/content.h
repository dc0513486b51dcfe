#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ec::domain {

inline constexpr std::string_view kContentTypes[] = {
    "course", "courserun", "program", "learnerpathway"};

bool IsKnownContentType(std::string_view type);

// What the inclusion rules (domain/inclusion.h) read from a document, taken
// when it is parsed so that the rules need not parse it again.
struct InclusionFacts {
  // "product_source" as a string, or the "slug" of an object; nullopt for
  // null, absent, or an object without a string slug (Django: None).
  std::optional<std::string> product_source;
  // Neither a string, an object nor null (Django raises on it).
  bool product_source_invalid = false;
  // The aggregation_key prefix is "course" (not the content_type field).
  bool is_course = false;
  // "course_type" as a string; nullopt for null or absent.
  std::optional<std::string> course_type;
  bool course_type_invalid = false;  // present but not a string
};

// One content row as derived from a course-discovery search/all document.
struct ContentRecord {
  // Document "key", or "uuid" when there is no key (programs, pathways).
  std::string content_key;
  // From the prefix of "aggregation_key" ("courserun:edX+DemoX" -> courserun),
  // falling back to "content_type".
  std::string content_type;
  // Lower-case uuid, or empty.
  std::string content_uuid;
  // Course runs: the course key (after "courserun:" in aggregation_key, or the
  // enclosing course for nested runs). Empty for other types.
  std::string parent_content_key;
  // "title", or "name" for learner pathways.
  std::string title;
  // The document as compact JSON text; a course's with its
  // normalized_metadata and normalized_metadata_by_run added.
  std::string json_metadata;
  // True for course runs that appeared only nested in a course's
  // "course_runs". Such rows never overwrite a full run document.
  bool derived = false;
  // A derived run carries its course's facts: it shares its verdict.
  InclusionFacts facts;
};

// Whether `incoming` takes the place of `kept`, a record of the same key
// seen earlier in the crawl: a full document beats a run known only from its
// course's course_runs; otherwise the first occurrence wins. The one rule of
// UniqueContent and of the discovery client's de-duplication.
inline bool Supersedes(const ContentRecord& incoming,
                       const ContentRecord& kept) {
  return kept.derived && !incoming.derived;
}

// A crawl's records as they are stored: one record per content key, in key
// order, and the keys that become the query's members. A full document beats
// a run known only from its course's course_runs; otherwise the first
// occurrence wins. Derived runs become content rows but not members. Holds
// pointers into the records, which must outlive it.
struct UniqueContent {
  explicit UniqueContent(const std::vector<ContentRecord>& records);
  std::map<std::string_view, const ContentRecord*> by_key;
  std::vector<std::string> members;  // sorted
};

// The inclusion facts of a document (a JSON object; the aggregation_key
// member decides is_course).
InclusionFacts InclusionFactsOf(const nlohmann::ordered_json& document);

// One search/all result document (a JSON object) as its record, followed by
// a derived record for each nested course run of a course. INVALID_ARGUMENT
// for documents without a usable key or type, keys longer than
// kMaxContentKeyBytes, or NUL characters. Never throws.
//
// A crawl hands over the documents its page parser already parsed (member
// order kept), so each document is parsed once and serialized once, into
// json_metadata.
absl::StatusOr<std::vector<ContentRecord>> DiscoveryDocumentRecords(
    const nlohmann::ordered_json& document);

// What identifies a search/all result among the others of one crawl, storable
// or not (persons and key-less results included): "k:" and its key, else
// "u:" and its uuid, else "a:" and its aggregation_key (each only when a
// non-empty string; the runs of a course share their aggregation_key);
// nullopt for a result with none of them. The
// completeness check counts distinct identities: a repeat means discovery's
// paging was unstable. Never throws.
std::optional<std::string> ResultIdentity(const nlohmann::ordered_json& result);

// The same, from JSON text nested at most 128 levels.
absl::StatusOr<std::vector<ContentRecord>> ParseDiscoveryDocument(
    std::string_view json_text);

}  // namespace ec::domain
