// Person documents (§3.5), and the minimal person dict runs embed.
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

std::string PersonMinimalJson(const PersonModel& p) {
  JsonWriter w;
  w.Open();
  w.Key("uuid").Str(p.uuid);
  w.Key("given_name").Str(p.given);
  w.Key("family_name").Str(p.family);
  w.Key("slug").Str(
      Slugify(Cat(p.given, " ", p.family, " ", p.uuid.substr(0, 4))));
  w.Key("profile_image_url")
      .Str(
          Cat("https://prod-discovery.edx-cdn.org/media/people/profile_images/",
              p.uuid, ".jpg"));
  w.Key("position").Open();
  w.Key("title").Str(p.position);
  w.Key("organization_name").Str(kVocabOrgs[p.org].name);
  w.Close();
  w.Close();
  return std::move(w.str());
}

std::shared_ptr<Document> BuildPerson(const PersonModel& p) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kPerson;
  doc->key = p.uuid;
  doc->aggregation_key = Cat("person:", p.uuid);
  const VocabOrg& org = kVocabOrgs[p.org];
  SetCommonTerms(doc.get(), org.partner);
  const std::string full_name = Cat(p.given, " ", p.family);
  doc->title = full_name;
  doc->search_text = Cat(p.position, " ", org.name);
  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("person");
  w.Key("uuid").Str(p.uuid);
  w.Key("salutation").StrOrNull(p.salutation);
  w.Key("full_name").Str(full_name);
  w.Key("bio")
      .Literal(Cat("\"<p>", full_name, " is a ", AsciiLower(p.position), " at ",
                   org.name, ". "))
      .Marker()
      .Literal("</p>\"");
  w.Key("bio_language").Str("English");
  w.Key("profile_image_url")
      .Str(
          Cat("https://prod-discovery.edx-cdn.org/media/people/profile_images/",
              p.uuid, ".jpg"));
  w.Key("position").Open();
  w.Key("title").Str(p.position);
  w.Key("organization_override").Str(org.name);
  w.Close();
  w.Key("organizations").StrArray({std::string(org.key)});
  w.Key("partner").Str(org.partner);
  w.Close();
  SetHeadTail(doc.get(), w.str());
  return doc;
}

}  // namespace ec::stub
