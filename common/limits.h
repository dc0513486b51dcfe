#pragma once

#include <cstddef>
#include <cstdint>

namespace ec::common {

// Request limits. Beyond them a request is rejected with INVALID_ARGUMENT and
// a message naming the limit.
inline constexpr size_t kMaxKeysPerRequest = 1000;
// DiffCatalogContent: an integrated channel sends every key it holds.
inline constexpr size_t kMaxDiffKeys = 10000;
inline constexpr size_t kMaxContentKeyBytes = 255;
inline constexpr size_t kMaxFilterBytes = 64 * 1024;  // canonical JSON text
inline constexpr int kMaxFilterDepth = 32;
inline constexpr size_t kMaxTitleBytes = 255;
inline constexpr size_t kMaxEnterpriseNameBytes = 255;
inline constexpr size_t kMaxCourseModes = 32;
inline constexpr size_t kMaxCourseModeBytes = 64;
inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;
inline constexpr size_t kMaxPageTokenBytes = 1024;
// A metadata page stops before the document that would take its stored
// documents past this many bytes (it always holds at least one), and its
// next_page_token continues from there: a page of 1,000 large documents
// would otherwise be tens of megabytes, past clients' default 4 MiB.
inline constexpr size_t kMaxPageBytes = 4 * 1024 * 1024;

}  // namespace ec::common
