#include "tests/bench/catalog_bench_setup.h"

#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <random>

#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "nlohmann/json.hpp"
#include "storage/types.h"

namespace ec::bench {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "ec_bench: " << message << "\n";
  std::exit(1);
}

std::string Fmt(const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  return buf;
}

namespace {

std::string DocUuid(int kind, int i) {
  return Fmt("%08x-%04x-4000-8000-%012x", 0x5eed0000 + kind, kind,
             static_cast<unsigned>(i));
}

std::string CourseKey(int i) { return Fmt("BenchU+CS%04dx", i); }
std::string RunKey(int course, int run) {
  return Fmt("course-v1:BenchU+CS%04dx+%d_T%d", course, 2024 + run / 3,
             1 + run % 3);
}

// Deterministic prose, so that compression sees text rather than repeats.
std::string Prose(std::mt19937_64& rng, size_t bytes) {
  static const char* const kWords[] = {
      "learn",     "data",         "analysis",  "python",   "systems",
      "design",    "introduction", "advanced",  "students", "course",
      "practical", "projects",     "week",      "modules",  "theory",
      "methods",   "statistics",   "cloud",     "security", "networks",
      "business",  "leadership",   "the",       "and",      "of",
      "with",      "for",          "in",        "through",  "applied",
      "models",    "research",     "skills",    "tools",    "foundations",
      "machine",   "learning",     "economics", "health",   "policy"};
  std::uniform_int_distribution<size_t> pick(0, std::size(kWords) - 1);
  std::string out;
  out.reserve(bytes + 16);
  while (out.size() < bytes) {
    if (!out.empty()) out += (rng() % 12 == 0) ? ". " : " ";
    out += kWords[pick(rng)];
  }
  out.resize(bytes);
  return out;
}

nlohmann::ordered_json RunFields(int course, int run, std::mt19937_64& rng) {
  const int year = 2024 + run / 3;
  const std::string start =
      Fmt("%d-%02d-01T05:00:00Z", year, 1 + 4 * (run % 3));
  const std::string end = Fmt("%d-%02d-28T23:59:00Z", year, 4 + 4 * (run % 3));
  return {{"key", RunKey(course, run)},
          {"uuid", DocUuid(3, course * 8 + run)},
          {"status", "published"},
          {"start", start},
          {"end", end},
          {"enrollment_start", nullptr},
          {"enrollment_end", end},
          {"pacing_type", (rng() % 2) ? "self_paced" : "instructor_paced"},
          {"availability", run == 0 ? "Current" : "Upcoming"},
          {"min_effort", 2 + static_cast<int>(rng() % 4)},
          {"max_effort", 6 + static_cast<int>(rng() % 6)},
          {"weeks_to_complete", 4 + static_cast<int>(rng() % 10)},
          {"is_enrollable", true},
          {"is_marketable", true},
          {"seats",
           {{{"type", "verified"},
             {"price", "149.00"},
             {"currency", "USD"},
             {"sku", Fmt("%07X", static_cast<unsigned>(course * 8 + run))}},
            {{"type", "audit"},
             {"price", "0.00"},
             {"currency", "USD"},
             {"sku", Fmt("A%06X", static_cast<unsigned>(course * 8 + run))}}}}};
}

// Pads `field` so the compact document is about `target` bytes.
std::string PadTo(nlohmann::ordered_json& doc, const char* field, size_t target,
                  std::mt19937_64& rng) {
  doc[field] = "";
  const size_t base = doc.dump().size();
  if (base < target) doc[field] = Prose(rng, target - base);
  return doc.dump();
}

std::string MakeCatalog(storage::CatalogStore* store, const std::string& tag,
                        const std::string& enterprise, int64_t* query_id) {
  google::protobuf::Struct filter;
  (*filter.mutable_fields())["bench"].set_string_value(tag);
  domain::CanonicalFilter canonical =
      Check(domain::CanonicalizeFilter(filter), "filter");
  *query_id = Check(store->EnsureCatalogQuery(canonical), "query").id;
  storage::NewCatalog c;
  c.uuid = common::NewUuidV4();
  c.title = "Bench catalog " + tag;
  c.enterprise_uuid = enterprise;
  c.enterprise_name = "Bench Enterprise";
  c.filter = canonical;
  c.enabled_course_modes = {"verified", "professional", "audit"};
  return Check(store->CreateCatalog(c), "create catalog").uuid;
}

}  // namespace

