#include "auth/principal.h"

#include "common/uuid.h"

namespace ec::auth {

Principal Principal::Unrestricted(std::string subject) {
  Principal p;
  p.subject_ = std::move(subject);
  p.read_all_ = p.admin_all_ = p.global_read_ = true;
  return p;
}

Principal Principal::FromRoles(std::string subject,
                               std::vector<std::string> roles) {
  Principal p;
  p.subject_ = std::move(subject);
  for (const std::string& role : roles) {
    const size_t colon = role.find(':');
    if (colon == std::string::npos) continue;
    const std::string_view name = std::string_view(role).substr(0, colon);
    const std::string_view context = std::string_view(role).substr(colon + 1);
    const bool all = context == "*";
    std::optional<std::string> enterprise;
    if (!all) {
      enterprise = common::NormalizeUuid(context);
      if (!enterprise) continue;
    }
    const bool admin = name == kCatalogAdminRole ||
                       name == kEnterpriseAdminRole || name == kOperatorRole;
    const bool reader = admin || name == kLearnerRole || name == kServiceRole;
    if (!reader) continue;
    if (all) {
      p.read_all_ = true;
      // The service role reads everything but changes nothing.
      if (admin) p.admin_all_ = true;
      if (name == kOperatorRole || name == kServiceRole) p.global_read_ = true;
    } else {
      p.read_.insert(*enterprise);
      if (admin) p.admin_.insert(*enterprise);
    }
  }
  p.roles_ = std::move(roles);
  return p;
}

bool Principal::CanRead(std::string_view enterprise) const {
  return read_all_ || read_.count(enterprise) > 0;
}

bool Principal::CanAdmin(std::string_view enterprise) const {
  return admin_all_ || admin_.count(enterprise) > 0;
}

std::optional<std::vector<std::string>> Principal::ReadableEnterprises() const {
  if (read_all_) return std::nullopt;
  return std::vector<std::string>(read_.begin(), read_.end());
}

}  // namespace ec::auth
