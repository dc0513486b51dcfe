// Compiling the filter parameters: the field table (§2.2) and the lookups.
#include "tools/discovery_stub/filter.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

enum Lookup : uint32_t {
  kNone = 1u << 0,
  kTerms = 1u << 1,
  kExclude = 1u << 2,
  kIn = 1u << 3,
  kRange = 1u << 4,
  kGt = 1u << 5,
  kGte = 1u << 6,
  kLt = 1u << 7,
  kLte = 1u << 8,
  kMatchPhrase = 1u << 9,
};

constexpr int T(TermField f) { return static_cast<int>(f); }
constexpr int N(NumField f) { return static_cast<int>(f); }

// BaseAggregateSearchViewSet.filter_fields (reference §2.2).
constexpr FieldSpec kFields[] = {
    {"aggregation_key", FieldKind::kTerm, T(TermField::kAggregationKey),
     kNone | kTerms | kExclude},
    {"content_type", FieldKind::kTerm, T(TermField::kContentType),
     kNone | kTerms},
    {"partner", FieldKind::kLowerTerm, T(TermField::kPartner), kNone},
    {"org", FieldKind::kLowerTerm, T(TermField::kOrg),
     kNone | kTerms | kExclude},
    {"key", FieldKind::kPhrase, 0, kNone | kMatchPhrase},
    {"key.raw", FieldKind::kTerm, T(TermField::kKeyRaw),
     kNone | kTerms | kExclude},
    {"status", FieldKind::kTerm, T(TermField::kStatus), kNone},
    {"availability", FieldKind::kTerm, T(TermField::kAvailability),
     kNone | kTerms},
    {"level_type", FieldKind::kTerm, T(TermField::kLevelType), kNone | kTerms},
    {"authoring_organizations", FieldKind::kLowerTerm,
     T(TermField::kAuthoringOrganizations), kNone | kTerms | kExclude},
    {"authoring_organization_uuids", FieldKind::kTerm,
     T(TermField::kAuthoringOrganizationUuids), kNone | kTerms},
    {"subject_uuids", FieldKind::kTerm, T(TermField::kSubjectUuids),
     kNone | kTerms},
    {"course_type", FieldKind::kTerm, T(TermField::kCourseType),
     kNone | kTerms | kExclude},
    {"product_source", FieldKind::kTerm, T(TermField::kProductSource),
     kNone | kTerms},
    {"external_course_marketing_type", FieldKind::kTerm,
     T(TermField::kExternalCourseMarketingType), kNone | kTerms},
    {"enterprise_subscription_inclusion", FieldKind::kBool,
     T(TermField::kEnterpriseSubscriptionInclusion), kNone},
    {"first_enrollable_paid_seat_price", FieldKind::kNumber,
     N(NumField::kFirstEnrollablePaidSeatPrice),
     kNone | kRange | kIn | kGt | kGte | kLt | kLte | kTerms},
    {"start", FieldKind::kDate, N(NumField::kStart), kGt | kGte | kLt | kLte},
    {"end", FieldKind::kDate, N(NumField::kEnd), kGt | kGte | kLt | kLte},
    {"end_date", FieldKind::kDate, N(NumField::kEndDate),
     kGt | kGte | kLt | kLte},
    {"course_ends", FieldKind::kTerm, T(TermField::kCourseEnds),
     kNone | kTerms},
    {"languages", FieldKind::kTerm, T(TermField::kLanguages), kNone | kTerms},
    {"pacing_type", FieldKind::kTerm, T(TermField::kPacingType),
     kNone | kTerms},
    {"number", FieldKind::kTerm, T(TermField::kNumber), kNone | kTerms},
    {"type", FieldKind::kLowerTerm, T(TermField::kType), kNone},
    {"enrollment_mode", FieldKind::kLowerTerm, T(TermField::kType), kNone},
    {"active", FieldKind::kBool, T(TermField::kIsActive), kNone},
    {"has_enrollable_seats", FieldKind::kBool,
     T(TermField::kHasEnrollableSeats), kNone},
    {"hidden", FieldKind::kBool, T(TermField::kHidden), kNone},
    {"published", FieldKind::kBool, T(TermField::kPublished), kNone},
    {"skill_names", FieldKind::kTerm, T(TermField::kSkillNames),
     kNone | kTerms},
    // A term query on a nested object matches nothing.
    {"skills", FieldKind::kNever, 0, kNone | kTerms},
    {"short_description", FieldKind::kPhrase, 1, kNone | kMatchPhrase},
};

