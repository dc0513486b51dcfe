#include "tools/discovery_stub/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "tools/discovery_stub/analysis.h"
#include "tools/discovery_stub/params.h"
#include "tools/discovery_stub/pyrepr.h"
#include "tools/discovery_stub/text.h"
#include "tools/discovery_stub/vocabulary.h"

namespace ec::stub {

namespace {

constexpr int64_t kDay = 86400;
// Splits a rendered document into its static parts (see RenderDocument).
constexpr char kMarker = '\x01';
constexpr size_t kPoolBytes = size_t{1} << 20;
constexpr int kMaxRunsPerCourse = 8;
constexpr size_t kSkillCount = std::size(vocab::kSkillNames);

// SplitMix64: tiny, fast and fully specified, so a seed means the same
// dataset with any standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  int Int(int lo, int hi) { return static_cast<int>(Range(lo, hi)); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  // Index drawn with the given integer weights.
  template <typename T, size_t N, typename F>
  size_t Weighted(const T (&items)[N], F weight) {
    int total = 0;
    for (const T& item : items) total += weight(item);
    int64_t r = Range(0, total - 1);
    for (size_t i = 0; i < N; ++i) {
      r -= weight(items[i]);
      if (r < 0) return i;
    }
    return N - 1;
  }
  // Picks from {value, weight} pairs.
  std::string_view Choice(
      std::initializer_list<std::pair<std::string_view, int>> choices) {
    int total = 0;
    for (const auto& c : choices) total += c.second;
    int64_t r = Range(0, total - 1);
    for (const auto& c : choices) {
      r -= c.second;
      if (r < 0) return c.first;
    }
    return choices.begin()->first;
  }

  std::string Hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    uint64_t bits = 0;
    for (int i = 0; i < digits; ++i) {
      if (i % 16 == 0) bits = Next();
      out.push_back(kHex[bits & 15]);
      bits >>= 4;
    }
    return out;
  }
  std::string HexUpper(int digits) {
    std::string out = Hex(digits);
    for (char& c : out) {
      if (c >= 'a') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
  }
  std::string Uuid() {
    std::string h = Hex(32);
    h[12] = '4';
    h[16] = "89ab"[Below(4)];
    return Cat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-",
               h.substr(16, 4), "-", h.substr(20));
  }

 private:
  uint64_t state_;
};

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2 ? 1 : 0));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// "%Y-%m-%dT%H:%M:%SZ", or with "+00:00" instead of "Z".
std::string FormatDate(int64_t t, bool offset_suffix = false) {
  const int64_t days = FloorDiv(t, kDay);
  const int64_t secs = t - days * kDay;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), offset_suffix ? "+00:00" : "Z");
  return buf;
}

int MonthOf(int64_t t) {
  int y, m, d;
  CivilFromDays(FloorDiv(t, kDay), &y, &m, &d);
  return m;
}
int YearOf(int64_t t) {
  int y, m, d;
  CivilFromDays(FloorDiv(t, kDay), &y, &m, &d);
  return y;
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

// Compact JSON writer: inserts commas itself, so builders read like the
// serializer's field lists.
class JsonWriter {
 public:
  std::string& str() { return s_; }

  JsonWriter& Open() {
    Sep();
    s_.push_back('{');
    return *this;
  }
  JsonWriter& Close() {
    s_.push_back('}');
    return *this;
  }
  JsonWriter& OpenArray() {
    Sep();
    s_.push_back('[');
    return *this;
  }
  JsonWriter& CloseArray() {
    s_.push_back(']');
    return *this;
  }
  JsonWriter& Key(std::string_view key) {
    Sep();
    s_.push_back('"');
    s_.append(key);
    s_.append("\":");
    return *this;
  }
  JsonWriter& Str(std::string_view value) {
    Sep();
    AppendQuoted(value);
    return *this;
  }
  // null for an empty string.
  JsonWriter& StrOrNull(std::string_view value) {
    return value.empty() ? Null() : Str(value);
  }
  JsonWriter& Null() {
    Sep();
    s_.append("null");
    return *this;
  }
  JsonWriter& Bool(bool value) {
    Sep();
    s_.append(value ? "true" : "false");
    return *this;
  }
  JsonWriter& Int(int64_t value) {
    Sep();
    Append(&s_, value);
    return *this;
  }
  JsonWriter& Float(double value) {
    Sep();
    s_.append(PyFloatRepr(value));
    return *this;
  }
  JsonWriter& OptInt(const std::optional<int>& value) {
    return value ? Int(*value) : Null();
  }
  JsonWriter& Date(const std::optional<int64_t>& t) {
    return t ? Str(FormatDate(*t)) : Null();
  }
  JsonWriter& StrArray(const std::vector<std::string>& values) {
    OpenArray();
    for (const auto& v : values) Str(v);
    return CloseArray();
  }
  // Pre-rendered JSON value.
  JsonWriter& Raw(std::string_view json) {
    Sep();
    s_.append(json);
    return *this;
  }
  // Marks where a request-dependent part goes.
  JsonWriter& Marker() {
    s_.push_back(kMarker);
    return *this;
  }
  // Text inside a string value that is being written piecewise.
  JsonWriter& Literal(std::string_view text) {
    s_.append(text);
    return *this;
  }

 private:
  // A value or key right after another value needs a comma; after an
  // opening bracket or a key it does not.
  void Sep() {
    if (s_.empty()) return;
    const char last = s_.back();
    if (last != '{' && last != '[' && last != ':') s_.push_back(',');
  }
  void AppendQuoted(std::string_view value) {
    s_.push_back('"');
    for (const char c : value) {
      switch (c) {
        case '"':
          s_.append("\\\"");
          break;
        case '\\':
          s_.append("\\\\");
          break;
        case '\n':
          s_.append("\\n");
          break;
        case '\r':
          s_.append("\\r");
          break;
        case '\t':
          s_.append("\\t");
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            s_.append(buf);
          } else {
            s_.push_back(c);
          }
      }
    }
    s_.push_back('"');
  }

  std::string s_;
};

