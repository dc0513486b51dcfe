// Program documents (§3.3).
#include <algorithm>
#include <optional>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

std::shared_ptr<Document> BuildProgram(
    const ProgramModel& p,
    const std::vector<std::shared_ptr<CourseModel>>& courses,
    const std::vector<int>& skills, const Tables& t, Rng* rng) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kProgram;
  doc->key = p.uuid;
  doc->aggregation_key = Cat("program:", p.uuid);
  doc->title = p.title;
  const VocabOrg& org = kVocabOrgs[p.org];
  std::vector<int> orgs = {p.org};
  if (p.second_org >= 0 && p.second_org != p.org) orgs.push_back(p.second_org);
  std::vector<std::string> org_uuids, org_labels, languages, subject_uuids,
      staff_uuids;
  for (const int o : orgs) {
    org_uuids.emplace_back(kVocabOrgs[o].uuid);
    org_labels.push_back(AsciiLower(OrgLabel(o)));
  }
  std::optional<int64_t> start;
  for (const int ci : p.courses) {
    const CourseModel& c = *courses[static_cast<size_t>(ci)];
    for (const int s : c.subjects) {
      AddUnique(&subject_uuids, std::string(kVocabSubjects[s].uuid));
    }
    for (const RunModel& r : c.runs) {
      AddUnique(&languages, std::string(kVocabLanguages[r.language].name));
      for (const int s : r.staff) {
        AddUnique(&staff_uuids, t.person_uuid[static_cast<size_t>(s)]);
      }
      if (r.marketable && r.restriction_type.empty()) {
        start = std::min(start.value_or(r.start), r.start);
      }
    }
  }
  if (languages.empty()) languages.emplace_back("English");
  std::string type_lower = AsciiLower(p.type);

  SetCommonTerms(doc.get(), org.partner);
  SetTerm(doc.get(), TermField::kStatus, p.status);
  SetTerm(doc.get(), TermField::kAuthoringOrganizations, org_labels);
  SetTerm(doc.get(), TermField::kAuthoringOrganizationUuids, org_uuids);
  SetTerm(doc.get(), TermField::kSubjectUuids, subject_uuids);
  SetTerm(doc.get(), TermField::kType, type_lower);
  SetTerm(doc.get(), TermField::kHidden, BoolTerm(p.hidden));
  SetTerm(doc.get(), TermField::kPublished, BoolTerm(p.status == "active"));
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(skills));
  if (start) {
    NumValues(doc.get(), NumField::kStart)
        .push_back(static_cast<double>(*start));
    doc->min_start = doc->max_start = start;
  }
  doc->search_text =
      Cat(p.subtitle, " ", p.type, " ", p.status, " ", Join(org_labels, " "));

  const int min_hours = rng->Int(2, 6);
  const int min_weeks = rng->Int(6, 20);
  const bool degree = p.type == "Masters";
  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("program");
  w.Key("card_image_url").Str(p.card_image_url);
  w.Key("language").StrArray(languages);
  w.Key("marketing_url").Str(p.marketing_url);
  w.Key("partner").Str(org.partner);
  w.Key("published").Bool(p.status == "active");
  w.Key("status").Str(p.status);
  w.Key("subtitle").Literal("\"").Literal(p.subtitle).Marker().Literal("\"");
  w.Key("title").Str(p.title);
  w.Key("type").Str(p.type);
  w.Key("uuid").Str(p.uuid);
  w.Key("authoring_organization_uuids").StrArray(org_uuids);
  w.Key("authoring_organizations").OpenArray();
  for (const int o : orgs) w.Raw(t.org_json[static_cast<size_t>(o)]);
  w.CloseArray();
  w.Key("hidden").Bool(p.hidden);
  w.Key("is_program_eligible_for_one_click_purchase").Bool(!degree);
  w.Key("max_hours_effort_per_week").Int(min_hours + rng->Int(1, 6));
  w.Key("min_hours_effort_per_week").Int(min_hours);
  w.Key("staff_uuids").StrArray(staff_uuids);
  w.Key("subject_uuids").StrArray(subject_uuids);
  w.Key("skill_names").StrArray(SkillNames(skills));
  WriteSkills(&w, skills, t, /*short_form=*/false);
  w.Key("weeks_to_complete_max").Int(min_weeks + rng->Int(2, 20));
  w.Key("weeks_to_complete_min").Int(min_weeks);
  if (degree) {
    w.Key("search_card_display")
        .StrArray({Cat("#", rng->Int(1, 50), " in the world"),
                   Cat("$", rng->Int(10, 40), ",000"),
                   Cat(p.courses.size(), " courses")});
  } else {
    w.Key("search_card_display").OpenArray().CloseArray();
  }
  w.Key("is_2u_degree_program").Bool(degree && org.partner == "edx");
  w.Key("excluded_from_search").Bool(false);
  w.Key("excluded_from_seo").Bool(false);
  w.Close();
  SetHeadTail(doc.get(), w.str());
  return doc;
}

}  // namespace ec::stub
