// TLS and mutual TLS on the gRPC port, end to end: throwaway certificates,
// the real server, real TLS handshakes over loopback, and a token on top.
#include <cstdlib>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/uuid.h"
#include "enterprise_catalog/v1/catalog_service.grpc.pb.h"
#include "server/catalog_server.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_env.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

namespace v1 = ::enterprise_catalog::v1;

constexpr char kEnterprise[] = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

class TlsTest : public testing::SharedStoreTest<> {
 protected:
  static void SetUpTestSuite() {
    SharedStoreTest::SetUpTestSuite();
    if (env_ == nullptr) return;
    auto pki = testing::MakeTestPki();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = new testing::TestPki(std::move(*pki));
    char dir[] = "/tmp/ec-tls-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = new std::string(dir);
    ASSERT_TRUE(testing::WriteTestPki(*pki_, *dir_).ok());
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) {
      std::system(("rm -rf " + *dir_).c_str());
    }
    delete dir_;
    delete pki_;
    SharedStoreTest::TearDownTestSuite();
  }

  void SetUp() override {
    ASSERT_NE(env_, nullptr);
    ASSERT_TRUE(env_->Truncate().ok());
    storage::NewCatalog c;
    c.uuid = common::NewUuidV4();
    c.title = "Over TLS";
    c.enterprise_uuid = kEnterprise;
    c.filter = testing::Filter(R"({"content_type": "course"})");
    c.enabled_course_modes = {"verified"};
    auto row = env_->store()->CreateCatalog(c);
    ASSERT_TRUE(row.ok()) << row.status();
    catalog_ = row->uuid;
  }

  std::unique_ptr<server::CatalogServer> Start(bool mutual) {
    server::ServerOptions options;
    options.address = "127.0.0.1:0";
    options.rpc_threads = 1;
    options.auth.jwt = testing::TestJwtConfig();
    options.tls.cert_file = *dir_ + "/server.pem";
    options.tls.key_file = *dir_ + "/server.key";
    if (mutual) options.tls.client_ca_file = *dir_ + "/ca.pem";
    auto server = server::CatalogServer::Start(options, env_->store());
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  // GetCatalog with an admin token, over `credentials`.
  grpc::Status Get(int port,
                   std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = v1::EnterpriseCatalogService::NewStub(grpc::CreateChannel(
        "localhost:" + std::to_string(port), std::move(credentials)));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    testing::TokenSpec spec;
    spec.roles = {std::string("enterprise_catalog_admin:") + kEnterprise};
    ctx.AddMetadata("authorization", "JWT " + testing::Hs256Token(spec));
    v1::GetCatalogRequest req;
    req.set_uuid(catalog_);
    v1::Catalog out;
    grpc::Status status = stub->GetCatalog(&ctx, req, &out);
    if (status.ok()) {
      EXPECT_EQ(out.title(), "Over TLS");
    }
    return status;
  }

  static std::shared_ptr<grpc::ChannelCredentials> Tls(
      const std::string& roots, const testing::PemPair* client = nullptr) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = roots;
    if (client != nullptr) {
      ssl.pem_cert_chain = client->cert_pem;
      ssl.pem_private_key = client->key_pem;
    }
    return grpc::SslCredentials(ssl);
  }

  static testing::TestPki* pki_;
  static std::string* dir_;
  std::string catalog_;
};

testing::TestPki* TlsTest::pki_ = nullptr;
std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, ServesOverTls) {
  auto server = Start(/*mutual=*/false);
  ASSERT_NE(server, nullptr);
  const grpc::Status ok = Get(server->port(), Tls(pki_->ca.cert_pem));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  // A plaintext client cannot talk to a TLS port.
  EXPECT_EQ(
      Get(server->port(), grpc::InsecureChannelCredentials()).error_code(),
      grpc::StatusCode::UNAVAILABLE);
  // Nor can one that does not trust the server's CA.
  EXPECT_EQ(Get(server->port(), Tls(pki_->other_ca.cert_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateFromTheConfiguredCa) {
  auto server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  const grpc::Status ok =
      Get(server->port(), Tls(pki_->ca.cert_pem, &pki_->client));
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(Get(server->port(), Tls(pki_->ca.cert_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Get(server->port(), Tls(pki_->ca.cert_pem, &pki_->other_client))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, TlsDoesNotReplaceTheToken) {
  auto server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  auto stub = v1::EnterpriseCatalogService::NewStub(
      grpc::CreateChannel("localhost:" + std::to_string(server->port()),
                          Tls(pki_->ca.cert_pem, &pki_->client)));
  grpc::ClientContext ctx;
  v1::GetCatalogRequest req;
  req.set_uuid(catalog_);
  v1::Catalog out;
  EXPECT_EQ(stub->GetCatalog(&ctx, req, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TlsTest, UnreadableFilesNameTheSetting) {
  server::ServerOptions options;
  options.address = "127.0.0.1:0";
  options.rpc_threads = 1;
  options.auth.jwt = testing::TestJwtConfig();
  options.tls.cert_file = *dir_ + "/missing.pem";
  options.tls.key_file = *dir_ + "/server.key";
  auto server = server::CatalogServer::Start(options, env_->store());
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()),
              ::testing::HasSubstr("ENTERPRISE_CATALOG_TLS_CERT_FILE"));
}

}  // namespace
}  // namespace ec
