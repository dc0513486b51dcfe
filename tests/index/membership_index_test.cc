// The in-memory membership snapshot's rules, on a hand-made snapshot. The
// differential test against PostgreSQL's answers is
// tests/storage/pg/membership_index_pgtest.cc.
#include "index/membership_index.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ec::index {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kEnterprise1[] = "11111111-1111-4111-8111-111111111111";
constexpr char kEnterprise2[] = "22222222-2222-4222-8222-222222222222";
constexpr char kCatalogA[] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
constexpr char kCatalogB[] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
constexpr char kCatalogC[] = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

// Course C1 with runs R1a and R1b, course C2 with run R2, program P.
// Query 1 holds C1 and R2, query 2 holds R1a, query 3 nothing.
// Enterprise 1 has catalogs A (query 1) then B (query 2); enterprise 2 has C.
std::shared_ptr<const MembershipSnapshot> Snapshot() {
  MembershipSnapshot::Builder b;
  b.AddContent("C1", "");
  b.AddContent("R1a", "C1");
  b.AddContent("R1b", "C1");
  b.AddContent("C2", "");
  b.AddContent("R2", "C2");
  b.AddContent("P", "");
  b.AddMember(1, "R2");
  b.AddMember(1, "C1");
  b.AddMember(2, "R1a");
  b.AddCatalog(kCatalogA, kEnterprise1, 1);
  b.AddCatalog(kCatalogB, kEnterprise1, 2);
  b.AddCatalog(kCatalogC, kEnterprise2, 3);
  return std::move(b).Build();
}

TEST(MembershipSnapshotTest, AKeyItsParentOrAnyChildMakesItContained) {
  const auto s = Snapshot();
  auto a = s->ContainedKeys(
      kCatalogA, {"C1", "R1a", "R1b", "C2", "R2", "P", "nothing", "C1"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->enterprise_uuid, kEnterprise1);
  // C1 and R2 are members; R1a and R1b are runs of C1; C2 has run R2. A
  // key asked twice comes back once.
  EXPECT_THAT(a->keys, ElementsAre("C1", "R1a", "R1b", "C2", "R2"));

  auto b = s->ContainedKeys(kCatalogB, {"C1", "R1a", "R1b", "C2"});
  ASSERT_TRUE(b.has_value());
  // C1 through its run R1a; R1b's course is not a member of query 2, and a
  // sibling run does not count.
  EXPECT_THAT(b->keys, ElementsAre("C1", "R1a"));
}

TEST(MembershipSnapshotTest, ACatalogWithoutMembersContainsNothing) {
  const auto c = Snapshot()->ContainedKeys(kCatalogC, {"C1", "R1a"});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->enterprise_uuid, kEnterprise2);
  EXPECT_THAT(c->keys, IsEmpty());
}

TEST(MembershipSnapshotTest, AnUnknownCatalogOrEnterpriseIsNotAnswered) {
  const auto s = Snapshot();
  EXPECT_FALSE(s->ContainedKeys("dddddddd-dddd-4ddd-8ddd-dddddddddddd", {"C1"})
                   .has_value());
  EXPECT_FALSE(
      s->CatalogsContainingAny("33333333-3333-4333-8333-333333333333", {"C1"})
          .has_value());
}

TEST(MembershipSnapshotTest, CustomerCatalogsComeInCreationOrder) {
  const auto s = Snapshot();
  EXPECT_THAT(*s->CatalogsContainingAny(kEnterprise1, {"C1"}),
              ElementsAre(kCatalogA, kCatalogB));
  EXPECT_THAT(*s->CatalogsContainingAny(kEnterprise1, {"R1b"}),
              ElementsAre(kCatalogA));
  EXPECT_THAT(*s->CatalogsContainingAny(kEnterprise1, {"P", "nothing"}),
              IsEmpty());
  EXPECT_THAT(*s->CatalogsContainingAny(kEnterprise2, {"C1", "R2"}), IsEmpty());
}

TEST(MembershipSnapshotTest, CountsWhatItHolds) {
  const auto s = Snapshot();
  EXPECT_EQ(s->content_keys(), 6u);
  EXPECT_EQ(s->membership_rows(), 3u);
  EXPECT_EQ(s->catalogs(), 3u);
  // At least the three member ids and the six parents.
  EXPECT_GE(s->MemoryBytes(), 9 * sizeof(uint32_t));
}

