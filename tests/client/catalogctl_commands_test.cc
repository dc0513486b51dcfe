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

// The request `command` builds from `argv` and `base_json`, parsed as the
// RPC's request message `M` (so the JSON must be a valid request).
template <typename M>
absl::StatusOr<M> Request(const std::string& command,
                          const std::vector<std::string>& argv,
                          const std::string& base_json = "") {
  absl::StatusOr<Invocation> invocation = Parse(command, argv);
  if (!invocation.ok()) return invocation.status();
  absl::StatusOr<std::string> request = BuildRequest(*invocation, base_json);
  if (!request.ok()) return request.status();
  M parsed;
  if (auto status =
          google::protobuf::util::JsonStringToMessage(*request, &parsed);
      !status.ok()) {
    return absl::InternalError("not a valid request: " + *request);
  }
  return parsed;
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

TEST(CatalogctlCommandsTest, GetCatalogMetadataTakesActiveOnly) {
  const std::string uuid = "2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22";
  absl::StatusOr<v1::GetCatalogMetadataRequest> active =
      Request<v1::GetCatalogMetadataRequest>(
          "catalog-metadata", {"--catalog-uuid", uuid, "--active-only"});
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_EQ(active->catalog_uuid(), uuid);
  EXPECT_TRUE(active->active_only());

  absl::StatusOr<v1::GetCatalogMetadataRequest> off =
      Request<v1::GetCatalogMetadataRequest>(
          "get-catalog-metadata",
          {"--catalog-uuid", uuid, "--active-only=false"},
          R"({"activeOnly": true})");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->active_only()) << "the flag overrides --json";

  absl::StatusOr<v1::GetCatalogMetadataRequest> unset =
      Request<v1::GetCatalogMetadataRequest>("catalog-metadata",
                                             {"--catalog-uuid", uuid});
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_FALSE(unset->active_only());

  EXPECT_EQ(Parse("catalog-metadata", {"--active-only=yes"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(CommandHelp(*FindCommand("catalog-metadata")),
              HasSubstr("--active-only"));
}

TEST(CatalogctlCommandsTest, GetContentMetadataTakesCoerceToParentCourse) {
  absl::StatusOr<v1::GetContentMetadataRequest> coerced =
      Request<v1::GetContentMetadataRequest>(
          "content-metadata",
          {"--key", "course-v1:edX+DemoX+1T2026", "--coerce-to-parent-course",
           "--key", "edX+DemoX"});
  ASSERT_TRUE(coerced.ok()) << coerced.status();
  EXPECT_THAT(coerced->content_keys(),
              ElementsAre("course-v1:edX+DemoX+1T2026", "edX+DemoX"));
  EXPECT_TRUE(coerced->coerce_to_parent_course());

  absl::StatusOr<v1::GetContentMetadataRequest> plain =
      Request<v1::GetContentMetadataRequest>("get-content-metadata",
                                             {"--key", "edX+DemoX"});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->coerce_to_parent_course());

  EXPECT_EQ(Request<v1::GetContentMetadataRequest>(
                "content-metadata", {"--coerce-to-parent-course"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument)
      << "--key is still required";
  EXPECT_THAT(CommandHelp(*FindCommand("content-metadata")),
              HasSubstr("--coerce-to-parent-course"));
}

TEST(CatalogctlCommandsTest, UpsertEnterpriseCustomerSetsTheCustomer) {
  ASSERT_EQ(FindCommand("UpsertEnterpriseCustomer"),
            FindCommand("upsert-enterprise-customer"));
  const std::string uuid = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
  absl::StatusOr<v1::UpsertEnterpriseCustomerRequest> upsert =
      Request<v1::UpsertEnterpriseCustomerRequest>(
          "upsert-enterprise-customer",
          {"--uuid", uuid, "--slug=acme", "--name", "Acme Inc.",
           "--enable-learner-portal"});
  ASSERT_TRUE(upsert.ok()) << upsert.status();
  EXPECT_EQ(upsert->customer().uuid(), uuid);
  EXPECT_EQ(upsert->customer().slug(), "acme");
  EXPECT_EQ(upsert->customer().name(), "Acme Inc.");
  EXPECT_TRUE(upsert->customer().enable_learner_portal());

  // =false, and a flag over a --json customer in the other spelling.
  absl::StatusOr<v1::UpsertEnterpriseCustomerRequest> off =
      Request<v1::UpsertEnterpriseCustomerRequest>(
          "upsert-enterprise-customer",
          {"--enable-learner-portal=false", "--slug", "new"},
          R"({"customer": {"uuid": ")" + uuid +
              R"(", "enableLearnerPortal": true, "slug": "old"}})");
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ(off->customer().uuid(), uuid);
  EXPECT_EQ(off->customer().slug(), "new");
  EXPECT_FALSE(off->customer().enable_learner_portal());

  absl::StatusOr<Invocation> no_uuid =
      Parse("upsert-enterprise-customer", {"--slug", "acme"});
  ASSERT_TRUE(no_uuid.ok()) << no_uuid.status();
  absl::StatusOr<std::string> request = BuildRequest(*no_uuid, "");
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(),
            "upsert-enterprise-customer needs --uuid (or \"customer.uuid\" in "
            "--json)");

  const std::string help = CommandHelp(*no_uuid->command);
  EXPECT_THAT(help, HasSubstr("Calls UpsertEnterpriseCustomer."));
  EXPECT_THAT(help, HasSubstr("--enable-learner-portal"));
  EXPECT_THAT(help, HasSubstr("--slug SLUG"));
  EXPECT_THAT(help, HasSubstr("--name NAME"));
  EXPECT_THAT(CommandList(), HasSubstr("upsert-enterprise-customer"));
}

