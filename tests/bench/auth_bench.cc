// Token verification cost per call: HS256 and RS256, first sight of a token
// (libjwt verifies the signature) and every later call with the same token
// (the verifier remembers it). Not a test: scripts/bench.sh auth.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "tests/support/test_tokens.h"

namespace ec {
namespace {

using Clock = std::chrono::steady_clock;

// Median over `repeats` runs of the mean microseconds per call.
double MedianMicros(int repeats, int calls,
                    const std::function<bool(int)>& call) {
  std::vector<double> runs;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < calls; ++i) {
      if (!call(r * calls + i)) {
        std::fprintf(stderr, "verification failed\n");
        std::exit(1);
      }
    }
    runs.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count() /
        calls);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

std::unique_ptr<auth::Authenticator> MakeAuthenticator(
    const std::string& jwks_file) {
  auth::AuthConfig config;
  config.jwt = testing::TestJwtConfig();
  config.jwt.jwks_file = jwks_file;
  auto made = auth::Authenticator::Create(config);
  if (!made.ok()) {
    std::fprintf(stderr, "%s\n", std::string(made.status().message()).c_str());
    std::exit(1);
  }
  return std::move(*made);
}

int Main() {
  constexpr int kRepeats = 5;
  constexpr int kDistinct = 1000;
  const testing::RsaTestKey key = testing::MakeRsaKey("bench");
  const std::string jwks = "/tmp/ec-auth-bench-jwks.json";
  std::ofstream(jwks) << testing::JwksJson({key});

  // Distinct tokens (one per subject) so that each is seen once per run.
  std::vector<std::string> hs, rs;
  for (int i = 0; i < kRepeats * kDistinct; ++i) {
    testing::TokenSpec spec;
    spec.subject = "user" + std::to_string(i);
    spec.roles = {"enterprise_learner:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                  "enterprise_admin:bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"};
    hs.push_back("JWT " + testing::Hs256Token(spec));
    rs.push_back("JWT " + testing::Rs256Token(spec, key));
  }
  auto auth = MakeAuthenticator(jwks);
  const auto check = [&](const std::string& header) {
    return auth->Authenticate(header).ok();
  };
  const double hs_first =
      MedianMicros(kRepeats, kDistinct, [&](int i) { return check(hs[i]); });
  const double rs_first =
      MedianMicros(kRepeats, kDistinct, [&](int i) { return check(rs[i]); });
  const double hs_again =
      MedianMicros(kRepeats, 20 * kDistinct, [&](int) { return check(hs[0]); });
  const double rs_again =
      MedianMicros(kRepeats, 20 * kDistinct, [&](int) { return check(rs[0]); });
  std::printf("| token | first call (µs) | later calls, same token (µs) |\n");
  std::printf("|---|---|---|\n");
  std::printf("| HS256 | %.1f | %.2f |\n", hs_first, hs_again);
  std::printf("| RS256 (2048-bit, JWKS) | %.1f | %.2f |\n", rs_first, rs_again);
  std::remove(jwks.c_str());
  return 0;
}

}  // namespace
}  // namespace ec

int main() { return ec::Main(); }
