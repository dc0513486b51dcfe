// The client's channel and credentials: TLS files, the key pair check and
// token files (declared in catalog_client.h and channel.h).
#include "client/channel.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/catalog_client.h"

namespace ec::client {
namespace {

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

}  // namespace

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
  // After a failed connect the channel waits out its own reconnect backoff
  // (1 s, growing) and meanwhile fails every call at once with UNAVAILABLE.
  // Pacing reconnects like CatalogClient's retries lets a retry reach a
  // server that came back, instead of burning attempts on the cached failure.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(std::clamp<int64_t>(
                  options.retry.initial_backoff.count(), 1, 1000)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(std::clamp<int64_t>(
                  options.retry.max_backoff.count(), 1000, 120000)));

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

}  // namespace ec::client
