#include "auth/principal.h"

#include "gtest/gtest.h"

namespace ec::auth {
namespace {

constexpr char kA[] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
constexpr char kB[] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

TEST(PrincipalTest, LearnerReadsOnlyTheirEnterprise) {
  const Principal p =
      Principal::FromRoles("l", {"enterprise_learner:" + std::string(kA)});
  EXPECT_TRUE(p.CanRead(kA));
  EXPECT_FALSE(p.CanAdmin(kA));
  EXPECT_FALSE(p.CanRead(kB));
  EXPECT_FALSE(p.CanReadGlobal());
  EXPECT_FALSE(p.CanNotifyContentChanged());
  EXPECT_EQ(p.ReadableEnterprises(), std::vector<std::string>{kA});
}

TEST(PrincipalTest, AdminRolesAdministerTheirEnterprise) {
  for (const char* role : {"enterprise_catalog_admin", "enterprise_admin"}) {
    const Principal p =
        Principal::FromRoles("a", {std::string(role) + ":" + kA});
    EXPECT_TRUE(p.CanRead(kA)) << role;
    EXPECT_TRUE(p.CanAdmin(kA)) << role;
    EXPECT_FALSE(p.CanAdmin(kB)) << role;
    EXPECT_FALSE(p.CanRead(kB)) << role;
    EXPECT_FALSE(p.CanReadGlobal()) << role;
  }
}

TEST(PrincipalTest, WildcardAdminCoversEveryEnterpriseButNotGlobalContent) {
  const Principal p = Principal::FromRoles("a", {"enterprise_catalog_admin:*"});
  EXPECT_TRUE(p.CanAdmin(kB));
  EXPECT_EQ(p.ReadableEnterprises(), std::nullopt);
  EXPECT_FALSE(p.CanReadGlobal());
  EXPECT_FALSE(p.CanNotifyContentChanged());
}

TEST(PrincipalTest, OperatorDoesEverything) {
  const Principal p =
      Principal::FromRoles("o", {"enterprise_openedx_operator:*"});
  EXPECT_TRUE(p.CanAdmin(kA));
  EXPECT_TRUE(p.CanRead(kB));
  EXPECT_TRUE(p.CanReadGlobal());
  EXPECT_TRUE(p.CanNotifyContentChanged());
}

TEST(PrincipalTest, ServiceRoleReadsEverythingAndChangesNothing) {
  const Principal p =
      Principal::FromRoles("s", {"enterprise_catalog_service:*"});
  EXPECT_TRUE(p.CanRead(kA));
  EXPECT_TRUE(p.CanReadGlobal());
  EXPECT_FALSE(p.CanAdmin(kA));
  // Publish events come from the platform's services.
  EXPECT_TRUE(p.CanNotifyContentChanged());
}

TEST(PrincipalTest, ContextsAreNormalizedAndJunkGrantsNothing) {
  std::string upper(kA);
  for (char& c : upper) c = static_cast<char>(toupper(c));
  const Principal p = Principal::FromRoles(
      "x", {"enterprise_admin:" + upper, "enterprise_admin",
            "enterprise_admin:", "enterprise_admin:not-a-uuid",
            "enterprise_admin:* ", "superuser:*", ":*",
            "enterprise_learner:" + std::string(kB) + "x",
            "enterprise_provisioning_admin:*"});
  EXPECT_TRUE(p.CanAdmin(kA));  // upper-case context, normalized
  EXPECT_FALSE(p.CanRead(kB));
  EXPECT_FALSE(p.CanReadGlobal());
  EXPECT_EQ(p.ReadableEnterprises(), std::vector<std::string>{kA});
  EXPECT_EQ(p.roles().size(), 9u);  // kept as presented, for the audit log
}

TEST(PrincipalTest, NoRolesNoAccess) {
  const Principal p = Principal::FromRoles("n", {});
  EXPECT_FALSE(p.CanRead(kA));
  EXPECT_EQ(p.ReadableEnterprises(), std::vector<std::string>{});
}

}  // namespace
}  // namespace ec::auth
