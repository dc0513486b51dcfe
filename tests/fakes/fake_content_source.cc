#include "tests/fakes/fake_content_source.h"

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