TEST(MembershipSnapshotTest, AQueryIsSwappedByANewerVersionOnly) {
  const auto s = Snapshot();
  // Query 2 now holds R1b and a new run NEW of C2, at version 5.
  const auto next = s->WithQuery(2, 5, {"R1b", "NEW"}, {{"NEW", "C2"}});
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->QueryVersion(2), 5);
  auto b = next->ContainedKeys(kCatalogB, {"C1", "R1a", "R1b", "C2", "NEW"});
  ASSERT_TRUE(b.has_value());
  EXPECT_THAT(b->keys, ElementsAre("C1", "R1b", "C2", "NEW"));
  EXPECT_EQ(next->content_keys(), 7u);
  EXPECT_EQ(next->membership_rows(), 4u);
  // Query 1 and the original snapshot are as they were.
  EXPECT_THAT(next->ContainedKeys(kCatalogA, {"C1", "R2"})->keys,
              ElementsAre("C1", "R2"));
  EXPECT_THAT(s->ContainedKeys(kCatalogB, {"R1a", "NEW"})->keys,
              ElementsAre("R1a"));
  EXPECT_EQ(s->QueryVersion(2), 0);
  // A late notification (an older or the same version) changes nothing.
  EXPECT_EQ(next->WithQuery(2, 4, {"R1a"}, {}), nullptr);
  EXPECT_EQ(next->WithQuery(2, 5, {"R1a"}, {}), nullptr);
  // A run moved to another course: the link changes what it stands for.
  const auto moved = next->WithQuery(1, 1, {"C1"}, {{"R2", "C1"}});
  ASSERT_NE(moved, nullptr);
  EXPECT_THAT(moved->ContainedKeys(kCatalogA, {"R2", "C2"})->keys,
              ElementsAre("R2"));
}

TEST(MembershipSnapshotTest,
     AnEnterprisesCatalogsAreReplacedAsTheDatabaseHasThem) {
  const auto s = Snapshot();
  const std::string created = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";
  // Catalog D created on query 1; B deleted; C moved here from enterprise 2.
  const auto next = s->WithEnterpriseCatalogs(
      kEnterprise1, {{kCatalogA, 1}, {kCatalogC, 2}, {created, 1}});
  EXPECT_EQ(next->EnterpriseOf(kCatalogC), kEnterprise1);
  EXPECT_EQ(next->EnterpriseOf(kCatalogB), "");
  EXPECT_FALSE(next->ContainedKeys(kCatalogB, {"R1a"}).has_value());
  auto d = next->ContainedKeys(created, {"C1", "R1a", "P"});
  ASSERT_TRUE(d.has_value());
  EXPECT_THAT(d->keys, ElementsAre("C1", "R1a"));
  // C now answers with query 2's members, under its new enterprise.
  auto c = next->ContainedKeys(kCatalogC, {"C1", "R2"});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->enterprise_uuid, kEnterprise1);
  EXPECT_THAT(c->keys, ElementsAre("C1"));
  EXPECT_THAT(*next->CatalogsContainingAny(kEnterprise1, {"R1a"}),
              ElementsAre(kCatalogA, kCatalogC, created));
  // Enterprise 2 lost its only catalog: not known any more, so the caller
  // asks the database.
  EXPECT_FALSE(next->CatalogsContainingAny(kEnterprise2, {"C1"}).has_value());
  EXPECT_EQ(next->catalogs(), 3u);

  // All of an enterprise's catalogs deleted.
  const auto emptied = next->WithEnterpriseCatalogs(kEnterprise1, {});
  EXPECT_EQ(emptied->catalogs(), 0u);
  EXPECT_FALSE(emptied->ContainedKeys(kCatalogA, {"C1"}).has_value());
  // The snapshots before are untouched.
  EXPECT_EQ(s->EnterpriseOf(kCatalogC), kEnterprise2);
  EXPECT_TRUE(s->ContainedKeys(kCatalogB, {"R1a"}).has_value());
  EXPECT_EQ(next->catalogs(), 3u);
}

}  // namespace
}  // namespace ec::index
