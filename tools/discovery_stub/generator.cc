#include "tools/discovery_stub/generator.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/documents.h"
#include "tools/discovery_stub/prose.h"
#include "tools/discovery_stub/rng.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {
namespace {

constexpr int kMaxRunsPerCourse = 8;

int TargetBytes(const DatasetSpec& spec, Rng* rng) {
  const int lo = std::max(0, spec.min_doc_bytes);
  const int hi = std::max(lo, spec.max_doc_bytes);
  return rng->Int(lo, hi);
}

// Generates one dataset. Each step draws from the one RNG stream in a fixed
// order, which is what makes a seed reproducible.
class Generator {
 public:
  explicit Generator(const DatasetSpec& spec)
      : spec_(spec),
        now_(spec.now_unix_seconds),
        rng_(spec.seed),
        n_courses_(std::max(0, spec.courses)),
        n_runs_(n_courses_ > 0 ? std::max(0, spec.runs) : 0),
        n_programs_(std::max(0, spec.programs)),
        n_pathways_(std::max(0, spec.pathways)),
        n_persons_(std::max(0, spec.persons)) {
    pool_ = std::make_shared<std::string>(MakeTextPool(&rng_));
    tables_ = std::make_shared<Tables>();
  }

  void Run() {
    MakeSharedFragments();
    MakePersons();  // first: runs and programs refer to them as staff
    MakeCourses();
    AddInclusionRuleContent(spec_.seed, courses_);
    DistributeRuns();
    MakeRuns();
    MakePrograms();
    EmitCourseDocs();
    EmitProgramDocs();
    EmitPathwayDocs();
    EmitPersonDocs();
  }

  GeneratedCatalog Take() {
    return {std::move(pool_), std::move(tables_), std::move(docs_)};
  }

 private:
  // Skill and organization JSON that many documents embed.
  void MakeSharedFragments() {
    for (size_t i = 0; i < kVocabSkillCount; ++i) {
      const std::string_view name = kVocabSkillNames[i];
      const std::string prose =
          PlainText(PickPadding(*pool_, rng_.Int(120, 360), &rng_));
      const std::string description =
          Cat(name, " is a skill in ",
              kVocabSkillCategories[i % std::size(kVocabSkillCategories)], ". ",
              prose);
      JsonWriter full;
      full.Open();
      full.Key("name").Str(name);
      full.Key("description").Str(description);
      if (i % 3 == 2) {
        full.Key("category").Null();
        full.Key("subcategory").Null();
      } else {
        const std::string_view category =
            kVocabSkillCategories[i % std::size(kVocabSkillCategories)];
        full.Key("category").Open().Key("name").Str(category).Close();
        full.Key("subcategory").Open().Key("name").Str(Cat(name, " Basics"));
        full.Key("category").Open().Key("name").Str(category).Close().Close();
      }
      full.Close();
      tables_->skill_json.push_back(std::move(full.str()));
      JsonWriter brief;
      brief.Open()
          .Key("name")
          .Str(name)
          .Key("description")
          .Str(description)
          .Close();
      tables_->skill_short_json.push_back(std::move(brief.str()));
    }
    for (size_t i = 0; i < std::size(kVocabOrgs); ++i) {
      const VocabOrg& org = kVocabOrgs[i];
      JsonWriter w;
      w.Open();
      w.Key("uuid").Str(org.uuid);
      w.Key("key").Str(org.key);
      w.Key("name").Str(org.name);
      w.Key("auto_generate_course_run_keys").Bool(true);
      w.Key("certificate_logo_image_url").Null();
      w.Key("logo_image_url").Str(LogoUrl(static_cast<int>(i)));
      w.Key("organization_hex_color").Null();
      const std::string stamp = Cat(
          FormatDate(now_ - rng_.Range(30, 900) * kSecondsPerDay).substr(0, 19),
          ".", rng_.Int(100000, 999999), "Z");
      w.Key("data_modified_timestamp").Str(stamp);
      // MinimalOrganizationSerializer: the fields so far.
      tables_->org_minimal_json.push_back(Cat(w.str(), "}"));
      w.Key("description")
          .Str(Cat("<p>", org.name, " ",
                   PlainText(PickPadding(*pool_, rng_.Int(300, 1500), &rng_)),
                   "</p>"));
      w.Key("description_es").Str("");
      w.Key("homepage_url").Null();
      w.Key("tags").StrArray({"charter", "contributor"});
      w.Key("marketing_url")
          .Str(Cat("https://www.edx.org/school/", AsciiLower(org.key)));
      w.Key("slug").Str(AsciiLower(org.key));
      w.Key("banner_image_url").Null();
      w.Key("enterprise_subscription_inclusion").Bool(org.partner == "edx");
      w.Close();
      tables_->org_json.push_back(std::move(w.str()));
    }
  }

