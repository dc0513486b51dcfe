// Merged discovery documents: what a refresh makes of a stored row when
// course-discovery sends a document for it. The input is two JSON texts
// separated by the first newline: the stored document (as a content row
// holds it), then what discovery sent. The discovery half is untrusted
// input from another service; the stored half is bounded as the service
// stores documents (nested at most 128 levels, valid UTF-8).
//
// Code under test:
//   - ec::domain::MergeCrawlRecord (domain/stored_document.h) with every
//     record ec::domain::ParseDiscoveryDocument makes of the discovery text,
//     as a stored full row and as a stored derived run;
//   - ec::domain::MergeFullCourse and MergeFullProgram
//     (domain/content_merge.h) with the discovery text as the
//     /api/v1/courses/ or /api/v1/programs/ document.
//
// Properties, beyond "no crash, no sanitizer report, no exception":
//   - a crawl merge yields valid JSON; merging into a stored object never
//     removes one of its members; merging the same record again changes
//     nothing (a refresh that finds nothing new rewrites nothing);
//   - after a full merge the document serializes (dump() with the default,
//     strict UTF-8 handler, as the store does), keeps every stored member,
//     and each returned program is an object tagged "program:<uuid>";
//     MergeFullProgram reports no change when applied a second time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_depth.h"
#include "domain/content.h"
#include "domain/content_merge.h"
#include "domain/stored_document.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"

namespace {

using Json = nlohmann::ordered_json;

// The nesting the service accepts from discovery and so ever stores.
constexpr int kMaxNesting = 128;

// `text` as a JSON value, or discarded when it is not valid JSON (nlohmann
// also refuses invalid UTF-8) or nests deeper than the service accepts.
Json ParseBounded(std::string_view text) {
  if (ec::common::NestsDeeperThan(text, kMaxNesting))
    return Json::value_t::discarded;
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

void CheckKeepsMembers(const Json& before, const Json& after,
                       const char* what) {
  if (!before.is_object()) return;
  EC_FUZZ_CHECK(after.is_object(), what);
  for (auto it = before.begin(); it != before.end(); ++it) {
    EC_FUZZ_CHECK(after.contains(it.key()), what);
  }
}

void CheckCrawlMerge(const ec::domain::ContentRecord& record,
                     bool stored_derived, std::string_view stored_text,
                     const Json& stored) {
  const ec::domain::StoredDocumentUpdate update =
      ec::domain::MergeCrawlRecord(record, stored_derived, stored_text);
  const Json merged = Json::parse(update.json_metadata, nullptr, false);
  EC_FUZZ_CHECK(!merged.is_discarded(),
                "MergeCrawlRecord produced a document that is not JSON");
  if (stored_derived && !record.derived) {
    EC_FUZZ_CHECK(update.json_metadata == record.json_metadata,
                  "a full record did not replace a derived run whole");
    return;
  }
  CheckKeepsMembers(stored, merged,
                    "MergeCrawlRecord removed a member of the stored document");
  // The same record again: nothing new, nothing rewritten.
  const ec::domain::StoredDocumentUpdate again = ec::domain::MergeCrawlRecord(
      record, stored_derived, update.json_metadata);
  EC_FUZZ_CHECK(again.json_metadata == update.json_metadata,
                "merging the same record twice changed the document again");
}

void CheckFullMerges(const Json& stored, const Json& full) {
  Json course = stored;
  const std::vector<Json> programs = ec::domain::MergeFullCourse(course, full);
  // The store writes stored.dump() with the strict handler.
  const std::string course_text = course.dump();
  if (full.is_object()) {
    CheckKeepsMembers(
        stored, course,
        "MergeFullCourse removed a member of the stored document");
  } else {
    EC_FUZZ_CHECK(programs.empty(),
                  "MergeFullCourse of a non-object returned programs");
  }
  for (const Json& program : programs) {
    EC_FUZZ_CHECK(program.is_object(), "a returned program is not an object");
    const auto key = program.find("aggregation_key");
    const auto uuid = program.find("uuid");
    EC_FUZZ_CHECK(
        key != program.end() && uuid != program.end() && key->is_string() &&
            uuid->is_string() &&
            key->get<std::string>() == "program:" + uuid->get<std::string>(),
        "a returned program is not tagged program:<uuid>");
    (void)program.dump();
  }

  Json program = stored;
  ec::domain::MergeFullProgram(program, full);
  (void)program.dump();
  if (full.is_object()) {
    CheckKeepsMembers(
        stored, program,
        "MergeFullProgram removed a member of the stored document");
  }
  EC_FUZZ_CHECK(!ec::domain::MergeFullProgram(program, full),
                "MergeFullProgram changed the document a second time");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view stored_text = input.substr(0, newline);
  const std::string_view discovery_text = input.substr(newline + 1);

  const Json stored = ParseBounded(stored_text);
  // The service only ever stores valid JSON it produced.
  if (stored.is_discarded()) return 0;

  const absl::StatusOr<std::vector<ec::domain::ContentRecord>> records =
      ec::domain::ParseDiscoveryDocument(discovery_text);
  if (records.ok()) {
    for (const ec::domain::ContentRecord& record : *records) {
      CheckCrawlMerge(record, /*stored_derived=*/false, stored_text, stored);
      CheckCrawlMerge(record, /*stored_derived=*/true, stored_text, stored);
    }
  }

  const Json full = ParseBounded(discovery_text);
  if (!full.is_discarded()) CheckFullMerges(stored, full);
  return 0;
}
