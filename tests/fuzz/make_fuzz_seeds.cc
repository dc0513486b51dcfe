// Writes the seeds that must be minted with the project's own code: real
// page tokens (ec::PageTokenCodec) into corpus/page_token_fuzz and real JWTs
// (ec::auth::SignHs256), near misses and claims/header objects into
// corpus/jwt_fuzz. Deterministic: re-running it changes nothing unless the
// token formats or the constants in fuzz_seeds.h do.
//
//   build-fuzz/tests/fuzz/make_fuzz_seeds tests/fuzz/corpus

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "auth/jwt_verifier.h"
#include "common/page_token.h"
#include "domain/canonical_json.h"
#include "tests/fuzz/fuzz_seeds.h"

namespace {

using ec::fuzz::kJwtAudience;
using ec::fuzz::kJwtIssuer;
using ec::fuzz::kJwtNowSeconds;
using ec::fuzz::kJwtSecret;

using Files = std::vector<std::pair<std::string, std::string>>;

std::string B64(const std::string& bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

Files PageTokenSeeds() {
  const ec::common::PageTokenCodec codec(ec::fuzz::kPageTokenSecret);
  const std::string scope(ec::fuzz::kPageTokenScope);
  Files files = {
      {"token_content_key",
       codec.Encode(scope, "course-v1:edX+DemoX+Demo_Course")},
      {"token_uuid_position",
       codec.Encode(scope,
                    "program\x1f"
                    "a3951294-926b-4247-8c3c-51c1e4347a15")},
      {"token_empty_position", codec.Encode(scope, "")},
      {"token_binary_position",
       codec.Encode(scope, std::string("\0\xff\x01\x80pos", 7))},
      // 751 position bytes encode to exactly kMaxPageTokenBytes characters;
      // one more goes over.
      {"token_at_size_limit", codec.Encode(scope, std::string(751, 'p'))},
      {"token_over_size_limit", codec.Encode(scope, std::string(752, 'p'))},
      {"token_other_scope",
       codec.Encode("ListCatalogContent|catalog=00000000-0000-0000-0000-"
                    "000000000000",
                    "course-v1:edX+DemoX+Demo_Course")},
      {"token_empty_scope", codec.Encode("", "course:edX+DemoX")},
      {"token_other_secret",
       ec::common::PageTokenCodec("another-secret-of-enough-bytes")
           .Encode(scope, "course-v1:edX+DemoX+Demo_Course")},
      // The retired v1 layout: version 1 | md5(scope)[:8] | position.
      {"token_v1_layout",
       B64(absl::StrCat(
           "\x01",
           absl::HexStringToBytes(ec::domain::Md5Hex(scope).substr(0, 16)),
           "course-v1:edX+DemoX+Demo_Course"))},
      {"token_padded", codec.Encode(scope, "ab") + "=="},
      {"token_std_base64_chars", "+/+/AAAAAAAAAAAAAAAAAAAAAAAA"},
      {"empty", ""},
      {"one_char", "A"},
  };
  return files;
}

std::string Claims(const std::string& extra, const std::string& iss = "",
                   int64_t exp_offset = 3600) {
  return absl::StrCat(R"({"iss":")", iss.empty() ? kJwtIssuer : iss,
                      R"(","aud":")", kJwtAudience, R"(","exp":)",
                      kJwtNowSeconds + exp_offset, extra, "}");
}

bool JwtSeeds(Files* files) {
  bool ok = true;
  const auto sign = [&](const std::string& name, const std::string& claims,
                        const std::string& secret) {
    absl::StatusOr<std::string> token = ec::auth::SignHs256(claims, secret);
    if (!token.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(),
                   std::string(token.status().message()).c_str());
      ok = false;
      return std::string("x.y.z");
    }
    files->emplace_back(name, *token);
    return *token;
  };

  const std::string valid =
      sign("token_valid",
           Claims(R"(,"iat":1699999000,"preferred_username":"alice",)"
                  R"("roles":["enterprise_catalog_admin:*",)"
                  R"("enterprise_catalog_learner:3c8d0b52-9a2f-4c1e-8f00-)"
                  R"(1234567890ab"])"),
           kJwtSecret);
  sign("token_valid_aud_array_nbf",
       absl::StrCat(R"({"iss":")", kJwtIssuer, R"(","aud":["other",")",
                    kJwtAudience, R"("],"exp":)", kJwtNowSeconds + 60,
                    R"(,"nbf":)", kJwtNowSeconds - 60,
                    R"(,"sub":"svc-worker","user_id":42})"),
       kJwtSecret);
  sign("token_expired", Claims(R"(,"username":"bob")", "", -3600), kJwtSecret);
  sign("token_wrong_issuer", Claims("", "someone-else"), kJwtSecret);
  sign("token_no_exp",
       absl::StrCat(R"({"iss":")", kJwtIssuer, R"(","aud":")", kJwtAudience,
                    R"("})"),
       kJwtSecret);
  sign("token_other_secret", Claims(""), "not-the-fuzz-secret-0123456789");

  // Near misses a hand-rolled verifier gets wrong.
  const size_t dot1 = valid.find('.');
  const size_t dot2 = valid.rfind('.');
  const std::string payload = valid.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string signature = valid.substr(dot2 + 1);
  files->emplace_back("token_alg_none", B64(R"({"alg":"none","typ":"JWT"})") +
                                            "." + payload + ".");
  files->emplace_back("token_alg_rs256_confusion",
                      B64(R"({"alg":"RS256","typ":"JWT","kid":"k1"})") + "." +
                          payload + "." + signature);
  // A header member of the wrong type, read before any signature check.
  files->emplace_back("token_alg_not_string",
                      B64(R"({"alg":1})") + "." + payload + "." + signature);
  files->emplace_back("token_two_segments", valid.substr(0, dot2));
  files->emplace_back("token_padded_signature", valid + "=");

  // Inputs for the target's derived modes (as claims, as a header).
  files->emplace_back("claims_valid", Claims(R"(,"roles":["a:b"])"));
  files->emplace_back(
      "claims_edge",
      Claims(R"(,"nbf":1e30,"roles":[1,null,"x:y"],"user_id":-7)", "", 0));
  files->emplace_back(
      "claims_exp_int64_max",
      absl::StrCat(R"({"iss":")", kJwtIssuer, R"(","aud":")", kJwtAudience,
                   R"(","exp":9223372036854775807})"));
  files->emplace_back("claims_exp_far_future",
                      absl::StrCat(R"({"iss":")", kJwtIssuer, R"(","aud":")",
                                   kJwtAudience, R"(","exp":10000000000000})"));
  files->emplace_back("header_hs256", R"({"alg":"HS256","typ":"JWT"})");
  files->emplace_back("header_kid", R"({"typ":"JWT","alg":"HS256","kid":"a"})");
  return ok;
}

bool Write(const std::string& dir, const Files& files) {
  bool ok = true;
  for (const auto& [name, content] : files) {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
      std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
      ok = false;
    }
  }
  std::fprintf(stderr, "wrote %zu seeds to %s\n", files.size(), dir.c_str());
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT (e.g. tests/fuzz/corpus)\n",
                 argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  Files jwt;
  bool ok = JwtSeeds(&jwt);
  ok = Write(root + "/jwt_fuzz", jwt) && ok;
  ok = Write(root + "/page_token_fuzz", PageTokenSeeds()) && ok;
  return ok ? 0 : 1;
}
