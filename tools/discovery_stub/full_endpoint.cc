// GET /api/v1/courses/ and /api/v1/programs/ (reference §4), as the
// full-metadata pass calls them: authentication as on search/all, the
// `keys` and `uuids` filters, DRF's LimitOffsetPagination, and the injected
// faults. The documents are in full_documents.h.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/full_documents.h"
#include "tools/discovery_stub/stub_server_impl.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace http = boost::beast::http;

namespace {

// DRF's default page size (settings PAGE_SIZE); there is no max_limit.
constexpr int64_t kDefaultLimit = 20;

// DRF's _positive_int: Python's int() of the text (surrounding whitespace
// and a sign allowed); a negative number fails, and so does 0 when
// `strict`.
std::optional<int64_t> PositiveInt(std::string_view text, bool strict) {
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
  if (negative && value != 0) return std::nullopt;
  if (strict && value == 0) return std::nullopt;
  return value;
}

// CharListFilter: the last value split on ','; nullopt (no filter) when the
// parameter is absent or empty.
std::optional<std::vector<std::string>> CommaList(const QueryParams& params,
                                                  std::string_view name) {
  const std::string* value = params.Get(name);
  if (value == nullptr || value->empty()) return std::nullopt;
  return Split(*value, ",");
}

// DRF's replace_query_param / remove_query_param on the request URL:
// parameters re-encoded sorted, with `limit` set and `offset` set or
// removed.
std::string LimitOffsetLink(std::string_view host, std::string_view path,
                            QueryParams params, int64_t limit,
                            std::optional<int64_t> offset) {
  params.Set("limit", Cat(limit));
  if (offset) {
    params.Set("offset", Cat(*offset));
  } else {
    params.Remove("offset");
  }
  const std::string query = EncodeSorted(params);
  return Cat("http://", host, path, query.empty() ? "" : "?", query);
}

// What body_contains is matched against on these GET endpoints.
std::string DecodedQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params.items()) {
    if (!out.empty()) out.push_back('&');
    Append(&out, name, "=", value);
  }
  return out;
}

int64_t IdentifierCount(const QueryParams& params, std::string_view name) {
  const std::optional<std::vector<std::string>> values =
      CommaList(params, name);
  int64_t n = 0;
  if (values) {
    for (const std::string& v : *values) n += v.empty() ? 0 : 1;
  }
  return n;
}

// The course documents a /api/v1/courses/ request selects, ordered by key
// (`ordering=-key` reverses it; other orderings are ignored).
std::vector<uint32_t> SelectCourses(const Dataset& dataset,
                                    const CatalogIndex& index,
                                    const QueryParams& params) {
  const auto keys = CommaList(params, "keys");
  const auto uuids = CommaList(params, "uuids");
  std::vector<uint32_t> matches;
  if (!keys && !uuids) {
    matches = index.site_courses();
  } else {
    std::set<uint32_t> chosen;
    const std::set<std::string> uuid_set =
        uuids ? std::set<std::string>(uuids->begin(), uuids->end())
              : std::set<std::string>();
    for (const std::string& id : keys ? *keys : *uuids) {
      const uint32_t* i = keys ? index.CourseByKey(id) : index.CourseByUuid(id);
      if (i == nullptr || !index.OnSite(*i)) continue;
      if (keys && uuids &&
          !uuid_set.contains(dataset.docs()[*i]->course_model->uuid)) {
        continue;
      }
      chosen.insert(*i);
    }
    matches.assign(chosen.begin(), chosen.end());
    std::sort(matches.begin(), matches.end(), [&](uint32_t a, uint32_t b) {
      return dataset.docs()[a]->key < dataset.docs()[b]->key;
    });
  }
  if (const std::string* ordering = params.Get("ordering");
      ordering != nullptr && *ordering == "-key") {
    std::reverse(matches.begin(), matches.end());
  }
  return matches;
}

// The program documents a /api/v1/programs/ request selects, in dataset
// order (`ordering=key` names no program field and is ignored).
std::vector<uint32_t> SelectPrograms(const CatalogIndex& index,
                                     const QueryParams& params) {
  const auto uuids = CommaList(params, "uuids");
  if (!uuids) return index.site_programs();
  std::set<uint32_t> chosen;
  for (const std::string& id : *uuids) {
    const uint32_t* i = index.ProgramByUuid(id);
    if (i != nullptr && index.OnSite(*i)) chosen.insert(*i);
  }
  return std::vector<uint32_t>(chosen.begin(), chosen.end());
}

FullRenderOptions RenderOptionsOf(const QueryParams& params) {
  FullRenderOptions options;
  if (const std::string* v = params.Get("include_restricted")) {
    for (const std::string& t : Split(*v, ",")) {
      options.include_restricted.emplace_back(Strip(t));
    }
  }
  if (const std::string* v = params.Get("include_hidden_course_runs")) {
    options.include_hidden = AsciiLower(*v) == "true" || *v == "1";
  }
  return options;
}

}  // namespace