  void MakePersons() {
    for (int i = 0; i < n_persons_; ++i) {
      PersonModel p;
      p.uuid = rng_.Uuid();
      p.given = std::string(rng_.Pick(kVocabGivenNames));
      p.family = std::string(rng_.Pick(kVocabFamilyNames));
      p.salutation =
          std::string(rng_.Choice({{"Dr.", 4}, {"Prof.", 3}, {"", 3}}));
      p.position = std::string(rng_.Pick(kVocabPositions));
      p.org = static_cast<int>(rng_.Weighted(
          kVocabOrgs, [](const VocabOrg& o) { return o.weight; }));
      tables_->person_uuid.push_back(p.uuid);
      tables_->person_minimal_json.push_back(PersonMinimalJson(p));
      persons_.push_back(std::move(p));
    }
  }

  void MakeCourses() {
    std::set<std::string> course_keys;
    for (int i = 0; i < n_courses_; ++i) {
      auto c = std::make_shared<CourseModel>();
      c->org = static_cast<int>(rng_.Weighted(
          kVocabOrgs, [](const VocabOrg& o) { return o.weight; }));
      c->topic = static_cast<int>(rng_.Below(std::size(kVocabTopics)));
      const VocabOrg& org = kVocabOrgs[c->org];
      const VocabTopic& topic = kVocabTopics[c->topic];
      do {
        c->number = MakeCourseNumber(org, topic, &rng_);
        c->key = Cat(org.key, "+", c->number);
      } while (!course_keys.insert(c->key).second);
      c->uuid = rng_.Uuid();
      c->title = MakeCourseTitle(c->topic, &rng_);
      c->language = static_cast<int>(rng_.Weighted(
          kVocabLanguages, [](const VocabLanguage& l) { return l.weight; }));
      c->short_description = MakeShortDescription(topic.name, &rng_);
      c->image_url =
          Cat("https://prod-discovery.edx-cdn.org/media/course/image/", c->uuid,
              "-", rng_.Hex(12), ".small.jpeg");
      if (rng_.Chance(0.2)) {
        c->card_image_url =
            Cat("https://prod-discovery.edx-cdn.org/media/course/image/",
                c->uuid, "-", rng_.Hex(12), ".card.jpeg");
      }
      c->outcome = Cat("<ul><li>How to apply ", AsciiLower(topic.name),
                       "</li><li>Core tools and methods</li></ul>");
      c->level_type = std::string(rng_.Choice({{"Introductory", 50},
                                               {"Intermediate", 33},
                                               {"Advanced", 15},
                                               {"", 2}}));
      c->course_type = std::string(rng_.Choice({{"verified-audit", 72},
                                                {"audit", 8},
                                                {"professional", 6},
                                                {"credit-verified-audit", 3},
                                                {"executive-education-2u", 8},
                                                {"bootcamp-2u", 3}}));
      const bool two_u = c->course_type == "executive-education-2u" ||
                         c->course_type == "bootcamp-2u";
      c->product_source = two_u ? "2u" : "edx";
      if (c->course_type == "executive-education-2u") {
        c->marketing_type = std::string(rng_.Choice(
            {{"short_course", 6}, {"sprint", 2}, {"course_stack", 2}}));
      }
      if (two_u)
        c->fixed_price = static_cast<double>(rng_.Int(20, 60) * 100 - 10);
      const std::string_view inclusion =
          rng_.Choice({{"true", 60}, {"false", 35}, {"", 5}});
      if (!inclusion.empty() && !two_u)
        c->subscription_inclusion = inclusion == "true";
      if (two_u) c->subscription_inclusion = false;
      c->course_length = std::string(
          rng_.Choice({{"short", 3}, {"medium", 5}, {"long", 2}, {"", 1}}));
      c->subjects = {topic.subject};
      for (int s = rng_.Int(0, 2); s > 0; --s) {
        AddUnique(&c->subjects,
                  static_cast<int>(rng_.Below(std::size(kVocabSubjects))));
      }
      if (rng_.Chance(0.1)) {
        c->sponsor = static_cast<int>(rng_.Below(std::size(kVocabOrgs)));
        if (c->sponsor == c->org) c->sponsor = -1;
      }
      c->modified =
          now_ - rng_.Range(0, 700) * kSecondsPerDay - rng_.Range(0, 86399);
      c->target_bytes = TargetBytes(spec_, &rng_);
      courses_.push_back(std::move(c));
    }
  }

