// Hostile key and type lists in requests (hostile_input.h) that name nothing
// stored: a list crafted to break out of its text[] literal, or not valid
// UTF-8, matches nothing and changes nothing.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "storage/types.h"
#include "tests/storage/pg/hostile_input.h"

namespace ec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(HostileInputTest, ArrayLiteralSmugglingMatchesNothing) {
  // If a key list were spliced into the text[] literal unescaped, each of
  // these would turn into (or add) the element edX+DemoX, which is stored.
  auto catalog = Bystander();
  const std::vector<std::string> smuggled = {
      "nope\",\"edX+DemoX",
      "nope\\\",\\\"edX+DemoX",
      "nope,edX+DemoX",
      "edX+DemoX\"}",
      "{\"edX+DemoX\"}",
      "{edX+DemoX}",
      "\"edX+DemoX\"",
      "edX+DemoX,",
      ",edX+DemoX",
      "edX+DemoX\\",
      "\"},{\"edX+DemoX",
      "nope\"}'::text[] || '{\"edX+DemoX",
      "edX+DemoX' OR '1'='1",
      "%",
      "edX+Demo_",
      "edX+%",
      "EDX+DEMOX",
      " edX+DemoX",
      "edX+DemoX ",
  };
  const Snapshot before = Take();
  EXPECT_THAT(Contained(catalog, smuggled), IsEmpty());
  EXPECT_THAT(Containing(smuggled), IsEmpty());
  auto rows = testing::ContentRows(store(), smuggled);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, IsEmpty());
  EXPECT_THAT(AllItems(catalog, smuggled, 100), IsEmpty());
  for (const auto& key : smuggled) {
    SCOPED_TRACE(key);
    EXPECT_THAT(Contained(catalog, {key}), IsEmpty());
    EXPECT_THAT(Containing({key}), IsEmpty());
  }

  // A content type smuggled the same way does not widen the type filter.
  storage::MetadataQuery q;
  q.catalog_uuid = catalog.uuid;
  q.content_types = {"program\",\"course", "program,course", "{course}",
                     "course\\", "%"};
  auto page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(page->items, IsEmpty());
  EXPECT_EQ(page->total_count, 0);
  q.content_types = {"course"};
  page = store().GetCatalogMetadata(q);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 1u);

  EXPECT_EQ(Take(), before);
}

TEST_F(HostileInputTest, InvalidUtf8IsRejectedNotMisread) {
  // The service rejects such keys upstream; the store must still fail
  // cleanly rather than match something or corrupt anything.
  auto catalog = Bystander();
  const Snapshot before = Take();
  const std::vector<std::string> bad = {"edX+DemoX\xFF", "\xC3",
                                        "\xED\xA0\x80"};  // lone surrogate
  for (const auto& key : bad) {
    auto contained = store().ContainedKeys(catalog.uuid, {key, "edX+DemoX"});
    if (contained.ok()) {
      EXPECT_THAT(contained->keys, ElementsAre("edX+DemoX"));
    } else {
      EXPECT_EQ(contained.status().code(), absl::StatusCode::kInvalidArgument)
          << contained.status();
    }
    auto hits = store().CatalogsContainingAny(kEnterprise, {key});
    if (hits.ok()) {
      EXPECT_THAT(*hits, IsEmpty());
    } else {
      EXPECT_EQ(hits.status().code(), absl::StatusCode::kInvalidArgument)
          << hits.status();
    }
  }
  EXPECT_EQ(Take(), before);
  // The pool recovered: the next call works.
  EXPECT_THAT(Contained(catalog, {"edX+DemoX"}), ElementsAre("edX+DemoX"));
}

}  // namespace
}  // namespace ec
