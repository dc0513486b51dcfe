#include "tools/discovery_stub/stub_server.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/search.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kSearchPath = "/api/v1/search/all/";
constexpr std::string_view kTokenPath = "/oauth2/access_token";
constexpr std::string_view kNotProvided =
    "Authentication credentials were not provided.";
constexpr size_t kMaxRequestBody = size_t{64} << 20;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What to do with one request.
struct Reply {
  Response response;
  int delay_ms = 0;
  bool drop = false;  // close without answering
};

std::string Base64Url(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) |
                       static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    const uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == data.size()) {
    const uint32_t n = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

uint64_t SplitMix(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Response JsonResponse(int status, std::string body, unsigned version) {
  Response res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::vary, "Accept");
  res.body() = std::move(body);
  return res;
}

std::string Detail(std::string_view detail) {
  return nlohmann::json({{"detail", detail}}).dump();
}

std::string StatusDetail(const FaultRule& rule) {
  switch (rule.status) {
    case 400:
      return "Bad request.";
    case 401:
      return std::string(kNotProvided);
    case 403:
      return "You do not have permission to perform this action.";
    case 404:
      return "Not found.";
    case 429:
      return Cat("Request was throttled. Expected available in ",
                 rule.retry_after_seconds >= 0 ? rule.retry_after_seconds : 60,
                 " seconds.");
    case 500:
      return "A server error occurred.";
    default: {
      const std::string_view reason =
          http::obsolete_reason(static_cast<http::status>(rule.status));
      return reason.empty() ? Cat("Error ", rule.status) : std::string(reason);
    }
  }
}

Response FaultStatusResponse(const FaultRule& rule, unsigned version,
                             bool token) {
  Response res =
      JsonResponse(rule.status,
                   token && rule.status == 401 ? R"({"error":"invalid_client"})"
                                               : Detail(StatusDetail(rule)),
                   version);
  if (rule.retry_after_seconds >= 0) {
    res.set(http::field::retry_after, std::to_string(rule.retry_after_seconds));
  }
  if (!token && rule.status == 401) {
    res.set(http::field::www_authenticate, R"(JWT realm="api")");
  }
  return res;
}

Response HtmlResponse(unsigned version) {
  Response res{http::status::ok, version};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.body() =
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
      "<body><center><h1>502 Bad Gateway</h1></center><hr>"
      "<center>nginx</center></body></html>\n";
  return res;
}

// The real body cut in the middle: a client sees valid-looking JSON that
// ends early, with a Content-Length that matches what is sent.
void Truncate(Response* res) {
  std::string& body = res->body();
  body.resize(body.size() / 2);
}

std::string_view KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kStatus:
      return "status";
    case FaultKind::kHtml200:
      return "html200";
    case FaultKind::kTruncatedJson:
      return "truncated_json";
    case FaultKind::kDropConnection:
      return "drop_connection";
    case FaultKind::kLatency:
      return "latency";
    case FaultKind::kDuplicateItems:
      return "duplicate_items";
    case FaultKind::kMissingItems:
      return "missing_items";
  }
  return "";
}

}  // namespace

