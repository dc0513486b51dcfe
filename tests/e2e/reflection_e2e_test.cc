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
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/pg_test_db.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

namespace pb = ::google::protobuf;
using ec::testing::ReadFile;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;
using WireFormat = pb::internal::WireFormatLite;

constexpr char kCatalogService[] =
    "enterprise_catalog.v1.EnterpriseCatalogService";
constexpr char kHealthService[] = "grpc.health.v1.Health";
constexpr char kReflectionService[] =
    "grpc.reflection.v1alpha.ServerReflection";
constexpr char kReflectionInfo[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

constexpr char kEnterprise[] = "5e1f0c3a-7b2d-4c8e-9a6f-0d4b2c8e6a17";
constexpr char kUuidV4Pattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// Field numbers from the gRPC server reflection protocol,
// grpc/reflection/v1alpha/reflection.proto. They are all this client knows
// of it.
namespace reflection_protocol {
// ServerReflectionRequest (oneof message_request).
constexpr int kRequestFileByFilename = 3;
constexpr int kRequestFileContainingSymbol = 4;
constexpr int kRequestListServices = 7;
// ServerReflectionResponse (oneof message_response).
constexpr int kResponseFileDescriptor = 4;
constexpr int kResponseListServices = 6;
constexpr int kResponseError = 7;
// FileDescriptorResponse: repeated bytes file_descriptor_proto.
constexpr int kFileDescriptorProto = 1;
// ListServiceResponse: repeated ServiceResponse service.
constexpr int kListedService = 1;
// ServiceResponse: string name.
constexpr int kServiceName = 1;
// ErrorResponse: int32 error_code, string error_message.
constexpr int kErrorCode = 1;
constexpr int kErrorMessage = 2;
}  // namespace reflection_protocol
namespace rp = reflection_protocol;

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A ServerReflectionRequest with one string field of the oneof set.
std::string ReflectionRequest(int field, const std::string& value) {
  std::string out;
  {
    pb::io::StringOutputStream raw(&out);
    pb::io::CodedOutputStream coded(&raw);
    coded.WriteTag(
        WireFormat::MakeTag(field, WireFormat::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(value.size()));
    coded.WriteString(value);
  }
  return out;
}

// The length-delimited fields numbered `number` of a message, in order.
std::vector<std::string> LengthDelimited(const pb::UnknownFieldSet& message,
                                         int number) {
  std::vector<std::string> out;
  for (int i = 0; i < message.field_count(); ++i) {
    const pb::UnknownField& field = message.field(i);
    if (field.number() == number &&
        field.type() == pb::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(field.length_delimited());
    }
  }
  return out;
}

// Null if `bytes` is not a protobuf message.
std::unique_ptr<pb::UnknownFieldSet> ParseUnknown(const std::string& bytes) {
  auto message = std::make_unique<pb::UnknownFieldSet>();
  if (!message->ParseFromString(bytes)) return nullptr;
  return message;
}

// One decoded ServerReflectionResponse. `status` is not OK for an
// error_response, a broken stream or undecodable bytes.
struct ReflectionReply {
  grpc::Status status;
  std::vector<std::string> services;  // list_services_response
  std::vector<std::string> files;     // serialized FileDescriptorProtos
};

ReflectionReply DecodeReflectionResponse(const std::string& bytes) {
  ReflectionReply reply;
  const auto response = ParseUnknown(bytes);
  if (!response) {
    reply.status = grpc::Status(grpc::StatusCode::INTERNAL,
                                "undecodable ServerReflectionResponse");
    return reply;
  }
  for (const std::string& error :
       LengthDelimited(*response, rp::kResponseError)) {
    const auto fields = ParseUnknown(error);
    int code = grpc::StatusCode::UNKNOWN;
    std::string message;
    for (int i = 0; fields && i < fields->field_count(); ++i) {
      const pb::UnknownField& field = fields->field(i);
      if (field.number() == rp::kErrorCode &&
          field.type() == pb::UnknownField::TYPE_VARINT) {
        code = static_cast<int>(field.varint());
      }
      if (field.number() == rp::kErrorMessage &&
          field.type() == pb::UnknownField::TYPE_LENGTH_DELIMITED) {
        message = field.length_delimited();
      }
    }
    reply.status = grpc::Status(static_cast<grpc::StatusCode>(code),
                                "reflection: " + message);
  }
  for (const std::string& list :
       LengthDelimited(*response, rp::kResponseListServices)) {
    const auto services = ParseUnknown(list);
    if (!services) continue;
    for (const std::string& service :
         LengthDelimited(*services, rp::kListedService)) {
      const auto fields = ParseUnknown(service);
      if (!fields) continue;
      for (const std::string& name :
           LengthDelimited(*fields, rp::kServiceName)) {
        reply.services.push_back(name);
      }
    }
  }
  for (const std::string& files :
       LengthDelimited(*response, rp::kResponseFileDescriptor)) {
    const auto fields = ParseUnknown(files);
    if (!fields) continue;
    for (const std::string& file :
         LengthDelimited(*fields, rp::kFileDescriptorProto)) {
      reply.files.push_back(file);
    }
  }
  return reply;
}

// One ServerReflectionInfo stream, used as grpcurl uses it: one request,
// then its response, then the next request.
class ReflectionStream {
 public:
  explicit ReflectionStream(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(channel) {
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    call_ = stub_.PrepareCall(&context_, kReflectionInfo, &queue_);
    call_->StartCall(Tag(kStart));
    open_ = Await(kStart);
  }

  ReflectionStream(const ReflectionStream&) = delete;
  ReflectionStream& operator=(const ReflectionStream&) = delete;

  ~ReflectionStream() {
    if (!finished_) {
      context_.TryCancel();
      grpc::Status ignored;
      call_->Finish(&ignored, Tag(kFinish));
      Await(kFinish);
    }
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  ReflectionReply Ask(const std::string& request) {
    if (open_) {
      call_->Write(ToBuffer(request), Tag(kWrite));
      open_ = Await(kWrite);
    }
    grpc::ByteBuffer response;
    if (open_) {
      call_->Read(&response, Tag(kRead));
      open_ = Await(kRead);
    }
    if (!open_) {
      ReflectionReply broken;
      broken.status = Close();
      if (broken.status.ok()) {
        broken.status = grpc::Status(grpc::StatusCode::INTERNAL,
                                     "reflection stream ended early");
      }
      return broken;
    }
    return DecodeReflectionResponse(ToBytes(response));
  }

  // Half-closes and returns the stream's final status.
  grpc::Status Close() {
    if (finished_) return final_status_;
    call_->WritesDone(Tag(kWritesDone));
    Await(kWritesDone);
    call_->Finish(&final_status_, Tag(kFinish));
    Await(kFinish);
    finished_ = true;
    open_ = false;
    return final_status_;
  }

 private:
  enum Step : intptr_t { kStart = 1, kWrite, kRead, kWritesDone, kFinish };
  static void* Tag(Step step) { return reinterpret_cast<void*>(step); }

  bool Await(Step step) {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue_.Next(&tag, &ok));
    EXPECT_EQ(tag, Tag(step));
    return ok;
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue queue_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool open_ = false;
  bool finished_ = false;
  grpc::Status final_status_;
};

std::vector<std::string> ListServices(ReflectionStream& stream) {
  const ReflectionReply reply =
      stream.Ask(ReflectionRequest(rp::kRequestListServices, ""));
  EXPECT_TRUE(reply.status.ok()) << reply.status.error_message();
  return reply.services;
}

class CollectErrors : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    errors_ += filename + " (" + element_name + "): " + message + "; ";
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

// Everything a reflection client learned about some services: the files the
// server served, and a pool built from them alone.
struct Schema {
  std::map<std::string, pb::FileDescriptorProto> files;
  std::vector<std::string> requested_by_name;
  pb::DescriptorPool pool;  // not the generated pool: it starts empty
  // Each thing that went wrong, for the assertion message.
  std::vector<std::string> problems;
  std::set<std::string> attempted;  // by Build

  void Problem(const std::string& text) { problems.push_back(text); }

  // Adds the served files; returns the names of those new to the schema.
  std::vector<std::string> Add(const ReflectionReply& reply,
                               const std::string& asked) {
    std::vector<std::string> added;
    if (!reply.status.ok()) {
      Problem(asked + ": " + std::to_string(reply.status.error_code()) + " " +
              reply.status.error_message());
      return added;
    }
    if (reply.files.empty()) Problem(asked + ": no file in the response");
    for (const std::string& bytes : reply.files) {
      pb::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) {
        Problem(asked + ": a served FileDescriptorProto does not parse");
        continue;
      }
      auto [it, inserted] = files.emplace(file.name(), file);
      if (inserted) {
        added.push_back(file.name());
      } else if (it->second.SerializeAsString() != file.SerializeAsString()) {
        Problem(file.name() + ": served twice with different contents");
      }
    }
    return added;
  }

  // Builds `name` into the pool after its dependencies.
  const pb::FileDescriptor* Build(const std::string& name) {
    if (!attempted.insert(name).second) return pool.FindFileByName(name);
    auto it = files.find(name);
    if (it == files.end()) {
      Problem(name + ": needed but never served");
      return nullptr;
    }
    for (const std::string& dependency : it->second.dependency()) {
      if (files.count(dependency) > 0) Build(dependency);
    }
    CollectErrors errors;
    const pb::FileDescriptor* built =
        pool.BuildFileCollectingErrors(it->second, &errors);
    if (built == nullptr) {
      Problem(name + ": BuildFile failed: " + errors.errors());
    }
    return built;
  }
};

// Fetches what `services` need as grpcurl does: file_containing_symbol for
// each service, then file_by_filename for every dependency named by any file
// received, until nothing new is named. `leave_out` files are dropped from
// every response (for checking that a missing file is noticed). Then builds
// every file and resolves every service and method type.
std::unique_ptr<Schema> FetchSchema(
    ReflectionStream& stream, const std::vector<std::string>& services,
    const std::set<std::string>& leave_out = {}) {
  auto schema = std::make_unique<Schema>();
  auto add = [&](ReflectionReply reply, const std::string& asked) {
    std::erase_if(reply.files, [&](const std::string& bytes) {
      pb::FileDescriptorProto file;
      return file.ParseFromString(bytes) && leave_out.count(file.name()) > 0;
    });
    return schema->Add(reply, asked);
  };
  std::vector<std::string> pending;
  for (const std::string& service : services) {
    const std::vector<std::string> added =
        add(stream.Ask(
                ReflectionRequest(rp::kRequestFileContainingSymbol, service)),
            "file_containing_symbol " + service);
    pending.insert(pending.end(), added.begin(), added.end());
  }
  std::set<std::string> asked;
  while (!pending.empty()) {
    const std::string file = pending.back();
    pending.pop_back();
    auto it = schema->files.find(file);
    if (it == schema->files.end()) continue;
    for (const std::string& dependency : it->second.dependency()) {
      if (leave_out.count(dependency) > 0) continue;
      if (!asked.insert(dependency).second) continue;
      schema->requested_by_name.push_back(dependency);
      const ReflectionReply reply =
          stream.Ask(ReflectionRequest(rp::kRequestFileByFilename, dependency));
      // The protocol leaves the order of the files in a response open, and
      // gRPC C++ 1.51 appends each response's files to those of the previous
      // file responses on the stream (grpc/grpc#18009), so the file asked for
      // need not come first. grpcurl (jhump/protoreflect#487) also finds it by
      // name.
      const bool served = std::any_of(
          reply.files.begin(), reply.files.end(), [&](const std::string& b) {
            pb::FileDescriptorProto got;
            return got.ParseFromString(b) && got.name() == dependency;
          });
      if (reply.status.ok() && !served) {
        schema->Problem("file_by_filename " + dependency +
                        ": the response does not contain that file");
      }
      const std::vector<std::string> added =
          add(reply, "file_by_filename " + dependency);
      pending.insert(pending.end(), added.begin(), added.end());
    }
  }
  for (const auto& [name, file] : schema->files) schema->Build(name);
  for (const std::string& name : services) {
    const pb::ServiceDescriptor* service = schema->pool.FindServiceByName(name);
    if (service == nullptr) {
      schema->Problem(name + ": no such service in the reflected files");
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      for (const pb::Descriptor* type :
           {method->input_type(), method->output_type()}) {
        if (type == nullptr ||
            schema->pool.FindMessageTypeByName(type->full_name()) != type) {
          schema->Problem(method->full_name() + ": a type does not resolve");
        }
      }
    }
  }
  return schema;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += item + "\n";
  return out;
}

// A unary call as grpcurl makes it: the request is JSON turned into a dynamic
// message of the method's reflected input type, the response is decoded as a
// dynamic message of its reflected output type and printed as JSON.
struct DynamicCall {
  grpc::Status status;
  std::unique_ptr<pb::Message> response;
  std::string json;
};

DynamicCall CallWithJson(const std::shared_ptr<grpc::Channel>& channel,
                         pb::DynamicMessageFactory& factory,
                         const pb::MethodDescriptor* method,
                         const std::string& request_json,
                         const std::optional<std::string>& token) {
  DynamicCall result;
  std::unique_ptr<pb::Message> request(
      factory.GetPrototype(method->input_type())->New());
  const auto parsed =
      pb::util::JsonStringToMessage(request_json, request.get());
  if (!parsed.ok()) {
    ADD_FAILURE() << method->full_name() << ": " << parsed.ToString() << "\n"
                  << request_json;
    result.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "request JSON does not parse");
    return result;
  }
  std::string bytes;
  EXPECT_TRUE(request->SerializeToString(&bytes));

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  if (token) context.AddMetadata("authorization", "JWT " + *token);
  const grpc::ByteBuffer request_buffer = ToBuffer(bytes);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  const std::string path =
      "/" + method->service()->full_name() + "/" + method->name();
  stub.UnaryCall(&context, path, grpc::StubOptions(), &request_buffer,
                 &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  result.status = done.get_future().get();
  std::cout << "[grpcurl-like] " << path << " " << request_json << " -> "
            << result.status.error_code();
  if (!result.status.ok()) {
    std::cout << " " << result.status.error_message() << "\n";
    return result;
  }
  result.response.reset(factory.GetPrototype(method->output_type())->New());
  EXPECT_TRUE(result.response->ParseFromString(ToBytes(response_buffer)));
  pb::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  EXPECT_TRUE(
      pb::util::MessageToJsonString(*result.response, &result.json, print)
          .ok());
  std::cout << "\n" << result.json;
  return result;
}

// Field access by name on dynamic messages.
const pb::FieldDescriptor* Field(const pb::Message& message,
                                 const std::string& name) {
  const pb::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(name);
  EXPECT_NE(field, nullptr) << message.GetTypeName() << " has no " << name;
  return field;
}

std::string StringField(const pb::Message& message, const std::string& name) {
  const pb::FieldDescriptor* field = Field(message, name);
  return field == nullptr ? ""
                          : message.GetReflection()->GetString(message, field);
}

int RepeatedSize(const pb::Message& message, const std::string& name) {
  const pb::FieldDescriptor* field = Field(message, name);
  return field == nullptr ? -1
                          : message.GetReflection()->FieldSize(message, field);
}

class ReflectionTest : public ::testing::Test {
 protected:
  // One database and one `enterprise-catalog serve` for the suite.
  static void SetUpTestSuite() {
    auto db = testing::PgTestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();

    testing::TokenSpec spec;
    spec.subject = "reflection-test";
    spec.roles = {"enterprise_openedx_operator:*"};
    token_ = new std::string(testing::Hs256Token(spec));

    // The caller's own ENTERPRISE_CATALOG_* settings (a developer's shell)
    // must not reach the server.
    server_ = new testing::ChildProcess(
        {EC_BINARY, "serve", "--grpc-address", "127.0.0.1:0", "--log-level",
         "info"},
        {"ENTERPRISE_CATALOG_DATABASE_URL=" + db_->dsn(),
         "ENTERPRISE_CATALOG_PLAINTEXT=true",
         std::string("ENTERPRISE_CATALOG_JWT_SECRET=") + testing::kTestSecret,
         std::string("ENTERPRISE_CATALOG_JWT_ISSUER=") + testing::kTestIssuer,
         std::string("ENTERPRISE_CATALOG_JWT_AUDIENCE=") +
             testing::kTestAudience},
        testing::ChildOutput::kLogFile, {"ENTERPRISE_CATALOG_"});
    ASSERT_GT(server_->pid(), 0);
    const int port =
        std::atoi(server_
                      ->WaitForLogMatch(testing::kServingPortPattern,
                                        std::chrono::seconds(20))
                      .c_str());
    ASSERT_GT(port, 0) << "no serving line (or serve exited):\n"
                       << server_->log();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  static void TearDownTestSuite() {
    delete channel_;
    channel_ = nullptr;
    if (server_ != nullptr) {
      server_->Signal(SIGTERM);
      EXPECT_EQ(server_->Wait(), 0) << "serve did not stop cleanly:\n"
                                    << server_->log();
      delete server_;
      server_ = nullptr;
    }
    delete token_;
    token_ = nullptr;
    delete db_;
    db_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(channel_, nullptr); }

  const std::shared_ptr<grpc::Channel>& channel() { return *channel_; }

  static inline testing::PgTestDatabase* db_ = nullptr;
  static inline testing::ChildProcess* server_ = nullptr;
  static inline std::string* token_ = nullptr;
  static inline std::shared_ptr<grpc::Channel>* channel_ = nullptr;
};

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

// The grpcurl commands of a Markdown file: the words of each command line
// starting with "grpcurl" inside a ``` block, split as a POSIX shell would
// (quotes, backslash-newline continuations, comments), without expansion.
std::vector<std::vector<std::string>> GrpcurlCommands(
    const std::string& markdown) {
  std::string code;  // the fenced blocks' lines
  bool in_block = false;
  std::istringstream lines(markdown);
  for (std::string line; std::getline(lines, line);) {
    const size_t text = line.find_first_not_of(" \t");
    if (text != std::string::npos && line.compare(text, 3, "```") == 0) {
      in_block = !in_block;
      code += "\n";
    } else if (in_block) {
      code += line + "\n";
    }
  }
  std::vector<std::vector<std::string>> commands;
  size_t pos = 0;
  while ((pos = code.find("grpcurl ", pos)) != std::string::npos) {
    const size_t line_start = code.rfind('\n', pos) + 1;  // npos + 1 == 0
    if (code.find_first_not_of(" \t", line_start) != pos) {
      pos += 1;
      continue;
    }
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (; pos < code.size(); ++pos) {
      const char c = code[pos];
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word += c;
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\' && pos + 1 < code.size()) {
          word += code[++pos];
        } else {
          word += c;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        in_word = true;
      } else if (c == '\\' && pos + 1 < code.size() && code[pos + 1] == '\n') {
        ++pos;
      } else if (c == '\n' || (c == '#' && !in_word)) {
        break;
      } else if (c == ' ' || c == '\t') {
        if (in_word) words.push_back(word);
        word.clear();
        in_word = false;
      } else {
        word += c;
        in_word = true;
      }
    }
    if (in_word) words.push_back(word);
    commands.push_back(words);
  }
  return commands;
}

// The documentation's grpcurl commands match the reflected API: every method
// of the catalog service has one, each names a real method, and each request
// body (-d) parses as that method's reflected request type, unknown field
// names refused. EC_SAMPLE_DATA is <checkout>/deploy/sample/sample-data.json.
TEST_F(ReflectionTest, DocumentedGrpcurlCommandsMatchTheReflectedApi) {
  const std::string sample = EC_SAMPLE_DATA;
  const std::string suffix = "deploy/sample/sample-data.json";
  ASSERT_TRUE(sample.ends_with(suffix)) << sample;
  const std::string checkout = sample.substr(0, sample.size() - suffix.size());

  ReflectionStream stream(channel());
  const std::unique_ptr<Schema> schema =
      FetchSchema(stream, {kCatalogService, kHealthService});
  EXPECT_TRUE(stream.Close().ok());
  const pb::ServiceDescriptor* catalog =
      schema->pool.FindServiceByName(kCatalogService);
  ASSERT_NE(catalog, nullptr) << Join(schema->problems);
  pb::DynamicMessageFactory factory(&schema->pool);

  // The README's grpcurl section is the documented one.
  for (const std::string document : {"README.md"}) {
    const std::string markdown = ReadFile(checkout + document);
    SCOPED_TRACE(document);
    ASSERT_FALSE(markdown.empty());
    // "$S/Method" stands for the catalog service when the file says so.
    const bool has_s =
        markdown.find(std::string("S=") + kCatalogService) != std::string::npos;
    std::set<std::string> documented;
    for (const std::vector<std::string>& words : GrpcurlCommands(markdown)) {
      const std::string& target = words.back();
      const size_t slash = target.rfind('/');
      if (slash == std::string::npos) continue;  // list, describe
      std::string service_name = target.substr(0, slash);
      if (has_s && service_name == "$S") service_name = kCatalogService;
      const pb::ServiceDescriptor* service =
          schema->pool.FindServiceByName(service_name);
      if (service == nullptr) {
        ADD_FAILURE() << "grpcurl command for an unknown service: " << target;
        continue;
      }
      const pb::MethodDescriptor* method =
          service->FindMethodByName(target.substr(slash + 1));
      if (method == nullptr) {
        ADD_FAILURE() << "grpcurl command for an unknown method: " << target;
        continue;
      }
      if (service == catalog) documented.insert(method->name());
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        if (words[i] != "-d") continue;
        std::unique_ptr<pb::Message> request(
            factory.GetPrototype(method->input_type())->New());
        const auto parsed =
            pb::util::JsonStringToMessage(words[i + 1], request.get());
        EXPECT_TRUE(parsed.ok()) << target << ": " << parsed.ToString() << "\n"
                                 << words[i + 1];
      }
    }
    for (int i = 0; i < catalog->method_count(); ++i) {
      EXPECT_EQ(documented.count(catalog->method(i)->name()), 1u)
          << "no grpcurl command for " << catalog->method(i)->name();
    }
  }
}

}  // namespace
}  // namespace ec
