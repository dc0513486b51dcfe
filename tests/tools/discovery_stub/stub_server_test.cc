#include "tools/discovery_stub/stub_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/http_client.h"
#include "tools/discovery_stub/search.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

using nlohmann::json;
using Keys = std::set<std::string>;

constexpr char kEverything[] =
    "include_learner_pathways=true&include_restricted=custom-b2b-enterprise,"
    "custom-b2c&page_size=100000";
constexpr char kDefaultFilter[] =
    R"({"content_type": "course", "partner": "edx", "level_type": ["Introductory",
    "Intermediate", "Advanced"], "availability": ["Current", "Starting Soon", "Upcoming"],
    "status": "published"})";
// What enterprise-catalog puts in the URL (reference §1.2).
constexpr char kCatalogQuery[] =
    "exclude_expired_course_run=True&include_learner_pathways=True&page_size="
    "100&"
    "ordering=aggregation_key%2Cstart";

std::string ContentKey(const json& doc) {
  return doc.contains("key") ? doc["key"].get<std::string>()
                             : doc["uuid"].get<std::string>();
}

Keys KeysOf(const json& page) {
  Keys keys;
  for (const json& r : page["results"]) keys.insert(ContentKey(r));
  return keys;
}

std::vector<std::string> OrderedKeysOf(const json& page) {
  std::vector<std::string> keys;
  for (const json& r : page["results"]) keys.push_back(ContentKey(r));
  return keys;
}

DiscoveryStub::Options SmallOptions() {
  DiscoveryStub::Options options;
  options.threads = 2;
  options.dataset.seed = 11;
  options.dataset.courses = 150;
  options.dataset.runs = 360;
  options.dataset.programs = 12;
  options.dataset.pathways = 4;
  options.dataset.persons = 8;
  options.dataset.min_doc_bytes = 0;
  options.dataset.max_doc_bytes = 0;
  return options;
}

std::string FetchToken(HttpClient* client,
                       const DiscoveryStub::Options& options) {
  auto r = client->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=" + options.client_id +
          "&client_secret=" + options.client_secret + "&token_type=jwt",
      {}, "application/x-www-form-urlencoded");
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return "";
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body).value("access_token", "");
}

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
  json PostJson(const std::string& query, const std::string& body = "{}") {
    const HttpResponse r = Post(query, body);
    EXPECT_EQ(r.status, 200) << query << " " << body << " -> " << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    return json::parse(r.body, nullptr, false);
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

// ---------------------------------------------------------------------------
// OAuth and authentication.

TEST_F(StubTest, TokenEndpointIssuesUniqueJwtsForGoodCredentials) {
  auto r = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=enterprise-catalog-secret&token_type=jwt",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  const json body = json::parse(r->body);
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["token_type"], "JWT");
  EXPECT_EQ(body["scope"], "read write email profile");
  const std::string token = body["access_token"];
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2) << token;
  EXPECT_NE(token, token_);
  EXPECT_EQ(stub_->stats().token_requests, 2);
}

TEST_F(StubTest, TokenEndpointRejectsBadCredentials) {
  auto r = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=wrong",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"error":"invalid_client"})"));
  r = client_->Send("POST", "/oauth2/access_token", "grant_type=password", {},
                    "application/x-www-form-urlencoded");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
}

TEST_F(StubTest, SearchRequiresAnIssuedUnexpiredJwt) {
  const json not_provided = {
      {"detail", "Authentication credentials were not provided."}};
  for (const auto& headers :
       std::vector<std::vector<std::pair<std::string, std::string>>>{
           {},
           {{"Authorization", "JWT not-a-token"}},
           {{"Authorization", "Bearer " + token_}}}) {
    auto r = client_->Send("POST", "/api/v1/search/all/", "{}", headers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(json::parse(r->body), not_provided);
    EXPECT_EQ(r->Header("WWW-Authenticate"), R"(JWT realm="api")");
  }
  EXPECT_EQ(Post("").status, 200);

  DiscoveryStub::Options options = SmallOptions();
  options.token_lifetime_seconds = 0;  // expired as soon as issued
  Restart(options);
  const HttpResponse expired = Post("");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(json::parse(expired.body)["detail"], "Signature has expired.");
}

// ---------------------------------------------------------------------------
// Envelope and paging (§1.4, §1.5).

TEST_F(StubTest, EnvelopeAndLinksFollowDrf) {
  // Links depend on the URL only; a broad body gives several pages.
  const std::string body = R"({"content_type": ["course", "courserun"]})";
  const HttpResponse first = Post(std::string(kCatalogQuery) + "&page=1", body);
  ASSERT_EQ(first.status, 200);
  // Compact JSON, keys in DRF's order.
  EXPECT_EQ(first.body.rfind("{\"count\":", 0), 0u);
  const json page1 = json::parse(first.body);
  EXPECT_EQ(first.body.find("\"facets\":{},\"results\":["),
            first.body.find("\"facets\""));
  EXPECT_EQ(page1["facets"], json::object());
  const int count = page1["count"];
  ASSERT_GT(count, 100);
  EXPECT_EQ(page1["results"].size(), 100u);
  EXPECT_TRUE(page1["previous"].is_null());
  const std::string base = "http://127.0.0.1:" + std::to_string(stub_->port()) +
                           "/api/v1/search/all/";
  // From the URL query only, sorted, page replaced.
  EXPECT_EQ(
      page1["next"],
      base +
          "?exclude_expired_course_run=True&include_learner_pathways=True&"
          "ordering=aggregation_key%2Cstart&page=2&page_size=100");

  const json page2 = PostJson(std::string(kCatalogQuery) + "&page=2", body);
  EXPECT_EQ(
      page2["previous"],
      base +
          "?exclude_expired_course_run=True&include_learner_pathways=True&"
          "ordering=aggregation_key%2Cstart&page_size=100");
  const int last = (count + 99) / 100;
  const json last_page = PostJson(
      std::string(kCatalogQuery) + "&page=" + std::to_string(last), body);
  EXPECT_TRUE(last_page["next"].is_null());
  EXPECT_EQ(last_page["results"].size(),
            static_cast<size_t>(count - (last - 1) * 100));
  if (last >= 3) {
    EXPECT_EQ(
        last_page["previous"],
        base +
            "?exclude_expired_course_run=True&include_learner_pathways=True&"
            "ordering=aggregation_key%2Cstart&page=" +
            std::to_string(last - 1) + "&page_size=100");
  }
  EXPECT_EQ(PostJson(std::string(kCatalogQuery) + "&page=last", body),
            last_page);

  for (const std::string& page : std::vector<std::string>{
           std::to_string(last + 1), "0", "-1", "abc", "1.0"}) {
    const HttpResponse r =
        Post(std::string(kCatalogQuery) + "&page=" + page, body);
    EXPECT_EQ(r.status, 404) << page;
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"detail":"Invalid page."})"))
        << page;
  }
}

TEST_F(StubTest, PagesCoverTheResultExactlyOnce) {
  const size_t total = PostJson(kEverything)["count"];
  std::vector<std::string> crawled;
  for (int page = 1;; ++page) {
    const json p = PostJson(
        "include_learner_pathways=true&include_restricted=custom-b2c,"
        "custom-b2b-enterprise&page_size=37&page=" +
        std::to_string(page));
    for (const auto& k : OrderedKeysOf(p)) crawled.push_back(k);
    if (p["next"].is_null()) break;
  }
  EXPECT_EQ(crawled.size(), total);
  EXPECT_EQ(Keys(crawled.begin(), crawled.end()).size(), total);
}

