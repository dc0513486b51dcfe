#pragma once

// What grpcurl does, as a test client: the gRPC server reflection protocol
// spoken with hand-encoded messages (Debian ships no reflection.proto
// header), the served FileDescriptorProtos loaded into a fresh pool, calls
// built from JSON with DynamicMessageFactory and sent through
// grpc::GenericStub. And the fixture that runs the real `enterprise-catalog
// serve` for it. Shared by reflection_e2e_test.cc and
// grpcurl_docs_e2e_test.cc.

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

namespace ec::testing {

inline constexpr char kCatalogService[] =
    "enterprise_catalog.v1.EnterpriseCatalogService";
inline constexpr char kHealthService[] = "grpc.health.v1.Health";
inline constexpr char kReflectionService[] =
    "grpc.reflection.v1alpha.ServerReflection";
inline constexpr char kReflectionInfo[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

inline constexpr char kEnterprise[] = "5e1f0c3a-7b2d-4c8e-9a6f-0d4b2c8e6a17";
inline constexpr char kUuidV4Pattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// Field numbers from the gRPC server reflection protocol,
// grpc/reflection/v1alpha/reflection.proto. They are all this client knows
// of it.
namespace reflection_protocol {
// ServerReflectionRequest (oneof message_request).
inline constexpr int kRequestFileByFilename = 3;
inline constexpr int kRequestFileContainingSymbol = 4;
inline constexpr int kRequestListServices = 7;
// ServerReflectionResponse (oneof message_response).
inline constexpr int kResponseFileDescriptor = 4;
inline constexpr int kResponseListServices = 6;
inline constexpr int kResponseError = 7;
// FileDescriptorResponse: repeated bytes file_descriptor_proto.
inline constexpr int kFileDescriptorProto = 1;
// ListServiceResponse: repeated ServiceResponse service.
inline constexpr int kListedService = 1;
// ServiceResponse: string name.
inline constexpr int kServiceName = 1;
// ErrorResponse: int32 error_code, string error_message.
inline constexpr int kErrorCode = 1;
inline constexpr int kErrorMessage = 2;
}  // namespace reflection_protocol

inline std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

inline grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A ServerReflectionRequest with one string field of the oneof set.
inline std::string ReflectionRequest(int field, const std::string& value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream raw(&out);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
        field,
        google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(value.size()));
    coded.WriteString(value);
  }
  return out;
}

// The length-delimited fields numbered `number` of a message, in order.
inline std::vector<std::string> LengthDelimited(
    const google::protobuf::UnknownFieldSet& message, int number) {
  std::vector<std::string> out;
  for (int i = 0; i < message.field_count(); ++i) {
    const google::protobuf::UnknownField& field = message.field(i);
    if (field.number() == number &&
        field.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(field.length_delimited());
    }
  }
  return out;
}

