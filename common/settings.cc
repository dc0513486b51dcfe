#include "common/settings.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace ec::common {

namespace settings_internal {

std::string Range(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int>::max() ||
      max == std::numeric_limits<int64_t>::max()) {
    return absl::StrCat(min, " or more");
  }
  return absl::StrCat(min, "-", max);
}

}  // namespace settings_internal

absl::StatusOr<bool> ParseBool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("expected true or false, got \"", v, "\""));
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(v, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

}  // namespace ec::common
