#include "tests/tools/discovery_stub/filter_test_support.h"

#include <algorithm>
#include <set>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

using nlohmann::json;

double ParseTime(const json& value) {
  return *ParseEsDate(value.get<std::string>(), kDefaultDatasetNow);
}

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
  for (const auto& s : kVocabSubjects)
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

}  // namespace ec::stub
