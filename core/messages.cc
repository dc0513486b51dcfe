#include "core/messages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace ec::core {
namespace {

namespace v1 = ::enterprise_catalog::v1;

v1::RefreshJob::State StateToProto(storage::JobState state) {
  switch (state) {
    case storage::JobState::kQueued:
      return v1::RefreshJob::QUEUED;
    case storage::JobState::kRunning:
      return v1::RefreshJob::RUNNING;
    case storage::JobState::kSucceeded:
      return v1::RefreshJob::SUCCEEDED;
    case storage::JobState::kFailed:
      return v1::RefreshJob::FAILED;
    case storage::JobState::kHeld:
      return v1::RefreshJob::HELD;
  }
  return v1::RefreshJob::STATE_UNSPECIFIED;
}

v1::RefreshJob::Reason ReasonToProto(storage::JobReason reason) {
  switch (reason) {
    case storage::JobReason::kCreated:
      return v1::RefreshJob::CATALOG_CREATED;
    case storage::JobReason::kUpdated:
      return v1::RefreshJob::CATALOG_UPDATED;
    case storage::JobReason::kRequested:
      return v1::RefreshJob::REQUESTED;
    case storage::JobReason::kScheduled:
      return v1::RefreshJob::SCHEDULED;
    case storage::JobReason::kPublished:
      return v1::RefreshJob::PUBLISHED;
    case storage::JobReason::kCrawled:
      return v1::RefreshJob::CRAWLED;
  }
  return v1::RefreshJob::REASON_UNSPECIFIED;
}

v1::RefreshJob::Kind KindToProto(storage::JobKind kind) {
  switch (kind) {
    case storage::JobKind::kCrawl:
      return v1::RefreshJob::CRAWL;
    case storage::JobKind::kFull:
      return v1::RefreshJob::FULL_METADATA;
  }
  return v1::RefreshJob::KIND_UNSPECIFIED;
}

}  // namespace

absl::Status CatalogToProto(const storage::CatalogRow& row, v1::Catalog* out) {
  out->set_uuid(row.uuid);
  out->set_title(row.title);
  out->set_enterprise_uuid(row.enterprise_uuid);
  out->set_enterprise_name(row.enterprise_name);
  // Catalog CRUD is not a hot path, so re-parsing the stored filter is fine.
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      row.content_filter_json, out->mutable_content_filter());
  if (!parsed.ok()) {
    return absl::InternalError(
        absl::StrCat("stored content filter of catalog ", row.uuid,
                     " is not a JSON object: ", parsed.message().as_string()));
  }
  out->set_catalog_query_uuid(row.catalog_query_uuid);
  out->set_content_filter_hash(row.content_filter_hash);
  for (const auto& mode : row.enabled_course_modes) {
    out->add_enabled_course_modes(mode);
  }
  out->set_publish_audit_enrollment_urls(row.publish_audit_enrollment_urls);
  SetTimestamp(row.created, out->mutable_created());
  SetTimestamp(row.modified, out->mutable_modified());
  out->set_content_count(row.content_refreshed ? row.content_count : 0);
  if (row.content_refreshed) {
    SetTimestamp(*row.content_refreshed, out->mutable_content_refreshed());
  }
  return absl::OkStatus();
}

absl::Status QueryToProto(const storage::CatalogQueryRow& row,
                          v1::CatalogQuery* out) {
  out->set_uuid(row.uuid);
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      row.content_filter_json, out->mutable_content_filter());
  if (!parsed.ok()) {
    return absl::InternalError(
        absl::StrCat("stored content filter of catalog query ", row.uuid,
                     " is not a JSON object: ", parsed.message().as_string()));
  }
  out->set_content_filter_hash(row.content_filter_hash);
  out->set_content_count(row.content_refreshed ? row.content_count : 0);
  if (row.content_refreshed) {
    SetTimestamp(*row.content_refreshed, out->mutable_content_refreshed());
  }
  out->set_catalog_count(row.catalog_count);
  return absl::OkStatus();
}

void ContentToProto(storage::ContentRow&& row, v1::ContentMetadata* out) {
  out->set_content_key(std::move(row.content_key));
  out->set_content_type(std::move(row.content_type));
  out->set_content_uuid(std::move(row.content_uuid));
  out->set_parent_content_key(std::move(row.parent_content_key));
  out->set_title(std::move(row.title));
  SetTimestamp(row.modified, out->mutable_modified());
  // Moved, never re-encoded: documents are served as stored.
  out->set_json_metadata(std::move(row.json_metadata));
}

