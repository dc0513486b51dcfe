// catalogctl's subcommands without a server: that they cover the service,
// and how flags become the request. tests/e2e/catalogctl_e2e_test.cc runs
// them against a live server.
#include "client/catalogctl_commands.h"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "enterprise_catalog/v1/catalog_service.pb.h"

namespace ec::client {
namespace {

namespace v1 = ::enterprise_catalog::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The flags of `argv` (after the subcommand), as catalogctl parses them.
absl::StatusOr<Invocation> Parse(const std::string& command,
                                 const std::vector<std::string>& argv) {
  Invocation invocation;
  invocation.command = FindCommand(command);
  if (invocation.command == nullptr) {
    return absl::NotFoundError("no command " + command);
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::StatusOr<bool> parsed = ParseCommandFlag(argv, &i, &invocation);
    if (!parsed.ok()) return parsed.status();
    if (!*parsed) return absl::InvalidArgumentError("unknown " + argv[i]);
  }
  return invocation;
}

TEST(CatalogctlCommandsTest, EveryRpcHasOneSubcommandInServiceOrder) {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCatalogRequest::descriptor()->file()->FindServiceByName(
          "EnterpriseCatalogService");
  ASSERT_NE(service, nullptr);
  std::vector<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    methods.push_back(service->method(i)->name());
  }
  std::vector<std::string> commanded;
  for (const CommandSpec& command : Commands()) {
    commanded.emplace_back(command.method);
  }
  EXPECT_EQ(commanded, methods);
}

TEST(CatalogctlCommandsTest, NotifyContentChangedTakesRepeatedContentKeys) {
  ASSERT_EQ(FindCommand("NotifyContentChanged"),
            FindCommand("notify-content-changed"));
  absl::StatusOr<Invocation> invocation =
      Parse("notify-content-changed",
            {"--content-key", "edX+DemoX", "--content-key=course-v1:edX+A+1"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  absl::StatusOr<std::string> request = BuildRequest(*invocation, "");
  ASSERT_TRUE(request.ok()) << request.status();

  // The JSON is a valid request of the RPC, with the keys in flag order.
  v1::NotifyContentChangedRequest parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*request, &parsed).ok())
      << *request;
  EXPECT_THAT(parsed.content_keys(),
              ElementsAre("edX+DemoX", "course-v1:edX+A+1"));
}

TEST(CatalogctlCommandsTest, NotifyContentChangedNeedsAKey) {
  absl::StatusOr<Invocation> none = Parse("notify-content-changed", {});
  ASSERT_TRUE(none.ok());
  absl::StatusOr<std::string> request = BuildRequest(*none, "");
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(),
            "notify-content-changed needs --content-key (or \"content_keys\" "
            "in --json)");
  // --json may carry them instead, in either spelling.
  EXPECT_TRUE(BuildRequest(*none, R"({"contentKeys": ["edX+DemoX"]})").ok());
  EXPECT_EQ(Parse("notify-content-changed", {"--content-key"}).status().code(),
            absl::StatusCode::kInvalidArgument);

  const std::string help = CommandHelp(*none->command);
  EXPECT_THAT(help, HasSubstr("Calls NotifyContentChanged."));
  EXPECT_THAT(help, HasSubstr("--content-key KEY"));
  EXPECT_THAT(CommandList(), HasSubstr("notify-content-changed"));
}

TEST(CatalogctlCommandsTest, GetCatalogQueryTakesAUuidOrAHash) {
  ASSERT_EQ(FindCommand("GetCatalogQuery"), FindCommand("get-catalog-query"));
  const std::string hash = "0123456789abcdef0123456789abcdef";
  absl::StatusOr<Invocation> by_hash =
      Parse("get-catalog-query", {"--hash", hash});
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  absl::StatusOr<std::string> request = BuildRequest(*by_hash, "");
  ASSERT_TRUE(request.ok()) << request.status();
  v1::GetCatalogQueryRequest parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*request, &parsed).ok())
      << *request;
  EXPECT_EQ(parsed.content_filter_hash(), hash);

  const std::string uuid = "2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22";
  absl::StatusOr<Invocation> by_uuid =
      Parse("get-catalog-query", {"--uuid=" + uuid});
  ASSERT_TRUE(by_uuid.ok()) << by_uuid.status();
  request = BuildRequest(*by_uuid, "");
  ASSERT_TRUE(request.ok()) << request.status();
  parsed.Clear();
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*request, &parsed).ok())
      << *request;
  EXPECT_EQ(parsed.uuid(), uuid);

  const std::string help = CommandHelp(*by_uuid->command);
  EXPECT_THAT(help, HasSubstr("Calls GetCatalogQuery."));
  EXPECT_THAT(help, HasSubstr("--hash HASH"));
  EXPECT_THAT(CommandList(), HasSubstr("get-catalog-query"));
}

TEST(CatalogctlCommandsTest, HashContentFilterNeedsAFilter) {
  absl::StatusOr<Invocation> invocation = Parse(
      "hash-content-filter", {"--filter", R"({"content_type": "course"})"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  absl::StatusOr<std::string> request = BuildRequest(*invocation, "");
  ASSERT_TRUE(request.ok()) << request.status();
  v1::HashContentFilterRequest parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*request, &parsed).ok())
      << *request;
  EXPECT_EQ(parsed.content_filter().fields().at("content_type").string_value(),
            "course");

  absl::StatusOr<Invocation> none = Parse("hash-content-filter", {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(BuildRequest(*none, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ec::client
