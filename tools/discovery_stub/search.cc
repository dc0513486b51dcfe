#include "tools/discovery_stub/search.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

constexpr size_t kMaxCacheEntries = 512;
constexpr std::string_view kKnownRestrictionTypes[] = {"custom-b2b-enterprise",
                                                       "custom-b2c"};

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

enum class Kind { kTerm, kLowerTerm, kBool, kNumber, kDate, kPhrase, kNever };

struct FieldSpec {
  std::string_view name;
  Kind kind;
  int index;  // TermField / NumField; for kPhrase 0 = key, 1 =
              // short_description
  uint32_t lookups;
};

constexpr int T(TermField f) { return static_cast<int>(f); }
constexpr int N(NumField f) { return static_cast<int>(f); }

// BaseAggregateSearchViewSet.filter_fields (reference §2.2).
constexpr FieldSpec kFields[] = {
    {"aggregation_key", Kind::kTerm, T(TermField::kAggregationKey),
     kNone | kTerms | kExclude},
    {"content_type", Kind::kTerm, T(TermField::kContentType), kNone | kTerms},
    {"partner", Kind::kLowerTerm, T(TermField::kPartner), kNone},
    {"org", Kind::kLowerTerm, T(TermField::kOrg), kNone | kTerms | kExclude},
    {"key", Kind::kPhrase, 0, kNone | kMatchPhrase},
    {"key.raw", Kind::kTerm, T(TermField::kKeyRaw), kNone | kTerms | kExclude},
    {"status", Kind::kTerm, T(TermField::kStatus), kNone},
    {"availability", Kind::kTerm, T(TermField::kAvailability), kNone | kTerms},
    {"level_type", Kind::kTerm, T(TermField::kLevelType), kNone | kTerms},
    {"authoring_organizations", Kind::kLowerTerm,
     T(TermField::kAuthoringOrganizations), kNone | kTerms | kExclude},
    {"authoring_organization_uuids", Kind::kTerm,
     T(TermField::kAuthoringOrganizationUuids), kNone | kTerms},
    {"subject_uuids", Kind::kTerm, T(TermField::kSubjectUuids), kNone | kTerms},
    {"course_type", Kind::kTerm, T(TermField::kCourseType),
     kNone | kTerms | kExclude},
    {"product_source", Kind::kTerm, T(TermField::kProductSource),
     kNone | kTerms},
    {"external_course_marketing_type", Kind::kTerm,
     T(TermField::kExternalCourseMarketingType), kNone | kTerms},
    {"enterprise_subscription_inclusion", Kind::kBool,
     T(TermField::kEnterpriseSubscriptionInclusion), kNone},
    {"first_enrollable_paid_seat_price", Kind::kNumber,
     N(NumField::kFirstEnrollablePaidSeatPrice),
     kNone | kRange | kIn | kGt | kGte | kLt | kLte | kTerms},
    {"start", Kind::kDate, N(NumField::kStart), kGt | kGte | kLt | kLte},
    {"end", Kind::kDate, N(NumField::kEnd), kGt | kGte | kLt | kLte},
    {"end_date", Kind::kDate, N(NumField::kEndDate), kGt | kGte | kLt | kLte},
    {"course_ends", Kind::kTerm, T(TermField::kCourseEnds), kNone | kTerms},
    {"languages", Kind::kTerm, T(TermField::kLanguages), kNone | kTerms},
    {"pacing_type", Kind::kTerm, T(TermField::kPacingType), kNone | kTerms},
    {"number", Kind::kTerm, T(TermField::kNumber), kNone | kTerms},
    {"type", Kind::kLowerTerm, T(TermField::kType), kNone},
    {"enrollment_mode", Kind::kLowerTerm, T(TermField::kType), kNone},
    {"active", Kind::kBool, T(TermField::kIsActive), kNone},
    {"has_enrollable_seats", Kind::kBool, T(TermField::kHasEnrollableSeats),
     kNone},
    {"hidden", Kind::kBool, T(TermField::kHidden), kNone},
    {"published", Kind::kBool, T(TermField::kPublished), kNone},
    {"skill_names", Kind::kTerm, T(TermField::kSkillNames), kNone | kTerms},
    // A term query on a nested object matches nothing.
    {"skills", Kind::kNever, 0, kNone | kTerms},
    {"short_description", Kind::kPhrase, 1, kNone | kMatchPhrase},
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

// One compiled filter. A document passes a query iff it passes every clause.
struct Clause {
  const FieldSpec* field = nullptr;
  bool negate = false;  // __exclude: fails iff the doc holds every value
  bool never = false;   // an unparseable value: ES fails the query
  std::vector<std::string> values;                // term kinds
  std::vector<double> numbers;                    // number terms
  std::vector<std::vector<std::string>> phrases;  // phrase kinds
  std::optional<double> lo, hi;                   // ranges
  bool lo_inclusive = true, hi_inclusive = true;
  bool is_range = false;
};

bool HasTerm(const Document& doc, const Clause& c, std::string_view value) {
  const auto& terms = doc.terms[static_cast<size_t>(c.field->index)];
  return std::find(terms.begin(), terms.end(), value) != terms.end();
}

bool Passes(const Document& doc, const Clause& c) {
  if (c.negate) {
    for (const auto& v : c.values) {
      if (!HasTerm(doc, c, v)) return true;
    }
    return c.values.empty();
  }
  if (c.never) return false;
  switch (c.field->kind) {
    case Kind::kTerm:
    case Kind::kLowerTerm:
    case Kind::kBool:
      for (const auto& v : c.values) {
        if (HasTerm(doc, c, v)) return true;
      }
      return false;
    case Kind::kNumber:
    case Kind::kDate: {
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
    case Kind::kPhrase: {
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
    case Kind::kNever:
      return false;
  }
  return false;
}

// Values of one term-like clause, normalized; sets `never` on a value the
// field's type cannot parse.
void AddTermValues(Clause* c, const std::vector<std::string>& values) {
  for (const std::string& raw : values) {
    switch (c->field->kind) {
      case Kind::kLowerTerm:
        c->values.push_back(AsciiLower(raw));
        break;
      case Kind::kBool:
        // Elasticsearch >= 6 parses only "true"/"false" ("True" fails).
        if (raw != "true" && raw != "false") c->never = true;
        c->values.push_back(raw);
        break;
      case Kind::kNumber:
      case Kind::kDate: {
        const std::optional<double> n = ParseNumber(raw);
        if (!n) c->never = true;
        if (n) c->numbers.push_back(*n);
        break;
      }
      case Kind::kPhrase:
        c->phrases.push_back(StandardTokens(raw));
        break;
      default:
        c->values.push_back(raw);
    }
  }
}

std::optional<double> RangeValue(const FieldSpec& f, std::string_view raw,
                                 int64_t now) {
  if (f.kind == Kind::kDate) return ParseEsDate(raw, now);
  return ParseNumber(raw);
}

// Compiles the filter parameters (reference §2.1) into clauses.
std::vector<Clause> Compile(const QueryParams& params, int64_t now) {
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
    if (field->kind == Kind::kLowerTerm) {
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

struct SortKey {
  bool by_start;
  bool descending;
};

std::vector<SortKey> Ordering(const QueryParams& params) {
  std::vector<SortKey> keys;
  for (std::string_view value : params.GetList("ordering")) {
    const bool descending = !value.empty() && value[0] == '-';
    // lstrip('-'), as the backend does.
    while (!value.empty() && value[0] == '-') value.remove_prefix(1);
    if (value == "start") {
      keys.push_back({true, descending});
    } else if (value == "aggregation_key") {
      keys.push_back({false, descending});
    }
  }
  if (keys.empty())
    keys = {{true, true}, {false, false}};  // ('-start', 'aggregation_key')
  return keys;
}

bool IsTruthy(const std::string* value) {
  return value != nullptr && !value->empty();
}

std::optional<int64_t> ParsePythonInt(std::string_view text) {
  text = Strip(text);
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

std::string DetailBody(std::string_view detail) {
  return nlohmann::json({{"detail", detail}}).dump();
}

}  // namespace

std::optional<double> ParseEsDate(std::string_view text, int64_t now) {
  text = Strip(text);
  if (text.empty()) return std::nullopt;
  if (text.substr(0, 3) == "now") {
    double t = static_cast<double>(now);
    std::string_view rest = text.substr(3);
    while (!rest.empty()) {
      const char op = rest[0];
      rest.remove_prefix(1);
      if (op == '/') {
        // Rounding: only day-or-finer units are applied exactly.
        if (rest.empty()) return std::nullopt;
        const char unit = rest[0];
        rest.remove_prefix(1);
        const double size = unit == 'd'                  ? 86400
                            : unit == 'h' || unit == 'H' ? 3600
                            : unit == 'm'                ? 60
                            : unit == 's'                ? 1
                                                         : 0;
        if (size > 0) t = std::floor(t / size) * size;
        continue;
      }
      if (op != '+' && op != '-') return std::nullopt;
      size_t digits = 0;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
        ++digits;
      const int64_t amount =
          digits == 0 ? 1
                      : std::atoll(std::string(rest.substr(0, digits)).c_str());
      rest.remove_prefix(digits);
      if (rest.empty()) return std::nullopt;
      double unit = 0;
      switch (rest[0]) {
        case 'y':
          unit = 365.2425 * 86400;
          break;
        case 'M':
          unit = 30.436875 * 86400;
          break;
        case 'w':
          unit = 7 * 86400;
          break;
        case 'd':
          unit = 86400;
          break;
        case 'h':
        case 'H':
          unit = 3600;
          break;
        case 'm':
          unit = 60;
          break;
        case 's':
          unit = 1;
          break;
        default:
          return std::nullopt;
      }
      rest.remove_prefix(1);
      t += (op == '+' ? 1 : -1) * static_cast<double>(amount) * unit;
    }
    return t;
  }
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return std::floor(std::atof(std::string(text).c_str()) /
                      1000.0);  // epoch_millis
  }
  // strict_date_optional_time: yyyy[-MM[-dd[Thh[:mm[:ss[.fff]]]]]][Z|+hh:mm]
  int fields[6] = {0, 1, 1, 0, 0, 0};
  static constexpr int kWidths[6] = {4, 2, 2, 2, 2, 2};
  static constexpr char kSeparators[6] = {0, '-', '-', 'T', ':', ':'};
  size_t pos = 0;
  int parsed = 0;
  for (int i = 0; i < 6; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != kSeparators[i]) break;
      ++pos;
    }
    if (pos + kWidths[i] > text.size()) return std::nullopt;
    int value = 0;
    for (int k = 0; k < kWidths[i]; ++k) {
      const char c = text[pos + static_cast<size_t>(k)];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    fields[i] = value;
    pos += static_cast<size_t>(kWidths[i]);
    parsed = i + 1;
  }
  if (parsed == 0) return std::nullopt;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  }
  int offset = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      if (pos + 6 != text.size() || text[pos + 3] != ':') return std::nullopt;
      const int hh = std::atoi(std::string(text.substr(pos + 1, 2)).c_str());
      const int mm = std::atoi(std::string(text.substr(pos + 4, 2)).c_str());
      offset = (text[pos] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
      pos += 6;
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 ||
      fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    return std::nullopt;
  }
  // Days from civil (H. Hinnant).
  const int y = fields[0] - (fields[1] <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int mp = (fields[1] + 9) % 12;
  const int doy = (153 * mp + 2) / 5 + fields[2] - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return static_cast<double>(days * 86400 + fields[3] * 3600 + fields[4] * 60 +
                             fields[5] - offset);
}

Searcher::Searcher(std::shared_ptr<const Dataset> dataset)
    : dataset_(std::move(dataset)) {}

std::shared_ptr<const Searcher::Matches> Searcher::Match(
    const QueryParams& params) const {
  QueryParams key_params;
  for (const auto& [k, v] : params.items()) {
    if (k != "page" && k != "page_size") key_params.Append(k, v);
  }
  const std::string key = EncodeSorted(key_params);
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  auto matches = std::make_shared<const Matches>(Compute(params));
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxCacheEntries) cache_.clear();
  cache_.emplace(key, matches);
  return matches;
}

Searcher::Matches Searcher::Compute(const QueryParams& params) const {
  const int64_t now = dataset_->now();
  const std::vector<Clause> clauses = Compile(params, now);

  const std::string* pathways = params.Get("include_learner_pathways");
  const bool include_pathways =
      pathways != nullptr && AsciiLower(*pathways) == "true";
  std::vector<std::string> include_restricted;
  if (const std::string* v = params.Get("include_restricted")) {
    for (const std::string& t : Split(*v, ",")) {
      include_restricted.emplace_back(Strip(t));
    }
  }
  auto restricted_excluded = [&](const std::string& type) {
    if (type.empty()) return false;
    const bool known = std::find(std::begin(kKnownRestrictionTypes),
                                 std::end(kKnownRestrictionTypes),
                                 type) != std::end(kKnownRestrictionTypes);
    return known &&
           std::find(include_restricted.begin(), include_restricted.end(),
                     type) == include_restricted.end();
  };

  // Free text (§2.4, approximated): the first q value as a token phrase in
  // the key, the title or the other text fields.
  std::vector<std::string> q_phrase;
  bool has_q = false;
  if (const auto q = params.GetList("q"); !q.empty() && !q[0].empty()) {
    has_q = true;
    q_phrase = StandardTokens(q[0]);
  }

  const auto& docs = dataset_->docs();
  Matches matches;
  for (size_t i = 0; i < docs.size(); ++i) {
    const Document& doc = *docs[i];
    if (doc.type == ContentType::kLearnerPathway && !include_pathways) continue;
    if (doc.type == ContentType::kCourseRun &&
        restricted_excluded(doc.restriction_type)) {
      continue;
    }
    bool ok = true;
    for (const Clause& c : clauses) {
      if (!Passes(doc, c)) {
        ok = false;
        break;
      }
    }
    if (ok && has_q) {
      ok = ContainsPhrase(doc.key_tokens, q_phrase) ||
           ContainsPhrase(StandardTokens(doc.title), q_phrase) ||
           ContainsPhrase(StandardTokens(doc.search_text), q_phrase);
    }
    if (ok) matches.push_back(static_cast<uint32_t>(i));
  }

  const std::vector<SortKey> ordering = Ordering(params);
  auto compare = [&](uint32_t ia, uint32_t ib) {
    const Document& a = *docs[ia];
    const Document& b = *docs[ib];
    for (const SortKey& k : ordering) {
      if (k.by_start) {
        // Multi-valued: max for descending, min for ascending; missing last.
        const std::optional<int64_t> sa =
            k.descending ? a.max_start : a.min_start;
        const std::optional<int64_t> sb =
            k.descending ? b.max_start : b.min_start;
        if (sa.has_value() != sb.has_value()) return sa.has_value();
        if (sa && *sa != *sb) return k.descending ? *sa > *sb : *sa < *sb;
      } else if (a.aggregation_key != b.aggregation_key) {
        return k.descending ? a.aggregation_key > b.aggregation_key
                            : a.aggregation_key < b.aggregation_key;
      }
    }
    // The stand-in's deterministic tiebreak (ES leaves ties unspecified).
    if (a.key != b.key) return a.key < b.key;
    return ia < ib;
  };
  std::sort(matches.begin(), matches.end(), compare);
  return matches;
}

std::optional<int64_t> RequestedPage(const QueryParams& params) {
  const std::string* page = params.Get("page");
  if (page == nullptr) return 1;
  return ParsePythonInt(*page);
}

std::string PageLink(std::string_view host, std::string_view path,
                     std::string_view raw_query, int64_t page) {
  QueryParams params = ParseQueryString(raw_query);
  if (page == 0) {
    params.Remove("page");
  } else {
    params.Set("page", Cat(page));
  }
  const std::string query = EncodeSorted(params);
  return Cat("http://", host, path, query.empty() ? "" : "?", query);
}

SearchPlan PlanSearch(const Searcher& searcher, const SearchRequest& request,
                      const SearchLimits& limits) {
  SearchPlan plan;
  plan.params = ParseQueryString(request.raw_query);
  if (request.method == "POST") {
    if (absl::Status s = MergeJsonBody(request.body, &plan.params); !s.ok()) {
      plan.status = 400;
      plan.error_body = DetailBody(Cat("JSON parse error - ", s.message()));
      return plan;
    }
  }
  QueryParams filter_params = plan.params;
  if (request.method == "GET" && !plan.params.Has("partner")) {
    // On GET only, a missing partner means the site's partner.
    filter_params.Append("partner", "edx");
  }
  plan.matches = searcher.Match(filter_params);
  plan.count = plan.matches->size();

  if (const std::string* size = plan.params.Get("page_size")) {
    const std::optional<int64_t> parsed = ParsePythonInt(*size);
    if (parsed && *parsed > 0) plan.page_size = *parsed;
  }
  const auto page_size = static_cast<size_t>(plan.page_size);
  const int64_t num_pages =
      plan.count == 0
          ? 1
          : static_cast<int64_t>((plan.count + page_size - 1) / page_size);
  std::optional<int64_t> page;
  if (const std::string* raw = plan.params.Get("page");
      raw != nullptr && *raw == "last") {
    page = num_pages;
  } else {
    page = RequestedPage(plan.params);
  }
  if (!page || *page < 1 || *page > num_pages) {
    plan.status = 404;
    plan.error_body = DetailBody("Invalid page.");
    return plan;
  }
  plan.page = *page;
  if (limits.max_result_window > 0 &&
      plan.page * plan.page_size > limits.max_result_window) {
    plan.status = 500;
    plan.error_body = DetailBody(Cat(
        "Result window is too large, from + size must be less than or equal "
        "to: [",
        limits.max_result_window, "]"));
    return plan;
  }
  plan.begin =
      std::min(plan.count, static_cast<size_t>(plan.page - 1) * page_size);
  plan.end = std::min(plan.count, plan.begin + page_size);
  if (plan.page < num_pages) {
    plan.next =
        PageLink(request.host, request.path, request.raw_query, plan.page + 1);
  }
  if (plan.page > 1) {
    plan.previous = PageLink(request.host, request.path, request.raw_query,
                             plan.page == 2 ? 0 : plan.page - 1);
  }
  if (limits.count_cap > 0) {
    plan.count = std::min(plan.count, static_cast<size_t>(limits.count_cap));
  }
  return plan;
}

std::string RenderSearchPage(const Searcher& searcher, const SearchPlan& plan,
                             const std::vector<uint32_t>& items) {
  const Dataset& dataset = searcher.dataset();
  RenderOptions options;
  options.now = dataset.now();
  options.exclude_expired =
      IsTruthy(plan.params.Get("exclude_expired_course_run"));
  options.detail_fields = IsTruthy(plan.params.Get("detail_fields"));
  if (const std::string* v = plan.params.Get("include_restricted")) {
    for (const std::string& t : Split(*v, ",")) {
      options.include_restricted.emplace_back(Strip(t));
    }
  }
  options.params = &plan.params;

  // AggregateSearchListSerializer regroups the page by document type, in
  // order of first appearance, stable within a type.
  std::vector<ContentType> type_order;
  for (const uint32_t i : items) {
    const ContentType t = dataset.docs()[i]->type;
    if (std::find(type_order.begin(), type_order.end(), t) ==
        type_order.end()) {
      type_order.push_back(t);
    }
  }
  auto link = [](const std::string& url) {
    return url.empty() ? std::string("null") : nlohmann::json(url).dump();
  };
  std::string out = Cat(
      "{\"count\":", plan.count, ",\"next\":", link(plan.next),
      ",\"previous\":", link(plan.previous), ",\"facets\":{},\"results\":[");
  bool first = true;
  for (const ContentType t : type_order) {
    for (const uint32_t i : items) {
      const Document& doc = *dataset.docs()[i];
      if (doc.type != t) continue;
      if (!first) out.push_back(',');
      first = false;
      RenderDocument(doc, options, &out);
    }
  }
  out.append("]}");
  return out;
}

}  // namespace ec::stub
