// Learner pathway documents (§3.4).
#include <tuple>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

std::string ImageSet(
    std::string_view kind, std::string_view id,
    std::initializer_list<std::tuple<std::string_view, int, int>> variations) {
  JsonWriter w;
  w.Open();
  for (const auto& [name, width, height] : variations) {
    w.Key(name).Open();
    w.Key("url").Str(
        Cat("https://prod-discovery.edx-cdn.org/media/learner_pathway/", kind,
            "/", id, ".", name, ".jpg"));
    w.Key("width").Int(width);
    w.Key("height").Int(height);
    w.Close();
  }
  w.Close();
  return std::move(w.str());
}

}  // namespace

std::shared_ptr<Document> BuildPathway(
    int index, const std::vector<std::shared_ptr<CourseModel>>& courses,
    const std::vector<ProgramModel>& programs, const Tables& t, int64_t now,
    Rng* rng) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kLearnerPathway;
  const std::string uuid = rng->Uuid();
  doc->key = uuid;
  doc->aggregation_key = Cat("learnerpathway:", uuid);
  std::string title(kVocabPathwayRoles[static_cast<size_t>(index) %
                                       std::size(kVocabPathwayRoles)]);
  if (static_cast<size_t>(index) >= std::size(kVocabPathwayRoles)) {
    Append(&title, " ", index / std::size(kVocabPathwayRoles) + 1);
  }
  doc->title = title;
  const bool active = rng->Chance(0.8);
  std::vector<int> skills;
  for (int k = rng->Int(2, 6); k > 0; --k) {
    AddUnique(&skills, static_cast<int>(rng->Below(kVocabSkillCount)));
  }
  const VocabOrg& partner_org = kVocabOrgs[0];
  SetCommonTerms(doc.get(), partner_org.partner);
  SetTerm(doc.get(), TermField::kStatus, active ? "active" : "inactive");
  SetTerm(doc.get(), TermField::kPublished, BoolTerm(active));
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(skills));
  const std::string short_id = uuid.substr(0, 8);
  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("learnerpathway");
  w.Key("uuid").Str(uuid);
  w.Key("title").Str(title);
  w.Key("status").Str(active ? "active" : "inactive");
  w.Key("banner_image")
      .Raw(ImageSet("banner_images", short_id,
                    {{"large", 1440, 480},
                     {"medium", 726, 242},
                     {"small", 435, 145},
                     {"x-small", 348, 116}}));
  w.Key("card_image")
      .Raw(ImageSet("card_images", short_id, {{"card", 378, 225}}));
  w.Key("overview")
      .Literal(Cat("\"Pathway for a ", AsciiLower(title), ". "))
      .Marker()
      .Literal("\"");
  w.Key("published").Bool(active);
  WriteSkills(&w, skills, t, /*short_form=*/true);
  w.Key("skill_names").StrArray(SkillNames(skills));
  w.Key("partner").Str(partner_org.partner);
  w.Key("steps").OpenArray();
  for (int s = rng->Int(1, 3); s > 0 && !courses.empty(); --s) {
    w.Open();
    w.Key("uuid").Str(rng->Uuid());
    w.Key("min_requirement").Int(1);
    w.Key("courses_").OpenArray();
    for (int k = rng->Int(1, 3); k > 0; --k) {
      const CourseModel& c = *courses[rng->Below(courses.size())];
      w.Open();
      w.Key("key").Str(c.key);
      w.Key("course_runs").OpenArray();
      for (const RunModel& r : c.runs) {
        if (r.restriction_type.empty()) w.Open().Key("key").Str(r.key).Close();
      }
      w.CloseArray();
      w.Key("title").Str(c.title);
      w.Key("short_description").Str(c.short_description);
      w.Key("card_image_url").Str(c.image_url);
      w.Key("content_type").Str("course");
      w.Close();
    }
    w.CloseArray();
    w.Key("programs_").OpenArray();
    if (!programs.empty() && rng->Chance(0.5)) {
      const ProgramModel& p = programs[rng->Below(programs.size())];
      w.Open();
      w.Key("uuid").Str(p.uuid);
      w.Key("title").Str(p.title);
      w.Key("short_description").Str(Cat("A ", p.type, " program."));
      w.Key("card_image_url").Str(p.card_image_url);
      w.Key("content_type").Str("program");
      w.Key("courses_").OpenArray();
      for (const int ci : p.courses) {
        const CourseModel& c = *courses[static_cast<size_t>(ci)];
        w.Open().Key("key").Str(c.key).Key("course_runs").OpenArray();
        for (const RunModel& r : c.runs) {
          if (r.restriction_type.empty())
            w.Open().Key("key").Str(r.key).Close();
        }
        w.CloseArray().Close();
      }
      w.CloseArray();
      w.Close();
    }
    w.CloseArray();
    w.Close();
  }
  w.CloseArray();
  w.Key("visible_via_association").Bool(rng->Chance(0.7));
  w.Key("created").Str(FormatDate(now - rng->Range(30, 1200) * kSecondsPerDay));
  w.Close();
  SetHeadTail(doc.get(), w.str());
  doc->search_text = title;
  return doc;
}

}  // namespace ec::stub
