#pragma once

// What the discovery client's tests share: a scripted transport at the HTTP
// edge, documents and pages as discovery sends them, and the fixture that
// builds a client on them with a recorded sleeper and a fake clock.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "discovery/discovery_client.h"
#include "discovery/discovery_client_testing.h"
#include "discovery/http_transport.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace ec::discovery {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;
using std::chrono::milliseconds;

inline constexpr char kSecret[] = "s3cr&t=+/ x";
inline constexpr char kSearchPrefix[] =
    "https://discovery.test/api/v1/search/all/"
    "?exclude_expired_course_run=True&include_learner_pathways=True"
    "&include_modified=true";
inline constexpr char kTokenUrl[] = "https://lms.test/oauth2/access_token";

inline HttpResponse Respond(
    int status, std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {
        {"content-type", "application/json"}}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline std::string PageBody(int64_t count, const Json& next,
                            const std::vector<Json>& results) {
  return Json{{"count", count},
              {"next", next},
              {"previous", nullptr},
              {"facets", Json::object()},
              {"results", results}}
      .dump();
}

inline std::string NextUrl(int page) {
  return absl::StrCat("https://discovery.test/api/v1/search/all/?page=", page,
                      "&page_size=100");
}

inline Json Course(const std::string& key,
                   const std::vector<std::string>& runs) {
  Json course_runs = Json::array();
  for (const std::string& run : runs) {
    course_runs.push_back({{"key", run}, {"title", "Run " + run}});
  }
  return {{"aggregation_key", "course:" + key},
          {"content_type", "course"},
          {"key", key},
          {"title", "Course " + key},
          {"course_runs", course_runs}};
}

inline Json CourseRun(const std::string& course, const std::string& key) {
  return {{"aggregation_key", "courserun:" + course},
          {"content_type", "courserun"},
          {"key", key},
          {"title", "Run " + key}};
}

inline Json Program(const std::string& uuid) {
  return {{"aggregation_key", "program:" + uuid},
          {"content_type", "program"},
          {"uuid", uuid},
          {"title", "Program"}};
}

inline Json Person() {
  return {{"aggregation_key", "person:5e1a"},
          {"content_type", "person"},
          {"uuid", "5e1a7a2c-0000-4000-8000-000000000001"}};
}

// Everything the scripted transport saw and will answer. Shared with the
// test because the client owns the transport.
struct Script {
  std::vector<HttpRequest> requests;
  // "GET" or "POST", one per request.
  std::vector<std::string> methods;
  std::deque<absl::StatusOr<HttpResponse>> token_responses;
  // Answers to every request but the token endpoint's: search/all, courses/
  // and programs/.
  std::deque<absl::StatusOr<HttpResponse>> search_responses;
  int tokens_issued = 0;
  int token_lifetime_seconds = 3600;
  bool throw_on_search = false;

  std::vector<HttpRequest> SearchRequests() const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& request : requests) {
      if (request.url != kTokenUrl) out.push_back(request);
    }
    return out;
  }
  std::vector<HttpRequest> TokenRequests() const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& request : requests) {
      if (request.url == kTokenUrl) out.push_back(request);
    }
    return out;
  }
};

// A fake at the HTTP edge: token requests get fresh tokens ("tok-1",
// "tok-2", ...) unless scripted otherwise; search requests take the next
// scripted answer and fail loudly when the script runs out.
class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::shared_ptr<Script> script)
      : script_(std::move(script)) {}

  absl::StatusOr<HttpResponse> Post(const HttpRequest& request) override {
    return Answer("POST", request);
  }

  absl::StatusOr<HttpResponse> Get(const HttpRequest& request) override {
    return Answer("GET", request);
  }

 private:
  absl::StatusOr<HttpResponse> Answer(const std::string& method,
                                      const HttpRequest& request) {
    script_->requests.push_back(request);
    script_->methods.push_back(method);
    if (request.url == kTokenUrl) {
      if (!script_->token_responses.empty()) {
        absl::StatusOr<HttpResponse> response =
            std::move(script_->token_responses.front());
        script_->token_responses.pop_front();
        return response;
      }
      ++script_->tokens_issued;
      return Respond(200, Json{{"access_token",
                                absl::StrCat("tok-", script_->tokens_issued)},
                               {"expires_in", script_->token_lifetime_seconds},
                               {"token_type", "JWT"}}
                              .dump());
    }
    if (script_->throw_on_search) throw std::runtime_error("boom");
    if (script_->search_responses.empty()) {
      return absl::InternalError("test script has no more search responses");
    }
    absl::StatusOr<HttpResponse> response =
        std::move(script_->search_responses.front());
    script_->search_responses.pop_front();
    return response;
  }

  std::shared_ptr<Script> script_;
};

class DiscoveryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.discovery_url = "https://discovery.test/api/v1/";
    config_.oauth_url = "https://lms.test";
    config_.client_id = "catalog-worker";
    config_.client_secret = kSecret;
    config_.page_size = 100;
    config_.max_attempts = 5;
    config_.backoff_base = milliseconds(1000);
    config_.backoff_max = milliseconds(30000);
    config_.retry_after_max = milliseconds(120000);

    previous_logger_ = spdlog::default_logger();
    auto logger = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }

  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    // The captured lines explain most failures.
    if (HasFailure() || getenv("EC_SHOW_LOGS") != nullptr) {
      std::cerr << "captured logs:\n" << Logs();
    }
  }

  std::unique_ptr<ContentSource> MakeClient(uint64_t seed = 42) {
    return NewDiscoveryClientForTest(
        config_, std::make_unique<ScriptedTransport>(script_),
        [this](milliseconds delay) {
          sleeps_.push_back(delay);
          return sleeper_result_;
        },
        [this] { return now_; }, seed);
  }

  void AddPage(int64_t count, const Json& next,
               const std::vector<Json>& results) {
    script_->search_responses.push_back(
        Respond(200, PageBody(count, next, results)));
  }

  void AddSearch(absl::StatusOr<HttpResponse> response) {
    script_->search_responses.push_back(std::move(response));
  }

  std::string Logs() const { return log_.str(); }

  DiscoveryConfig config_;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
  std::vector<milliseconds> sleeps_;
  absl::Status sleeper_result_ = absl::OkStatus();
  Clock::time_point now_ = Clock::time_point() + std::chrono::hours(1000);
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

// gmock prints Debian's absl::string_view char by char; a std::string reads
// better in failures.
inline std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

inline std::vector<std::string> Keys(const CrawlResult& result) {
  std::vector<std::string> keys;
  for (const domain::ContentRecord& record : result.records) {
    keys.push_back(record.content_key + (record.derived ? " (derived)" : ""));
  }
  return keys;
}

}  // namespace ec::discovery
