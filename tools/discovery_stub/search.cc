#include "tools/discovery_stub/search.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/filter.h"
#include "tools/discovery_stub/ranking.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {
namespace {

constexpr size_t kMaxCacheEntries = 512;
constexpr std::string_view kKnownRestrictionTypes[] = {"custom-b2b-enterprise",
                                                       "custom-b2c"};

}  // namespace

Searcher::Searcher(std::shared_ptr<const Dataset> dataset)
    : dataset_(std::move(dataset)), catalog_(*dataset_) {}

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
  const std::vector<Clause> clauses = CompileFilters(params, now);

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

  RankMatches(params, docs, &matches);
  return matches;
}

}  // namespace ec::stub