TEST_F(StubTest, PageSizeDefaultsToTwentyAndEmptyResultsHaveOnePage) {
  EXPECT_EQ(PostJson("")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=0")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=abc")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=-5")["results"].size(), 20u);
  EXPECT_EQ(PostJson("page_size=3")["results"].size(), 3u);
  const json empty = PostJson("page=1", R"({"key.raw": "no+such+course"})");
  EXPECT_EQ(
      empty,
      json::parse(
          R"({"count":0,"next":null,"previous":null,"facets":{},"results":[]})"));
  EXPECT_EQ(Post("page=2", R"({"key.raw": "no+such+course"})").status, 404);
}

TEST_F(StubTest, BodyIsMergedIntoQueryParameters) {
  // A one-element list is its element; URL and body parameters are ANDed.
  EXPECT_EQ(
      KeysOf(PostJson("content_type=course&page_size=1000")),
      KeysOf(PostJson("page_size=1000", R"({"content_type": ["course"]})")));
  // The body's page wins over the URL's (QueryDict.get takes the last value),
  // but next/previous come from the URL alone.
  const json page = PostJson("page_size=5&page=1", R"({"page": 3})");
  EXPECT_EQ(page["previous"],
            "http://127.0.0.1:" + std::to_string(stub_->port()) +
                "/api/v1/search/all/?page=2&page_size=5");
  EXPECT_EQ(OrderedKeysOf(page), OrderedKeysOf(PostJson("page_size=5&page=3")));
  // Control flags can come in the body; JSON true becomes "True".
  auto has_pathway = [](const json& p) {
    for (const json& r : p["results"]) {
      if (r["content_type"] == "learnerpathway") return true;
    }
    return false;
  };
  EXPECT_FALSE(has_pathway(PostJson("page_size=1000")));
  EXPECT_TRUE(has_pathway(
      PostJson("page_size=1000", R"({"include_learner_pathways": true})")));
  EXPECT_TRUE(
      has_pathway(PostJson("page_size=1000&include_learner_pathways=TRUE")));
  EXPECT_FALSE(
      has_pathway(PostJson("page_size=1000&include_learner_pathways=1")));
  EXPECT_FALSE(has_pathway(
      PostJson("page_size=1000", R"({"include_learner_pathways": "false"})")));
  // A body that is not a JSON object is a client error.
  EXPECT_EQ(Post("", "[1, 2]").status, 400);
}

TEST_F(StubTest, GetWithoutPartnerMeansTheSitePartnerButPostDoesNot) {
  const Keys post = KeysOf(PostJson("content_type=course&page_size=1000"));
  const Keys get = KeysOf(
      json::parse(Send("GET", "content_type=course&page_size=1000").body));
  const Keys get_mitxpro = KeysOf(json::parse(
      Send("GET", "content_type=course&page_size=1000&partner=mitxpro").body));
  ASSERT_FALSE(get_mitxpro.empty());
  EXPECT_LT(get.size(), post.size());
  EXPECT_EQ(get.size() + get_mitxpro.size(), post.size());
  for (const auto& k : get_mitxpro) EXPECT_EQ(k.rfind("MITxPRO+", 0), 0u) << k;
}

// ---------------------------------------------------------------------------
// Filters (§2.2, §2.3), checked against an index built from the served JSON.

struct IndexedDoc {
  json doc;
  std::string key, type;
  std::map<std::string, std::vector<std::string>> terms;
  std::vector<double> price, start, end, end_date;
};

double ParseTime(const json& value) {
  return *ParseEsDate(value.get<std::string>(), kDefaultDatasetNow);
}

