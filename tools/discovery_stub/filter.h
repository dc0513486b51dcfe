#pragma once

// The filter parameters of search/all compiled into clauses (reference
// §2.1, §2.2), and a document matched against them. The field table and the
// lookups are in filter_compile.cc, matching in filter_match.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/params.h"

namespace ec::stub {

// How a field's values are typed and compared.
enum class FieldKind {
  kTerm,
  kLowerTerm,
  kBool,
  kNumber,
  kDate,
  kPhrase,
  kNever
};

// One field of BaseAggregateSearchViewSet.filter_fields.
struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  int index;         // TermField / NumField; for kPhrase 0 = key, 1 =
                     // short_description
  uint32_t lookups;  // the lookups it allows, as bits (filter_compile.cc)
};

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

// The clauses of the filter parameters in `params`: one per key for plain
// and match_phrase lookups (its values ORed), one per value for the others.
// Unknown fields and disallowed lookups are ignored silently, as discovery
// does. `now` is the clock of date math.
std::vector<Clause> CompileFilters(const QueryParams& params, int64_t now);

// Whether `doc` passes `clause`.
bool Passes(const Document& doc, const Clause& clause);

}  // namespace ec::stub
