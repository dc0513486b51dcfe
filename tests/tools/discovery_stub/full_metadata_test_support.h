#pragma once

// What the tests of /api/v1/courses/ and /api/v1/programs/ share: GETs with
// the stub's token, and the documents of a whole listing by content key.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/tools/discovery_stub/stub_test_support.h"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

// /api/v1/courses/ parameters that show every run of a course, as search/all
// nests them with kEverything.
inline constexpr char kAllRuns[] =
    "include_restricted=custom-b2b-enterprise,custom-b2c&"
    "include_hidden_course_runs=true";

// The value of `keys=` or `uuids=` as the service sends it: comma-joined,
// then quote_plus-encoded (so '+' is %2B, ':' %3A and ',' %2C).
inline std::string Encoded(const std::vector<std::string>& ids) {
  return QuotePlus(Join(ids, ","));
}

// Whether a course key is of the site partner (edx): MITxPRO's courses are
// of partner mitxpro, which /api/v1/courses/ does not serve.
inline bool OnSite(const std::string& key) {
  return key.rfind("MITxPRO+", 0) != 0;
}

class FullMetadataTest : public StubTest {
 protected:
  // A GET with the stub's token.
  HttpResponse Get(const std::string& target) {
    return Get(target, "JWT " + token_);
  }
  // A GET with this Authorization header ("" = none).
  HttpResponse Get(const std::string& target,
                   const std::string& authorization) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!authorization.empty()) {
      headers.emplace_back("Authorization", authorization);
    }
    auto r = client_->Send("GET", target, "", headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }
  nlohmann::json GetJson(const std::string& target) {
    const HttpResponse r = Get(target);
    EXPECT_EQ(r.status, 200) << target << " -> " << r.body.substr(0, 300);
    EXPECT_EQ(r.Header("content-type"), "application/json");
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  // Every /api/v1/courses/ document, by key, with `query` added.
  std::map<std::string, nlohmann::json> Courses(const std::string& query) {
    std::map<std::string, nlohmann::json> out;
    const nlohmann::json page =
        GetJson("/api/v1/courses/?limit=100000&" + query);
    for (const nlohmann::json& c : page["results"]) out[c["key"]] = c;
    return out;
  }
  // The search/all results of (`query`, `body`), by content key.
  std::map<std::string, nlohmann::json> SearchAll(const std::string& query,
                                                  const std::string& body) {
    std::map<std::string, nlohmann::json> out;
    const nlohmann::json page = PostJson(query, body);
    for (const nlohmann::json& d : page["results"]) {
      out[ContentKey(d)] = d;
    }
    return out;
  }
};

}  // namespace ec::stub
