#include "tools/discovery_stub/documents.h"

#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

void SetTerm(Document* doc, TermField field, std::vector<std::string> values) {
  doc->terms[static_cast<size_t>(field)] = std::move(values);
}
void SetTerm(Document* doc, TermField field, std::string value) {
  doc->terms[static_cast<size_t>(field)] = {std::move(value)};
}
std::vector<double>& NumValues(Document* doc, NumField field) {
  return doc->numbers[static_cast<size_t>(field)];
}

void SetCommonTerms(Document* doc, std::string_view partner) {
  SetTerm(doc, TermField::kAggregationKey, doc->aggregation_key);
  SetTerm(doc, TermField::kContentType,
          std::string(ContentTypeName(doc->type)));
  if (!partner.empty()) SetTerm(doc, TermField::kPartner, AsciiLower(partner));
}

// Splits a document rendered with one marker into head and tail.
void SetHeadTail(Document* doc, const std::string& json) {
  std::vector<std::string> parts = SplitAtMarkers(json);
  doc->head = std::move(parts[0]);
  doc->tail = parts.size() > 1 ? std::move(parts[1]) : std::string();
}

std::string BoolTerm(bool value) { return value ? "true" : "false"; }

std::string OrgLabel(int org) {
  return Cat(kVocabOrgs[org].key, ": ", kVocabOrgs[org].name);
}

std::string LogoUrl(int org) {
  return Cat("https://prod-discovery.edx-cdn.org/organization/logos/",
             kVocabOrgs[org].uuid, ".png");
}

std::string Slugify(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

void WriteSkills(JsonWriter* w, const std::vector<int>& skills, const Tables& t,
                 bool short_form) {
  w->Key("skills").OpenArray();
  for (const int s : skills) {
    w->Raw(short_form ? t.skill_short_json[static_cast<size_t>(s)]
                      : t.skill_json[static_cast<size_t>(s)]);
  }
  w->CloseArray();
}

std::vector<std::string> SkillNames(const std::vector<int>& skills) {
  std::vector<std::string> names;
  for (const int s : skills) names.emplace_back(kVocabSkillNames[s]);
  return names;
}

size_t RenderedSize(const Document& doc, int64_t now) {
  RenderOptions options;
  options.now = now;
  std::string out;
  RenderDocument(doc, options, &out);
  return out.size();
}

}  // namespace ec::stub
