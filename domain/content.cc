#include "domain/content.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/json_depth.h"
#include "common/limits.h"
#include "common/uuid.h"
#include "domain/normalized_metadata.h"
#include "nlohmann/json.hpp"

namespace ec::domain {
namespace {

// Ordered so json_metadata keeps the member order discovery sent.
using Json = nlohmann::ordered_json;

// nlohmann's parser is iterative but dump() and our NUL scan recurse, so a
// hostile document could otherwise exhaust the stack. Real discovery
// documents nest fewer than ten levels.
constexpr int kMaxDocumentDepth = 128;

// PostgreSQL text cannot hold NUL, and jsonb rejects the \u0000 escape too,
// so a NUL anywhere in the document would fail the write later.
bool ContainsNul(const Json& value) {
  if (value.is_string()) {
    return value.get_ref<const std::string&>().find('\0') != std::string::npos;
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key.find('\0') != std::string::npos || ContainsNul(member)) {
        return true;
      }
    }
  } else if (value.is_array()) {
    for (const Json& element : value) {
      if (ContainsNul(element)) return true;
    }
  }
  return false;
}

// The member `name` if it is a string, else "".
std::string StringMember(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::string();
  return it->get<std::string>();
}

absl::Status CheckKeyLength(std::string_view key, const std::string& what) {
  if (key.size() > common::kMaxContentKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", key.size(), " bytes; the limit is ",
                     common::kMaxContentKeyBytes, " bytes"));
  }
  return absl::OkStatus();
}

std::string KnownTypesList() {
  std::string list;
  for (std::string_view type : kContentTypes) {
    if (!list.empty()) list += ", ";
    list += type;
  }
  return list;
}

InclusionFacts FactsOf(const Json& doc, std::string_view aggregation_key) {
  InclusionFacts facts;
  facts.is_course = aggregation_key.starts_with("course:");
  if (const auto ps = doc.find("product_source"); ps != doc.end()) {
    if (ps->is_string()) {
      facts.product_source = ps->get<std::string>();
    } else if (ps->is_object()) {
      const auto slug = ps->find("slug");
      if (slug != ps->end() && slug->is_string()) {
        facts.product_source = slug->get<std::string>();
      } else if (slug != ps->end() && !slug->is_null()) {
        facts.product_source_invalid = true;
      }
    } else if (!ps->is_null()) {
      facts.product_source_invalid = true;
    }
  }
  if (const auto ct = doc.find("course_type"); ct != doc.end()) {
    if (ct->is_string()) {
      facts.course_type = ct->get<std::string>();
    } else if (!ct->is_null()) {
      facts.course_type_invalid = true;
    }
  }
  return facts;
}