// Builds the index from `everything` (all documents, course level_type
// included). Run documents do not serialize status or hidden: status comes
// from the course's nested runs, hidden from `hidden_runs` (the dataset).
std::vector<IndexedDoc> BuildIndex(const json& everything,
                                   const Keys& hidden_runs) {
  std::map<std::string, std::vector<const json*>>
      visible_runs;  // by course key
  std::map<std::string, const json*> courses;
  std::map<std::string, std::string> run_status;
  for (const json& r : everything["results"]) {
    if (r["content_type"] == "courserun" && r["restriction_type"].is_null()) {
      const std::string agg = r["aggregation_key"];
      visible_runs[agg.substr(agg.find(':') + 1)].push_back(&r);
    }
    if (r["content_type"] == "course") {
      courses[r["key"]] = &r;
      for (const json& run : r["course_runs"])
        run_status[run["key"]] = run["status"];
    }
  }
  std::map<std::string, std::string> subject_uuids;
  for (const auto& s : vocab::kSubjects)
    subject_uuids[std::string(s.name)] = s.uuid;
  auto add = [](IndexedDoc* d, const std::string& field,
                const std::string& value) {
    auto& v = d->terms[field];
    if (std::find(v.begin(), v.end(), value) == v.end()) v.push_back(value);
  };
  auto add_str = [&](IndexedDoc* d, const std::string& field,
                     const json& value) {
    if (value.is_string()) add(d, field, value.get<std::string>());
  };
  auto add_bool = [&](IndexedDoc* d, const std::string& field,
                      const json& value) {
    if (value.is_boolean()) add(d, field, value.get<bool>() ? "true" : "false");
  };
  std::vector<IndexedDoc> index;
  for (const json& r : everything["results"]) {
    IndexedDoc d;
    d.doc = r;
    d.key = ContentKey(r);
    d.type = r["content_type"];
    add(&d, "aggregation_key", r["aggregation_key"]);
    add(&d, "content_type", d.type);
    if (r.contains("partner"))
      add(&d, "partner", AsciiLower(r["partner"].get<std::string>()));
    for (const auto* f : {"skill_names"}) {
      if (r.contains(f)) {
        for (const json& v : r[f]) add_str(&d, f, v);
      }
    }
    if (d.type == "course") {
      add(&d, "partner", d.key.rfind("MITxPRO+", 0) == 0 ? "mitxpro" : "edx");
      add(&d, "key.raw", d.key);
      add_str(&d, "level_type", r["level_type"]);
      add(&d, "authoring_organizations",
          AsciiLower(r["organizations"][0].get<std::string>()));
      for (const json& s : r["subjects"])
        add(&d, "subject_uuids", subject_uuids.at(s));
      add_str(&d, "course_type", r["course_type"]);
      add_str(&d, "product_source", r["product_source"]);
      add_str(&d, "external_course_marketing_type",
              r["external_course_marketing_type"]);
      add_bool(&d, "enterprise_subscription_inclusion",
               r["enterprise_subscription_inclusion"]);
      add_str(&d, "course_ends", r["course_ends"]);
      if (!r["end_date"].is_null())
        d.end_date.push_back(ParseTime(r["end_date"]));
      std::set<std::string> visible_keys;
      for (const json* run : visible_runs[d.key]) {
        visible_keys.insert((*run)["key"]);
        add(&d, "org", AsciiLower((*run)["org"].get<std::string>()));
        add(&d, "status", run_status.at((*run)["key"]));
        add_str(&d, "availability", (*run)["availability"]);
        add_str(&d, "languages", (*run)["language"]);
        d.start.push_back(ParseTime((*run)["start"]));
        if (!(*run)["end"].is_null()) d.end.push_back(ParseTime((*run)["end"]));
      }
      // The first visible, enrollable run with a price, in nested order.
      for (const json& nested : r["course_runs"]) {
        if (!visible_keys.contains(nested["key"])) continue;
        for (const json* run : visible_runs[d.key]) {
          if ((*run)["key"] == nested["key"] &&
              (*run)["is_enrollable"] == true &&
              !(*run)["first_enrollable_paid_seat_price"].is_null() &&
              d.price.empty()) {
            d.price.push_back(
                (*run)["first_enrollable_paid_seat_price"].get<double>());
          }
        }
      }
    } else if (d.type == "courserun") {
      const std::string agg = r["aggregation_key"];
      const json& course = *courses.at(agg.substr(agg.find(':') + 1));
      add(&d, "org", AsciiLower(r["org"].get<std::string>()));
      add(&d, "key.raw", d.key);
      add(&d, "status", run_status.at(d.key));
      add_str(&d, "availability", r["availability"]);
      add_str(&d, "level_type", r["level_type"]);
      add(&d, "authoring_organizations",
          AsciiLower(course["organizations"][0].get<std::string>()));
      for (const json& v : r["authoring_organization_uuids"]) {
        add_str(&d, "authoring_organization_uuids", v);
      }
      for (const json& v : r["subject_uuids"]) add_str(&d, "subject_uuids", v);
      add_str(&d, "pacing_type", r["pacing_type"]);
      add_str(&d, "number", r["number"]);
      if (r["type"].is_string())
        add(&d, "type", AsciiLower(r["type"].get<std::string>()));
      const bool active =
          r["end"].is_null() ||
          ParseTime(r["end"]) > static_cast<double>(kDefaultDatasetNow);
      add(&d, "active", active ? "true" : "false");
      add_bool(&d, "has_enrollable_seats", r["has_enrollable_seats"]);
      add(&d, "hidden", hidden_runs.contains(d.key) ? "true" : "false");
      add_bool(&d, "published", r["published"]);
      if (!r["first_enrollable_paid_seat_price"].is_null()) {
        d.price.push_back(r["first_enrollable_paid_seat_price"].get<double>());
      }
      d.start.push_back(ParseTime(r["start"]));
      if (!r["end"].is_null()) d.end.push_back(ParseTime(r["end"]));
    } else if (d.type == "program") {
      add_str(&d, "status", r["status"]);
      for (const json& o : r["authoring_organizations"]) {
        add(&d, "authoring_organizations",
            AsciiLower(o["key"].get<std::string>() + ": " +
                       o["name"].get<std::string>()));
      }
      for (const json& v : r["authoring_organization_uuids"]) {
        add_str(&d, "authoring_organization_uuids", v);
      }
      for (const json& v : r["subject_uuids"]) add_str(&d, "subject_uuids", v);
      add(&d, "type", AsciiLower(r["type"].get<std::string>()));
      add_bool(&d, "hidden", r["hidden"]);
      add_bool(&d, "published", r["published"]);
    } else if (d.type == "learnerpathway") {
      add_str(&d, "status", r["status"]);
      add_bool(&d, "published", r["published"]);
    }
    index.push_back(std::move(d));
  }
  return index;
}

bool Has(const IndexedDoc& d, const std::string& field,
         const std::string& value) {
  auto it = d.terms.find(field);
  return it != d.terms.end() && std::find(it->second.begin(), it->second.end(),
                                          value) != it->second.end();
}

bool HasAny(const IndexedDoc& d, const std::string& field,
            const std::vector<std::string>& values) {
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return Has(d, field, v); });
}

bool AnyValue(const std::vector<double>& values,
              const std::function<bool(double)>& pred) {
  return std::any_of(values.begin(), values.end(), pred);
}

class FilterTest : public StubTest {
 protected:
  void SetUp() override {
    StubTest::SetUp();
    Keys hidden_runs;
    const std::shared_ptr<const Dataset> data = stub_->dataset();
    for (const auto& doc : data->docs()) {
      const auto& hidden = doc->terms[static_cast<size_t>(TermField::kHidden)];
      if (doc->type == ContentType::kCourseRun && !hidden.empty() &&
          hidden[0] == "true") {
        hidden_runs.insert(doc->key);
      }
    }
    ASSERT_FALSE(hidden_runs.empty());
    index_ = BuildIndex(PostJson(kEverything, R"({"detail_fields": "1"})"),
                        hidden_runs);
    ASSERT_GT(index_.size(), 400u);
  }

  // The stub's answer for `body` equals the docs `pred` selects, which must
  // be neither none nor all of them (unless `allow_trivial`).
  void ExpectFilter(const std::string& body,
                    const std::function<bool(const IndexedDoc&)>& pred,
                    bool allow_trivial = false) {
    Keys expected;
    for (const IndexedDoc& d : index_) {
      if (pred(d)) expected.insert(d.key);
    }
    if (!allow_trivial) {
      EXPECT_FALSE(expected.empty()) << "vacuous case: " << body;
      EXPECT_LT(expected.size(), index_.size()) << "trivial case: " << body;
    }
    const Keys got = Filter(body);
    std::string missing, unexpected;
    for (const auto& k : expected) {
      if (!got.contains(k)) missing += " " + k;
    }
    for (const auto& k : got) {
      if (!expected.contains(k)) unexpected += " " + k;
    }
    EXPECT_TRUE(missing.empty() && unexpected.empty())
        << body << "\n  missing:" << missing << "\n  unexpected:" << unexpected;
  }

  // A value some document holds in `field`, the n-th distinct one.
  std::string Sample(const std::string& field, const std::string& type,
                     size_t n = 0) {
    std::vector<std::string> values;
    for (const IndexedDoc& d : index_) {
      if (d.type != type) continue;
      auto it = d.terms.find(field);
      if (it == d.terms.end()) continue;
      for (const auto& v : it->second) {
        if (std::find(values.begin(), values.end(), v) == values.end())
          values.push_back(v);
      }
    }
    EXPECT_GT(values.size(), n) << field;
    return values.size() > n ? values[n] : "";
  }

  std::vector<IndexedDoc> index_;
};

TEST_F(FilterTest, ContentTypeAndAggregationKey) {
  ExpectFilter(R"({"content_type": ["course", "program"]})",
               [](const IndexedDoc& d) {
                 return d.type == "course" || d.type == "program";
               });
  const std::string a = Sample("aggregation_key", "course", 0);
  const std::string b = Sample("aggregation_key", "courserun", 3);
  ExpectFilter(
      json({{"aggregation_key", {a, b}}}).dump(), [&](const IndexedDoc& d) {
        return Has(d, "aggregation_key", a) || Has(d, "aggregation_key", b);
      });
  ExpectFilter(
      json({{"content_type", "course"}, {"aggregation_key__exclude", {a}}})
          .dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && !Has(d, "aggregation_key", a);
      });
  // Case-sensitive.
  ExpectFilter(
      json({{"aggregation_key", AsciiLower(a)}}).dump(),
      [](const IndexedDoc&) { return false; }, /*allow_trivial=*/true);
}

