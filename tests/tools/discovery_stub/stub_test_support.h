#pragma once

// What the tests of the running stand-in share: the small dataset they run
// against, the queries they send, and StubTest, which starts a stub and
// talks to it over real HTTP on loopback.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/http_client.h"
#include "tools/discovery_stub/stub_server.h"

namespace ec::stub {

using Keys = std::set<std::string>;

// Every document, restricted runs and pathways included, on one page.
inline constexpr char kEverything[] =
    "include_learner_pathways=true&include_restricted=custom-b2b-enterprise,"
    "custom-b2c&page_size=100000";
// A content filter as enterprise-catalog stores one: published edX courses
// at any level that are running or coming up.
inline constexpr char kDefaultFilter[] =
    R"({"content_type": "course", "partner": "edx", "level_type": ["Introductory",
    "Intermediate", "Advanced"], "availability": ["Current", "Starting Soon", "Upcoming"],
    "status": "published"})";
// What enterprise-catalog puts in the URL (reference §1.2).
inline constexpr char kCatalogQuery[] =
    "exclude_expired_course_run=True&include_learner_pathways=True&page_size="
    "100&"
    "ordering=aggregation_key%2Cstart";

// `key`, or `uuid` for programs, pathways and persons.
std::string ContentKey(const nlohmann::json& doc);
// The content keys of a page's results.
Keys KeysOf(const nlohmann::json& page);
std::vector<std::string> OrderedKeysOf(const nlohmann::json& page);

// A small, fast dataset (documents without padding) on two threads.
DiscoveryStub::Options SmallOptions();

// A token from the stub `client` talks to, with the credentials of
// `options`; "" (and a test failure) when there is none.
std::string FetchToken(HttpClient* client,
                       const DiscoveryStub::Options& options);

class StubTest : public ::testing::Test {
 protected:
  void SetUp() override { Restart(SmallOptions()); }

  void Restart(const DiscoveryStub::Options& options) {
    client_.reset();
    stub_.reset();
    options_ = options;
    auto stub = DiscoveryStub::Start(options);
    ASSERT_TRUE(stub.ok()) << stub.status();
    stub_ = std::move(*stub);
    client_ = std::make_unique<HttpClient>("127.0.0.1", stub_->port());
    token_ = FetchToken(client_.get(), options_);
  }

  HttpResponse Send(const std::string& method, const std::string& query,
                    const std::string& body = "",
                    HttpClient* client = nullptr) {
    std::string target = "/api/v1/search/all/";
    if (!query.empty()) target += "?" + query;
    auto r =
        (client ? client : client_.get())
            ->Send(method, target, body, {{"Authorization", "JWT " + token_}});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Post(const std::string& query, const std::string& body = "{}") {
    return Send("POST", query, body);
  }
  nlohmann::json PostJson(const std::string& query,
                          const std::string& body = "{}") {
    const HttpResponse r = Post(query, body);
    EXPECT_EQ(r.status, 200) << query << " " << body << " -> " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  // Every key the filter matches, over the whole population.
  Keys Filter(const std::string& body) {
    return KeysOf(PostJson(kEverything, body));
  }

  HttpResponse Control(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    auto r = client_->Send(method, path, body);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }

  DiscoveryStub::Options options_;
  std::unique_ptr<DiscoveryStub> stub_;
  std::unique_ptr<HttpClient> client_;
  std::string token_;
};

}  // namespace ec::stub