  // A few courses get no runs (they sort last), the rest one each and the
  // remainder at random, at most kMaxRunsPerCourse.
  void DistributeRuns() {
    run_counts_.assign(static_cast<size_t>(n_courses_), 0);
    if (n_courses_ > 0) {
      std::vector<size_t> eligible;
      for (size_t i = 0; i < run_counts_.size(); ++i) {
        if (!rng_.Chance(0.03)) eligible.push_back(i);
      }
      if (eligible.empty()) eligible.push_back(0);
      for (size_t i = eligible.size(); i > 1; --i) {
        std::swap(eligible[i - 1], eligible[rng_.Below(i)]);
      }
      int cap = kMaxRunsPerCourse;
      for (int k = 0; k < n_runs_; ++k) {
        if (static_cast<size_t>(k) < eligible.size()) {
          ++run_counts_[eligible[static_cast<size_t>(k)]];
          continue;
        }
        size_t pick = eligible[rng_.Below(eligible.size())];
        for (int attempt = 0; run_counts_[pick] >= cap && attempt < 8;
             ++attempt) {
          pick = eligible[rng_.Below(eligible.size())];
        }
        if (run_counts_[pick] >= cap) {
          // Find any course below the cap; raise the cap if none is left.
          auto it =
              std::find_if(eligible.begin(), eligible.end(),
                           [&](size_t e) { return run_counts_[e] < cap; });
          if (it == eligible.end()) {
            ++cap;
          } else {
            pick = *it;
          }
        }
        ++run_counts_[pick];
      }
    }
  }

  // Run dates and the courses' skills.
  void MakeRuns() {
    for (size_t i = 0; i < courses_.size(); ++i) {
      CourseModel& c = *courses_[i];
      // The latest run starts around now (most courses are still offered);
      // earlier runs go back at least four months each, so the term (and the
      // run key) changes. Starts fall on whole days at a few common hours, so
      // different courses tie on start.
      std::vector<int64_t> starts(static_cast<size_t>(run_counts_[i]));
      const int64_t hour =
          3600 * std::array<int64_t, 4>{0, 5, 14, 16}[rng_.Below(4)];
      int64_t day = now_ / kSecondsPerDay + rng_.Range(-330, 240);
      for (size_t k = starts.size(); k > 0; --k) {
        starts[k - 1] = day * kSecondsPerDay + hour;
        day -= rng_.Range(4 * 31, 12 * 31);
      }
      for (const int64_t start : starts) {
        c.runs.push_back(MakeRun(c, start, n_persons_, now_, &rng_));
        c.runs.back().target_bytes = TargetBytes(spec_, &rng_);
      }
      // Skills: realistic counts, within what the smallest of this course's
      // documents can hold, and at least one so skill filters have data.
      int budget = c.target_bytes;
      for (const RunModel& r : c.runs)
        budget = std::min(budget, r.target_bytes);
      const int skill_budget = static_cast<int>((budget - 3500) * 0.6);
      const int wanted = rng_.Int(1, 30);
      int used = 0;
      while (static_cast<int>(c.skills.size()) < wanted) {
        const int s = static_cast<int>(rng_.Below(kVocabSkillCount));
        if (std::find(c.skills.begin(), c.skills.end(), s) != c.skills.end()) {
          continue;
        }
        const int cost =
            static_cast<int>(
                tables_->skill_json[static_cast<size_t>(s)].size()) +
            static_cast<int>(kVocabSkillNames[s].size()) + 4;
        if (!c.skills.empty() && used + cost > skill_budget) break;
        c.skills.push_back(s);
        used += cost;
      }
    }
  }