TEST(CatalogctlCommandsTest, GetEnterpriseCustomerNeedsAUuid) {
  ASSERT_EQ(FindCommand("GetEnterpriseCustomer"),
            FindCommand("get-enterprise-customer"));
  const std::string uuid = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
  absl::StatusOr<v1::GetEnterpriseCustomerRequest> get =
      Request<v1::GetEnterpriseCustomerRequest>("get-enterprise-customer",
                                                {"--uuid=" + uuid});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->uuid(), uuid);

  EXPECT_EQ(
      Request<v1::GetEnterpriseCustomerRequest>("get-enterprise-customer", {})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse("get-enterprise-customer", {"--uuid"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(CommandList(), HasSubstr("get-enterprise-customer"));
}

TEST(CatalogctlCommandsTest, GetCustomerContentMetadataTakesAnIdentifier) {
  ASSERT_EQ(FindCommand("GetCustomerContentMetadata"),
            FindCommand("get-customer-content-metadata"));
  ASSERT_EQ(FindCommand("customer-content-metadata"),
            FindCommand("get-customer-content-metadata"));
  const std::string enterprise = "6a5f3c1e-8b2d-4e7a-9c0f-1d3b5e7a9c24";
  absl::StatusOr<v1::GetCustomerContentMetadataRequest> coerced =
      Request<v1::GetCustomerContentMetadataRequest>(
          "get-customer-content-metadata",
          {"--enterprise-uuid", enterprise, "--content-identifier",
           "course-v1:edX+DemoX+1T2026", "--coerce-to-parent-course"});
  ASSERT_TRUE(coerced.ok()) << coerced.status();
  EXPECT_EQ(coerced->enterprise_uuid(), enterprise);
  EXPECT_EQ(coerced->content_identifier(), "course-v1:edX+DemoX+1T2026");
  EXPECT_TRUE(coerced->coerce_to_parent_course());

  absl::StatusOr<v1::GetCustomerContentMetadataRequest> plain =
      Request<v1::GetCustomerContentMetadataRequest>(
          "get-customer-content-metadata",
          {"--enterprise-uuid", enterprise, "--content-identifier=edX+DemoX"});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->content_identifier(), "edX+DemoX");
  EXPECT_FALSE(plain->coerce_to_parent_course());

  absl::StatusOr<Invocation> no_identifier =
      Parse("get-customer-content-metadata", {"--enterprise-uuid", enterprise});
  ASSERT_TRUE(no_identifier.ok()) << no_identifier.status();
  absl::StatusOr<std::string> request = BuildRequest(*no_identifier, "");
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(),
            "get-customer-content-metadata needs --content-identifier (or "
            "\"content_identifier\" in --json)");
  // --json may carry it instead, in either spelling.
  EXPECT_TRUE(
      BuildRequest(*no_identifier, R"({"contentIdentifier": "edX+DemoX"})")
          .ok());
  EXPECT_EQ(Request<v1::GetCustomerContentMetadataRequest>(
                "get-customer-content-metadata",
                {"--content-identifier", "edX+DemoX"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument)
      << "--enterprise-uuid is required";

  const std::string help = CommandHelp(*no_identifier->command);
  EXPECT_THAT(help, HasSubstr("Calls GetCustomerContentMetadata."));
  EXPECT_THAT(help, HasSubstr("--content-identifier ID"));
  EXPECT_THAT(help, HasSubstr("--coerce-to-parent-course"));
  EXPECT_THAT(CommandList(), HasSubstr("get-customer-content-metadata"));
}

TEST(CatalogctlCommandsTest, DiffCatalogContentTakesRepeatedKeys) {
  ASSERT_EQ(FindCommand("DiffCatalogContent"),
            FindCommand("diff-catalog-content"));
  const std::string uuid = "2f5c8b3d-6e9a-4b4f-8c7d-1a3e5b7d9f22";
  absl::StatusOr<v1::DiffCatalogContentRequest> diff =
      Request<v1::DiffCatalogContentRequest>(
          "diff-catalog-content",
          {"--catalog-uuid", uuid, "--key", "edX+DemoX", "--key=HarvardX+CS50P",
           "--key", "edX+DemoX"});
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->catalog_uuid(), uuid);
  // In flag order, duplicates kept: the server collapses them.
  EXPECT_THAT(diff->content_keys(),
              ElementsAre("edX+DemoX", "HarvardX+CS50P", "edX+DemoX"));

  // No keys is a valid question (the caller holds nothing).
  absl::StatusOr<v1::DiffCatalogContentRequest> none =
      Request<v1::DiffCatalogContentRequest>("diff-catalog-content",
                                             {"--catalog-uuid", uuid});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->content_keys().empty());

  absl::StatusOr<Invocation> no_catalog =
      Parse("diff-catalog-content", {"--key", "edX+DemoX"});
  ASSERT_TRUE(no_catalog.ok()) << no_catalog.status();
  absl::StatusOr<std::string> request = BuildRequest(*no_catalog, "");
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(request.status().message(),
            "diff-catalog-content needs --catalog-uuid (or \"catalog_uuid\" "
            "in --json)");

  const std::string help = CommandHelp(*no_catalog->command);
  EXPECT_THAT(help, HasSubstr("Calls DiffCatalogContent."));
  EXPECT_THAT(help, HasSubstr("--key KEY"));
  EXPECT_THAT(CommandList(), HasSubstr("diff-catalog-content"));
}

}  // namespace
}  // namespace ec::client