absl::StatusOr<FaultRule> FaultRuleFromJson(std::string_view json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("fault rule must be a JSON object");
  }
  FaultRule rule;
  for (const auto& [key, value] : j.items()) {
    auto need_int = [&, &k = key, &v = value](int* out) -> absl::Status {
      if (!v.is_number_integer()) {
        return absl::InvalidArgumentError(Cat(k, " must be an integer"));
      }
      *out = v.get<int>();
      return absl::OkStatus();
    };
    absl::Status s;
    if (key == "target") {
      if (value == "search") {
        rule.target = FaultTarget::kSearch;
      } else if (value == "token") {
        rule.target = FaultTarget::kToken;
      } else {
        return absl::InvalidArgumentError(
            "target must be \"search\" or \"token\"");
      }
    } else if (key == "kind") {
      bool found = false;
      for (const FaultKind k :
           {FaultKind::kStatus, FaultKind::kHtml200, FaultKind::kTruncatedJson,
            FaultKind::kDropConnection, FaultKind::kLatency,
            FaultKind::kDuplicateItems, FaultKind::kMissingItems}) {
        if (value.is_string() && value.get<std::string>() == KindName(k)) {
          rule.kind = k;
          found = true;
        }
      }
      if (!found) return absl::InvalidArgumentError("unknown fault kind");
    } else if (key == "page") {
      s = need_int(&rule.page);
    } else if (key == "rate") {
      if (!value.is_number())
        return absl::InvalidArgumentError("rate must be a number");
      rule.rate = value.get<double>();
    } else if (key == "times") {
      s = need_int(&rule.times);
    } else if (key == "status") {
      s = need_int(&rule.status);
    } else if (key == "retry_after_seconds") {
      s = need_int(&rule.retry_after_seconds);
    } else if (key == "latency_ms") {
      s = need_int(&rule.latency_ms);
    } else if (key == "items") {
      s = need_int(&rule.items);
    } else if (key == "body_contains") {
      if (!value.is_string()) {
        return absl::InvalidArgumentError("body_contains must be a string");
      }
      rule.body_contains = value.get<std::string>();
    } else {
      return absl::InvalidArgumentError(Cat("unknown field: ", key));
    }
    if (!s.ok()) return s;
  }
  if (rule.kind == FaultKind::kStatus &&
      (rule.status < 100 || rule.status > 999)) {
    return absl::InvalidArgumentError("status must be an HTTP status code");
  }
  return rule;
}

std::string StatsToJson(const StubStats& stats) {
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, n] : stats.responses_by_status) {
    by_status[std::to_string(status)] = n;
  }
  nlohmann::json by_body = nlohmann::json::object();
  for (const auto& [body, n] : stats.crawls_by_body) by_body[body] = n;
  return nlohmann::json({{"token_requests", stats.token_requests},
                         {"search_requests", stats.search_requests},
                         {"search_ok", stats.search_ok},
                         {"crawls", stats.crawls},
                         {"crawls_by_body", by_body},
                         {"responses_by_status", by_status},
                         {"faults_fired", stats.faults_fired}})
      .dump();
}

struct DiscoveryStub::Impl {
  struct FaultDecision {
    int delay_ms = 0;
    std::optional<FaultRule> outcome;
  };

  Options options;
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  int port = 0;
  std::mutex stop_mu;
  bool stopped ABSL_GUARDED_BY(stop_mu) = false;

  mutable std::shared_mutex data_mu;
  std::shared_ptr<const Searcher> searcher ABSL_GUARDED_BY(data_mu);
  // Serializes MutateFraction/RemoveFraction (each derives from the last).
  std::mutex change_mu;

  mutable std::mutex fault_mu;
  std::vector<FaultRule> rules ABSL_GUARDED_BY(fault_mu);
  uint64_t fault_rng ABSL_GUARDED_BY(fault_mu) = 0;

  mutable std::mutex stats_mu;
  StubStats stats ABSL_GUARDED_BY(stats_mu);

  std::mutex token_mu;
  absl::flat_hash_map<std::string, Clock::time_point> tokens
      ABSL_GUARDED_BY(token_mu);
  uint64_t token_counter ABSL_GUARDED_BY(token_mu) = 0;
  uint64_t token_salt = 0;

  std::shared_ptr<const Searcher> Snapshot() const {
    std::shared_lock lock(data_mu);
    return searcher;
  }