  // Programs take courses mostly from their own organization.
  void MakePrograms() {
    std::vector<std::vector<int>> courses_by_org(std::size(kVocabOrgs));
    for (size_t i = 0; i < courses_.size(); ++i) {
      courses_by_org[static_cast<size_t>(courses_[i]->org)].push_back(
          static_cast<int>(i));
    }
    program_types_by_course_.resize(courses_.size());
    for (int i = 0; i < n_programs_; ++i) {
      ProgramModel p;
      p.uuid = rng_.Uuid();
      p.org = static_cast<int>(rng_.Weighted(
          kVocabOrgs, [](const VocabOrg& o) { return o.weight; }));
      if (rng_.Chance(0.1))
        p.second_org = static_cast<int>(rng_.Below(std::size(kVocabOrgs)));
      p.type = std::string(rng_.Choice({{"Professional Certificate", 45},
                                        {"MicroMasters", 20},
                                        {"XSeries", 20},
                                        {"MicroBachelors", 8},
                                        {"Masters", 7}}));
      p.status = std::string(rng_.Choice({{"active", 85},
                                          {"unpublished", 7},
                                          {"retired", 5},
                                          {"deleted", 3}}));
      p.hidden = rng_.Chance(0.05);
      const std::vector<int>& own = courses_by_org[static_cast<size_t>(p.org)];
      const int wanted = rng_.Int(2, 5);
      for (int k = 0;
           k < wanted * 3 && static_cast<int>(p.courses.size()) < wanted &&
           !courses_.empty();
           ++k) {
        const int ci = !own.empty() && rng_.Chance(0.8)
                           ? own[rng_.Below(own.size())]
                           : static_cast<int>(rng_.Below(courses_.size()));
        AddUnique(&p.courses, ci);
      }
      const std::string_view topic =
          p.courses.empty()
              ? rng_.Pick(kVocabTopics).name
              : kVocabTopics[courses_[static_cast<size_t>(p.courses[0])]->topic]
                    .name;
      switch (rng_.Below(4)) {
        case 0:
          p.title = std::string(topic);
          break;
        case 1:
          p.title = Cat(topic, " and ", rng_.Pick(kVocabTopics).name);
          break;
        case 2:
          p.title = Cat(p.type, " in ", topic);
          break;
        default:
          p.title = Cat("Foundations of ", topic);
      }
      p.subtitle = MakeShortDescription(topic, &rng_);
      std::string type_slug = Slugify(p.type);
      if (p.type == "MicroMasters") type_slug = "masters";
      p.marketing_url =
          Cat("https://www.edx.org/", type_slug, "/",
              AsciiLower(kVocabOrgs[p.org].key), "-", Slugify(p.title));
      p.card_image_url =
          Cat("https://prod-discovery.edx-cdn.org/media/programs/card_images/",
              p.uuid, "-", rng_.Hex(12), ".jpg");
      for (const int ci : p.courses) {
        AddUnique(&program_types_by_course_[static_cast<size_t>(ci)], p.type);
      }
      programs_.push_back(std::move(p));
    }
  }

