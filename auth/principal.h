#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ec::auth {

// Role names as the platform's JWTs carry them in `roles`, each as
// "<role>:<context>" where the context is an enterprise uuid or "*".
inline constexpr char kCatalogAdminRole[] = "enterprise_catalog_admin";
inline constexpr char kOperatorRole[] = "enterprise_openedx_operator";
inline constexpr char kEnterpriseAdminRole[] = "enterprise_admin";
inline constexpr char kLearnerRole[] = "enterprise_learner";
// Ours: other services (edx-enterprise, license-manager, ...) that read any
// enterprise's catalogs and the global content metadata, and change no
// catalog; they may relay publish events (NotifyContentChanged).
inline constexpr char kServiceRole[] = "enterprise_catalog_service";

// Who is calling and what their roles allow. Built once per call from a
// verified token; immutable, so the core reads it from any thread.
class Principal {
 public:
  // Every permission: only for ENTERPRISE_CATALOG_AUTH_DISABLED.
  static Principal Unrestricted(std::string subject);

  // Maps `roles` ("role:context" strings) to permissions. Unknown roles and
  // contexts that are neither "*" nor a uuid grant nothing.
  static Principal FromRoles(std::string subject,
                             std::vector<std::string> roles);

  // For logs and the audit trail: the token's user (or "anonymous").
  const std::string& subject() const { return subject_; }
  const std::vector<std::string>& roles() const { return roles_; }

  // Read catalogs of `enterprise` (lower-case uuid): get, list, contains,
  // metadata.
  bool CanRead(std::string_view enterprise) const;
  // Create, update, delete and refresh catalogs of `enterprise`.
  bool CanAdmin(std::string_view enterprise) const;
  // Content that belongs to no enterprise (GetContentMetadata) and refresh
  // jobs of any query: operators and the service role.
  bool CanReadGlobal() const { return global_read_; }
  // Report that content changed upstream (NotifyContentChanged). Content
  // belongs to no enterprise, so this is for whoever sees all of it: the
  // platform's operators and its services, which relay publish events.
  bool CanNotifyContentChanged() const { return global_read_; }

  // The enterprises whose catalogs this caller may read, sorted; nullopt
  // means all of them.
  std::optional<std::vector<std::string>> ReadableEnterprises() const;

 private:
  std::string subject_;
  std::vector<std::string> roles_;
  bool read_all_ = false;
  bool admin_all_ = false;
  bool global_read_ = false;
  std::set<std::string, std::less<>> read_;
  std::set<std::string, std::less<>> admin_;
};

}  // namespace ec::auth
