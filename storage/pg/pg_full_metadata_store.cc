#include "storage/pg/pg_full_metadata_store.h"

#include <map>
#include <set>
#include <utility>

#include "common/uuid.h"
#include "domain/canonical_json.h"
#include "domain/content.h"
#include "domain/content_merge.h"
#include "storage/pg/content_writer.h"
#include "storage/pg/item_facts.h"
#include "storage/pg/job_rows.h"
#include "storage/pg/pg_util.h"

namespace ec::storage::pg {
namespace {

using Json = nlohmann::ordered_json;

// The member `name` if it is a string, else "".
std::string StringMember(const Json& object, const char* name) {
  if (!object.is_object()) return std::string();
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>()
                                               : std::string();
}

Json ParseObject(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : Json::object();
}

// A stored row as lock_full_rows.sql returns it.
struct LockedRow {
  std::string type;
  bool derived = false;
  std::string json;
  std::string full_hash;
};

// The columns of write_full_documents.sql.
struct FullWrites {
  std::vector<std::string> keys, docs, hashes, full_docs, full_hashes;
};

// The program rows courses' full documents list, as they stand after each
// merge (several courses of a batch can list one program: their entries are
// merged in turn, as Django does).
struct NestedPrograms {
  std::map<std::string, Json> docs;
  std::vector<std::string> link_courses, link_programs;
};

// Requires the lease's job row, locked, before anything else is touched.
absl::Status LockLease(pqxx::work& tx, const LeasedJob& lease) {
  if (tx.exec_prepared("lock_leased_job", lease.job.id, lease.lease_token)
          .empty()) {
    return LeaseLost(lease);
  }
  return absl::OkStatus();
}

// Merges one course's listed programs (already given aggregation_key and
// content_type by MergeFullCourse) into `nested`, within the inclusion rules.
void AddNestedPrograms(const std::string& course_key,
                       const std::vector<Json>& programs,
                       const std::map<std::string, LockedRow>& rows,
                       const domain::InclusionRules& rules,
                       NestedPrograms* nested, FullApplyResult* result) {
  for (const Json& entry : programs) {
    const std::string uuid = StringMember(entry, "uuid");
    // Program keys are uuids (the column is cast to uuid); anything else
    // cannot be a program row.
    if (!common::NormalizeUuid(uuid).has_value() ||
        domain::ExclusionReason(domain::InclusionFactsOf(entry), rules)) {
      ++result->programs_excluded;
      continue;
    }
    auto [it, fresh] = nested->docs.try_emplace(uuid);
    if (fresh) {
      const auto row = rows.find(uuid);
      if (row != rows.end() && row->second.type == "program") {
        it->second = ParseObject(row->second.json);
      }
    }
    if (it->second.is_object() && !it->second.empty()) {
      domain::MergeSearchEntry(it->second, entry, "program");
    } else {
      it->second = entry;
    }
    nested->link_courses.push_back(course_key);
    nested->link_programs.push_back(uuid);
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PgFullMetadataStore::NextFullWork(
    const LeasedJob& lease, std::string_view content_type, Micros since,
    Micros stale_before, int limit) {
  return pool_->WithConnection(
      "selecting full-metadata work", Idempotent::kYes,
      [&](pqxx::connection& conn) -> absl::StatusOr<std::vector<std::string>> {
        pqxx::work tx(conn);
        if (absl::Status held = LockLease(tx, lease); !held.ok()) return held;
        std::vector<std::string> keys;
        for (const auto& row :
             tx.exec_prepared("next_full_work", std::string(content_type),
                              since, stale_before, limit)) {
          keys.push_back(row[0].as<std::string>());
        }
        tx.commit();
        return keys;
      });
}

absl::StatusOr<FullApplyResult> PgFullMetadataStore::ApplyFullDocuments(
    const LeasedJob& lease, std::string_view content_type,
    const std::vector<std::string>& requested,
    const std::vector<Json>& documents, const domain::InclusionRules& rules,
    Micros now) {
  const bool courses = content_type == "course";
  const std::set<std::string> wanted(requested.begin(), requested.end());
  // The last document per requested key wins, as in Django's loop.
  std::map<std::string, const Json*> by_key;
  std::set<std::string> lock_keys = wanted;
  for (const Json& doc : documents) {
    const std::string key = StringMember(doc, courses ? "key" : "uuid");
    if (!wanted.contains(key)) continue;
    by_key[key] = &doc;
    const auto programs = doc.find("programs");
    if (!courses || programs == doc.end() || !programs->is_array()) continue;
    for (const Json& program : *programs) {
      const std::string uuid = StringMember(program, "uuid");
      if (!uuid.empty()) lock_keys.insert(uuid);
    }
  }
  const std::string lock_array = ToPgTextArray(
      std::vector<std::string>(lock_keys.begin(), lock_keys.end()));
  return pool_->WithConnection(
      "applying full documents", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<FullApplyResult> {
        pqxx::work tx(conn);
        if (absl::Status held = LockLease(tx, lease); !held.ok()) return held;
        LockContentWriters(tx);
        std::map<std::string, LockedRow> rows;
        for (const auto& r : tx.exec_prepared("lock_full_rows", lock_array)) {
          rows[r[0].as<std::string>()] =
              LockedRow{r[1].as<std::string>(), r[2].as<bool>(),
                        r[3].as<std::string>(), r[4].as<std::string>()};
        }
        FullApplyResult result;
        FullWrites writes;
        NestedPrograms nested;
        std::vector<std::string> relinked;
        std::vector<std::string> fetched, outdated;
        for (const std::string& key : wanted) {
          const auto row = rows.find(key);
          const auto doc = by_key.find(key);
          if (row == rows.end() || row->second.type != content_type ||
              row->second.derived || doc == by_key.end()) {
            ++result.not_returned;
            fetched.push_back(key);
            continue;
          }
          Json stored = ParseObject(row->second.json);
          // Merging it would put older fields over the crawl's newer ones
          // (issue 14: a lost update between a crawl and the full pass).
          if (domain::FullDocumentPredates(stored, *doc->second)) {
            ++result.documents_outdated;
            outdated.push_back(key);
            continue;
          }
          fetched.push_back(key);
          std::string full_text = doc->second->dump();
          std::string full_hash = domain::Md5Hex(full_text);
          if (full_hash == row->second.full_hash) {
            ++result.documents_unchanged;
            continue;
          }
          if (courses) {
            AddNestedPrograms(key,
                              domain::MergeFullCourse(stored, *doc->second),
                              rows, rules, &nested, &result);
            relinked.push_back(key);
          } else {
            domain::MergeFullProgram(stored, *doc->second);
          }
          std::string merged = stored.dump();
          std::string hash = domain::Md5Hex(merged);
          if (hash == domain::Md5Hex(row->second.json)) {
            ++result.documents_unchanged;
          } else {
            ++result.documents_changed;
          }
          writes.keys.push_back(key);
          writes.docs.push_back(std::move(merged));
          writes.hashes.push_back(std::move(hash));
          writes.full_docs.push_back(std::move(full_text));
          writes.full_hashes.push_back(std::move(full_hash));
        }
        if (!writes.keys.empty()) {
          tx.exec_prepared0("write_full_documents", ToPgTextArray(writes.keys),
                            ToPgTextArray(writes.docs),
                            ToPgTextArray(writes.hashes),
                            ToPgTextArray(writes.full_docs),
                            ToPgTextArray(writes.full_hashes));
          RefreshItemFacts(tx, writes.keys);
        }
        if (!nested.docs.empty()) {
          std::vector<std::string> keys, titles, docs, hashes;
          for (const auto& [uuid, doc] : nested.docs) {
            keys.push_back(uuid);
            titles.push_back(StringMember(doc, "title"));
            docs.push_back(doc.dump());
            hashes.push_back(domain::Md5Hex(docs.back()));
          }
          for (const auto& r :
               tx.exec_prepared("upsert_nested_programs", ToPgTextArray(keys),
                                ToPgTextArray(titles), ToPgTextArray(docs),
                                ToPgTextArray(hashes))) {
            ++(r[0].as<bool>() ? result.programs_inserted
                               : result.programs_changed);
          }
          RefreshItemFacts(tx, keys);
        }
        if (!relinked.empty()) {
          tx.exec_prepared0("replace_course_programs", ToPgTextArray(relinked),
                            ToPgTextArray(nested.link_courses),
                            ToPgTextArray(nested.link_programs));
        }
        tx.exec_prepared0("mark_full_fetched", ToPgTextArray(fetched), now);
        if (!outdated.empty()) {
          tx.exec_prepared0("mark_full_outdated", ToPgTextArray(outdated), now);
        }
        tx.commit();
        return result;
      });
}

absl::Status PgFullMetadataStore::MarkFullFailed(
    const LeasedJob& lease, const std::vector<std::string>& keys, Micros now) {
  return pool_->WithConnection(
      "recording failed full fetch", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::Status {
        pqxx::work tx(conn);
        if (absl::Status held = LockLease(tx, lease); !held.ok()) return held;
        tx.exec_prepared0("mark_full_failed", ToPgTextArray(keys), now);
        tx.commit();
        return absl::OkStatus();
      });
}

absl::StatusOr<RefreshJobRow> PgFullMetadataStore::CompleteFull(
    const LeasedJob& lease, const RefreshCounts& counts, Micros now) {
  return pool_->WithConnection(
      "finishing full-metadata job", Idempotent::kNo,
      [&](pqxx::connection& conn) -> absl::StatusOr<RefreshJobRow> {
        pqxx::work tx(conn);
        if (absl::Status held = LockLease(tx, lease); !held.ok()) return held;
        const pqxx::result done = ExecWithCounts(
            tx, "finish_job", counts, lease.job.id, "succeeded", now, "");
        // Content flagged after this pass's last batch (a crawl or a publish
        // event while it finished) gets the next pass.
        tx.exec_prepared("queue_full_if_wanted",
                         std::string(JobReasonName(JobReason::kCrawled)),
                         lease.job.max_attempts, now);
        tx.commit();
        return JobFromRow(done[0]);
      });
}

}  // namespace ec::storage::pg
