// The throwaway test PKI: checked with OpenSSL's own verifier, then used by a
// real gRPC server that requires and verifies client certificates.
#include "tests/support/test_certs.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <gtest/gtest.h>

namespace ec::testing {
namespace {

using ::testing::HasSubstr;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr ParseKey(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// X509_V_OK if `leaf_pem` chains to `ca_pem` for `purpose`
// (X509_PURPOSE_SSL_SERVER/CLIENT), else OpenSSL's verification error.
int Verify(const std::string& ca_pem, const std::string& leaf_pem,
           int purpose) {
  X509Ptr ca = ParseCert(ca_pem);
  X509Ptr leaf = ParseCert(leaf_pem);
  if (ca == nullptr || leaf == nullptr) return -1;
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

class TestCertsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = MakeTestPki("unit-client");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new TestPki(*std::move(pki));
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(pki_, nullptr); }

  static TestPki* pki_;
};

TestPki* TestCertsTest::pki_ = nullptr;

TEST_F(TestCertsTest, EverythingIsPem) {
  for (const PemPair* pair : {&pki_->ca, &pki_->server, &pki_->client,
                              &pki_->other_ca, &pki_->other_client}) {
    EXPECT_THAT(pair->cert_pem, HasSubstr("-----BEGIN CERTIFICATE-----"));
    EXPECT_THAT(pair->key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
    EXPECT_NE(ParseCert(pair->cert_pem), nullptr);
    EXPECT_NE(ParseKey(pair->key_pem), nullptr);
  }
}

TEST_F(TestCertsTest, LeavesChainToTheirCaOnly) {
  EXPECT_EQ(Verify(pki_->ca.cert_pem, pki_->ca.cert_pem, X509_PURPOSE_ANY),
            X509_V_OK);
  EXPECT_EQ(
      Verify(pki_->ca.cert_pem, pki_->server.cert_pem, X509_PURPOSE_SSL_SERVER),
      X509_V_OK);
  EXPECT_EQ(
      Verify(pki_->ca.cert_pem, pki_->client.cert_pem, X509_PURPOSE_SSL_CLIENT),
      X509_V_OK);
  EXPECT_EQ(Verify(pki_->other_ca.cert_pem, pki_->other_client.cert_pem,
                   X509_PURPOSE_SSL_CLIENT),
            X509_V_OK);

  EXPECT_EQ(Verify(pki_->ca.cert_pem, pki_->other_client.cert_pem,
                   X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_NE(Verify(pki_->other_ca.cert_pem, pki_->client.cert_pem,
                   X509_PURPOSE_SSL_CLIENT),
            X509_V_OK);
  // Extended key usage keeps each leaf to its role.
  EXPECT_EQ(
      Verify(pki_->ca.cert_pem, pki_->client.cert_pem, X509_PURPOSE_SSL_SERVER),
      X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(
      Verify(pki_->ca.cert_pem, pki_->server.cert_pem, X509_PURPOSE_SSL_CLIENT),
      X509_V_ERR_INVALID_PURPOSE);
}

TEST_F(TestCertsTest, CertificateFields) {
  X509Ptr ca = ParseCert(pki_->ca.cert_pem);
  X509Ptr server = ParseCert(pki_->server.cert_pem);
  X509Ptr client = ParseCert(pki_->client.cert_pem);
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(client, nullptr);

  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_ca(server.get()), 0);
  EXPECT_EQ(X509_check_ca(client.get()), 0);

  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server.get(), "127.0.0.2", 0), 0);
  EXPECT_EQ(X509_check_host(server.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(server.get(), "example.com", 0, 0, nullptr), 0);

  char cn[256] = {};
  ASSERT_GT(X509_NAME_get_text_by_NID(X509_get_subject_name(client.get()),
                                      NID_commonName, cn, sizeof(cn)),
            0);
  EXPECT_STREQ(cn, "unit-client");

  EXPECT_EQ(X509_get_signature_nid(server.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(EVP_PKEY_get_id(X509_get0_pubkey(server.get())), EVP_PKEY_EC);

  // Valid now, not before an hour ago, and not for more than about a day.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(server.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(server.get())), 0);
  time_t in_two_days = time(nullptr) + 2 * 24 * 60 * 60;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(server.get()), &in_two_days), 0);

  // Serials are random: two certificates do not share one.
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(server.get()),
                             X509_get0_serialNumber(client.get())),
            0);
}

TEST_F(TestCertsTest, KeysMatchTheirCertificates) {
  for (const PemPair* pair : {&pki_->ca, &pki_->server, &pki_->client,
                              &pki_->other_ca, &pki_->other_client}) {
    X509Ptr cert = ParseCert(pair->cert_pem);
    PkeyPtr key = ParseKey(pair->key_pem);
    ASSERT_NE(cert, nullptr);
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  }
  X509Ptr server = ParseCert(pki_->server.cert_pem);
  PkeyPtr client_key = ParseKey(pki_->client.key_pem);
  EXPECT_EQ(X509_check_private_key(server.get(), client_key.get()), 0);
}

TEST_F(TestCertsTest, FreshPkiEachTime) {
  auto again = MakeTestPki();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->ca.cert_pem, pki_->ca.cert_pem);
  EXPECT_NE(again->client.key_pem, pki_->client.key_pem);
  EXPECT_NE(Verify(pki_->ca.cert_pem, again->server.cert_pem,
                   X509_PURPOSE_SSL_SERVER),
            X509_V_OK);
}

TEST_F(TestCertsTest, WritesEveryFile) {
  char tmpl[] = "/tmp/ec-test-certs-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = std::filesystem::path(tmpl) / "pki";
  ASSERT_TRUE(WriteTestPki(*pki_, dir.string()).ok());

  const auto read = [&](const char* name) {
    std::ifstream in(dir / name, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  };
  EXPECT_EQ(read("ca.pem"), pki_->ca.cert_pem);
  EXPECT_EQ(read("ca.key"), pki_->ca.key_pem);
  EXPECT_EQ(read("server.pem"), pki_->server.cert_pem);
  EXPECT_EQ(read("server.key"), pki_->server.key_pem);
  EXPECT_EQ(read("client.pem"), pki_->client.cert_pem);
  EXPECT_EQ(read("client.key"), pki_->client.key_pem);
  EXPECT_EQ(read("other-ca.pem"), pki_->other_ca.cert_pem);
  EXPECT_EQ(read("other-client.pem"), pki_->other_client.cert_pem);
  EXPECT_EQ(read("other-client.key"), pki_->other_client.key_pem);
  struct stat st;
  ASSERT_EQ(stat((dir / "server.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  std::filesystem::remove_all(tmpl);
}

// A gRPC server on 127.0.0.1 with the default health service, requiring
// client certificates signed by the test CA.
class MutualTlsTest : public TestCertsTest {
 protected:
  void SetUp() override {
    TestCertsTest::SetUp();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    options.pem_root_certs = pki_->ca.cert_pem;
    options.pem_key_cert_pairs.push_back(
        {pki_->server.key_pem, pki_->server.cert_pem});
    grpc::ServerBuilder builder;
    // The health service is added only when the server starts, and a server
    // needs some service at build time: an empty generic one (every other
    // method UNIMPLEMENTED).
    builder.RegisterCallbackGenericService(&unimplemented_);
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options),
                             &port_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Calls grpc.health.v1.Health/Check over TLS on `host`:<port>, trusting
  // `roots` (default: the test CA) and presenting `client` if not null.
  grpc::Status CheckHealth(const std::string& host, const PemPair* client,
                           const std::string& roots = "") {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = roots.empty() ? pki_->ca.cert_pem : roots;
    if (client != nullptr) {
      options.pem_private_key = client->key_pem;
      options.pem_cert_chain = client->cert_pem;
    }
    // A fresh subchannel per call: no connection is reused across checks.
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);
    auto channel =
        grpc::CreateCustomChannel(host + ":" + std::to_string(port_),
                                  grpc::SslCredentials(options), args);
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    // An empty HealthCheckRequest: the server as a whole.
    grpc::Slice empty;
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", {}, &request,
                   &response,
                   [&done](grpc::Status status) { done.set_value(status); });
    grpc::Status status = done.get_future().get();
    if (status.ok()) {
      // HealthCheckResponse{status: SERVING}: field 1, varint 1.
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(response.Dump(&slices).ok());
      std::string bytes;
      for (const auto& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()),
                     slice.size());
      }
      EXPECT_EQ(bytes, std::string("\x08\x01", 2));
    }
    return status;
  }

  grpc::CallbackGenericService unimplemented_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(MutualTlsTest, ClientSignedByTheCaIsAccepted) {
  const grpc::Status by_ip = CheckHealth("127.0.0.1", &pki_->client);
  EXPECT_TRUE(by_ip.ok()) << by_ip.error_code() << ": "
                          << by_ip.error_message();
  const grpc::Status by_name = CheckHealth("localhost", &pki_->client);
  EXPECT_TRUE(by_name.ok())
      << by_name.error_code() << ": " << by_name.error_message();
}

TEST_F(MutualTlsTest, ClientWithoutCertificateIsRejected) {
  const grpc::Status status = CheckHealth("127.0.0.1", nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(MutualTlsTest, ClientSignedByAnotherCaIsRejected) {
  const grpc::Status status = CheckHealth("127.0.0.1", &pki_->other_client);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(MutualTlsTest, ServerSignedByAnotherCaIsRejected) {
  // The client trusts only other_ca, so the server's certificate fails.
  const grpc::Status status =
      CheckHealth("127.0.0.1", &pki_->client, pki_->other_ca.cert_pem);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

}  // namespace
}  // namespace ec::testing