TEST_F(FilterTest, AndAcrossKeysOrWithinAKey) {
  ExpectFilter(
      R"({"content_type": "course", "level_type": ["Advanced", "Intermediate"]})",
      [](const IndexedDoc& d) {
        return d.type == "course" &&
               HasAny(d, "level_type", {"Advanced", "Intermediate"});
      });
  // The default enterprise filter (§2.5 worked example): status and
  // availability may come from different runs.
  ExpectFilter(kDefaultFilter, [](const IndexedDoc& d) {
    return d.type == "course" && Has(d, "partner", "edx") &&
           HasAny(d, "level_type",
                  {"Introductory", "Intermediate", "Advanced"}) &&
           HasAny(d, "availability",
                  {"Current", "Starting Soon", "Upcoming"}) &&
           Has(d, "status", "published");
  });
}

TEST_F(FilterTest, LowerCaseFieldsMatchWholeStringsCaseInsensitively) {
  ExpectFilter(R"({"partner": "EDX"})",
               [](const IndexedDoc& d) { return Has(d, "partner", "edx"); });
  ExpectFilter(R"({"partner": "mitxpro"})", [](const IndexedDoc& d) {
    return Has(d, "partner", "mitxpro");
  });
  ExpectFilter(R"({"org": ["MITx", "delftx"]})", [](const IndexedDoc& d) {
    return HasAny(d, "org", {"mitx", "delftx"});
  });
  ExpectFilter(R"({"org": "mit"})", [](const IndexedDoc&) { return false; },
               true);
  // __exclude: documents without the field (programs, persons, courses
  // without visible runs) pass.
  ExpectFilter(R"({"org__exclude": ["HarvardX", "MITx"]})",
               [](const IndexedDoc& d) {
                 return !HasAny(d, "org", {"harvardx", "mitx"});
               });
  ExpectFilter(R"({"authoring_organizations": "HARVARDX: Harvard University"})",
               [](const IndexedDoc& d) {
                 return Has(d, "authoring_organizations",
                            "harvardx: harvard university");
               });
  ExpectFilter(
      R"({"authoring_organizations__exclude": "harvardx: harvard university",
                   "content_type": "program"})",
      [](const IndexedDoc& d) {
        return d.type == "program" && !Has(d, "authoring_organizations",
                                           "harvardx: harvard university");
      });
  ExpectFilter(R"({"type": "Verified"})",
               [](const IndexedDoc& d) { return Has(d, "type", "verified"); });
  ExpectFilter(
      R"({"enrollment_mode": ["PROFESSIONAL CERTIFICATE", "audit"]})",
      [](const IndexedDoc& d) {
        return HasAny(d, "type", {"professional certificate", "audit"});
      });
}

TEST_F(FilterTest, KeyIsATokenPhraseAndKeyRawIsExact) {
  // A course's key phrase also matches its runs (course-v1:<key>+<term>).
  const std::string course = Sample("key.raw", "course", 5);
  auto phrase = [](const std::string& value) {
    return [tokens = StandardTokens(value)](const IndexedDoc& d) {
      return (d.type == "course" || d.type == "courserun") &&
             ContainsPhrase(StandardTokens(d.key), tokens);
    };
  };
  ExpectFilter(json({{"key", {course}}}).dump(), phrase(course));
  const Keys with_runs = Filter(json({{"key", {course}}}).dump());
  EXPECT_GT(with_runs.size(), 1u)
      << "expected the course and its runs for " << course;
  const std::string other = Sample("key.raw", "course", 9);
  ExpectFilter(
      json({{"content_type", "course"}, {"key", {course, other}}}).dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && (phrase(course)(d) || phrase(other)(d));
      });
  // Case-insensitive, and a prefix of a token does not match.
  ExpectFilter(json({{"key", AsciiLower(course)}}).dump(), phrase(course));
  ExpectFilter(json({{"key", course.substr(0, course.size() - 1)}}).dump(),
               phrase(course.substr(0, course.size() - 1)), true);
  ExpectFilter(json({{"key.raw", {course}}}).dump(),
               [&](const IndexedDoc& d) { return d.key == course; });
  ExpectFilter(
      json({{"content_type", "course"}, {"key.raw__exclude", course}}).dump(),
      [&](const IndexedDoc& d) {
        return d.type == "course" && d.key != course;
      });
  // key__exclude is not an allowed lookup: ignored.
  ExpectFilter(
      json({{"content_type", "course"}, {"key__exclude", course}}).dump(),
      [&](const IndexedDoc& d) { return d.type == "course"; });
}

TEST_F(FilterTest, CourseLevelFieldsMatchAnyVisibleRun) {
  ExpectFilter(R"({"status": "published"})", [](const IndexedDoc& d) {
    return Has(d, "status", "published");
  });
  ExpectFilter(R"({"status": ["unpublished", "active"]})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "status", {"unpublished", "active"});
               });
  ExpectFilter(R"({"availability": ["Current", "Upcoming"]})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "availability", {"Current", "Upcoming"});
               });
  ExpectFilter(R"({"content_type": "course", "availability": "Archived"})",
               [](const IndexedDoc& d) {
                 return d.type == "course" &&
                        Has(d, "availability", "Archived");
               });
  ExpectFilter(R"({"languages": "Spanish"})", [](const IndexedDoc& d) {
    return Has(d, "languages", "Spanish");
  });
}

TEST_F(FilterTest, KeywordFields) {
  for (const std::string field :
       {"level_type", "course_type", "product_source", "pacing_type", "number",
        "course_ends", "external_course_marketing_type", "skill_names",
        "authoring_organization_uuids", "subject_uuids"}) {
    const std::string type = field == "pacing_type" || field == "number" ||
                                     field == "authoring_organization_uuids"
                                 ? "courserun"
                                 : "course";
    const std::string value = Sample(field, type, 1);
    ExpectFilter(json({{field, value}}).dump(),
                 [&](const IndexedDoc& d) { return Has(d, field, value); });
    ExpectFilter(json({{field + "__terms", value}}).dump(),
                 [&](const IndexedDoc& d) { return Has(d, field, value); });
  }
  ExpectFilter(
      R"({"course_type__exclude": ["verified-audit"], "content_type": "course"})",
      [](const IndexedDoc& d) {
        return d.type == "course" && !Has(d, "course_type", "verified-audit");
      });
  // "a__b" in __terms is split into an OR.
  ExpectFilter(R"({"course_type__terms": "audit__professional"})",
               [](const IndexedDoc& d) {
                 return HasAny(d, "course_type", {"audit", "professional"});
               });
}

TEST_F(FilterTest, BooleansAcceptOnlyLowerCaseTrueFalse) {
  for (const std::string field :
       {"hidden", "published", "active", "has_enrollable_seats",
        "enterprise_subscription_inclusion"}) {
    for (const std::string value : {"true", "false"}) {
      ExpectFilter(json({{field, value}}).dump(),
                   [&](const IndexedDoc& d) { return Has(d, field, value); });
    }
    // A JSON boolean arrives as "True": Elasticsearch cannot parse it.
    ExpectFilter(
        json({{field, true}}).dump(), [](const IndexedDoc&) { return false; },
        true);
    ExpectFilter(
        json({{field, {"true", "True"}}}).dump(),
        [](const IndexedDoc&) { return false; }, true);
  }
}

