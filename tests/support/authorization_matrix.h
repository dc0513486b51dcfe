#pragma once

// Who may call what, as a table: the expected status of every catalog RPC
// for each kind of caller, against a target of the caller's own enterprise
// and one of another enterprise's (for NotifyContentChanged, the content of
// that enterprise's catalog, and for GetCatalogQuery, its query: content and
// queries belong to no enterprise, so both answers are the same;
// HashContentFilter reads nothing, so every caller may; the customer RPCs
// aim at the enterprise itself, DiffCatalogContent at its catalog). The core's
// unit test (tests/core/authorization_test.cc) and the gRPC end-to-end test
// (tests/e2e/auth_e2e_test.cc) check the same table; gRPC codes share the
// numbering.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace ec::testing {

// RPC name -> (code on the own enterprise's target, code on the other's).
using AuthzExpectations =
    std::map<std::string, std::pair<absl::StatusCode, absl::StatusCode>>;

inline const std::vector<std::string>& CatalogRpcNames() {
  static const auto* names =
      new std::vector<std::string>{"CreateCatalog",
                                   "GetCatalog",
                                   "ListCatalogs",
                                   "UpdateCatalog",
                                   "DeleteCatalog",
                                   "ContainsContentItems",
                                   "CustomerContainsContentItems",
                                   "GetCatalogMetadata",
                                   "GetContentMetadata",
                                   "RefreshCatalog",
                                   "GetRefreshJob",
                                   "NotifyContentChanged",
                                   "GetCatalogQuery",
                                   "HashContentFilter",
                                   "UpsertEnterpriseCustomer",
                                   "GetEnterpriseCustomer",
                                   "GetCustomerContentMetadata",
                                   "DiffCatalogContent"};
  return *names;
}

inline AuthzExpectations UniformExpectations(absl::StatusCode code) {
  AuthzExpectations out;
  for (const std::string& name : CatalogRpcNames()) out[name] = {code, code};
  return out;
}

// The three outcomes the tables below use.
inline constexpr absl::StatusCode kAllowed = absl::StatusCode::kOk;
inline constexpr absl::StatusCode kLooksMissing = absl::StatusCode::kNotFound;
inline constexpr absl::StatusCode kRefused =
    absl::StatusCode::kPermissionDenied;

// A learner of the first enterprise. Reading the other's catalogs answers
// NOT_FOUND, as for a catalog that does not exist; naming the other
// enterprise (create, list, customer contains) is PERMISSION_DENIED.
inline AuthzExpectations LearnerOfOwnExpectations() {
  return {{"CreateCatalog", {kRefused, kRefused}},
          {"GetCatalog", {kAllowed, kLooksMissing}},
          {"ListCatalogs", {kAllowed, kRefused}},
          {"UpdateCatalog", {kRefused, kLooksMissing}},
          {"DeleteCatalog", {kRefused, kLooksMissing}},
          {"ContainsContentItems", {kAllowed, kLooksMissing}},
          {"CustomerContainsContentItems", {kAllowed, kRefused}},
          {"GetCatalogMetadata", {kAllowed, kLooksMissing}},
          {"GetContentMetadata", {kRefused, kRefused}},
          {"RefreshCatalog", {kRefused, kLooksMissing}},
          {"GetRefreshJob", {kLooksMissing, kLooksMissing}},
          {"NotifyContentChanged", {kRefused, kRefused}},
          {"GetCatalogQuery", {kRefused, kRefused}},
          {"HashContentFilter", {kAllowed, kAllowed}},
          {"UpsertEnterpriseCustomer", {kRefused, kRefused}},
          {"GetEnterpriseCustomer", {kRefused, kRefused}},
          {"GetCustomerContentMetadata", {kAllowed, kRefused}},
          {"DiffCatalogContent", {kAllowed, kLooksMissing}}};
}

