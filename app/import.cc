#include "app/import.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/json_depth.h"
#include "common/status_macros.h"
#include "domain/canonical_json.h"
#include "domain/content.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace ec::app {
namespace {

namespace v1 = ::enterprise_catalog::v1;

// Documents nest up to 128 (ParseDiscoveryDocument), under four levels of
// file structure: {"query_results": [{"results": [document]}]}.
constexpr int kMaxImportDepth = 132;

using Json = nlohmann::ordered_json;

absl::Status ImportQuery(const Json& entry, size_t index,
                         storage::CatalogStore* store, ImportSummary* summary) {
  const std::string where = absl::StrCat("query_results[", index, "]");
  if (!entry.is_object() || !entry.contains("content_filter") ||
      !entry["content_filter"].is_object() || !entry.contains("results") ||
      !entry["results"].is_array()) {
    return absl::InvalidArgumentError(
        where + " must be {\"content_filter\": {...}, \"results\": [...]}");
  }
  google::protobuf::Struct filter;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      entry["content_filter"].dump(), &filter);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".content_filter: ", parsed.message().as_string()));
  }
  EC_ASSIGN_OR_RETURN(domain::CanonicalFilter canonical,
                      domain::CanonicalizeFilter(filter));
  std::vector<domain::ContentRecord> records;
  for (size_t i = 0; i < entry["results"].size(); ++i) {
    auto parsed_doc = domain::DiscoveryDocumentRecords(entry["results"][i]);
    if (!parsed_doc.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".results[", i, "]: ", parsed_doc.status().message()));
    }
    for (auto& rec : *parsed_doc) records.push_back(std::move(rec));
  }
  EC_ASSIGN_OR_RETURN(storage::CatalogQueryRef query,
                      store->EnsureCatalogQuery(canonical));
  EC_ASSIGN_OR_RETURN(storage::ReplaceResult result,
                      store->ReplaceQueryContent(query.id, records));
  summary->queries_loaded++;
  summary->documents += result.members;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportSummary> ImportFile(const std::string& path,
                                         core::CatalogCore* core,
                                         storage::CatalogStore* store) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open import file " + path);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  // nlohmann's parser (and protobuf's JSON parser after it) recurse: a
  // pathologically nested file would overflow the stack, not fail cleanly.
  if (common::NestsDeeperThan(text, kMaxImportDepth)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " nests deeper than ", kMaxImportDepth, " levels"));
  }
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(path + " is not a JSON object");
  }
  ImportSummary summary;
  if (doc.contains("enterprise_customers")) {
    if (!doc["enterprise_customers"].is_array()) {
      return absl::InvalidArgumentError(
          "\"enterprise_customers\" must be an array");
    }
    for (size_t i = 0; i < doc["enterprise_customers"].size(); ++i) {
      v1::UpsertEnterpriseCustomerRequest request;
      const auto parsed = google::protobuf::util::JsonStringToMessage(
          doc["enterprise_customers"][i].dump(), request.mutable_customer());
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "enterprise_customers[", i, "]: ", parsed.message().as_string()));
      }
      v1::EnterpriseCustomer written;
      const absl::Status status = core->UpsertEnterpriseCustomer(
          auth::Principal::Unrestricted("import"), request, &written);
      if (!status.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat("enterprise_customers[", i, "]: ", status.message()));
      }
      summary.customers_written++;
    }
  }
  if (doc.contains("catalogs")) {
    if (!doc["catalogs"].is_array()) {
      return absl::InvalidArgumentError("\"catalogs\" must be an array");
    }
    for (size_t i = 0; i < doc["catalogs"].size(); ++i) {
      v1::CreateCatalogRequest request;
      const auto parsed = google::protobuf::util::JsonStringToMessage(
          doc["catalogs"][i].dump(), request.mutable_catalog());
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("catalogs[", i, "]: ", parsed.message().as_string()));
      }
      v1::Catalog created;
      // The file is trusted: whoever runs import has the database itself.
      const absl::Status status = core->CreateCatalog(
          auth::Principal::Unrestricted("import"), request, &created);
      if (status.code() == absl::StatusCode::kAlreadyExists) {
        summary.catalogs_existing++;
      } else if (!status.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat("catalogs[", i, "]: ", status.message()));
      } else {
        summary.catalogs_created++;
      }
    }
  }
  if (doc.contains("query_results")) {
    if (!doc["query_results"].is_array()) {
      return absl::InvalidArgumentError("\"query_results\" must be an array");
    }
    for (size_t i = 0; i < doc["query_results"].size(); ++i) {
      EC_RETURN_IF_ERROR(
          ImportQuery(doc["query_results"][i], i, store, &summary));
    }
  }
  return summary;
}

}  // namespace ec::app