  FaultDecision SelectFaults(FaultTarget target, std::optional<int64_t> page,
                             std::string_view body, bool page_ok) {
    FaultDecision decision;
    int64_t fired = 0;
    {
      std::lock_guard lock(fault_mu);
      for (FaultRule& rule : rules) {
        if (rule.times == 0 || rule.target != target) continue;
        const bool items_kind = rule.kind == FaultKind::kDuplicateItems ||
                                rule.kind == FaultKind::kMissingItems;
        if (target == FaultTarget::kSearch) {
          if (rule.page != 0 && (!page || *page != rule.page)) continue;
          // Faults that alter a page need a real page, and duplicates a page
          // before it.
          const bool alters_page =
              items_kind || rule.kind == FaultKind::kTruncatedJson;
          if (alters_page && !page_ok) continue;
          if (rule.kind == FaultKind::kDuplicateItems && page.value_or(1) <= 1)
            continue;
        } else if (items_kind) {
          continue;
        }
        if (!rule.body_contains.empty() &&
            body.find(rule.body_contains) == std::string_view::npos) {
          continue;
        }
        if (rule.kind != FaultKind::kLatency && decision.outcome) continue;
        if (rule.rate < 1.0) {
          const double draw =
              static_cast<double>(SplitMix(&fault_rng) >> 11) * 0x1.0p-53;
          if (draw >= rule.rate) continue;
        }
        if (rule.times > 0) --rule.times;
        ++fired;
        if (rule.kind == FaultKind::kLatency) {
          decision.delay_ms += std::max(0, rule.latency_ms);
        } else {
          decision.outcome = rule;
        }
      }
    }
    if (fired > 0) {
      std::lock_guard lock(stats_mu);
      stats.faults_fired += fired;
    }
    return decision;
  }

  std::string IssueToken() {
    std::lock_guard lock(token_mu);
    const uint64_t serial = ++token_counter;
    const auto now_wall =
        std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count();
    const std::string header = Base64Url(R"({"alg":"HS256","typ":"JWT"})");
    const std::string payload = Base64Url(
        nlohmann::json({{"iss", "discovery-stub"},
                        {"aud", "openedx"},
                        {"sub", options.client_id},
                        {"preferred_username", options.client_id},
                        {"iat", now_wall},
                        {"exp", now_wall + options.token_lifetime_seconds},
                        {"jti", Cat(serial)},
                        {"scopes", {"read", "write", "email", "profile"}},
                        {"administrator", false}})
            .dump());
    uint64_t state = token_salt ^ (serial * 0x9e3779b97f4a7c15ULL);
    std::string signature;
    for (int i = 0; i < 4; ++i) {
      const uint64_t word = SplitMix(&state);
      signature.append(reinterpret_cast<const char*>(&word), sizeof(word));
    }
    std::string token = Cat(header, ".", payload, ".", Base64Url(signature));
    const Clock::time_point now = Clock::now();
    if (tokens.size() > 100000) {
      // Forget tokens long expired; recent ones still answer "expired".
      absl::erase_if(tokens, [&](const auto& entry) {
        return entry.second + std::chrono::hours(1) < now;
      });
    }
    tokens[token] = now + std::chrono::seconds(options.token_lifetime_seconds);
    return token;
  }

  // "" when the request carries a live token, else the 401 detail.
  std::string CheckAuth(const Request& req) {
    const std::string_view header = req[http::field::authorization];
    constexpr std::string_view kScheme = "JWT ";
    if (header.size() <= kScheme.size() ||
        header.substr(0, kScheme.size()) != kScheme) {
      return std::string(kNotProvided);
    }
    const std::string token(header.substr(kScheme.size()));
    std::lock_guard lock(token_mu);
    auto it = tokens.find(token);
    if (it == tokens.end()) return std::string(kNotProvided);
    if (it->second <= Clock::now()) return "Signature has expired.";
    return "";
  }

  Reply HandleToken(const Request& req) {
    {
      std::lock_guard lock(stats_mu);
      ++stats.token_requests;
    }
    Reply reply;
    if (req.method() != http::verb::post) {
      reply.response =
          JsonResponse(405,
                       Detail(Cat("Method \"", std::string(req.method_string()),
                                  "\" not allowed.")),
                       req.version());
      return reply;
    }
    const FaultDecision faults =
        SelectFaults(FaultTarget::kToken, std::nullopt, req.body(), false);
    reply.delay_ms = faults.delay_ms;
    if (faults.outcome) {
      switch (faults.outcome->kind) {
        case FaultKind::kStatus:
          reply.response =
              FaultStatusResponse(*faults.outcome, req.version(), true);
          return reply;
        case FaultKind::kHtml200:
          reply.response = HtmlResponse(req.version());
          return reply;
        case FaultKind::kDropConnection:
          reply.drop = true;
          return reply;
        default:
          break;
      }
    }
    reply.response = TokenAnswer(req);
    if (faults.outcome && faults.outcome->kind == FaultKind::kTruncatedJson) {
      Truncate(&reply.response);
    }
    return reply;
  }

