#include "client/catalog_client.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"

namespace ec::client {
namespace {

using StubInterface =
    enterprise_catalog::v1::EnterpriseCatalogService::StubInterface;

// This abseil build does not alias absl::string_view to std::string_view.
absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

// Key, certificate and token files are small; the cap keeps a mistaken path
// (a device, a huge log) from hanging the caller or exhausting memory.
constexpr size_t kMaxFileBytes = 1 << 20;

// Reads the file named by option `what`. Errors name the option and the path,
// never the contents (which may be a private key or a token).
absl::StatusOr<std::string> ReadSmallFile(absl::string_view what,
                                          const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", what, " \"", path, "\": ", std::strerror(errno)));
  }
  std::string contents;
  char buffer[8192];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0 &&
         contents.size() <= kMaxFileBytes) {
    contents.append(buffer, n);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read ", what, " \"", path, "\": ", std::strerror(error)));
  }
  if (contents.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " \"", path, "\" is larger than ", kMaxFileBytes, " bytes"));
  }
  return contents;
}

// As ReadSmallFile, for a PEM file. An empty pem_root_certs would silently
// mean "gRPC's default roots", so a file without PEM is an error here rather
// than a handshake failure (or worse, a different trust store) later.
absl::StatusOr<std::string> ReadPemFile(absl::string_view what,
                                        const std::string& path) {
  absl::StatusOr<std::string> contents = ReadSmallFile(what, path);
  if (contents.ok() && !absl::StrContains(*contents, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", path, "\" holds no PEM data"));
  }
  return contents;
}

// Refuses encrypted keys instead of prompting for a passphrase on the tty
// (gRPC cannot use them either).
int NoPassphrase(char*, int, int, void*) { return -1; }

// gRPC reports a key that does not belong to the certificate only as a failed
// connection ("empty address list"), so check the pair up front.
absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem) {
  struct Free {
    void operator()(BIO* p) const { BIO_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };
  std::unique_ptr<BIO, Free> cert_bio(
      BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  std::unique_ptr<BIO, Free> key_bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (cert_bio == nullptr || key_bio == nullptr) {
    return absl::InternalError("out of memory reading the client certificate");
  }
  std::unique_ptr<X509, Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, NoPassphrase, nullptr));
  std::unique_ptr<EVP_PKEY, Free> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  absl::Status status;
  if (cert == nullptr) {
    status = absl::InvalidArgumentError(
        "cert_file does not start with a PEM certificate");
  } else if (key == nullptr) {
    status = absl::InvalidArgumentError(
        "key_file holds no unencrypted PEM private key");
  } else if (X509_check_private_key(cert.get(), key.get()) != 1) {
    status = absl::InvalidArgumentError(
        "key_file is not the private key of the certificate in cert_file");
  }
  ERR_clear_error();  // leave no OpenSSL errors behind for gRPC to trip on
  return status;
}

// A token goes into an HTTP/2 header value; gRPC aborts the process on a
// value it cannot send, so reject it here. JWTs are base64url and dots.
absl::Status CheckToken(std::string_view token) {
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return absl::InvalidArgumentError(
          "token must be printable ASCII without spaces (the bare token, "
          "without a \"JWT \" or \"Bearer \" prefix)");
    }
  }
  return absl::OkStatus();
}

// Recovers the request and response types from a blocking stub method, so
// that the method table below needs nothing but the member pointer.
template <typename T>
struct StubMethodTraits;

template <typename Req, typename Resp>
struct StubMethodTraits<grpc::Status (StubInterface::*)(grpc::ClientContext*,
                                                        const Req&, Resp*)> {
  using Request = Req;
  using Response = Resp;
};

using Invoker = absl::StatusOr<std::string> (*)(StubInterface&,
                                                std::string_view request_json,
                                                grpc::ClientContext&,
                                                grpc::Status* rpc_status);

template <auto kMethod>
absl::StatusOr<std::string> CallJson(StubInterface& stub,
                                     std::string_view request_json,
                                     grpc::ClientContext& context,
                                     grpc::Status* rpc_status) {
  using Traits = StubMethodTraits<decltype(kMethod)>;
  typename Traits::Request request;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(request_json.data(),
                                        request_json.size()),
          &request, parse_options);
      !parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", request.GetDescriptor()->name(),
                     " JSON: ", std::string(parsed.message())));
  }

  typename Traits::Response response;
  grpc::Status status = (stub.*kMethod)(&context, request, &response);
  if (rpc_status != nullptr) *rpc_status = status;
  if (!status.ok()) {
    // grpc::StatusCode and absl::StatusCode share their numbering.
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }

  google::protobuf::util::JsonPrintOptions print_options;
  print_options.always_print_primitive_fields = true;
  print_options.preserve_proto_field_names = true;
  print_options.add_whitespace = true;
  std::string out;
  if (auto printed = google::protobuf::util::MessageToJsonString(response, &out,
                                                                 print_options);
      !printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print response as JSON: ",
                                            std::string(printed.message())));
  }
  return out;
}

struct MethodEntry {
  std::string_view name;
  Invoker invoke;
};

