// The /_stub/ control endpoints: stats, faults, dataset changes (mutate,
// mutate_courses, remove) and counts (README.md, "Control endpoints").
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tools/discovery_stub/stub_server_impl.h"

namespace ec::stub {

namespace http = boost::beast::http;

std::string StatsToJson(const StubStats& stats) {
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& [status, n] : stats.responses_by_status) {
    by_status[std::to_string(status)] = n;
  }
  nlohmann::json by_body = nlohmann::json::object();
  for (const auto& [body, n] : stats.crawls_by_body) by_body[body] = n;
  return nlohmann::json(
             {{"token_requests", stats.token_requests},
              {"search_requests", stats.search_requests},
              {"search_ok", stats.search_ok},
              {"crawls", stats.crawls},
              {"crawls_by_body", by_body},
              {"responses_by_status", by_status},
              {"faults_fired", stats.faults_fired},
              {"courses_requests", stats.courses_requests},
              {"course_keys_requested", stats.course_keys_requested},
              {"courses_ok", stats.courses_ok},
              {"programs_requests", stats.programs_requests},
              {"program_uuids_requested", stats.program_uuids_requested},
              {"programs_ok", stats.programs_ok}})
      .dump();
}

ServerReply DiscoveryStub::Impl::HandleControl(const ServerRequest& req,
                                               std::string_view path) {
  ServerReply reply;
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
    const size_t count = fault_injector.Add(*std::move(rule));
    reply.response =
        JsonResponse(200, nlohmann::json({{"faults", count}}).dump(), version);
  } else if (path == "/_stub/faults" && del) {
    fault_injector.Clear();
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
  } else if (path == "/_stub/mutate_courses" && post) {
    // A JSON list of course keys, or {"keys": [...]}.
    nlohmann::json j = nlohmann::json::parse(req.body(), nullptr, false);
    if (j.is_object() && j.contains("keys")) j = j["keys"];
    std::vector<std::string> keys;
    bool ok = j.is_array();
    for (const auto& k : ok ? j : nlohmann::json::array()) {
      if (!k.is_string()) {
        ok = false;
        break;
      }
      keys.push_back(k.get<std::string>());
    }
    if (!ok) {
      reply.response = JsonResponse(
          400, Detail("body must be a JSON list of course keys"), version);
      return reply;
    }
    reply.response = JsonResponse(
        200, nlohmann::json({{"keys", MutateCourses(keys)}}).dump(), version);
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

}  // namespace ec::stub