  Response TokenAnswer(const Request& req) {
    const QueryParams form = ParseQueryString(req.body());
    const std::string* grant = form.Get("grant_type");
    const std::string* id = form.Get("client_id");
    const std::string* secret = form.Get("client_secret");
    if (grant == nullptr || *grant != "client_credentials") {
      return JsonResponse(400, R"({"error":"unsupported_grant_type"})",
                          req.version());
    }
    if (id == nullptr || secret == nullptr || *id != options.client_id ||
        *secret != options.client_secret) {
      return JsonResponse(401, R"({"error":"invalid_client"})", req.version());
    }
    return JsonResponse(
        200,
        nlohmann::json({{"access_token", IssueToken()},
                        {"expires_in", options.token_lifetime_seconds},
                        {"token_type", "JWT"},
                        {"scope", "read write email profile"}})
            .dump(),
        req.version());
  }

  Reply HandleSearch(const Request& req, std::string_view path,
                     std::string_view raw_query) {
    {
      std::lock_guard lock(stats_mu);
      ++stats.search_requests;
    }
    Reply reply = ComputeSearch(req, path, raw_query);
    std::lock_guard lock(stats_mu);
    ++stats.responses_by_status[reply.drop ? 0
                                           : static_cast<int>(
                                                 reply.response.result_int())];
    return reply;
  }

