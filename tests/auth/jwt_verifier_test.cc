#include "auth/jwt_verifier.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/escaping.h"
#include "auth/authenticator.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_tokens.h"

namespace ec::auth {
namespace {

using ::ec::testing::Hs256Token;
using ::ec::testing::Rs256Token;
using ::ec::testing::TestJwtConfig;
using ::ec::testing::TokenSpec;
using ::testing::HasSubstr;

std::unique_ptr<JwtVerifier> Verifier(
    const JwtConfig& config = TestJwtConfig()) {
  auto verifier = JwtVerifier::Create(config);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? std::move(*verifier) : nullptr;
}

void ExpectRefused(JwtVerifier& verifier, const std::string& token,
                   const std::string& why) {
  auto result = verifier.Verify(token);
  ASSERT_FALSE(result.ok()) << "accepted: " << token;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(why));
}

std::string Segment(const std::string& json) {
  return absl::WebSafeBase64Escape(json);
}

// A JWKS file in a temporary directory, rewritable for rotation tests.
class JwksFile {
 public:
  JwksFile()
      : path_(std::string(::testing::TempDir()) + "/jwks-" +
              std::to_string(counter_++) + ".json") {}
  ~JwksFile() { std::remove(path_.c_str()); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(JwtVerifierTest, AcceptsAValidHs256Token) {
  auto verifier = Verifier();
  TokenSpec spec;
  spec.subject = "alice";
  spec.roles = {"enterprise_learner:*", "enterprise_admin:x"};
  auto result = verifier->Verify(Hs256Token(spec));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->subject, "alice");
  EXPECT_EQ(result->roles, spec.roles);
}

TEST(JwtVerifierTest, ChecksExpiryWithLeeway) {
  auto verifier = Verifier();
  TokenSpec expired;
  expired.expires_in_seconds = -120;
  ExpectRefused(*verifier, Hs256Token(expired), "expired");
  TokenSpec within_leeway;
  within_leeway.expires_in_seconds = -10;  // leeway is 30 s
  EXPECT_TRUE(verifier->Verify(Hs256Token(within_leeway)).ok());
}

TEST(JwtVerifierTest, ChecksNotBefore) {
  auto verifier = Verifier();
  TokenSpec early;
  early.not_before_in_seconds = 600;
  ExpectRefused(*verifier, Hs256Token(early), "nbf");
  early.not_before_in_seconds = 10;
  EXPECT_TRUE(verifier->Verify(Hs256Token(early)).ok());
}

TEST(JwtVerifierTest, RefusesWrongSecretIssuerAndAudience) {
  auto verifier = Verifier();
  ExpectRefused(*verifier,
                Hs256Token(TokenSpec{}, "another-secret-of-sufficient-size"),
                "signature");
  TokenSpec spec;
  spec.issuer = "https://evil.test";
  ExpectRefused(*verifier, Hs256Token(spec), "issuer");
  spec = TokenSpec{};
  spec.audience = "some-other-service";
  ExpectRefused(*verifier, Hs256Token(spec), "audience");
}

TEST(JwtVerifierTest, AcceptsAnAudienceArrayNamingUs) {
  auto verifier = Verifier();
  const std::string claims =
      R"({"iss":")" + std::string(testing::kTestIssuer) + R"(","aud":["x",")" +
      testing::kTestAudience + R"("],"exp":)" +
      std::to_string(common::SystemNowMicros() / 1000000 + 60) + "}";
  auto token = SignHs256(claims, testing::kTestSecret);
  ASSERT_TRUE(token.ok());
  auto result = verifier->Verify(*token);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->roles.empty());
  EXPECT_EQ(result->subject, "unknown");
}

TEST(JwtVerifierTest, RefusesOddDatesAndAlgorithmTypes) {
  auto verifier = Verifier();
  const std::string base = R"({"iss":")" + std::string(testing::kTestIssuer) +
                           R"(","aud":")" + testing::kTestAudience + R"(",)";
  for (const std::string& dates :
       {std::string(R"("exp":1e30})"), std::string(R"("exp":"soon"})"),
        std::string(R"("exp":-5})"),
        std::string(R"("exp":9223372036854775807})"),
        std::string(R"("exp":4102444800,"nbf":1e300})"),
        std::string(R"("exp":4102444800,"nbf":"now"})")}) {
    auto token = SignHs256(base + dates, testing::kTestSecret);
    ASSERT_TRUE(token.ok()) << dates;
    auto result = verifier->Verify(*token);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
        << dates;
  }
  // Fractional dates are NumericDates too.
  auto token = SignHs256(base + R"("exp":4102444800.5})", testing::kTestSecret);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(verifier->Verify(*token).ok());
  // An alg that is not a string is refused, not a crash.
  ExpectRefused(*verifier, "eyJhbGciOjF9.eyJhIjoxfQ.AAAA", "not accepted");
}

