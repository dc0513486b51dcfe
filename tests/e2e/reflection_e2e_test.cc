// What grpcurl does, done in C++: a client that knows nothing of our protos
// learns the whole API through gRPC server reflection, then calls it.
//
// The server is the real `enterprise-catalog serve` process on a real
// database, with authentication on. It has to be the real binary: reflection
// answers from the descriptors linked into the serving process, and this test
// binary links more than the server does, so an in-process server could find
// a descriptor here that the shipped binary lacks.
//
// The client side uses no generated code of ours. It speaks the reflection
// protocol with hand-encoded messages (Debian ships no reflection.proto
// header), loads the served FileDescriptorProtos into a fresh DescriptorPool,
// builds requests from JSON with DynamicMessageFactory and sends their bytes
// through grpc::GenericStub, as grpcurl does.
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/reflection_client.h"

namespace ec::testing {
namespace {

namespace pb = ::google::protobuf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;

TEST_F(ReflectionTest, ListServicesNamesEveryService) {
  ReflectionStream stream(channel());
  const std::vector<std::string> services = ListServices(stream);
  std::cout << "[grpcurl-like] list\n" << Join(services);
  EXPECT_THAT(services, IsSupersetOf({std::string(kCatalogService),
                                      std::string(kHealthService),
                                      std::string(kReflectionService)}));
  EXPECT_TRUE(stream.Close().ok());
}

TEST_F(ReflectionTest, EveryListedServiceResolvesFromReflectedFilesAlone) {
  ReflectionStream stream(channel());
  const std::vector<std::string> services = ListServices(stream);
  ASSERT_FALSE(services.empty());
  const std::unique_ptr<Schema> schema = FetchSchema(stream, services);
  EXPECT_TRUE(stream.Close().ok());

  std::vector<std::string> names;
  for (const auto& [name, file] : schema->files) names.push_back(name);
  std::cout << "[grpcurl-like] files served:\n" << Join(names);
  EXPECT_THAT(schema->problems, IsEmpty()) << Join(schema->problems);
  // Every file, dependencies included, was built from the served bytes.
  for (const std::string& name : names) {
    EXPECT_NE(schema->pool.FindFileByName(name), nullptr) << name;
  }
  // Dependencies were each asked for by name, and none went unserved.
  EXPECT_THAT(names, IsSupersetOf(schema->requested_by_name));
  EXPECT_THAT(names,
              IsSupersetOf({std::string("google/protobuf/struct.proto"),
                            std::string("google/protobuf/timestamp.proto"),
                            std::string("google/protobuf/field_mask.proto")}));

  const pb::ServiceDescriptor* catalog =
      schema->pool.FindServiceByName(kCatalogService);
  ASSERT_NE(catalog, nullptr);
  EXPECT_GT(catalog->method_count(), 0);
  for (const std::string& name : services) {
    const pb::ServiceDescriptor* service = schema->pool.FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      std::cout << "  " << method->full_name() << "("
                << method->input_type()->full_name() << ") returns ("
                << method->output_type()->full_name() << ")\n";
    }
  }
}

// The check above can fail: without one dependency, the files that import it
// do not build and the service does not resolve.
TEST_F(ReflectionTest, AFileMissingFromTheServedSetIsNoticed) {
  ReflectionStream stream(channel());
  const std::unique_ptr<Schema> schema =
      FetchSchema(stream, {kCatalogService}, {"google/protobuf/struct.proto"});
  EXPECT_TRUE(stream.Close().ok());
  const std::string problems = Join(schema->problems);
  EXPECT_THAT(problems, HasSubstr("enterprise_catalog/v1/catalog.proto: "
                                  "BuildFile failed"));
  EXPECT_THAT(problems, HasSubstr("google/protobuf/struct.proto"));
  EXPECT_THAT(problems, HasSubstr(std::string(kCatalogService) +
                                  ": no such service in the reflected files"));
}

TEST_F(ReflectionTest, CatalogCallsBuiltFromReflectedDescriptorsSucceed) {
  ReflectionStream stream(channel());
  const std::unique_ptr<Schema> schema = FetchSchema(stream, {kCatalogService});
  EXPECT_TRUE(stream.Close().ok());
  ASSERT_THAT(schema->problems, IsEmpty()) << Join(schema->problems);
  const pb::ServiceDescriptor* service =
      schema->pool.FindServiceByName(kCatalogService);
  ASSERT_NE(service, nullptr);
  auto method = [&](const std::string& name) {
    const pb::MethodDescriptor* found = service->FindMethodByName(name);
    EXPECT_NE(found, nullptr) << name;
    return found;
  };
  const pb::MethodDescriptor* create = method("CreateCatalog");
  const pb::MethodDescriptor* get = method("GetCatalog");
  const pb::MethodDescriptor* list = method("ListCatalogs");
  const pb::MethodDescriptor* update = method("UpdateCatalog");
  const pb::MethodDescriptor* remove = method("DeleteCatalog");
  ASSERT_TRUE(create && get && list && update && remove);
  pb::DynamicMessageFactory factory(&schema->pool);
  const std::string enterprise = kEnterprise;

  const DynamicCall created = CallWithJson(
      channel(), factory, create,
      R"({"catalog": {"title": "Reflected: Python", "enterprise_uuid": ")" +
          enterprise + R"(", "enterprise_name": "Reflection Test Co.",
           "content_filter": {"content_type": "course", "search_all": "python"},
           "enabled_course_modes": ["verified", "audit"],
           "publish_audit_enrollment_urls": true}})",
      *token_);
  ASSERT_TRUE(created.status.ok()) << created.status.error_message();
  const pb::Message& catalog = *created.response;
  EXPECT_EQ(catalog.GetDescriptor(), create->output_type());
  const std::string uuid = StringField(catalog, "uuid");
  EXPECT_THAT(uuid, MatchesRegex(kUuidV4Pattern));
  EXPECT_EQ(StringField(catalog, "title"), "Reflected: Python");
  EXPECT_EQ(StringField(catalog, "enterprise_uuid"), enterprise);
  EXPECT_THAT(StringField(catalog, "catalog_query_uuid"),
              MatchesRegex(kUuidV4Pattern));
  EXPECT_THAT(StringField(catalog, "content_filter_hash"),
              MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(RepeatedSize(catalog, "enabled_course_modes"), 2);
  EXPECT_THAT(created.json, HasSubstr(R"("title": "Reflected: Python")"));
  EXPECT_THAT(created.json, HasSubstr(R"("search_all": "python")"));
  EXPECT_THAT(created.json, HasSubstr(R"("created": ")"));

  const DynamicCall got = CallWithJson(
      channel(), factory, get, R"({"uuid": ")" + uuid + R"("})", *token_);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_EQ(StringField(*got.response, "uuid"), uuid);
  EXPECT_EQ(StringField(*got.response, "title"), "Reflected: Python");
  EXPECT_THAT(got.json, HasSubstr(R"("content_type": "course")"));

  const DynamicCall listed = CallWithJson(
      channel(), factory, list,
      R"({"enterprise_uuid": ")" + enterprise + R"(", "page_size": 10})",
      *token_);
  ASSERT_TRUE(listed.status.ok()) << listed.status.error_message();
  ASSERT_EQ(RepeatedSize(*listed.response, "catalogs"), 1);
  const pb::Message& first =
      listed.response->GetReflection()->GetRepeatedMessage(
          *listed.response, Field(*listed.response, "catalogs"), 0);
  EXPECT_EQ(StringField(first, "uuid"), uuid);

  // A FieldMask in its JSON string form, resolved from the reflected
  // google/protobuf/field_mask.proto.
  const DynamicCall updated = CallWithJson(
      channel(), factory, update,
      R"({"catalog": {"uuid": ")" + uuid +
          R"(", "title": "Reflected: Linux"}, "update_mask": "title"})",
      *token_);
  ASSERT_TRUE(updated.status.ok()) << updated.status.error_message();
  EXPECT_EQ(StringField(*updated.response, "title"), "Reflected: Linux");
  EXPECT_EQ(StringField(*updated.response, "catalog_query_uuid"),
            StringField(catalog, "catalog_query_uuid"));

  // Without a token, a call built the same way is refused.
  const DynamicCall anonymous = CallWithJson(
      channel(), factory, get, R"({"uuid": ")" + uuid + R"("})", std::nullopt);
  EXPECT_EQ(anonymous.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << anonymous.status.error_message();

  const DynamicCall deleted = CallWithJson(
      channel(), factory, remove, R"({"uuid": ")" + uuid + R"("})", *token_);
  ASSERT_TRUE(deleted.status.ok()) << deleted.status.error_message();
  EXPECT_EQ(CallWithJson(channel(), factory, get,
                         R"({"uuid": ")" + uuid + R"("})", *token_)
                .status.error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReflectionTest, HealthCheckBuiltFromReflectedDescriptorsSaysServing) {
  ReflectionStream stream(channel());
  const std::unique_ptr<Schema> schema = FetchSchema(stream, {kHealthService});
  EXPECT_TRUE(stream.Close().ok());
  ASSERT_THAT(schema->problems, IsEmpty()) << Join(schema->problems);
  const pb::ServiceDescriptor* service =
      schema->pool.FindServiceByName(kHealthService);
  ASSERT_NE(service, nullptr);
  const pb::MethodDescriptor* check = service->FindMethodByName("Check");
  ASSERT_NE(check, nullptr);
  pb::DynamicMessageFactory factory(&schema->pool);
  // No token: health checking is open, as for Kubernetes probes.
  const DynamicCall health =
      CallWithJson(channel(), factory, check, "{}", std::nullopt);
  ASSERT_TRUE(health.status.ok()) << health.status.error_message();
  const pb::FieldDescriptor* status = Field(*health.response, "status");
  ASSERT_NE(status, nullptr);
  ASSERT_EQ(status->type(), pb::FieldDescriptor::TYPE_ENUM);
  EXPECT_EQ(health.response->GetReflection()
                ->GetEnum(*health.response, status)
                ->name(),
            "SERVING");
  EXPECT_THAT(health.json, HasSubstr(R"("status": "SERVING")"));
}

}  // namespace
}  // namespace ec::testing