DataSet MakeDataSet(const Flags& flags) {
  DataSet ds;
  std::mt19937_64 rng(flags.seed ^ 0x9e3779b97f4a7c15ULL);
  int second_runs_left = flags.runs - flags.courses;  // beyond one per course
  int first_runs_left = flags.runs;
  ds.run_docs.resize(static_cast<size_t>(flags.courses));
  for (int c = 0; c < flags.courses; ++c) {
    const std::string key = CourseKey(c);
    const std::string uuid = DocUuid(1, c);
    const int nested = 1 + c % 3;
    nlohmann::ordered_json doc = {
        {"aggregation_key", "course:" + key},
        {"content_type", "course"},
        {"key", key},
        {"uuid", uuid},
        {"title", "Bench Course " + std::to_string(c) + ": " + Prose(rng, 40)},
        {"card_image_url",
         "https://prod-discovery.edx-cdn.org/media/course/image/" + uuid +
             "-3c7d1e2f9a4b.small.jpg"},
        {"short_description", Prose(rng, 220)},
        {"full_description", ""},
        {"outcome", Prose(rng, 360)},
        {"level_type", (c % 3 == 0) ? "Introductory" : "Intermediate"},
        {"subjects", {"Computer Science", "Data Analysis & Statistics"}},
        {"skill_names", {"Python", "SQL", "Data Visualization", "Statistics"}},
        {"owners",
         {{{"key", "BenchU"},
           {"name", "Bench University"},
           {"logo_image_url",
            "https://prod-discovery.edx-cdn.org/organization/logos/"
            "bench.png"}}}},
        {"partner", "edx"},
        {"languages", {"en-us"}},
        {"modified", "2026-10-01T12:00:00.000000Z"},
        {"course_runs", nlohmann::ordered_json::array()}};
    for (int r = 0; r < nested; ++r) {
      ds.run_keys.push_back(RunKey(c, r));
      doc["course_runs"].push_back(RunFields(c, r, rng));
      // Standalone documents: every course's first run, then second runs
      // while the budget lasts.
      bool standalone = false;
      if (r == 0 && first_runs_left > 0) {
        standalone = true;
      } else if (r == 1 && second_runs_left > 0) {
        standalone = true;
        --second_runs_left;
      }
      if (!standalone) continue;
      --first_runs_left;
      nlohmann::ordered_json run = {
          {"aggregation_key", "courserun:" + key},
          {"content_type", "courserun"},
          {"title", doc["title"]},
          {"short_description", Prose(rng, 200)},
          {"full_description", ""},
          {"staff",
           {{{"given_name", "Ada"}, {"family_name", "Lovelace"}},
            {{"given_name", "Alan"}, {"family_name", "Turing"}}}},
          {"type", "verified-audit"},
          {"modified", "2026-10-01T12:00:00.000000Z"}};
      run.update(RunFields(c, r, rng));
      std::string text = PadTo(run, "full_description",
                               1800 + static_cast<size_t>(rng() % 400), rng);
      ds.run_doc_bytes += text.size();
      ++ds.standalone_runs;
      ds.run_docs[static_cast<size_t>(c)].push_back(std::move(text));
    }
    std::string text = PadTo(doc, "full_description",
                             3600 + static_cast<size_t>(rng() % 800), rng);
    ds.course_doc_bytes += text.size();
    ds.course_keys.push_back(key);
    ds.course_docs.push_back(std::move(text));
  }
  return ds;
}

std::vector<domain::ContentRecord> RecordsFor(const DataSet& ds, int first,
                                              int count) {
  std::vector<domain::ContentRecord> out;
  const int n = static_cast<int>(ds.course_docs.size());
  auto add = [&](const std::string& doc) {
    auto parsed = domain::ParseDiscoveryDocument(doc);
    if (!parsed.ok())
      Die("bad generated document: " + parsed.status().ToString());
    for (auto& rec : *parsed) out.push_back(std::move(rec));
  };
  for (int k = 0; k < count; ++k) {
    const size_t c = static_cast<size_t>((first + k) % n);
    add(ds.course_docs[c]);
    for (const auto& run : ds.run_docs[c]) add(run);
  }
  return out;
}

Catalogs Load(testing::StoreEnv* env, const DataSet& ds, const Flags& flags) {
  storage::CatalogStore* store = env->store();
  Catalogs cats;
  int64_t query_id = 0;
  const int n = static_cast<int>(ds.course_docs.size());
  cats.main_uuid = MakeCatalog(store, "main", kMainEnterprise, &query_id);
  auto t0 = Clock::now();
  auto r = Check(store->ReplaceQueryContent(query_id, RecordsFor(ds, 0, n)),
                 "load main catalog");
  std::cerr << "ec_bench: main catalog: " << r.members << " members, "
            << r.content_inserted << " content rows in "
            << std::chrono::duration<double>(Clock::now() - t0).count()
            << " s\n";
  // Each subset catalog holds a window of 20% of the courses (with their
  // standalone runs); windows overlap, so a course is in ~4 catalogs.
  const int window = std::max(1, n / 5);
  const int stride = std::max(1, n / flags.subset_catalogs);
  for (int j = 0; j < flags.subset_catalogs; ++j) {
    cats.subset_uuids.push_back(MakeCatalog(
        store, "subset-" + std::to_string(j), kSubsetEnterprise, &query_id));
    Check(store->ReplaceQueryContent(query_id,
                                     RecordsFor(ds, j * stride, window)),
          "load subset catalog");
  }
  if (flags.setup_analyze) {
    if (auto s = env->Exec("VACUUM ANALYZE"); !s.ok()) Die(s.ToString());
  }
  return cats;
}

}  // namespace ec::bench