std::vector<std::string> SplitAtMarkers(const std::string& text) {
  std::vector<std::string> parts(1);
  for (const char c : text) {
    if (c == kMarker) {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  return parts;
}

template <typename T>
void AddUnique(std::vector<T>* values, const T& value) {
  if (std::find(values->begin(), values->end(), value) == values->end()) {
    values->push_back(value);
  }
}

std::string BoolTerm(bool value) { return value ? "true" : "false"; }

std::string OrgLabel(int org) {
  return Cat(vocab::kOrgs[org].key, ": ", vocab::kOrgs[org].name);
}

std::string LogoUrl(int org) {
  return Cat("https://prod-discovery.edx-cdn.org/organization/logos/",
             vocab::kOrgs[org].uuid, ".png");
}

}  // namespace

// Per-dataset pre-rendered fragments shared by many documents.
struct Tables {
  std::vector<std::string>
      skill_json;  // {name, description, category, subcategory}
  std::vector<std::string> skill_short_json;  // {name, description}
  std::vector<std::string> org_json;          // OrganizationSerializer dict
  std::vector<std::string> person_uuid;
  std::vector<std::string> person_minimal_json;
};

struct RunModel {
  std::string key, uuid, sku;
  int64_t start = 0;
  std::optional<int64_t> end, enrollment_start, enrollment_end, go_live;
  int64_t modified = 0;
  std::string availability, status, pacing_type, type_legacy, restriction_type;
  int language = 0;  // index into kLanguages
  bool spanish_transcript = false;
  int min_effort = 0, max_effort = 0, weeks = 0;
  std::optional<int> price;
  bool hidden = false, marketable = true, mobile = true, enrollable = false;
  std::vector<std::string> seat_types;
  std::vector<int> staff;  // person indices
  int target_bytes = 0;

  bool Ended(int64_t now) const { return end && *end <= now; }
};

struct CourseModel {
  std::string key, uuid, number, title, short_description, image_url,
      card_image_url, outcome;
  int org = 0, topic = 0, sponsor = -1;
  int language = 0;  // index into kLanguages; most runs use it
  std::string level_type, course_type, product_source, marketing_type,
      course_length;
  std::optional<bool> subscription_inclusion;
  std::optional<double> fixed_price;
  std::vector<int> subjects, skills;
  int64_t modified = 0;
  std::vector<RunModel> runs;  // DB order (by start)
  std::string_view padding;
  int target_bytes = 0;
};

std::string_view ContentTypeName(ContentType type) {
  switch (type) {
    case ContentType::kCourse:
      return "course";
    case ContentType::kCourseRun:
      return "courserun";
    case ContentType::kProgram:
      return "program";
    case ContentType::kLearnerPathway:
      return "learnerpathway";
    case ContentType::kPerson:
      return "person";
  }
  return "";
}

namespace {

void SetTerm(Document* doc, TermField field, std::vector<std::string> values) {
  doc->terms[static_cast<size_t>(field)] = std::move(values);
}
void SetTerm(Document* doc, TermField field, std::string value) {
  doc->terms[static_cast<size_t>(field)] = {std::move(value)};
}
std::vector<double>& Num(Document* doc, NumField field) {
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

double EstimatedHours(const RunModel& r) {
  const int effort = r.min_effort + r.max_effort;
  return effort != 0 && r.weeks != 0 ? effort / 2.0 * r.weeks : 0;
}

NestedRun BuildNestedRun(const CourseModel& c, const RunModel& r,
                         const Tables& t) {
  NestedRun n;
  n.key = r.key;
  JsonWriter w;
  w.Open();
  w.Key("key").Str(r.key);
  w.Key("enrollment_start").Date(r.enrollment_start);
  w.Key("enrollment_end").Date(r.enrollment_end);
  w.Key("go_live_date").Date(r.go_live);
  w.Key("start").Date(r.start);
  w.Key("end").Date(r.end);
  w.Key("modified").Date(r.modified);
  w.Key("availability").Str(r.availability);
  w.Key("status").Str(r.status);
  w.Key("pacing_type").Str(r.pacing_type);
  w.Key("enrollment_mode").StrOrNull(r.type_legacy);
  w.Key("min_effort").Int(r.min_effort);
  w.Key("max_effort").Int(r.max_effort);
  w.Key("weeks_to_complete").Int(r.weeks);
  const double hours = EstimatedHours(r);
  if (hours == 0) {
    w.Key("estimated_hours").Int(0);
  } else {
    w.Key("estimated_hours").Float(hours);
  }
  if (r.price) {
    w.Key("first_enrollable_paid_seat_price").Int(*r.price);
  } else {
    w.Key("first_enrollable_paid_seat_price").Float(0.0);
  }
  w.Key("is_enrollable").Bool(r.enrollable);
  w.Key("restriction_type").StrOrNull(r.restriction_type);
  if (c.fixed_price) {
    w.Key("fixed_price_usd").Float(*c.fixed_price);
  } else {
    w.Key("fixed_price_usd").Null();
  }
  n.json = std::move(w.str());

  JsonWriter d;
  d.Literal(",\"staff\":[");
  bool first = true;
  for (const int p : r.staff) {
    if (!first) d.Literal(",");
    first = false;
    d.Literal(t.person_minimal_json[static_cast<size_t>(p)]);
  }
  d.Literal("],\"content_language\":");
  d.Str(vocab::kLanguages[r.language].code);
  n.detail_json = std::move(d.str());

  n.end = r.end;
  n.restriction_type = r.restriction_type;
  n.status = r.status;
  n.pacing_type = r.pacing_type;
  n.availability = r.availability;
  n.title = c.title;
  n.language = std::string(vocab::kLanguages[r.language].name);
  n.seat_types = r.seat_types;
  n.enrollable = r.enrollable;
  n.marketable = r.marketable;
  return n;
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
  for (const int s : skills) names.emplace_back(vocab::kSkillNames[s]);
  return names;
}

std::shared_ptr<Document> BuildCourse(
    const std::shared_ptr<const CourseModel>& model, const Tables& t,
    int64_t now) {
  const CourseModel& c = *model;
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kCourse;
  doc->key = c.key;
  doc->aggregation_key = Cat("course:", c.key);
  doc->course_model = model;
  doc->padding = c.padding;
  doc->title = c.title;
  doc->short_description = c.short_description;

  // Course-level values derived from runs: visible runs are those of a
  // marketable type that are not restricted (filter_visible_runs).
  std::vector<std::string> statuses, availabilities, languages;
  std::optional<int64_t> end_date;
  std::optional<int> price;
  bool any_visible = false;
  for (const RunModel& r : c.runs) {
    if (r.status == "published" && r.restriction_type.empty() && r.end) {
      end_date = std::max(end_date.value_or(*r.end), *r.end);
    }
    if (!r.marketable || !r.restriction_type.empty()) continue;
    any_visible = true;
    AddUnique(&statuses, r.status);
    AddUnique(&availabilities, r.availability);
    AddUnique(&languages, std::string(vocab::kLanguages[r.language].name));
    Num(doc.get(), NumField::kStart).push_back(static_cast<double>(r.start));
    if (r.end)
      Num(doc.get(), NumField::kEnd).push_back(static_cast<double>(*r.end));
    doc->min_start = std::min(doc->min_start.value_or(r.start), r.start);
    doc->max_start = std::max(doc->max_start.value_or(r.start), r.start);
    if (!price && r.price && r.enrollable) price = r.price;
  }
  const std::string course_ends =
      end_date && *end_date < now ? "Past" : "Future";

  const vocab::Org& org = vocab::kOrgs[c.org];
  std::vector<std::string> organizations = {OrgLabel(c.org)};
  if (c.sponsor >= 0) organizations.push_back(OrgLabel(c.sponsor));
  std::vector<std::string> subject_names, subject_uuids;
  for (const int s : c.subjects) {
    subject_names.emplace_back(vocab::kSubjects[s].name);
    subject_uuids.emplace_back(vocab::kSubjects[s].uuid);
  }

  SetCommonTerms(doc.get(), org.partner);
  if (any_visible) SetTerm(doc.get(), TermField::kOrg, AsciiLower(org.key));
  SetTerm(doc.get(), TermField::kKeyRaw, c.key);
  SetTerm(doc.get(), TermField::kStatus, statuses);
  SetTerm(doc.get(), TermField::kAvailability, availabilities);
  if (!c.level_type.empty())
    SetTerm(doc.get(), TermField::kLevelType, c.level_type);
  SetTerm(doc.get(), TermField::kAuthoringOrganizations,
          AsciiLower(OrgLabel(c.org)));
  SetTerm(doc.get(), TermField::kSubjectUuids, subject_uuids);
  SetTerm(doc.get(), TermField::kCourseType, c.course_type);
  SetTerm(doc.get(), TermField::kProductSource, c.product_source);
  if (!c.marketing_type.empty()) {
    SetTerm(doc.get(), TermField::kExternalCourseMarketingType,
            c.marketing_type);
  }
  if (c.subscription_inclusion) {
    SetTerm(doc.get(), TermField::kEnterpriseSubscriptionInclusion,
            BoolTerm(*c.subscription_inclusion));
  }
  SetTerm(doc.get(), TermField::kCourseEnds, course_ends);
  SetTerm(doc.get(), TermField::kLanguages, languages);
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(c.skills));
  if (price) {
    Num(doc.get(), NumField::kFirstEnrollablePaidSeatPrice).push_back(*price);
  }
  if (end_date) {
    Num(doc.get(), NumField::kEndDate)
        .push_back(static_cast<double>(*end_date));
  }
  doc->key_tokens = StandardTokens(c.key);
  doc->search_text =
      Cat(c.short_description, " ", c.level_type, " ", Join(organizations, " "),
          " ", Join(subject_names, " "));

  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("course");
  w.Key("full_description").Literal("\"<p>").Marker().Literal("</p>\"");
  w.Key("key").Str(c.key);
  w.Key("short_description").Str(c.short_description);
  w.Key("title").Str(c.title);
  w.Key("card_image_url").StrOrNull(c.card_image_url);
  w.Key("image_url").Str(c.image_url);
  w.Key("course_runs").Marker();
  w.Key("uuid").Str(c.uuid);
  w.Key("seat_types").Marker();
  w.Key("skill_names").StrArray(SkillNames(c.skills));
  WriteSkills(&w, c.skills, t, /*short_form=*/false);
  w.Key("end_date").Date(end_date);
  w.Key("course_ends").Str(course_ends);
  w.Key("subjects").StrArray(subject_names);
  w.Key("languages").Marker();
  w.Key("organizations").StrArray(organizations).Marker();
  w.Key("course_type").Str(c.course_type);
  w.Key("course_length").StrOrNull(c.course_length);
  if (c.subscription_inclusion) {
    w.Key("enterprise_subscription_inclusion").Bool(*c.subscription_inclusion);
  } else {
    w.Key("enterprise_subscription_inclusion").Null();
  }
  w.Key("external_course_marketing_type").StrOrNull(c.marketing_type);
  w.Key("product_source").Str(c.product_source);
  w.Close();
  std::vector<std::string> parts = SplitAtMarkers(w.str());
  doc->head = std::move(parts[0]);

  JsonWriter detail;
  detail.Literal(",\"outcome\":").Str(c.outcome);
  detail.Literal(",\"level_type\":").StrOrNull(c.level_type);
  detail.Literal(",\"modified\":").Str(FormatDate(c.modified));
  doc->course_parts = {std::move(parts[1]),     std::move(parts[2]),
                       std::move(parts[3]),     std::move(parts[4]),
                       std::move(detail.str()), std::move(parts[5])};
  for (const RunModel& r : c.runs) doc->runs.push_back(BuildNestedRun(c, r, t));
  return doc;
}

std::shared_ptr<Document> BuildRun(
    const CourseModel& c, const RunModel& r,
    const std::vector<std::string>& program_types, const Tables& t,
    int64_t now) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kCourseRun;
  doc->key = r.key;
  doc->aggregation_key = Cat("courserun:", c.key);
  doc->restriction_type = r.restriction_type;
  doc->min_start = r.start;
  doc->max_start = r.start;
  doc->title = c.title;
  doc->short_description = c.short_description;
  const vocab::Org& org = vocab::kOrgs[c.org];
  std::vector<std::string> subject_uuids, subject_names;
  for (const int s : c.subjects) {
    subject_uuids.emplace_back(vocab::kSubjects[s].uuid);
    subject_names.emplace_back(vocab::kSubjects[s].name);
  }
  std::vector<std::string> staff_uuids;
  for (const int p : r.staff) {
    staff_uuids.push_back(t.person_uuid[static_cast<size_t>(p)]);
  }
  const std::string language(vocab::kLanguages[r.language].name);
  std::vector<std::string> transcripts = {language};
  if (r.spanish_transcript && language != "Spanish") {
    transcripts.emplace_back("Spanish");
  }
  const bool has_enrollable_seats = !r.Ended(now) && !r.seat_types.empty();

  SetCommonTerms(doc.get(), org.partner);
  SetTerm(doc.get(), TermField::kOrg, AsciiLower(org.key));
  SetTerm(doc.get(), TermField::kKeyRaw, r.key);
  SetTerm(doc.get(), TermField::kStatus, r.status);
  SetTerm(doc.get(), TermField::kAvailability, r.availability);
  if (!c.level_type.empty())
    SetTerm(doc.get(), TermField::kLevelType, c.level_type);
  SetTerm(doc.get(), TermField::kAuthoringOrganizations,
          AsciiLower(OrgLabel(c.org)));
  SetTerm(doc.get(), TermField::kAuthoringOrganizationUuids,
          std::string(org.uuid));
  SetTerm(doc.get(), TermField::kSubjectUuids, subject_uuids);
  SetTerm(doc.get(), TermField::kPacingType, r.pacing_type);
  SetTerm(doc.get(), TermField::kNumber, c.number);
  if (!r.type_legacy.empty())
    SetTerm(doc.get(), TermField::kType, r.type_legacy);
  SetTerm(doc.get(), TermField::kIsActive, BoolTerm(!r.Ended(now)));
  SetTerm(doc.get(), TermField::kHasEnrollableSeats,
          BoolTerm(has_enrollable_seats));
  SetTerm(doc.get(), TermField::kHidden, BoolTerm(r.hidden));
  SetTerm(doc.get(), TermField::kPublished, BoolTerm(r.status == "published"));
  SetTerm(doc.get(), TermField::kSkillNames, SkillNames(c.skills));
  if (r.price)
    Num(doc.get(), NumField::kFirstEnrollablePaidSeatPrice).push_back(*r.price);
  Num(doc.get(), NumField::kStart).push_back(static_cast<double>(r.start));
  if (r.end)
    Num(doc.get(), NumField::kEnd).push_back(static_cast<double>(*r.end));
  doc->key_tokens = StandardTokens(r.key);
  doc->search_text =
      Cat(c.short_description, " ", c.level_type, " ", OrgLabel(c.org), " ",
          Join(subject_names, " "), " ", r.pacing_type, " ", language);

  JsonWriter w;
  w.Open();
  w.Key("aggregation_key").Str(doc->aggregation_key);
  w.Key("content_type").Str("courserun");
  w.Key("authoring_organization_uuids").StrArray({std::string(org.uuid)});
  w.Key("availability").Str(r.availability);
  w.Key("end").Date(r.end);
  w.Key("enrollment_end").Date(r.enrollment_end);
  w.Key("enrollment_start").Date(r.enrollment_start);
  w.Key("first_enrollable_paid_seat_sku").StrOrNull(r.price ? r.sku : "");
  w.Key("first_enrollable_paid_seat_price").OptInt(r.price);
  w.Key("full_description").Literal("\"<p>").Marker().Literal("</p>\"");
  if (r.go_live) {
    w.Key("go_live_date").Str(FormatDate(*r.go_live, /*offset_suffix=*/true));
  } else {
    w.Key("go_live_date").Null();
  }
  w.Key("has_enrollable_seats").Bool(has_enrollable_seats);
  w.Key("image_url").Str(c.image_url);
  w.Key("is_enrollable").Bool(r.enrollable);
  w.Key("key").Str(r.key);
  w.Key("language").Str(language);
  w.Key("level_type").StrOrNull(c.level_type);
  w.Key("logo_image_urls").StrArray({LogoUrl(c.org)});
  w.Key("marketing_url")
      .Str(Cat("https://www.edx.org/course/", Slugify(c.title),
               "?index=product&queryID=", r.uuid.substr(0, 8)));
  w.Key("max_effort").Int(r.max_effort);
  w.Key("min_effort").Int(r.min_effort);
  w.Key("mobile_available").Bool(r.mobile);
  w.Key("number").Str(c.number);
  w.Key("org").Str(org.key);
  w.Key("pacing_type").Str(r.pacing_type);
  w.Key("partner").Str(org.partner);
  w.Key("program_types").StrArray(program_types);
  w.Key("published").Bool(r.status == "published");
  w.Key("seat_types").StrArray(r.seat_types);
  w.Key("skill_names").StrArray(SkillNames(c.skills));
  WriteSkills(&w, c.skills, t, /*short_form=*/false);
  w.Key("short_description").Str(c.short_description);
  w.Key("staff_uuids").StrArray(staff_uuids);
  w.Key("start").Date(r.start);
  w.Key("subject_uuids").StrArray(subject_uuids);
  w.Key("title").Str(c.title);
  w.Key("transcript_languages").StrArray(transcripts);
  w.Key("type").StrOrNull(r.type_legacy);
  w.Key("weeks_to_complete").Int(r.weeks);
  w.Key("restriction_type").StrOrNull(r.restriction_type);
  if (c.fixed_price) {
    w.Key("fixed_price_usd").Float(*c.fixed_price);
  } else {
    w.Key("fixed_price_usd").Null();
  }
  w.Close();
  SetHeadTail(doc.get(), w.str());
  return doc;
}

size_t RenderedSize(const Document& doc, int64_t now) {
  RenderOptions options;
  options.now = now;
  std::string out;
  RenderDocument(doc, options, &out);
  return out.size();
}

// Random prose the documents' long fields are cut from: sentences grouped
// into paragraphs separated by " </p><p> ", so a slice cut at spaces is
// always balanced HTML inside "<p>...</p>" and never needs JSON escaping.
std::string MakeTextPool(Rng* rng) {
  std::string pool;
  pool.reserve(kPoolBytes + 256);
  while (pool.size() < kPoolBytes) {
    const int sentences = rng->Int(3, 6);
    for (int s = 0; s < sentences; ++s) {
      const int words = rng->Int(8, 20);
      for (int i = 0; i < words; ++i) {
        std::string word(rng->Pick(vocab::kWords));
        if (i == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
        pool.append(word);
        pool.append(i + 1 == words ? ". " : " ");
      }
    }
    pool.append("</p><p> ");
  }
  return pool;
}

// A slice of about `length` bytes starting and ending at word boundaries.
std::string_view PickPadding(const std::string& pool, int64_t length,
                             Rng* rng) {
  if (length <= 0) return {};
  const auto len = std::min(static_cast<size_t>(length), pool.size() / 2);
  size_t start = static_cast<size_t>(rng->Below(pool.size() - len - 64));
  start = pool.find(' ', start) + 1;
  size_t end = pool.rfind(' ', start + len);
  if (end <= start) return {};
  return std::string_view(pool).substr(start, end - start);
}

// `slice` without the pool's paragraph breaks, for plain-text fields.
std::string PlainText(std::string_view slice) {
  std::string out;
  out.reserve(slice.size());
  constexpr std::string_view kBreak = "</p><p> ";
  size_t pos = 0;
  while (pos < slice.size()) {
    const size_t hit = slice.find(kBreak, pos);
    if (hit == std::string_view::npos) {
      out.append(slice.substr(pos));
      break;
    }
    out.append(slice.substr(pos, hit - pos));
    pos = hit + kBreak.size();
  }
  return out;
}

std::string MakeShortDescription(std::string_view topic, Rng* rng) {
  std::string lower = AsciiLower(topic);
  switch (rng->Below(5)) {
    case 0:
      return Cat("Learn the fundamentals of ", lower,
                 " and apply them to real-world problems.");
    case 1:
      return Cat("An introduction to ", lower,
                 " for learners with no prior experience.");
    case 2:
      return Cat("Build practical ", lower,
                 " skills through hands-on projects.");
    case 3:
      return Cat("Explore how ", lower,
                 " is changing industry, research and society.");
    default:
      return Cat("Master advanced ", lower,
                 " techniques used by professionals.");
  }
}

std::string MakeCourseTitle(int topic, Rng* rng) {
  const std::string_view t = vocab::kTopics[topic].name;
  switch (rng->Below(9)) {
    case 0:
      return Cat("Introduction to ", t);
    case 1:
      return Cat(t, " Fundamentals");
    case 2:
      return Cat(t, " for ", rng->Pick(vocab::kAudiences));
    case 3:
      return Cat("Advanced ", t);
    case 4:
      return Cat(t, ": ", rng->Pick(vocab::kTitleSuffixes));
    case 5:
      return Cat("Applied ", t);
    case 6:
      return Cat("Principles of ", t);
    case 7: {
      const std::string_view other = rng->Pick(vocab::kTopics).name;
      return other == t ? Cat(t, " in Practice") : Cat(t, " with ", other);
    }
    default:
      return Cat(t, " ", rng->Int(1, 3) == 1 ? "I" : "II");
  }
}

std::string MakeCourseNumber(const vocab::Org& org, const vocab::Topic& topic,
                             Rng* rng) {
  if (org.key == "MITx") {
    return Cat(rng->Int(1, 24), ".", rng->Int(0, 9), rng->Int(0, 9),
               rng->Int(0, 9), rng->Chance(0.2) ? ".1x" : "x");
  }
  if (org.key == "IBM") {
    return Cat(topic.prefix, rng->Int(100, 999) * 10 + 1, "EN");
  }
  if (org.key == "edX" && rng->Chance(0.2)) {
    return Cat(topic.prefix, "_", rng->Int(100, 999));
  }
  return Cat(topic.prefix, rng->Int(100, 9999), rng->Chance(0.7) ? "x" : "");
}

// Run term from its start month: 1T Jan-Apr, 2T May-Aug, 3T Sep-Dec.
std::string RunTerm(int64_t start) {
  return Cat((MonthOf(start) - 1) / 4 + 1, "T", YearOf(start));
}

std::string Availability(const RunModel& r, int64_t now) {
  if (r.Ended(now)) return "Archived";
  if (r.start <= now) return "Current";
  if (r.start - 60 * kDay < now) return "Starting Soon";
  return "Upcoming";
}

RunModel MakeRun(const CourseModel& c, int64_t start, int persons, int64_t now,
                 Rng* rng) {
  RunModel r;
  r.start = start;
  r.key = Cat("course-v1:", c.key, "+", RunTerm(start));
  r.uuid = rng->Uuid();
  r.sku = rng->HexUpper(7);
  r.weeks = rng->Int(4, 16);
  r.pacing_type = rng->Chance(0.45) ? "self_paced" : "instructor_paced";
  if (!rng->Chance(0.03)) {
    const int64_t length = r.pacing_type == "self_paced"
                               ? rng->Range(180, 730) * kDay
                               : r.weeks * 7 * kDay + rng->Range(0, 60) * kDay;
    r.end = start + length;
  }
  if (!rng->Chance(0.1)) r.enrollment_start = start - rng->Range(14, 90) * kDay;
  if (r.end && rng->Chance(0.6)) r.enrollment_end = r.end;
  if (rng->Chance(0.25)) r.go_live = start - 7 * kDay;
  r.modified = std::min(now, start + rng->Range(-120, 400) * kDay) -
               rng->Range(0, 86399);
  r.status = std::string(rng->Choice({{"published", 78},
                                      {"unpublished", 12},
                                      {"reviewed", 4},
                                      {"review_by_internal", 3},
                                      {"review_by_legal", 3}}));
  r.type_legacy = std::string(rng->Choice({{"verified", 70},
                                           {"audit", 12},
                                           {"professional", 8},
                                           {"credit", 4},
                                           {"honor", 3},
                                           {"", 3}}));
  if (r.type_legacy == "verified") {
    r.seat_types = {"audit", "verified"};
  } else if (r.type_legacy == "audit") {
    r.seat_types = {"audit"};
  } else if (r.type_legacy == "professional") {
    r.seat_types = {"professional"};
  } else if (r.type_legacy == "credit") {
    r.seat_types = {"audit", "verified", "credit"};
  } else if (r.type_legacy == "honor") {
    r.seat_types = {"honor"};
  }
  static constexpr int kPrices[] = {49,  99,  149, 199, 249,
                                    299, 349, 399, 499, 999};
  const bool paid = r.type_legacy == "verified" ||
                    r.type_legacy == "professional" ||
                    r.type_legacy == "credit";
  const int price = rng->Pick(kPrices);
  if (paid && !r.Ended(now)) r.price = price;
  r.restriction_type = std::string(
      rng->Choice({{"", 95}, {"custom-b2b-enterprise", 3}, {"custom-b2c", 2}}));
  r.marketable = !rng->Chance(0.03);
  r.hidden = rng->Chance(0.04);
  r.mobile = rng->Chance(0.7);
  r.min_effort = rng->Int(2, 6);
  r.max_effort = r.min_effort + rng->Int(1, 6);
  r.spanish_transcript = rng->Chance(0.2);
  r.language = rng->Chance(0.95)
                   ? c.language
                   : static_cast<int>(rng->Weighted(
                         vocab::kLanguages,
                         [](const vocab::Language& l) { return l.weight; }));
  r.enrollable = (!r.enrollment_start || *r.enrollment_start <= now) &&
                 (!r.enrollment_end || *r.enrollment_end > now);
  r.availability = Availability(r, now);
  if (persons > 0) {
    const int staff = rng->Int(1, std::min(3, persons));
    for (int i = 0; i < staff; ++i) {
      AddUnique(&r.staff,
                static_cast<int>(rng->Below(static_cast<uint64_t>(persons))));
    }
  }
  return r;
}

int TargetBytes(const DatasetSpec& spec, Rng* rng) {
  const int lo = std::max(0, spec.min_doc_bytes);
  const int hi = std::max(lo, spec.max_doc_bytes);
  return rng->Int(lo, hi);
}

struct PersonModel {
  std::string uuid, given, family, salutation, position;
  int org = 0;
};

struct ProgramModel {
  std::string uuid, title, subtitle, type, status, marketing_url,
      card_image_url;
  int org = 0, second_org = -1;
  bool hidden = false;
  std::vector<int> courses;  // indices into the course models
};

std::shared_ptr<Document> BuildProgram(
    const ProgramModel& p,
    const std::vector<std::shared_ptr<CourseModel>>& courses,
    const std::vector<int>& skills, const Tables& t, Rng* rng) {
  auto doc = std::make_shared<Document>();
  doc->type = ContentType::kProgram;
  doc->key = p.uuid;
  doc->aggregation_key = Cat("program:", p.uuid);
  doc->title = p.title;
  const vocab::Org& org = vocab::kOrgs[p.org];
  std::vector<int> orgs = {p.org};
  if (p.second_org >= 0 && p.second_org != p.org) orgs.push_back(p.second_org);
  std::vector<std::string> org_uuids, org_labels, languages, subject_uuids,
      staff_uuids;
  for (const int o : orgs) {
    org_uuids.emplace_back(vocab::kOrgs[o].uuid);
    org_labels.push_back(AsciiLower(OrgLabel(o)));
  }
  std::optional<int64_t> start;
  for (const int ci : p.courses) {
    const CourseModel& c = *courses[static_cast<size_t>(ci)];
    for (const int s : c.subjects) {
      AddUnique(&subject_uuids, std::string(vocab::kSubjects[s].uuid));
    }
    for (const RunModel& r : c.runs) {
      AddUnique(&languages, std::string(vocab::kLanguages[r.language].name));
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
    Num(doc.get(), NumField::kStart).push_back(static_cast<double>(*start));
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
    DistributeRuns();
    MakeRuns();
    MakePrograms();
    EmitCourseDocs();
    EmitProgramDocs();
    EmitPathwayDocs();
    EmitPersonDocs();
  }

  std::shared_ptr<const std::string> pool() const { return pool_; }
  std::shared_ptr<const Tables> tables() const { return tables_; }
  std::vector<std::shared_ptr<const Document>> TakeDocs() {
    return std::move(docs_);
  }

 private:
  // Skill and organization JSON that many documents embed.
  void MakeSharedFragments() {
    for (size_t i = 0; i < kSkillCount; ++i) {
      const std::string_view name = vocab::kSkillNames[i];
      const std::string prose =
          PlainText(PickPadding(*pool_, rng_.Int(120, 360), &rng_));
      const std::string description =
          Cat(name, " is a skill in ",
              vocab::kSkillCategories[i % std::size(vocab::kSkillCategories)],
              ". ", prose);
      JsonWriter full;
      full.Open();
      full.Key("name").Str(name);
      full.Key("description").Str(description);
      if (i % 3 == 2) {
        full.Key("category").Null();
        full.Key("subcategory").Null();
      } else {
        const std::string_view category =
            vocab::kSkillCategories[i % std::size(vocab::kSkillCategories)];
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
    for (size_t i = 0; i < std::size(vocab::kOrgs); ++i) {
      const vocab::Org& org = vocab::kOrgs[i];
      JsonWriter w;
      w.Open();
      w.Key("uuid").Str(org.uuid);
      w.Key("key").Str(org.key);
      w.Key("name").Str(org.name);
      w.Key("auto_generate_course_run_keys").Bool(true);
      w.Key("certificate_logo_image_url").Null();
      w.Key("logo_image_url").Str(LogoUrl(static_cast<int>(i)));
      w.Key("organization_hex_color").Null();
      w.Key("data_modified_timestamp")
          .Str(Cat(FormatDate(now_ - rng_.Range(30, 900) * kDay).substr(0, 19),
                   ".", rng_.Int(100000, 999999), "Z"));
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
      p.given = std::string(rng_.Pick(vocab::kGivenNames));
      p.family = std::string(rng_.Pick(vocab::kFamilyNames));
      p.salutation =
          std::string(rng_.Choice({{"Dr.", 4}, {"Prof.", 3}, {"", 3}}));
      p.position = std::string(rng_.Pick(vocab::kPositions));
      p.org = static_cast<int>(rng_.Weighted(
          vocab::kOrgs, [](const vocab::Org& o) { return o.weight; }));
      tables_->person_uuid.push_back(p.uuid);
      JsonWriter w;
      w.Open();
      w.Key("uuid").Str(p.uuid);
      w.Key("given_name").Str(p.given);
      w.Key("family_name").Str(p.family);
      w.Key("slug").Str(
          Slugify(Cat(p.given, " ", p.family, " ", p.uuid.substr(0, 4))));
      w.Key("profile_image_url")
          .Str(Cat(
              "https://prod-discovery.edx-cdn.org/media/people/profile_images/",
              p.uuid, ".jpg"));
      w.Key("position").Open();
      w.Key("title").Str(p.position);
      w.Key("organization_name").Str(vocab::kOrgs[p.org].name);
      w.Close();
      w.Close();
      tables_->person_minimal_json.push_back(std::move(w.str()));
      persons_.push_back(std::move(p));
    }
  }

  void MakeCourses() {
    std::set<std::string> course_keys;
    for (int i = 0; i < n_courses_; ++i) {
      auto c = std::make_shared<CourseModel>();
      c->org = static_cast<int>(rng_.Weighted(
          vocab::kOrgs, [](const vocab::Org& o) { return o.weight; }));
      c->topic = static_cast<int>(rng_.Below(std::size(vocab::kTopics)));
      const vocab::Org& org = vocab::kOrgs[c->org];
      const vocab::Topic& topic = vocab::kTopics[c->topic];
      do {
        c->number = MakeCourseNumber(org, topic, &rng_);
        c->key = Cat(org.key, "+", c->number);
      } while (!course_keys.insert(c->key).second);
      c->uuid = rng_.Uuid();
      c->title = MakeCourseTitle(c->topic, &rng_);
      c->language = static_cast<int>(
          rng_.Weighted(vocab::kLanguages,
                        [](const vocab::Language& l) { return l.weight; }));
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
                  static_cast<int>(rng_.Below(std::size(vocab::kSubjects))));
      }
      if (rng_.Chance(0.1)) {
        c->sponsor = static_cast<int>(rng_.Below(std::size(vocab::kOrgs)));
        if (c->sponsor == c->org) c->sponsor = -1;
      }
      c->modified = now_ - rng_.Range(0, 700) * kDay - rng_.Range(0, 86399);
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
      int64_t day = now_ / kDay + rng_.Range(-330, 240);
      for (size_t k = starts.size(); k > 0; --k) {
        starts[k - 1] = day * kDay + hour;
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
        const int s = static_cast<int>(rng_.Below(kSkillCount));
        if (std::find(c.skills.begin(), c.skills.end(), s) != c.skills.end()) {
          continue;
        }
        const int cost =
            static_cast<int>(
                tables_->skill_json[static_cast<size_t>(s)].size()) +
            static_cast<int>(vocab::kSkillNames[s].size()) + 4;
        if (!c.skills.empty() && used + cost > skill_budget) break;
        c.skills.push_back(s);
        used += cost;
      }
    }
  }

  // Programs take courses mostly from their own organization.
  void MakePrograms() {
    std::vector<std::vector<int>> courses_by_org(std::size(vocab::kOrgs));
    for (size_t i = 0; i < courses_.size(); ++i) {
      courses_by_org[static_cast<size_t>(courses_[i]->org)].push_back(
          static_cast<int>(i));
    }
    program_types_by_course_.resize(courses_.size());
    for (int i = 0; i < n_programs_; ++i) {
      ProgramModel p;
      p.uuid = rng_.Uuid();
      p.org = static_cast<int>(rng_.Weighted(
          vocab::kOrgs, [](const vocab::Org& o) { return o.weight; }));
      if (rng_.Chance(0.1))
        p.second_org = static_cast<int>(rng_.Below(std::size(vocab::kOrgs)));
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
              ? rng_.Pick(vocab::kTopics).name
              : vocab::kTopics[courses_[static_cast<size_t>(p.courses[0])]
                                   ->topic]
                    .name;
      switch (rng_.Below(4)) {
        case 0:
          p.title = std::string(topic);
          break;
        case 1:
          p.title = Cat(topic, " and ", rng_.Pick(vocab::kTopics).name);
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
              AsciiLower(vocab::kOrgs[p.org].key), "-", Slugify(p.title));
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
      std::vector<int> order(kSkillCount);
      for (size_t k = 0; k < kSkillCount; ++k) order[k] = static_cast<int>(k);
      for (size_t k = kSkillCount; k > 1; --k)
        std::swap(order[k - 1], order[rng_.Below(k)]);
      for (const int s : order) {
        const int64_t cost = static_cast<int64_t>(
            tables_->skill_json[static_cast<size_t>(s)].size() +
            vocab::kSkillNames[s].size() + 4);
        if (!skills.empty() && size + cost > target) break;
        skills.push_back(s);
        size += cost;
      }
      Rng render(program_seed);
      docs_.push_back(BuildProgram(p, courses_, skills, *tables_, &render));
    }
  }

  void EmitPathwayDocs() {
    for (int i = 0; i < n_pathways_; ++i) {
      auto doc = std::make_shared<Document>();
      doc->type = ContentType::kLearnerPathway;
      const std::string uuid = rng_.Uuid();
      doc->key = uuid;
      doc->aggregation_key = Cat("learnerpathway:", uuid);
      std::string title(vocab::kPathwayRoles[static_cast<size_t>(i) %
                                             std::size(vocab::kPathwayRoles)]);
      if (static_cast<size_t>(i) >= std::size(vocab::kPathwayRoles)) {
        Append(&title, " ", i / std::size(vocab::kPathwayRoles) + 1);
      }
      doc->title = title;
      const bool active = rng_.Chance(0.8);
      std::vector<int> skills;
      for (int k = rng_.Int(2, 6); k > 0; --k) {
        AddUnique(&skills, static_cast<int>(rng_.Below(kSkillCount)));
      }
      const vocab::Org& partner_org = vocab::kOrgs[0];
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
      WriteSkills(&w, skills, *tables_, /*short_form=*/true);
      w.Key("skill_names").StrArray(SkillNames(skills));
      w.Key("partner").Str(partner_org.partner);
      w.Key("steps").OpenArray();
      for (int s = rng_.Int(1, 3); s > 0 && !courses_.empty(); --s) {
        w.Open();
        w.Key("uuid").Str(rng_.Uuid());
        w.Key("min_requirement").Int(1);
        w.Key("courses_").OpenArray();
        for (int k = rng_.Int(1, 3); k > 0; --k) {
          const CourseModel& c = *courses_[rng_.Below(courses_.size())];
          w.Open();
          w.Key("key").Str(c.key);
          w.Key("course_runs").OpenArray();
          for (const RunModel& r : c.runs) {
            if (r.restriction_type.empty())
              w.Open().Key("key").Str(r.key).Close();
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
        if (!programs_.empty() && rng_.Chance(0.5)) {
          const ProgramModel& p = programs_[rng_.Below(programs_.size())];
          w.Open();
          w.Key("uuid").Str(p.uuid);
          w.Key("title").Str(p.title);
          w.Key("short_description").Str(Cat("A ", p.type, " program."));
          w.Key("card_image_url").Str(p.card_image_url);
          w.Key("content_type").Str("program");
          w.Key("courses_").OpenArray();
          for (const int ci : p.courses) {
            const CourseModel& c = *courses_[static_cast<size_t>(ci)];
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
      w.Key("visible_via_association").Bool(rng_.Chance(0.7));
      w.Key("created").Str(FormatDate(now_ - rng_.Range(30, 1200) * kDay));
      w.Close();
      SetHeadTail(doc.get(), w.str());
      doc->search_text = title;
      const int target = TargetBytes(spec_, &rng_);
      doc->padding = PickPadding(
          *pool_, target - static_cast<int64_t>(RenderedSize(*doc, now_)),
          &rng_);
      docs_.push_back(std::move(doc));
    }
  }

  void EmitPersonDocs() {
    for (const PersonModel& p : persons_) {
      auto doc = std::make_shared<Document>();
      doc->type = ContentType::kPerson;
      doc->key = p.uuid;
      doc->aggregation_key = Cat("person:", p.uuid);
      const vocab::Org& org = vocab::kOrgs[p.org];
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
          .Literal(Cat("\"<p>", full_name, " is a ", AsciiLower(p.position),
                       " at ", org.name, ". "))
          .Marker()
          .Literal("</p>\"");
      w.Key("bio_language").Str("English");
      w.Key("profile_image_url")
          .Str(Cat(
              "https://prod-discovery.edx-cdn.org/media/people/profile_images/",
              p.uuid, ".jpg"));
      w.Key("position").Open();
      w.Key("title").Str(p.position);
      w.Key("organization_override").Str(org.name);
      w.Close();
      w.Key("organizations").StrArray({std::string(org.key)});
      w.Key("partner").Str(org.partner);
      w.Close();
      SetHeadTail(doc.get(), w.str());
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

std::shared_ptr<const Dataset> Dataset::Generate(const DatasetSpec& spec) {
  Generator generator(spec);
  generator.Run();
  auto data = std::shared_ptr<Dataset>(new Dataset());
  data->spec_ = spec;
  data->pool_ = generator.pool();
  data->tables_ = generator.tables();
  data->docs_ = generator.TakeDocs();
  return data;
}

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
  out->append(parts[5]);
}

std::vector<size_t> Dataset::ChooseServed(double fraction,
                                          uint64_t seed) const {
  std::vector<size_t> population;
  for (size_t i = 0; i < docs_.size(); ++i) {
    const Document& d = *docs_[i];
    if (d.type == ContentType::kCourseRun && !d.restriction_type.empty())
      continue;
    population.push_back(i);
  }
  if (population.empty() || !(fraction > 0)) return {};
  auto count = static_cast<size_t>(std::llround(
      std::min(1.0, fraction) * static_cast<double>(population.size())));
  count = std::clamp<size_t>(count, 1, population.size());
  Rng rng(seed ^ 0x5eed5eed5eed5eedULL);
  for (size_t i = 0; i < count; ++i) {
    std::swap(population[i], population[i + rng.Below(population.size() - i)]);
  }
  population.resize(count);
  std::sort(population.begin(), population.end());
  return population;
}

std::shared_ptr<const Dataset> Dataset::WithMutated(
    double fraction, uint64_t seed, std::vector<std::string>* keys) const {
  auto next = std::shared_ptr<Dataset>(new Dataset(*this));
  keys->clear();
  for (const size_t i : ChooseServed(fraction, seed)) {
    auto changed = std::make_shared<Document>(*docs_[i]);
    ++changed->revision;
    keys->push_back(changed->key);
    next->docs_[i] = std::move(changed);
  }
  std::sort(keys->begin(), keys->end());
  return next;
}

std::shared_ptr<const Dataset> Dataset::WithRemoved(
    double fraction, uint64_t seed, std::vector<std::string>* keys) const {
  std::set<std::string> removed_keys;
  std::set<std::string> removed_courses;
  std::map<std::string, std::set<std::string>> removed_runs_by_course;
  std::vector<bool> drop(docs_.size(), false);
  for (const size_t i : ChooseServed(fraction, seed)) {
    const Document& d = *docs_[i];
    drop[i] = true;
    removed_keys.insert(d.key);
    if (d.type == ContentType::kCourse) {
      removed_courses.insert(d.key);
      for (const NestedRun& r : d.runs) removed_keys.insert(r.key);
    } else if (d.type == ContentType::kCourseRun) {
      removed_runs_by_course[d.aggregation_key.substr(sizeof("courserun:") - 1)]
          .insert(d.key);
    }
  }
  auto next = std::shared_ptr<Dataset>(new Dataset(*this));
  next->docs_.clear();
  for (size_t i = 0; i < docs_.size(); ++i) {
    const Document& d = *docs_[i];
    if (drop[i]) continue;
    if (d.type == ContentType::kCourseRun &&
        removed_courses.contains(
            d.aggregation_key.substr(sizeof("courserun:") - 1))) {
      continue;  // its course went, and took it along
    }
    if (d.type == ContentType::kCourse &&
        removed_runs_by_course.contains(d.key)) {
      const std::set<std::string>& gone = removed_runs_by_course[d.key];
      auto model = std::make_shared<CourseModel>(*d.course_model);
      std::erase_if(model->runs,
                    [&](const RunModel& r) { return gone.contains(r.key); });
      std::shared_ptr<Document> rebuilt = BuildCourse(model, *tables_, now());
      rebuilt->revision = d.revision;
      next->docs_.push_back(std::move(rebuilt));
      continue;
    }
    next->docs_.push_back(docs_[i]);
  }
  keys->assign(removed_keys.begin(), removed_keys.end());
  return next;
}

}  // namespace ec::stub