  // The search/all answer; counts well-formed pages in the stats.
  Reply ComputeSearch(const Request& req, std::string_view path,
                      std::string_view raw_query) {
    Reply reply;
    if (req.method() != http::verb::post && req.method() != http::verb::get) {
      reply.response =
          JsonResponse(405,
                       Detail(Cat("Method \"", std::string(req.method_string()),
                                  "\" not allowed.")),
                       req.version());
      return reply;
    }
    if (const std::string auth = CheckAuth(req); !auth.empty()) {
      reply.response = JsonResponse(401, Detail(auth), req.version());
      reply.response.set(http::field::www_authenticate, R"(JWT realm="api")");
      return reply;
    }
    const std::shared_ptr<const Searcher> snapshot = Snapshot();
    SearchRequest request;
    request.method = req.method() == http::verb::get ? "GET" : "POST";
    request.path = std::string(path);
    request.raw_query = std::string(raw_query);
    request.body = req.body();
    request.host = std::string(req[http::field::host]);
    if (request.host.empty()) request.host = Cat(options.host, ":", port);
    SearchLimits limits;
    limits.max_result_window = options.max_result_window;
    limits.count_cap = options.count_cap;
    const SearchPlan plan = PlanSearch(*snapshot, request, limits);

    const std::optional<int64_t> page = plan.status == 200
                                            ? std::optional<int64_t>(plan.page)
                                            : RequestedPage(plan.params);
    const std::string_view body = request.method == "POST"
                                      ? std::string_view(req.body())
                                      : std::string_view();
    const FaultDecision faults =
        SelectFaults(FaultTarget::kSearch, page, body, plan.status == 200);
    reply.delay_ms = faults.delay_ms;
    // kLatency never decides an outcome, so it stands for "no fault" here.
    const FaultKind kind =
        faults.outcome ? faults.outcome->kind : FaultKind::kLatency;
    if (kind == FaultKind::kStatus) {
      reply.response =
          FaultStatusResponse(*faults.outcome, req.version(), false);
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
    if (plan.status != 200) {
      reply.response =
          JsonResponse(plan.status, plan.error_body, req.version());
      return reply;
    }
    std::vector<uint32_t> items(
        plan.matches->begin() + static_cast<std::ptrdiff_t>(plan.begin),
        plan.matches->begin() + static_cast<std::ptrdiff_t>(plan.end));
    if (kind == FaultKind::kDuplicateItems) {
      // An unstable sort: this page starts with the previous page's tail, so
      // those repeat and the ones they displace are never seen.
      const size_t k =
          std::min({static_cast<size_t>(std::max(0, faults.outcome->items)),
                    items.size(), plan.begin});
      for (size_t i = 0; i < k; ++i)
        items[i] = (*plan.matches)[plan.begin - k + i];
    } else if (kind == FaultKind::kMissingItems) {
      const size_t k =
          std::min(static_cast<size_t>(std::max(0, faults.outcome->items)),
                   items.size());
      items.erase(items.begin(),
                  items.begin() + static_cast<std::ptrdiff_t>(k));
    }
    reply.response = JsonResponse(200, RenderSearchPage(*snapshot, plan, items),
                                  req.version());
    if (kind == FaultKind::kTruncatedJson) {
      Truncate(&reply.response);
      return reply;
    }
    std::lock_guard lock(stats_mu);
    ++stats.search_ok;
    if (plan.page == 1) {
      ++stats.crawls;
      ++stats.crawls_by_body[std::string(body)];
    }
    return reply;
  }

  Reply HandleControl(const Request& req, std::string_view path);
  std::vector<std::string> ChangeDataset(bool mutate, double fraction,
                                         uint64_t seed);
  // Documents an unfiltered default crawl serves; "" = all content types.
  size_t CountServed(std::string_view content_type) const;

  Reply Handle(const Request& req) {
    const std::string_view target = req.target();
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view raw_query =
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    try {
      if (path == kSearchPath) return HandleSearch(req, path, raw_query);
      if (path == kTokenPath || path == Cat(kTokenPath, "/")) {
        return HandleToken(req);
      }
      if (path.substr(0, 7) == "/_stub/") return HandleControl(req, path);
      Reply reply;
      reply.response = JsonResponse(404, Detail("Not found."), req.version());
      return reply;
    } catch (const std::exception& e) {
      Reply reply;
      reply.response = JsonResponse(500, Detail(e.what()), req.version());
      return reply;
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxRequestBody);
      auto [read_error, read_bytes] = co_await http::async_read(
          stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (read_error) break;
      Request req = parser.release();
      const Clock::time_point started = Clock::now();
      Reply reply = Handle(req);
      if (reply.delay_ms > 0) {
        asio::steady_timer timer(stream.get_executor());
        timer.expires_after(std::chrono::milliseconds(reply.delay_ms));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (options.verbose) {
        const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                            Clock::now() - started)
                            .count() /
                        1000.0;
        std::fprintf(
            stderr, "%s\n",
            nlohmann::json(
                {{"method", std::string(req.method_string())},
                 {"target", std::string(req.target())},
                 {"status", reply.drop ? 0 : reply.response.result_int()},
                 {"bytes", reply.response.body().size()},
                 {"ms", ms}})
                .dump()
                .c_str());
      }
      if (reply.drop) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream.socket().close(ignored);
        co_return;
      }
      Response& res = reply.response;
      res.version(req.version());
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [write_error, written] = co_await http::async_write(
          stream, res, asio::as_tuple(asio::use_awaitable));
      if (write_error || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> Listen() {
    for (;;) {
      auto [error, socket] =
          co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (error) {
        if (error == asio::error::operation_aborted || !acceptor->is_open())
          co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(io->get_executor(), Session(std::move(socket)),
                     asio::detached);
    }
  }
};

Reply DiscoveryStub::Impl::HandleControl(const Request& req,
                                         std::string_view path) {
  Reply reply;
  const unsigned version = req.version();
  const bool get = req.method() == http::verb::get;
  const bool post = req.method() == http::verb::post;
  const bool del = req.method() == http::verb::delete_;
  auto fraction_request = [&](double* fraction, uint64_t* seed) -> std::string {
    const nlohmann::json j = nlohmann::json::parse(req.body(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("fraction") ||
        !j["fraction"].is_number()) {
      return "body must be {\"fraction\": number, \"seed\": integer}";
    }
    *fraction = j["fraction"].get<double>();
    *seed = j.contains("seed") && j["seed"].is_number_unsigned()
                ? j["seed"].get<uint64_t>()
                : 1;
    return "";
  };
  if (path == "/_stub/stats" && get) {
    StubStats copy;
    {
      std::lock_guard lock(stats_mu);
      copy = stats;
    }
    reply.response = JsonResponse(200, StatsToJson(copy), version);
  } else if (path == "/_stub/faults" && post) {
    absl::StatusOr<FaultRule> rule = FaultRuleFromJson(req.body());
    if (!rule.ok()) {
      reply.response = JsonResponse(
          400, Detail(std::string(rule.status().message())), version);
      return reply;
    }
    std::lock_guard lock(fault_mu);
    rules.push_back(*std::move(rule));
    reply.response = JsonResponse(
        200, nlohmann::json({{"faults", rules.size()}}).dump(), version);
  } else if (path == "/_stub/faults" && del) {
    std::lock_guard lock(fault_mu);
    rules.clear();
    reply.response = JsonResponse(200, R"({"faults":0})", version);
  } else if (path == "/_stub/reset_stats" && post) {
    std::lock_guard lock(stats_mu);
    stats = StubStats();
    reply.response = JsonResponse(200, "{}", version);
  } else if ((path == "/_stub/mutate" || path == "/_stub/remove") && post) {
    double fraction = 0;
    uint64_t seed = 1;
    if (const std::string error = fraction_request(&fraction, &seed);
        !error.empty()) {
      reply.response = JsonResponse(400, Detail(error), version);
      return reply;
    }
    const std::vector<std::string> keys =
        ChangeDataset(path == "/_stub/mutate", fraction, seed);
    reply.response =
        JsonResponse(200, nlohmann::json({{"keys", keys}}).dump(), version);
  } else if (path == "/_stub/count" && get) {
    nlohmann::json by_type = nlohmann::json::object();
    for (size_t t = 0; t < kContentTypeCount; ++t) {
      const std::string_view name =
          ContentTypeName(static_cast<ContentType>(t));
      by_type[std::string(name)] = CountServed(name);
    }
    reply.response =
        JsonResponse(200,
                     nlohmann::json({{"document_count", CountServed("")},
                                     {"by_type", by_type}})
                         .dump(),
                     version);
  } else {
    reply.response = JsonResponse(404, Detail("Not found."), version);
  }
  return reply;
}

std::vector<std::string> DiscoveryStub::Impl::ChangeDataset(bool mutate,
                                                            double fraction,
                                                            uint64_t seed) {
  std::lock_guard change(change_mu);
  const std::shared_ptr<const Searcher> current = Snapshot();
  std::vector<std::string> keys;
  std::shared_ptr<const Dataset> next =
      mutate ? current->dataset().WithMutated(fraction, seed, &keys)
             : current->dataset().WithRemoved(fraction, seed, &keys);
  auto fresh = std::make_shared<const Searcher>(std::move(next));
  std::lock_guard lock(data_mu);
  searcher = std::move(fresh);
  return keys;
}

size_t DiscoveryStub::Impl::CountServed(std::string_view content_type) const {
  const std::shared_ptr<const Searcher> snapshot = Snapshot();
  size_t n = 0;
  for (const auto& doc : snapshot->dataset().docs()) {
    if (doc->type == ContentType::kCourseRun && !doc->restriction_type.empty())
      continue;
    if (!content_type.empty() && ContentTypeName(doc->type) != content_type)
      continue;
    ++n;
  }
  return n;
}

absl::StatusOr<std::unique_ptr<DiscoveryStub>> DiscoveryStub::Start(
    const Options& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->options.threads = std::max(1, options.threads);
  {
    std::lock_guard lock(impl->data_mu);
    impl->searcher =
        std::make_shared<const Searcher>(Dataset::Generate(options.dataset));
  }
  {
    std::lock_guard lock(impl->fault_mu);
    impl->fault_rng = options.dataset.seed ^ 0xfa17fa17fa17fa17ULL;
  }
  impl->token_salt =
      std::random_device{}() ^
      (static_cast<uint64_t>(std::random_device{}()) << 32) ^
      static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  impl->io = std::make_unique<asio::io_context>(impl->options.threads);
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        Cat("bad --host ", options.host, ": ", ec.message()));
  }
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->io);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(options.port));
  impl->acceptor->open(endpoint.protocol(), ec);
  if (!ec)
    impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor->bind(endpoint, ec);
  if (!ec)
    impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(Cat("cannot listen on ", options.host, ":",
                                      options.port, ": ", ec.message()));
  }
  impl->port = impl->acceptor->local_endpoint().port();
  Impl* raw = impl.get();
  asio::co_spawn(impl->io->get_executor(), raw->Listen(), asio::detached);
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([raw] { raw->io->run(); });
  }
  return std::unique_ptr<DiscoveryStub>(new DiscoveryStub(std::move(impl)));
}