TEST(JwtVerifierTest, RequiresExp) {
  auto verifier = Verifier();
  auto token = SignHs256(R"({"iss":")" + std::string(testing::kTestIssuer) +
                             R"(","aud":")" + testing::kTestAudience + R"("})",
                         testing::kTestSecret);
  ASSERT_TRUE(token.ok());
  ExpectRefused(*verifier, *token, "exp");
}

TEST(JwtVerifierTest, RefusesTamperedPayload) {
  auto verifier = Verifier();
  TokenSpec spec;
  spec.roles = {"enterprise_learner:*"};
  const std::string token = Hs256Token(spec);
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  spec.roles = {"enterprise_openedx_operator:*"};
  const std::string forged_payload = [&] {
    const std::string other = Hs256Token(spec, "whatever-secret-0123456789");
    const size_t o1 = other.find('.');
    return other.substr(o1 + 1, other.find('.', o1 + 1) - o1 - 1);
  }();
  ExpectRefused(*verifier,
                token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2),
                "signature");
}

TEST(JwtVerifierTest, RefusesAlgNoneAndOtherAlgorithms) {
  auto verifier = Verifier();
  const std::string payload = Segment(testing::ClaimsJson(TokenSpec{}));
  ExpectRefused(*verifier,
                Segment(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".",
                "malformed");
  ExpectRefused(
      *verifier,
      Segment(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".c2ln",
      "not accepted");
  ExpectRefused(*verifier,
                Segment(R"({"alg":"HS512"})") + "." + payload + ".c2ln",
                "not accepted");
  ExpectRefused(*verifier,
                Segment(R"({"typ":"JWT"})") + "." + payload + ".c2ln",
                "not accepted");
}

TEST(JwtVerifierTest, RefusesGarbage) {
  auto verifier = Verifier();
  for (const std::string& junk :
       {std::string(), std::string("abc"), std::string("a.b"),
        std::string("a.b.c.d"), std::string("...."), std::string("e30.e30.e30"),
        std::string("!!!.@@@.###"), std::string(20000, 'a'),
        Segment("[1,2]") + "." + Segment("{}") + ".c2ln",
        Segment(std::string(50, '[')) + "." + Segment("{}") + ".c2ln"}) {
    auto result = verifier->Verify(junk);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
        << junk.substr(0, 80);
  }
}

TEST(JwtVerifierTest, Rs256ByKidAndNoAlgorithmConfusion) {
  const testing::RsaTestKey key = testing::MakeRsaKey("k1");
  JwksFile file;
  file.Write(testing::JwksJson({key}));
  JwtConfig config = TestJwtConfig();
  config.hs256_secret.clear();
  config.jwks_file = file.path();
  auto verifier = Verifier(config);
  TokenSpec spec;
  spec.roles = {"enterprise_openedx_operator:*"};
  auto result = verifier->Verify(Rs256Token(spec, key));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->roles, spec.roles);

  // Signed by a key that is not in the JWKS, under the same kid.
  const testing::RsaTestKey impostor = testing::MakeRsaKey("k1");
  ExpectRefused(*verifier, Rs256Token(spec, impostor), "signature");
  ExpectRefused(*verifier, Rs256Token(spec, testing::MakeRsaKey("k2")),
                "unknown signing key");
  // The classic confusion: HS256 "signed" with the public key as the secret.
  // Without an HS256 secret configured the algorithm is not accepted at all.
  ExpectRefused(*verifier, Hs256Token(spec, key.public_jwk_json),
                "not accepted");
}

TEST(JwtVerifierTest, PicksUpRotatedKeysFromTheJwksFile) {
  const testing::RsaTestKey old_key = testing::MakeRsaKey("old");
  const testing::RsaTestKey new_key = testing::MakeRsaKey("new");
  JwksFile file;
  file.Write(testing::JwksJson({old_key}));
  JwtConfig config = TestJwtConfig();
  config.jwks_file = file.path();
  int64_t now = common::SystemNowMicros();
  auto verifier = JwtVerifier::Create(config, [&now] { return now; });
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  file.Write(testing::JwksJson({old_key, new_key}));
  // The unknown kid triggers a reload: at most one per 30 s.
  now += 31'000'000;
  EXPECT_TRUE((*verifier)->Verify(Rs256Token(TokenSpec{}, new_key)).ok());
  const testing::RsaTestKey newer_key = testing::MakeRsaKey("newer");
  file.Write(testing::JwksJson({newer_key}));
  now += 1'000'000;  // too soon for another reload
  ExpectRefused(**verifier, Rs256Token(TokenSpec{}, newer_key),
                "unknown signing key");
  now += 30'000'000;
  EXPECT_TRUE((*verifier)->Verify(Rs256Token(TokenSpec{}, newer_key)).ok());
  // HS256 keeps working beside the JWKS.
  EXPECT_TRUE((*verifier)->Verify(Hs256Token(TokenSpec{})).ok());
}

TEST(JwtVerifierTest, RemovedKeysStopVerifyingWithinFiveMinutes) {
  const testing::RsaTestKey key = testing::MakeRsaKey("k1");
  const testing::RsaTestKey other = testing::MakeRsaKey("k2");
  JwksFile file;
  file.Write(testing::JwksJson({key, other}));
  JwtConfig config = TestJwtConfig();
  config.jwks_file = file.path();
  int64_t now = common::SystemNowMicros();
  auto verifier = JwtVerifier::Create(config, [&now] { return now; });
  ASSERT_TRUE(verifier.ok());
  TokenSpec spec;
  spec.expires_in_seconds = 24 * 3600;
  const std::string token = Rs256Token(spec, key);
  EXPECT_TRUE((*verifier)->Verify(token).ok());
  file.Write(testing::JwksJson({other}));  // k1 revoked
  now += 60'000'000;
  EXPECT_TRUE((*verifier)->Verify(token).ok());  // not yet re-read
  now += 241'000'000;
  ExpectRefused(**verifier, token, "unknown signing key");
}

TEST(JwtVerifierTest, RememberedTokensStillExpire) {
  int64_t now = common::SystemNowMicros();
  auto verifier = JwtVerifier::Create(TestJwtConfig(), [&now] { return now; });
  ASSERT_TRUE(verifier.ok());
  TokenSpec spec;
  spec.expires_in_seconds = 40;
  const std::string token = Hs256Token(spec);
  EXPECT_TRUE((*verifier)->Verify(token).ok());
  now += 60'000'000;  // past exp, within the 30 s leeway
  EXPECT_TRUE((*verifier)->Verify(token).ok());
  now += 20'000'000;  // past exp + leeway
  ExpectRefused(**verifier, token, "expired");
}

TEST(JwtVerifierTest, CreateNamesTheMissingSetting) {
  JwtConfig config = TestJwtConfig();
  config.hs256_secret.clear();
  EXPECT_THAT(std::string(JwtVerifier::Create(config).status().message()),
              HasSubstr("ENTERPRISE_CATALOG_JWT_SECRET"));
  config = TestJwtConfig();
  config.issuers.clear();
  EXPECT_THAT(std::string(JwtVerifier::Create(config).status().message()),
              HasSubstr("ENTERPRISE_CATALOG_JWT_ISSUER"));
  config = TestJwtConfig();
  config.audience.clear();
  EXPECT_THAT(std::string(JwtVerifier::Create(config).status().message()),
              HasSubstr("ENTERPRISE_CATALOG_JWT_AUDIENCE"));
  config = TestJwtConfig();
  config.jwks_file = "/nonexistent/jwks.json";
  EXPECT_THAT(std::string(JwtVerifier::Create(config).status().message()),
              HasSubstr("ENTERPRISE_CATALOG_JWKS_FILE"));
  JwksFile weak;
  weak.Write(testing::JwksJson({testing::MakeRsaKey("weak", 1024)}));
  config.jwks_file = weak.path();
  EXPECT_THAT(std::string(JwtVerifier::Create(config).status().message()),
              HasSubstr("at least 2048"));
  JwksFile junk;
  junk.Write("{\"keys\": 5}");
  config.jwks_file = junk.path();
  EXPECT_FALSE(JwtVerifier::Create(config).ok());
}

TEST(AuthenticatorTest, ReadsJwtAndBearerSchemes) {
  AuthConfig config;
  config.jwt = TestJwtConfig();
  auto auth = Authenticator::Create(config);
  ASSERT_TRUE(auth.ok());
  TokenSpec spec;
  spec.roles = {"enterprise_learner:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"};
  const std::string token = Hs256Token(spec);
  for (const std::string& header : {"JWT " + token, "Bearer " + token,
                                    "bearer " + token, "jwt  " + token + " "}) {
    auto principal = (*auth)->Authenticate(header);
    ASSERT_TRUE(principal.ok()) << header << principal.status();
    EXPECT_TRUE(principal->CanRead("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"));
    EXPECT_FALSE(principal->CanReadGlobal());
  }
  for (const std::string& header : {"Basic " + token, token, std::string()}) {
    EXPECT_EQ((*auth)->Authenticate(header).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  auto missing = (*auth)->Authenticate(std::nullopt);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("authorization: JWT <token>"));
}

TEST(AuthenticatorTest, DisabledTreatsEveryoneAsOperator) {
  AuthConfig config;
  config.disabled = true;
  auto auth = Authenticator::Create(config);
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE((*auth)->disabled());
  auto principal = (*auth)->Authenticate(std::nullopt);
  ASSERT_TRUE(principal.ok());
  EXPECT_TRUE(principal->CanReadGlobal());
  EXPECT_TRUE(principal->CanAdmin("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"));
}

TEST(AuthenticatorTest, OnByDefaultAndNeedsKeys) {
  EXPECT_FALSE(Authenticator::Create(AuthConfig{}).ok());
}

}  // namespace
}  // namespace ec::auth
