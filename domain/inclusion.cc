#include "domain/inclusion.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ec::domain {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// Untrusted text in a log line: short values only.
std::string Shown(const std::string& value) {
  if (value.size() > 64) return "(too long to show)";
  return absl::StrCat("\"", value, "\"");
}

}  // namespace

std::optional<std::string> ExclusionReason(const InclusionFacts& facts,
                                           const InclusionRules& rules) {
  if (facts.product_source_invalid) {
    return std::string("product_source is neither a string nor an object");
  }
  if (facts.product_source.has_value() &&
      !Contains(rules.product_sources,
                absl::AsciiStrToLower(*facts.product_source))) {
    return absl::StrCat("product_source ", Shown(*facts.product_source),
                        " is not allowed");
  }
  if (!facts.is_course) return std::nullopt;
  if (facts.course_type_invalid) {
    return std::string("course_type is not a string");
  }
  if (facts.course_type.has_value() &&
      !Contains(rules.course_types, *facts.course_type)) {
    return absl::StrCat("course_type ", Shown(*facts.course_type),
                        " is not allowed");
  }
  return std::nullopt;
}

int64_t RemoveExcluded(const InclusionRules& rules,
                       std::vector<ContentRecord>* records,
                       std::vector<std::string>* reasons, size_t max_reasons) {
  int64_t excluded = 0;
  std::erase_if(*records, [&](const ContentRecord& record) {
    std::optional<std::string> why = ExclusionReason(record.facts, rules);
    if (!why.has_value()) return false;
    if (!record.derived) {
      ++excluded;
      if (reasons != nullptr && reasons->size() < max_reasons) {
        reasons->push_back(absl::StrCat(record.content_key, ": ", *why));
      }
    }
    return true;
  });
  return excluded;
}

}  // namespace ec::domain
