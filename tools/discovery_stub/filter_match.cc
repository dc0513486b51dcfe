#include "tools/discovery_stub/filter.h"

#include <algorithm>

#include "tools/discovery_stub/analysis.h"

namespace ec::stub {
namespace {

bool HasTerm(const Document& doc, const Clause& c, std::string_view value) {
  const auto& terms = doc.terms[static_cast<size_t>(c.field->index)];
  return std::find(terms.begin(), terms.end(), value) != terms.end();
}

}  // namespace

bool Passes(const Document& doc, const Clause& c) {
  if (c.negate) {
    for (const auto& v : c.values) {
      if (!HasTerm(doc, c, v)) return true;
    }
    return c.values.empty();
  }
  if (c.never) return false;
  switch (c.field->kind) {
    case FieldKind::kTerm:
    case FieldKind::kLowerTerm:
    case FieldKind::kBool:
      for (const auto& v : c.values) {
        if (HasTerm(doc, c, v)) return true;
      }
      return false;
    case FieldKind::kNumber:
    case FieldKind::kDate: {
      const auto& have = doc.numbers[static_cast<size_t>(c.field->index)];
      for (const double v : have) {
        if (c.is_range) {
          if (c.lo && (c.lo_inclusive ? v < *c.lo : v <= *c.lo)) continue;
          if (c.hi && (c.hi_inclusive ? v > *c.hi : v >= *c.hi)) continue;
          return true;
        }
        if (std::find(c.numbers.begin(), c.numbers.end(), v) !=
            c.numbers.end()) {
          return true;
        }
      }
      return false;
    }
    case FieldKind::kPhrase: {
      if (c.field->index == 0) {
        for (const auto& p : c.phrases) {
          if (ContainsPhrase(doc.key_tokens, p)) return true;
        }
        return false;
      }
      if (doc.short_description.empty()) return false;
      const std::vector<std::string> tokens =
          StandardTokens(doc.short_description);
      for (const auto& p : c.phrases) {
        if (ContainsPhrase(tokens, p)) return true;
      }
      return false;
    }
    case FieldKind::kNever:
      return false;
  }
  return false;
}

}  // namespace ec::stub
