#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec::stub {

// Approximates Elasticsearch's standard analyzer (UAX#29 word segmentation,
// then lower-casing) for the ASCII text that course keys and titles hold:
// letters and digits join each other; '_' joins anything word-like; '.' and
// '\'' join letter-letter and digit-digit; ':' joins letter-letter; ',' and
// ';' join digit-digit; every other ASCII byte separates. Non-ASCII bytes are
// treated as letters (kept, not lower-cased). Examples: "edX+DemoX.1" ->
// {"edx", "demox", "1"}; "MITx+6.002x" -> {"mitx", "6.002x"};
// "course-v1:edX+Demo_Course+3T2024" -> {"course", "v1", "edx", "demo_course",
// "3t2024"}.
std::vector<std::string> StandardTokens(std::string_view text);

// True if `phrase` is non-empty and occurs as a contiguous run in `tokens`
// (ES match_phrase with slop 0).
bool ContainsPhrase(const std::vector<std::string>& tokens,
                    const std::vector<std::string>& phrase);

// ASCII lower-casing (what the `.lower` keyword normalizer does to edX data).
std::string AsciiLower(std::string_view text);

}  // namespace ec::stub