TEST_F(FilterTest, NumericAndDateRanges) {
  auto price = [&](const std::function<bool(double)>& pred) {
    return [pred](const IndexedDoc& d) { return AnyValue(d.price, pred); };
  };
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lte": "301"})",
               price([](double p) { return p <= 301; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lt": "299"})",
               price([](double p) { return p < 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__gt": "299"})",
               price([](double p) { return p > 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__gte": "299"})",
               price([](double p) { return p >= 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price": ["99", "299"]})",
               price([](double p) { return p == 99 || p == 299; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__range": "100__300"})",
               price([](double p) { return p >= 100 && p <= 300; }));
  ExpectFilter(R"({"first_enrollable_paid_seat_price__lte": "cheap"})",
               [](const IndexedDoc&) { return false; }, true);
  const double y2026 = *ParseEsDate("2026-01-01", kDefaultDatasetNow);
  // Programs hold a start too, but it is not in their JSON.
  ExpectFilter(
      R"({"start__gte": "2026-01-01", "content_type": ["course", "courserun"]})",
      [&](const IndexedDoc& d) {
        return AnyValue(d.start, [&](double s) { return s >= y2026; });
      });
  ExpectFilter(
      R"({"start__lt": "2024-06-01T12:00:00Z", "content_type": "courserun"})",
      [&](const IndexedDoc& d) {
        return d.type == "courserun" && AnyValue(d.start, [&](double s) {
                 return s < *ParseEsDate("2024-06-01T12:00:00Z",
                                         kDefaultDatasetNow);
               });
      });
  const double now = static_cast<double>(kDefaultDatasetNow);
  ExpectFilter(R"({"end__lt": "now", "content_type": ["course", "courserun"]})",
               [&](const IndexedDoc& d) {
                 return AnyValue(d.end, [&](double e) { return e < now; });
               });
  ExpectFilter(R"({"end_date__gt": "now-30d"})", [&](const IndexedDoc& d) {
    return AnyValue(d.end_date, [&](double e) { return e > now - 30 * 86400; });
  });
}

TEST_F(FilterTest, UnknownKeysAndLookupsAreIgnored) {
  const Keys courses = Filter(R"({"content_type": "course"})");
  EXPECT_EQ(
      Filter(
          R"({"content_type": "course", "enterprise_force_include_aggregation_keys":
      ["course:x"], "aggregation__key": "y", "org__exempt": "MITx", "search_all": "python",
      "restricted_runs_allowed": {"course:X": ["r"]}, "level_type__exclude": "Advanced",
      "status": "  ", "uuid": "abc", "title": "x"})"),
      courses);
  // skills is a nested field: a term filter on it matches nothing.
  EXPECT_TRUE(
      Filter(R"js({"skills": "Python (Programming Language)"})js").empty());
}

TEST_F(FilterTest, LearnerPathwaysOnlyOnRequestRestrictedRunsOnlyByName) {
  auto types = [&](const std::string& query) {
    std::map<std::string, int> out;
    const json page = PostJson(query);
    for (const json& r : page["results"]) ++out[r["content_type"]];
    return out;
  };
  EXPECT_EQ(types("page_size=100000")["learnerpathway"], 0);
  EXPECT_EQ(
      types("page_size=100000&include_learner_pathways=True")["learnerpathway"],
      options_.dataset.pathways);
  auto restricted = [&](const std::string& query) {
    std::set<std::string> out;
    const json page =
        PostJson(query, R"({"content_type": ["courserun", "course"]})");
    for (const json& r : page["results"]) {
      if (r["content_type"] == "courserun" &&
          !r["restriction_type"].is_null()) {
        out.insert(r["restriction_type"]);
      }
      if (r["content_type"] == "course") {
        for (const json& run : r["course_runs"]) {
          if (!run["restriction_type"].is_null())
            out.insert("nested:" + run["restriction_type"].get<std::string>());
        }
      }
    }
    return out;
  };
  EXPECT_EQ(restricted("page_size=100000"), std::set<std::string>{});
  EXPECT_EQ(
      restricted("page_size=100000&include_restricted=custom-b2b-enterprise"),
      (std::set<std::string>{"custom-b2b-enterprise",
                             "nested:custom-b2b-enterprise"}));
  EXPECT_EQ(restricted("page_size=100000&include_restricted=custom-b2b-"
                       "enterprise,custom-b2c"),
            (std::set<std::string>{"custom-b2b-enterprise", "custom-b2c",
                                   "nested:custom-b2b-enterprise",
                                   "nested:custom-b2c"}));
}

// ---------------------------------------------------------------------------
// Ordering, regrouping, serialization flags.

TEST_F(FilterTest, RankingIsStartDescAggregationKeyAscKeyAsc) {
  // With page_size=1 every page is one document, so pages give the ranking.
  std::vector<std::string> ranking;
  for (int page = 1;; ++page) {
    const json p = PostJson(
        "include_learner_pathways=true&page_size=1&page=" +
            std::to_string(page),
        R"({"content_type": ["course", "courserun", "program", "learnerpathway", "person"]})");
    ranking.push_back(ContentKey(p["results"][0]));
    if (p["next"].is_null()) break;
  }
  std::map<std::string, const IndexedDoc*> by_key;
  for (const IndexedDoc& d : index_) by_key[d.key] = &d;
  std::optional<double> previous_start;
  for (size_t i = 0; i + 1 < ranking.size(); ++i) {
    const IndexedDoc& a = *by_key.at(ranking[i]);
    const IndexedDoc& b = *by_key.at(ranking[i + 1]);
    if (a.type == "program" || b.type == "program")
      continue;  // start not in the JSON
    auto max_start = [](const IndexedDoc& d) -> std::optional<double> {
      if (d.start.empty()) return std::nullopt;
      return *std::max_element(d.start.begin(), d.start.end());
    };
    const auto sa = max_start(a), sb = max_start(b);
    ASSERT_TRUE(sa || !sb) << "missing start sorts last: " << a.key
                           << " before " << b.key;
    if (sa && sb && *sa != *sb) {
      EXPECT_GT(*sa, *sb) << a.key << " before " << b.key;
      continue;
    }
    if (sa.has_value() != sb.has_value()) continue;
    const std::string aa = a.terms.at("aggregation_key")[0],
                      ba = b.terms.at("aggregation_key")[0];
    EXPECT_LE(aa, ba) << a.key << " before " << b.key;
    if (aa == ba) {
      EXPECT_LT(a.key, b.key);
    }
  }
  EXPECT_EQ(ranking, *stub_->MatchingKeys("include_learner_pathways=true",
                                          R"({"content_type": ["course",
                         "courserun", "program", "learnerpathway", "person"]})"));
}

TEST_F(StubTest, OrderingParameterAndDeterminism) {
  // The comma-joined value enterprise-catalog sends is not a valid ordering,
  // so the default applies; a valid one is honoured.
  EXPECT_EQ(*stub_->MatchingKeys("ordering=aggregation_key%2Cstart", "{}"),
            *stub_->MatchingKeys("", "{}"));
  const std::vector<std::string> by_agg =
      *stub_->MatchingKeys("ordering=aggregation_key", "{}");
  EXPECT_NE(by_agg, *stub_->MatchingKeys("", "{}"));
  const std::shared_ptr<const Dataset> data = stub_->dataset();
  std::map<std::string, std::string> agg;
  for (const auto& d : data->docs()) agg[d->key] = d->aggregation_key;
  for (size_t i = 0; i + 1 < by_agg.size(); ++i) {
    EXPECT_LE(agg[by_agg[i]], agg[by_agg[i + 1]]);
  }
  // Same request, same bytes; and another stub with the same seed agrees.
  const std::string body =
      Post(std::string(kCatalogQuery) + "&page=2", kDefaultFilter).body;
  EXPECT_EQ(body,
            Post(std::string(kCatalogQuery) + "&page=2", kDefaultFilter).body);
  auto twin = DiscoveryStub::Start(SmallOptions());
  ASSERT_TRUE(twin.ok());
  HttpClient twin_client("127.0.0.1", (*twin)->port());
  const std::string twin_token = FetchToken(&twin_client, SmallOptions());
  auto r = twin_client.Send(
      "POST", "/api/v1/search/all/?" + std::string(kCatalogQuery) + "&page=2",
      kDefaultFilter, {{"Authorization", "JWT " + twin_token}});
  ASSERT_TRUE(r.ok());
  std::string expected = body;
  const std::string mine = std::to_string(stub_->port()),
                    theirs = std::to_string((*twin)->port());
  for (size_t pos;
       (pos = expected.find("127.0.0.1:" + mine)) != std::string::npos;) {
    expected.replace(pos, mine.size() + 10, "127.0.0.1:" + theirs);
  }
  EXPECT_EQ(r->body, expected);
}

TEST_F(StubTest, EachPageIsRegroupedByContentType) {
  const std::vector<std::string> ranking = *stub_->MatchingKeys("", "{}");
  std::map<std::string, std::string> type_of;
  const std::shared_ptr<const Dataset> data = stub_->dataset();
  for (const auto& d : data->docs()) {
    type_of[d->key] = std::string(ContentTypeName(d->type));
  }
  int mixed_pages = 0;
  for (int page = 1; page <= 6; ++page) {
    const std::vector<std::string> got =
        OrderedKeysOf(PostJson("page_size=40&page=" + std::to_string(page)));
    const std::vector<std::string> slice(
        ranking.begin() + (page - 1) * 40,
        ranking.begin() + std::min<size_t>(page * 40, ranking.size()));
    // Same documents; grouped by type in order of first appearance, stable.
    std::vector<std::string> expected;
    std::vector<std::string> order;
    for (const auto& k : slice) {
      if (std::find(order.begin(), order.end(), type_of[k]) == order.end())
        order.push_back(type_of[k]);
    }
    for (const auto& t : order) {
      for (const auto& k : slice) {
        if (type_of[k] == t) expected.push_back(k);
      }
    }
    EXPECT_EQ(got, expected) << "page " << page;
    if (order.size() > 1 && expected != slice) ++mixed_pages;
  }
  EXPECT_GT(mixed_pages, 0) << "no page exercised the regrouping";
}

TEST_F(StubTest, ExcludeExpiredCourseRunShapesNestedRuns) {
  const double now = static_cast<double>(kDefaultDatasetNow);
  auto nested = [&](const std::string& query, const std::string& body) {
    std::map<std::string, std::vector<json>> out;
    const json page = PostJson(query, body);
    for (const json& r : page["results"]) {
      if (r["content_type"] == "course") out[r["key"]] = r["course_runs"];
    }
    return out;
  };
  const auto all = nested("page_size=1000", R"({"content_type": "course"})");
  const auto flagged = nested("page_size=1000&exclude_expired_course_run=1",
                              R"({"content_type": "course"})");
  // Any non-empty value enables it, even "false".
  EXPECT_EQ(flagged, nested("page_size=1000&exclude_expired_course_run=false",
                            R"({"content_type": "course"})"));
  const auto flagged_published =
      nested("page_size=1000&exclude_expired_course_run=1",
             R"({"content_type": "course", "status": "published"})");
  int expired_published_kept = 0, expired_dropped = 0;
  for (const auto& [key, runs] : all) {
    std::set<std::string> kept, kept_published;
    for (const json& r : flagged.at(key)) kept.insert(r["key"]);
    if (flagged_published.contains(key)) {
      for (const json& r : flagged_published.at(key))
        kept_published.insert(r["key"]);
    }
    for (const json& r : runs) {
      const bool expired = !r["end"].is_null() && ParseTime(r["end"]) <= now;
      EXPECT_EQ(kept.contains(r["key"]), !expired) << r["key"];
      if (expired) ++expired_dropped;
      if (flagged_published.contains(key)) {
        // should_include_course_run: a "status" parameter equal to the run's
        // status keeps an expired run.
        EXPECT_EQ(kept_published.contains(r["key"]),
                  !expired || r["status"] == "published");
        if (expired && r["status"] == "published") ++expired_published_kept;
      }
    }
  }
  EXPECT_GT(expired_dropped, 0);
  EXPECT_GT(expired_published_kept, 0);
}

// ---------------------------------------------------------------------------
// Dataset changes.

TEST_F(StubTest, MutateFractionChangesExactlyTheReturnedKeys) {
  const std::string query = std::string(
      "include_learner_pathways=True&exclude_expired_course_run="
      "True&page_size=100000");
  auto snapshot = [&] {
    std::map<std::string, std::string> docs;
    const json page = PostJson(query);
    for (const json& r : page["results"]) docs[ContentKey(r)] = r.dump();
    return docs;
  };
  const auto before = snapshot();
  const Keys default_filter_before = Filter(kDefaultFilter);
  const std::vector<std::string> keys = stub_->MutateFraction(0.1, 7);
  const auto after = snapshot();
  ASSERT_EQ(keys.size(),
            static_cast<size_t>(std::llround(
                0.1 * static_cast<double>(stub_->document_count()))));
  const Keys changed(keys.begin(), keys.end());
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [key, doc] : before) {
    ASSERT_TRUE(after.contains(key)) << key;
    EXPECT_EQ(doc != after.at(key), changed.contains(key)) << key;
  }
  EXPECT_EQ(Filter(kDefaultFilter), default_filter_before);
  EXPECT_EQ(before.size(), stub_->document_count());
}

TEST_F(StubTest, RemoveFractionRemovesTheReturnedKeys) {
  const size_t before = stub_->document_count();
  const std::vector<std::string> keys = stub_->RemoveFraction(0.25, 3);
  ASSERT_FALSE(keys.empty());
  const json all = PostJson(kEverything);
  std::set<std::string> present;
  for (const json& r : all["results"]) {
    present.insert(ContentKey(r));
    if (r["content_type"] == "course") {
      for (const json& run : r["course_runs"]) present.insert(run["key"]);
    }
  }
  for (const auto& k : keys) EXPECT_FALSE(present.contains(k)) << k;
  EXPECT_LT(stub_->document_count(), before);
}

// ---------------------------------------------------------------------------
// Faults.

TEST_F(StubTest, StatusFaultOnOnePageFiresTimesThenClears) {
  FaultRule rule;
  rule.kind = FaultKind::kStatus;
  rule.status = 503;
  rule.page = 2;
  rule.times = 2;
  rule.retry_after_seconds = 7;
  stub_->AddFault(rule);
  EXPECT_EQ(Post("page=1").status, 200);
  for (int i = 0; i < 2; ++i) {
    const HttpResponse r = Post("page=2");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.Header("Retry-After"), "7");
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    EXPECT_TRUE(json::parse(r.body).contains("detail"));
  }
  EXPECT_EQ(Post("page=2").status, 200);
  EXPECT_EQ(stub_->stats().faults_fired, 2);

  stub_->ClearFaults();
  rule.status = 429;
  rule.page = 0;
  rule.times = 1;
  rule.retry_after_seconds = 30;
  stub_->AddFault(rule);
  const HttpResponse throttled = Post("page=3");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(json::parse(throttled.body)["detail"],
            "Request was throttled. Expected available in 30 seconds.");
}

TEST_F(StubTest, HtmlAndTruncatedJsonFaults) {
  FaultRule html;
  html.kind = FaultKind::kHtml200;
  html.times = 1;
  stub_->AddFault(html);
  const HttpResponse page = Post("page_size=50");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_TRUE(json::parse(page.body, nullptr, false).is_discarded());

  FaultRule truncated;
  truncated.kind = FaultKind::kTruncatedJson;
  truncated.times = 1;
  stub_->AddFault(truncated);
  // An error page is not a page to cut: the rule waits for a real one.
  EXPECT_EQ(json::parse(Post("page=9999").body)["detail"], "Invalid page.");
  const HttpResponse cut = Post("page_size=50");
  const HttpResponse whole = Post("page_size=50");
  EXPECT_EQ(cut.status, 200);
  EXPECT_EQ(cut.Header("Content-Length"), std::to_string(cut.body.size()));
  EXPECT_EQ(cut.body.size(), whole.body.size() / 2);
  EXPECT_EQ(whole.body.rfind(cut.body, 0), 0u) << "a prefix of the real page";
  EXPECT_TRUE(json::parse(cut.body, nullptr, false).is_discarded());
  EXPECT_FALSE(json::parse(whole.body, nullptr, false).is_discarded());
  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.search_ok, 1);  // only the whole page
  EXPECT_EQ(stats.responses_by_status.at(200), 3);
  EXPECT_EQ(stats.faults_fired, 2);
}

TEST_F(StubTest, DropConnectionFaultClosesWithoutAnswer) {
  FaultRule drop;
  drop.kind = FaultKind::kDropConnection;
  drop.page = 1;
  drop.times = 1;
  stub_->AddFault(drop);
  auto r = client_->Send("POST", "/api/v1/search/all/?page=1", "{}",
                         {{"Authorization", "JWT " + token_}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Post("page=1").status, 200);  // the client reconnects
  EXPECT_EQ(client_->connections_opened(), 2);
  EXPECT_EQ(stub_->stats().responses_by_status.at(0), 1);
}

TEST_F(StubTest, LatencyFaultDelaysThenAnswers) {
  FaultRule slow;
  slow.kind = FaultKind::kLatency;
  slow.latency_ms = 300;
  slow.times = 1;
  stub_->AddFault(slow);
  const auto start = std::chrono::steady_clock::now();
  const json page = PostJson("page_size=5");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_EQ(page["results"].size(), 5u);
  // Other connections are served meanwhile (the delay is a timer).
  stub_->AddFault(slow);
  HttpClient other("127.0.0.1", stub_->port());
  std::thread slow_request([&] { Post("page_size=5"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto fast_start = std::chrono::steady_clock::now();
  EXPECT_EQ(Send("POST", "page_size=5", "{}", &other).status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - fast_start,
            std::chrono::milliseconds(250));
  slow_request.join();
}

TEST_F(StubTest, DuplicateAndMissingItemFaults) {
  const std::vector<std::string> ranking = *stub_->MatchingKeys("", "{}");
  auto page_keys = [&](int page) {
    return Keys(ranking.begin() + (page - 1) * 20, ranking.begin() + page * 20);
  };
  FaultRule dup;
  dup.kind = FaultKind::kDuplicateItems;
  dup.page = 2;
  dup.items = 3;
  dup.times = 1;
  stub_->AddFault(dup);
  const Keys got = KeysOf(PostJson("page=2"));
  Keys expected = page_keys(2);
  for (int i = 0; i < 3; ++i)
    expected.erase(ranking[20 + static_cast<size_t>(i)]);
  for (int i = 17; i < 20; ++i)
    expected.insert(ranking[static_cast<size_t>(i)]);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(KeysOf(PostJson("page=2")), page_keys(2));  // fired once

  FaultRule missing;
  missing.kind = FaultKind::kMissingItems;
  missing.page = 3;
  missing.items = 4;
  missing.times = 1;
  stub_->AddFault(missing);
  const json page3 = PostJson("page=3");
  EXPECT_EQ(page3["results"].size(), 16u);
  EXPECT_EQ(page3["count"], ranking.size());
  Keys expected3 = page_keys(3);
  for (int i = 40; i < 44; ++i)
    expected3.erase(ranking[static_cast<size_t>(i)]);
  EXPECT_EQ(KeysOf(page3), expected3);
  // A duplicate rule cannot apply to page 1 (there is no page before it).
  dup.page = 0;
  stub_->AddFault(dup);
  EXPECT_EQ(KeysOf(PostJson("page=1")), page_keys(1));
  EXPECT_EQ(stub_->stats().faults_fired, 2);
}

TEST_F(StubTest, RateAndBodyFilterAreDeterministic) {
  auto pattern = [&] {
    FaultRule flaky;
    flaky.kind = FaultKind::kStatus;
    flaky.status = 502;
    flaky.rate = 0.5;
    stub_->ClearFaults();
    stub_->AddFault(flaky);
    std::string out;
    for (int i = 0; i < 100; ++i)
      out += Post("page_size=1").status == 200 ? '.' : 'x';
    return out;
  };
  const std::string first = pattern();
  const auto fired = std::count(first.begin(), first.end(), 'x');
  EXPECT_GT(fired, 25);
  EXPECT_LT(fired, 75);
  Restart(SmallOptions());
  EXPECT_EQ(pattern(), first);

  stub_->ClearFaults();
  FaultRule only_runs;
  only_runs.kind = FaultKind::kStatus;
  only_runs.status = 500;
  only_runs.body_contains = "courserun";
  stub_->AddFault(only_runs);
  EXPECT_EQ(Post("", R"({"content_type": "course"})").status, 200);
  EXPECT_EQ(Post("", R"({"content_type": "courserun"})").status, 500);
}

TEST_F(StubTest, TokenFaults) {
  auto token_status = [&]() -> int {
    auto r = client_->Send(
        "POST", "/oauth2/access_token",
        "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
        "client_secret=enterprise-catalog-secret",
        {}, "application/x-www-form-urlencoded");
    return r.ok() ? r->status : -1;
  };
  FaultRule rule;
  rule.target = FaultTarget::kToken;
  rule.times = 1;
  rule.status = 500;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), 500);
  rule.kind = FaultKind::kDropConnection;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), -1);
  rule.kind = FaultKind::kHtml200;
  stub_->AddFault(rule);
  EXPECT_EQ(token_status(), 200);
  rule.kind = FaultKind::kTruncatedJson;
  stub_->AddFault(rule);
  auto cut = client_->Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=enterprise-catalog-worker&"
      "client_secret=enterprise-catalog-secret",
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->status, 200);
  EXPECT_TRUE(json::parse(cut->body, nullptr, false).is_discarded())
      << cut->body;
  rule.kind = FaultKind::kLatency;
  rule.latency_ms = 100;
  stub_->AddFault(rule);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(token_status(), 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(100));
  // Search was never affected.
  EXPECT_EQ(Post("").status, 200);
  EXPECT_EQ(stub_->stats().faults_fired, 5);
}

// ---------------------------------------------------------------------------
// Stats, control endpoints, connections, the binary.

TEST_F(StubTest, StatsCountRequestsCrawlsAndStatuses) {
  stub_->ResetStats();
  const std::string body_a = R"({"content_type": "course"})";
  const std::string body_b = R"({"content_type":"courserun"})";
  EXPECT_EQ(Post("page=1", body_a).status, 200);
  EXPECT_EQ(Post("page=2", body_a).status, 200);
  EXPECT_EQ(Post("", body_b).status, 200);  // no page = page 1
  EXPECT_EQ(Post("page=999", body_b).status, 404);
  auto r = client_->Send("POST", "/api/v1/search/all/", "{}");  // no token
  ASSERT_TRUE(r.ok());
  FetchToken(client_.get(), options_);
  const StubStats stats = stub_->stats();
  EXPECT_EQ(stats.token_requests, 1);
  EXPECT_EQ(stats.search_requests, 5);
  EXPECT_EQ(stats.search_ok, 3);
  EXPECT_EQ(stats.crawls, 2);
  EXPECT_EQ(stats.crawls_by_body,
            (std::map<std::string, int64_t>{{body_a, 1}, {body_b, 1}}));
  EXPECT_EQ(stats.responses_by_status,
            (std::map<int, int64_t>{{200, 3}, {401, 1}, {404, 1}}));
  EXPECT_EQ(stats.faults_fired, 0);
}

TEST_F(StubTest, ControlEndpoints) {
  HttpResponse r = Control(
      "POST", "/_stub/faults",
      R"({"target":"search","kind":"status","page":3,"status":500,"times":1})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Post("page=3").status, 500);
  EXPECT_EQ(Control("POST", "/_stub/faults", R"({"kind":"nonsense"})").status,
            400);
  EXPECT_EQ(Control("POST", "/_stub/faults", R"({"kind":"status","colour":1})")
                .status,
            400);
  EXPECT_EQ(Control("POST", "/_stub/faults",
                    R"({"kind":"latency","latency_ms":1,"rate":0.5,
      "body_contains":"x","items":2,"retry_after_seconds":1,"target":"token"})")
                .status,
            200);
  EXPECT_EQ(Control("DELETE", "/_stub/faults").status, 200);
  json stats = json::parse(Control("GET", "/_stub/stats").body);
  EXPECT_EQ(stats["search_requests"], 1);
  EXPECT_EQ(stats["responses_by_status"]["500"], 1);
  EXPECT_EQ(stats["faults_fired"], 1);
  EXPECT_EQ(Control("POST", "/_stub/reset_stats").status, 200);
  stats = json::parse(Control("GET", "/_stub/stats").body);
  EXPECT_EQ(stats["search_requests"], 0);
  const json counts = json::parse(Control("GET", "/_stub/count").body);
  EXPECT_EQ(counts["document_count"], stub_->document_count());
  EXPECT_EQ(counts["by_type"]["course"], 150);
  const json mutated = json::parse(
      Control("POST", "/_stub/mutate", R"({"fraction":0.01,"seed":7})").body);
  EXPECT_EQ(mutated["keys"].size(),
            static_cast<size_t>(std::llround(
                0.01 * static_cast<double>(stub_->document_count()))));
  const json removed = json::parse(
      Control("POST", "/_stub/remove", R"({"fraction":0.5,"seed":7})").body);
  EXPECT_GT(removed["keys"].size(), 0u);
  EXPECT_LT(stub_->document_count(), counts["document_count"].get<size_t>());
  EXPECT_EQ(Control("POST", "/_stub/mutate", "{}").status, 400);
  EXPECT_EQ(Control("GET", "/nowhere").status, 404);
}

TEST_F(StubTest, ConnectionsAreReused) {
  HttpClient client("127.0.0.1", stub_->port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Send("POST", "page_size=100", "{}", &client).status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
  // Also after errors that are HTTP answers.
  ASSERT_EQ(Send("POST", "page=9999", "{}", &client).status, 404);
  ASSERT_EQ(Send("POST", "", "[", &client).status, 400);
  ASSERT_EQ(Send("POST", "", "{}", &client).status, 200);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(StubTest, ConcurrentRequestsWhileTheDatasetChanges) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, done{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      HttpClient client("127.0.0.1", stub_->port());
      for (int i = 0; !stop || i < 20; ++i) {
        auto r = client.Send("POST",
                             "/api/v1/search/all/?page_size=50&page=" +
                                 std::to_string(1 + (i + t) % 4),
                             t == 0 ? "{}" : R"({"content_type": "courserun"})",
                             {{"Authorization", "JWT " + token_}});
        if (!r.ok() || r->status != 200 ||
            json::parse(r->body, nullptr, false).is_discarded()) {
          ++bad;
        }
        ++done;
      }
    });
  }
  for (int round = 0; round < 10; ++round) {
    stub_->MutateFraction(0.05, static_cast<uint64_t>(round));
    FaultRule slow;
    slow.kind = FaultKind::kLatency;
    slow.latency_ms = 1;
    slow.times = 2;
    stub_->AddFault(slow);
    (void)stub_->stats();
    (void)stub_->document_count();
    if (round == 5) stub_->RemoveFraction(0.1, 5);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GE(done, 60);
  EXPECT_EQ(stub_->stats().search_requests, done);
}

TEST(DiscoveryStubBinaryTest, PrintsListeningLineServesAndStopsOnSigterm) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(EC_DISCOVERY_STUB_BINARY, EC_DISCOVERY_STUB_BINARY, "--port", "0",
          "--courses", "30", "--runs", "60", "--min-doc-bytes=0",
          "--max-doc-bytes", "0", "--token-lifetime-seconds", "120",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  const json listening = json::parse(line, nullptr, false);
  ASSERT_TRUE(listening.is_object()) << line;
  EXPECT_EQ(line.rfind("{\"listening\": \"http://127.0.0.1:", 0), 0u) << line;
  const std::string url = listening["listening"];
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  HttpClient client("127.0.0.1", port);
  DiscoveryStub::Options options;
  const std::string token = FetchToken(&client, options);
  auto token_response = client.Send(
      "POST", "/oauth2/access_token",
      "grant_type=client_credentials&client_id=" + options.client_id +
          "&client_secret=" + options.client_secret,
      {}, "application/x-www-form-urlencoded");
  ASSERT_TRUE(token_response.ok());
  EXPECT_EQ(json::parse(token_response->body)["expires_in"], 120);
  auto r = client.Send("POST", "/api/v1/search/all/?page_size=1000",
                       R"({"content_type":"course"})",
                       {{"Authorization", "JWT " + token}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(r->body)["count"], 30);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace ec::stub
