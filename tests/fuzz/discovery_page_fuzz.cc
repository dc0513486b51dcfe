// course-discovery search/all pages: ec::discovery::ParseSearchPage on the
// raw body, then ec::domain::DiscoveryDocumentRecords on every parsed
// result, as a crawl does. Everything here is untrusted input from another
// service.
//
// Properties, beyond "no crash, no sanitizer report, no exception":
//   - refusals are INVALID_ARGUMENT;
//   - an accepted page reports its size, and every document is a JSON
//     object that parses;
//   - accepted records have a known content type and a non-empty key within
//     kMaxContentKeyBytes, and derived records are course runs;
//   - bodies nested 100k levels deep are refused quickly (checked once at
//     start, LLVMFuzzerInitialize; the corpus seeds probe the limit).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/limits.h"
#include "discovery/search_page.h"
#include "domain/content.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"

namespace {

void CheckRecords(
    const absl::StatusOr<std::vector<ec::domain::ContentRecord>>& records) {
  if (!records.ok()) {
    EC_FUZZ_CHECK(records.status().code() == absl::StatusCode::kInvalidArgument,
                  "a refused document must be INVALID_ARGUMENT");
    return;
  }
  EC_FUZZ_CHECK(!records->empty(), "an accepted document yields no record");
  for (size_t i = 0; i < records->size(); ++i) {
    const ec::domain::ContentRecord& record = (*records)[i];
    EC_FUZZ_CHECK(ec::domain::IsKnownContentType(record.content_type),
                  "record with an unknown content type");
    EC_FUZZ_CHECK(
        !record.content_key.empty() &&
            record.content_key.size() <= ec::common::kMaxContentKeyBytes,
        "record key empty or over common::kMaxContentKeyBytes");
    EC_FUZZ_CHECK(
        record.parent_content_key.size() <= ec::common::kMaxContentKeyBytes,
        "parent key over common::kMaxContentKeyBytes");
    EC_FUZZ_CHECK(record.derived == (i > 0), "only nested runs are derived");
    EC_FUZZ_CHECK(!record.derived || record.content_type == "courserun",
                  "a derived record is not a course run");
    EC_FUZZ_CHECK(nlohmann::json::accept(record.json_metadata),
                  "json_metadata is not valid JSON");
  }
}

// A body that opens `depth` containers: a page whose first result nests.
std::string DeepPage(size_t depth, char open, char close) {
  std::string body = R"({"count":1,"next":null,"previous":null,"results":[)";
  std::string nested;
  nested.reserve(depth * 8);
  for (size_t i = 0; i < depth; ++i) {
    nested += open == '{' ? std::string(R"({"a":)") : std::string(1, open);
  }
  nested += "1";
  nested.append(depth, close);
  return body + nested + "]}";
}

void CheckDeepBodiesAreRefusedFast() {
  for (const char* shape : {"[]", "{}"}) {
    for (const std::string& body :
         {DeepPage(100000, shape[0], shape[1]), std::string(100000, shape[0]),
          std::string(100000, shape[0]) + std::string(100000, shape[1])}) {
      const auto start = std::chrono::steady_clock::now();
      const absl::StatusOr<ec::discovery::SearchPage> page =
          ec::discovery::ParseSearchPage(body);
      const auto elapsed = std::chrono::steady_clock::now() - start;
      EC_FUZZ_CHECK(!page.ok(), "a body nested 100k deep was accepted");
      EC_FUZZ_CHECK(elapsed < std::chrono::seconds(1),
                    "refusing a body nested 100k deep took over a second");
      const std::string document = body.substr(body.find('[') + 1);
      EC_FUZZ_CHECK(!ec::domain::ParseDiscoveryDocument(document).ok(),
                    "a document nested 100k deep was accepted");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  CheckDeepBodiesAreRefusedFast();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<ec::discovery::SearchPage> page =
      ec::discovery::ParseSearchPage(body);
  if (!page.ok()) {
    EC_FUZZ_CHECK(page.status().code() == absl::StatusCode::kInvalidArgument,
                  "a refused page must be INVALID_ARGUMENT");
    return 0;
  }
  EC_FUZZ_CHECK(page->bytes == static_cast<int64_t>(size),
                "page size misreported");
  EC_FUZZ_CHECK(page->count >= 0, "negative count accepted");
  for (const nlohmann::ordered_json& document : page->documents) {
    EC_FUZZ_CHECK(document.is_object(), "a result is not a JSON object");
    CheckRecords(ec::domain::DiscoveryDocumentRecords(document));
    // From text, the same rules.
    CheckRecords(ec::domain::ParseDiscoveryDocument(document.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace)));
  }
  return 0;
}
