// RenderDocument: a pre-rendered document plus what depends on the request.
#include <algorithm>
#include <string_view>
#include <vector>

#include "tools/discovery_stub/catalog_model.h"
#include "tools/discovery_stub/dataset.h"
#include "tools/discovery_stub/dates.h"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/text.h"

namespace ec::stub {

void RenderDocument(const Document& doc, const RenderOptions& options,
                    std::string* out) {
  out->append(doc.head);
  out->append(doc.padding);
  if (doc.revision > 0) Append(out, " [revision ", doc.revision, "]");
  if (doc.type != ContentType::kCourse) {
    out->append(doc.tail);
    return;
  }
  // Which nested runs a course shows depends on the request (§3.2).
  // should_include_course_run: a parameter named like a run attribute whose
  // value equals it keeps an expired run.
  auto matches_parameter = [&](const NestedRun& run) {
    if (options.params == nullptr) return false;
    for (const auto& [name, value] : options.params->items()) {
      if (name == "key" && value == run.key) return true;
      if (name == "status" && value == run.status) return true;
      if (name == "pacing_type" && value == run.pacing_type) return true;
      if (name == "availability" && value == run.availability) return true;
      if (name == "title" && value == run.title) return true;
    }
    return false;
  };
  std::vector<std::string_view> seat_types, languages;
  const std::vector<std::string>& parts = doc.course_parts;
  out->append(parts[0]);
  out->push_back('[');
  bool first = true;
  for (const NestedRun& run : doc.runs) {
    if (!run.restriction_type.empty() &&
        std::find(options.include_restricted.begin(),
                  options.include_restricted.end(),
                  run.restriction_type) == options.include_restricted.end()) {
      continue;
    }
    const bool ended = run.end && *run.end <= options.now;
    if (!options.exclude_expired || !ended) {
      for (const auto& seat : run.seat_types)
        AddUnique(&seat_types, std::string_view(seat));
    }
    if (!run.language.empty() &&
        (!options.exclude_expired ||
         (run.enrollable && run.marketable && !ended))) {
      AddUnique(&languages, std::string_view(run.language));
    }
    if (options.exclude_expired && ended && !matches_parameter(run)) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append(run.json);
    if (options.detail_fields) out->append(run.detail_json);
    out->push_back('}');
  }
  out->push_back(']');
  auto append_strings = [out](const std::vector<std::string_view>& values) {
    out->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out->push_back(',');
      Append(out, "\"", values[i], "\"");
    }
    out->push_back(']');
  };
  out->append(parts[1]);
  append_strings(seat_types);
  out->append(parts[2]);
  append_strings(languages);
  out->append(parts[3]);
  if (options.detail_fields) out->append(parts[4]);
  if (options.detail_fields || options.include_modified) {
    Append(out, ",\"modified\":\"", FormatDate(doc.modified), "\"");
  }
  out->append(parts[5]);
}

}  // namespace ec::stub
