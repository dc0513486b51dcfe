#include "tests/tools/discovery_stub/stub_test_support.h"

namespace ec::stub {

using nlohmann::json;

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

}  // namespace ec::stub