DiscoveryStub::DiscoveryStub(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

DiscoveryStub::~DiscoveryStub() { Stop(); }

void DiscoveryStub::Stop() {
  {
    std::lock_guard lock(impl_->stop_mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // The acceptor goes before the io_context it uses; destroying the
  // io_context then destroys every suspended session, closing its socket.
  impl_->acceptor.reset();
  impl_->io.reset();
}

int DiscoveryStub::port() const { return impl_->port; }

std::string DiscoveryStub::base_url() const {
  return Cat("http://", impl_->options.host, ":", impl_->port);
}

std::string DiscoveryStub::discovery_url() const {
  return Cat(base_url(), "/api/v1/");
}

void DiscoveryStub::AddFault(const FaultRule& rule) {
  std::lock_guard lock(impl_->fault_mu);
  impl_->rules.push_back(rule);
}

void DiscoveryStub::ClearFaults() {
  std::lock_guard lock(impl_->fault_mu);
  impl_->rules.clear();
}

StubStats DiscoveryStub::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

void DiscoveryStub::ResetStats() {
  std::lock_guard lock(impl_->stats_mu);
  impl_->stats = StubStats();
}

std::vector<std::string> DiscoveryStub::MutateFraction(double fraction,
                                                       uint64_t seed) {
  return impl_->ChangeDataset(/*mutate=*/true, fraction, seed);
}

std::vector<std::string> DiscoveryStub::RemoveFraction(double fraction,
                                                       uint64_t seed) {
  return impl_->ChangeDataset(/*mutate=*/false, fraction, seed);
}

size_t DiscoveryStub::document_count() const { return impl_->CountServed(""); }

size_t DiscoveryStub::document_count(std::string_view content_type) const {
  if (content_type.empty()) return 0;
  return impl_->CountServed(content_type);
}

absl::StatusOr<std::vector<std::string>> DiscoveryStub::MatchingKeys(
    std::string_view raw_query, std::string_view body) const {
  const std::shared_ptr<const Searcher> snapshot = impl_->Snapshot();
  QueryParams params = ParseQueryString(raw_query);
  if (absl::Status s = MergeJsonBody(body, &params); !s.ok()) return s;
  const std::shared_ptr<const Searcher::Matches> matches =
      snapshot->Match(params);
  std::vector<std::string> keys;
  keys.reserve(matches->size());
  for (const uint32_t i : *matches)
    keys.push_back(snapshot->dataset().docs()[i]->key);
  return keys;
}

std::shared_ptr<const Dataset> DiscoveryStub::dataset() const {
  return impl_->Snapshot()->dataset_ptr();
}

}  // namespace ec::stub
