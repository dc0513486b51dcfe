#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "storage/catalog_store.h"
#include "storage/customer_store.h"

namespace ec::fakes {

// storage::CatalogStore and storage::CustomerStore in memory, for unit tests
// of the core, the server adapter and the workers: the same answers as the
// PostgreSQL stores for the same calls (the contains expansion, keyset pages,
// one query per filter hash, a derived run never overwriting its own
// document, catalog scopes with the stored customer), without SQL, locks or
// transactions — the pg tests cover those. Item facts are computed from the
// stored document when a catalog-scoped read serves it. Thread-safe.
class FakeCatalogStore final : public storage::CatalogStore,
                               public storage::CustomerStore {
 public:
  // `clock` stamps created/modified; by default a counter, so every write
  // is strictly later than the one before.
  explicit FakeCatalogStore(common::Clock clock = nullptr);

  absl::StatusOr<storage::CatalogRow> CreateCatalog(
      const storage::NewCatalog& catalog) override;
  absl::StatusOr<storage::CatalogRow> GetCatalog(
      std::string_view uuid) override;
  absl::StatusOr<storage::CatalogPage> ListCatalogs(
      const storage::ListCatalogsQuery& query) override;
  absl::StatusOr<storage::CatalogRow> UpdateCatalog(
      const storage::CatalogUpdate& update) override;
  absl::Status DeleteCatalog(std::string_view uuid,
                             std::string_view enterprise_uuid) override;
  absl::StatusOr<storage::ContainedResult> ContainedKeys(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<std::vector<std::string>> CatalogsContainingAny(
      std::string_view enterprise_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<storage::MetadataPage> GetCatalogMetadata(
      const storage::MetadataQuery& query) override;
  absl::StatusOr<std::vector<storage::ContentMatch>> GetContentMetadata(
      const storage::ContentLookup& lookup) override;
  absl::StatusOr<storage::CustomerItem> GetCustomerContentMetadata(
      const storage::CustomerContentQuery& query) override;
  absl::StatusOr<storage::CatalogDiff> DiffCatalogContent(
      std::string_view catalog_uuid,
      const std::vector<std::string>& keys) override;
  absl::StatusOr<storage::CatalogQueryRow> GetCatalogQuery(
      const storage::CatalogQueryLookup& lookup) override;
  absl::StatusOr<storage::CatalogQueryRef> EnsureCatalogQuery(
      const domain::CanonicalFilter& filter) override;
  absl::StatusOr<storage::ReplaceResult> ReplaceQueryContent(
      int64_t query_id,
      const std::vector<domain::ContentRecord>& records) override;

  // storage::CustomerStore.
  absl::StatusOr<storage::EnterpriseCustomerRow> UpsertEnterpriseCustomer(
      const storage::EnterpriseCustomerRow& customer) override;
  absl::StatusOr<storage::EnterpriseCustomerRow> GetEnterpriseCustomer(
      std::string_view uuid) override;

  // What the fake refresh queue needs of the store, as the SQL joins give it.
  // The query id of a catalog; NOT_FOUND if there is no such catalog.
  absl::StatusOr<int64_t> QueryIdOf(std::string_view catalog_uuid) const;
  // The query's uuid, filter text and member count, and when it was last
  // refreshed; NOT_FOUND for an unknown id.
  struct QueryInfo {
    std::string uuid;
    std::string content_filter;
    int64_t members = 0;
    std::optional<common::Micros> refreshed;
    common::Micros created = 0;
    bool in_use = false;  // some catalog uses it
  };
  absl::StatusOr<QueryInfo> Query(int64_t query_id) const;
  std::vector<int64_t> QueryIds() const;
  // Enterprises whose catalogs use the query, sorted.
  std::vector<std::string> EnterprisesOf(int64_t query_id) const;
  // What a publish event of `keys` reaches (the fake queue's
  // NotifyContentChanged): the stored courses and programs the keys stand
  // for, a run standing for its stored course; the keys of no stored
  // content, in the order given; and the queries some catalog uses that
  // contain any of the keys, as ContainsContentItems counts containment.
  struct PublishTargets {
    std::set<std::string> full_keys;
    std::vector<std::string> unknown_keys;
    std::vector<int64_t> in_use_queries;
  };
  PublishTargets PublishTargetsOf(const std::vector<std::string>& keys) const;
  // How many members `records` would leave out of the query's current set.
  int64_t WouldRemove(int64_t query_id,
                      const std::vector<domain::ContentRecord>& records) const;
  // Makes `records` the query's content as of `now` (the refresh path).
  storage::ReplaceResult Apply(
      int64_t query_id, const std::vector<domain::ContentRecord>& records,
      common::Micros now);

  // Fault injection: every call fails with `status` until cleared with OK.
  void FailEveryCall(absl::Status status);
  // Fault injection: GetCatalog throws, as a store that breaks its
  // contract (never throw) would; the layers above must contain it.
  void ThrowOnGetCatalog(bool on);
  // Called at the start of every GetCatalog, outside the store's lock (to
  // hold a call on an RPC thread); empty: none.
  void OnGetCatalog(std::function<void()> hook);

 private:
  struct Catalog {
    storage::CatalogRow row;  // query fields filled on read
    int64_t query_id = 0;
  };
  struct QueryRow {
    int64_t id = 0;
    std::string uuid;
    domain::CanonicalFilter filter;
    std::set<std::string> members;
    std::optional<common::Micros> refreshed;
    common::Micros created = 0;
  };
  struct Content {
    storage::ContentRow row;
    std::string document_hash;
    bool derived = false;
  };

  common::Micros Now() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  storage::CatalogRow Read(const Catalog& catalog) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t EnsureQuery(const domain::CanonicalFilter& filter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The request's keys with the contains expansion: each key, the parent
  // course of a requested run, every run of a requested course; as
  // (asked, member) pairs.
  std::vector<std::pair<std::string, std::string>> Expand(
      const std::vector<std::string>& keys) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The catalog's scope: its context columns, `modified` and the stored
  // customer of its enterprise.
  storage::CatalogScope ScopeOf(const Catalog& catalog) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The row's facts from its stored document (an unparsable one reads as
  // {}).
  domain::ItemFacts FactsOf(const storage::ContentRow& row) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The row as a catalog-scoped read serves it: facts filled and, for a
  // course, the sorted keys of its run rows that are not derived.
  storage::ContentRow Served(const storage::ContentRow& row) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stored row of the course `row` is a run of, when coercing applies
  // (type courserun with a stored parent); otherwise `row` itself.
  const storage::ContentRow& CoercedToParent(
      const storage::ContentRow& row) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  storage::ReplaceResult ApplyLocked(
      int64_t query_id, const std::vector<domain::ContentRecord>& records,
      common::Micros now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const common::Clock clock_;
  mutable absl::Mutex mu_;
  common::Micros counter_ ABSL_GUARDED_BY(mu_) = 1'700'000'000'000'000;
  absl::Status injected_ ABSL_GUARDED_BY(mu_);
  bool throw_on_get_catalog_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> on_get_catalog_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Catalog, std::less<>> catalogs_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, QueryRow> queries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Content, std::less<>> content_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, storage::EnterpriseCustomerRow, std::less<>> customers_
      ABSL_GUARDED_BY(mu_);
  int64_t next_query_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace ec::fakes