const FieldSpec* FindField(std::string_view name) {
  for (const FieldSpec& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::optional<Lookup> ParseLookup(std::string_view name) {
  static constexpr std::pair<std::string_view, Lookup> kLookups[] = {
      {"terms", kTerms}, {"exclude", kExclude}, {"in", kIn},
      {"range", kRange}, {"gt", kGt},           {"gte", kGte},
      {"lt", kLt},       {"lte", kLte},         {"match_phrase", kMatchPhrase},
  };
  for (const auto& [text, lookup] : kLookups) {
    if (text == name) return lookup;
  }
  return std::nullopt;
}

std::vector<std::string> SplitComplex(std::string_view value) {
  return Split(value, "__");
}

std::optional<double> ParseNumber(std::string_view text) {
  text = Strip(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto result =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Values of one term-like clause, normalized; sets `never` on a value the
// field's type cannot parse.
void AddTermValues(Clause* c, const std::vector<std::string>& values) {
  for (const std::string& raw : values) {
    switch (c->field->kind) {
      case FieldKind::kLowerTerm:
        c->values.push_back(AsciiLower(raw));
        break;
      case FieldKind::kBool:
        // Elasticsearch >= 6 parses only "true"/"false" ("True" fails).
        if (raw != "true" && raw != "false") c->never = true;
        c->values.push_back(raw);
        break;
      case FieldKind::kNumber:
      case FieldKind::kDate: {
        const std::optional<double> n = ParseNumber(raw);
        if (!n) c->never = true;
        if (n) c->numbers.push_back(*n);
        break;
      }
      case FieldKind::kPhrase:
        c->phrases.push_back(StandardTokens(raw));
        break;
      default:
        c->values.push_back(raw);
    }
  }
}

std::optional<double> RangeValue(const FieldSpec& f, std::string_view raw,
                                 int64_t now) {
  if (f.kind == FieldKind::kDate) return ParseEsDate(raw, now);
  return ParseNumber(raw);
}

}  // namespace

std::vector<Clause> CompileFilters(const QueryParams& params, int64_t now) {
  std::vector<Clause> clauses;
  std::vector<std::string> seen;
  for (const auto& [name, unused] : params.items()) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    const size_t split = name.find("__");
    const std::string_view field_name =
        split == std::string::npos ? std::string_view(name)
                                   : std::string_view(name).substr(0, split);
    const FieldSpec* field = FindField(field_name);
    if (field == nullptr) continue;
    Lookup lookup = kNone;
    if (split != std::string::npos) {
      const std::optional<Lookup> parsed =
          ParseLookup(std::string_view(name).substr(split + 2));
      if (!parsed) continue;
      lookup = *parsed;
    }
    if ((field->lookups & lookup) == 0) continue;
    std::vector<std::string> values;
    for (const std::string_view v : params.GetList(name)) {
      const std::string_view stripped = Strip(v);
      if (!stripped.empty()) values.emplace_back(stripped);
    }
    if (values.empty()) continue;
    if (field->kind == FieldKind::kLowerTerm) {
      for (auto& v : values) v = AsciiLower(v);
    }

    if (lookup == kNone || lookup == kMatchPhrase) {
      // One terms (or should-of-match_phrase) query over all values.
      Clause c;
      c.field = field;
      AddTermValues(&c, values);
      clauses.push_back(std::move(c));
      continue;
    }
    for (const std::string& value : values) {
      Clause c;
      c.field = field;
      switch (lookup) {
        case kTerms:
        case kIn:
          AddTermValues(&c, SplitComplex(value));
          break;
        case kExclude:
          c.negate = true;
          // Each value is one must_not; "a__b" is split into an OR of
          // must_nots (apply_query_exclude).
          c.values = SplitComplex(value);
          break;
        case kRange: {
          const std::vector<std::string> bounds = SplitComplex(value);
          c.is_range = true;
          c.lo = RangeValue(*field, bounds[0], now);
          c.hi = bounds.size() > 1 ? RangeValue(*field, bounds[1], now)
                                   : std::nullopt;
          if (!c.lo || (bounds.size() > 1 && !c.hi)) c.never = true;
          break;
        }
        default: {
          // gt/gte/lt/lte: "value" or "value__boost".
          const std::optional<double> bound =
              RangeValue(*field, SplitComplex(value)[0], now);
          c.is_range = true;
          if (!bound) {
            c.never = true;
          } else if (lookup == kGt || lookup == kGte) {
            c.lo = bound;
            c.lo_inclusive = lookup == kGte;
          } else {
            c.hi = bound;
            c.hi_inclusive = lookup == kLte;
          }
        }
      }
      clauses.push_back(std::move(c));
    }
  }
  return clauses;
}

}  // namespace ec::stub