void SetTimestamp(storage::Micros micros, google::protobuf::Timestamp* out) {
  *out = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
}

ItemScope MakeItemScope(const storage::CatalogScope& scope,
                        const domain::UrlSettings& urls) {
  ItemScope out;
  out.catalog = domain::PrepareCatalogContext(scope.catalog);
  out.urls = urls;
  out.modified_floor = scope.catalog_modified;
  if (scope.customer.has_value()) {
    out.customer.enable_learner_portal = scope.customer->enable_learner_portal;
    out.customer.slug = scope.customer->slug;
    out.modified_floor = std::max(out.modified_floor, scope.customer->modified);
  }
  return out;
}

storage::Micros ContentLastModified(storage::Micros item_modified,
                                    const ItemScope& scope) {
  return std::max(item_modified, scope.modified_floor);
}

void ScopedContentToProto(storage::ContentRow&& row, const ItemScope& scope,
                          v1::ContentMetadata* out) {
  const domain::ItemFacts& facts = row.facts;
  if (auto url = domain::EnrollmentUrl(facts, scope.catalog, scope.customer,
                                       scope.urls)) {
    out->set_enrollment_url(std::move(*url));
  }
  if (auto url = domain::CatalogMarketingUrl(facts, scope.catalog)) {
    out->set_marketing_url(std::move(*url));
  }
  if (auto id = domain::XapiActivityId(facts, scope.urls)) {
    out->set_xapi_activity_id(std::move(*id));
  }
  if (facts.active.has_value()) out->set_active(*facts.active);
  for (auto& [run, url] : domain::CourseRunEnrollmentUrls(
           facts, row.run_rows, scope.catalog, scope.customer, scope.urls)) {
    (*out->mutable_course_run_enrollment_urls())[run] = std::move(url);
  }
  SetTimestamp(ContentLastModified(row.modified, scope),
               out->mutable_content_last_modified());
  ContentToProto(std::move(row), out);
}

void CustomerToProto(const storage::EnterpriseCustomerRow& row,
                     v1::EnterpriseCustomer* out) {
  out->set_uuid(row.uuid);
  out->set_slug(row.slug);
  out->set_name(row.name);
  out->set_enable_learner_portal(row.enable_learner_portal);
  SetTimestamp(row.modified, out->mutable_modified());
}

void JobToProto(const storage::RefreshJobRow& job, v1::RefreshJob* out) {
  out->set_uuid(job.uuid);
  out->set_kind(KindToProto(job.kind));
  out->set_catalog_query_uuid(job.catalog_query_uuid);
  out->set_state(StateToProto(job.state));
  out->set_reason(ReasonToProto(job.reason));
  out->set_force(job.force);
  out->set_attempts(job.attempts);
  out->set_max_attempts(job.max_attempts);
  SetTimestamp(job.created, out->mutable_created());
  if (job.started) SetTimestamp(*job.started, out->mutable_started());
  if (job.finished) SetTimestamp(*job.finished, out->mutable_finished());
  if (job.state == storage::JobState::kQueued) {
    SetTimestamp(job.run_after, out->mutable_next_attempt());
  }
  out->set_last_error(job.last_error);
  const storage::RefreshCounts& c = job.counts;
  v1::RefreshCounts* counts = out->mutable_counts();
  counts->set_pages(c.pages);
  counts->set_discovery_requests(c.discovery_requests);
  counts->set_discovery_retries(c.discovery_retries);
  counts->set_items_seen(c.items_seen);
  counts->set_members_before(c.members_before);
  counts->set_members_after(c.members_after);
  counts->set_members_added(c.members_added);
  counts->set_members_removed(c.members_removed);
  counts->set_content_inserted(c.content_inserted);
  counts->set_content_updated(c.content_updated);
  counts->set_content_unchanged(c.content_unchanged);
  counts->set_duration_ms(c.duration_ms);
  counts->set_items_excluded(c.items_excluded);
}

void NoticeToProto(storage::ContentChangeNotice&& notice,
                   v1::NotifyContentChangedResponse* out) {
  for (std::string& key : notice.queued_keys) {
    out->add_queued_keys(std::move(key));
  }
  for (std::string& key : notice.unknown_keys) {
    out->add_unknown_keys(std::move(key));
  }
  out->set_crawls_queued(notice.crawls_queued);
  if (notice.full_job) JobToProto(*notice.full_job, out->mutable_full_job());
}

}  // namespace ec::core
