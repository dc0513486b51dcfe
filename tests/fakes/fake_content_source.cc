#include "tests/fakes/fake_content_source.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ec::fakes {

class FakeContentSource::Source final : public discovery::ContentSource {
 public:
  explicit Source(FakeContentSource* owner) : owner_(owner) {}

  absl::Status Crawl(const std::string& content_filter_json,
                     const discovery::PageObserver& on_page,
                     discovery::CrawlResult* out) override {
    ScriptedCrawl crawl = owner_->Next(content_filter_json);
    out->stats = crawl.stats;
    out->records.clear();
    for (int page = 0; page < crawl.pages; ++page) {
      if (on_page) {
        if (absl::Status status = on_page(out->stats); !status.ok()) {
          return status;
        }
      }
      if (page == 0 && crawl.during) crawl.during();
    }
    if (crawl.status.ok()) out->records = std::move(crawl.records);
    return crawl.status;
  }

  absl::Status FetchCourses(const std::vector<std::string>& keys,
                            discovery::FullFetchResult* out) override {
    return owner_->FetchFull(&FakeContentSource::courses_, keys, out);
  }

  absl::Status FetchPrograms(const std::vector<std::string>& uuids,
                             discovery::FullFetchResult* out) override {
    return owner_->FetchFull(&FakeContentSource::programs_, uuids, out);
  }

 private:
  FakeContentSource* const owner_;
};

void FakeContentSource::Push(ScriptedCrawl crawl) {
  absl::MutexLock lock(&mu_);
  script_.push_back(std::move(crawl));
}

void FakeContentSource::SetFallback(ScriptedCrawl crawl) {
  absl::MutexLock lock(&mu_);
  fallback_ = std::move(crawl);
}

std::vector<std::string> FakeContentSource::Filters() const {
  absl::MutexLock lock(&mu_);
  return filters_;
}

namespace {

// The document's id member, or "" when it has no usable one.
std::string IdOf(const nlohmann::ordered_json& doc, const char* member) {
  if (!doc.is_object()) return "";
  const auto id = doc.find(member);
  if (id == doc.end() || !id->is_string()) return "";
  return id->get<std::string>();
}

}  // namespace

void FakeContentSource::SetCourse(const nlohmann::ordered_json& doc) {
  const std::string key = IdOf(doc, "key");
  if (key.empty()) return;
  absl::MutexLock lock(&mu_);
  courses_.documents[key] = doc;
}

void FakeContentSource::SetProgram(const nlohmann::ordered_json& doc) {
  const std::string uuid = IdOf(doc, "uuid");
  if (uuid.empty()) return;
  absl::MutexLock lock(&mu_);
  programs_.documents[uuid] = doc;
}

void FakeContentSource::FailFullFetches(absl::Status status) {
  absl::MutexLock lock(&mu_);
  full_fetch_failure_ = std::move(status);
}

std::vector<std::string> FakeContentSource::RequestedCourseKeys() const {
  absl::MutexLock lock(&mu_);
  return courses_.requested;
}

std::vector<std::string> FakeContentSource::RequestedProgramUuids() const {
  absl::MutexLock lock(&mu_);
  return programs_.requested;
}

int64_t FakeContentSource::FetchCoursesCalls() const {
  absl::MutexLock lock(&mu_);
  return courses_.calls;
}

int64_t FakeContentSource::FetchProgramsCalls() const {
  absl::MutexLock lock(&mu_);
  return programs_.calls;
}

// Like discovery, which answers `key__in` ordered by key: each known id
// once, in id order, however often it was asked for. One request and one
// page stand for the whole call.
absl::Status FakeContentSource::FetchFull(FullStore FakeContentSource::*member,
                                          const std::vector<std::string>& ids,
                                          discovery::FullFetchResult* out) {
  absl::MutexLock lock(&mu_);
  FullStore& store = this->*member;
  ++store.calls;
  store.requested.insert(store.requested.end(), ids.begin(), ids.end());
  out->documents.clear();
  out->stats = discovery::FullFetchStats{};
  if (!full_fetch_failure_.ok()) return full_fetch_failure_;
  if (ids.empty()) return absl::OkStatus();
  const std::set<std::string> wanted(ids.begin(), ids.end());
  for (const std::string& id : wanted) {
    const auto found = store.documents.find(id);
    if (found == store.documents.end()) continue;
    out->documents.push_back(found->second);
    out->stats.bytes += static_cast<int64_t>(
        found->second
            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
            .size());
  }
  out->stats.requests = 1;
  out->stats.pages = 1;
  out->stats.results = static_cast<int64_t>(out->documents.size());
  return absl::OkStatus();
}

ScriptedCrawl FakeContentSource::Next(const std::string& filter) {
  absl::MutexLock lock(&mu_);
  filters_.push_back(filter);
  if (script_.empty()) return fallback_;
  ScriptedCrawl next = std::move(script_.front());
  script_.pop_front();
  return next;
}

std::function<std::unique_ptr<discovery::ContentSource>(discovery::Sleeper)>
FakeContentSource::Factory() {
  return [this](discovery::Sleeper) { return std::make_unique<Source>(this); };
}

std::vector<domain::ContentRecord> CourseRecords(
    const std::vector<std::string>& keys) {
  std::vector<domain::ContentRecord> records;
  for (const std::string& key : keys) {
    domain::ContentRecord rec;
    rec.content_key = key;
    rec.content_type = "course";
    rec.title = absl::StrCat("Course ", key);
    rec.json_metadata =
        absl::StrCat(R"({"key":")", key, R"(","content_type":"course"})");
    records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace ec::fakes