  void EmitCourseDocs() {
    for (size_t i = 0; i < courses_.size(); ++i) {
      CourseModel& c = *courses_[i];
      for (RunModel& r : c.runs) {
        // Runs of a non-marketable type are indexed only inside their course.
        if (!r.marketable) continue;
        auto run_doc =
            BuildRun(c, r, program_types_by_course_[i], *tables_, now_);
        run_doc->padding = PickPadding(
            *pool_,
            r.target_bytes - static_cast<int64_t>(RenderedSize(*run_doc, now_)),
            &rng_);
        docs_.push_back(std::move(run_doc));
      }
      std::shared_ptr<Document> course_doc =
          BuildCourse(courses_[i], *tables_, now_);
      c.padding =
          PickPadding(*pool_,
                      c.target_bytes -
                          static_cast<int64_t>(RenderedSize(*course_doc, now_)),
                      &rng_);
      course_doc->padding = c.padding;
      docs_.push_back(std::move(course_doc));
    }
  }

  void EmitProgramDocs() {
    for (const ProgramModel& p : programs_) {
      // Programs grow through skills (and their organizations' descriptions).
      const int target = TargetBytes(spec_, &rng_);
      // The same stream renders the probe and the final document, so their
      // random effort figures agree.
      const uint64_t program_seed = rng_.Next();
      Rng probe(program_seed);
      const size_t base =
          RenderedSize(*BuildProgram(p, courses_, {}, *tables_, &probe), now_);
      std::vector<int> skills;
      int64_t size = static_cast<int64_t>(base);
      std::vector<int> order(kVocabSkillCount);
      for (size_t k = 0; k < kVocabSkillCount; ++k)
        order[k] = static_cast<int>(k);
      for (size_t k = kVocabSkillCount; k > 1; --k)
        std::swap(order[k - 1], order[rng_.Below(k)]);
      for (const int s : order) {
        const int64_t cost = static_cast<int64_t>(
            tables_->skill_json[static_cast<size_t>(s)].size() +
            kVocabSkillNames[s].size() + 4);
        if (!skills.empty() && size + cost > target) break;
        skills.push_back(s);
        size += cost;
      }
      Rng render(program_seed);
      std::shared_ptr<Document> doc =
          BuildProgram(p, courses_, skills, *tables_, &render);
      auto model = std::make_shared<ProgramModel>(p);
      for (const int ci : p.courses) {
        model->course_keys.push_back(courses_[static_cast<size_t>(ci)]->key);
      }
      doc->program_model = std::move(model);
      docs_.push_back(std::move(doc));
    }
  }

  void EmitPathwayDocs() {
    for (int i = 0; i < n_pathways_; ++i) {
      std::shared_ptr<Document> doc =
          BuildPathway(i, courses_, programs_, *tables_, now_, &rng_);
      const int target = TargetBytes(spec_, &rng_);
      doc->padding = PickPadding(
          *pool_, target - static_cast<int64_t>(RenderedSize(*doc, now_)),
          &rng_);
      docs_.push_back(std::move(doc));
    }
  }

  void EmitPersonDocs() {
    for (const PersonModel& p : persons_) {
      std::shared_ptr<Document> doc = BuildPerson(p);
      const int target = TargetBytes(spec_, &rng_);
      doc->padding = PickPadding(
          *pool_, target - static_cast<int64_t>(RenderedSize(*doc, now_)),
          &rng_);
      docs_.push_back(std::move(doc));
    }
  }

  const DatasetSpec spec_;
  const int64_t now_;
  Rng rng_;
  const int n_courses_, n_runs_, n_programs_, n_pathways_, n_persons_;
  std::shared_ptr<std::string> pool_;
  std::shared_ptr<Tables> tables_;
  std::vector<PersonModel> persons_;
  std::vector<std::shared_ptr<CourseModel>> courses_;
  std::vector<int> run_counts_;
  std::vector<ProgramModel> programs_;
  std::vector<std::vector<std::string>> program_types_by_course_;
  std::vector<std::shared_ptr<const Document>> docs_;
};

}  // namespace

GeneratedCatalog GenerateCatalog(const DatasetSpec& spec) {
  Generator generator(spec);
  generator.Run();
  return generator.Take();
}

}  // namespace ec::stub