// Null if `bytes` is not a protobuf message.
inline std::unique_ptr<google::protobuf::UnknownFieldSet> ParseUnknown(
    const std::string& bytes) {
  auto message = std::make_unique<google::protobuf::UnknownFieldSet>();
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

inline ReflectionReply DecodeReflectionResponse(const std::string& bytes) {
  ReflectionReply reply;
  const auto response = ParseUnknown(bytes);
  if (!response) {
    reply.status = grpc::Status(grpc::StatusCode::INTERNAL,
                                "undecodable ServerReflectionResponse");
    return reply;
  }
  for (const std::string& error :
       LengthDelimited(*response, reflection_protocol::kResponseError)) {
    const auto fields = ParseUnknown(error);
    int code = grpc::StatusCode::UNKNOWN;
    std::string message;
    for (int i = 0; fields && i < fields->field_count(); ++i) {
      const google::protobuf::UnknownField& field = fields->field(i);
      if (field.number() == reflection_protocol::kErrorCode &&
          field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
        code = static_cast<int>(field.varint());
      }
      if (field.number() == reflection_protocol::kErrorMessage &&
          field.type() ==
              google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
        message = field.length_delimited();
      }
    }
    reply.status = grpc::Status(static_cast<grpc::StatusCode>(code),
                                "reflection: " + message);
  }
  for (const std::string& list :
       LengthDelimited(*response, reflection_protocol::kResponseListServices)) {
    const auto services = ParseUnknown(list);
    if (!services) continue;
    for (const std::string& service :
         LengthDelimited(*services, reflection_protocol::kListedService)) {
      const auto fields = ParseUnknown(service);
      if (!fields) continue;
      for (const std::string& name :
           LengthDelimited(*fields, reflection_protocol::kServiceName)) {
        reply.services.push_back(name);
      }
    }
  }
  for (const std::string& files : LengthDelimited(
           *response, reflection_protocol::kResponseFileDescriptor)) {
    const auto fields = ParseUnknown(files);
    if (!fields) continue;
    for (const std::string& file :
         LengthDelimited(*fields, reflection_protocol::kFileDescriptorProto)) {
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

inline std::vector<std::string> ListServices(ReflectionStream& stream) {
  const ReflectionReply reply = stream.Ask(
      ReflectionRequest(reflection_protocol::kRequestListServices, ""));
  EXPECT_TRUE(reply.status.ok()) << reply.status.error_message();
  return reply.services;
}

class CollectErrors : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message* /*descriptor*/,
                ErrorLocation /*location*/,
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
  std::map<std::string, google::protobuf::FileDescriptorProto> files;
  std::vector<std::string> requested_by_name;
  google::protobuf::DescriptorPool
      pool;  // not the generated pool: it starts empty
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
      google::protobuf::FileDescriptorProto file;
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
  const google::protobuf::FileDescriptor* Build(const std::string& name) {
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
    const google::protobuf::FileDescriptor* built =
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
inline std::unique_ptr<Schema> FetchSchema(
    ReflectionStream& stream, const std::vector<std::string>& services,
    const std::set<std::string>& leave_out = {}) {
  auto schema = std::make_unique<Schema>();
  auto add = [&](ReflectionReply reply, const std::string& asked) {
    std::erase_if(reply.files, [&](const std::string& bytes) {
      google::protobuf::FileDescriptorProto file;
      return file.ParseFromString(bytes) && leave_out.count(file.name()) > 0;
    });
    return schema->Add(reply, asked);
  };
  std::vector<std::string> pending;
  for (const std::string& service : services) {
    const std::vector<std::string> added =
        add(stream.Ask(ReflectionRequest(
                reflection_protocol::kRequestFileContainingSymbol, service)),
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
      const ReflectionReply reply = stream.Ask(ReflectionRequest(
          reflection_protocol::kRequestFileByFilename, dependency));
      // The protocol leaves the order of the files in a response open, and
      // gRPC C++ 1.51 appends each response's files to those of the previous
      // file responses on the stream (grpc/grpc#18009), so the file asked for
      // need not come first. grpcurl (jhump/protoreflect#487) also finds it by
      // name.
      const bool served = std::any_of(
          reply.files.begin(), reply.files.end(), [&](const std::string& b) {
            google::protobuf::FileDescriptorProto got;
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
    const google::protobuf::ServiceDescriptor* service =
        schema->pool.FindServiceByName(name);
    if (service == nullptr) {
      schema->Problem(name + ": no such service in the reflected files");
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      for (const google::protobuf::Descriptor* type :
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

inline std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += item + "\n";
  return out;
}

// A unary call as grpcurl makes it: the request is JSON turned into a dynamic
// message of the method's reflected input type, the response is decoded as a
// dynamic message of its reflected output type and printed as JSON.
struct DynamicCall {
  grpc::Status status;
  std::unique_ptr<google::protobuf::Message> response;
  std::string json;
};

inline DynamicCall CallWithJson(
    const std::shared_ptr<grpc::Channel>& channel,
    google::protobuf::DynamicMessageFactory& factory,
    const google::protobuf::MethodDescriptor* method,
    const std::string& request_json, const std::optional<std::string>& token) {
  DynamicCall result;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(method->input_type())->New());
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(request_json, request.get());
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
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(*result.response,
                                                          &result.json, print)
                  .ok());
  std::cout << "\n" << result.json;
  return result;
}

// Field access by name on dynamic messages.
inline const google::protobuf::FieldDescriptor* Field(
    const google::protobuf::Message& message, const std::string& name) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(name);
  EXPECT_NE(field, nullptr) << message.GetTypeName() << " has no " << name;
  return field;
}

inline std::string StringField(const google::protobuf::Message& message,
                               const std::string& name) {
  const google::protobuf::FieldDescriptor* field = Field(message, name);
  return field == nullptr ? ""
                          : message.GetReflection()->GetString(message, field);
}

inline int RepeatedSize(const google::protobuf::Message& message,
                        const std::string& name) {
  const google::protobuf::FieldDescriptor* field = Field(message, name);
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

}  // namespace ec::testing