absl::StatusOr<std::vector<ContentRecord>> ParseDocument(const Json& doc) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        "discovery document is not a JSON object");
  }
  if (ContainsNul(doc)) {
    return absl::InvalidArgumentError(
        "discovery document contains a NUL character, which cannot be stored");
  }

  ContentRecord record;
  const std::string aggregation_key = StringMember(doc, "aggregation_key");
  const size_t colon = aggregation_key.find(':');
  if (colon != std::string::npos) {
    record.content_type = aggregation_key.substr(0, colon);
  } else {
    record.content_type = StringMember(doc, "content_type");
  }
  if (!IsKnownContentType(record.content_type)) {
    // Echo short types only: the text is untrusted and ends up in logs.
    const std::string shown =
        record.content_type.size() <= 64
            ? absl::StrCat("\"", record.content_type, "\"")
            : std::string("(too long to show)");
    return absl::InvalidArgumentError(absl::StrCat(
        "discovery document has content type ", shown,
        " (from aggregation_key, else content_type); expected one of ",
        KnownTypesList()));
  }

  record.content_key = StringMember(doc, "key");
  if (record.content_key.empty()) {
    record.content_key = StringMember(doc, "uuid");
  }
  if (record.content_key.empty()) {
    return absl::InvalidArgumentError(
        "discovery document has neither a non-empty \"key\" nor \"uuid\"");
  }
  if (absl::Status status = CheckKeyLength(record.content_key, "content key");
      !status.ok()) {
    return status;
  }

  record.content_uuid =
      common::NormalizeUuid(StringMember(doc, "uuid")).value_or(std::string());

  constexpr std::string_view kRunPrefix = "courserun:";
  if (record.content_type == "courserun" &&
      aggregation_key.starts_with(kRunPrefix)) {
    record.parent_content_key = aggregation_key.substr(kRunPrefix.size());
    if (absl::Status status = CheckKeyLength(
            record.parent_content_key, "parent course key in aggregation_key");
        !status.ok()) {
      return status;
    }
  }

  record.title = StringMember(doc, "title");
  if (record.title.empty()) record.title = StringMember(doc, "name");
  if (record.content_type == "course") {
    // A course is stored with its normalized metadata from the start
    // (computed from what search/all sent until the full pass merges more).
    Json course = doc;
    AddNormalizedMetadata(course);
    record.json_metadata = course.dump();
  } else {
    record.json_metadata = doc.dump();
  }
  record.facts = FactsOf(doc, aggregation_key);

  const std::string course_key = record.content_key;
  const std::string course_title = record.title;
  const bool is_course = record.content_type == "course";
  const InclusionFacts course_facts = record.facts;
  std::vector<ContentRecord> records;
  records.push_back(std::move(record));
  const auto runs = doc.find("course_runs");
  if (!is_course || runs == doc.end() || !runs->is_array()) return records;

  for (size_t i = 0; i < runs->size(); ++i) {
    const Json& run = (*runs)[i];
    if (!run.is_object()) continue;
    ContentRecord derived;
    derived.content_key = StringMember(run, "key");
    if (derived.content_key.empty()) continue;
    if (absl::Status status = CheckKeyLength(
            derived.content_key, absl::StrCat("course_runs[", i, "] key"));
        !status.ok()) {
      return status;
    }
    derived.content_type = "courserun";
    derived.content_uuid = common::NormalizeUuid(StringMember(run, "uuid"))
                               .value_or(std::string());
    derived.parent_content_key = course_key;
    derived.title = StringMember(run, "title");
    if (derived.title.empty()) derived.title = course_title;
    derived.json_metadata = run.dump();
    derived.derived = true;
    derived.facts = course_facts;
    records.push_back(std::move(derived));
  }
  return records;
}

}  // namespace

UniqueContent::UniqueContent(const std::vector<ContentRecord>& records) {
  for (const ContentRecord& rec : records) {
    auto [it, inserted] = by_key.emplace(rec.content_key, &rec);
    if (!inserted && Supersedes(rec, *it->second)) it->second = &rec;
  }
  for (const auto& [key, rec] : by_key) {
    if (!rec->derived) members.emplace_back(key);
  }
}

InclusionFacts InclusionFactsOf(const Json& document) {
  return FactsOf(document, StringMember(document, "aggregation_key"));
}

bool IsKnownContentType(std::string_view type) {
  return std::find(std::begin(kContentTypes), std::end(kContentTypes), type) !=
         std::end(kContentTypes);
}

std::optional<std::string> ResultIdentity(const Json& result) {
  if (!result.is_object()) return std::nullopt;
  for (const auto& [member, prefix] :
       {std::pair{"key", "k:"}, std::pair{"uuid", "u:"},
        std::pair{"aggregation_key", "a:"}}) {
    std::string value = StringMember(result, member);
    if (!value.empty()) return prefix + value;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<ContentRecord>> DiscoveryDocumentRecords(
    const Json& document) {
  try {
    return ParseDocument(document);
  } catch (const Json::exception& e) {
    // dump() refuses strings that are not UTF-8.
    return absl::InvalidArgumentError(
        absl::StrCat("discovery document cannot be stored: ", e.what()));
  }
}

absl::StatusOr<std::vector<ContentRecord>> ParseDiscoveryDocument(
    std::string_view json_text) {
  if (common::NestsDeeperThan(json_text, kMaxDocumentDepth)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "discovery document nests deeper than ", kMaxDocumentDepth, " levels"));
  }
  try {
    return ParseDocument(Json::parse(json_text));
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("discovery document is not valid JSON: ", e.what()));
  }
}

}  // namespace ec::domain