ServerReply DiscoveryStub::Impl::HandleList(const ServerRequest& req,
                                            bool programs,
                                            std::string_view path,
                                            std::string_view raw_query) {
  const QueryParams params = ParseQueryString(raw_query);
  {
    std::lock_guard lock(stats_mu);
    if (programs) {
      ++stats.programs_requests;
      stats.program_uuids_requested += IdentifierCount(params, "uuids");
    } else {
      ++stats.courses_requests;
      stats.course_keys_requested +=
          IdentifierCount(params, "keys") + IdentifierCount(params, "uuids");
    }
  }
  return ComputeList(req, programs, path, params);
}

ServerReply DiscoveryStub::Impl::ComputeList(const ServerRequest& req,
                                             bool programs,
                                             std::string_view path,
                                             const QueryParams& params) {
  ServerReply reply;
  if (req.method() != http::verb::get) {
    reply.response = MethodNotAllowed(req);
    return reply;
  }
  if (const std::string auth =
          token_issuer.Check(req[http::field::authorization]);
      !auth.empty()) {
    reply.response = JsonResponse(401, Detail(auth), req.version());
    reply.response.set(http::field::www_authenticate, R"(JWT realm="api")");
    return reply;
  }
  const std::shared_ptr<const Searcher> snapshot = Snapshot();
  const Dataset& dataset = snapshot->dataset();
  const CatalogIndex& index = snapshot->catalog();
  const std::vector<uint32_t> matches =
      programs ? SelectPrograms(index, params)
               : SelectCourses(dataset, index, params);

  // LimitOffsetPagination.
  int64_t limit = kDefaultLimit;
  if (const std::string* v = params.Get("limit")) {
    limit = PositiveInt(*v, /*strict=*/true).value_or(kDefaultLimit);
  }
  int64_t offset = 0;
  if (const std::string* v = params.Get("offset")) {
    offset = PositiveInt(*v, /*strict=*/false).value_or(0);
  }
  const auto count = static_cast<int64_t>(matches.size());
  const auto begin = static_cast<size_t>(std::min(count, offset));
  const auto end = static_cast<size_t>(std::min(count, offset + limit));
  std::string host(req[http::field::host]);
  if (host.empty()) host = Cat(options.host, ":", port);
  std::string next, previous;
  if (offset + limit < count) {
    next = LimitOffsetLink(host, path, params, limit, offset + limit);
  }
  if (offset > 0) {
    previous = LimitOffsetLink(host, path, params, limit,
                               offset - limit <= 0
                                   ? std::nullopt
                                   : std::optional<int64_t>(offset - limit));
  }

  const FaultInjector::Decision faults =
      SelectFaults(programs ? FaultTarget::kPrograms : FaultTarget::kCourses,
                   offset / limit + 1, DecodedQuery(params), /*page_ok=*/true);
  reply.delay_ms = faults.delay_ms;
  // kLatency never decides an outcome, so it stands for "no fault" here.
  const FaultKind kind =
      faults.outcome ? faults.outcome->kind : FaultKind::kLatency;
  if (kind == FaultKind::kStatus) {
    reply.response = FaultStatusResponse(*faults.outcome, req.version(), false);
    return reply;
  }
  if (kind == FaultKind::kHtml200) {
    reply.response = HtmlResponse(req.version());
    return reply;
  }
  if (kind == FaultKind::kDropConnection) {
    reply.drop = true;
    return reply;
  }
  std::vector<uint32_t> items(
      matches.begin() + static_cast<std::ptrdiff_t>(begin),
      matches.begin() + static_cast<std::ptrdiff_t>(end));
  const size_t k = std::min(static_cast<size_t>(std::max(
                                0, faults.outcome ? faults.outcome->items : 0)),
                            items.size());
  if (kind == FaultKind::kDuplicateItems) {
    // An unstable order: the page starts with the previous page's tail.
    const size_t d = std::min(k, begin);
    for (size_t i = 0; i < d; ++i) items[i] = matches[begin - d + i];
  } else if (kind == FaultKind::kMissingItems) {
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(k));
  }

  const FullRenderOptions render_options = RenderOptionsOf(params);
  auto link = [](const std::string& url) {
    return url.empty() ? std::string("null") : nlohmann::json(url).dump();
  };
  // A swung count leaves the slice and the links as they were.
  const int64_t shown_count =
      kind == FaultKind::kCountSwing
          ? std::max<int64_t>(0, count + faults.outcome->items)
          : count;
  std::string body = Cat("{\"count\":", shown_count, ",\"next\":", link(next),
                         ",\"previous\":", link(previous), ",\"results\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body.push_back(',');
    const Document& doc = *dataset.docs()[items[i]];
    if (programs) {
      RenderExtendedProgram(dataset, index, doc, render_options, &body);
    } else {
      RenderFullCourse(dataset, index, doc, render_options, &body);
    }
  }
  body.append("]}");
  reply.response = JsonResponse(200, std::move(body), req.version());
  if (kind == FaultKind::kTruncatedJson) {
    Truncate(&reply.response);
    return reply;
  }
  std::lock_guard lock(stats_mu);
  ++(programs ? stats.programs_ok : stats.courses_ok);
  return reply;
}

}  // namespace ec::stub