// Adding an RPC to the client is one line here.
constexpr std::array kMethods = {
    MethodEntry{"CreateCatalog", &CallJson<&StubInterface::CreateCatalog>},
    MethodEntry{"GetCatalog", &CallJson<&StubInterface::GetCatalog>},
    MethodEntry{"ListCatalogs", &CallJson<&StubInterface::ListCatalogs>},
    MethodEntry{"UpdateCatalog", &CallJson<&StubInterface::UpdateCatalog>},
    MethodEntry{"DeleteCatalog", &CallJson<&StubInterface::DeleteCatalog>},
    MethodEntry{"ContainsContentItems",
                &CallJson<&StubInterface::ContainsContentItems>},
    MethodEntry{"CustomerContainsContentItems",
                &CallJson<&StubInterface::CustomerContainsContentItems>},
    MethodEntry{"GetCatalogMetadata",
                &CallJson<&StubInterface::GetCatalogMetadata>},
    MethodEntry{"GetContentMetadata",
                &CallJson<&StubInterface::GetContentMetadata>},
    MethodEntry{"RefreshCatalog", &CallJson<&StubInterface::RefreshCatalog>},
    MethodEntry{"GetRefreshJob", &CallJson<&StubInterface::GetRefreshJob>},
};

}  // namespace

bool UsesTls(const ClientOptions& options) {
  return options.tls || !options.ca_file.empty() ||
         !options.cert_file.empty() || !options.key_file.empty();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  grpc::ChannelArguments args;
  // A GetCatalogMetadata page of 1,000 documents can be tens of MB, far over
  // gRPC's default 4 MiB receive limit.
  args.SetMaxReceiveMessageSize(-1);

  if (!UsesTls(options)) {
    if (!options.server_name_override.empty()) {
      return absl::InvalidArgumentError(
          "server_name_override needs TLS (set tls or ca_file)");
    }
    return grpc::CreateCustomChannel(options.address,
                                     grpc::InsecureChannelCredentials(), args);
  }

  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "cert_file and key_file must be given together");
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.ca_file.empty()) {
    absl::StatusOr<std::string> roots = ReadPemFile("ca_file", options.ca_file);
    if (!roots.ok()) return roots.status();
    ssl.pem_root_certs = *std::move(roots);
  }
  if (!options.cert_file.empty()) {
    absl::StatusOr<std::string> chain =
        ReadPemFile("cert_file", options.cert_file);
    if (!chain.ok()) return chain.status();
    absl::StatusOr<std::string> key = ReadPemFile("key_file", options.key_file);
    if (!key.ok()) return key.status();
    if (absl::Status pair = CheckKeyPair(*chain, *key); !pair.ok()) {
      return pair;
    }
    ssl.pem_cert_chain = *std::move(chain);
    ssl.pem_private_key = *std::move(key);
  }
  if (!options.server_name_override.empty()) {
    args.SetSslTargetNameOverride(options.server_name_override);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::SslCredentials(ssl);
  if (credentials == nullptr) {
    return absl::InternalError("cannot create TLS channel credentials");
  }
  return grpc::CreateCustomChannel(options.address, credentials, args);
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> token = ReadSmallFile("token file", path);
  if (!token.ok()) return token.status();
  absl::StripTrailingAsciiWhitespace(&*token);
  if (token->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file \"", path, "\" is empty"));
  }
  if (absl::Status valid = CheckToken(*token); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file \"", path, "\": ", valid.message()));
  }
  return token;
}

std::vector<std::string_view> MethodNames() {
  std::vector<std::string_view> names;
  names.reserve(kMethods.size());
  for (const MethodEntry& entry : kMethods) names.push_back(entry.name);
  return names;
}

absl::StatusOr<std::string> InvokeJson(StubInterface& stub,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status) {
  auto entry =
      std::find_if(kMethods.begin(), kMethods.end(),
                   [&](const MethodEntry& e) { return e.name == method; });
  if (entry == kMethods.end()) {
    std::string known;
    for (const MethodEntry& e : kMethods) {
      absl::StrAppend(&known, known.empty() ? "" : ", ", ToAbsl(e.name));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown method \"", ToAbsl(method), "\"; known methods: ", known));
  }
  if (absl::Status valid = CheckToken(options.token); !valid.ok()) {
    return valid;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options.timeout);
  if (!options.token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("JWT ", options.token));
  }
  return entry->invoke(stub, request_json, context, rpc_status);
}

absl::StatusOr<std::string> InvokeJson(grpc::Channel& channel,
                                       std::string_view method,
                                       std::string_view request_json,
                                       const ClientOptions& options,
                                       grpc::Status* rpc_status) {
  // The stub wants shared ownership, but it lives only for this call and the
  // caller keeps the channel alive, so a non-owning alias is enough (and works
  // for channels that are not owned by a shared_ptr).
  std::shared_ptr<grpc::ChannelInterface> unowned(
      std::shared_ptr<grpc::ChannelInterface>(), &channel);
  enterprise_catalog::v1::EnterpriseCatalogService::Stub stub(unowned);
  return InvokeJson(stub, method, request_json, options, rpc_status);
}

}  // namespace ec::client