// A catalog admin (or enterprise admin) of the first enterprise.
inline AuthzExpectations AdminOfOwnExpectations() {
  return {{"CreateCatalog", {kAllowed, kRefused}},
          {"GetCatalog", {kAllowed, kLooksMissing}},
          {"ListCatalogs", {kAllowed, kRefused}},
          {"UpdateCatalog", {kAllowed, kLooksMissing}},
          {"DeleteCatalog", {kAllowed, kLooksMissing}},
          {"ContainsContentItems", {kAllowed, kLooksMissing}},
          {"CustomerContainsContentItems", {kAllowed, kRefused}},
          {"GetCatalogMetadata", {kAllowed, kLooksMissing}},
          {"GetContentMetadata", {kRefused, kRefused}},
          {"RefreshCatalog", {kAllowed, kLooksMissing}},
          {"GetRefreshJob", {kAllowed, kLooksMissing}},
          {"NotifyContentChanged", {kRefused, kRefused}},
          {"GetCatalogQuery", {kRefused, kRefused}},
          {"HashContentFilter", {kAllowed, kAllowed}},
          {"UpsertEnterpriseCustomer", {kRefused, kRefused}},
          {"GetEnterpriseCustomer", {kAllowed, kRefused}},
          {"GetCustomerContentMetadata", {kAllowed, kRefused}},
          {"DiffCatalogContent", {kAllowed, kLooksMissing}}};
}

// The service role: reads everything, changes no catalog, and relays
// publish events.
inline AuthzExpectations ServiceExpectations() {
  return {{"CreateCatalog", {kRefused, kRefused}},
          {"GetCatalog", {kAllowed, kAllowed}},
          {"ListCatalogs", {kAllowed, kAllowed}},
          {"UpdateCatalog", {kRefused, kRefused}},
          {"DeleteCatalog", {kRefused, kRefused}},
          {"ContainsContentItems", {kAllowed, kAllowed}},
          {"CustomerContainsContentItems", {kAllowed, kAllowed}},
          {"GetCatalogMetadata", {kAllowed, kAllowed}},
          {"GetContentMetadata", {kAllowed, kAllowed}},
          {"RefreshCatalog", {kRefused, kRefused}},
          {"GetRefreshJob", {kAllowed, kAllowed}},
          {"NotifyContentChanged", {kAllowed, kAllowed}},
          {"GetCatalogQuery", {kAllowed, kAllowed}},
          {"HashContentFilter", {kAllowed, kAllowed}},
          {"UpsertEnterpriseCustomer", {kAllowed, kAllowed}},
          {"GetEnterpriseCustomer", {kAllowed, kAllowed}},
          {"GetCustomerContentMetadata", {kAllowed, kAllowed}},
          {"DiffCatalogContent", {kAllowed, kAllowed}}};
}

// A verified token without roles: every catalog looks missing, and naming
// an enterprise is refused.
inline AuthzExpectations NoRolesExpectations() {
  return {{"CreateCatalog", {kRefused, kRefused}},
          {"GetCatalog", {kLooksMissing, kLooksMissing}},
          {"ListCatalogs", {kRefused, kRefused}},
          {"UpdateCatalog", {kLooksMissing, kLooksMissing}},
          {"DeleteCatalog", {kLooksMissing, kLooksMissing}},
          {"ContainsContentItems", {kLooksMissing, kLooksMissing}},
          {"CustomerContainsContentItems", {kRefused, kRefused}},
          {"GetCatalogMetadata", {kLooksMissing, kLooksMissing}},
          {"GetContentMetadata", {kRefused, kRefused}},
          {"RefreshCatalog", {kLooksMissing, kLooksMissing}},
          {"GetRefreshJob", {kLooksMissing, kLooksMissing}},
          {"NotifyContentChanged", {kRefused, kRefused}},
          {"GetCatalogQuery", {kRefused, kRefused}},
          {"HashContentFilter", {kAllowed, kAllowed}},
          {"UpsertEnterpriseCustomer", {kRefused, kRefused}},
          {"GetEnterpriseCustomer", {kRefused, kRefused}},
          {"GetCustomerContentMetadata", {kRefused, kRefused}},
          {"DiffCatalogContent", {kLooksMissing, kLooksMissing}}};
}

}  // namespace ec::testing
